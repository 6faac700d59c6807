//! What fedcert sees of an IdP besides its token-signing certificates (DESIGN.md §6.4): the
//! metadata document's own XML signature, and the TLS certificates its hosts present. The
//! sources read them ([`EndpointFacts`], kept in the domain's snapshot); the domain judges them
//! against its config ([`Endpoints`]), and the rules X1–X3 and T1–T2 speak about them.

use crate::cert::{CertInfo, Sha1};
use crate::metadata::signature::{SignatureStatus, Verification};

/// The leaf certificate a TLS host presented, read from the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsCert {
    /// The host contacted, with `:port` when it is not 443.
    pub host: String,
    pub cert: CertInfo,
    /// The names it is issued for (its subjectAltName DNS and IP entries).
    pub dns_names: Vec<String>,
    /// Why this machine refused it, when it did: its facts are shown all the same.
    pub refused: Option<TlsRefusal>,
}

/// Why a TLS client refused a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsRefusal {
    /// Not issued by a CA this machine trusts (nor by the domain's `ca_file`).
    UnknownIssuer,
    /// Not issued for the host name that was contacted.
    NameMismatch,
    Expired,
    NotValidYet,
    Revoked,
    /// Anything else, as the TLS library says it.
    Other(String),
}

/// Which of the IdP's hosts presented a TLS certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsRole {
    /// The host that serves the metadata (Entra reads it there).
    Metadata,
    /// Where users sign in: the metadata's passive endpoint or `SingleSignOnService`, or
    /// Entra's `passiveSignInUri`.
    SignIn,
}

/// The metadata document's signature as verified, before its signer is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentSignature {
    pub verification: Verification,
    /// The document is an aggregate (`EntitiesDescriptor`): no IdP of its own signs it, so
    /// only a configured `metadata_signer` is trusted.
    pub aggregate: bool,
    /// The certificate in the root signature's `KeyInfo`, when it can be read.
    pub signer: Option<CertInfo>,
}

/// The sign-in host's certificate, or why it could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigninTls {
    Read(Box<TlsCert>),
    /// No certificate: the host did not answer, or did not speak TLS. `error` is one line that
    /// names the host.
    Failed {
        host: String,
        error: String,
    },
}

/// What a successful refresh saw besides the IdP facts (DESIGN.md §6.4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointFacts {
    /// `None` only where no document was verified (facts made by hand).
    pub signature: Option<DocumentSignature>,
    /// The metadata host's leaf certificate, from the TLS session that fetched the document;
    /// `None` for `http://` and files.
    pub tls: Option<TlsCert>,
    /// The sign-in host's, when it is another host than the metadata's (`None`: not probed).
    pub signin: Option<SigninTls>,
}

impl EndpointFacts {
    /// The sign-in host's certificate, when it was read.
    pub fn signin_tls(&self) -> Option<&TlsCert> {
        match &self.signin {
            Some(SigninTls::Read(cert)) => Some(cert),
            _ => None,
        }
    }
}

/// The signature judged for one domain: the contract's word, who signed, and what the domain
/// asks of its metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureCheck {
    pub status: SignatureStatus,
    /// The certificate the signature carries (whether or not it verified).
    pub signer: Option<Sha1>,
    /// That certificate, when it can be read (for its subject).
    pub signer_cert: Option<CertInfo>,
    pub aggregate: bool,
    /// `require_signature = true`: an unsigned document is a finding.
    pub required: bool,
}

impl SignatureCheck {
    /// Judge `signature`: `valid` needs the signer to be one of `published` (the IdP signing
    /// certificates the same document publishes; ignored for an aggregate) or of `configured`
    /// (`metadata_signer`).
    pub fn judge(
        signature: &DocumentSignature,
        published: &[Sha1],
        configured: &[Sha1],
        required: bool,
    ) -> Self {
        let mut trusted: Vec<Sha1> = configured.to_vec();
        if !signature.aggregate {
            trusted.extend_from_slice(published);
        }
        let verification = &signature.verification;
        Self {
            status: verification.status(&trusted),
            signer: verification.signer,
            signer_cert: signature
                .signer
                .clone()
                .filter(|c| Some(c.sha1) == verification.signer),
            aggregate: signature.aggregate,
            required,
        }
    }
}

/// What the verdict reads about the endpoints: the signature judged, and the certificates the
/// metadata host and the sign-in host presented last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub signature: Option<SignatureCheck>,
    pub metadata_tls: Option<TlsCert>,
    pub signin_tls: Option<TlsCert>,
}

impl Endpoints {
    /// The certificates with the host each came from.
    pub fn tls(&self) -> impl Iterator<Item = (TlsRole, &TlsCert)> {
        self.metadata_tls
            .iter()
            .map(|c| (TlsRole::Metadata, c))
            .chain(self.signin_tls.iter().map(|c| (TlsRole::SignIn, c)))
    }
}
