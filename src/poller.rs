//! Refreshing domains: once each ([`refresh_each`], for `check`), or in the background on their
//! interval ([`spawn`]: jitter, exponential back-off after failures up to the interval, at most
//! one fetch in flight per domain, bounded concurrency). The poller turns what the sources read
//! (typed results and errors) into [`PollEvent`]s carrying owned data, which the
//! [`Fleet`](crate::fleet::Fleet) applies; it owns no domain state itself.

use chrono::{DateTime, Utc};

use crate::domain::{DomainId, RefreshOutcome};

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
}

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::assess;
use crate::assess::FactsError;
use crate::config::Config;
use crate::config::DomainConfig;
use crate::domain::{RefreshError, RefreshFailure, Snapshot};
use crate::metadata::{self, MetadataError};
use crate::source::graph::{Access, GraphClient, GraphError, GraphSettings};
use crate::source::{FetchOptions, Fetcher};
use crate::store::Store;
use crate::tenant::{Tenant, TenantPosture};

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
            history: None,
        }
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
                    .map_err(|e| RefreshError::new(at, e)),
            ),
            Some(Err(setup)) => Some(Err(RefreshError::new(at, setup.clone()))),
            None => None,
        }
    };
    let (metadata, entra) = tokio::join!(read_metadata(&sources.fetcher, domain, at), entra);
    // Every failed refresh goes to the log (the TUI's log pane, `--log-file`, stderr headless):
    // the domain, where it read (each error names its URL or path) and why it failed.
    if let Err(error) = &metadata {
        tracing::warn!(target: REFRESH_LOG, "{}: the metadata could not be read: {error}", domain.name);
    }
    if let Some(Err(error)) = &entra {
        tracing::warn!(target: REFRESH_LOG, "{}: Entra's side could not be read: {error}", domain.name);
    }
    let outcome = RefreshOutcome {
        at,
        metadata,
        entra,
    };
    if let Some(store) = &sources.history {
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

async fn read_metadata(
    fetcher: &Fetcher,
    domain: &DomainConfig,
    at: DateTime<Utc>,
) -> Result<Snapshot, RefreshError> {
    let fetched = fetcher
        .fetch(&domain.metadata_url, domain.ca_file.as_deref())
        .await
        .map_err(|e| RefreshError::new(at, e))?;
    let location = fetched.location.clone();
    let entity_id = domain.entity_id.clone();
    let body = fetched.body;
    // Parsing a large aggregate is CPU work: keep it off the async workers.
    let facts = tokio::task::spawn_blocking(move || {
        let doc = metadata::parse_bytes(&body).map_err(ParseFailure::Metadata)?;
        assess::idp_facts(&doc, entity_id.as_deref()).map_err(ParseFailure::Facts)
    })
    .await
    .map_err(|e| RefreshFailure::Internal {
        location: location.clone(),
        detail: format!("metadata reader stopped: {e}"),
    })
    .and_then(|parsed| {
        parsed.map_err(|failure| match failure {
            ParseFailure::Metadata(error) => RefreshFailure::Metadata {
                location: location.clone(),
                error,
            },
            ParseFailure::Facts(error) => RefreshFailure::Facts {
                location: location.clone(),
                error,
            },
        })
    })
    .map_err(|cause| RefreshError::new(at, cause))?;
    Ok(Snapshot {
        fetched_at: at,
        location,
        facts,
        http_date: fetched.http_date,
        clock_skew: fetched.http_date.map(|date| date - fetched.received_at),
    })
}

/// Why a document read gave no facts.
enum ParseFailure {
    Metadata(MetadataError),
    Facts(FactsError),
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
}

impl Default for PollerOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15 * 60),
            concurrency: 16,
            backoff: Duration::from_secs(30),
            clock: Clock::system(),
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
    use super::*;

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
}
