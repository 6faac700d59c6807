//! The verdict (DESIGN.md §4): which certificate is primary, which is its successor, whether
//! Entra ID holds them, when the rollover milestones fall, and what — if anything — the operator
//! must do. Pure functions of facts, policy and `now`; nothing here reads the clock.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cert::{CertInfo, Sha1};
use crate::metadata::Document;

mod endpoints;
mod facts;
pub mod finding;
mod horizon;
mod posture;
mod rules;
pub mod sides;
pub mod update_status;
mod verdict;

pub use endpoints::{
    DocumentSignature, EndpointFacts, Endpoints, SignatureCheck, SigninTls, TlsCert, TlsRefusal,
    TlsRole,
};
pub use finding::{Advice, FederationChange, FetchFailure, FetchProblem, Finding, Situation};
pub use horizon::next_change;
pub use posture::{BACKDOOR_ISSUER_HOST, RECENT_CHANGE};
pub use sides::{AdfsHeld, AdfsHolds, AdfsUse};
pub use verdict::{TWIN_SPAN, is_twin};

/// A domain's verdict, or a finding's weight. Declared in ascending order of concern so that
/// `max()` is the worst: CRITICAL > WARNING > UNKNOWN > OK > INFO. `Info` is a finding's only
/// (DESIGN.md §6.5): a domain's verdict is never `Info` and an info finding never changes it,
/// since every verdict also holds a finding of OK or worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, never a reason to act now (certificate hygiene).
    Info,
    Ok,
    Unknown,
    Warning,
    Critical,
}

impl Severity {
    /// The status word the list and `check` print: `OK`, `WARN`, `CRIT`, `UNKNOWN` (and `INFO`
    /// for a finding).
    pub fn word(self) -> &'static str {
        match self {
            Self::Info => "INFO",
            Self::Ok => "OK",
            Self::Unknown => "UNKNOWN",
            Self::Warning => "WARN",
            Self::Critical => "CRIT",
        }
    }

    /// Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; info is OK.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Info | Self::Ok => 0,
            Self::Warning => 1,
            Self::Critical => 2,
            Self::Unknown => 3,
        }
    }

    /// `ok`, `warning`, `critical`, `unknown`, `info` (the JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Ok => "ok",
            Self::Unknown => "unknown",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// Whether Entra ID holds the certificates the IdP signs with (DESIGN.md §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Primary and successor (if any) are both in the Entra set.
    InSync,
    /// Primary in the set, successor not.
    Pending,
    /// Primary not in the set: sign-ins fail now.
    Broken,
    /// No Entra side known.
    Unknown,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InSync => "in_sync",
            Self::Pending => "pending",
            Self::Broken => "broken",
            Self::Unknown => "unknown",
        }
    }

    /// Short label for tables: `in sync`, `pending`, `BROKEN`, `unknown`.
    pub fn label(self) -> &'static str {
        match self {
            Self::InSync => "in sync",
            Self::Pending => "pending",
            Self::Broken => "BROKEN",
            Self::Unknown => "unknown",
        }
    }
}

/// Thresholds in days (global `[settings]`, overridable per domain or by an imported
/// `Get-AdfsProperties`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    pub renew_now_days: u32,
    pub manual_renew_days: u32,
    pub entra_poll_days: u32,
    pub generation_days: u32,
    pub promotion_days: u32,
    pub plan_days: u32,
    /// AD FS `CertificateCriticalThreshold`: this close to expiry without a successor in Entra,
    /// sign-ins fail before a planned renewal can finish (the outage runbook applies).
    pub critical_days: u32,
    /// A TLS certificate of the IdP's metadata or sign-in host this close to expiry is a
    /// WARNING (rule T1; CRITICAL under `renew_now_days`).
    pub tls_warn_days: u32,
}

/// The current article (and Entra today) say 35 days for Entra's first poll and for the manual
/// renewal; its 2017 text said 30 (the README shows how to set that).
impl Default for Policy {
    fn default() -> Self {
        Self {
            renew_now_days: 15,
            manual_renew_days: 35,
            entra_poll_days: 35,
            generation_days: 20,
            promotion_days: 5,
            plan_days: 60,
            critical_days: 2,
            tls_warn_days: 30,
        }
    }
}

/// Where the Entra side came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntraSource {
    Graph,
    Import,
    Config,
}

/// What Entra ID holds for a domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntraSide {
    pub source: Option<EntraSource>,
    pub signing: Option<Sha1>,
    pub next_signing: Option<Sha1>,
    /// The certificates themselves, when the source carries them (Graph, import).
    pub signing_cert: Option<CertInfo>,
    pub next_signing_cert: Option<CertInfo>,
    /// `signingCertificateUpdateStatus.certificateUpdateResult`.
    pub update_result: Option<update_status::ReportedResult>,
    pub last_run: Option<DateTime<Utc>>,
    /// The `internalDomainFederation` id (`-InternalDomainFederationId`).
    pub federation_id: Option<String>,
    pub issuer_uri: Option<String>,
    /// `federatedIdpMfaBehavior`: whether Entra accepts, enforces or rejects the IdP's MFA.
    pub mfa_behavior: Option<String>,
    /// `passiveSignInUri`: where Entra sends users to sign in (the sign-in host, DESIGN.md §6.4).
    pub passive_sign_in_uri: Option<String>,
    /// When this side was read (Graph call) or imported.
    pub as_of: Option<DateTime<Utc>>,
}

impl EntraSide {
    /// The certificates' facts without their DER bytes ([`CertInfo::forget_der`]).
    pub fn forget_certificate_bytes(&mut self) {
        for cert in self
            .signing_cert
            .iter_mut()
            .chain(&mut self.next_signing_cert)
        {
            cert.forget_der();
        }
    }

    /// Does Entra hold this thumbprint as signing or next signing certificate?
    pub fn holds(&self, sha1: Sha1) -> bool {
        self.signing == Some(sha1) || self.next_signing == Some(sha1)
    }

    /// The thumbprints in its two slots.
    pub fn certs(&self) -> EntraCerts {
        EntraCerts {
            signing: self.signing,
            next_signing: self.next_signing,
        }
    }
}

/// The thumbprints in Entra's two certificate slots for a domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EntraCerts {
    pub signing: Option<Sha1>,
    pub next_signing: Option<Sha1>,
}

impl EntraCerts {
    /// Names at least one certificate.
    pub fn is_known(self) -> bool {
        self.signing.is_some() || self.next_signing.is_some()
    }

    /// The same certificates, whatever slot each is in.
    pub fn same_certificates(self, other: Self) -> bool {
        self.set() == other.set()
    }

    /// The certificates it names, sorted, without repeats.
    fn set(self) -> Vec<Sha1> {
        let mut v: Vec<Sha1> = [self.signing, self.next_signing]
            .into_iter()
            .flatten()
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// A configured domain of an IdP group (see [`IdpGroup`]) and what Entra holds for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Peer {
    pub name: String,
    /// `None` when its Entra side is not known (or names no certificate).
    pub entra: Option<EntraCerts>,
}

/// The configured domains whose metadata comes from one IdP (the same entityID), in config
/// order, with what Entra holds for each (rule A2). One value shared by all its members: a
/// farm of n domains holds one group, not n copies of it. The members are told apart by name
/// (config names are unique). Asking which members' Entra sides differ from one costs what
/// the group's distinct certificate sets and the answer do, not what its members do: with one
/// member that differs, every other member's answer is that one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdpGroup {
    members: Vec<Peer>,
    /// The distinct sets of certificates Entra holds across the members whose Entra side
    /// names any (each sorted, without repeats), with the places of the members that hold it.
    held: Vec<(Vec<Sha1>, Vec<usize>)>,
}

/// The group of a domain that has none (a group of one, or an IdP not read yet).
static ALONE: IdpGroup = IdpGroup {
    members: Vec::new(),
    held: Vec::new(),
};

impl IdpGroup {
    pub fn new(members: Vec<Peer>) -> Self {
        let mut held: Vec<(Vec<Sha1>, Vec<usize>)> = Vec::new();
        for (place, peer) in members.iter().enumerate() {
            let Some(set) = peer.entra.map(EntraCerts::set).filter(|s| !s.is_empty()) else {
                continue;
            };
            match held.iter_mut().find(|(known, _)| *known == set) {
                Some((_, places)) => places.push(place),
                None => held.push((set, vec![place])),
            }
        }
        Self { members, held }
    }

    /// No group: what a domain alone with its IdP holds.
    pub fn alone() -> &'static Self {
        &ALONE
    }

    /// Its members' names in config order; a domain without a group, `alone`, by itself.
    pub fn names<'a>(&'a self, alone: &'a str) -> Vec<&'a str> {
        if self.members.is_empty() {
            return vec![alone];
        }
        self.members.iter().map(|p| p.name.as_str()).collect()
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members other than `this` whose Entra side names certificates, other ones than
    /// `own` (rule A2), in config order.
    pub fn differing(&self, this: &str, own: EntraCerts) -> Vec<(String, EntraCerts)> {
        let own = own.set();
        let mut places: Vec<usize> = self
            .held
            .iter()
            .filter(|(set, _)| *set != own)
            .flat_map(|(_, places)| places.iter().copied())
            .collect();
        places.sort_unstable();
        places
            .into_iter()
            .map(|place| &self.members[place])
            .filter(|peer| peer.name != this)
            .filter_map(|peer| Some((peer.name.clone(), peer.entra?)))
            .collect()
    }
}

/// What kind of IdP publishes the metadata: it decides which renewal path applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdpKind {
    /// AD FS (entityID `…/adfs/services/trust`): Entra polls its metadata.
    AdFs,
    /// Any other SAML / WS-Fed IdP: Entra reads no metadata; every rollover is a manual update.
    ThirdParty,
}

/// What the IdP publishes for one domain, taken from its metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdpFacts {
    pub entity_id: String,
    pub kind: IdpKind,
    /// Distinct signing-capable certificates (use `signing` or absent) of the IdP roles
    /// (`IDPSSODescriptor`, `fed:SecurityTokenServiceType`), first-in-`X509Data` only, in document order.
    pub signing: Vec<CertInfo>,
    /// Distinct `use="encryption"` certificates of the entity (AD FS token-decrypting).
    pub encryption: Vec<CertInfo>,
    /// The certificate that signed the metadata document, when it is signed.
    pub signed_by: Option<CertInfo>,
    /// Certificates in key descriptors that could not be read, as one-line messages.
    pub unreadable: Vec<String>,
    /// Where users sign in (WS-Fed passive endpoint or SAML SSO), for the IdP host column.
    pub sign_in_url: Option<String>,
    pub valid_until: Option<DateTime<Utc>>,
    /// The IdP has a WS-Federation role (`fed:SecurityTokenServiceType`); without one it speaks
    /// SAML-P only.
    pub ws_fed: bool,
}

impl IdpFacts {
    /// `adfs`, `wsfed` or `saml`: what kind of IdP it is, as `check --json` names it.
    pub fn kind_name(&self) -> &'static str {
        match (self.kind, self.ws_fed) {
            (IdpKind::AdFs, _) => "adfs",
            (IdpKind::ThirdParty, true) => "wsfed",
            (IdpKind::ThirdParty, false) => "saml",
        }
    }
}

impl IdpFacts {
    /// Every certificate's facts without its DER bytes ([`CertInfo::forget_der`]).
    pub fn forget_certificate_bytes(&mut self) {
        for cert in self
            .signing
            .iter_mut()
            .chain(&mut self.encryption)
            .chain(&mut self.signed_by)
        {
            cert.forget_der();
        }
    }

    /// The IdP host: from the sign-in URL, else from an URL-shaped entityID.
    pub fn host(&self) -> Option<String> {
        self.sign_in_url
            .as_deref()
            .and_then(crate::location::host_of)
            .or_else(|| crate::location::host_of(&self.entity_id))
    }

    /// AD FS metadata (WS-Fed) for unit tests: `entity_id` signing with `signing`, nothing else.
    #[cfg(test)]
    pub(crate) fn test_adfs(entity_id: impl Into<String>, signing: Vec<CertInfo>) -> Self {
        Self {
            entity_id: entity_id.into(),
            kind: IdpKind::AdFs,
            signing,
            encryption: Vec::new(),
            signed_by: None,
            unreadable: Vec::new(),
            sign_in_url: None,
            valid_until: None,
            ws_fed: true,
        }
    }
}

/// Why a document gave no IdP facts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FactsError {
    #[error("the metadata holds no EntityDescriptor")]
    NoEntity,
    #[error("no entity {wanted:?} in the metadata{}", closest.as_ref().map(|id| format!("; did you mean {id:?}? (set entity_id to it)")).unwrap_or_default())]
    EntityNotFound {
        wanted: String,
        /// The IdP entityID closest to `wanted`, when one is close enough to be a typo of it.
        closest: Option<String>,
    },
    #[error("the metadata holds {count} identity providers; set entity_id to one of: {ids}")]
    Ambiguous { count: usize, ids: String },
    #[error(
        "entity {0:?} has no identity-provider role (IDPSSODescriptor or fed:SecurityTokenServiceType)"
    )]
    NotAnIdp(String),
    #[error(
        "the metadata holds {count} entities with entityID {id:?}; an entityID must be unique, so fedcert cannot tell which one is the IdP: fix the metadata (or its publisher)"
    )]
    DuplicateEntityId { id: String, count: usize },
    #[error(
        "the metadata holds {count} entities and none is an identity provider (IDPSSODescriptor or fed:SecurityTokenServiceType): check metadata_url"
    )]
    NoIdp { count: usize },
}

/// Pick the domain's IdP entity (`entity_id` when set, else the only IdP in the document, else
/// the only entity) and gather its facts. The chosen entity must have an IdP role.
pub fn idp_facts(doc: &Document, entity_id: Option<&str>) -> Result<IdpFacts, FactsError> {
    facts::idp_facts(doc, entity_id)
}

/// [`idp_facts`] over a document read entity by entity: pick with an [`EntityPicker`] while
/// it streams, then gather the facts of the one picked.
pub fn facts_of(
    entity: &crate::metadata::Entity,
    info: &crate::metadata::DocumentInfo,
) -> Result<IdpFacts, FactsError> {
    facts::facts_of(entity, info)
}

pub use facts::EntityPicker;

/// How the primary certificate was identified (DESIGN.md §4, in this order of preference).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrimarySource {
    /// `IsPrimary` in an imported `Get-AdfsCertificate`.
    AdfsImport,
    /// The certificate that signed the metadata (AD FS signs with its primary).
    MetadataSignature,
    /// The valid signing certificate that expires first.
    Inferred,
}

/// Where the successor was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuccessorSource {
    /// The metadata publishes it.
    Metadata,
    /// An imported `Get-AdfsCertificate` holds it as secondary (with its `RawData`) and the
    /// metadata does not publish it yet.
    AdfsImport,
}

impl PrimarySource {
    /// `adfs_import`, `metadata_signature`, `inferred` (the JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AdfsImport => "adfs_import",
            Self::MetadataSignature => "metadata_signature",
            Self::Inferred => "inferred",
        }
    }
}

impl SuccessorSource {
    /// `metadata`, `adfs_import` (the JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Metadata => "metadata",
            Self::AdfsImport => "adfs_import",
        }
    }
}

/// The primary token-signing certificate and how fedcert knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Primary {
    pub cert: CertInfo,
    pub source: PrimarySource,
}

/// A verdict rule of DESIGN.md §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rule {
    S1,
    S2,
    S3,
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R7,
    R8,
    R9,
    R10,
    /// Not in DESIGN.md §4's table: the metadata was read, but the IdP role publishes no readable
    /// signing certificate at all, so Entra can verify no token from it (CRITICAL).
    R11,
    /// Not in DESIGN.md §4's table: Entra's own automatic update of the certificates failed
    /// (`signingCertificateUpdateStatus`) while the successor is not in Entra (WARNING, CRITICAL
    /// under `renew_now_days`).
    E1,
    /// Not in DESIGN.md §4's table: the metadata server's HTTP `Date` and this machine's clock
    /// differ by more than 5 minutes (WARNING): sign-ins and countdowns are off.
    C1,
    /// Not in DESIGN.md §4's table: AD FS holds a valid token-signing certificate that the
    /// metadata does not publish (an imported `Get-AdfsCertificate`): the metadata is behind AD
    /// FS, and Entra, which reads the metadata, does not see that certificate (WARNING).
    A1,
    /// Not in DESIGN.md §4's table: domains of one IdP (same entityID) hold different
    /// certificates in Entra (WARNING): every domain of the IdP is updated together.
    A2,
    /// Not in DESIGN.md §4's table: the metadata's `validUntil` has passed (WARNING).
    V1,
    /// DESIGN.md §6.4: the metadata's XML signature verifies, but with a certificate that is
    /// neither an IdP signing certificate of the document nor a configured `metadata_signer`
    /// (WARNING).
    X1,
    /// DESIGN.md §6.4: the metadata's XML signature does not verify, or covers something else
    /// than the document (CRITICAL): do not copy certificates from it.
    X2,
    /// DESIGN.md §6.4: the metadata is unsigned, or signed in a way fedcert does not verify, and
    /// the domain has `require_signature = true` (WARNING).
    X3,
    /// DESIGN.md §6.4: a TLS certificate of the metadata host or of the sign-in host expires
    /// under `tls_warn_days` (WARNING), under `renew_now_days` or has expired (CRITICAL).
    T1,
    /// The sign-in host presents a TLS certificate this machine refuses for another reason than
    /// its expiry (unknown issuer, name mismatch): browsers may refuse it too (WARNING). The
    /// metadata host's refusal is a failed fetch (R7 / R8).
    T2,
    /// DESIGN.md §6.5: Entra trusts (signing or next-signing slot) a certificate that the IdP
    /// does not publish, that no import shows and that fedcert never saw the IdP publish — the
    /// federation-backdoor pattern (CRITICAL, even with the primary in sync).
    B1,
    /// DESIGN.md §6.5: Entra still trusts a certificate the IdP published before and has
    /// retired (WARNING: stale, flush it).
    B2,
    /// DESIGN.md §6.5: Entra's `issuerUri` names another host than the IdP's, or a known
    /// backdoor pattern (WARNING).
    B3,
    /// DESIGN.md §6.5: Entra's federation settings of the domain changed in the last 24 hours
    /// (audit log; WARNING naming who and when).
    B4,
    /// Hygiene (info): a signing certificate signed with SHA-1.
    H1,
    /// Hygiene (info): a signing certificate with an RSA key under 2048 bits.
    H2,
    /// Hygiene (info): a signing certificate valid for more than three years.
    H3,
    /// Hygiene (info): the successor's subject or issuer differs from the primary's.
    H4,
    /// DESIGN.md §6.5, tenant level: a federated domain of the tenant that no `[[domain]]`
    /// watches (WARNING for the fleet; never a domain's finding).
    U1,
}

impl Rule {
    /// Every rule, in the order of the README's table and the manual page.
    pub const ALL: [Self; 33] = [
        Self::S1,
        Self::S2,
        Self::S3,
        Self::R1,
        Self::R2,
        Self::R3,
        Self::R4,
        Self::R5,
        Self::R6,
        Self::R7,
        Self::R8,
        Self::R9,
        Self::R10,
        Self::R11,
        Self::E1,
        Self::C1,
        Self::A1,
        Self::A2,
        Self::V1,
        Self::X1,
        Self::X2,
        Self::X3,
        Self::T1,
        Self::T2,
        Self::B1,
        Self::B2,
        Self::B3,
        Self::B4,
        Self::H1,
        Self::H2,
        Self::H3,
        Self::H4,
        Self::U1,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::S1 => "S1",
            Self::S2 => "S2",
            Self::S3 => "S3",
            Self::R1 => "R1",
            Self::R2 => "R2",
            Self::R3 => "R3",
            Self::R4 => "R4",
            Self::R5 => "R5",
            Self::R6 => "R6",
            Self::R7 => "R7",
            Self::R8 => "R8",
            Self::R9 => "R9",
            Self::R10 => "R10",
            Self::R11 => "R11",
            Self::E1 => "E1",
            Self::C1 => "C1",
            Self::A1 => "A1",
            Self::A2 => "A2",
            Self::V1 => "V1",
            Self::X1 => "X1",
            Self::X2 => "X2",
            Self::X3 => "X3",
            Self::T1 => "T1",
            Self::T2 => "T2",
            Self::B1 => "B1",
            Self::B2 => "B2",
            Self::B3 => "B3",
            Self::B4 => "B4",
            Self::H1 => "H1",
            Self::H2 => "H2",
            Self::H3 => "H3",
            Self::H4 => "H4",
            Self::U1 => "U1",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A rollover milestone on the primary's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// T − `plan_days`: start planning a manual renewal.
    Plan,
    /// T − `entra_poll_days`: Entra starts polling the metadata (AD FS only: Entra reads no
    /// third-party IdP's metadata).
    EntraPoll,
    /// T − `generation_days`: AD FS generates the successor (AD FS only).
    Generation,
    /// T − (`generation_days` − `promotion_days`): AD FS promotes the successor (AD FS only).
    Promotion,
    /// Past this, renew now: T − `renew_now_days`, or T − `manual_renew_days` for a third-party
    /// IdP renewed by hand.
    RenewNow,
    /// T: the primary expires.
    Expiry,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Milestone {
    pub kind: MilestoneKind,
    pub at: DateTime<Utc>,
}

/// Everything the verdict needs for one domain.
#[derive(Clone, Copy, Debug)]
pub struct AssessInput<'a> {
    /// The last good metadata facts; `None` when the metadata was never read.
    pub idp: Option<&'a IdpFacts>,
    /// The latest fetch failed: `idp` is a stale snapshot (rule R7); what kind of failure, and
    /// the error in words.
    pub fetch_error: Option<&'a FetchFailure>,
    pub entra: Option<&'a EntraSide>,
    /// AD FS `AutoCertificateRollover`, when known (config or imported `Get-AdfsProperties`).
    pub auto_rollover: Option<bool>,
    /// The token-signing certificates AD FS holds, from an imported `Get-AdfsCertificate`:
    /// `IsPrimary` names the primary, a secondary the metadata does not publish yet is the
    /// successor (rule A1). Used only when it shares a certificate with the metadata.
    pub adfs: Option<&'a AdfsHolds>,
    /// The configured domains of the same IdP, this one included, in config order (rule A2);
    /// empty when unknown. A2 tells this one apart by `posture.domain`, its name.
    pub peers: &'a IdpGroup,
    pub policy: &'a Policy,
    /// The metadata server's `Date` minus this machine's clock when the last good response
    /// arrived (rule C1); `None` without a `Date` header.
    pub clock_skew: Option<chrono::TimeDelta>,
    /// The metadata's signature and the IdP's TLS certificates (rules X1–X3, T1–T2); `None`
    /// when nothing is known of them.
    pub endpoints: Option<&'a Endpoints>,
    /// What the security-posture rules (B1–B4) look at besides the facts above.
    pub posture: PostureInput<'a>,
}

/// What the security-posture rules look at besides the verdict's facts (DESIGN.md §6.5).
#[derive(Clone, Copy, Debug, Default)]
pub struct PostureInput<'a> {
    /// The domain's name: `-SupportMultipleDomain` makes Entra's issuer one per domain.
    pub domain: &'a str,
    /// `metadata_url`: its host is one of the IdP's.
    pub metadata_url: Option<&'a str>,
    /// Which certificates fedcert saw the IdP publish and Entra trust, and when.
    pub history: Option<&'a crate::history::CertHistory>,
    /// The thumbprints an imported `Get-AdfsCertificate` lists.
    pub adfs_certificates: &'a [Sha1],
    /// Entra's audit events for the domain, when they were read.
    pub changes: Option<&'a [FederationChange]>,
}

/// Why sign-ins fail now, or will before a planned renewal can finish (DESIGN.md §6.1): the
/// checklist is then an outage runbook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outage {
    /// The primary has expired.
    PrimaryExpired,
    /// Entra does not hold the certificate the IdP signs with.
    SyncBroken,
    /// The primary is inside the critical threshold and Entra holds no successor.
    CriticalThreshold,
    /// Not a failing sign-in but an incident all the same: Entra trusts a certificate the IdP
    /// never published (rule B1), so whoever holds its key signs in as anyone. The runbook is
    /// [EMERG]'s: rotate twice and rewrite both of Entra's slots.
    SuspectedCompromise,
}

/// The verdict for one domain.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub severity: Severity,
    pub sync: SyncState,
    /// The kind of IdP, once its metadata was read.
    pub kind: Option<IdpKind>,
    /// Set when sign-ins fail now or will before a planned renewal can finish.
    pub outage: Option<Outage>,
    pub primary: Option<Primary>,
    pub successor: Option<CertInfo>,
    /// Where the successor was found (set with it).
    pub successor_source: Option<SuccessorSource>,
    /// What was made of an imported AD FS certificate list; `None` without one (or without
    /// metadata to compare it with).
    pub adfs: Option<AdfsUse>,
    /// Fractional days from now to the primary's NotAfter (negative once expired).
    pub days_left: Option<f64>,
    /// Worst first; never empty (an all-clear is itself a finding, S1, or an OK note).
    pub findings: Vec<Finding>,
    /// The primary's milestones in time order (empty without a primary).
    pub milestones: Vec<Milestone>,
}

/// Apply DESIGN.md §4 to one domain at `now`.
pub fn assess(input: &AssessInput<'_>, now: DateTime<Utc>) -> Assessment {
    verdict::assess(input, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certs(signing: Option<u8>, next: Option<u8>) -> EntraCerts {
        EntraCerts {
            signing: signing.map(|b| Sha1([b; 20])),
            next_signing: next.map(|b| Sha1([b; 20])),
        }
    }

    fn group(members: &[(&str, Option<EntraCerts>)]) -> IdpGroup {
        IdpGroup::new(
            members
                .iter()
                .map(|&(name, entra)| Peer {
                    name: name.to_owned(),
                    entra,
                })
                .collect(),
        )
    }

    fn names(differing: &[(String, EntraCerts)]) -> Vec<&str> {
        differing.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// Rule A2's list: the other members whose Entra side names other certificates, in config
    /// order; a member Entra knows nothing of, the same certificates in other slots and the
    /// domain itself are never in it.
    #[test]
    fn a_group_names_the_members_whose_entra_side_differs() {
        let own = certs(Some(1), Some(2));
        let farm = group(&[
            ("a.example", Some(certs(Some(2), Some(1)))),
            ("b.example", Some(certs(Some(3), None))),
            ("c.example", None),
            ("d.example", Some(certs(None, None))),
            ("e.example", Some(certs(Some(1), None))),
            ("f.example", Some(certs(Some(3), None))),
        ]);
        assert_eq!(
            names(&farm.differing("a.example", own)),
            ["b.example", "e.example", "f.example"]
        );
        // Every member agrees: nothing, whoever asks.
        let agreeing = group(&[
            ("a.example", Some(own)),
            ("b.example", Some(certs(Some(2), Some(1)))),
            ("c.example", None),
        ]);
        assert!(agreeing.differing("c.example", own).is_empty());
        // The one that differs is the domain asking (its entry not updated yet): nothing.
        let itself = group(&[
            ("a.example", Some(certs(Some(9), None))),
            ("b.example", Some(own)),
        ]);
        assert!(itself.differing("a.example", own).is_empty());
        assert_eq!(names(&itself.differing("b.example", own)), ["a.example"]);
        assert!(IdpGroup::alone().differing("a.example", own).is_empty());
        assert!(IdpGroup::alone().is_empty());
    }
}
