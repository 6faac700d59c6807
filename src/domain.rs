//! One domain's live state: its config, the last good snapshot, the latest error, the Entra
//! side and the verdict. A [`Fleet`](crate::fleet::Fleet) holds one per configured domain and is
//! what the TUI, `serve` and `check` change and read.

use std::collections::BTreeSet;
use std::ops::{Index, Range};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::assess::{
    self, AdfsHeld, AdfsHolds, AdfsUse, AssessInput, Assessment, EndpointFacts, Endpoints,
    EntraSide, EntraSource, FactsError, FederationChange, FetchFailure, FetchProblem, IdpFacts,
    IdpGroup, PostureInput, SignatureCheck, TlsCert,
};
use crate::cert::{CertInfo, Sha1};
use crate::config::DomainConfig;
use crate::history::{CertHistory, Observation};
use crate::metadata::MetadataError;
use crate::source::graph::{Access, GraphError, SignInNeeded};
use crate::source::imports::Imports;
use crate::source::{FetchError, FetchErrorKind};

/// A domain of the [fleet](crate::fleet): its place in the config's order, stable for the fleet's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainId(usize);

impl DomainId {
    /// The domain at `index` in the config's order.
    pub const fn from_index(index: usize) -> Self {
        Self(index)
    }

    pub const fn index(self) -> usize {
        self.0
    }
}

/// The fleet's statuses are in config order, so a [`DomainId`] indexes them.
impl Index<DomainId> for [DomainStatus] {
    type Output = DomainStatus;

    fn index(&self, id: DomainId) -> &DomainStatus {
        &self[id.0]
    }
}

/// Metadata read successfully at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub fetched_at: DateTime<Utc>,
    /// The URL or path finally read.
    pub location: String,
    pub facts: IdpFacts,
    /// The server's `Date` header, for clock-skew warnings.
    pub http_date: Option<DateTime<Utc>>,
    /// The server's `Date` minus this machine's clock when the response arrived (positive: the
    /// server is ahead); `None` without a `Date` header (files, stdin, servers that send none).
    pub clock_skew: Option<TimeDelta>,
    /// The document's signature and the TLS certificates of the metadata and sign-in hosts, as
    /// this refresh saw them (DESIGN.md §6.4).
    pub endpoints: EndpointFacts,
}

impl Snapshot {
    /// The set of certificates published (signing and encryption), to notice changes.
    pub fn cert_set(&self) -> BTreeSet<Sha1> {
        self.facts
            .signing
            .iter()
            .chain(&self.facts.encryption)
            .map(|c| c.sha1)
            .collect()
    }

    /// The document's XML signature does not verify (rule X2): nothing shows that what it
    /// publishes is the IdP's.
    pub fn signature_invalid(&self) -> bool {
        self.endpoints.signature.as_ref().is_some_and(|s| {
            matches!(
                s.verification.outcome,
                crate::metadata::signature::Outcome::Invalid(_)
            )
        })
    }

    /// `facts` read from `location` at `fetched_at`, for unit tests: no `Date` header, no
    /// signature or TLS facts.
    #[cfg(test)]
    pub(crate) fn test(
        location: impl Into<String>,
        facts: IdpFacts,
        fetched_at: DateTime<Utc>,
    ) -> Self {
        Self {
            fetched_at,
            location: location.into(),
            facts,
            http_date: None,
            clock_skew: None,
            endpoints: EndpointFacts::default(),
        }
    }
}

/// A failed refresh, kept as data: when, and why. The cause stays typed until a view words it:
/// `Display` is one line (what, where, why), [`Self::short`] a word or two for table cells.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{cause}")]
pub struct RefreshError {
    pub at: DateTime<Utc>,
    pub cause: RefreshFailure,
}

impl RefreshError {
    pub fn new(at: DateTime<Utc>, cause: impl Into<RefreshFailure>) -> Self {
        Self {
            at,
            cause: cause.into(),
        }
    }

    /// A word or two for table cells (`timeout`, `tls`, `http 503`, `html page`, …).
    pub fn short(&self) -> String {
        self.cause.short()
    }
}

/// Why a refresh failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefreshFailure {
    /// The metadata could not be read.
    #[error("{0}")]
    Fetch(#[from] FetchError),
    /// It was read from `location`, but it is not metadata fedcert can read.
    #[error("{location}: {error}")]
    Metadata {
        location: String,
        error: MetadataError,
    },
    /// It is metadata, but it names no identity provider for this domain.
    #[error("{location}: {error}")]
    Facts { location: String, error: FactsError },
    /// Microsoft Graph could not be read (or its client could not be set up).
    #[error("{0}")]
    Graph(#[from] GraphError),
    /// The refresh failed inside fedcert (its task panicked or was cancelled); `detail` says
    /// how.
    #[error("{location}: {detail}")]
    Internal { location: String, detail: String },
}

impl RefreshFailure {
    /// What kind of problem it is, for the verdict's advice.
    pub fn problem(&self) -> FetchProblem {
        match self {
            Self::Fetch(error) => match error.kind() {
                FetchErrorKind::Dns => FetchProblem::Dns,
                FetchErrorKind::Connect => FetchProblem::Refused,
                FetchErrorKind::Timeout => FetchProblem::Timeout,
                FetchErrorKind::Tls => FetchProblem::Tls,
                FetchErrorKind::Status(code) => FetchProblem::Http(code),
                FetchErrorKind::TooLarge => FetchProblem::TooLarge,
                FetchErrorKind::NotFound => FetchProblem::NotFound,
                FetchErrorKind::InvalidLocation
                | FetchErrorKind::TooManyRedirects
                | FetchErrorKind::Io => FetchProblem::Other,
            },
            Self::Metadata { error, .. } => match error {
                MetadataError::Html => FetchProblem::HtmlPage,
                MetadataError::Empty => FetchProblem::Empty,
                MetadataError::Truncated => FetchProblem::Truncated,
                MetadataError::Io(_) => FetchProblem::Other,
                _ => FetchProblem::NotMetadata,
            },
            Self::Facts { .. } => FetchProblem::NoIdp,
            Self::Graph(_) | Self::Internal { .. } => FetchProblem::Other,
        }
    }

    /// The TLS certificate the host presented during the failed read, when one was read.
    pub fn presented(&self) -> Option<&TlsCert> {
        match self {
            Self::Fetch(error) => error.presented(),
            _ => None,
        }
    }

    /// A word or two for table cells.
    pub fn short(&self) -> String {
        match self {
            Self::Fetch(error) => error.short(),
            Self::Metadata { error, .. } => match error {
                MetadataError::Html => "html page",
                MetadataError::Empty => "empty",
                MetadataError::NotMetadata { .. } => "not metadata",
                MetadataError::Doctype { .. } | MetadataError::EntityReference { .. } => {
                    "refused dtd"
                }
                _ => "bad xml",
            }
            .to_owned(),
            Self::Facts { .. } => "no idp".to_owned(),
            Self::Graph(error) => error.short(),
            Self::Internal { .. } => "internal".to_owned(),
        }
    }
}

/// The result of one refresh of one domain, sent by the poller as owned data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshOutcome {
    pub at: DateTime<Utc>,
    pub metadata: Result<Snapshot, RefreshError>,
    /// `None` when this domain has no live Entra source (Graph); `Some(Err)` when reading it failed.
    pub entra: Option<Result<EntraSide, RefreshError>>,
}

impl RefreshOutcome {
    /// What this refresh saw for the certificate history: the certificates the metadata
    /// published, and those Entra held when Graph was read.
    pub fn observation(&self) -> Observation {
        let trusted = match &self.entra {
            Some(Ok(side)) if side.source == Some(EntraSource::Graph) => Some(
                side.signing
                    .iter()
                    .chain(&side.next_signing)
                    .copied()
                    .collect(),
            ),
            _ => None,
        };
        Observation {
            // A document whose signature does not verify vouches for nothing: had it been
            // altered to publish a rogue certificate, the history would take that certificate
            // for the IdP's, and Entra's trust in it for a retired one's (B2, not B1).
            published: self
                .metadata
                .as_ref()
                .ok()
                .filter(|snapshot| !snapshot.signature_invalid())
                .map(|snapshot| snapshot.cert_set().into_iter().collect()),
            trusted,
        }
    }
}

/// Whether a fetch is under way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchState {
    Idle,
    Fetching { since: DateTime<Utc> },
}

/// Everything known about one domain.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainStatus {
    pub config: DomainConfig,
    /// Boxed: a domain not read yet (every domain at start-up) needs no room for one.
    pub last_good: Option<Box<Snapshot>>,
    /// The latest metadata refresh failed (the last good snapshot, if any, is now stale).
    pub last_error: Option<Box<RefreshError>>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// The Entra side from Graph or an import; typed-in thumbprints come from the config.
    /// Boxed: most domains of a large fleet have none, and a fleet holds one status per domain.
    pub entra_live: Option<Box<EntraSide>>,
    pub entra_error: Option<Box<RefreshError>>,
    /// `AutoCertificateRollover` from an imported `Get-AdfsProperties`, when present.
    pub imported_auto_rollover: Option<bool>,
    /// The token-signing certificates AD FS holds, from an imported `Get-AdfsCertificate`
    /// (their `RawData` analysed), when present.
    pub imported_adfs: Option<AdfsHolds>,
    /// Its IdP group: the configured domains whose metadata comes from the same IdP (same
    /// entityID), itself included, in config order, with what Entra holds for each; shared
    /// with the group's other members. The fleet keeps it up to date; `None` until it does,
    /// while the metadata was never read, and for a group of one.
    pub peers: Option<Arc<IdpGroup>>,
    /// What was imported from PowerShell for this domain (shown with its age).
    pub imports: Imports,
    pub fetch: FetchState,
    /// The published certificate set changed at the last refresh; cleared when selected.
    pub changed: bool,
    pub assessment: Assessment,
    /// The moments over which `assessment` stands as it is: from when it was made until the
    /// verdict could next change ([`assess::next_change`]). `None` when unknown (a verdict set
    /// by hand, facts newer than it): re-assess at every chance.
    pub verdict_holds: Option<Range<DateTime<Utc>>>,
    /// Which certificates fedcert saw the IdP publish and Entra trust, and when: the saved
    /// history ([`crate::history`]) and what this process saw since.
    pub history: CertHistory,
    /// Why the saved history could not be used (a corrupt file was moved aside, …): fedcert
    /// goes on with what it sees from now on.
    pub history_problem: Option<crate::store::StoreError>,
    /// Entra's audit events that changed this domain's federation in the last 30 days;
    /// `None` until the tenant's audit log was read (never, without Graph).
    pub changes: Option<Access<Vec<FederationChange>>>,
}

impl DomainStatus {
    /// A domain not yet fetched, assessed as of `now`.
    pub fn new(config: DomainConfig, now: DateTime<Utc>) -> Self {
        let config_name = config.name.clone();
        let mut status = Self {
            config,
            last_good: None,
            last_error: None,
            last_attempt: None,
            entra_live: None,
            entra_error: None,
            imported_auto_rollover: None,
            imported_adfs: None,
            peers: None,
            imports: Imports::default(),
            fetch: FetchState::Idle,
            changed: false,
            assessment: Assessment {
                severity: assess::Severity::Unknown,
                sync: assess::SyncState::Unknown,
                kind: None,
                outage: None,
                primary: None,
                successor: None,
                successor_source: None,
                adfs: None,
                days_left: None,
                findings: Vec::new(),
                milestones: Vec::new(),
            },
            verdict_holds: None,
            history: CertHistory::new(config_name.clone()),
            history_problem: None,
            changes: None,
        };
        status.reassess(now);
        status
    }

    /// The Entra side in force: live (Graph / import) first, else thumbprints typed into the config.
    pub fn entra(&self) -> Option<EntraSide> {
        if let Some(live) = &self.entra_live {
            return Some(EntraSide::clone(live));
        }
        let c = &self.config;
        (c.entra_signing_thumbprint.is_some() || c.entra_next_signing_thumbprint.is_some()).then(
            || EntraSide {
                source: Some(EntraSource::Config),
                signing: c.entra_signing_thumbprint,
                next_signing: c.entra_next_signing_thumbprint,
                ..EntraSide::default()
            },
        )
    }

    /// Take in the PowerShell imports: AD FS's certificate list names the primary (and a
    /// successor the metadata does not publish yet), `AutoCertificateRollover` and the AD FS
    /// thresholds replace the config's, and an imported Entra side stands until Graph (when
    /// configured) reads a live one.
    pub fn apply_imports(&mut self, imports: Imports, now: DateTime<Utc>) {
        self.imported_auto_rollover = imports.auto_rollover();
        self.imported_adfs = imports.adfs_holds();
        if self.entra_live.is_none() {
            self.entra_live = imports.entra_side().map(Box::new);
        }
        self.config.policy = imports.policy(self.config.policy);
        self.imports = imports;
        self.reassess(now);
    }

    pub fn auto_rollover(&self) -> Option<bool> {
        self.imported_auto_rollover.or(self.config.auto_rollover)
    }

    /// The last snapshot is stale: the latest refresh failed after it.
    pub fn is_stale(&self) -> bool {
        self.last_error.is_some()
    }

    /// The verdict may no longer hold at `now`: it was made for another moment than the
    /// span it holds over, or that span is unknown.
    pub fn needs_reassess(&self, now: DateTime<Utc>) -> bool {
        !self
            .verdict_holds
            .as_ref()
            .is_some_and(|holds| holds.contains(&now))
    }

    /// Recompute the verdict as of `now`, and how long it holds.
    pub fn reassess(&mut self, now: DateTime<Utc>) {
        let entra = self.entra();
        // The verdict quotes the failure; it reads it as words for now.
        let fetch_error = self.last_error.as_ref().map(|e| FetchFailure {
            problem: e.cause.problem(),
            text: e.to_string(),
            presented: e.cause.presented().cloned().map(Box::new),
        });
        let adfs_certificates: Vec<Sha1> = self
            .imports
            .adfs_certificates
            .iter()
            .flat_map(|i| i.certificates.iter().map(|c| c.thumbprint))
            .collect();
        let endpoints = self.endpoints();
        let input = AssessInput {
            idp: self.last_good.as_ref().map(|s| &s.facts),
            fetch_error: fetch_error.as_ref(),
            entra: entra.as_ref(),
            auto_rollover: self.auto_rollover(),
            adfs: self.imported_adfs.as_ref(),
            peers: self.peers.as_deref().unwrap_or(IdpGroup::alone()),
            policy: &self.config.policy,
            clock_skew: self.last_good.as_ref().and_then(|s| s.clock_skew),
            posture: PostureInput {
                domain: &self.config.name,
                metadata_url: Some(self.config.metadata_url.as_str()),
                history: Some(&self.history),
                adfs_certificates: &adfs_certificates,
                changes: self
                    .changes
                    .as_ref()
                    .and_then(Access::read)
                    .map(Vec::as_slice),
            },
            endpoints: Some(&endpoints),
        };
        self.assessment = assess::assess(&input, now);
        self.verdict_holds = Some(now..assess::next_change(&input, now));
    }

    /// Apply a refresh result: a failure keeps the last good snapshot (marked stale).
    pub fn apply(&mut self, outcome: RefreshOutcome) {
        let at = outcome.at;
        self.record(outcome);
        self.reassess(at);
    }

    /// Take in a refresh result without re-assessing (the caller re-assesses with its own `now`).
    pub fn record(&mut self, outcome: RefreshOutcome) {
        self.history.record(&outcome.observation(), outcome.at);
        self.verdict_holds = None;
        self.fetch = FetchState::Idle;
        self.last_attempt = Some(outcome.at);
        match outcome.metadata {
            Ok(snapshot) => {
                if let Some(previous) = &self.last_good {
                    self.changed |= previous.cert_set() != snapshot.cert_set();
                }
                self.last_good = Some(Box::new(snapshot));
                self.last_error = None;
            }
            Err(error) => self.last_error = Some(Box::new(error)),
        }
        match outcome.entra {
            Some(Ok(side)) => {
                self.entra_live = Some(Box::new(side));
                self.entra_error = None;
            }
            Some(Err(error)) => self.entra_error = Some(Box::new(error)),
            None => {}
        }
    }

    /// The entityID of the IdP its last good metadata names: the domains that share it form an
    /// IdP group.
    pub fn entity_id(&self) -> Option<&str> {
        self.last_good.as_ref().map(|s| s.facts.entity_id.as_str())
    }

    /// The certificates AD FS holds (the import carries them) that the last good metadata does
    /// not publish, each with its row of the import; none unless the verdict uses the imported
    /// list ([`AdfsUse::Used`]).
    pub fn adfs_unpublished(&self) -> impl Iterator<Item = (&AdfsHeld, &CertInfo)> {
        let published = self
            .last_good
            .as_ref()
            .map_or(&[][..], |s| &s.facts.signing[..]);
        let used = self.assessment.adfs == Some(AdfsUse::Used);
        self.imported_adfs
            .iter()
            .filter(move |_| used)
            .flat_map(|holds| &holds.certificates)
            .filter_map(move |held| {
                let cert = held.cert.as_ref()?;
                (!published.iter().any(|s| s.sha1 == cert.sha1)).then_some((held, cert))
            })
    }

    /// The names of the configured domains of its IdP group, itself included, in config order.
    pub fn group(&self) -> Vec<&str> {
        self.idp_group().names(&self.config.name)
    }

    /// Its IdP group (empty: a group of one, or not known yet).
    pub fn idp_group(&self) -> &IdpGroup {
        self.peers.as_deref().unwrap_or(IdpGroup::alone())
    }

    /// The other domains of its IdP group for which Entra holds other certificates than for
    /// this one, as rule A2 lists them: the part of its verdict its group decides.
    pub fn differing_peers(&self) -> Vec<(String, assess::EntraCerts)> {
        self.entra_certs()
            .map(|own| self.idp_group().differing(&self.config.name, own))
            .unwrap_or_default()
    }

    /// What Entra holds for it, as its IdP group's peers see it: [`Self::entra`]'s
    /// certificates, without copying the side (the fleet asks at every change to a group).
    pub fn entra_certs(&self) -> Option<assess::EntraCerts> {
        let certs = match &self.entra_live {
            Some(live) => live.certs(),
            None => assess::EntraCerts {
                signing: self.config.entra_signing_thumbprint,
                next_signing: self.config.entra_next_signing_thumbprint,
            },
        };
        Some(certs).filter(|c| c.is_known())
    }

    /// Take in the saved history (from the data dir): what it knows is added to what this
    /// process saw. It changes no verdict before the metadata is read (B1 and B2 judge Entra's
    /// certificates against the IdP's); after that, re-assess.
    pub fn merge_history(&mut self, saved: &CertHistory) {
        self.history.merge(saved);
    }

    /// The metadata's signature judged with this domain's config (the IdP signing certificates
    /// the document publishes, `metadata_signer`, `require_signature`); `None` before a document
    /// was read.
    pub fn signature(&self) -> Option<SignatureCheck> {
        let snapshot = self.last_good.as_ref()?;
        let signature = snapshot.endpoints.signature.as_ref()?;
        let published: Vec<Sha1> = snapshot.facts.signing.iter().map(|c| c.sha1).collect();
        Some(SignatureCheck::judge(
            signature,
            &published,
            &self.config.metadata_signer,
            self.config.require_signature,
        ))
    }

    /// The certificate the metadata host presented at the latest attempt that got one: the
    /// failed attempt's when TLS refused it (or the server answered an error), else the last
    /// good snapshot's.
    pub fn metadata_tls(&self) -> Option<&TlsCert> {
        self.last_error
            .as_ref()
            .and_then(|e| e.cause.presented())
            .or_else(|| {
                self.last_good
                    .as_ref()
                    .and_then(|s| s.endpoints.tls.as_ref())
            })
    }

    /// What the verdict reads about the signature and the TLS certificates.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            signature: self.signature(),
            metadata_tls: self.metadata_tls().cloned(),
            signin_tls: self
                .last_good
                .as_ref()
                .and_then(|s| s.endpoints.signin_tls())
                .cloned(),
        }
    }

    /// Entra's side cannot be read until someone signs in to the domain's tenant (again): the
    /// latest Graph read said so.
    pub fn sign_in_needed(&self) -> Option<&SignInNeeded> {
        match &self.entra_error.as_ref()?.cause {
            RefreshFailure::Graph(GraphError::SignIn(needed)) => Some(needed),
            _ => None,
        }
    }

    /// The IdP host for the list: from the last snapshot, else the metadata URL's host.
    pub fn idp_host(&self) -> Option<String> {
        self.last_good
            .as_ref()
            .and_then(|s| s.facts.host())
            .or_else(|| crate::location::host_of(&self.config.metadata_url))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::cert::test_cert;

    /// Certificate `id`, valid for a year from `at`.
    fn cert(id: u8, at: DateTime<Utc>) -> CertInfo {
        CertInfo {
            sha1: Sha1([id; 20]),
            ..test_cert(at, at + TimeDelta::days(365))
        }
    }

    /// The group's view of what Entra holds is the Entra side's certificates: live over
    /// typed-in thumbprints, nothing when neither names one.
    #[test]
    fn entra_certs_are_the_entra_sides_certificates() {
        let now: DateTime<Utc> = "2026-12-01T09:00:00Z".parse().unwrap();
        let mut config = DomainConfig::new("a.example", "https://fs.a.example/md.xml");
        let mut cases = vec![DomainStatus::new(config.clone(), now)];
        config.entra_next_signing_thumbprint = Some(Sha1([2; 20]));
        cases.push(DomainStatus::new(config.clone(), now));
        let mut live = DomainStatus::new(config.clone(), now);
        live.entra_live = Some(Box::new(EntraSide {
            signing: Some(Sha1([3; 20])),
            ..EntraSide::default()
        }));
        cases.push(live.clone());
        live.entra_live = Some(Box::default());
        cases.push(live);
        let seen: Vec<_> = cases.iter().map(DomainStatus::entra_certs).collect();
        for (status, certs) in cases.iter().zip(&seen) {
            let expected = status.entra().map(|e| e.certs()).filter(|c| c.is_known());
            assert_eq!(*certs, expected);
        }
        assert_eq!(seen.iter().filter(|c| c.is_some()).count(), 2, "{seen:?}");
    }

    fn held(cert: &CertInfo, is_primary: bool) -> AdfsHeld {
        AdfsHeld {
            sha1: cert.sha1,
            is_primary,
            not_after: Some(cert.not_after),
            cert: Some(cert.clone()),
        }
    }

    #[test]
    fn the_unpublished_adfs_certificates_are_those_the_metadata_lacks_while_the_list_is_used() {
        let now: DateTime<Utc> = "2026-12-01T09:00:00Z".parse().unwrap();
        let (published, unpublished) = (cert(1, now), cert(2, now));
        let url = "https://fs.contoso.example/md.xml";
        let mut status = DomainStatus::new(DomainConfig::new("contoso.example", url), now);
        let facts = IdpFacts::test_adfs(
            "http://fs.contoso.example/adfs/services/trust",
            vec![published.clone()],
        );
        status.last_good = Some(Box::new(Snapshot::test(url, facts, now)));
        let mut thumbprint_only = held(&cert(3, now), false);
        thumbprint_only.cert = None;
        status.imported_adfs = Some(AdfsHolds {
            certificates: vec![
                held(&published, true),
                held(&unpublished, false),
                thumbprint_only,
            ],
            as_of: Some(now),
        });
        let listed = |status: &DomainStatus| -> Vec<(Sha1, Sha1)> {
            status
                .adfs_unpublished()
                .map(|(held, cert)| (held.sha1, cert.sha1))
                .collect()
        };
        status.assessment.adfs = Some(AdfsUse::Used);
        assert_eq!(listed(&status), [(unpublished.sha1, unpublished.sha1)]);
        // A list that shares nothing with the metadata (another farm's) is not used.
        status.assessment.adfs = Some(AdfsUse::Unmatched);
        assert_eq!(listed(&status), []);
    }
}
