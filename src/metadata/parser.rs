//! The streaming reader: one quick-xml `Reader` pass with one reused buffer, a stack of
//! [`Frame`]s saying what each open element means, and the current entity being filled.
//!
//! ```text
//! EntitiesDescriptor* ─┬─ ds:Signature ─ ds:KeyInfo ─ ds:X509Data ─ ds:X509Certificate  (document)
//!                      └─ EntityDescriptor ─┬─ ds:Signature ─ …                         (entity)
//!                                           └─ role descriptor ─┬─ KeyDescriptor ─ ds:KeyInfo ─ ds:X509Data ─ ds:X509Certificate
//!                                                               ├─ fed:PassiveRequestorEndpoint ─ … ─ wsa:Address
//!                                                               └─ SingleSignOnService/@Location
//! ```
//!
//! Anything else is skipped without being kept. Elements match by namespace URI + local name.

use std::borrow::Cow;
use std::io::{BufRead, BufReader};

use quick_xml::XmlVersion;
use quick_xml::events::attributes::{AttrError, Attribute};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use quick_xml::reader::Reader;

use super::entity::{CertTexts, EntityBuilder};
use super::input::{self, describe_xml_error, predefined_entity};
use super::pipeline::{Pipeline, Prepare};
use super::{DocumentInfo, Entity, KeyUse, MetadataError, Role};

/// Deeper nesting than this is refused: real metadata is about 10 levels deep, and the limit
/// bounds the stacks a hostile document can build.
pub const MAX_DEPTH: usize = 256;
/// Cap on a `wsa:Address` text (a URL).
const MAX_ADDRESS_TEXT: usize = 8 * 1024;
/// The event buffer is given back once an event made it larger than this.
const MAX_KEPT_BUFFER: usize = 1 << 20;
/// The reading buffer (the size `inspect` gives its own file reader).
const READ_BUFFER: usize = 256 * 1024;
/// In-scope namespace declarations allowed at once (quick-xml's default is 128).
const MAX_NAMESPACE_BINDINGS: usize = 1024;

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const FED: &str = "http://docs.oasis-open.org/wsfed/federation/200706";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const WSA: &str = "http://www.w3.org/2005/08/addressing";
const WSA_2004: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";

/// The namespaces we read, resolved from the element's prefix or default namespace.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ns {
    Md,
    Ds,
    Fed,
    Wsa,
    Other,
}

impl Ns {
    fn of(resolved: &ResolveResult<'_>) -> Self {
        match resolved {
            ResolveResult::Bound(ns) => match ns.0 {
                MD => Self::Md,
                DS => Self::Ds,
                FED => Self::Fed,
                WSA | WSA_2004 => Self::Wsa,
                _ => Self::Other,
            },
            ResolveResult::Unbound | ResolveResult::Unknown(_) => Self::Other,
        }
    }
}

/// Whose enveloped signature a `ds:Signature` is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SignatureOf {
    Document,
    Entity,
}

/// Where a `ds:KeyInfo` sits: in a `KeyDescriptor`, or in a signature.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Holder {
    Key,
    Signature(SignatureOf),
}

/// What an open element means to us.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Frame {
    Entities {
        root: bool,
    },
    Entity,
    Role,
    KeyDescriptor,
    KeyInfo(Holder),
    X509Data(Holder),
    X509Certificate(Holder),
    Signature(SignatureOf),
    SingleSignOn,
    PassiveEndpoint,
    /// Inside a `PassiveRequestorEndpoint`, on the way to its `Address`.
    PassiveInner,
    Address,
    /// Not read, and neither is anything inside it.
    Ignored,
}

const ROLE_ELEMENTS: [&str; 6] = [
    "IDPSSODescriptor",
    "SPSSODescriptor",
    "AttributeAuthorityDescriptor",
    "AuthnAuthorityDescriptor",
    "PDPDescriptor",
    "RoleDescriptor",
];

/// Read a whole document, handing each entity, once `prepare` (on an analysing thread) made it
/// a `T`, to `on_item` in document order.
pub(super) fn parse_streaming<T: Send + 'static>(
    reader: impl BufRead,
    prepare: impl Fn(Entity) -> T + Sync,
    on_item: impl FnMut(T),
) -> Result<DocumentInfo, MetadataError> {
    let prepared = input::prepare(reader)?;
    let skipped = prepared.skipped;
    // A buffer of our own over the prepared input, so that the many small reads quick-xml and
    // `skip_blanks` make are plain slice operations on one concrete type, whatever the input
    // (a file, stdin, a boxed reader). Reads from below are whole buffers, mostly straight
    // into this one.
    let reader = BufReader::with_capacity(READ_BUFFER, prepared.reader);
    let mut reader = Reader::from_reader(reader);
    std::thread::scope(|scope| {
        let mut state = Reading::new(on_item, Pipeline::new(scope, &prepare));
        let read = read_events(&mut reader, skipped, &mut state);
        // Entities that closed before an error are still reported, as they were read.
        state.flush();
        read.and_then(|()| state.finish())
    })
}

/// Feed every event to `state` until the end of the document or the first error.
fn read_events<R: BufRead, T: Send + 'static, P: Prepare<T>, F: FnMut(T)>(
    reader: &mut Reader<R>,
    mut skipped: u64,
    state: &mut Reading<'_, '_, T, P, F>,
) -> Result<(), MetadataError> {
    let mut buf = Vec::new();
    loop {
        // One huge event (a giant text node) must not keep its memory for the rest of the read.
        if buf.capacity() > MAX_KEPT_BUFFER {
            buf = Vec::new();
        }
        buf.clear();
        // Whitespace between markup is skipped here, under quick-xml's feet, so that it is never
        // buffered: 300 MB of blanks inside the root must cost no memory. The count keeps the
        // reported offsets those of the original input.
        skipped += skip_blanks(reader.get_mut())?;
        if state.reading_certificate() {
            skipped += read_cert_text(reader.get_mut(), state.pipeline.texts())?;
        }
        let at = skipped + reader.buffer_position();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => {
                let offset = skipped + reader.error_position();
                let encoding = state.declared_encoding.as_deref();
                return Err(describe_xml_error(&e, offset, at, encoding));
            }
        };
        match event {
            Event::Start(e) => state.start(&e, at)?,
            Event::Empty(e) => {
                state.start(&e, at)?;
                state.end();
            }
            Event::End(_) => state.end(),
            Event::Text(text) => state.text(&text, at)?,
            Event::CData(data) => state.text(&data, at)?,
            Event::GeneralRef(reference) => state.reference(&reference, at)?,
            Event::DocType(doctype) => return Err(refuse_doctype(&doctype, at)),
            Event::Decl(decl) => {
                state.declared_encoding = decl.encoding().and_then(Result::ok).map(Cow::into_owned);
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => return Ok(()),
        }
    }
}

/// Consume the whitespace at the front of `reader`; how many bytes it was.
///
/// Called between events: quick-xml is then about to read text (which may start with blanks we
/// do not need: certificate base64 and URLs ignore them) or at a `<` / `&`, never inside markup.
fn skip_blanks(reader: &mut impl BufRead) -> Result<u64, MetadataError> {
    let mut total = 0u64;
    loop {
        let buf = reader
            .fill_buf()
            .map_err(|e| MetadataError::Io(format!("cannot read the document: {e}")))?;
        // XML's whitespace; a form feed is not one (it is not even allowed in XML).
        let blanks = buf
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .count();
        let more = blanks == buf.len() && blanks > 0;
        reader.consume(blanks);
        total += blanks as u64;
        // Something else follows in this buffer (or the input ended): done, with one read.
        if !more {
            return Ok(total);
        }
    }
}

/// Inside an `X509Certificate`: take its base64 straight from the input, without quick-xml
/// buffering and checking it as an event; how many bytes that was.
///
/// Half of an aggregate is certificate text. Only ASCII up to the next `<` or `&` is taken:
/// markup, references and any non-ASCII byte (which must be checked as UTF-8, and cannot be
/// base64 anyway) are left to quick-xml, as text it reads as usual.
fn read_cert_text(reader: &mut impl BufRead, texts: &mut CertTexts) -> Result<u64, MetadataError> {
    let mut total = 0u64;
    loop {
        let buf = reader
            .fill_buf()
            .map_err(|e| MetadataError::Io(format!("cannot read the document: {e}")))?;
        let available = buf.len();
        let end = memchr::memchr2(b'<', b'&', buf).unwrap_or(available);
        let run = &buf[..end];
        let ascii = if run.is_ascii() {
            end
        } else {
            run.iter().position(|b| !b.is_ascii()).unwrap_or(end)
        };
        texts.push(&buf[..ascii]);
        reader.consume(ascii);
        total += ascii as u64;
        // The whole buffer was text: there may be more after it.
        if ascii == 0 || ascii < available {
            return Ok(total);
        }
    }
}

fn refuse_doctype(doctype: &str, offset: u64) -> MetadataError {
    let name = doctype.trim_start();
    // `get` rather than slicing: the name may start with a multi-byte character.
    let is_html = name
        .get(..4)
        .is_some_and(|n| n.eq_ignore_ascii_case("html"))
        && name
            .get(4..)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| c.is_ascii_whitespace()));
    if is_html {
        MetadataError::Html
    } else {
        MetadataError::Doctype { offset }
    }
}

struct Reading<'scope, 'env, T, P, F> {
    on_item: F,
    /// The namespace bindings in scope, for the elements we read and their ancestors only:
    /// nothing inside a skipped element can name an element we read, so its declarations
    /// never matter and are not even looked for.
    names: NamespaceResolver,
    /// The depths (in `stack`) of the elements that declared namespaces, each a scope of
    /// `names`: the others leave the bindings as they are, and are not pushed at all.
    scopes: Vec<usize>,
    /// What each prefix (`""` for none) resolves to under the bindings in scope; emptied when
    /// they change. Metadata declares its few prefixes once, at the root, so resolving an
    /// element's name is mostly one look here.
    ns_of_prefix: Vec<(Box<str>, Ns)>,
    /// Finds `xmlns` in an element's attributes (built once: building one is not free).
    xmlns: memchr::memmem::Finder<'static>,
    /// Where entities go to have their certificates analysed.
    pipeline: Pipeline<'scope, 'env, T, P>,
    stack: Vec<Frame>,
    info: DocumentInfo,
    root_closed: bool,
    root_is_entity: bool,
    entity: Option<EntityBuilder>,
    role: Option<Role>,
    key_use: KeyUse,
    /// Position of the next `X509Certificate` inside the open `X509Data`.
    position: usize,
    /// The open signature's certificate has been taken (only its first one counts).
    signature_cert_taken: bool,
    /// The `wsa:Address` being read; `None` once it grew too long.
    address: Option<String>,
    declared_encoding: Option<String>,
}

impl<'scope, 'env, T: Send + 'static, P: Prepare<T>, F: FnMut(T)> Reading<'scope, 'env, T, P, F> {
    fn new(on_item: F, pipeline: Pipeline<'scope, 'env, T, P>) -> Self {
        let mut names = NamespaceResolver::default();
        names.set_max_namespace_bindings(MAX_NAMESPACE_BINDINGS);
        Self {
            on_item,
            names,
            scopes: Vec::new(),
            ns_of_prefix: Vec::new(),
            xmlns: memchr::memmem::Finder::new(b"xmlns"),
            pipeline,
            stack: Vec::new(),
            info: DocumentInfo::default(),
            root_closed: false,
            root_is_entity: false,
            entity: None,
            role: None,
            key_use: KeyUse::Any,
            position: 0,
            signature_cert_taken: false,
            address: None,
            declared_encoding: None,
        }
    }

    fn start(&mut self, element: &BytesStart<'_>, at: u64) -> Result<(), MetadataError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(MetadataError::TooDeep {
                limit: MAX_DEPTH,
                offset: at,
            });
        }
        if self.skipping() {
            // Inside a skipped element: skipped too, its name never resolved. This spares
            // most elements of an aggregate (mdui, organisations, contacts) any lookup.
            self.stack.push(Frame::Ignored);
            return Ok(());
        }
        // The element's own declarations are in scope for its name; `end` pops them. Looking
        // for `xmlns` in the raw attributes is much cheaper than reading them (and a value
        // that merely contains the word costs only the slow way).
        if self
            .xmlns
            .find(element.attributes_raw().as_bytes())
            .is_some()
        {
            self.names
                .push(element)
                .map_err(|e| describe_xml_error(&quick_xml::Error::Namespace(e), at, at, None))?;
            self.scopes.push(self.stack.len());
            self.ns_of_prefix.clear();
        }
        let name = element.name();
        let (local_name, prefix) = name.decompose();
        let ns = self.ns_of(prefix.map_or("", |p| p.into_inner()), name);
        let local = local_name.as_ref();
        let frame = match self.stack.last() {
            None => self.root_frame(ns, element, at)?,
            Some(&parent) => self.child_frame(parent, ns, local),
        };
        match frame {
            Frame::Entities { root: true } => {
                let attributes = Attributes::read(element, at)?;
                self.info.valid_until = attributes.valid_until;
                self.info.cache_duration = attributes.cache_duration;
            }
            Frame::Entity => self.begin_entity(element, at)?,
            Frame::Role => self.begin_role(element, local, at)?,
            Frame::KeyDescriptor => self.key_use = key_use_of(element, at)?,
            Frame::Signature(_) => {
                self.signature_cert_taken = false;
                // A child of the root: the document's own signature.
                self.info.has_signature |= self.stack.len() == 1;
            }
            Frame::X509Data(_) => self.position = 0,
            Frame::X509Certificate(_) => self.pipeline.texts().begin(),
            Frame::SingleSignOn => {
                if let (Some(location), Some(entity)) =
                    (attribute(element, "Location", at)?, self.entity.as_mut())
                {
                    entity.add_sign_in_url(&location);
                }
            }
            Frame::Address => self.address = Some(String::new()),
            _ => {}
        }
        self.stack.push(frame);
        Ok(())
    }

    /// The namespace of an element named `name`, whose prefix is `prefix`.
    fn ns_of(&mut self, prefix: &str, name: QName<'_>) -> Ns {
        /// More prefixes than this in one scope are resolved each time.
        const KEPT: usize = 16;
        if let Some(&(_, ns)) = self.ns_of_prefix.iter().find(|(p, _)| &**p == prefix) {
            return ns;
        }
        let ns = Ns::of(&self.names.resolve_element(name).0);
        if self.ns_of_prefix.len() < KEPT {
            self.ns_of_prefix.push((prefix.into(), ns));
        }
        ns
    }

    /// Inside an `X509Certificate`, where the text is a certificate's base64.
    fn reading_certificate(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::X509Certificate(_)))
    }

    /// Inside an element we do not read, where every child is skipped too.
    fn skipping(&self) -> bool {
        self.stack.last() == Some(&Frame::Ignored)
    }

    fn root_frame(
        &mut self,
        ns: Ns,
        element: &BytesStart<'_>,
        at: u64,
    ) -> Result<Frame, MetadataError> {
        let local_name = element.local_name();
        let local = local_name.as_ref();
        if self.root_closed {
            return Err(MetadataError::Malformed {
                offset: at,
                message: format!(
                    "a second root element <{}> after the first one closed",
                    element.name().0
                ),
            });
        }
        if local.eq_ignore_ascii_case("html") {
            return Err(MetadataError::Html);
        }
        match (ns, local) {
            (Ns::Md, "EntitiesDescriptor") => {
                self.info.aggregate = true;
                Ok(Frame::Entities { root: true })
            }
            (Ns::Md, "EntityDescriptor") => {
                self.root_is_entity = true;
                Ok(Frame::Entity)
            }
            _ => {
                let qname = element.name().0.to_owned();
                let found = match self.names.resolve_element(element.name()).0 {
                    ResolveResult::Bound(uri) => format!("{qname} xmlns=\"{}\"", uri.0),
                    ResolveResult::Unbound | ResolveResult::Unknown(_) => qname,
                };
                Err(MetadataError::NotMetadata { found })
            }
        }
    }

    fn child_frame(&self, parent: Frame, ns: Ns, local: &str) -> Frame {
        match (parent, ns, local) {
            (Frame::Entities { .. }, Ns::Md, "EntitiesDescriptor") => {
                Frame::Entities { root: false }
            }
            (Frame::Entities { .. }, Ns::Md, "EntityDescriptor") => Frame::Entity,
            (Frame::Entities { root: true }, Ns::Ds, "Signature") => {
                Frame::Signature(SignatureOf::Document)
            }
            (Frame::Entity, Ns::Ds, "Signature") => Frame::Signature(SignatureOf::Entity),
            (Frame::Entity, Ns::Md, name) if ROLE_ELEMENTS.contains(&name) => Frame::Role,
            (Frame::Role, Ns::Md, "KeyDescriptor") => Frame::KeyDescriptor,
            (Frame::Role, Ns::Md, "SingleSignOnService") if self.role == Some(Role::IdpSso) => {
                Frame::SingleSignOn
            }
            (Frame::Role, Ns::Fed, "PassiveRequestorEndpoint")
                if self.role == Some(Role::SecurityTokenService) =>
            {
                Frame::PassiveEndpoint
            }
            (Frame::PassiveEndpoint | Frame::PassiveInner, Ns::Wsa, "Address") => Frame::Address,
            (Frame::PassiveEndpoint | Frame::PassiveInner, _, _) => Frame::PassiveInner,
            (Frame::KeyDescriptor, Ns::Ds, "KeyInfo") => Frame::KeyInfo(Holder::Key),
            (Frame::Signature(of), Ns::Ds, "KeyInfo") => Frame::KeyInfo(Holder::Signature(of)),
            (Frame::KeyInfo(holder), Ns::Ds, "X509Data") => Frame::X509Data(holder),
            (Frame::X509Data(holder), Ns::Ds, "X509Certificate") => Frame::X509Certificate(holder),
            _ => Frame::Ignored,
        }
    }

    fn begin_entity(&mut self, element: &BytesStart<'_>, at: u64) -> Result<(), MetadataError> {
        let attributes = Attributes::read(element, at)?;
        self.pipeline.texts().begin_entity();
        let mut builder = EntityBuilder::default();
        let entity = builder.entity_mut();
        entity.entity_id = attributes.entity_id.unwrap_or_default();
        entity.valid_until = attributes.valid_until;
        entity.cache_duration = attributes.cache_duration;
        self.entity = Some(builder);
        Ok(())
    }

    fn begin_role(
        &mut self,
        element: &BytesStart<'_>,
        local: &str,
        at: u64,
    ) -> Result<(), MetadataError> {
        let role = match local {
            "IDPSSODescriptor" => Role::IdpSso,
            "SPSSODescriptor" => Role::SpSso,
            "AttributeAuthorityDescriptor" => Role::AttributeAuthority,
            "AuthnAuthorityDescriptor" => Role::AuthnAuthority,
            "PDPDescriptor" => Role::Pdp,
            _ => match xsi_type(&self.names, element, at)? {
                Some(value) => role_of_type(&self.names, &value),
                None => Role::OtherRole(String::new()),
            },
        };
        if let Some(entity) = self.entity.as_mut() {
            entity.add_role(&role);
        }
        self.role = Some(role);
        Ok(())
    }

    fn end(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if self.scopes.last() == Some(&self.stack.len()) {
            self.scopes.pop();
            self.names.pop();
            self.ns_of_prefix.clear();
        }
        match frame {
            Frame::X509Certificate(holder) => self.finish_certificate(holder),
            Frame::Role => self.role = None,
            Frame::Address => {
                if let (Some(entity), Some(address)) = (self.entity.as_mut(), self.address.take()) {
                    entity.add_sign_in_url(&address);
                }
            }
            Frame::Entity => self.finish_entity(),
            _ => {}
        }
        if self.stack.is_empty() {
            self.root_closed = true;
        }
    }

    fn finish_certificate(&mut self, holder: Holder) {
        let position = self.position;
        self.position += 1;
        match holder {
            Holder::Key => {
                if let (Some(entity), Some(role)) = (self.entity.as_mut(), self.role.as_ref()) {
                    entity.add_key(self.pipeline.texts().finish(), role, self.key_use, position);
                } else {
                    self.pipeline.texts().discard();
                }
            }
            Holder::Signature(of) => {
                if self.signature_cert_taken {
                    self.pipeline.texts().discard();
                    return;
                }
                self.signature_cert_taken = true;
                let raw = self.pipeline.texts().finish();
                match of {
                    SignatureOf::Document => {
                        let parsed = self.pipeline.analyse_now(raw);
                        self.info.signed_by = Some(parsed.into_signature_key());
                    }
                    SignatureOf::Entity => {
                        if let Some(entity) = self.entity.as_mut() {
                            entity.set_signer(raw);
                        }
                    }
                }
            }
        }
    }

    fn finish_entity(&mut self) {
        let Some(builder) = self.entity.take() else {
            return;
        };
        let pending = builder.finish();
        self.pipeline.texts().end_entity();
        self.info.entity_count += 1;
        if self.root_is_entity && self.stack.is_empty() {
            // A lone EntityDescriptor is the document: its signature and validity are the
            // document's too.
            let entity = self.pipeline.resolve_now(pending);
            self.info.signed_by.clone_from(&entity.signed_by);
            self.info.valid_until = entity.valid_until;
            self.info.cache_duration.clone_from(&entity.cache_duration);
            let item = self.pipeline.prepare(entity);
            (self.on_item)(item);
        } else {
            self.pipeline.push(pending, &mut self.on_item);
        }
    }

    /// Hand `on_item` every entity still being analysed.
    fn flush(&mut self) {
        self.pipeline.flush(&mut self.on_item);
    }

    fn text(&mut self, text: &str, at: u64) -> Result<(), MetadataError> {
        match self.stack.last() {
            Some(Frame::X509Certificate(_)) => self.pipeline.texts().push(text.as_bytes()),
            Some(Frame::Address) => push_capped(&mut self.address, text),
            Some(_) => {}
            None if text.trim().is_empty() => {}
            None => {
                let place = if self.root_closed { "after" } else { "before" };
                return Err(MetadataError::Malformed {
                    offset: at,
                    message: format!("text {place} the root element"),
                });
            }
        }
        Ok(())
    }

    fn reference(&mut self, reference: &BytesRef<'_>, at: u64) -> Result<(), MetadataError> {
        let c = if reference.is_char_ref() {
            match reference.resolve_char_ref() {
                Ok(Some(c)) => c,
                Ok(None) | Err(_) => {
                    return Err(MetadataError::Malformed {
                        offset: at,
                        message: format!("invalid character reference &{};", &**reference),
                    });
                }
            }
        } else {
            predefined_entity(reference).ok_or_else(|| MetadataError::EntityReference {
                name: reference.to_string(),
                offset: at,
            })?
        };
        let mut utf8 = [0u8; 4];
        self.text(c.encode_utf8(&mut utf8), at)
    }

    fn finish(self) -> Result<DocumentInfo, MetadataError> {
        if !self.root_closed {
            return Err(MetadataError::Truncated);
        }
        if self.info.entity_count == 0 {
            return Err(MetadataError::NoEntity);
        }
        Ok(self.info)
    }
}

/// Append to a `wsa:Address` being read; one longer than any URL is dropped (`None`).
fn push_capped(target: &mut Option<String>, text: &str) {
    if let Some(address) = target {
        if address.len() + text.len() <= MAX_ADDRESS_TEXT {
            address.push_str(text);
        } else {
            *target = None;
        }
    }
}

/// The unprefixed attributes of an entity or aggregate that we report.
#[derive(Default)]
struct Attributes {
    entity_id: Option<String>,
    valid_until: Option<chrono::DateTime<chrono::Utc>>,
    cache_duration: Option<String>,
}

impl Attributes {
    fn read(element: &BytesStart<'_>, at: u64) -> Result<Self, MetadataError> {
        let mut found = Self::default();
        for attr in element.attributes() {
            let attr = attr.map_err(|e| attribute_error(&e, at))?;
            match attr.key.0 {
                "entityID" => found.entity_id = Some(attribute_text(&attr, at)?),
                "validUntil" => {
                    let value = attribute_text(&attr, at)?;
                    found.valid_until = super::entity::parse_xs_datetime(&value);
                    if found.valid_until.is_none() {
                        tracing::warn!(value, "ignoring a validUntil that is not an xs:dateTime");
                    }
                }
                "cacheDuration" => {
                    found.cache_duration = Some(attribute_text(&attr, at)?.trim().to_owned());
                }
                _ => {}
            }
        }
        Ok(found)
    }
}

/// An attribute that does not parse. quick-xml counts its positions from the first byte after
/// the tag's `<`; the message counts from the start of the input like every other.
fn attribute_error(err: &AttrError, tag_at: u64) -> MetadataError {
    let at = |position: usize| tag_at + 1 + position as u64;
    let (offset, message) = match *err {
        AttrError::ExpectedEq(p) => (at(p), "an attribute without `=` and a value".to_owned()),
        AttrError::ExpectedValue(p) => (at(p), "an attribute without a value".to_owned()),
        AttrError::UnquotedValue(p) => (at(p), "an attribute value without quotes".to_owned()),
        AttrError::ExpectedQuote(p, quote) => (
            at(p),
            format!(
                "an attribute value without its closing {:?}",
                char::from(quote)
            ),
        ),
        AttrError::Duplicated(p, first) => (
            at(p),
            format!(
                "a duplicated attribute (first declared at byte {})",
                at(first)
            ),
        ),
    };
    MetadataError::Malformed { offset, message }
}

fn bad_attribute(err: &impl std::fmt::Display, offset: u64) -> MetadataError {
    MetadataError::Malformed {
        offset,
        message: format!("bad attribute: {err}"),
    }
}

/// An attribute's value with the predefined entities and character references replaced.
fn attribute_text(attr: &Attribute<'_>, at: u64) -> Result<String, MetadataError> {
    use quick_xml::escape::EscapeError;
    attr.normalized_value(XmlVersion::Implicit1_0)
        .map(Cow::into_owned)
        .map_err(|e| match e {
            quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                MetadataError::EntityReference { name, offset: at }
            }
            other => bad_attribute(&other, at),
        })
}

/// The value of the unprefixed attribute `name`.
fn attribute(
    element: &BytesStart<'_>,
    name: &str,
    at: u64,
) -> Result<Option<String>, MetadataError> {
    for attr in element.attributes() {
        let attr = attr.map_err(|e| attribute_error(&e, at))?;
        if attr.key.0 == name {
            return attribute_text(&attr, at).map(Some);
        }
    }
    Ok(None)
}

fn key_use_of(element: &BytesStart<'_>, at: u64) -> Result<KeyUse, MetadataError> {
    for attr in element.attributes() {
        let attr = attr.map_err(|e| attribute_error(&e, at))?;
        if attr.key.0 == "use" {
            // The two words need no unescaping; anything else is read as absent.
            return Ok(match attr.value.trim_ascii() {
                "signing" => KeyUse::Signing,
                "encryption" => KeyUse::Encryption,
                _ if attr.value.contains('&') => key_use_named(&attribute_text(&attr, at)?),
                _ => KeyUse::Any,
            });
        }
    }
    // Absent means both.
    Ok(KeyUse::Any)
}

/// `use` written with character references (`&#115;igning`).
fn key_use_named(value: &str) -> KeyUse {
    match value.trim() {
        "signing" => KeyUse::Signing,
        "encryption" => KeyUse::Encryption,
        // A value outside the schema is read as absent: both.
        _ => KeyUse::Any,
    }
}

/// The `xsi:type` attribute, whatever prefix is bound to the XSI namespace.
fn xsi_type(
    names: &NamespaceResolver,
    element: &BytesStart<'_>,
    at: u64,
) -> Result<Option<String>, MetadataError> {
    for attr in element.attributes() {
        let attr = attr.map_err(|e| attribute_error(&e, at))?;
        let (ns, local) = names.resolve_attribute(attr.key);
        if local.as_ref() == "type" && matches!(ns, ResolveResult::Bound(uri) if uri.0 == XSI) {
            return attribute_text(&attr, at).map(|v| Some(v.trim().to_owned()));
        }
    }
    Ok(None)
}

/// Resolve an `xsi:type` `QName` against the namespaces in scope at its element.
fn role_of_type(names: &NamespaceResolver, value: &str) -> Role {
    let (ns, local) = names.resolve_element(QName(value));
    match (ns, local.as_ref()) {
        (ResolveResult::Bound(uri), "SecurityTokenServiceType") if uri.0 == FED => {
            Role::SecurityTokenService
        }
        (ResolveResult::Bound(uri), "ApplicationServiceType") if uri.0 == FED => {
            Role::ApplicationService
        }
        (ResolveResult::Bound(uri), local) => Role::OtherRole(format!("{{{}}}{local}", uri.0)),
        (ResolveResult::Unbound, local) => Role::OtherRole(local.to_owned()),
        // An undeclared prefix: keep what was written so people can see it.
        (ResolveResult::Unknown(_), _) => Role::OtherRole(value.to_owned()),
    }
}
