//! Refreshing domains: once each ([`refresh_each`], for `check`), or in the background on their
//! interval ([`spawn`]: jitter, exponential back-off after failures up to the interval, at most
//! one fetch in flight per domain, bounded concurrency). The poller turns what the sources read
//! (typed results and errors) into [`PollEvent`]s carrying owned data, which the
//! [`Fleet`](crate::fleet::Fleet) applies; it owns no domain state itself.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::io::BufRead;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::assess::{
    self, DocumentSignature, EndpointFacts, EntityPicker, FactsError, IdpFacts, SigninTls,
};
use crate::config::{Config, DomainConfig};
use crate::domain::{DomainId, RefreshError, RefreshFailure, RefreshOutcome, Snapshot};
use crate::location::Location;
use crate::metadata::{self, MetadataError};
use crate::source::graph::{Access, GraphClient, GraphError, GraphSettings};
use crate::source::{BodyReader, FetchOptions, Fetcher, Unread};
use crate::store::Store;
use crate::tenant::{Tenant, TenantPosture};

/// What the UI asks of the poller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollCommand {
    /// Refresh this domain now (ignored while one is in flight for it).
    Refresh(DomainId),
    /// Refresh every domain now.
    RefreshAll,
}

/// What the poller tells the fleet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollEvent {
    /// A fetch for `domain` began.
    Started { domain: DomainId, at: DateTime<Utc> },
    /// It finished, successfully or not.
    Finished {
        domain: DomainId,
        outcome: Box<RefreshOutcome>,
    },
    /// A tenant's posture was read (its unwatched federated domains, its audit log).
    Tenant(Box<TenantPosture>),
    /// The domains' saved certificate histories, read before the first refresh (with
    /// [`PollerOptions::read_histories`]): each that has one, or why its file was not used.
    Histories(
        Vec<(
            DomainId,
            Result<crate::history::CertHistory, crate::store::StoreError>,
        )>,
    ),
}

/// Where "now" comes from: the system clock, shifted by a fixed offset for `--now` rehearsals
/// (time still moves, starting from the given moment).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    offset: chrono::TimeDelta,
}

impl Clock {
    /// The real clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `start` now and moves on from there.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            offset: start - Utc::now(),
        }
    }

    pub fn now(self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

/// Where refreshes read from: the metadata fetcher and, for each configured tenant (`[entra]`,
/// `[[tenant]]`), a Microsoft Graph client. Cheap to clone (connection pools and the token
/// caches are shared).
#[derive(Clone)]
pub struct Sources {
    pub fetcher: Fetcher,
    /// One Graph client per tenant, by the tenant's label; `Err` when it could not be set up
    /// (e.g. the secret's variable is unset): every domain of that tenant then shows that as
    /// its Entra error.
    graphs: Arc<[(String, Result<GraphClient, GraphError>)]>,
    /// `[entra]` is configured: it is `graphs[0]`, the tenant of domains that name none.
    has_default: bool,
    /// Where each domain's certificate history is saved ([`crate::history`]); `None`: it is
    /// kept in memory only (the demo, tests, a machine without a data dir).
    pub history: Option<Store>,
    /// What a refresh keeps of the certificates it read.
    pub keep: Keep,
    /// Permits to parse a document that arrived whole: one per core.
    parsers: Arc<Semaphore>,
    /// Permits to save a certificate history: one per core. A save holds a blocking thread
    /// through its fsync, and each thread that allocates keeps memory of its own: a fleet check
    /// with a save in flight for each of its 16 fetches held a third more memory.
    savers: Arc<Semaphore>,
}

/// Permits for work that holds a thread of its own (a parse, a history save): one per core.
fn per_core() -> Arc<Semaphore> {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    Arc::new(Semaphore::new(cores))
}

/// What a refresh keeps of each certificate it read (the document itself is never kept: the
/// facts are taken from it as it streams).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// The facts and the DER bytes: the renewal checklist puts the new certificate into
    /// PowerShell as base64 (the TUI, `checklist`).
    #[default]
    Everything,
    /// The facts only, which is all a report shows (`check`, `serve`): a fleet of 10,000
    /// domains then holds no certificate bytes.
    Facts,
}

impl Sources {
    /// The fetcher and Graph clients a config asks for; the client secret's variable is read
    /// from the process environment, operators' sign-ins from the data dir.
    pub fn from_config(config: &Config) -> Self {
        Self::with_env(config, &|name| std::env::var(name).ok())
    }

    /// As [`Self::from_config`], with `env` as the environment the secret's variable is looked up
    /// in (the demo passes its own secret this way; the crate sets no variables).
    pub fn with_env(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Self {
        Self::with_env_in(config, env, crate::store::Store::default_dir().as_deref())
    }

    /// As [`Self::with_env`], with operators' sign-ins kept in `data_dir`.
    pub fn with_env_in(
        config: &Config,
        env: &dyn Fn(&str) -> Option<String>,
        data_dir: Option<&std::path::Path>,
    ) -> Self {
        let graphs = config
            .all_tenants()
            .map(|tenant| {
                let client = GraphSettings::from_config_in(
                    tenant,
                    config.settings.timeout,
                    data_dir.map(std::path::Path::to_path_buf),
                )
                .and_then(|settings| GraphClient::with_env(&settings, env));
                (tenant.label().to_owned(), client)
            })
            .collect();
        Self {
            fetcher: Fetcher::new(FetchOptions::from_settings(&config.settings)),
            graphs,
            has_default: config.entra.is_some(),
            keep: Keep::default(),
            parsers: per_core(),
            savers: per_core(),
            history: None,
        }
    }

    /// Only the metadata's fetcher, no Graph client: what `fedcert import` reads to check a file
    /// against the domain's IdP (thumbprints and hosts: the facts are enough).
    pub fn metadata_only(config: &Config) -> Self {
        Self {
            fetcher: Fetcher::new(FetchOptions::from_settings(&config.settings)),
            graphs: Arc::new([]),
            has_default: false,
            keep: Keep::Facts,
            parsers: per_core(),
            savers: per_core(),
            history: None,
        }
    }

    /// The same sources, keeping `keep` of what they read.
    #[must_use]
    pub fn keeping(self, keep: Keep) -> Self {
        Self { keep, ..self }
    }

    /// The same sources, saving each domain's certificate history in `store` after every read.
    #[must_use]
    pub fn keeping_history(mut self, store: Option<Store>) -> Self {
        self.history = store;
        self
    }

    /// Every tenant with its Graph client, `[entra]` first.
    pub fn tenants(&self) -> impl Iterator<Item = (Tenant, &Result<GraphClient, GraphError>)> {
        self.graphs.iter().enumerate().map(|(i, (label, client))| {
            let tenant = Tenant {
                name: label.clone(),
                default: self.has_default && i == 0,
            };
            (tenant, client)
        })
    }

    /// The Graph client of `domain`'s tenant (`[entra]`'s for a domain that names none);
    /// `None` when the domain has none.
    pub fn graph_for(&self, domain: &DomainConfig) -> Option<&Result<GraphClient, GraphError>> {
        let found = match domain.tenant.as_deref() {
            Some(tenant) => self.graphs.iter().find(|(label, _)| label == tenant),
            None if self.has_default => self.graphs.first(),
            None => None,
        };
        found.map(|(_, client)| client)
    }
}

/// The log target of failed refreshes (a report command keeps them off stderr: it says them).
pub const REFRESH_LOG: &str = "fedcert::refresh";

/// Fetch, parse and extract one domain's metadata, and read its Entra side from its tenant's
/// Graph when configured, both at once. Never fails: a failure is the outcome.
pub async fn refresh_domain(
    sources: &Sources,
    domain: &DomainConfig,
    at: DateTime<Utc>,
) -> RefreshOutcome {
    let entra = async {
        match sources.graph_for(domain) {
            Some(Ok(client)) => Some(
                client
                    .entra_side(&domain.name, at)
                    .await
                    .map(|mut side| {
                        if sources.keep == Keep::Facts {
                            side.forget_certificate_bytes();
                        }
                        side
                    })
                    .map_err(|e| RefreshError::new(at, e)),
            ),
            Some(Err(setup)) => Some(Err(RefreshError::new(at, setup.clone()))),
            None => None,
        }
    };
    let (metadata, entra) = tokio::join!(read_metadata(sources, domain, at), entra);
    // Every failed refresh goes to the log (the TUI's log pane, `--log-file`, stderr headless):
    // the domain, where it read (each error names its URL or path) and why it failed.
    if let Err(error) = &metadata {
        tracing::warn!(target: REFRESH_LOG, "{}: the metadata could not be read: {error}", domain.name);
    }
    if let Some(Err(error)) = &entra {
        tracing::warn!(target: REFRESH_LOG, "{}: Entra's side could not be read: {error}", domain.name);
    }
    let metadata = match metadata {
        Ok(mut snapshot) => {
            let passive = entra
                .as_ref()
                .and_then(|side| side.as_ref().ok())
                .and_then(|side| side.passive_sign_in_uri.as_deref());
            snapshot.endpoints.signin =
                probe_signin(&sources.fetcher, domain, &snapshot, passive).await;
            if let Some(SigninTls::Failed { error, .. }) = &snapshot.endpoints.signin {
                tracing::warn!(target: REFRESH_LOG, "{}: the sign-in host's TLS certificate could not be read: {error}", domain.name);
            }
            Ok(snapshot)
        }
        Err(error) => Err(error),
    };
    let outcome = RefreshOutcome {
        at,
        metadata,
        entra,
    };
    if let Some(store) = &sources.history {
        let _permit = sources.savers.acquire().await;
        save_history(store, &domain.name, &outcome).await;
    }
    outcome
}

/// Add what a refresh saw to the domain's saved certificate history. A history that cannot be
/// saved (a full disk, a corrupt file moved aside) is a warning: the refresh stands, and the
/// fleet keeps what it saw in memory.
async fn save_history(store: &Store, domain: &str, outcome: &RefreshOutcome) {
    let seen = outcome.observation();
    if seen.is_empty() {
        return;
    }
    let (store, name, at) = (store.clone(), domain.to_owned(), outcome.at);
    // The store takes a file lock and fsyncs: keep it off the async workers.
    let saved =
        tokio::task::spawn_blocking(move || crate::history::save(&store, &name, &seen, at)).await;
    match saved {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::warn!("{domain}: the certificate history was not saved: {error}");
        }
        Err(error) => {
            tracing::warn!("{domain}: the certificate history was not saved: {error}");
        }
    }
}

/// Read a tenant's posture through Graph: its federated domains that none of `watched` (every
/// configured domain name) is, and the federation changes of its audit log. Never fails: a
/// missing permission or a failed read is part of the posture.
pub async fn refresh_tenant(
    client: &GraphClient,
    tenant: Tenant,
    watched: &[String],
    at: DateTime<Utc>,
) -> TenantPosture {
    let (federated, changes) = tokio::join!(
        client.federated_domain_names(at),
        client.federation_changes(at)
    );
    TenantPosture::new(tenant, at, federated, watched, changes)
}

/// The posture of every tenant of `sources` (`[entra]` and each `[[tenant]]`), read at once; a
/// client that could not be set up (or whose operator has not signed in) gives a posture that
/// says so.
pub async fn refresh_tenants(
    sources: &Sources,
    watched: &[String],
    at: DateTime<Utc>,
) -> Vec<TenantPosture> {
    let reads = sources.tenants().map(|(tenant, client)| async move {
        match client {
            Ok(client) => refresh_tenant(client, tenant, watched, at).await,
            Err(setup) => TenantPosture::new(
                tenant,
                at,
                Access::Failed(setup.clone()),
                watched,
                Access::Failed(setup.clone()),
            ),
        }
    });
    futures_util::future::join_all(reads).await
}

/// The sign-in host's TLS certificate (DESIGN.md §6.4): where the metadata's passive endpoint
/// (or `SingleSignOnService`) points, else Entra's `passiveSignInUri`. Read only when the
/// metadata came over https (plain http and files carry no TLS facts; a file means an
/// air-gapped host) and only when it is another host than the metadata's, whose certificate the
/// fetch itself read. Host names reserved for examples and tests (`.example`, `.invalid`,
/// `.test`, RFC 6761) never resolve and are not looked up.
async fn probe_signin(
    fetcher: &Fetcher,
    domain: &DomainConfig,
    snapshot: &Snapshot,
    entra_passive: Option<&str>,
) -> Option<SigninTls> {
    let Ok(Location::Http(metadata)) = Location::parse(&snapshot.location) else {
        return None;
    };
    if metadata.scheme() != "https" {
        return None;
    }
    let text = snapshot.facts.sign_in_url.as_deref().or(entra_passive)?;
    let Ok(Location::Http(signin)) = Location::parse(text) else {
        return None;
    };
    let host = signin.host_str()?.to_ascii_lowercase();
    let same_host = metadata
        .host_str()
        .is_some_and(|h| h.eq_ignore_ascii_case(&host))
        && metadata.port_or_known_default() == signin.port_or_known_default();
    if signin.scheme() != "https" || same_host || reserved_name(&host) {
        return None;
    }
    let origin = signin.origin().ascii_serialization();
    Some(
        match fetcher.probe_tls(&origin, domain.ca_file.as_deref()).await {
            Ok(cert) => SigninTls::Read(Box::new(cert)),
            Err(error) => SigninTls::Failed {
                host: match signin.port() {
                    Some(port) if port != 443 => format!("{host}:{port}"),
                    _ => host,
                },
                error: error.message().to_owned(),
            },
        },
    )
}

/// A name under a top-level domain reserved by RFC 6761 for documentation and tests: it never
/// resolves, so looking it up would only send a query out.
fn reserved_name(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    ["example", "invalid", "test"]
        .iter()
        .any(|tld| host == *tld || host.ends_with(&format!(".{tld}")))
}

/// Read one domain's metadata, parsed on a blocking thread (a large document while it arrives),
/// keeping only the facts of the domain's IdP entity (an aggregate's other entities pass by).
/// No Graph: also what `fedcert import` checks a file against.
pub async fn read_metadata(
    sources: &Sources,
    domain: &DomainConfig,
    at: DateTime<Utc>,
) -> Result<Snapshot, RefreshError> {
    let fail = |cause: RefreshFailure| RefreshError::new(at, cause);
    let mut opened = sources
        .fetcher
        .open(&domain.metadata_url, domain.ca_file.as_deref())
        .await
        .map_err(|e| fail(e.into()))?;
    let location = opened.location.clone();
    let entity_id = domain.entity_id.clone();
    // A document that arrives whole within PARSE_WHOLE_UP_TO bytes (an AD FS farm's is 10 to
    // 100 KB) is parsed once it has: a parser thread waiting on each of `concurrency` fetches
    // costs more than their bodies. A larger one (an aggregate) is parsed as it arrives, so
    // nothing ever holds it. Either way the parser reads the chunks as they came.
    let mut start = VecDeque::new();
    let mut received = 0;
    let whole = loop {
        match opened.chunk().await {
            Ok(Some(chunk)) => {
                received += chunk.len();
                start.push_back(chunk);
                if received > PARSE_WHOLE_UP_TO {
                    break false;
                }
            }
            Ok(None) => break true,
            Err(error) => return Err(fail(error.into())),
        }
    };
    let (http_date, received_at) = (opened.http_date, opened.received_at);
    // The certificate of the TLS session that carries the body (no second connection).
    let tls = opened.tls.clone();
    // Parsing is CPU work: keep it off the async workers.
    let parsed = if whole {
        // At most one such parse per core: they are short and all CPU, and each thread that
        // parses keeps memory of its own (a fleet's worth of threads held ~30 MiB more).
        let _permit = sources.parsers.acquire().await;
        let reader = BodyReader::whole(start);
        tokio::task::spawn_blocking(move || read_facts(reader, entity_id.as_deref())).await
    } else {
        let (reader, feed) = opened.into_reader(start);
        let parsing = tokio::task::spawn_blocking(move || read_facts(reader, entity_id.as_deref()));
        // The whole body is read even when the parser stops early (it gave up, or the root
        // closed): a body over the cap, cut short or too slow is the failure to report, as
        // when it was read before parsing.
        let fed = feed.run(Unread::ReadToEnd).await;
        let parsed = parsing.await;
        // A body that did not arrive whole is the failure, whatever the parser made of its
        // start.
        fed.map_err(|e| fail(e.into()))?;
        parsed
    };
    let (mut facts, signature) = parsed
        .map_err(|e| {
            fail(RefreshFailure::Internal {
                location: location.clone(),
                detail: format!("metadata reader stopped: {e}"),
            })
        })?
        .map_err(|failure| fail(failure.read_from(location.clone())))?;
    if sources.keep == Keep::Facts {
        facts.forget_certificate_bytes();
    }
    Ok(Snapshot {
        fetched_at: at,
        location,
        facts,
        http_date,
        clock_skew: http_date.map(|date| date - received_at),
        endpoints: EndpointFacts {
            signature: Some(signature),
            tls,
            signin: None,
        },
    })
}

/// Up to this many bytes, a document is parsed once it has arrived whole; past it, while it
/// arrives.
const PARSE_WHOLE_UP_TO: usize = 256 * 1024;

/// The facts of the domain's IdP entity, picked while the document streams, and the document's
/// own signature, verified on the same read (DESIGN.md §6.4).
///
/// Verification sees every byte the parser consumes ([`metadata::signature::parse_and_verify`]),
/// and the parser reads to the end of the input, so it judges the whole signed document: one
/// that arrived whole (up to [`PARSE_WHOLE_UP_TO`]) from the bytes kept on the way, as
/// [`metadata::signature::verify_bytes`] would; a larger one on a second thread, as it arrives.
/// The body is never held whole for it. A body that does not arrive whole fails the refresh
/// (the feed's error), so a verdict is never given on part of a document.
fn read_facts(
    reader: impl BufRead,
    entity_id: Option<&str>,
) -> Result<(IdpFacts, DocumentSignature), ParseFailure> {
    let mut picker = EntityPicker::new(entity_id);
    let (info, verification) =
        metadata::signature::parse_and_verify(reader, |entity| entity, |e| picker.offer(e))
            .map_err(ParseFailure::Metadata)?;
    let entity = picker.finish().map_err(ParseFailure::Facts)?;
    let facts = assess::facts_of(&entity, &info).map_err(ParseFailure::Facts)?;
    let signature = DocumentSignature {
        verification,
        aggregate: info.aggregate,
        // Its subject is all that is shown; the certificate itself is never exported.
        signer: info
            .signed_by
            .and_then(|key| key.cert.ok())
            .map(|mut cert| {
                cert.forget_der();
                cert
            }),
    };
    Ok((facts, signature))
}

/// Why a document read gave no facts.
enum ParseFailure {
    Metadata(MetadataError),
    Facts(FactsError),
}

impl ParseFailure {
    /// The failure of a refresh that read the document from `location`.
    fn read_from(self, location: String) -> RefreshFailure {
        match self {
            Self::Metadata(error) => RefreshFailure::Metadata { location, error },
            Self::Facts(error) => RefreshFailure::Facts { location, error },
        }
    }
}

/// How the poller paces itself.
#[derive(Clone, Debug)]
pub struct PollerOptions {
    /// Default interval; a domain's own `refresh` wins.
    pub interval: Duration,
    /// Fetches in flight at once over all domains.
    pub concurrency: usize,
    /// First retry delay after a failure; doubles per failure up to the interval.
    pub backoff: Duration,
    pub clock: Clock,
    /// Read the domains' saved certificate histories (from the sources' history store) before
    /// the first refresh and send them as [`PollEvent::Histories`]: for a fleet loaded without
    /// them (`Histories::Later`).
    pub read_histories: bool,
}

impl Default for PollerOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15 * 60),
            concurrency: 16,
            backoff: Duration::from_secs(30),
            clock: Clock::system(),
            read_histories: false,
        }
    }
}

/// The UI's ends of the poller's channels.
pub struct PollerHandle {
    pub commands: mpsc::UnboundedSender<PollCommand>,
    pub events: mpsc::UnboundedReceiver<PollEvent>,
}

/// Refresh each of `domains` once (domain `i` is `DomainId::from_index(i)`), at most
/// `concurrency` at a time, every result stamped `at`; the events come as the refreshes end.
pub fn refresh_each<'a>(
    domains: &'a [&'a DomainConfig],
    sources: &'a Sources,
    concurrency: usize,
    at: DateTime<Utc>,
) -> impl futures_util::Stream<Item = PollEvent> + 'a {
    use futures_util::StreamExt;
    futures_util::stream::iter(domains.iter().enumerate())
        .map(move |(i, domain)| async move {
            PollEvent::Finished {
                domain: DomainId::from_index(i),
                outcome: Box::new(refresh_domain(sources, domain, at).await),
            }
        })
        .buffer_unordered(concurrency.max(1))
}

/// Start polling `domains` (domain `i` is `DomainId::from_index(i)`, as in a fleet loaded from
/// them). Every domain is fetched once right
/// away, then on its interval with jitter, backing off after failures. The task ends when the
/// UI drops its event receiver or its command sender.
pub fn spawn(domains: Vec<DomainConfig>, sources: Sources, options: PollerOptions) -> PollerHandle {
    let (commands_tx, commands_rx) = mpsc::unbounded_channel();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let tenants_now = Arc::new(tokio::sync::Notify::new());
    if sources.tenants().next().is_some() {
        let watched: Vec<String> = domains.iter().map(|d| d.name.clone()).collect();
        tokio::spawn(run_tenants(
            sources.clone(),
            watched,
            options.clone(),
            Arc::clone(&tenants_now),
            events_tx.clone(),
        ));
    }
    tokio::spawn(run(
        domains,
        sources,
        options,
        commands_rx,
        events_tx,
        tenants_now,
    ));
    PollerHandle {
        commands: commands_tx,
        events: events_rx,
    }
}

/// Read the tenants' posture right away, then on the interval and whenever every domain is
/// refreshed by hand (`now` is notified), until the UI drops its event receiver.
async fn run_tenants(
    sources: Sources,
    watched: Vec<String>,
    options: PollerOptions,
    now: Arc<tokio::sync::Notify>,
    events: mpsc::UnboundedSender<PollEvent>,
) {
    loop {
        for posture in refresh_tenants(&sources, &watched, options.clock.now()).await {
            if events.send(PollEvent::Tenant(Box::new(posture))).is_err() {
                return;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(options.interval) => {}
            () = now.notified() => {}
            () = events.closed() => return,
        }
    }
}

/// Read `domains`' saved certificate histories off the async workers and send them; `false`
/// when the UI has gone.
async fn send_histories(
    store: Store,
    domains: Arc<[DomainConfig]>,
    events: &mpsc::UnboundedSender<PollEvent>,
) -> bool {
    let read = tokio::task::spawn_blocking(move || {
        crate::history::read_saved(&store, domains.iter().map(|d| d.name.as_str()))
    });
    match read.await {
        Ok(read) => {
            let read = read
                .into_iter()
                .map(|(i, history)| (DomainId::from_index(i), history))
                .collect();
            events.send(PollEvent::Histories(read)).is_ok()
        }
        Err(error) => {
            tracing::warn!("the certificate histories were not read: {error}");
            true
        }
    }
}

struct Schedule {
    due: Instant,
    failures: u32,
    round: u64,
}

async fn run(
    domains: Vec<DomainConfig>,
    sources: Sources,
    options: PollerOptions,
    mut commands: mpsc::UnboundedReceiver<PollCommand>,
    events: mpsc::UnboundedSender<PollEvent>,
    tenants_now: Arc<tokio::sync::Notify>,
) {
    let domains: Arc<[DomainConfig]> = domains.into();
    if options.read_histories
        && let Some(store) = sources.history.clone()
        && !send_histories(store, Arc::clone(&domains), &events).await
    {
        return;
    }
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let start = Instant::now();
    let mut schedule: Vec<Schedule> = (0..domains.len())
        .map(|_| Schedule {
            due: start,
            failures: 0,
            round: 0,
        })
        .collect();
    let mut in_flight: HashSet<usize> = HashSet::new();
    let mut tasks: JoinSet<(usize, bool)> = JoinSet::new();
    // Which domain each task refreshes, so that a task that panicked is known by its id.
    let mut task_domain: HashMap<tokio::task::Id, usize> = HashMap::new();

    loop {
        // Launch every domain that is due and not already in flight.
        let now = Instant::now();
        for (index, entry) in schedule.iter_mut().enumerate() {
            if entry.due <= now && in_flight.insert(index) {
                entry.due = far_future(now);
                let id = launch(
                    &mut tasks,
                    index,
                    &domains,
                    &sources,
                    &permits,
                    &events,
                    options.clock,
                );
                task_domain.insert(id, index);
            }
        }
        let next_due = schedule
            .iter()
            .enumerate()
            .filter(|(i, _)| !in_flight.contains(i))
            .map(|(_, s)| s.due)
            .min()
            .unwrap_or_else(|| far_future(now));

        tokio::select! {
            command = commands.recv() => match command {
                None => break,
                Some(PollCommand::Refresh(domain)) => {
                    if let Some(entry) = schedule.get_mut(domain.index()) {
                        entry.due = Instant::now();
                    }
                }
                Some(PollCommand::RefreshAll) => {
                    for entry in &mut schedule {
                        entry.due = Instant::now();
                    }
                    tenants_now.notify_one();
                }
            },
            Some(joined) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let (index, ok) = match joined {
                    Ok((id, done)) => {
                        task_domain.remove(&id);
                        done
                    }
                    // A refresh that panicked is a failed refresh: the domain says so and is
                    // tried again after the back-off, never left "fetching" for good.
                    Err(error) => {
                        let Some(index) = task_domain.remove(&error.id()) else { continue };
                        let at = options.clock.now();
                        let failure = RefreshError::new(at, RefreshFailure::Internal {
                            location: domains[index].metadata_url.clone(),
                            detail: format!("the refresh failed inside fedcert ({error}); it is retried"),
                        });
                        let outcome = RefreshOutcome { at, metadata: Err(failure), entra: None };
                        let _ = events.send(PollEvent::Finished { domain: DomainId::from_index(index), outcome: Box::new(outcome) });
                        (index, false)
                    }
                };
                in_flight.remove(&index);
                let entry = &mut schedule[index];
                entry.failures = if ok { 0 } else { entry.failures.saturating_add(1) };
                entry.round += 1;
                let interval = domains[index].refresh.unwrap_or(options.interval);
                entry.due = Instant::now() + next_delay(&domains[index].name, entry, interval, options.backoff);
            },
            () = tokio::time::sleep_until(next_due) => {},
        }
        if events.is_closed() {
            break;
        }
    }
    tasks.abort_all();
}

fn launch(
    tasks: &mut JoinSet<(usize, bool)>,
    index: usize,
    domains: &Arc<[DomainConfig]>,
    sources: &Sources,
    permits: &Arc<Semaphore>,
    events: &mpsc::UnboundedSender<PollEvent>,
    clock: Clock,
) -> tokio::task::Id {
    let domains = Arc::clone(domains);
    let sources = sources.clone();
    let permits = Arc::clone(permits);
    let events = events.clone();
    tasks
        .spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return (index, false);
            };
            let domain = DomainId::from_index(index);
            let _ = events.send(PollEvent::Started {
                domain,
                at: clock.now(),
            });
            let outcome = refresh_domain(&sources, &domains[index], clock.now()).await;
            let ok = outcome.metadata.is_ok();
            let _ = events.send(PollEvent::Finished {
                domain,
                outcome: Box::new(outcome),
            });
            (index, ok)
        })
        .id()
}

/// The wait before a domain's next fetch: after a failure, exponential back-off capped at the
/// interval; otherwise the interval, spread by ±10 % per domain and round so that hundreds of
/// domains do not fire together.
fn next_delay(name: &str, entry: &Schedule, interval: Duration, backoff: Duration) -> Duration {
    if entry.failures > 0 {
        let factor = 1u32 << (entry.failures - 1).min(16);
        return backoff.saturating_mul(factor).min(interval);
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (name, entry.round).hash(&mut hasher);
    #[allow(clippy::cast_precision_loss)]
    let spread = (hasher.finish() % 2001) as f64 / 10_000.0; // 0.0 ..= 0.2
    interval.mul_f64(0.9 + spread)
}

fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(365 * 24 * 3600)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::source::FetchErrorKind;

    fn entry(failures: u32, round: u64) -> Schedule {
        Schedule {
            due: Instant::now(),
            failures,
            round,
        }
    }

    #[test]
    fn healthy_domains_wait_the_interval_give_or_take_ten_percent() {
        let interval = Duration::from_secs(900);
        let delays: Vec<Duration> = (0..200)
            .map(|i| {
                next_delay(
                    &format!("domain{i}.example"),
                    &entry(0, 1),
                    interval,
                    Duration::from_secs(30),
                )
            })
            .collect();
        assert!(
            delays
                .iter()
                .all(|d| *d >= interval.mul_f64(0.9) && *d <= interval.mul_f64(1.1))
        );
        // Spread: 200 domains do not all fire at the same moment.
        let distinct: HashSet<u128> = delays.iter().map(Duration::as_millis).collect();
        assert!(
            distinct.len() > 150,
            "only {} distinct delays",
            distinct.len()
        );
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_interval() {
        let interval = Duration::from_secs(900);
        let backoff = Duration::from_secs(30);
        let delays: Vec<u64> = (1..=7)
            .map(|f| next_delay("contoso.com", &entry(f, 3), interval, backoff).as_secs())
            .collect();
        assert_eq!(delays, vec![30, 60, 120, 240, 480, 900, 900]);
        // Absurd failure counts neither overflow nor exceed the interval.
        assert_eq!(
            next_delay("contoso.com", &entry(u32::MAX, 3), interval, backoff),
            interval
        );
    }

    #[test]
    fn a_fixed_clock_starts_at_the_given_moment() {
        let start = DateTime::parse_from_rfc3339("2027-01-10T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = Clock::starting_at(start);
        let drift = (clock.now() - start).num_seconds().abs();
        assert!(drift < 5, "clock drifted {drift} s from its start");
    }

    const FIXTURE: &str = include_str!("../tests/fixtures/metadata/adfs_bom_crlf.xml");

    /// An aggregate of `count` copies of the AD FS fixture, each its own IdP `http://fsN.example`:
    /// larger than what is parsed whole, so it is parsed while it arrives.
    fn aggregate(count: usize) -> String {
        let entity = FIXTURE
            .trim_start_matches('\u{feff}')
            .split_once("?>")
            .unwrap()
            .1;
        let mut doc =
            String::from("<EntitiesDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\">");
        for n in 0..count {
            doc.push_str(&entity.replace("fs.fixture.test", &format!("fs{n}.example")));
        }
        doc.push_str("</EntitiesDescriptor>");
        assert!(doc.len() > PARSE_WHOLE_UP_TO, "{}", doc.len());
        doc
    }

    fn sources() -> Sources {
        Sources {
            fetcher: Fetcher::new(FetchOptions::default()),
            graphs: Arc::new([]),
            has_default: false,
            keep: Keep::Everything,
            parsers: Arc::new(Semaphore::new(2)),
            savers: Arc::new(Semaphore::new(2)),
            history: None,
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-12-01T09:00:00Z".parse().unwrap()
    }

    /// Asked to, the poller sends the saved histories before anything else; otherwise a
    /// domain's first fetch is the first news.
    #[tokio::test]
    async fn the_saved_histories_come_first_when_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().to_path_buf());
        let seen = crate::history::Observation {
            published: Some(vec![crate::cert::Sha1([7; 20])]),
            trusted: None,
        };
        crate::history::save(&store, "b.example", &seen, now()).unwrap();
        let domains = vec![
            DomainConfig::new("a.example", dir.path().join("a.xml").display().to_string()),
            DomainConfig::new("b.example", dir.path().join("b.xml").display().to_string()),
        ];
        for read_histories in [true, false] {
            let options = PollerOptions {
                read_histories,
                ..PollerOptions::default()
            };
            let sources = sources().keeping_history(Some(store.clone()));
            let mut handle = spawn(domains.clone(), sources, options);
            let first = handle.events.recv().await.unwrap();
            if read_histories {
                let PollEvent::Histories(read) = first else {
                    panic!("{first:?}")
                };
                assert_eq!(read.len(), 1);
                assert_eq!(read[0].0, DomainId::from_index(1));
                assert!(
                    read[0]
                        .1
                        .as_ref()
                        .unwrap()
                        .published(seen.published.as_ref().unwrap()[0])
                        .is_some()
                );
            } else {
                assert!(matches!(first, PollEvent::Started { .. }), "{first:?}");
            }
        }
    }

    #[tokio::test]
    async fn a_large_document_is_parsed_while_it_arrives_and_gives_the_same_facts() {
        let doc = aggregate(24);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aggregate.xml");
        std::fs::write(&path, &doc).unwrap();
        let wanted = "http://fs17.example/adfs/services/trust";
        let mut domain = DomainConfig::new("fs17.example", path.display().to_string());
        domain.entity_id = Some(wanted.to_owned());
        let outcome = refresh_domain(&sources(), &domain, now()).await;
        let snapshot = outcome.metadata.unwrap();
        let whole = metadata::parse_bytes(doc.as_bytes()).unwrap();
        assert_eq!(
            snapshot.facts,
            assess::idp_facts(&whole, Some(wanted)).unwrap()
        );
        assert_eq!(snapshot.facts.entity_id, wanted);

        // Without entity_id, the aggregate's 24 identity providers are ambiguous, as whole.
        domain.entity_id = None;
        let outcome = refresh_domain(&sources(), &domain, now()).await;
        let error = outcome.metadata.unwrap_err();
        let RefreshFailure::Facts { error, .. } = error.cause else {
            panic!("{error:?}")
        };
        assert_eq!(error, assess::idp_facts(&whole, None).unwrap_err());
    }

    #[tokio::test]
    async fn a_large_body_cut_short_is_a_fetch_failure_not_a_parse_error() {
        let doc = aggregate(24);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/md.xml", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") {
                stream.read_exact(&mut byte).await.unwrap();
                request.push(byte[0]);
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
                doc.len()
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            // Well past what is parsed whole, then the connection drops.
            stream
                .write_all(&doc.as_bytes()[..doc.len() - 1000])
                .await
                .unwrap();
        });
        let domain = DomainConfig::new("fs17.example", url);
        let outcome = refresh_domain(&sources(), &domain, now()).await;
        let error = outcome.metadata.unwrap_err();
        let RefreshFailure::Fetch(fetch) = &error.cause else {
            panic!("{error:?}")
        };
        assert_eq!(fetch.kind(), FetchErrorKind::Connect, "{error}");
        assert!(
            fetch
                .message()
                .contains("closed before the whole body arrived"),
            "{error}"
        );
    }
}
