//! A finding as data: the rule that fired, the situation it saw (certificates by thumbprint,
//! instants, limits) and what the operator should do about it, as an [`Advice`] that the
//! checklist maps to one of its steps. No sentence is made here: [`crate::words`] says a
//! finding in words for each front end, with the step number of the domain's own checklist.

use chrono::{DateTime, TimeDelta, Utc};

use super::update_status::UpdateResult;
use super::{EntraCerts, Rule, Severity, TlsCert, TlsRole};
use crate::cert::{CertInfo, Sha1};
use crate::metadata::signature::{Invalid, Unsupported};

/// One reason for the verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// What the rule saw.
    pub situation: Situation,
    /// What to do about it.
    pub advice: Advice,
}

impl Finding {
    pub fn new(rule: Rule, severity: Severity, situation: Situation, advice: Advice) -> Self {
        Self {
            rule,
            severity,
            situation,
            advice,
        }
    }
}

/// What the operator should do about a finding. Each piece of advice the runbook carries out has
/// one checklist step ([`crate::checklist::step_for`]); the others are said in words only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Advice {
    /// Nothing now.
    None,
    /// Find out whether AD FS `AutoCertificateRollover` is on (`Get-AdfsProperties`).
    FindOutAutoRollover,
    /// Read which certificates Entra holds.
    CheckEntra,
    /// Have AD FS generate a successor now (`Update-AdfsCertificate`, never `-Urgent`).
    GenerateSuccessor,
    /// Add a new CA-issued token-signing certificate to AD FS as secondary.
    AddSuccessor,
    /// Create or activate a new signing certificate at the third-party IdP.
    RotateAtIdp,
    /// Put the IdP's primary (and its successor) into Entra.
    UpdateEntra,
    /// Make the published successor the certificate the IdP signs with.
    PromoteSuccessor { successor: Sha1 },
    /// The primary has expired and AD FS holds no successor: roll over at once (`-Urgent`).
    UrgentRollover,
    /// Renew the token-decrypting certificate.
    RenewDecrypting,
    /// Let Entra read the metadata (publish it to the internet), or update Entra by hand.
    MakeMetadataReachable,
    /// Fix why the metadata cannot be read, then refresh.
    FixFetch,
    /// Wait for the first refresh.
    WaitForFirstRefresh,
    /// Point the domain at the right metadata / entity, or fix the IdP's certificate.
    FixMetadata,
    /// Synchronise the clocks (NTP).
    FixClock,
    /// Find out why the metadata does not publish what AD FS holds (a stale copy, a proxy,
    /// another farm), or put the certificates into Entra by hand.
    CatchUpMetadata,
    /// Have the metadata published again (its `validUntil` has passed), or read a current copy.
    RenewMetadata,
    /// Entra trusts a certificate the IdP never published: treat it as a compromise, rotate
    /// ([EMERG]'s double rollover) and rewrite both of Entra's slots, which removes it.
    RemoveRogue,
    /// Entra still trusts a certificate the IdP retired: rewrite both slots with the IdP's own
    /// certificates. `second`: the IdP has no second certificate to fill the other slot with
    /// yet, so it needs one first (DOMAIN.md "Stale NextSigningCertificate").
    FlushStale { second: bool },
    /// Find out who changed the federation settings, and whether it was meant (audit log).
    ReviewChanges,
    /// Check who signs the metadata; trust that signer with `metadata_signer` if it is right.
    TrustSigner,
    /// Copy nothing from this document: take the certificates from the IdP itself, and find
    /// out who changed the document.
    DistrustMetadata,
    /// Have the IdP sign its metadata in a way fedcert verifies (or drop `require_signature`).
    SignMetadata,
    /// Renew the host's TLS certificate before it expires.
    RenewTls,
    /// Give the host a TLS certificate that clients accept (or trust its CA with `ca_file`).
    FixTls,
}

/// Where a domain with automatic rollover stands next (S1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoNext {
    /// The successor is promoted around this moment.
    PromotesAround(DateTime<Utc>),
    /// Promotion is overdue; it must happen before the primary's expiry.
    PromotionOverdue,
    /// The successor is published around this moment (generation).
    PublishesAround(DateTime<Utc>),
    /// Generation is due now (the job runs every 12 hours).
    PublishDue,
}

/// How a domain that needs nothing yet stands (the all-clear).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Automatic rollover is on (Entra side unknown).
    AutoOn,
    /// Automatic rollover is off.
    AutoOff,
    /// A third-party IdP: every renewal is manual.
    ThirdPartyManual,
    /// `AutoCertificateRollover` is not known.
    AutoUnknown,
}

/// Where a successor that Entra lacks stands (R4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingPhase {
    /// Entra never reads a third-party IdP's metadata.
    ThirdParty,
    /// Under the renew-now limit (S2 applies).
    UnderLimit { limit_days: u32 },
    /// Entra has not started polling yet.
    BeforePoll {
        poll_from: DateTime<Utc>,
        promotion_at: DateTime<Utc>,
    },
    /// Entra polls daily and still has not picked it up.
    Polling { poll_from: DateTime<Utc> },
    /// AD FS holds it but the metadata does not publish it: Entra cannot pick it up.
    Unpublished,
}

/// What comes next for a domain with manual rollover (R5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManualNext {
    /// The successor is in Entra: promote it before the primary expires.
    Promote { successor: Sha1 },
    /// Plan the renewal; it becomes critical at this moment.
    Plan {
        critical_from: DateTime<Utc>,
        limit_days: u32,
    },
    /// The renewal mark passed at this moment: renew now.
    Overdue {
        since: DateTime<Utc>,
        limit_days: u32,
    },
}

/// One of Entra's certificate slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Signing,
    NextSigning,
}

/// What a certificate in one of Entra's slots is, as far as the IdP's metadata tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeldAs {
    /// The IdP's token-decrypting (encryption) certificate: a wrong paste.
    Decrypting,
    /// A signing certificate the IdP still publishes but that has expired.
    ExpiredSigning,
    /// A signing certificate the IdP publishes (not the primary).
    PublishedSigning,
    /// No certificate the IdP publishes.
    Unpublished,
}

/// A certificate Entra holds that is not the IdP's primary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub slot: Slot,
    pub sha1: Sha1,
    pub what: HeldAs,
}

/// What kept the metadata from being read, as far as the advice cares: each asks for another
/// fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FetchProblem {
    /// An HTML page (a sign-in or proxy page) where the metadata should be.
    HtmlPage,
    /// An empty answer.
    Empty,
    /// The document ends before its root element closes.
    Truncated,
    /// XML, but not federation metadata; or not XML at all.
    NotMetadata,
    /// Nothing accepts connections there.
    Refused,
    /// The host name does not resolve.
    Dns,
    /// No answer in time.
    Timeout,
    /// The TLS connection failed (trust, name, expiry).
    Tls,
    /// The server answered with this HTTP status.
    Http(u16),
    /// No such file.
    NotFound,
    /// Larger than the body limit.
    TooLarge,
    /// The document names no identity provider for this domain.
    NoIdp,
    /// Anything else (an internal error, an unusual one).
    Other,
}

/// A failed refresh as the verdict sees it: the kind of problem and the error in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchFailure {
    pub problem: FetchProblem,
    /// The error as its source says it, with the URL or path.
    pub text: String,
    /// The certificate the host presented when TLS refused it (untrusted issuer, name
    /// mismatch, expired): shown beside the error.
    pub presented: Option<Box<TlsCert>>,
}

/// Why Entra's failed update matters (E1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// The published successor is not in Entra.
    Successor(Sha1),
    /// The primary expires within Entra's polling window and no successor is published.
    SuccessorToCome,
}

/// What a rule saw. Certificates are named by thumbprint; the primary and the successor are
/// the assessment's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Situation {
    /// S1: automatic rollover on, Entra in sync, metadata reachable.
    AutoInSync { next: AutoNext },
    /// An all-clear: nothing to do yet; the finding's rule fires first, at `from`.
    NothingYet {
        standing: Standing,
        from: DateTime<Utc>,
    },
    /// S2: automatic rollover on, Entra out of sync, under the renew-now limit.
    AutoOutOfSyncUnderLimit { limit_days: u32 },
    /// S3 (WARNING): manual rollover; the successor is published and in Entra.
    PromoteBeforeExpiry { successor: Sha1 },
    /// S3 (CRITICAL): manual rollover under the manual-renewal limit.
    ManualUnderLimit { limit_days: u32 },
    /// R1: the primary has expired.
    PrimaryExpired,
    /// R2: Entra does not hold the primary; what it holds instead.
    EntraLacksPrimary { held: Vec<Held> },
    /// R3: no successor published although generation was due.
    NoSuccessor {
        due: DateTime<Utc>,
        generation_days: u32,
        /// `Some(limit)` once under the renew-now limit (CRITICAL).
        under_limit: Option<u32>,
    },
    /// R4: Entra does not hold the published successor.
    SuccessorNotInEntra {
        successor: Sha1,
        phase: PendingPhase,
    },
    /// R5: manual rollover inside the planning window.
    ManualRenewalAhead { next: ManualNext },
    /// R6: `AutoCertificateRollover` unknown inside the manual-renewal window.
    AutoRolloverUnknown,
    /// R7: the latest refresh failed; the verdict uses the last good snapshot.
    Stale { failure: FetchFailure },
    /// R8: the metadata was never read (`None`: not tried yet).
    NeverRead { failure: Option<FetchFailure> },
    /// R9: the token-decrypting certificate expires soon or has expired.
    DecryptingExpiring { cert: Box<CertInfo> },
    /// R10: which certificates Entra holds is unknown inside Entra's polling window.
    EntraUnknown,
    /// R11: the IdP role publishes no usable signing certificate.
    NoSigningCert {
        entity_id: String,
        unreadable: Vec<String>,
    },
    /// E1: Entra's own automatic update fails.
    EntraUpdateFailing {
        result: UpdateResult,
        last_run: Option<DateTime<Utc>>,
        missing: Missing,
    },
    /// C1: the metadata server's clock and this machine's differ.
    ClockSkew { skew: TimeDelta },
    /// B1: Entra trusts a certificate the IdP never published.
    NeverPublished {
        slot: Slot,
        sha1: Sha1,
        /// The certificate, when Entra's side carries it readably.
        cert: Option<Box<CertInfo>>,
        why: Unvouched,
    },
    /// B2: Entra still trusts a certificate the IdP published before and has retired.
    Retired {
        slot: Slot,
        sha1: Sha1,
        cert: Option<Box<CertInfo>>,
        /// When fedcert last saw the IdP publish it; `None` when fedcert never saw it published
        /// but takes it for the IdP's own older certificate (see [`Unvouched`]).
        last_published: Option<DateTime<Utc>>,
    },
    /// B3: Entra's `issuerUri` points elsewhere than the IdP.
    IssuerElsewhere {
        issuer: String,
        /// The IdP's host as fedcert knows it (entityID, sign-in URL, metadata URL).
        idp_host: Option<String>,
        /// A known backdoor pattern (`http://any.sts/…`), not just another host.
        backdoor: bool,
    },
    /// B4: the federation settings changed in the last 24 hours; the changes, newest first.
    RecentChange { changes: Vec<FederationChange> },
    /// H1–H3: a published signing certificate's hygiene.
    Hygiene {
        concern: Hygiene,
        cert: Box<CertInfo>,
    },
    /// H4: the successor's subject or issuer is not the primary's.
    SuccessorDiffers {
        successor: Sha1,
        subject: bool,
        issuer: bool,
    },
    /// X1: the signature verifies, but its signer is not trusted.
    UntrustedSigner {
        signer: Option<Sha1>,
        /// The signer's subject, when its certificate can be read.
        subject: Option<String>,
        /// The document is an aggregate (only a configured signer is trusted).
        aggregate: bool,
    },
    /// X2: the signature does not verify.
    InvalidSignature { why: Invalid },
    /// X3: the domain requires a signature, and none shows the document is the IdP's: it is
    /// unsigned, or (`unsupported`) signed in a way fedcert does not verify.
    UnsignedRequired { unsupported: Option<Unsupported> },
    /// T1: a host's TLS certificate expires soon or has expired.
    TlsExpiring { role: TlsRole, cert: Box<TlsCert> },
    /// T2: the sign-in host's TLS certificate is refused (not for its expiry).
    TlsRefused { role: TlsRole, cert: Box<TlsCert> },
    /// A1: AD FS holds valid token-signing certificates that the metadata does not publish.
    MetadataBehindAdfs { unpublished: Vec<Unpublished> },
    /// A2: other domains of the same IdP hold other certificates in Entra than this one.
    GroupEntraDiffers {
        own: EntraCerts,
        /// Each differing domain and what Entra holds for it, in config order.
        differing: Vec<(String, EntraCerts)>,
    },
    /// V1: the metadata's `validUntil` has passed.
    MetadataExpired { valid_until: DateTime<Utc> },
}

/// A certificate AD FS holds that the metadata does not publish (A1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unpublished {
    pub sha1: Sha1,
    pub is_primary: bool,
    pub not_after: Option<DateTime<Utc>>,
    /// The import carries the certificate itself (`RawData`).
    pub with_raw_data: bool,
}

/// Why fedcert holds a certificate in Entra for one the IdP never published (B1). A
/// certificate fedcert saw the IdP publish is B2's, never B1's; so is one that was already in
/// Entra when fedcert first read Entra's side of the domain and looks like the IdP's own older
/// certificate (same subject and issuer as a certificate the IdP publishes, and older than it):
/// the previous primary, retired before fedcert watched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unvouched {
    /// fedcert read Entra's side before without it, and saw it appear at this moment.
    AppearedAt(DateTime<Utc>),
    /// It was there when fedcert first looked (or fedcert reads Entra only from an import) and
    /// it is not like the IdP's certificates: another subject or issuer, or newer than them.
    UnlikeTheIdp,
    /// fedcert has only its thumbprint (typed into the config, or a copy it cannot read as a
    /// certificate): it cannot tell whose it is.
    ThumbprintOnly,
}

/// A certificate-hygiene concern (info: it never changes a verdict).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hygiene {
    /// H1: signed with SHA-1 (or an older digest).
    WeakSignature,
    /// H2: an RSA key under 2048 bits.
    SmallKey,
    /// H3: valid for more than three years.
    LongValidity,
}

/// One change to a domain's federation in Entra's audit log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FederationChange {
    pub at: DateTime<Utc>,
    /// `Set federation settings on domain` or `Set domain authentication`.
    pub activity: String,
    /// Who: the user's UPN (or name), or the app's name.
    pub actor: String,
}
