//! `fedcert serve` end to end: the real binary, with the poller running, against the demo's
//! loopback federation; `/metrics` scraped over loopback and read back with a real
//! exposition-format parser; `/` and a 404; a clean stop on SIGTERM and on SIGINT (Ctrl-C).
//!
//! Nothing here waits on a clock: the test reads serve's own stderr lines ("serving … at",
//! "every domain read once") to know when to scrape.
#![allow(clippy::unwrap_used, clippy::float_cmp)] // whole seconds and small integers are exact
#![cfg(unix)]

mod support;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use fedcert::demo::{Demo, SECRET_ENV, UNWATCHED_DOMAINS, scenarios};
use openmetrics_parser::PrometheusValue;
use openmetrics_parser::prometheus::parse_prometheus;

const NOW: &str = "2026-12-01T09:00:00Z";
/// Generous: a bound on a wait for an event, never a way of ordering events.
const PATIENCE: Duration = Duration::from_secs(60);

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

/// The demo federation's config, as an operator would write it.
fn config_toml(demo: &Demo) -> String {
    support::config_toml::domains(&demo.typed_in_config().domains)
}

/// A running `fedcert serve` and its stderr, line by line. Killed if the test fails first.
struct Server {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(config: &str, listen: &str) -> Self {
        Self::start_with_env(config, listen, &[])
    }

    /// The same, with these variables in its environment (a client secret).
    fn start_with_env(config: &str, listen: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_fedcert"))
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env("FEDCERT_DATA_DIR", dir.path().join("data"))
            .envs(env.iter().copied())
            .args(["--config", path.to_str().unwrap(), "--now", NOW])
            .args(["serve", "--listen", listen])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child: Some(child),
            lines,
            seen: Vec::new(),
            _dir: dir,
        }
    }

    /// The first stderr line (from here on) that contains `needle`.
    fn wait_for(&mut self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(PATIENCE) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no line with {needle:?} ({e}); stderr so far: {:#?}",
                    self.seen
                ),
            }
        }
    }

    /// Where it listens, from its "serving metrics … at http://ADDR/metrics" line.
    fn addr(&mut self) -> SocketAddr {
        let line = self.wait_for("serving metrics");
        let url = line.rsplit(' ').next().unwrap();
        url.trim_start_matches("http://")
            .trim_end_matches("/metrics")
            .parse()
            .unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    /// Send `signal` and wait for the exit status and the rest of stderr.
    fn stop(mut self, signal: &str) -> (Option<i32>, Vec<String>) {
        let mut child = self.child.take().unwrap();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait().map(|s| s.code()));
        });
        let code = rx
            .recv_timeout(PATIENCE)
            .expect("fedcert serve did not exit")
            .unwrap();
        // stderr is closed now: collect what remains.
        let rest: Vec<String> = self.lines.iter().collect();
        self.seen.extend(rest);
        (code, std::mem::take(&mut self.seen))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A plain HTTP/1.1 GET over loopback: status, headers (lowercased names) and body.
fn get(addr: SocketAddr, path: &str) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|(k, _)| k == name).map_or_else(
        || panic!("no {name} header in {headers:?}"),
        |(_, v)| v.as_str(),
    )
}

fn gauge(value: &PrometheusValue) -> f64 {
    match value {
        PrometheusValue::Gauge(n) => n.as_f64(),
        other => panic!("not a gauge: {other:?}"),
    }
}

/// With Graph, `serve` reads the tenant too (rule U1, the audit log) before it says the metrics
/// are complete, and the metrics show the unwatched federated domain and the federation
/// backdoor of the demo (B1) with the recent change to it (B4).
#[test]
fn serve_reads_the_tenant_through_graph() {
    serve_reads_the_tenant(None);
}

/// The same with the tenant a `[[tenant]]` table (no `[entra]`): it is read too, and labelled
/// with its name.
#[test]
fn serve_reads_a_named_tenant_through_graph() {
    serve_reads_the_tenant(Some("demo"));
}

/// `named`: the tenant is `[[tenant]]` with this name and the domains name it; else `[entra]`.
fn serve_reads_the_tenant(named: Option<&str>) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let demo = runtime.block_on(Demo::start(now())).unwrap();
    let entra = demo.config.entra.as_ref().unwrap();
    let mut config = match named {
        None => "[entra]\n".to_owned(),
        Some(name) => format!("[[tenant]]\nname = {name:?}\n"),
    };
    writeln!(
        config,
        "tenant_id = {:?}\nclient_id = {:?}\nclient_secret_env = {:?}\nauthority = {:?}\ngraph = {:?}\n",
        entra.tenant_id, entra.client_id, SECRET_ENV, entra.authority, entra.graph
    )
    .unwrap();
    config.push_str("[settings]\ntimeout = \"5s\"\n");
    for d in &demo.config.domains {
        config.push_str(&support::config_toml::domain(d));
        if let Some(name) = named {
            writeln!(config, "tenant = {name:?}").unwrap();
        }
    }
    let mut server = Server::start_with_env(
        &config,
        "127.0.0.1:0",
        &[(SECRET_ENV, demo.client_secret())],
    );
    let addr = server.addr();
    let done = server.wait_for("every domain read once");
    assert!(
        done.contains("; 1 federated domain of the tenant not watched;"),
        "{done}"
    );
    let (status, _, body) = get(addr, "/metrics");
    assert_eq!(status, 200, "{body}");
    let exposition = parse_prometheus(&body).unwrap_or_else(|e| panic!("{e:?}:\n{body}"));
    let unwatched = &exposition.families["fedcert_tenant_unwatched_federated_domain"];
    let domains: Vec<String> = unwatched
        .iter_samples()
        .filter_map(|s| {
            s.get_labelset()
                .unwrap()
                .get_label_value("domain")
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(domains, UNWATCHED_DOMAINS);
    let count = &exposition.families["fedcert_tenant_unwatched_federated_domains"];
    let sample = count.iter_samples().next().unwrap();
    assert_eq!(gauge(&sample.value), 1.0);
    let labels = sample.get_labelset().unwrap();
    // An unnamed `[entra]` is labelled with its tenant_id, as its domains name their tenant.
    assert_eq!(
        labels.get_label_value("tenant"),
        Some(named.unwrap_or(&entra.tenant_id))
    );
    let findings: Vec<(String, String)> = exposition.families["fedcert_domain_finding"]
        .iter_samples()
        .filter_map(|s| {
            let labels = s.get_labelset().unwrap();
            (labels.get_label_value("domain") == Some("trey-demo.example")).then(|| {
                (
                    labels.get_label_value("rule").unwrap().to_owned(),
                    labels.get_label_value("severity").unwrap().to_owned(),
                )
            })
        })
        .collect();
    assert!(
        findings.contains(&("B1".to_owned(), "critical".to_owned()))
            && findings.contains(&("B4".to_owned(), "warning".to_owned())),
        "{findings:?}"
    );
    let (code, _) = server.stop("TERM");
    assert_eq!(code, Some(0));
}

#[test]
fn metrics_are_served_with_the_poller_running_and_sigterm_stops_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let demo = runtime.block_on(Demo::start(now())).unwrap();
    let mut server = Server::start(&config_toml(&demo), "127.0.0.1:0");
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    let done = server.wait_for("every domain read once");
    assert!(
        done.contains("5 CRIT 4 WARN 2 UNKNOWN 2 OK"),
        "the tally of the thirteen scenarios: {done}"
    );

    let (status, headers, body) = get(addr, "/metrics");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        header(&headers, "content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let exposition = parse_prometheus(&body).unwrap_or_else(|e| panic!("{e:?}:\n{body}"));
    assert_eq!(
        exposition.families.len(),
        16,
        "{:?}",
        exposition.families.keys()
    );
    // Without Graph no tenant is read: its families are declared, with no samples.
    assert_eq!(
        exposition.families["fedcert_tenant_unwatched_federated_domains"]
            .iter_samples()
            .count(),
        0
    );

    // Every scenario's verdict, as the poller left it.
    let statuses = &exposition.families["fedcert_domain_status"];
    assert_eq!(statuses.iter_samples().count(), scenarios().len());
    for scenario in scenarios() {
        let sample = statuses
            .iter_samples()
            .find(|s| s.get_labelset().unwrap().get_label_value("domain") == Some(scenario.domain))
            .unwrap_or_else(|| panic!("no {}", scenario.domain));
        assert_eq!(
            gauge(&sample.value),
            f64::from(scenario.expected.exit_code()),
            "{}",
            scenario.domain
        );
    }
    // Eleven documents were read; the unreachable and the HTML scenario failed.
    let fetched = &exposition.families["fedcert_metadata_fetch_success"];
    let ok = fetched
        .iter_samples()
        .filter(|s| gauge(&s.value) == 1.0)
        .count();
    let failed = fetched
        .iter_samples()
        .filter(|s| gauge(&s.value) == 0.0)
        .count();
    assert_eq!((ok, failed), (11, 2));
    // The clock started at --now: the evaluation moment is within the test's patience of it.
    let evaluated = gauge(
        &exposition.families["fedcert_evaluation_timestamp_seconds"]
            .iter_samples()
            .next()
            .unwrap()
            .value,
    );
    #[allow(clippy::cast_precision_loss)]
    let start = now().timestamp() as f64;
    assert!(
        (start..start + PATIENCE.as_secs_f64() * 2.0).contains(&evaluated),
        "{evaluated} vs {start}"
    );

    let (status, _, front) = get(addr, "/");
    assert_eq!(status, 200);
    assert!(front.contains("Metrics: /metrics"), "{front}");
    assert!(
        front.contains(&format!("Domains: {}", scenarios().len())),
        "{front}"
    );
    let (status, _, missing) = get(addr, "/favicon.ico");
    assert_eq!(status, 404);
    assert_eq!(
        missing,
        "no page at /favicon.ico; the metrics are at /metrics\n"
    );

    let (code, stderr) = server.stop("TERM");
    assert_eq!(code, Some(0), "{stderr:#?}");
    assert!(
        stderr.iter().any(|l| l == "fedcert: SIGTERM: stopped"),
        "{stderr:#?}"
    );
    assert!(
        !stderr.iter().any(|l| l.contains("warning: --listen")),
        "no warning on loopback: {stderr:#?}"
    );
    runtime.block_on(demo.shutdown());
}

#[test]
fn ctrl_c_stops_it_cleanly_too() {
    let mut server = Server::start("", "127.0.0.1:0");
    let addr = server.addr();
    server.wait_for("no domains configured");
    let (status, _, body) = get(addr, "/metrics");
    assert_eq!(status, 200);
    let exposition = parse_prometheus(&body).unwrap();
    assert_eq!(
        exposition.families["fedcert_domain_status"]
            .iter_samples()
            .count(),
        0
    );
    let (code, stderr) = server.stop("INT");
    assert_eq!(code, Some(0), "{stderr:#?}");
    assert!(
        stderr.iter().any(|l| l == "fedcert: Ctrl-C: stopped"),
        "{stderr:#?}"
    );
}

#[test]
fn a_non_loopback_address_warns_and_an_unusable_one_fails_with_one_line() {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: the bind fails, after the warning,
    // and nothing is ever exposed.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_fedcert"))
        .args(["--config", config.to_str().unwrap()])
        .args(["serve", "--listen", "192.0.2.1:9781"])
        .env("FEDCERT_DATA_DIR", dir.path().join("data"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("fedcert: warning: --listen 192.0.2.1:9781: not a loopback address"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("fedcert: --listen 192.0.2.1:9781: cannot listen there:"),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(69));
}

#[test]
fn a_listen_address_that_is_no_address_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_fedcert"))
        .args(["serve", "--listen", "localhost"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--listen"), "{stderr}");
}

/// `--listen` as people type it: a host name (`localhost:PORT`) is resolved, loopback first.
#[test]
fn localhost_is_an_address_to_listen_on() {
    let mut server = Server::start("", "localhost:0");
    let addr = server.addr();
    assert!(addr.ip().is_loopback(), "{addr}");
    server.wait_for("no domains configured");
    let (status, _, _) = get(addr, "/metrics");
    assert_eq!(status, 200);
    let (code, stderr) = server.stop("TERM");
    assert_eq!(code, Some(0), "{stderr:#?}");
    assert!(
        !stderr.iter().any(|l| l.contains("warning: --listen")),
        "localhost is loopback: {stderr:#?}"
    );
}
