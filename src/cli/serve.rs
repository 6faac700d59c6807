//! `fedcert serve`: the Prometheus metrics of `check --format prometheus` over HTTP, with the
//! poller keeping every domain fresh in the background (the same poller as the TUI).
//!
//! `/metrics` re-assesses, as of the moment of the scrape, every verdict that may have changed
//! since it was made (countdowns move between fetches; the fleet's one rule) and renders the
//! latest results; `/` is a short page naming it; every other path is 404. SIGTERM or Ctrl-C
//! stops accepting, lets open requests finish and exits 0.
//!
//! With `--web-config` (see `web`) the listener speaks TLS only, each request passes the rate
//! limit and basic auth first, and SIGHUP re-reads the file without closing the listener.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::web::Web;
use super::{EXIT_DATA, EXIT_UNAVAILABLE, Failure, GlobalArgs, Outcome, ServeArgs};
use crate::fleet::{Applied, Fleet, Histories};
use crate::poller::{self, Clock, Keep, PollEvent, PollerOptions, Sources};
use crate::store::Store;

/// A line for the operator on stderr. Unlike `eprintln!`, a closed stderr (`fedcert serve 2>&1 |
/// head -1`) is not a panic: the server keeps serving.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// How long a client may take to send its request head (a stalled client holds no task forever).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open requests may take to finish once a shutdown was asked for.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// What the HTTP side reads: the fleet as the poller's events last left it, and the clock.
struct Shared {
    fleet: Mutex<Fleet>,
    clock: Clock,
    refresh: Duration,
    /// The tenants read through Graph (`[entra]` and each `[[tenant]]`): the metrics are
    /// complete once each was read too.
    tenants: usize,
}

impl Shared {
    fn fleet(&self) -> MutexGuard<'_, Fleet> {
        self.fleet.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The exposition as of now: the verdicts that may have changed since they were made are
    /// re-assessed, so days left and milestones move between fetches exactly as in the TUI.
    fn metrics(&self) -> String {
        let now = self.clock.now();
        let mut fleet = self.fleet();
        fleet.reassess_due(now);
        super::prometheus::render_fleet(fleet.statuses(), fleet.tenants(), now)
    }

    fn domain_count(&self) -> usize {
        self.fleet().len()
    }
}

pub async fn run(global: &GlobalArgs, args: &ServeArgs, clock: Clock) -> Outcome {
    let config = super::config_cmd::load(global)?;
    let web = args
        .web_config
        .as_deref()
        .map(Web::load)
        .transpose()
        .map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    // Handlers first: a SIGTERM that arrives right after start-up must stop us cleanly, not kill
    // us; a SIGHUP must reload, not kill us.
    let stop = shutdown_signal()?;
    let hangups = Hangups::new()?;
    if !args.listen.ip().is_loopback() {
        match &web {
            None => say!(
                "fedcert: warning: --listen {}: not a loopback address, so anyone who can reach \
                 the port reads your domains, IdP hosts and certificates; firewall it, or use \
                 --listen 127.0.0.1:{}",
                args.listen,
                args.listen.port()
            ),
            Some(web) if !web.authenticates() => say!(
                "fedcert: warning: --listen {}: not a loopback address, and --web-config {} asks \
                 for no password (basic_auth_users) and no verified client certificate, so \
                 anyone who can reach the port reads your domains, IdP hosts and certificates",
                args.listen,
                web.path().display()
            ),
            Some(_) => {}
        }
    }
    let listener = TcpListener::bind(args.listen).await.map_err(|e| {
        Failure::new(
            EXIT_UNAVAILABLE,
            format!(
                "--listen {}: cannot listen there: {e} (is the address this machine's, and the port free?)",
                args.listen
            ),
        )
    })?;
    let addr = listener.local_addr().unwrap_or(args.listen);

    let start = clock.now();
    let store = Store::default_dir().map(Store::at);
    let shared = Arc::new(Shared {
        fleet: Mutex::new(Fleet::load(
            &config.domains,
            store.as_ref(),
            Histories::Now,
            start,
        )),
        clock,
        refresh: config.settings.refresh,
        tenants: config.all_tenants().count(),
    });
    // Said before the poller starts, so that these lines always come first.
    say!(
        "fedcert: serving metrics for {} domains at {}://{addr}/metrics",
        config.domains.len(),
        if web.is_some() { "https" } else { "http" }
    );
    if let Some(web) = &web {
        say!(
            "fedcert: --web-config {}: {}",
            web.path().display(),
            web.summary()
        );
    }
    if config.domains.is_empty() {
        say!("fedcert: no domains configured; /metrics holds only fedcert's own metrics");
    }
    let options = PollerOptions {
        interval: config.settings.refresh,
        concurrency: config.settings.concurrency,
        clock,
        ..PollerOptions::default()
    };
    // The poller runs for as long as we hold both ends of its channels.
    let poller::PollerHandle { commands, events } = poller::spawn(
        config.domains.clone(),
        // The metrics show facts, never a certificate's bytes.
        Sources::from_config(&config)
            .keeping(Keep::Facts)
            .keeping_history(store),
        options,
    );
    let tracker = tokio::spawn(track(events, Arc::clone(&shared)));

    let signal = accept_until(listener, Arc::clone(&shared), web, hangups, stop).await;
    tracker.abort();
    drop(commands);
    say!("fedcert: {signal}: stopped");
    Ok(0)
}

/// Keep the shared fleet up to date from the poller's events; say once when every domain (and
/// the tenant, with Graph) has been read (or tried) for the first time, with the tally, so an
/// operator (or a test) knows the metrics are complete.
async fn track(mut events: mpsc::UnboundedReceiver<PollEvent>, shared: Arc<Shared>) {
    let count = shared.domain_count();
    let mut tried = vec![false; count];
    let mut untried = count;
    let mut tenants_unread = shared.tenants;
    let mut said = false;
    while let Some(event) = events.recv().await {
        let mut fleet = shared.fleet();
        if let PollEvent::Finished { domain, outcome } = &event
            && let (Some(status), Err(error)) = (fleet.get(*domain), &outcome.metadata)
        {
            tracing::warn!(domain = %status.config.name, "refresh failed: {error}");
        }
        match fleet.apply(event, shared.clock.now()) {
            Some(Applied::Refreshed { domain, .. }) => {
                if !std::mem::replace(&mut tried[domain.index()], true) {
                    untried -= 1;
                }
            }
            Some(Applied::Tenant(_)) => tenants_unread = tenants_unread.saturating_sub(1),
            Some(Applied::Fetching(_) | Applied::Histories(_)) | None => continue,
        }
        if untried == 0 && tenants_unread == 0 && !std::mem::replace(&mut said, true) {
            let unwatched: usize = fleet
                .tenants()
                .iter()
                .map(|t| t.unwatched_domains().len())
                .sum();
            let unwatched = if unwatched == 0 {
                String::new()
            } else {
                format!(
                    "; {} of the {} not watched",
                    crate::words::count(
                        i64::try_from(unwatched).unwrap_or(i64::MAX),
                        "federated domain"
                    ),
                    if shared.tenants == 1 {
                        "tenant"
                    } else {
                        "tenants"
                    }
                )
            };
            say!(
                "fedcert: every domain read once: {}{unwatched}; refreshing every {}",
                tally(&fleet),
                crate::units::format_duration(shared.refresh)
            );
        }
    }
}

/// `4 CRIT 4 WARN 2 UNKNOWN 2 OK`, worst first, omitting zeros.
fn tally(fleet: &Fleet) -> String {
    let words: Vec<String> = fleet
        .tally()
        .into_iter()
        .map(|(severity, n)| format!("{n} {}", severity.word()))
        .collect();
    words.join(" ")
}

/// Accept connections until `stop` fires, re-reading the web config on each SIGHUP; then let
/// open requests finish (bounded) and return the signal's name.
async fn accept_until(
    listener: TcpListener,
    shared: Arc<Shared>,
    web: Option<Web>,
    mut hangups: Hangups,
    stop: impl Future<Output = &'static str>,
) -> &'static str {
    let (closing_tx, closing) = watch::channel(false);
    // The web config in force: connections read it at each handshake and each request.
    let web = web.map(|web| watch::channel(Arc::new(web)));
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    let signal = loop {
        tokio::select! {
            signal = &mut stop => break signal,
            () = hangups.next() => reload(web.as_ref().map(|(tx, _)| tx)),
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let web = web.as_ref().map(|(_, rx)| rx.clone());
                    connections.spawn(serve_connection(
                        stream,
                        Arc::clone(&shared),
                        web,
                        closing.clone(),
                    ));
                }
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    };
    drop(listener);
    let _ = closing_tx.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("requests still open after {DRAIN_TIMEOUT:?}; closing them");
    }
    signal
}

/// SIGHUP: read the web config again; one that does not load leaves the one in force.
fn reload(web: Option<&watch::Sender<Arc<Web>>>) {
    let Some(web) = web else {
        say!(
            "fedcert: SIGHUP: no --web-config to re-read; still serving (SIGTERM or Ctrl-C stops)"
        );
        return;
    };
    let current = Arc::clone(&web.borrow());
    match current.reload() {
        Ok(new) => {
            say!(
                "fedcert: SIGHUP: --web-config {} reloaded: {}",
                new.path().display(),
                new.summary()
            );
            web.send_replace(Arc::new(new));
        }
        Err(error) => say!("fedcert: SIGHUP: {error}; the web config in force stays"),
    }
}

async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    web: Option<watch::Receiver<Arc<Web>>>,
    mut closing: watch::Receiver<bool>,
) {
    let Some(web) = web else {
        return serve_http(TokioIo::new(stream), shared, None, closing).await;
    };
    let acceptor = web.borrow().acceptor().clone();
    let handshake = async move {
        let mut stream = stream;
        super::web::refuse_plain_http(&mut stream).await.ok()?;
        acceptor.accept(stream).await.ok()
    };
    let tls = tokio::select! {
        tls = tokio::time::timeout(HEADER_TIMEOUT, handshake) => tls.ok().flatten(),
        _ = closing.changed() => None,
    };
    if let Some(tls) = tls {
        serve_http(TokioIo::new(tls), shared, Some(web), closing).await;
    } else {
        tracing::debug!("a connection closed without a TLS handshake");
    }
}

/// Serve HTTP/1.1 on one connection until the client closes it or we are closing.
async fn serve_http<I>(
    io: I,
    shared: Arc<Shared>,
    web: Option<watch::Receiver<Arc<Web>>>,
    mut closing: watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |request: Request<Incoming>| {
        let shared = Arc::clone(&shared);
        // The web config in force now: a SIGHUP applies to the next request, even on a
        // connection kept alive from before it.
        let web = web.as_ref().map(|web| Arc::clone(&web.borrow()));
        async move {
            let Some(web) = web else {
                return Ok::<_, Infallible>(respond(
                    &shared,
                    request.method(),
                    request.uri().path(),
                ));
            };
            if let Some(refusal) = web.refuse(request.headers()).await {
                return Ok(refusal);
            }
            Ok(web.decorate(respond(&shared, request.method(), request.uri().path())))
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = closing.changed() => {
            // Finish the request in progress, if any, then close (no more keep-alive).
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// The response for one request.
fn respond(shared: &Shared, method: &Method, path: &str) -> Response<Full<Bytes>> {
    if method != Method::GET && method != Method::HEAD {
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not served here; use GET\n"),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match path {
        "/metrics" => {
            let mut response = Response::new(Full::new(Bytes::from(shared.metrics())));
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(super::prometheus::CONTENT_TYPE),
            );
            response
        }
        "/" => text(StatusCode::OK, front_page(shared)),
        _ => text(
            StatusCode::NOT_FOUND,
            format!("no page at {path}; the metrics are at /metrics\n"),
        ),
    }
}

fn front_page(shared: &Shared) -> String {
    format!(
        "fedcert {} (commit {}): federation token-signing certificates\n\n\
         Metrics: /metrics (Prometheus text format)\n\
         Domains: {}, each refreshed every {}\n",
        env!("CARGO_PKG_VERSION"),
        super::COMMIT,
        shared.domain_count(),
        crate::units::format_duration(shared.refresh),
    )
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// SIGHUPs, one at a time (none off Unix).
struct Hangups {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Hangups {
    fn new() -> Result<Self, Failure> {
        Ok(Self {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .map_err(|e| {
                    Failure::new(
                        super::EXIT_SOFTWARE,
                        format!("cannot listen for SIGHUP: {e}"),
                    )
                })?,
        })
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        if self.signal.recv().await.is_some() {
            return;
        }
        std::future::pending::<()>().await;
    }
}

/// Resolves with the signal's name on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
pub(super) fn shutdown_signal() -> Result<impl Future<Output = &'static str>, Failure> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| {
            Failure::new(
                super::EXIT_SOFTWARE,
                format!("cannot listen for SIGTERM: {e}"),
            )
        })?;
    // `ctrl_c()` registers its handler on first poll; poll it once now so that a SIGINT sent
    // right after start-up is caught rather than fatal.
    let mut ctrl_c = Box::pin(tokio::signal::ctrl_c());
    let _ = futures_util::FutureExt::now_or_never(&mut ctrl_c);
    Ok(async move {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = ctrl_c => "Ctrl-C",
                _ = term.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
            "Ctrl-C"
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;
    use crate::config::DomainConfig;
    use crate::domain::DomainStatus;

    fn shared() -> Shared {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        Shared {
            tenants: 0,
            fleet: Mutex::new(Fleet::new(vec![DomainStatus::new(
                DomainConfig::new("contoso.example", "https://fs.contoso.example/metadata.xml"),
                now,
            )])),
            clock: Clock::starting_at(now),
            refresh: Duration::from_secs(900),
        }
    }

    async fn body(response: Response<Full<Bytes>>) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn metrics_are_the_exposition_of_the_current_statuses() {
        let response = respond(&shared(), &Method::GET, "/metrics");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            super::super::prometheus::CONTENT_TYPE
        );
        let text = body(response).await;
        // Never fetched: UNKNOWN (3), and no fetch result yet.
        assert!(
            text.contains("fedcert_domain_status{domain=\"contoso.example\"} 3\n"),
            "{text}"
        );
        assert!(!text.contains("fedcert_metadata_fetch_success{"), "{text}");
    }

    #[tokio::test]
    async fn the_front_page_names_the_metrics_path() {
        let response = respond(&shared(), &Method::GET, "/");
        assert_eq!(response.status(), StatusCode::OK);
        let text = body(response).await;
        assert!(text.contains("Metrics: /metrics"), "{text}");
        assert!(
            text.contains("Domains: 1, each refreshed every 15 min"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn other_paths_are_404_and_other_methods_405() {
        let response = respond(&shared(), &Method::GET, "/metrics/extra");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            body(response).await,
            "no page at /metrics/extra; the metrics are at /metrics\n"
        );
        let response = respond(&shared(), &Method::POST, "/metrics");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[ALLOW], "GET, HEAD");
    }

    #[test]
    fn the_tally_counts_worst_first_and_omits_zeros() {
        let shared = shared();
        assert_eq!(tally(&shared.fleet()), "1 UNKNOWN");
    }
}
