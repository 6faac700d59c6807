//! Canonical XML, written as the document streams past: Canonical XML 1.0 and 1.1 (inclusive)
//! and Exclusive XML Canonicalization 1.0, for the two node-sets an XML signature over SAML
//! metadata needs — a whole element minus a skipped subtree (the reference, after the
//! enveloped-signature transform), and an element whose ancestors are not in the set
//! (`SignedInfo`).
//!
//! What the specifications say, as applied here:
//! - an element is `<qname` + namespace declarations (default first, then by prefix) +
//!   attributes (by namespace URI, then local name; unqualified first) + `>` … `</qname>`;
//!   empty elements are written as start–end pairs;
//! - a namespace declaration is written where it changes what the nearest written ancestor
//!   declared. Inclusive: every namespace in scope is a candidate at the apex, and an element's
//!   own declarations below it. Exclusive: only the prefixes the element and its attributes use
//!   ("visibly utilized"), plus the `InclusiveNamespaces PrefixList`, which are treated
//!   inclusively;
//! - `xmlns=""` is written only to undo a default namespace that an ancestor wrote;
//! - text escapes `& < >` and CR; attribute values escape `& < "` and TAB, LF, CR;
//! - processing instructions are kept, comments only in the `WithComments` variants (and a
//!   same-document reference never has any: XML-DSig §4.4.3.3);
//! - inclusive canonicalization of an apex whose ancestors are left out copies their `xml:*`
//!   attributes onto it (1.1: `xml:lang` and `xml:space` only; an inherited `xml:base` would
//!   need URI fixing and is refused).
//!
//! Canonical XML 1.1 differs from 1.0 only in that `xml:*` inheritance, so for a whole element
//! they are the same.

use super::xml::{Bindings, Element, Namespaces, XML_NS};

/// A canonicalization algorithm, as a `CanonicalizationMethod` or `Transform` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct C14nMethod {
    pub kind: C14nKind,
    pub comments: bool,
    /// Exclusive canonicalization's `InclusiveNamespaces PrefixList` (`""` for `#default`).
    pub inclusive_prefixes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum C14nKind {
    Inclusive10,
    Inclusive11,
    Exclusive,
}

impl C14nMethod {
    /// The algorithm named by `uri`, if it is a canonicalization algorithm.
    pub fn from_uri(uri: &str) -> Option<Self> {
        let (kind, comments) = match uri {
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" => (C14nKind::Inclusive10, false),
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments" => {
                (C14nKind::Inclusive10, true)
            }
            "http://www.w3.org/2006/12/xml-c14n11" => (C14nKind::Inclusive11, false),
            "http://www.w3.org/2006/12/xml-c14n11#WithComments" => (C14nKind::Inclusive11, true),
            "http://www.w3.org/2001/10/xml-exc-c14n#" => (C14nKind::Exclusive, false),
            "http://www.w3.org/2001/10/xml-exc-c14n#WithComments" => (C14nKind::Exclusive, true),
            _ => return None,
        };
        Some(Self {
            kind,
            comments,
            inclusive_prefixes: Vec::new(),
        })
    }

    /// The default when a reference names no canonicalization (XML-DSig §4.4.3.2).
    pub fn default_for_reference() -> Self {
        Self {
            kind: C14nKind::Inclusive10,
            comments: false,
            inclusive_prefixes: Vec::new(),
        }
    }

    /// The short name people know it by.
    pub fn name(&self) -> &'static str {
        match (self.kind, self.comments) {
            (C14nKind::Inclusive10, false) => "c14n",
            (C14nKind::Inclusive10, true) => "c14n-with-comments",
            (C14nKind::Inclusive11, false) => "c14n11",
            (C14nKind::Inclusive11, true) => "c14n11-with-comments",
            (C14nKind::Exclusive, false) => "exc-c14n",
            (C14nKind::Exclusive, true) => "exc-c14n-with-comments",
        }
    }
}

/// Why an element cannot be canonicalized.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum C14nError {
    #[error("an inherited xml:base, which Canonical XML 1.1 would have to rewrite")]
    InheritedXmlBase,
}

/// Writes the canonical form of the nodes it is given to `out`; the caller drains `out` as it
/// likes (into a digest, or keeps it).
pub(super) struct Canonicalizer {
    method: C14nMethod,
    /// What the written ancestors declared, scoped like the elements.
    rendered: Bindings,
    /// The names of the elements written and not yet closed, end to end (`name_ends` marks
    /// where each ends): 0 before the apex.
    names: String,
    name_ends: Vec<usize>,
    /// Whether comments are written (the method allows them and the node-set holds them).
    comments: bool,
    pub out: Vec<u8>,
}

impl Canonicalizer {
    /// `keep_comments`: whether the node-set holds comments at all (a same-document reference's
    /// does not).
    pub fn new(method: C14nMethod, keep_comments: bool) -> Self {
        let comments = method.comments && keep_comments;
        Self {
            method,
            rendered: Bindings::default(),
            names: String::new(),
            name_ends: Vec::new(),
            comments,
            out: Vec::with_capacity(64 * 1024),
        }
    }

    /// Write a start tag. `namespaces` are the bindings in scope at it (its own included);
    /// `inherited_xml` the `xml:*` attributes of its left-out ancestors (the apex of a subset
    /// only; innermost first).
    pub fn start(
        &mut self,
        element: &Element<'_>,
        namespaces: &Namespaces,
        inherited_xml: &[(String, String)],
    ) -> Result<(), C14nError> {
        let apex = self.name_ends.is_empty();
        self.names.push_str(element.qname);
        self.name_ends.push(self.names.len());
        let mut declarations = self.declarations(element, namespaces, apex);
        declarations.sort_unstable_by(|a, b| a.0.cmp(b.0));
        self.rendered.open();
        self.out.push(b'<');
        self.out.extend_from_slice(element.qname.as_bytes());
        for (prefix, uri) in &declarations {
            if prefix.is_empty() {
                self.out.extend_from_slice(b" xmlns=\"");
            } else {
                self.out.extend_from_slice(b" xmlns:");
                self.out.extend_from_slice(prefix.as_bytes());
                self.out.extend_from_slice(b"=\"");
            }
            escape_attribute(uri, &mut self.out);
            self.out.push(b'"');
            self.rendered.push(prefix, uri);
        }
        let mut attributes: Vec<(&str, &str, &str, &str)> = element
            .attributes
            .iter()
            .map(|a| {
                let uri = if a.prefix.is_empty() {
                    ""
                } else {
                    namespaces.uri(a.prefix).unwrap_or("")
                };
                (uri, a.local, a.qname, a.value.as_ref())
            })
            .collect();
        if apex && self.method.kind != C14nKind::Exclusive {
            for (local, value) in inherited_xml {
                if self.method.kind == C14nKind::Inclusive11 {
                    match local.as_str() {
                        "lang" | "space" => {}
                        "base" => return Err(C14nError::InheritedXmlBase),
                        _ => continue,
                    }
                }
                let present = attributes
                    .iter()
                    .any(|(uri, l, _, _)| *uri == XML_NS && l == local);
                if !present {
                    attributes.push((XML_NS, local, "", value));
                }
            }
        }
        attributes.sort_unstable_by(|a, b| short_cmp(a.0, b.0).then_with(|| short_cmp(a.1, b.1)));
        for (uri, local, qname, value) in attributes {
            self.out.push(b' ');
            if qname.is_empty() && uri == XML_NS {
                self.out.extend_from_slice(b"xml:");
                self.out.extend_from_slice(local.as_bytes());
            } else {
                self.out.extend_from_slice(qname.as_bytes());
            }
            self.out.extend_from_slice(b"=\"");
            escape_attribute(value, &mut self.out);
            self.out.push(b'"');
        }
        self.out.push(b'>');
        Ok(())
    }

    /// The namespace declarations to write on `element`.
    fn declarations<'n>(
        &self,
        element: &Element<'n>,
        namespaces: &'n Namespaces,
        apex: bool,
    ) -> Vec<(&'n str, &'n str)> {
        let mut candidates: Vec<&str> = Vec::new();
        let mut add = |prefix: &'n str| {
            if prefix != "xml" && !candidates.contains(&prefix) {
                candidates.push(prefix);
            }
        };
        match self.method.kind {
            C14nKind::Exclusive => {
                add(element.prefix);
                for attribute in &element.attributes {
                    if !attribute.prefix.is_empty() {
                        add(attribute.prefix);
                    }
                }
                // Treated as inclusive canonicalization would: each such prefix in scope, and
                // `#default` always (so that an undone default namespace is undone here too).
                for prefix in &self.method.inclusive_prefixes {
                    if prefix.is_empty() {
                        add("");
                    } else if let Some(declared) = namespaces.declared(prefix) {
                        add(declared);
                    }
                }
            }
            C14nKind::Inclusive10 | C14nKind::Inclusive11 if apex => {
                for (prefix, _) in namespaces.in_scope() {
                    add(prefix);
                }
            }
            C14nKind::Inclusive10 | C14nKind::Inclusive11 => {
                for (prefix, _) in &element.declarations {
                    add(prefix);
                }
            }
        }
        candidates
            .into_iter()
            .filter_map(|prefix| {
                let uri = namespaces.uri(prefix).unwrap_or("");
                let written = self.rendered.get(prefix);
                let changes = if prefix.is_empty() {
                    written.unwrap_or("") != uri
                } else {
                    written != Some(uri)
                };
                changes.then_some((prefix, uri))
            })
            .collect()
    }

    /// Close the element last started.
    pub fn end(&mut self) {
        let Some(end) = self.name_ends.pop() else {
            return;
        };
        let start = self.name_ends.last().copied().unwrap_or(0);
        self.rendered.close();
        self.out.extend_from_slice(b"</");
        self.out
            .extend_from_slice(&self.names.as_bytes()[start..end]);
        self.out.push(b'>');
        self.names.truncate(start);
    }

    /// Elements started and not yet ended.
    pub fn open_elements(&self) -> usize {
        self.name_ends.len()
    }

    pub fn text(&mut self, text: &str) {
        escape_text(text, &mut self.out);
    }

    /// A comment inside the apex (outside it, see [`Canonicalizer::outside`]).
    pub fn comment(&mut self, text: &str) {
        if self.comments {
            self.out.extend_from_slice(b"<!--");
            self.out.extend_from_slice(text.as_bytes());
            self.out.extend_from_slice(b"-->");
        }
    }

    pub fn pi(&mut self, target: &str, data: &str) {
        self.out.extend_from_slice(b"<?");
        self.out.extend_from_slice(target.as_bytes());
        if !data.is_empty() {
            self.out.push(b' ');
            self.out.extend_from_slice(data.as_bytes());
        }
        self.out.extend_from_slice(b"?>");
    }

    /// A processing instruction (or comment) outside the document element, when the whole
    /// document is canonicalized: separated from the element by a line feed.
    pub fn outside(&mut self, before_root: bool, target: &str, data: &str) {
        if !before_root {
            self.out.push(b'\n');
        }
        self.pi(target, data);
        if before_root {
            self.out.push(b'\n');
        }
    }
}

/// Byte order of two short strings (names, namespace URIs), compared inline: a call to
/// `memcmp` per comparison was a fifth of the verification time.
fn short_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes().cmp(b.bytes())
}

fn escape_text(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    // Most text (certificates' base64, names, URLs) has nothing to escape.
    if memchr::memchr3(b'&', b'<', b'>', bytes).is_none() && memchr::memchr(b'\r', bytes).is_none()
    {
        out.extend_from_slice(bytes);
        return;
    }
    escape(bytes, out, |b| {
        Some(match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'\r' => b"&#xD;",
            _ => return None,
        })
    });
}

fn escape_attribute(value: &str, out: &mut Vec<u8>) {
    escape(value.as_bytes(), out, |b| {
        Some(match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'"' => b"&quot;",
            b'\t' => b"&#x9;",
            b'\n' => b"&#xA;",
            b'\r' => b"&#xD;",
            _ => return None,
        })
    });
}

/// `bytes` onto `out`, each byte that `escaped` names replaced by its reference.
fn escape(bytes: &[u8], out: &mut Vec<u8>, escaped: impl Fn(u8) -> Option<&'static [u8]>) {
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(reference) = escaped(b) {
            out.extend_from_slice(&bytes[from..i]);
            out.extend_from_slice(reference);
            from = i + 1;
        }
    }
    out.extend_from_slice(&bytes[from..]);
}

#[cfg(test)]
mod tests {
    //! Against the examples of the Canonical XML and Exclusive XML Canonicalization
    //! recommendations; the signatures `xmlsec1` made (tests/signature.rs) test the rest.

    use super::super::xml::{Flow, Handler, Node, walk};
    use super::*;

    /// Canonicalizes the whole document element, or the subtree at `apex` (a local name) with
    /// its ancestors left out.
    struct Whole {
        c14n: Canonicalizer,
        apex: Option<&'static str>,
        inside: usize,
        xml_attrs: Vec<(String, String)>,
    }

    impl Handler for Whole {
        fn node(
            &mut self,
            node: Node<'_, '_>,
            ns: &Namespaces,
            level: usize,
            _: (u64, u64),
        ) -> Flow {
            let _ = level;
            match node {
                Node::Start(e) => {
                    if self.inside == 0 && self.apex.is_some_and(|a| a != e.local) {
                        for a in &e.attributes {
                            if a.prefix == "xml" {
                                self.xml_attrs
                                    .insert(0, (a.local.into(), a.value.to_string()));
                            }
                        }
                        return Flow::Continue;
                    }
                    self.inside += 1;
                    self.c14n
                        .start(e, ns, &self.xml_attrs)
                        .expect("canonicalizes");
                }
                Node::End if self.inside > 0 => {
                    self.inside -= 1;
                    self.c14n.end();
                }
                Node::Text(t) if self.inside > 0 => self.c14n.text(t),
                Node::Comment(t) if self.inside > 0 => self.c14n.comment(t),
                Node::Pi(t, d) if self.inside > 0 => self.c14n.pi(t, d),
                _ => {}
            }
            Flow::Continue
        }
    }

    fn canonical(xml: &str, method: &str, prefixes: &[&str], apex: Option<&'static str>) -> String {
        let mut method = C14nMethod::from_uri(method).expect("known method");
        method.inclusive_prefixes = prefixes.iter().map(|p| (*p).to_owned()).collect();
        let mut handler = Whole {
            c14n: Canonicalizer::new(method, true),
            apex,
            inside: 0,
            xml_attrs: Vec::new(),
        };
        walk(
            xml.as_bytes(),
            &mut Namespaces::default(),
            &mut handler,
            0,
            64,
        )
        .expect("walks");
        String::from_utf8(handler.c14n.out).expect("UTF-8")
    }

    const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    const C14N_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
    const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

    #[test]
    fn empty_elements_attributes_and_namespaces_of_c14n_example_3_3() {
        let xml = r#"<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>"#;
        let want = r#"<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org"></e9>
         </e8>
      </e7>
   </e6>
</doc>"#;
        assert_eq!(canonical(xml, C14N, &[], None), want);
    }

    #[test]
    fn character_modifications_of_c14n_example_3_4() {
        let xml = "<doc>\r\n   <text>First line&#x0d;&#10;Second line</text>\n   <value>&#x32;</value>\n   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>\n   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n</doc>";
        let want = "<doc>\n   <text>First line&#xD;\nSecond line</text>\n   <value>2</value>\n   <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>\n   <compute expr=\"value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;\">valid</compute>\n   <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>\n</doc>";
        assert_eq!(canonical(xml, C14N, &[], None), want);
    }

    #[test]
    fn comments_and_processing_instructions() {
        let xml = "<doc><!-- c --><?pi  data ?><?empty?></doc>";
        assert_eq!(
            canonical(xml, C14N, &[], None),
            "<doc><?pi data ?><?empty?></doc>"
        );
        assert_eq!(
            canonical(xml, C14N_COMMENTS, &[], None),
            "<doc><!-- c --><?pi data ?><?empty?></doc>"
        );
    }

    /// Exclusive canonicalization writes only the namespaces an element uses, where it uses
    /// them; inclusive canonicalization of the same subset writes all that are in scope.
    #[test]
    fn exclusive_and_inclusive_subsets_of_exc_c14n_example_2_2() {
        let xml = r#"<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n0:local>"#;
        assert_eq!(
            canonical(xml, EXC, &[], Some("elem2")),
            r#"<n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>"#
        );
        assert_eq!(
            canonical(xml, C14N, &[], Some("elem2")),
            r#"<n1:elem2 xmlns:n0="foo:bar" xmlns:n1="http://example.net" xmlns:n3="ftp://example.org" xml:lang="en"><n3:stuff></n3:stuff></n1:elem2>"#
        );
        // A PrefixList prefix is written at the apex as inclusive canonicalization would.
        assert_eq!(
            canonical(xml, EXC, &["n0"], Some("elem2")),
            r#"<n1:elem2 xmlns:n0="foo:bar" xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>"#
        );
    }

    #[test]
    fn inclusive_apex_inherits_xml_attributes_and_exclusive_does_not() {
        let xml = r#"<a xml:lang="fr" xml:space="preserve"><b xml:lang="en"><c/></b></a>"#;
        assert_eq!(
            canonical(xml, C14N, &[], Some("b")),
            r#"<b xml:lang="en" xml:space="preserve"><c></c></b>"#
        );
        assert_eq!(
            canonical(xml, EXC, &[], Some("b")),
            r#"<b xml:lang="en"><c></c></b>"#
        );
    }

    #[test]
    fn default_namespace_undeclared_only_where_a_written_ancestor_declared_one() {
        let xml =
            r#"<a xmlns="urn:x"><b xmlns=""><c xmlns=""/></b><p:d xmlns:p="urn:p" xmlns=""/></a>"#;
        assert_eq!(
            canonical(xml, EXC, &[], None),
            r#"<a xmlns="urn:x"><b xmlns=""><c></c></b><p:d xmlns:p="urn:p"></p:d></a>"#
        );
        assert_eq!(
            canonical(xml, C14N, &[], None),
            r#"<a xmlns="urn:x"><b xmlns=""><c></c></b><p:d xmlns="" xmlns:p="urn:p"></p:d></a>"#
        );
    }
}
