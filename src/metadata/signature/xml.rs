//! The XML that signature verification reads: quick-xml events with namespaces tracked and with
//! attribute values and text normalized as an XML processor must before canonicalization
//! (line ends, character and predefined entity references, attribute whitespace).
//!
//! Never expands entities and refuses a DOCTYPE, like the metadata parser; bounds nesting and
//! namespace declarations so that a hostile document cannot grow the stacks without limit.

use std::borrow::Cow;
use std::io::{BufRead, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::metadata::input::predefined_entity;

pub(super) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// Namespace declarations in scope at once (the metadata parser allows as many).
const MAX_BINDINGS: usize = 1024;
/// The event buffer is given back once an event made it larger than this.
const MAX_KEPT_BUFFER: usize = 1 << 20;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// The largest piece of markup read (a start tag with its attributes, a comment, a CDATA
/// section): real metadata's are a few KB.
pub(super) const MAX_EVENT: usize = 8 << 20;

/// Why the XML could not be read for verification.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML at byte {offset}: {}", one_line(message))]
    Malformed { offset: u64, message: String },
    #[error("a DOCTYPE declaration (DTDs and entities are never expanded)")]
    Doctype,
    #[error("the entity reference &{}; (entities are never expanded)", one_line(.0))]
    Entity(String),
    #[error("elements nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("more than {MAX_BINDINGS} namespace declarations in scope")]
    TooManyBindings,
    #[error("an XML construct larger than {} MiB", .0 >> 20)]
    TooLarge(usize),
    #[error("the namespace prefix {} is used but never declared", one_line(.0))]
    UndeclaredPrefix(String),
    #[error("{0}")]
    Io(String),
}

/// `message` on one line and at most 200 characters: quick-xml quotes what it found, which in a
/// broken document can be anything, line ends included.
fn one_line(message: &str) -> String {
    const LONGEST: usize = 200;
    let mut line: String = message
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .take(LONGEST + 1)
        .collect();
    if line.chars().count() > LONGEST {
        line = line.chars().take(LONGEST).collect();
        line.push('…');
    }
    line
}

/// A stack of `prefix → value` pairs in scopes that open and close with elements, kept in one
/// string so that pushing and popping allocate nothing once warm. Holds the namespace bindings
/// in scope, and the canonicalizer's record of the namespaces it rendered.
#[derive(Default)]
pub(super) struct Bindings {
    text: String,
    /// `(start, prefix end, value end)` in `text`.
    entries: Vec<(usize, usize, usize)>,
    /// `entries.len()` when each open scope began.
    scopes: Vec<usize>,
}

impl Bindings {
    pub fn open(&mut self) {
        self.scopes.push(self.entries.len());
    }

    pub fn close(&mut self) {
        let keep = self.scopes.pop().unwrap_or(0);
        let text_end = self.entries.get(keep).map_or(self.text.len(), |e| e.0);
        self.entries.truncate(keep);
        self.text.truncate(text_end);
    }

    pub fn push(&mut self, prefix: &str, value: &str) {
        let start = self.text.len();
        self.text.push_str(prefix);
        let middle = self.text.len();
        self.text.push_str(value);
        self.entries.push((start, middle, self.text.len()));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The innermost value bound to `prefix`.
    pub fn get(&self, prefix: &str) -> Option<&str> {
        self.entry(prefix).map(|(_, value)| value)
    }

    /// The innermost binding of `prefix`, as stored.
    pub fn entry(&self, prefix: &str) -> Option<(&str, &str)> {
        self.entries
            .iter()
            .rev()
            .find(|&&(start, middle, _)| {
                // Compared inline: these are a few bytes, looked up several times per element.
                middle - start == prefix.len()
                    && self.text[start..middle].bytes().eq(prefix.bytes())
            })
            .map(|&(start, middle, end)| (&self.text[start..middle], &self.text[middle..end]))
    }

    /// Every prefix with its innermost value, each once.
    pub fn in_scope(&self) -> Vec<(&str, &str)> {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for &(start, middle, end) in self.entries.iter().rev() {
            let prefix = &self.text[start..middle];
            if !seen.iter().any(|(p, _)| *p == prefix) {
                seen.push((prefix, &self.text[middle..end]));
            }
        }
        seen
    }
}

/// The namespaces in scope while reading.
#[derive(Default)]
pub(super) struct Namespaces {
    bindings: Bindings,
}

impl Namespaces {
    /// Start with `bindings` in scope (those of a subtree's left-out ancestors).
    pub fn with_bindings(bindings: &[(String, String)]) -> Self {
        let mut namespaces = Self::default();
        namespaces.bindings.open();
        for (prefix, uri) in bindings {
            namespaces.bindings.push(prefix, uri);
        }
        namespaces
    }

    /// The namespace URI of `prefix` (`""` for the default namespace); `None` when unbound
    /// (for `""`: no default namespace).
    pub fn uri(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        self.bindings.get(prefix).filter(|uri| !uri.is_empty())
    }

    /// The prefix as declared, if it is bound (to a namespace, not undone with `xmlns=""`).
    pub fn declared(&self, prefix: &str) -> Option<&str> {
        self.bindings
            .entry(prefix)
            .filter(|(_, uri)| !uri.is_empty())
            .map(|(prefix, _)| prefix)
    }

    /// Every binding in scope (the default namespace as `""`), innermost values.
    pub fn in_scope(&self) -> Vec<(&str, &str)> {
        self.bindings.in_scope()
    }

    fn open(&mut self, element: &Element<'_>) -> Result<(), XmlError> {
        self.bindings.open();
        for (prefix, uri) in &element.declarations {
            if self.bindings.len() >= MAX_BINDINGS {
                return Err(XmlError::TooManyBindings);
            }
            self.bindings.push(prefix, uri);
        }
        Ok(())
    }

    fn close(&mut self) {
        self.bindings.close();
    }
}

/// One attribute, namespace declarations excepted.
pub(super) struct Attr<'a> {
    pub qname: &'a str,
    pub prefix: &'a str,
    pub local: &'a str,
    /// The normalized value.
    pub value: Cow<'a, str>,
}

/// A start tag, read.
pub(super) struct Element<'a> {
    pub qname: &'a str,
    pub prefix: &'a str,
    pub local: &'a str,
    pub attributes: Vec<Attr<'a>>,
    /// This element's own namespace declarations (`""` for the default namespace).
    pub declarations: Vec<(&'a str, Cow<'a, str>)>,
}

impl Element<'_> {
    /// The value of the unprefixed attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.prefix.is_empty() && a.local == name)
            .map(|a| a.value.as_ref())
    }

    /// Is this element `{ns}local` under the bindings in `namespaces` (which include its own)?
    pub fn is(&self, namespaces: &Namespaces, ns: &str, local: &str) -> bool {
        self.local == local && namespaces.uri(self.prefix) == Some(ns)
    }
}

/// What a [`Handler`] sees, with the byte span it came from in the input.
pub(super) enum Node<'a, 'e> {
    /// A start tag; the namespaces passed along already include its declarations.
    Start(&'e Element<'a>),
    /// The end of the element last started (an empty element gets `Start` then `End`).
    End,
    /// Character data inside the root element, normalized, possibly in several pieces (the
    /// blanks allowed outside the root are not passed on; anything else there is refused).
    Text(&'e str),
    Comment(&'e str),
    /// A processing instruction: its target and its data without the leading blanks.
    Pi(&'e str, &'e str),
}

/// Whether to go on reading.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Flow {
    Continue,
    Stop,
}

/// Receives the document's nodes one by one, with `level`: how many elements enclose the node
/// (0 for the root's start and end tags and for anything outside the root, 1 for the root's
/// children and text), and the node's byte span in the input.
pub(super) trait Handler {
    fn node(
        &mut self,
        node: Node<'_, '_>,
        namespaces: &Namespaces,
        level: usize,
        span: (u64, u64),
    ) -> Flow;
}

/// How a walk ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Walked {
    /// The input ended.
    Ended,
    /// The handler asked to stop.
    Stopped,
}

/// Read `reader` to its end (or until `handler` says stop), handing each node to `handler`.
///
/// `offset` is added to every span (where `reader` starts in the original input); elements
/// nested deeper than `max_depth` are refused. Character data is read straight from the input
/// in pieces, never buffered whole (300 MB of blanks cost nothing); markup is read by quick-xml,
/// one construct at a time, and one larger than [`MAX_EVENT`] is refused.
pub(super) fn walk<R: BufRead>(
    reader: R,
    namespaces: &mut Namespaces,
    handler: &mut impl Handler,
    offset: u64,
    max_depth: usize,
) -> Result<Walked, XmlError> {
    let mut reader = reader;
    let offset = offset + skip_bom(&mut reader)?;
    let mut reader = Reader::from_reader(Bounded {
        inner: reader,
        taken: 0,
        refused: false,
    });
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut text = String::new();
    // Bytes read past quick-xml (character data), for the offsets.
    let mut direct = 0u64;
    loop {
        let at = offset + direct + reader.buffer_position();
        let (read, flow) = read_text(
            &mut reader.get_mut().inner,
            depth,
            namespaces,
            handler,
            at,
            &mut text,
        )?;
        direct += read;
        if flow == Flow::Stop {
            return Ok(Walked::Stopped);
        }
        if buf.capacity() > MAX_KEPT_BUFFER {
            buf = Vec::new();
        }
        buf.clear();
        reader.get_mut().taken = 0;
        let start = offset + direct + reader.buffer_position();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) if reader.get_ref().refused => return Err(XmlError::TooLarge(MAX_EVENT)),
            Err(e) => return Err(read_error(e, offset + direct + reader.error_position())),
        };
        let span = (start, offset + direct + reader.buffer_position());
        let malformed = |message: String| XmlError::Malformed {
            offset: start,
            message,
        };
        if depth == 0
            && matches!(
                event,
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
            )
        {
            outside_root(&event).map_err(malformed)?;
            continue;
        }
        let empty = matches!(event, Event::Empty(_));
        let flow = match event {
            Event::Start(tag) | Event::Empty(tag) => {
                if depth >= max_depth {
                    return Err(XmlError::TooDeep(max_depth));
                }
                let element = read_element(&tag).map_err(&malformed)?;
                namespaces.open(&element)?;
                check_prefixes(&element, namespaces)?;
                let mut flow = handler.node(Node::Start(&element), namespaces, depth, span);
                if empty {
                    if flow == Flow::Continue {
                        flow = handler.node(Node::End, namespaces, depth, span);
                    }
                    namespaces.close();
                } else {
                    depth += 1;
                }
                flow
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                let flow = handler.node(Node::End, namespaces, depth, span);
                namespaces.close();
                flow
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Eof => return Ok(Walked::Ended),
            other => content_node(other, &mut text, namespaces, handler, depth, span)?,
        };
        if flow == Flow::Stop {
            return Ok(Walked::Stopped);
        }
    }
}

/// A node other than an element's start or end, from quick-xml.
fn content_node(
    event: Event<'_>,
    text: &mut String,
    namespaces: &Namespaces,
    handler: &mut impl Handler,
    depth: usize,
    span: (u64, u64),
) -> Result<Flow, XmlError> {
    let malformed = |message: String| XmlError::Malformed {
        offset: span.0,
        message,
    };
    Ok(match event {
        // Text reaches quick-xml only if `read_text` left it some (it takes it all).
        Event::Text(raw) => {
            text.clear();
            normalize_line_ends(&raw, text);
            handler.node(Node::Text(text), namespaces, depth, span)
        }
        Event::CData(raw) => {
            text.clear();
            normalize_line_ends(&raw, text);
            handler.node(Node::Text(text), namespaces, depth, span)
        }
        Event::GeneralRef(reference) => {
            let c = referenced_char(&reference).map_err(|e| match e {
                RefError::Entity(name) => XmlError::Entity(name),
                RefError::Invalid(message) => malformed(message),
            })?;
            let mut utf8 = [0u8; 4];
            handler.node(
                Node::Text(c.encode_utf8(&mut utf8)),
                namespaces,
                depth,
                span,
            )
        }
        Event::Comment(comment) => {
            text.clear();
            normalize_line_ends(&comment, text);
            handler.node(Node::Comment(text), namespaces, depth, span)
        }
        // An XML declaration after leading blanks reads as a processing instruction.
        Event::PI(pi) if pi.target().eq_ignore_ascii_case("xml") => Flow::Continue,
        Event::PI(pi) => {
            text.clear();
            normalize_line_ends(pi.content().trim_start(), text);
            handler.node(Node::Pi(pi.target(), text), namespaces, depth, span)
        }
        // The declaration; start, end, DOCTYPE and the end of input are the caller's.
        _ => Flow::Continue,
    })
}

/// The input under quick-xml: refuses to go on once one construct has taken [`MAX_EVENT`]
/// bytes (quick-xml would buffer it whole).
struct Bounded<R> {
    inner: R,
    /// Bytes consumed since the current construct began.
    taken: usize,
    refused: bool,
}

impl<R: BufRead> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        read_buffered(self, out)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.taken > MAX_EVENT {
            self.refused = true;
            return Err(std::io::Error::other("an XML construct too large"));
        }
        // No more than the limit at once, so that the next look refuses.
        let room = MAX_EVENT + 1 - self.taken;
        let buffer = self.inner.fill_buf()?;
        Ok(&buffer[..buffer.len().min(room)])
    }

    fn consume(&mut self, amount: usize) {
        self.taken += amount;
        self.inner.consume(amount);
    }
}

/// The character data before the next markup or reference, straight from the input: handed
/// to `handler` in pieces as they are read (inside the root), or checked to be blanks (outside
/// it). Returns how many bytes it took.
fn read_text(
    reader: &mut impl BufRead,
    level: usize,
    namespaces: &Namespaces,
    handler: &mut impl Handler,
    at: u64,
    scratch: &mut String,
) -> Result<(u64, Flow), XmlError> {
    let io = |e: std::io::Error| XmlError::Io(format!("cannot read the document: {e}"));
    let mut total = 0u64;
    // The end of a character split between two reads.
    let mut carry: Vec<u8> = Vec::new();
    // A CR ended the last piece: a LF starting the next belongs to it.
    let mut pending_cr = false;
    loop {
        let buffer = reader.fill_buf().map_err(io)?;
        let end = memchr::memchr2(b'<', b'&', buffer).unwrap_or(buffer.len());
        if end == 0 {
            break;
        }
        let joined;
        let piece: &[u8] = if carry.is_empty() {
            &buffer[..end]
        } else {
            carry.extend_from_slice(&buffer[..end]);
            joined = std::mem::take(&mut carry);
            &joined
        };
        let valid = match std::str::from_utf8(piece) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                return Err(XmlError::Malformed {
                    offset: at + total,
                    message: "invalid UTF-8 in text".into(),
                });
            }
        };
        let text = std::str::from_utf8(&piece[..valid]).unwrap_or_default();
        carry = piece[valid..].to_vec();
        scratch.clear();
        let mut text = text;
        if pending_cr && !text.is_empty() {
            scratch.push('\n');
            text = text.strip_prefix('\n').unwrap_or(text);
            pending_cr = false;
        }
        if let Some(body) = text.strip_suffix('\r') {
            pending_cr = true;
            text = body;
        }
        normalize_line_ends(text, scratch);
        reader.consume(end);
        total += end as u64;
        let flow = deliver(scratch, level, namespaces, handler, (at, at + total))?;
        if flow == Flow::Stop {
            return Ok((total, flow));
        }
    }
    if !carry.is_empty() {
        return Err(XmlError::Malformed {
            offset: at + total,
            message: "invalid UTF-8 in text".into(),
        });
    }
    let flow = if pending_cr {
        deliver("\n", level, namespaces, handler, (at, at + total))?
    } else {
        Flow::Continue
    };
    Ok((total, flow))
}

/// Hand a piece of text to `handler`: inside the root; outside it only blanks may stand.
fn deliver(
    text: &str,
    level: usize,
    namespaces: &Namespaces,
    handler: &mut impl Handler,
    span: (u64, u64),
) -> Result<Flow, XmlError> {
    if text.is_empty() {
        return Ok(Flow::Continue);
    }
    if level > 0 {
        return Ok(handler.node(Node::Text(text), namespaces, level, span));
    }
    // A byte-order mark that arrived in pieces too small for `skip_bom` to see whole.
    let text = if span.0 == 0 {
        text.strip_prefix('\u{feff}').unwrap_or(text)
    } else {
        text
    };
    if text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n')) {
        Ok(Flow::Continue)
    } else {
        Err(XmlError::Malformed {
            offset: span.0,
            message: "text outside the root element".into(),
        })
    }
}

fn read_error(error: quick_xml::Error, offset: u64) -> XmlError {
    match error {
        quick_xml::Error::Io(e) => XmlError::Io(format!("cannot read the document: {e}")),
        other => XmlError::Malformed {
            offset,
            message: other.to_string(),
        },
    }
}

/// Only blanks may stand outside the root element.
fn outside_root(event: &Event<'_>) -> Result<(), String> {
    match event {
        Event::Text(raw)
            if raw
                .bytes()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) =>
        {
            Ok(())
        }
        _ => Err("text outside the root element".into()),
    }
}

/// Skip a UTF-8 byte-order mark; how many bytes that was.
fn skip_bom(reader: &mut impl BufRead) -> Result<u64, XmlError> {
    let head = reader
        .fill_buf()
        .map_err(|e| XmlError::Io(format!("cannot read the document: {e}")))?;
    if head.starts_with(UTF8_BOM) {
        reader.consume(UTF8_BOM.len());
        return Ok(UTF8_BOM.len() as u64);
    }
    Ok(0)
}

enum RefError {
    Entity(String),
    Invalid(String),
}

/// The character a reference in text stands for.
fn referenced_char(reference: &quick_xml::events::BytesRef<'_>) -> Result<char, RefError> {
    if reference.is_char_ref() {
        match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            Ok(None) | Err(_) => Err(RefError::Invalid(format!(
                "invalid character reference &{};",
                &**reference
            ))),
        }
    } else {
        predefined_entity(reference).ok_or_else(|| RefError::Entity(reference.to_string()))
    }
}

fn read_element<'a>(tag: &'a BytesStart<'_>) -> Result<Element<'a>, String> {
    let qname = tag.name().into_inner();
    let (prefix, local) = split_qname(qname);
    let mut element = Element {
        qname,
        prefix,
        local,
        attributes: Vec::new(),
        declarations: Vec::new(),
    };
    for attr in tag.attributes() {
        let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
        let key = attr.key.into_inner();
        let value = match attr.value {
            Cow::Borrowed(raw) => normalize_attribute(raw)?,
            Cow::Owned(raw) => Cow::Owned(normalize_attribute(&raw)?.into_owned()),
        };
        if key == "xmlns" {
            element.declarations.push(("", value));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            if value.is_empty() {
                return Err(format!(
                    "xmlns:{prefix}=\"\" undeclares a prefix, which XML 1.0 does not allow"
                ));
            }
            if prefix == "xml" || prefix == "xmlns" {
                // Bound by definition, never declared; canonical XML never writes them.
                continue;
            }
            element.declarations.push((prefix, value));
        } else {
            let (prefix, local) = split_qname(key);
            element.attributes.push(Attr {
                qname: key,
                prefix,
                local,
                value,
            });
        }
    }
    Ok(element)
}

/// Every prefix an element or its attributes use is declared.
fn check_prefixes(element: &Element<'_>, namespaces: &Namespaces) -> Result<(), XmlError> {
    let used = std::iter::once(element.prefix).chain(element.attributes.iter().map(|a| a.prefix));
    for prefix in used {
        if !prefix.is_empty() && namespaces.uri(prefix).is_none() {
            return Err(XmlError::UndeclaredPrefix(prefix.to_owned()));
        }
    }
    Ok(())
}

/// `Read::read` for a reader whose `BufRead` does the work: what its buffer holds, as much as
/// fits in `out`.
pub(super) fn read_buffered(reader: &mut impl BufRead, out: &mut [u8]) -> std::io::Result<usize> {
    let available = reader.fill_buf()?;
    let n = available.len().min(out.len());
    out[..n].copy_from_slice(&available[..n]);
    reader.consume(n);
    Ok(n)
}

fn split_qname(qname: &str) -> (&str, &str) {
    qname.split_once(':').unwrap_or(("", qname))
}

/// XML 1.0 §2.11: `\r\n` and a lone `\r` read as `\n`.
fn normalize_line_ends(raw: &str, out: &mut String) {
    if !raw.contains('\r') {
        out.push_str(raw);
        return;
    }
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
}

/// XML 1.0 §3.3.3 for an attribute of type CDATA (no DTD, so every attribute): references
/// replaced, and each literal tab, line feed, carriage return or CR LF pair read as one space.
/// A character reference stays the character it names (`&#10;` is a line feed).
fn normalize_attribute(raw: &str) -> Result<Cow<'_, str>, String> {
    if !raw.contains(['&', '\t', '\n', '\r', '<']) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find(['&', '\t', '\n', '\r', '<']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match tail.as_bytes()[0] {
            b'<' => return Err("'<' inside an attribute value".to_owned()),
            b'&' => {
                let end = tail
                    .find(';')
                    .ok_or_else(|| "an unterminated reference in an attribute value".to_owned())?;
                let name = &tail[1..end];
                let c = if let Some(number) = name.strip_prefix('#') {
                    let code = match number.strip_prefix('x') {
                        Some(hex) => u32::from_str_radix(hex, 16),
                        None => number.parse(),
                    };
                    code.ok()
                        .and_then(char::from_u32)
                        .filter(|&c| c != '\0')
                        .ok_or_else(|| format!("invalid character reference &{name};"))?
                } else {
                    predefined_entity(name).ok_or_else(|| {
                        format!("the entity reference &{name}; (entities are never expanded)")
                    })?
                };
                out.push(c);
                rest = &tail[end + 1..];
            }
            b'\r' => {
                out.push(' ');
                rest = tail.strip_prefix("\r\n").unwrap_or(&tail[1..]);
            }
            _ => {
                out.push(' ');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_are_normalized_as_xml_requires() {
        let cases = [
            ("plain", "plain"),
            ("a\tb\nc\r\nd\re", "a b c d e"),
            ("&#9;&#10;&#13;&#x20;", "\t\n\r "),
            ("&lt;&gt;&amp;&quot;&apos;", "<>&\"'"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_attribute(raw).as_deref(), Ok(want), "{raw:?}");
        }
        for bad in ["&foo;", "&#0;", "&#xZZ;", "a<b", "&amp"] {
            assert!(normalize_attribute(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn malformed_reads_as_one_short_line() {
        let long = XmlError::Malformed {
            offset: 7,
            message: format!("expected `</a>`, found `</b\n{}>`", "x".repeat(500)),
        }
        .to_string();
        assert!(!long.contains('\n') && long.contains("\\n"), "{long}");
        assert!(long.chars().count() < 260, "{long}");
    }

    #[test]
    fn line_ends_read_as_line_feeds() {
        let mut out = String::new();
        normalize_line_ends("a\r\nb\rc\n\r", &mut out);
        assert_eq!(out, "a\nb\nc\n\n");
    }

    /// Collects the text inside the root.
    #[derive(Default)]
    struct Texts(String);

    impl Handler for Texts {
        fn node(&mut self, node: Node<'_, '_>, _: &Namespaces, _: usize, _: (u64, u64)) -> Flow {
            if let Node::Text(text) = node {
                self.0.push_str(text);
            }
            Flow::Continue
        }
    }

    /// Text is read in pieces as the input arrives: a CR LF pair or a UTF-8 character split
    /// between two reads reads as if it were not.
    #[test]
    fn text_split_between_reads_reads_whole() {
        let xml = "\u{feff}<a>x\r\ny\r&amp;\r\u{e9}\u{20ac}\r\n</a>\n";
        for capacity in 1..8 {
            let reader = std::io::BufReader::with_capacity(capacity, xml.as_bytes());
            let mut texts = Texts::default();
            let walked = walk(reader, &mut Namespaces::default(), &mut texts, 0, 8);
            assert_eq!(walked, Ok(Walked::Ended));
            assert_eq!(texts.0, "x\ny\n&\n\u{e9}\u{20ac}\n", "capacity {capacity}");
        }
        let mut texts = Texts::default();
        let outside = walk(&b"<a/>x"[..], &mut Namespaces::default(), &mut texts, 0, 8);
        assert!(matches!(outside, Err(XmlError::Malformed { .. })));
        let broken = walk(
            &b"<a>\xC3</a>"[..],
            &mut Namespaces::default(),
            &mut texts,
            0,
            8,
        );
        assert!(matches!(broken, Err(XmlError::Malformed { .. })));
    }

    #[test]
    fn bindings_scope_with_elements() {
        let mut b = Bindings::default();
        b.open();
        b.push("", "urn:a");
        b.push("ds", "urn:ds");
        b.open();
        b.push("", "urn:b");
        assert_eq!(b.get(""), Some("urn:b"));
        assert_eq!(b.in_scope(), vec![("", "urn:b"), ("ds", "urn:ds")]);
        b.close();
        assert_eq!(b.get(""), Some("urn:a"));
        b.close();
        assert_eq!(b.get("ds"), None);
        assert!(b.text.is_empty());
    }
}
