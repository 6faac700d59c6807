//! Hostile peers on loopback, through the real binary: one `fedcert check` over a config holding
//! every misbehaving server at once plus good domains. It must finish within a few seconds of the
//! 2 s timeout, read the good domains, and give every other domain its own error. Then a CONNECT
//! proxy from `HTTPS_PROXY`, used for one host and skipped for the one `NO_PROXY` names.
#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::child::{self, Finished};
use support::pki::TestCa;
use support::{Behaviour, ConnectProxy, Reply, Server};

const NOW: &str = "2026-12-01T09:00:00Z";
const TIMEOUT: Duration = Duration::from_secs(2);

fn metadata() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/metadata/adfs_bom_crlf.xml"),
    )
    .unwrap()
}

fn sign_in_page() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/metadata/hostile/html_sign_in.html"),
    )
    .unwrap()
}

/// 40 MiB of zeros, gzip-compressed to a few dozen KB: over the 32 MiB cap only once inflated.
fn gzip_bomb() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![0u8; 1 << 20];
    for _ in 0..40 {
        gz.write_all(&block).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    bomb
}

/// One configured domain: its name, URL, optional `ca_file`, and the error it must carry
/// (`None`: it must read fine).
struct Row {
    name: &'static str,
    url: String,
    ca_file: Option<PathBuf>,
    error: Option<String>,
    /// TLS refused the host's certificate: why, in the words `metadata.tls.refused` must hold
    /// beside the error (the presented certificate's facts are shown all the same).
    refused: Option<&'static str>,
}

fn config(rows: &[Row]) -> String {
    let mut toml = format!("[settings]\ntimeout = \"{}s\"\n", TIMEOUT.as_secs());
    for row in rows {
        writeln!(
            toml,
            "\n[[domain]]\nname = \"{}\"\nmetadata_url = \"{}\"",
            row.name, row.url
        )
        .unwrap();
        if let Some(ca) = &row.ca_file {
            writeln!(toml, "ca_file = \"{}\"", ca.display()).unwrap();
        }
    }
    toml
}

async fn check(dir: &Path, config_text: String, envs: Vec<(String, String)>) -> Finished {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || {
        let path = dir.join("config.toml");
        std::fs::write(&path, config_text).unwrap();
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        child::run(
            &dir,
            &[
                "--config",
                path.to_str().unwrap(),
                "--now",
                NOW,
                "check",
                "--json",
            ],
            &envs,
        )
    })
    .await
    .unwrap()
}

fn assert_rows(report: &Value, rows: &[Row]) {
    let domains = report["domains"].as_array().unwrap();
    assert_eq!(domains.len(), rows.len());
    for (row, domain) in rows.iter().zip(domains) {
        assert_eq!(domain["name"], row.name);
        let error = domain["metadata"]["error"].as_str();
        match &row.error {
            None => {
                assert_eq!(error, None, "{}", row.name);
                assert_ne!(domain["severity"], "unknown", "{}: {domain:#}", row.name);
                assert!(!domain["metadata"]["fetched_at"].is_null(), "{}", row.name);
            }
            Some(expected) => {
                assert_eq!(error, Some(expected.as_str()), "{}", row.name);
                let rules: Vec<&str> = domain["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["rule"].as_str().unwrap())
                    .collect();
                if row.refused == Some(EXPIRED) {
                    assert_eq!(domain["severity"], "critical", "{}", row.name);
                    assert_eq!(rules, ["T1", "R8"], "{}", row.name);
                } else {
                    assert_eq!(domain["severity"], "unknown", "{}", row.name);
                    assert_eq!(rules, ["R8"], "{}", row.name);
                }
            }
        }
        let tls = &domain["metadata"]["tls"];
        match row.refused {
            // The presented certificate beside the error, from a handshake of its own.
            Some(refused) => {
                assert_eq!(tls["subject"], "CN=fedcert test server", "{}", row.name);
                assert_eq!(tls["issuer"], "CN=fedcert test CA", "{}", row.name);
                assert_eq!(tls["trusted"], false, "{}", row.name);
                assert_eq!(tls["refused"], refused, "{}", row.name);
                assert_eq!(tls["sha1"].as_str().unwrap().len(), 40, "{}", row.name);
                assert!(tls["dns_names"].is_array(), "{}", row.name);
                let message = domain["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["rule"] == "R8")
                    .unwrap()["message"]
                    .as_str()
                    .unwrap();
                assert!(
                    message.contains(
                        "the host presented CN=fedcert test server, issued by CN=fedcert test CA"
                    ),
                    "{}: {message}",
                    row.name
                );
            }
            None if row.url.starts_with("https://") && row.error.is_none() => {
                assert_eq!(tls["trusted"], true, "{}: {tls}", row.name);
            }
            None if row.url.starts_with("http://") => {
                assert!(tls.is_null(), "{}: {tls}", row.name);
            }
            None => {}
        }
    }
}

const EXPIRED: &str = "it has expired";

fn cap_error(url: &str) -> String {
    format!(
        "{url}: the body is over the 32 MiB cap (max_body, counted after decompression); raise max_body in [settings] if the metadata really is that large"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)]
async fn one_check_over_every_hostile_peer_keeps_each_failure_to_its_own_domain() {
    let good = metadata();
    let page = sign_in_page();
    let bomb = gzip_bomb();
    let http = Server::http(move |r| match r.path.as_str() {
        "/good.xml" => Reply::ok(good.clone()).into(),
        "/endless" => Behaviour::Endless(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/samlmetadata+xml\r\n\r\n".to_vec(),
        ),
        "/bomb" => Reply::ok(bomb.clone())
            .header("Content-Encoding", "gzip")
            .into(),
        "/trickle" => Behaviour::Trickle {
            head: b"HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n".to_vec(),
            body: good[..600].to_vec(),
            every: Duration::from_secs(1),
        },
        "/hang" => Behaviour::Hang,
        "/loop-a" => Reply::redirect("/loop-b").into(),
        "/loop-b" => Reply::redirect("/loop-a").into(),
        "/sign-in" => Reply::ok(page.clone())
            .header("Content-Type", "text/html; charset=utf-8")
            .into(),
        "/busy" => Reply::status(503, "Service Unavailable").into(),
        "/lying-length" => Behaviour::Raw(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<EntityDescriptor xmlns=".to_vec(),
        ),
        _ => Reply::status(404, "Not Found").into(),
    })
    .await;
    let ca = TestCa::new();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("corp-root.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let body = metadata();
    let trusted = Server::https(ca.server_config(&["127.0.0.1"]), move |_| {
        Reply::ok(body.clone()).into()
    })
    .await;
    let mismatch = Server::https(ca.server_config(&["fs.contoso.com"]), |_| {
        Reply::ok("never").into()
    })
    .await;
    let expired = Server::https(ca.expired_server_config(&["127.0.0.1"]), |_| {
        Reply::ok("never").into()
    })
    .await;
    let refused = support::refused_address().await;

    let u = |path: &str| http.url(path);
    let row = |name, url: String, ca_file: Option<&PathBuf>, error: Option<String>| Row {
        name,
        url,
        ca_file: ca_file.cloned(),
        error,
        refused: None,
    };
    let tls_url = trusted.url("/federationmetadata.xml");
    let rows = vec![
        row("good.example", u("/good.xml"), None, None),
        row(
            "endless.example",
            u("/endless"),
            None,
            Some(cap_error(&u("/endless"))),
        ),
        row(
            "bomb.example",
            u("/bomb"),
            None,
            Some(cap_error(&u("/bomb"))),
        ),
        row(
            "trickle.example",
            u("/trickle"),
            None,
            Some(format!("{}: timed out after 2 s (timeout)", u("/trickle"))),
        ),
        row(
            "hang.example",
            u("/hang"),
            None,
            Some(format!("{}: timed out after 2 s (timeout)", u("/hang"))),
        ),
        row(
            "loop.example",
            u("/loop-a"),
            None,
            Some(format!(
                "{}: redirect loop: {} redirects back to itself",
                u("/loop-a"),
                u("/loop-a")
            )),
        ),
        row(
            "sign-in.example",
            u("/sign-in"),
            None,
            Some(format!(
                "{}: got an HTML page, probably a sign-in or proxy page — check the URL from outside the network",
                u("/sign-in")
            )),
        ),
        row(
            "busy.example",
            u("/busy"),
            None,
            Some(format!(
                "{}: the server answered HTTP 503 Service Unavailable",
                u("/busy")
            )),
        ),
        row(
            "lying-length.example",
            u("/lying-length"),
            None,
            Some(format!(
                "{}: reading the response failed: the connection closed before the whole body arrived (the server sent less than it announced: a Content-Length that lies, or a server or proxy that gave up)",
                u("/lying-length")
            )),
        ),
        Row {
            refused: Some("it is issued by CN=fedcert test CA, a CA this machine does not trust"),
            ..row(
                "untrusted.example",
                tls_url.clone(),
                None,
                Some(format!(
                    "{tls_url}: TLS: the server's certificate is not trusted (unknown CA); set ca_file for this domain to the PEM of the CA that issued it"
                )),
            )
        },
        row("ca-file.example", tls_url, Some(&ca_file), None),
        Row {
            refused: Some("it is not issued for 127.0.0.1 (it is issued for fs.contoso.com)"),
            ..row(
                "mismatch.example",
                mismatch.url("/m.xml"),
                Some(&ca_file),
                Some(format!(
                    "{}: TLS: the server's certificate is not valid for 127.0.0.1 (name mismatch: it is issued for fs.contoso.com)",
                    mismatch.url("/m.xml")
                )),
            )
        },
        Row {
            refused: Some(EXPIRED),
            ..row(
                "expired.example",
                expired.url("/m.xml"),
                Some(&ca_file),
                Some(format!(
                    "{}: TLS: the server's certificate has expired (the IdP must renew its TLS certificate)",
                    expired.url("/m.xml")
                )),
            )
        },
        row(
            "refused.example",
            format!("http://{refused}/m.xml"),
            None,
            Some(format!(
                "http://{refused}/m.xml: connection refused by {refused} (nothing listens there, or a firewall rejects it)"
            )),
        ),
    ];
    let done = check(dir.path(), config(&rows), Vec::new()).await;
    done.assert_sane("check", TIMEOUT + Duration::from_secs(6));
    // The expired TLS certificate is T1 CRITICAL: Entra cannot read that metadata either.
    assert_eq!(done.code, Some(2), "worst is CRITICAL: {}", done.stderr);
    let report: Value = serde_json::from_str(&done.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", done.stdout, done.stderr));
    assert_rows(&report, &rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_proxy_is_used_and_no_proxy_hosts_go_direct() {
    let ca = TestCa::new();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("corp-root.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let body = metadata();
    let server = Server::https(ca.server_config(&["127.0.0.1", "localhost"]), move |_| {
        Reply::ok(body.clone()).into()
    })
    .await;
    let proxy = ConnectProxy::start().await;
    let through_proxy = server.url("/federationmetadata.xml");
    let direct = server.url_with_host("localhost", "/federationmetadata.xml");
    let rows = [
        Row {
            name: "proxied.example",
            url: through_proxy.clone(),
            ca_file: Some(ca_file.clone()),
            error: None,
            refused: None,
        },
        Row {
            name: "direct.example",
            url: direct,
            ca_file: Some(ca_file.clone()),
            error: None,
            refused: None,
        },
    ];
    let envs = vec![
        ("HTTPS_PROXY".to_owned(), proxy.url()),
        ("NO_PROXY".to_owned(), "localhost".to_owned()),
    ];
    let done = check(dir.path(), config(&rows), envs).await;
    done.assert_sane("check through a proxy", TIMEOUT + Duration::from_secs(6));
    let report: Value = serde_json::from_str(&done.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", done.stdout, done.stderr));
    assert_rows(&report, &rows);
    let authority = through_proxy
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    // Through the proxy, reqwest keeps no TLS facts of the tunnelled session: one more
    // handshake through the same proxy reads the certificate (assert_rows checked it).
    assert_eq!(
        proxy.targets(),
        vec![authority.clone(), authority],
        "CONNECTs for the proxied host only: the fetch and the handshake that reads its certificate"
    );
    assert_eq!(
        server.connections(),
        3,
        "the direct domain reached the server once, with its certificate from that session"
    );

    // A proxy that is down is named as the cause, not the IdP.
    let gone = support::refused_address().await;
    let rows = [Row {
        name: "proxied.example",
        url: through_proxy.clone(),
        ca_file: Some(ca_file),
        error: None,
        refused: None,
    }];
    let envs = vec![("HTTPS_PROXY".to_owned(), format!("http://{gone}"))];
    let done = check(dir.path(), config(&rows), envs).await;
    done.assert_sane(
        "check through a dead proxy",
        TIMEOUT + Duration::from_secs(6),
    );
    let report: Value = serde_json::from_str(&done.stdout).unwrap();
    let error = report["domains"][0]["metadata"]["error"].as_str().unwrap();
    assert!(error.starts_with(&format!("{through_proxy}: ")), "{error}");
    assert_eq!(
        error,
        format!(
            "{through_proxy}: connection refused by the proxy {gone} (set by HTTPS_PROXY / HTTP_PROXY / ALL_PROXY: fix the proxy, or list the IdP host in NO_PROXY)"
        )
    );
}

/// `Date` as IMF-fixdate, `offset` from this machine's clock (the real one: skew is between clocks).
fn http_date(offset: chrono::TimeDelta) -> String {
    (chrono::Utc::now() + offset)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_clock_more_than_five_minutes_off_is_a_c1_warning() {
    use chrono::TimeDelta;
    let body = metadata();
    let server = Server::http(move |r| {
        // 30 s past a whole minute, so that the second-resolution header cannot round across.
        let offset = match r.path.as_str() {
            "/ahead" => Some(TimeDelta::minutes(210) + TimeDelta::seconds(30)),
            "/behind" => Some(-(TimeDelta::hours(53) + TimeDelta::minutes(30))),
            "/close" => Some(TimeDelta::minutes(4)),
            _ => None,
        };
        let reply = Reply::ok(body.clone());
        match offset {
            Some(offset) => reply.header("Date", &http_date(offset)).into(),
            None => reply.into(),
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Row> = ["ahead", "behind", "close", "none"]
        .into_iter()
        .map(|name| Row {
            name: match name {
                "ahead" => "ahead.example",
                "behind" => "behind.example",
                "close" => "close.example",
                _ => "none.example",
            },
            url: server.url(&format!("/{name}")),
            ca_file: None,
            error: None,
            refused: None,
        })
        .collect();
    let c1 = |report: &Value, i: usize| -> Option<String> {
        report["domains"][i]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "C1")
            .map(|f| {
                assert_eq!(f["severity"], "warning");
                f["message"].as_str().unwrap().to_owned()
            })
    };
    let message = |amount: &str, direction: &str| {
        format!(
            "the metadata server's clock (HTTP Date) is {amount} {direction} this machine's; clocks more than 5 minutes apart break federated sign-ins and fedcert's countdowns: check NTP on this machine and on the IdP"
        )
    };
    let done = check(dir.path(), config(&rows), Vec::new()).await;
    done.assert_sane("check", TIMEOUT + Duration::from_secs(6));
    let report: Value = serde_json::from_str(&done.stdout).unwrap();
    assert_rows(&report, &rows);
    assert_eq!(c1(&report, 0), Some(message("3h 30m", "ahead of")));
    assert_eq!(c1(&report, 1), Some(message("2d 5h", "behind")));
    assert_eq!(c1(&report, 2), None, "4 minutes is within the tolerance");
    assert_eq!(c1(&report, 3), None, "no Date header, nothing to compare");
    assert_ne!(report["domains"][0]["severity"], "ok", "C1 is a warning");

    // A rehearsal (`--now` in 2030) compares the server with the real clock, not with 2030.
    let rows = [Row {
        name: "close.example",
        url: server.url("/close"),
        ca_file: None,
        error: None,
        refused: None,
    }];
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config(&rows)).unwrap();
    let data = dir.path().to_owned();
    let done = tokio::task::spawn_blocking(move || {
        child::run(
            &data,
            &[
                "--config",
                path.to_str().unwrap(),
                "--now",
                "2030-06-01T00:00:00Z",
                "check",
                "--json",
            ],
            &[],
        )
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(c1(&report, 0), None, "{report:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_of_a_misbehaving_url_exits_with_its_class_and_one_line() {
    let page = sign_in_page();
    let server = Server::http(move |r| match r.path.as_str() {
        "/sign-in" => Reply::ok(page.clone())
            .header("Content-Type", "text/html")
            .into(),
        "/busy" => Reply::status(503, "Service Unavailable").into(),
        _ => Behaviour::Hang,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    for (path, code, message) in [
        (
            "/sign-in",
            65,
            "got an HTML page, probably a sign-in or proxy page — check the URL from outside the network".to_owned(),
        ),
        (
            "/busy",
            69,
            "the server answered HTTP 503 Service Unavailable".to_owned(),
        ),
    ] {
        let url = server.url(path);
        let data = dir.path().to_owned();
        let args = url.clone();
        let done = tokio::task::spawn_blocking(move || {
            child::run(&data, &["--now", NOW, "inspect", &args], &[])
        })
        .await
        .unwrap();
        done.assert_sane(path, Duration::from_secs(20));
        assert_eq!(done.code, Some(code), "{path}: {}", done.stderr);
        assert_eq!(done.error_line(), format!("fedcert: {url}: {message}"));
    }
}
