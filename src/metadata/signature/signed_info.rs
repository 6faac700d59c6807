//! The `ds:Signature` element, read from its bytes: what it claims (`SignedInfo`), its value and
//! its certificate, checked against what a metadata signature may be — one reference, to the
//! document, through the enveloped-signature transform and at most one canonicalization, with
//! the key in an embedded `X509Certificate`.

use base64::Engine;

use super::c14n::{C14nKind, C14nMethod, Canonicalizer};
use super::crypto::{DigestAlgorithm, SignatureAlgorithm};
use super::xml::{Element, Flow, Handler, Namespaces, Node, XmlError, walk};
use super::{Invalid, Unsupported};

pub(super) const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// Text kept per value (a certificate is a few KB of base64).
const MAX_VALUE_TEXT: usize = 64 * 1024;
/// Nesting inside a signature: real ones are 5 deep.
const MAX_SIGNATURE_DEPTH: usize = 32;

/// What the reference covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// `URI=""`: the whole document.
    Document,
    /// `URI="#id"`: the element with that ID, which must be the root.
    Id(String),
}

/// A `ds:Signature` that has the shape of a metadata signature.
#[derive(Debug)]
pub(super) struct SignatureElement {
    pub c14n: C14nMethod,
    pub method: SignatureAlgorithm,
    pub target: Target,
    /// How the reference is canonicalized (after the enveloped-signature transform).
    pub reference_c14n: C14nMethod,
    pub digest: DigestAlgorithm,
    pub digest_value: Vec<u8>,
    pub signature_value: Vec<u8>,
    /// The DER of the first `X509Certificate` of the `KeyInfo`.
    pub certificate: Vec<u8>,
}

/// Why a signature element is not one we verify.
#[derive(Debug)]
pub(super) enum Problem {
    Invalid(Invalid),
    Unsupported(Unsupported),
    Xml(XmlError),
}

/// Where inside the signature an open element is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    Signature,
    SignedInfo,
    CanonicalizationMethod,
    SignatureMethod,
    Reference,
    Transforms,
    Transform,
    DigestMethod,
    DigestValue,
    SignatureValue,
    KeyInfo,
    X509Data,
    X509Certificate,
    /// Read no further (and nothing inside it).
    Other,
}

#[derive(Default)]
struct ReferenceParts {
    uri: Option<String>,
    /// `(Algorithm, PrefixList)`, and whether it holds an XPath / XSLT element.
    transforms: Vec<(String, Option<String>)>,
    digest_method: Option<String>,
    digest_value: String,
}

/// The raw parts, collected in one pass over the signature's bytes.
#[derive(Default)]
struct Parts {
    slots: Vec<Slot>,
    /// Element children of `Signature` and of `SignedInfo` seen so far.
    signature_children: usize,
    signed_info_children: usize,
    c14n: Option<String>,
    c14n_prefixes: Option<String>,
    method: Option<String>,
    references: Vec<ReferenceParts>,
    signature_value: Option<String>,
    x509_data: usize,
    certificates: Vec<String>,
    shape: Option<&'static str>,
}

impl Parts {
    fn child(&mut self, parent: Slot, element: &Element<'_>, ns: &Namespaces) -> Slot {
        let ds = |local| element.is(ns, DS, local);
        match parent {
            Slot::Signature => {
                self.signature_children += 1;
                match self.signature_children {
                    1 if ds("SignedInfo") => Slot::SignedInfo,
                    1 => self.misshapen("the signature's first element is not SignedInfo"),
                    2 if ds("SignatureValue") => {
                        self.signature_value = Some(String::new());
                        Slot::SignatureValue
                    }
                    2 => self.misshapen("SignedInfo is not followed by SignatureValue"),
                    3 if ds("KeyInfo") => Slot::KeyInfo,
                    _ if ds("Object") => Slot::Other,
                    _ => self.misshapen("the signature holds an unexpected element"),
                }
            }
            Slot::SignedInfo => {
                self.signed_info_children += 1;
                match self.signed_info_children {
                    1 if ds("CanonicalizationMethod") => {
                        self.c14n = element.attribute("Algorithm").map(str::to_owned);
                        Slot::CanonicalizationMethod
                    }
                    1 => self.misshapen("SignedInfo does not start with CanonicalizationMethod"),
                    2 if ds("SignatureMethod") => {
                        self.method = element.attribute("Algorithm").map(str::to_owned);
                        Slot::SignatureMethod
                    }
                    2 => self.misshapen("SignedInfo has no SignatureMethod after its c14n"),
                    _ if ds("Reference") => {
                        self.references.push(ReferenceParts {
                            uri: element.attribute("URI").map(str::to_owned),
                            ..ReferenceParts::default()
                        });
                        Slot::Reference
                    }
                    _ => self.misshapen("SignedInfo holds an unexpected element"),
                }
            }
            Slot::CanonicalizationMethod if element.is(ns, EXC_C14N, "InclusiveNamespaces") => {
                self.c14n_prefixes = element.attribute("PrefixList").map(str::to_owned);
                Slot::Other
            }
            Slot::Reference if ds("Transforms") => Slot::Transforms,
            Slot::Reference if ds("DigestMethod") => {
                if let Some(reference) = self.references.last_mut() {
                    reference.digest_method = element.attribute("Algorithm").map(str::to_owned);
                }
                Slot::DigestMethod
            }
            Slot::Reference if ds("DigestValue") => Slot::DigestValue,
            Slot::Transforms if ds("Transform") => {
                if let Some(reference) = self.references.last_mut() {
                    let algorithm = element.attribute("Algorithm").unwrap_or_default();
                    reference.transforms.push((algorithm.to_owned(), None));
                }
                Slot::Transform
            }
            Slot::Transform if element.is(ns, EXC_C14N, "InclusiveNamespaces") => {
                let prefixes = element.attribute("PrefixList").map(str::to_owned);
                if let Some((_, list)) = self
                    .references
                    .last_mut()
                    .and_then(|r| r.transforms.last_mut())
                {
                    *list = prefixes;
                }
                Slot::Other
            }
            Slot::KeyInfo if ds("X509Data") => {
                self.x509_data += 1;
                if self.x509_data == 1 {
                    Slot::X509Data
                } else {
                    Slot::Other
                }
            }
            Slot::X509Data if ds("X509Certificate") => {
                self.certificates.push(String::new());
                Slot::X509Certificate
            }
            Slot::Reference | Slot::Transforms => {
                self.misshapen("a Reference holds an unexpected element")
            }
            _ => Slot::Other,
        }
    }

    fn misshapen(&mut self, what: &'static str) -> Slot {
        self.shape.get_or_insert(what);
        Slot::Other
    }

    fn text(&mut self, text: &str) {
        let target = match self.slots.last() {
            Some(Slot::DigestValue) => self.references.last_mut().map(|r| &mut r.digest_value),
            Some(Slot::SignatureValue) => self.signature_value.as_mut(),
            Some(Slot::X509Certificate) => self.certificates.last_mut(),
            _ => None,
        };
        if let Some(target) = target {
            if target.len() + text.len() <= MAX_VALUE_TEXT {
                target.push_str(text);
            } else {
                self.shape
                    .get_or_insert("a value in the signature is longer than 64 KiB");
            }
        }
    }
}

impl Handler for Parts {
    fn node(&mut self, node: Node<'_, '_>, ns: &Namespaces, level: usize, _: (u64, u64)) -> Flow {
        match node {
            Node::Start(element) => {
                let slot = match self.slots.last() {
                    None if level == 0 => Slot::Signature,
                    None | Some(Slot::Other) => Slot::Other,
                    Some(&parent) => self.child(parent, element, ns),
                };
                self.slots.push(slot);
            }
            Node::End => {
                self.slots.pop();
            }
            Node::Text(text) => self.text(text),
            Node::Comment(_) | Node::Pi(..) => {}
        }
        Flow::Continue
    }
}

/// Read the signature in `bytes` (the `ds:Signature` element, from its `<` to its end), whose
/// ancestors bind `context`: the DER of its certificate, if it has one, and the signature if it
/// has the shape of a metadata signature.
pub(super) fn read(
    bytes: &[u8],
    context: &[(String, String)],
) -> (Option<Vec<u8>>, Result<SignatureElement, Problem>) {
    let mut parts = Parts::default();
    let mut namespaces = Namespaces::with_bindings(context);
    if let Err(e) = walk(bytes, &mut namespaces, &mut parts, 0, MAX_SIGNATURE_DEPTH) {
        return (None, Err(Problem::Xml(e)));
    }
    let certificate = parts
        .certificates
        .first()
        .and_then(|text| decode(text, "X509Certificate").ok());
    (certificate, interpret(parts))
}

fn interpret(parts: Parts) -> Result<SignatureElement, Problem> {
    let invalid = |i| Err(Problem::Invalid(i));
    let unsupported = |u| Err(Problem::Unsupported(u));
    if let Some(what) = parts.shape {
        return invalid(Invalid::Shape(what));
    }
    let Some(c14n_uri) = parts.c14n else {
        return invalid(Invalid::Shape("SignedInfo names no canonicalization"));
    };
    let Some(mut c14n) = C14nMethod::from_uri(&c14n_uri) else {
        return unsupported(Unsupported::Algorithm {
            role: "canonicalization",
            uri: c14n_uri,
        });
    };
    if c14n.kind == C14nKind::Exclusive {
        c14n.inclusive_prefixes = prefix_list(parts.c14n_prefixes.as_deref());
    }
    let Some(method_uri) = parts.method else {
        return invalid(Invalid::Shape("SignedInfo names no SignatureMethod"));
    };
    let Some(method) = SignatureAlgorithm::from_uri(&method_uri) else {
        return unsupported(Unsupported::Algorithm {
            role: "signature method",
            uri: method_uri,
        });
    };
    let mut references = parts.references;
    if references.len() != 1 {
        return invalid(Invalid::References(references.len()));
    }
    let reference = references.remove(0);
    let target = match reference.uri.as_deref() {
        Some("") => Target::Document,
        Some(uri) if uri.starts_with("#xpointer(") => {
            return unsupported(Unsupported::XPointer(uri.to_owned()));
        }
        Some(uri) if uri.starts_with('#') && uri.len() > 1 => Target::Id(uri[1..].to_owned()),
        Some(uri) => return invalid(Invalid::External(uri.to_owned())),
        None => return invalid(Invalid::External(String::new())),
    };
    let reference_c14n = transforms(&reference.transforms)?;
    let Some(digest_uri) = reference.digest_method else {
        return invalid(Invalid::Shape("the Reference names no DigestMethod"));
    };
    let Some(digest) = DigestAlgorithm::from_uri(&digest_uri) else {
        return unsupported(Unsupported::Algorithm {
            role: "digest",
            uri: digest_uri,
        });
    };
    let digest_value = decode(&reference.digest_value, "DigestValue")?;
    let signature_value = decode(
        parts.signature_value.as_deref().unwrap_or_default(),
        "SignatureValue",
    )?;
    let Some(certificate) = parts.certificates.first() else {
        return unsupported(Unsupported::NoCertificate);
    };
    let certificate = decode(certificate, "X509Certificate")?;
    Ok(SignatureElement {
        c14n,
        method,
        target,
        reference_c14n,
        digest,
        digest_value,
        signature_value,
        certificate,
    })
}

/// The reference's transforms: the enveloped-signature transform, then at most one
/// canonicalization. Returns that canonicalization (or the default).
fn transforms(transforms: &[(String, Option<String>)]) -> Result<C14nMethod, Problem> {
    let mut enveloped = false;
    let mut c14n: Option<C14nMethod> = None;
    for (algorithm, prefixes) in transforms {
        if algorithm == ENVELOPED && !enveloped && c14n.is_none() {
            enveloped = true;
        } else if let Some(mut method) = C14nMethod::from_uri(algorithm) {
            if c14n.is_some() || !enveloped {
                return Err(Problem::Unsupported(Unsupported::Transforms));
            }
            if method.kind == C14nKind::Exclusive {
                method.inclusive_prefixes = prefix_list(prefixes.as_deref());
            }
            c14n = Some(method);
        } else if algorithm == ENVELOPED {
            return Err(Problem::Unsupported(Unsupported::Transforms));
        } else {
            return Err(Problem::Unsupported(Unsupported::Transform(
                algorithm.clone(),
            )));
        }
    }
    if !enveloped {
        return Err(Problem::Invalid(Invalid::NotEnveloped));
    }
    Ok(c14n.unwrap_or_else(C14nMethod::default_for_reference))
}

/// `PrefixList="ds saml #default"` → `["ds", "saml", ""]`.
fn prefix_list(list: Option<&str>) -> Vec<String> {
    list.unwrap_or_default()
        .split_ascii_whitespace()
        .map(|p| if p == "#default" { "" } else { p }.to_owned())
        .collect()
}

fn decode(text: &str, what: &'static str) -> Result<Vec<u8>, Problem> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| Problem::Invalid(Invalid::Base64(what)))
}

/// The canonical form of the `SignedInfo` inside the signature `bytes`, with `method`, as a
/// subset whose ancestors (the signature, the root: they bind `context` and carry `xml_attrs`)
/// are left out.
pub(super) fn canonical_signed_info(
    bytes: &[u8],
    context: &[(String, String)],
    xml_attrs: &[(String, String)],
    method: &C14nMethod,
) -> Result<Vec<u8>, Problem> {
    struct SignedInfo {
        c14n: Canonicalizer,
        /// `xml:*` attributes of the left-out ancestors, innermost first.
        xml_attrs: Vec<(String, String)>,
        done: bool,
        error: Option<Problem>,
    }
    impl Handler for SignedInfo {
        fn node(
            &mut self,
            node: Node<'_, '_>,
            ns: &Namespaces,
            level: usize,
            _: (u64, u64),
        ) -> Flow {
            let inside = self.c14n.open_elements() > 0;
            match node {
                Node::Start(element) if !inside && level == 0 => {
                    // The Signature element: its xml:* attributes are the nearest inherited.
                    for attribute in element.attributes.iter().filter(|a| a.prefix == "xml") {
                        self.xml_attrs
                            .insert(0, (attribute.local.to_owned(), attribute.value.to_string()));
                    }
                }
                Node::Start(element)
                    if !inside && level == 1 && element.is(ns, DS, "SignedInfo") =>
                {
                    if let Err(e) = self.c14n.start(element, ns, &self.xml_attrs) {
                        self.error = Some(Problem::Unsupported(Unsupported::C14n(e)));
                        return Flow::Stop;
                    }
                }
                Node::Start(element) if inside => {
                    if let Err(e) = self.c14n.start(element, ns, &[]) {
                        self.error = Some(Problem::Unsupported(Unsupported::C14n(e)));
                        return Flow::Stop;
                    }
                }
                Node::End if inside => {
                    self.c14n.end();
                    if self.c14n.open_elements() == 0 {
                        self.done = true;
                        return Flow::Stop;
                    }
                }
                Node::Text(text) if inside => self.c14n.text(text),
                Node::Comment(text) if inside => self.c14n.comment(text),
                Node::Pi(target, data) if inside => self.c14n.pi(target, data),
                _ => {}
            }
            Flow::Continue
        }
    }
    let mut handler = SignedInfo {
        c14n: Canonicalizer::new(method.clone(), true),
        xml_attrs: xml_attrs.to_vec(),
        done: false,
        error: None,
    };
    let mut namespaces = Namespaces::with_bindings(context);
    walk(bytes, &mut namespaces, &mut handler, 0, MAX_SIGNATURE_DEPTH).map_err(Problem::Xml)?;
    if let Some(problem) = handler.error {
        return Err(problem);
    }
    if !handler.done {
        return Err(Problem::Invalid(Invalid::Shape(
            "the signature has no SignedInfo",
        )));
    }
    Ok(handler.c14n.out)
}
