//! Streaming, namespace-aware reading of SAML 2.0 / WS-Federation metadata (one
//! `EntityDescriptor` or an `EntitiesDescriptor` aggregate, nested to any sane depth) into
//! entities → role descriptors → key descriptors → certificates.
//!
//! Elements are matched by namespace URI + local name, never by prefix. DTDs and entity
//! references are refused, never expanded.

mod entity;
mod input;
mod parser;
mod pipeline;
pub mod signature;

pub use parser::MAX_DEPTH;

use std::borrow::Cow;
use std::io::BufRead;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cert::{CertError, CertInfo, Sha1};

/// `KeyDescriptor/@use`. An absent attribute means the key serves both purposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyUse {
    Signing,
    Encryption,
    /// No `use` attribute: valid for signing and encryption.
    Any,
}

impl KeyUse {
    /// Can this key sign tokens? (`signing` or absent)
    pub fn can_sign(self) -> bool {
        matches!(self, Self::Signing | Self::Any)
    }

    /// The use of a certificate that appears under several key descriptors.
    #[must_use]
    pub fn combine(self, other: Self) -> Self {
        if self == other { self } else { Self::Any }
    }
}

/// The role descriptor a key was published in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Role {
    IdpSso,
    SpSso,
    AttributeAuthority,
    AuthnAuthority,
    Pdp,
    /// WS-Fed `RoleDescriptor xsi:type="fed:SecurityTokenServiceType"` (the `IdP` side).
    SecurityTokenService,
    /// WS-Fed `RoleDescriptor xsi:type="fed:ApplicationServiceType"` (the RP side).
    ApplicationService,
    /// Any other `RoleDescriptor`: its `xsi:type` resolved to `{namespace}local`, or empty.
    OtherRole(String),
}

impl Role {
    /// The name shown to people and in JSON `descriptors`: `IDPSSODescriptor`,
    /// `fed:SecurityTokenServiceType`, …
    pub fn name(&self) -> String {
        self.label().into_owned()
    }

    /// [`Role::name`], borrowed where it is a fixed word.
    pub fn label(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Self::IdpSso => "IDPSSODescriptor",
            Self::SpSso => "SPSSODescriptor",
            Self::AttributeAuthority => "AttributeAuthorityDescriptor",
            Self::AuthnAuthority => "AuthnAuthorityDescriptor",
            Self::Pdp => "PDPDescriptor",
            Self::SecurityTokenService => "fed:SecurityTokenServiceType",
            Self::ApplicationService => "fed:ApplicationServiceType",
            Self::OtherRole(t) if t.is_empty() => "RoleDescriptor",
            Self::OtherRole(t) => return Cow::Owned(format!("RoleDescriptor({t})")),
        })
    }

    /// Roles whose signing keys sign the tokens Entra ID accepts (DESIGN.md §4).
    pub fn is_idp(&self) -> bool {
        matches!(self, Self::IdpSso | Self::SecurityTokenService)
    }
}

/// One distinct certificate (by SHA-1) within an entity, with every place it appears.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCert {
    /// SHA-1 of the decoded bytes; `None` when the base64 itself did not decode.
    pub sha1: Option<Sha1>,
    /// The analysed certificate, or why it could not be read (the rest of the document still reads).
    pub cert: Result<CertInfo, CertError>,
    /// Combined `use` over all placements.
    pub key_use: KeyUse,
    /// Every role descriptor that lists it, in document order, without repeats.
    pub roles: Vec<Role>,
    /// Position inside its `X509Data`: 0 for the first certificate (the key itself), 1.. for
    /// the chain certificates that follow it. Chain certificates are never treated as keys.
    pub chain_position: usize,
}

/// One `EntityDescriptor`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entity {
    pub entity_id: String,
    /// The role descriptors present, in document order (whether or not they hold keys).
    pub roles: Vec<Role>,
    pub certificates: Vec<KeyCert>,
    /// First certificate of this entity's own enveloped `ds:Signature`, when it has one.
    pub signed_by: Option<KeyCert>,
    pub valid_until: Option<DateTime<Utc>>,
    /// `cacheDuration` as written (an xs:duration such as `PT1H`).
    pub cache_duration: Option<String>,
    /// WS-Fed `PassiveRequestorEndpoint` / SAML `SingleSignOnService` locations, for the `IdP` host.
    pub sign_in_urls: Vec<String>,
}

/// Facts about the document root, known once the document has been read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentInfo {
    /// `true` when the root is an `EntitiesDescriptor`.
    pub aggregate: bool,
    /// First certificate of the root element's enveloped `ds:Signature`.
    pub signed_by: Option<KeyCert>,
    /// The root element has a `ds:Signature` child (with or without a certificate).
    pub has_signature: bool,
    pub valid_until: Option<DateTime<Utc>>,
    pub cache_duration: Option<String>,
    /// Number of entities read.
    pub entity_count: usize,
}

/// A whole document in memory: [`DocumentInfo`] plus its entities.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub info: DocumentInfo,
    pub entities: Vec<Entity>,
}

/// Why a document could not be read. Each message names the problem and, where it helps, the
/// byte offset.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("the document is empty")]
    Empty,
    #[error("not XML: {0}")]
    NotXml(String),
    #[error(
        "got an HTML page, probably a sign-in or proxy page — check the URL from outside the network"
    )]
    Html,
    #[error("malformed XML at byte {offset}: {message}")]
    Malformed { offset: u64, message: String },
    #[error(
        "refused a DOCTYPE declaration at byte {offset} (DTDs and entities are never expanded)"
    )]
    Doctype { offset: u64 },
    #[error("refused the entity reference &{name}; at byte {offset} (entities are never expanded)")]
    EntityReference { name: String, offset: u64 },
    #[error("elements nested deeper than {limit} levels at byte {offset}")]
    TooDeep { limit: usize, offset: u64 },
    #[error(
        "the root element is <{found}>, not a SAML metadata EntityDescriptor or EntitiesDescriptor"
    )]
    NotMetadata { found: String },
    #[error("the document ends before its root element closes")]
    Truncated,
    #[error("the metadata holds no EntityDescriptor")]
    NoEntity,
    #[error("{0}")]
    Io(String),
}

/// Read a whole document into memory.
pub fn parse(reader: impl BufRead) -> Result<Document, MetadataError> {
    let mut entities = Vec::new();
    let info = parse_streaming(reader, |entity| entities.push(entity))?;
    Ok(Document { info, entities })
}

/// Read a document entity by entity: `on_entity` receives each `EntityDescriptor` as soon as it
/// closes, so memory does not grow with the number of entities.
///
/// Refuses DTDs and entity references, nesting deeper than [`MAX_DEPTH`], and anything that is
/// not SAML metadata. A certificate that cannot be read is kept in its place as an `Err`.
pub fn parse_streaming(
    reader: impl BufRead,
    on_entity: impl FnMut(Entity),
) -> Result<DocumentInfo, MetadataError> {
    parser::parse_streaming(reader, |entity| entity, on_entity)
}

/// [`parse_streaming`] with `prepare` applied to each entity on the threads that analyse its
/// certificates, so that what the caller does per entity (writing it as JSON, say) runs in
/// parallel too. `on_item` still receives the results one at a time, in document order.
pub fn parse_streaming_map<T: Send + 'static>(
    reader: impl BufRead,
    prepare: impl Fn(Entity) -> T + Sync,
    on_item: impl FnMut(T),
) -> Result<DocumentInfo, MetadataError> {
    parser::parse_streaming(reader, prepare, on_item)
}

/// Read a document held in memory.
pub fn parse_bytes(bytes: &[u8]) -> Result<Document, MetadataError> {
    parse(bytes)
}
