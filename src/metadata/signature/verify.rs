//! Verification in two passes over one read of the input.
//!
//! 1. **Scan** from the start of the document to the end of the root's `ds:Signature` child,
//!    remembering the bytes read (a stream is recorded as it goes, up to [`RECORD_LIMIT`]; a
//!    slice is at hand anyway). SAML metadata puts the signature first, so this is a few KB;
//!    the signature is read, its `SignedInfo` canonicalized and its value checked with the
//!    certificate it carries, before anything else.
//! 2. **Digest**: the recorded bytes, then the rest of the stream, once more from the start,
//!    canonicalized with the reference's method straight into the digest, the signature
//!    skipped (the enveloped-signature transform), every element's ID compared with the one the
//!    signature covers, and a second signature on the root refused.
//!
//! Memory is what the two passes hold at once: the recording (small unless the signature comes
//! late, and never more than the limit), one XML event, 64 KB of canonical output and the
//! namespace stacks — never the document.

use std::cell::Cell;
use std::io::{BufRead, Read};

use super::c14n::Canonicalizer;
use super::crypto::{self, Refusal};
use super::kept::Kept;
use super::signed_info::{self, DS, Problem, SignatureElement, Target};
use super::xml::{Flow, Handler, Namespaces, Node, Walked, XmlError, read_buffered, walk};
use super::{Algorithms, Invalid, Outcome, Unsupported, Verification};
use crate::cert::Sha1;
use crate::metadata::MAX_DEPTH;

/// How much of a stream is kept while looking for the root's signature: a signature that is
/// not among the first this many bytes is not verified (SAML metadata puts it first; a
/// single-entity document that puts it last is a few dozen KB).
pub const RECORD_LIMIT: usize = 1 << 20;
/// Canonical output handed to the digest in pieces of about this size.
const DIGEST_CHUNK: usize = 64 * 1024;
/// The attributes that name an element's ID: SAML's `ID`, the `Id` / `id` of other XML
/// vocabularies, and `xml:id`.
const ID_ATTRIBUTES: [&str; 3] = ["ID", "Id", "id"];

/// Verify a document held in memory.
pub fn verify_bytes(bytes: &[u8]) -> Verification {
    verify_again(
        || bytes,
        |start, end| bytes[start.min(bytes.len())..end.min(bytes.len())].to_vec(),
    )
}

/// Verify a document kept in pieces.
pub(super) fn verify_kept(kept: &Kept) -> Verification {
    verify_again(|| kept.reader(), |start, end| kept.range(start, end))
}

/// Verify a document that `open` reads from the start as often as needed; `range` copies the
/// bytes between two offsets.
fn verify_again<R: BufRead>(
    open: impl Fn() -> R,
    range: impl Fn(usize, usize) -> Vec<u8>,
) -> Verification {
    let scan = match scan(open(), None) {
        Ok(scan) => scan,
        Err(e) => return Verification::of(xml_outcome(e)),
    };
    let Some((start, end)) = scan.signature else {
        return Verification::of(Outcome::Unsigned);
    };
    let signature = range(to_index(start), to_index(end));
    finish(&scan, &signature, open)
}

/// Verify a document read from `reader`, keeping at most [`RECORD_LIMIT`] bytes of it. The
/// second return is `true` when the scan gave up: no signature was among the first
/// [`RECORD_LIMIT`] bytes (the caller knows from its own read whether the root had one later).
pub(super) fn verify_stream(reader: impl BufRead) -> (Verification, bool) {
    let over = Cell::new(false);
    let mut recording = Recording {
        inner: reader,
        recorded: Kept::default(),
        over: &over,
    };
    let scan = match scan(&mut recording, Some(&over)) {
        Ok(scan) => scan,
        Err(e) => return (Verification::of(xml_outcome(e)), false),
    };
    if scan.gave_up {
        return (
            Verification::of(Outcome::Unsupported(Unsupported::SignatureLate {
                limit: RECORD_LIMIT,
            })),
            true,
        );
    }
    let Some((start, end)) = scan.signature else {
        return (Verification::of(Outcome::Unsigned), false);
    };
    let Recording {
        inner, recorded, ..
    } = recording;
    let signature = recorded.range(to_index(start), to_index(end));
    let verification = finish(&scan, &signature, || recorded.reader().chain(inner));
    (verification, false)
}

fn to_index(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

/// From the signature's bytes on: read it, check its value, then digest the document (`again`
/// reads it from the start).
fn finish<R: BufRead>(
    scan: &Scan<'_>,
    signature: &[u8],
    again: impl FnOnce() -> R,
) -> Verification {
    let root = scan.root.as_ref();
    let context = root.map_or(&[][..], |r| &r.declarations[..]);
    let xml_attrs = root.map_or(&[][..], |r| &r.xml_attrs[..]);
    let (certificate, read) = signed_info::read(signature, context);
    let mut verification = Verification::of(Outcome::Unsigned);
    verification.signer = certificate.as_deref().map(Sha1::of);
    let element = match read {
        Ok(element) => element,
        Err(problem) => {
            verification.outcome = outcome_of(problem);
            return verification;
        }
    };
    verification.algorithms = Some(Algorithms {
        canonicalization: element.c14n.name(),
        signature: element.method.name(),
        reference_canonicalization: element.reference_c14n.name(),
        digest: element.digest.name(),
    });
    verification.outcome = check(root, &element, signature, context, xml_attrs, again);
    verification
}

fn check<R: BufRead>(
    root: Option<&Root>,
    element: &SignatureElement,
    signature: &[u8],
    context: &[(String, String)],
    xml_attrs: &[(String, String)],
    again: impl FnOnce() -> R,
) -> Outcome {
    if let Target::Id(id) = &element.target
        && !root.is_some_and(|r| r.ids.iter().any(|own| own == id))
    {
        return Outcome::Invalid(Invalid::NotTheDocument { id: id.clone() });
    }
    let signed =
        match signed_info::canonical_signed_info(signature, context, xml_attrs, &element.c14n) {
            Ok(signed) => signed,
            Err(problem) => return outcome_of(problem),
        };
    if let Err(refusal) = crypto::verify_signature(
        element.method,
        &element.certificate,
        &signed,
        &element.signature_value,
    ) {
        return match refusal {
            Refusal::Invalid(invalid) => Outcome::Invalid(invalid),
            Refusal::Unsupported(unsupported) => Outcome::Unsupported(unsupported),
        };
    }
    match digest_document(element, again) {
        Ok(digest) if digest == element.digest_value => Outcome::Verified,
        Ok(_) => Outcome::Invalid(Invalid::DigestMismatch),
        Err(outcome) => outcome,
    }
}

/// The digest of the document as the signature's reference defines it (enveloped signature
/// removed, canonicalized, hashed); `again` reads the document from the start.
fn digest_document<R: BufRead>(
    element: &SignatureElement,
    again: impl FnOnce() -> R,
) -> Result<Vec<u8>, Outcome> {
    let id = match &element.target {
        Target::Id(id) => Some(id.as_str()),
        Target::Document => None,
    };
    let mut digest = Digest {
        c14n: Canonicalizer::new(element.reference_c14n.clone(), false),
        hash: ring::digest::Context::new(element.digest.ring()),
        whole_document: id.is_none(),
        id,
        root: RootState::Before,
        skipping: false,
        enveloped: false,
        problem: None,
    };
    if let Err(e) = walk(
        again(),
        &mut Namespaces::default(),
        &mut digest,
        0,
        MAX_DEPTH,
    ) {
        return Err(xml_outcome(e));
    }
    if let Some(problem) = digest.problem {
        return Err(problem);
    }
    digest.hash.update(&digest.c14n.out);
    Ok(digest.hash.finish().as_ref().to_vec())
}

/// What signing `doc` needs, for a document that carries a signature template (the demo
/// federation signs its metadata as AD FS does): the digest its reference must hold, and — once
/// that is in — the canonical `SignedInfo` to sign.
pub(crate) struct Template<'d> {
    doc: &'d [u8],
}

impl<'d> Template<'d> {
    pub(crate) fn new(doc: &'d [u8]) -> Self {
        Self { doc }
    }

    /// The root, its signature's bytes and that signature read.
    fn read(&self) -> Result<(Scan<'static>, Vec<u8>, SignatureElement), Outcome> {
        let scan = scan(self.doc, None).map_err(xml_outcome)?;
        let (start, end) = scan.signature.ok_or(Outcome::Unsigned)?;
        let signature = self.doc[to_index(start)..to_index(end).min(self.doc.len())].to_vec();
        let context = scan.root.as_ref().map_or(&[][..], |r| &r.declarations[..]);
        let (_, read) = signed_info::read(&signature, context);
        let element = read.map_err(outcome_of)?;
        Ok((scan, signature, element))
    }

    /// The value the signature's `DigestValue` must hold.
    pub(crate) fn digest(&self) -> Result<Vec<u8>, Outcome> {
        let (_, _, element) = self.read()?;
        digest_document(&element, || self.doc)
    }

    /// The bytes the signature value signs: `SignedInfo`, canonicalized.
    pub(crate) fn signed_info(&self) -> Result<Vec<u8>, Outcome> {
        let (scan, signature, element) = self.read()?;
        let root = scan.root.as_ref();
        let context = root.map_or(&[][..], |r| &r.declarations[..]);
        let xml_attrs = root.map_or(&[][..], |r| &r.xml_attrs[..]);
        signed_info::canonical_signed_info(&signature, context, xml_attrs, &element.c14n)
            .map_err(outcome_of)
    }
}

/// An XML construct too large to read, or a prefix that was never declared (the document cannot
/// be canonicalized), is no verdict on the signature; anything else that cannot be read is
/// invalid.
fn xml_outcome(error: XmlError) -> Outcome {
    match error {
        XmlError::TooLarge(limit) => Outcome::Unsupported(Unsupported::TooLarge { limit }),
        XmlError::UndeclaredPrefix(prefix) => {
            Outcome::Unsupported(Unsupported::UndeclaredPrefix(prefix))
        }
        other => Outcome::Invalid(Invalid::Xml(other)),
    }
}

fn outcome_of(problem: Problem) -> Outcome {
    match problem {
        Problem::Invalid(invalid) => Outcome::Invalid(invalid),
        Problem::Unsupported(unsupported) => Outcome::Unsupported(unsupported),
        Problem::Xml(e) => xml_outcome(e),
    }
}

/// A stream that keeps what was read from it, until it has kept more than [`RECORD_LIMIT`]
/// (then `over` is set and the recording dropped).
struct Recording<'c, R> {
    inner: R,
    recorded: Kept,
    over: &'c Cell<bool>,
}

impl<R: BufRead> Read for Recording<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        read_buffered(self, out)
    }
}

impl<R: BufRead> BufRead for Recording<'_, R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if !self.over.get() {
            if let Ok(buffer) = self.inner.fill_buf() {
                self.recorded.push(&buffer[..amount.min(buffer.len())]);
            }
            if self.recorded.len() > RECORD_LIMIT {
                self.over.set(true);
                self.recorded = Kept::default();
            }
        }
        self.inner.consume(amount);
    }
}

/// The root element's facts that verification needs.
struct Root {
    /// The values of its ID attributes.
    ids: Vec<String>,
    /// Its namespace declarations: what the signature inherits.
    declarations: Vec<(String, String)>,
    /// Its `xml:*` attributes.
    xml_attrs: Vec<(String, String)>,
}

/// Pass 1: the root, and the span of its first `ds:Signature` child.
struct Scan<'c> {
    root: Option<Root>,
    signature_start: Option<u64>,
    signature: Option<(u64, u64)>,
    /// Set when a recording stream has kept all it may.
    over: Option<&'c Cell<bool>>,
    gave_up: bool,
}

fn scan(reader: impl BufRead, over: Option<&Cell<bool>>) -> Result<Scan<'_>, XmlError> {
    let mut scan = Scan {
        root: None,
        signature_start: None,
        signature: None,
        over,
        gave_up: false,
    };
    let walked = walk(reader, &mut Namespaces::default(), &mut scan, 0, MAX_DEPTH)?;
    if walked == Walked::Ended && scan.signature_start.is_some() && scan.signature.is_none() {
        return Err(XmlError::Malformed {
            offset: scan.signature_start.unwrap_or_default(),
            message: "the document ends inside the signature".into(),
        });
    }
    Ok(scan)
}

impl Handler for Scan<'_> {
    fn node(
        &mut self,
        node: Node<'_, '_>,
        ns: &Namespaces,
        level: usize,
        span: (u64, u64),
    ) -> Flow {
        if self.over.is_some_and(Cell::get) {
            self.gave_up = true;
            return Flow::Stop;
        }
        match node {
            Node::Start(element) if level == 0 && self.root.is_none() => {
                let mut ids = Vec::new();
                let mut xml_attrs = Vec::new();
                for attribute in &element.attributes {
                    if attribute.prefix.is_empty() && ID_ATTRIBUTES.contains(&attribute.local) {
                        ids.push(attribute.value.to_string());
                    } else if attribute.prefix == "xml" {
                        if attribute.local == "id" {
                            ids.push(attribute.value.to_string());
                        }
                        xml_attrs.push((attribute.local.to_owned(), attribute.value.to_string()));
                    }
                }
                self.root = Some(Root {
                    ids,
                    declarations: element
                        .declarations
                        .iter()
                        .map(|(p, u)| ((*p).to_owned(), u.to_string()))
                        .collect(),
                    xml_attrs,
                });
            }
            Node::Start(element)
                if level == 1
                    && self.signature_start.is_none()
                    && element.is(ns, DS, "Signature") =>
            {
                self.signature_start = Some(span.0);
            }
            Node::End if level == 1 => {
                if let Some(start) = self.signature_start {
                    self.signature = Some((start, span.1));
                    return Flow::Stop;
                }
            }
            _ => {}
        }
        Flow::Continue
    }
}

/// Where pass 2 is relative to the root element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RootState {
    Before,
    Inside,
    After,
}

/// Pass 2: the canonical document into the digest.
struct Digest<'a> {
    c14n: Canonicalizer,
    hash: ring::digest::Context,
    /// `URI=""`: processing instructions outside the root count too.
    whole_document: bool,
    /// The ID the signature covers: no other element may have it.
    id: Option<&'a str>,
    root: RootState,
    /// Inside the enveloped signature.
    skipping: bool,
    /// The enveloped signature has been skipped.
    enveloped: bool,
    problem: Option<Outcome>,
}

impl Digest<'_> {
    fn stop(&mut self, outcome: Outcome) -> Flow {
        self.problem = Some(outcome);
        Flow::Stop
    }
}

impl Handler for Digest<'_> {
    fn node(&mut self, node: Node<'_, '_>, ns: &Namespaces, level: usize, _: (u64, u64)) -> Flow {
        // The signed ID is the root's alone, wherever else it might appear (inside the
        // signature's `Object`s too, which another reader might resolve it to).
        if let (Node::Start(element), Some(id)) = (&node, self.id)
            && level > 0
            && element.attributes.iter().any(|a| {
                (a.prefix.is_empty() && ID_ATTRIBUTES.contains(&a.local)
                    || a.prefix == "xml" && a.local == "id")
                    && a.value == id
            })
        {
            return self.stop(Outcome::Invalid(Invalid::DuplicateId(id.to_owned())));
        }
        if self.skipping {
            if matches!(node, Node::End) && level == 1 {
                self.skipping = false;
            }
            return Flow::Continue;
        }
        match node {
            Node::Start(element) => {
                if level == 0 {
                    if self.root != RootState::Before {
                        return Flow::Continue;
                    }
                    self.root = RootState::Inside;
                } else if level == 1 && element.is(ns, DS, "Signature") {
                    if self.enveloped {
                        return self.stop(Outcome::Invalid(Invalid::TwoSignatures));
                    }
                    self.enveloped = true;
                    self.skipping = true;
                    return Flow::Continue;
                }
                if let Err(e) = self.c14n.start(element, ns, &[]) {
                    return self.stop(Outcome::Unsupported(Unsupported::C14n(e)));
                }
            }
            Node::End => {
                self.c14n.end();
                if level == 0 {
                    self.root = RootState::After;
                }
            }
            Node::Text(text) if self.root == RootState::Inside => self.c14n.text(text),
            Node::Comment(text) if self.root == RootState::Inside => self.c14n.comment(text),
            Node::Pi(target, data) if self.root == RootState::Inside => self.c14n.pi(target, data),
            Node::Pi(target, data)
                if self.whole_document && !target.eq_ignore_ascii_case("xml") =>
            {
                self.c14n
                    .outside(self.root == RootState::Before, target, data);
            }
            Node::Text(_) | Node::Comment(_) | Node::Pi(..) => {}
        }
        if self.c14n.out.len() >= DIGEST_CHUNK {
            self.hash.update(&self.c14n.out);
            self.c14n.out.clear();
        }
        Flow::Continue
    }
}
