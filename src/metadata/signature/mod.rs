//! Whether a metadata document's enveloped XML signature verifies, and who signed it
//! (DESIGN.md §6.4).
//!
//! A metadata signature is accepted only in the shape SAML metadata gives it, and everything
//! else is `Invalid` or `Unsupported` with a one-line reason:
//! - exactly one `ds:Signature` child of the root element (`EntityDescriptor` or
//!   `EntitiesDescriptor`), with exactly one `Reference`, whose `URI` is `#` + the root's ID
//!   (an ID no other element of the document carries) or empty (the whole document);
//! - transforms: `enveloped-signature`, then at most one canonicalization (Canonical XML 1.0 /
//!   1.1, Exclusive 1.0, with or without comments); no XPath, XSLT or anything else;
//! - `SignatureMethod` RSA (PKCS#1 v1.5) or ECDSA on P-256 / P-384, each with
//!   SHA-1/256/384/512; digests SHA-1/256/384/512;
//! - the key is the first `X509Certificate` of the signature's own `KeyInfo` — never a key
//!   from anywhere else, never fetched. Whether that certificate is one the relying party
//!   trusts is the caller's decision ([`Verification::status`]), because the trusted set (the
//!   IdP's published signing certificates, a configured `metadata_signer`) is known only once
//!   the document has been read.
//!
//! The document is read as a stream, never held whole (see `verify` for the two passes).
//!
//! # Using it
//! - Bytes in memory (the poller's fetched body): [`verify_bytes`], next to
//!   [`super::parse_bytes`] on the same bytes.
//! - A stream read once (a file, stdin): [`parse_and_verify`] — [`super::parse_streaming_map`]
//!   with verification riding on the same read (on a second thread once the document is large).
//!
//! Then `verification.status(&trusted)` with `trusted` the SHA-1s of the certificates the
//! signer may be: [`idp_signing_certificates`] of the document's entity, plus any configured
//! `metadata_signer`.

mod c14n;
mod crypto;
mod kept;
mod signed_info;
mod tee;
mod verify;
mod xml;

use std::io::BufRead;

use serde::Serialize;

pub use c14n::C14nError;
pub(crate) use verify::Template;
pub use verify::{RECORD_LIMIT, verify_bytes};
pub use xml::XmlError;

use super::{DocumentInfo, Entity, MetadataError};
use crate::cert::Sha1;

/// What verifying a document's signature found, before deciding whether its signer is trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub outcome: Outcome,
    /// SHA-1 of the certificate in the signature's `KeyInfo` (the key it was checked with),
    /// whether or not it verified; `None` when unsigned or the signature carries none.
    pub signer: Option<Sha1>,
    /// The algorithms the signature names, once it had the shape of a metadata signature.
    pub algorithms: Option<Algorithms>,
}

/// The verdict on the signature itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The signature verifies over the document with the certificate it carries.
    Verified,
    Invalid(Invalid),
    /// The root element has no `ds:Signature`.
    Unsigned,
    Unsupported(Unsupported),
}

/// The algorithms of a signature, by their short names (`exc-c14n`, `rsa-sha256`, `sha256`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Algorithms {
    /// `SignedInfo`'s canonicalization.
    pub canonicalization: &'static str,
    pub signature: &'static str,
    /// The reference's canonicalization.
    pub reference_canonicalization: &'static str,
    pub digest: &'static str,
}

/// DESIGN.md §6.4's `signature`, the verdict once the signer is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Verifies, and the signer is trusted.
    Valid,
    /// Verifies, but the signer is not one of the trusted certificates.
    Untrusted,
    /// Does not verify, or covers something else than the document.
    Invalid(Invalid),
    Unsigned,
    /// Signed in a way fedcert does not verify: no verdict either way.
    Unsupported(Unsupported),
}

impl SignatureStatus {
    /// The contract's word: `valid`, `untrusted`, `invalid`, `unsigned`, `unsupported`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Untrusted => "untrusted",
            Self::Invalid(_) => "invalid",
            Self::Unsigned => "unsigned",
            Self::Unsupported(_) => "unsupported",
        }
    }
}

impl Serialize for SignatureStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Why a signature is invalid. Each message is one line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("the document's digest does not match the signed one: it was changed after signing")]
    DigestMismatch,
    #[error("the signature value does not verify with the certificate in the signature")]
    SignatureMismatch,
    #[error("the signature covers the element with ID {id:?}, not the document's root element")]
    NotTheDocument { id: String },
    #[error("the signed ID {0:?} is on more than one element (signature wrapping)")]
    DuplicateId(String),
    #[error("the root element holds two signatures")]
    TwoSignatures,
    #[error("the signature has {0} references; a metadata signature has exactly one")]
    References(usize),
    #[error("the signature covers {0:?}, not this document")]
    External(String),
    #[error("the reference lacks the enveloped-signature transform")]
    NotEnveloped,
    #[error("the signature's {0} is not valid base64")]
    Base64(&'static str),
    #[error("the signature's certificate cannot be read: {0}")]
    Certificate(String),
    #[error("the signature method {method} does not fit the certificate's {key} key")]
    KeyMismatch {
        method: &'static str,
        key: &'static str,
    },
    #[error("malformed signature: {0}")]
    Shape(&'static str),
    #[error("{0}")]
    Xml(XmlError),
}

/// Why a signature is not verified. Each message is one line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    #[error("the {role} algorithm {uri:?} is not supported")]
    Algorithm { role: &'static str, uri: String },
    #[error("{} transform (only enveloped-signature and one canonicalization are accepted)", transform_name(.0))]
    Transform(String),
    #[error("the transforms are not enveloped-signature followed by at most one canonicalization")]
    Transforms,
    #[error("the XPointer reference {0:?}")]
    XPointer(String),
    #[error(
        "the signature carries no X509Certificate (only a certificate in the document is used)"
    )]
    NoCertificate,
    #[error(
        "{method} with a {bits}-bit RSA key (ring verifies 1024–8192 bits, and SHA-384 from 2048)"
    )]
    RsaKey { bits: usize, method: &'static str },
    #[error("{method} with an EC key on {curve} (verified: P-256 and P-384)")]
    EcKey { curve: String, method: &'static str },
    #[error("a certificate key of type {0}")]
    KeyType(String),
    #[error("{0}")]
    C14n(C14nError),
    #[error(
        "the signature is not the root's first child and not within the first {} KiB",
        limit / 1024
    )]
    SignatureLate { limit: usize },
    #[error(
        "a start tag, comment or CDATA section larger than {} MiB (too large to canonicalize)",
        limit >> 20
    )]
    TooLarge { limit: usize },
    #[error(
        "the namespace prefix {0:?} is used but never declared, so the document has no canonical form"
    )]
    UndeclaredPrefix(String),
}

fn transform_name(uri: &str) -> String {
    match uri {
        "http://www.w3.org/TR/1999/REC-xpath-19991116" => "an XPath".into(),
        "http://www.w3.org/2002/06/xmldsig-filter2" => "an XPath Filter 2.0".into(),
        "http://www.w3.org/TR/1999/REC-xslt-19991116" => "an XSLT".into(),
        "" => "a transform without an algorithm:".into(),
        other => format!("the {other:?}"),
    }
}

impl Verification {
    pub(crate) fn of(outcome: Outcome) -> Self {
        Self {
            outcome,
            signer: None,
            algorithms: None,
        }
    }

    /// The verdict, given the SHA-1s of the certificates the signer may be.
    pub fn status(&self, trusted: &[Sha1]) -> SignatureStatus {
        match &self.outcome {
            Outcome::Verified if self.signer.is_some_and(|s| trusted.contains(&s)) => {
                SignatureStatus::Valid
            }
            Outcome::Verified => SignatureStatus::Untrusted,
            Outcome::Invalid(why) => SignatureStatus::Invalid(why.clone()),
            Outcome::Unsigned => SignatureStatus::Unsigned,
            Outcome::Unsupported(why) => SignatureStatus::Unsupported(why.clone()),
        }
    }
}

/// The certificates an entity publishes as its IdP's signing keys (IdP roles, signing-capable
/// use, not a chain certificate): who may sign its metadata.
pub fn idp_signing_certificates(entity: &Entity) -> Vec<Sha1> {
    let mut found: Vec<Sha1> = entity
        .certificates
        .iter()
        .filter(|key| {
            key.key_use.can_sign()
                && key.chain_position == 0
                && key.roles.iter().any(super::Role::is_idp)
        })
        .filter_map(|key| key.sha1)
        .collect();
    found.dedup();
    found
}

/// [`super::parse_streaming_map`] and signature verification in one read of `reader`. The bytes
/// the parser consumes are kept up to [`RECORD_LIMIT`]: a document no larger is verified from
/// them when the parse is done (as [`verify_bytes`] would). A larger one is passed on, as it is
/// read, to verification on a second thread, which holds at most [`RECORD_LIMIT`] of it and
/// stops taking bytes once it has its answer — at once, for a document whose root has no
/// signature among its first [`RECORD_LIMIT`] bytes.
pub fn parse_and_verify<T: Send + 'static>(
    reader: impl BufRead,
    prepare: impl Fn(Entity) -> T + Sync,
    on_item: impl FnMut(T),
) -> Result<(DocumentInfo, Verification), MetadataError> {
    let (parsed, (verification, gave_up)) = tee::verify_while(reader, |tee| {
        super::parse_streaming_map(tee, prepare, on_item)
    });
    let info = parsed?;
    // The scan stopped looking after RECORD_LIMIT; the parser read on and knows whether the
    // root had a signature after all.
    let verification = if gave_up && !info.has_signature {
        Verification::of(Outcome::Unsigned)
    } else {
        verification
    };
    Ok((info, verification))
}
