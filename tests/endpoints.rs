//! DESIGN.md §6.4 end to end: the real binary's `check --json` against loopback servers the test
//! starts (a private CA, `ca_file`).
//!
//! - TLS: the certificate the metadata host presented, read from the session that fetched the
//!   metadata, at 10, 20 and 200 days and expired as of `--now` (T1); the sign-in host's, read by
//!   a handshake of its own when it is another host — expiring, issued for another name, by
//!   another CA, nobody listening, and the host of Entra's `passiveSignInUri` (T1, T2).
//! - Signatures: the committed fixtures of `tests/fixtures/signature` served over loopback, each
//!   domain's verdict, signer and X findings pinned in a golden; an invalid document's runbook
//!   takes the certificates from AD FS, not from it. A signed aggregate of 1.86 MB, verified
//!   while it streams, as served and changed near its end.
//!
//! The TLS certificates must be valid by this machine's real clock (TLS checks them against
//! it), so `--now` for those tests is the real clock two days ahead, and every certificate is
//! placed relative to it.
#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;
use support::pki::TestCa;
use support::{Reply, Server, child};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/signature");
/// Where the AD FS-shaped fixtures send users to sign in.
const FIXTURE_SIGN_IN: &str = "https://fs.contoso.test/adfs/ls/";

/// One configured domain, written as an operator would.
struct Domain {
    name: &'static str,
    url: String,
    ca_file: Option<PathBuf>,
    extra: String,
}

fn config(domains: &[Domain]) -> String {
    let mut toml = String::from("[settings]\ntimeout = \"5s\"\n");
    for d in domains {
        write!(
            toml,
            "\n[[domain]]\nname = \"{}\"\nmetadata_url = \"{}\"\n{}",
            d.name, d.url, d.extra
        )
        .unwrap();
        if let Some(ca) = &d.ca_file {
            writeln!(toml, "ca_file = \"{}\"", ca.display()).unwrap();
        }
    }
    toml
}

/// `fedcert --now NOW check --json` (plus `args`) on `domains`; the report and the exit code.
async fn check(dir: &Path, domains: &[Domain], now: &str, args: &[&str]) -> (Value, Option<i32>) {
    let path = dir.join("config.toml");
    std::fs::write(&path, config(domains)).unwrap();
    let dir = dir.to_owned();
    let now = now.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let done = tokio::task::spawn_blocking(move || {
        let mut all = vec![
            "--config",
            path.to_str().unwrap(),
            "--now",
            now.as_str(),
            "check",
            "--json",
        ];
        all.extend(args.iter().map(String::as_str));
        child::run(&dir.join("data"), &all, &[])
    })
    .await
    .unwrap();
    done.assert_sane("check", Duration::from_secs(30));
    let report = serde_json::from_str(&done.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", done.stdout, done.stderr));
    (report, done.code)
}

fn domain<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

/// `(rule, severity)` of each finding, worst first.
fn rules(d: &Value) -> Vec<(String, String)> {
    d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn finding<'a>(d: &'a Value, rule: &str) -> &'a Value {
    d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {d:#}"))
}

/// The AD FS-shaped fixture, unsigned, with users signing in at `sign_in`.
fn adfs_metadata(sign_in: &str) -> Vec<u8> {
    std::fs::read_to_string(Path::new(FIXTURES).join("unsigned.xml"))
        .unwrap()
        .replace(FIXTURE_SIGN_IN, sign_in)
        .into_bytes()
}

/// An https server whose one document is set once its own URL is known.
async fn https(config: Arc<rustls::ServerConfig>) -> (Server, Arc<Mutex<Vec<u8>>>) {
    let body = Arc::new(Mutex::new(Vec::new()));
    let served = body.clone();
    let server = Server::https(config, move |_| {
        Reply::ok(served.lock().unwrap().clone()).into()
    })
    .await;
    (server, body)
}

/// The real clock two days ahead, in whole seconds: certificates placed around it are valid
/// for TLS now, and "expired a day ago" as of it.
fn rehearsal_now() -> DateTime<Utc> {
    let now = Utc::now() + TimeDelta::days(2);
    DateTime::from_timestamp(now.timestamp(), 0).unwrap()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn write_ca(dir: &Path, ca: &TestCa) -> PathBuf {
    let path = dir.join("corp-root.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    path
}

/// The metadata host's certificate comes from the session that fetched the metadata, and T1
/// counts it down: CRITICAL under `renew_now_days` (10 days) and once expired (as of `--now`:
/// still valid for TLS by the real clock), WARNING under `tls_warn_days` (20 days), nothing at
/// 200 days.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metadata_hosts_certificate_counts_down_to_t1() {
    let now = rehearsal_now();
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let ca_file = write_ca(dir.path(), &ca);
    let since = now - TimeDelta::days(100);
    let cases = [
        (
            "tls-10.example",
            now + TimeDelta::days(10),
            Some("critical"),
            10,
        ),
        (
            "tls-20.example",
            now + TimeDelta::days(20),
            Some("warning"),
            20,
        ),
        ("tls-200.example", now + TimeDelta::days(200), None, 200),
        (
            "tls-expired.example",
            now - TimeDelta::days(1),
            Some("critical"),
            -1,
        ),
    ];
    let mut servers = Vec::new();
    let mut domains = Vec::new();
    for (name, until, _, _) in &cases {
        let (server, body) = https(ca.server_config_valid(&["127.0.0.1"], since, *until)).await;
        // Users sign in on the same host: nothing else is probed.
        *body.lock().unwrap() = adfs_metadata(&server.url("/adfs/ls/"));
        domains.push(Domain {
            name,
            url: server.url("/federationmetadata.xml"),
            ca_file: Some(ca_file.clone()),
            extra: String::new(),
        });
        servers.push(server);
    }
    let (report, code) = check(dir.path(), &domains, &rfc3339(now), &[]).await;
    assert_eq!(code, Some(2), "worst is CRITICAL: {report:#}");
    for ((name, until, severity, days_left), server) in cases.iter().zip(&servers) {
        let d = domain(&report, name);
        let tls = &d["metadata"]["tls"];
        assert_eq!(
            tls["host"],
            format!("127.0.0.1:{}", server_port(server)),
            "{name}"
        );
        assert_eq!(tls["subject"], "CN=fedcert test server", "{name}");
        assert_eq!(tls["issuer"], "CN=fedcert test CA", "{name}");
        assert_eq!(tls["not_after"], rfc3339(*until), "{name}");
        assert_eq!(tls["days_left"], *days_left, "{name}");
        assert_eq!(tls["dns_names"], serde_json::json!(["127.0.0.1"]), "{name}");
        assert_eq!(tls["trusted"], true, "{name}");
        assert_eq!(tls["sha1"].as_str().unwrap().len(), 40, "{name}");
        assert!(d["metadata"]["signin_tls"].is_null(), "{name}: same host");
        assert!(d["metadata"]["signin_error"].is_null(), "{name}");
        // The session that fetched the metadata: one connection per domain, no second one.
        assert_eq!(server.connections(), 1, "{name}");
        match severity {
            Some(severity) => {
                assert_eq!(finding(d, "T1")["severity"], *severity, "{name}");
                assert_eq!(finding(d, "T1")["title"], "metadata TLS cert");
                assert!(finding(d, "T1")["step"].is_null(), "{name}");
                assert_eq!(d["severity"], *severity, "{name}");
            }
            None => assert!(
                rules(d).iter().all(|(r, _)| r != "T1"),
                "{name}: {:?}",
                rules(d)
            ),
        }
    }
}

fn server_port(server: &Server) -> String {
    server.url("").rsplit(':').next().unwrap().to_owned()
}

/// Users sign in on another host than the metadata's (the metadata's passive endpoint, or
/// Entra's `passiveSignInUri` when the metadata names none): its certificate is read by a
/// handshake of its own, trusted or not, and shown beside why it is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one case per kind of sign-in host, each checked in full
async fn the_sign_in_hosts_certificate_is_read_and_judged() {
    let now = rehearsal_now();
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let other_ca = TestCa::named("Somebody Else's CA");
    let ca_file = write_ca(dir.path(), &ca);
    let since = now - TimeDelta::days(100);
    let long = now + TimeDelta::days(200);
    let sign_in = [
        (
            "signin-ok.example",
            ca.server_config_valid(&["localhost"], since, long),
        ),
        (
            "signin-10.example",
            ca.server_config_valid(&["localhost"], since, now + TimeDelta::days(10)),
        ),
        (
            "signin-mismatch.example",
            ca.server_config_valid(&["fs.contoso.test"], since, long),
        ),
        (
            "signin-untrusted.example",
            other_ca.server_config_valid(&["localhost"], since, long),
        ),
    ];
    // One metadata server on 127.0.0.1 per domain; users sign in at localhost.
    let mut servers = Vec::new();
    let mut domains = Vec::new();
    for (name, config) in sign_in {
        let (signin, _) = https(config).await;
        let (metadata, body) = https(ca.server_config_valid(&["127.0.0.1"], since, long)).await;
        let sso = signin.url_with_host("localhost", "/adfs/ls/");
        *body.lock().unwrap() = adfs_metadata(&sso);
        domains.push(Domain {
            name,
            url: metadata.url("/federationmetadata.xml"),
            ca_file: Some(ca_file.clone()),
            extra: String::new(),
        });
        servers.push((metadata, signin, sso));
    }
    let down = support::refused_address().await;
    let (metadata, body) = https(ca.server_config_valid(&["127.0.0.1"], since, long)).await;
    *body.lock().unwrap() = adfs_metadata(&format!("https://localhost:{}/adfs/ls/", down.port()));
    domains.push(Domain {
        name: "signin-down.example",
        url: metadata.url("/federationmetadata.xml"),
        ca_file: Some(ca_file.clone()),
        extra: String::new(),
    });

    let (report, _) = check(dir.path(), &domains, &rfc3339(now), &[]).await;
    let signin = |name: &str| domain(&report, name)["metadata"]["signin_tls"].clone();
    let port = |i: usize| server_port(&servers[i].1);

    let ok = signin("signin-ok.example");
    assert_eq!(ok["host"], format!("localhost:{}", port(0)));
    assert_eq!(ok["subject"], "CN=fedcert test server");
    assert_eq!(ok["trusted"], true);
    assert_eq!(ok["dns_names"], serde_json::json!(["localhost"]));
    assert_eq!(ok["days_left"], 200);
    let d = domain(&report, "signin-ok.example");
    assert!(
        rules(d).iter().all(|(r, _)| r != "T1" && r != "T2"),
        "{:?}",
        rules(d)
    );
    // The metadata host's own certificate is there too, from its session.
    assert_eq!(
        d["metadata"]["tls"]["dns_names"],
        serde_json::json!(["127.0.0.1"])
    );

    let d = domain(&report, "signin-10.example");
    assert_eq!(signin("signin-10.example")["days_left"], 10);
    let t1 = finding(d, "T1");
    assert_eq!(t1["severity"], "critical");
    assert_eq!(t1["title"], "sign-in TLS cert");
    assert!(
        t1["message"]
            .as_str()
            .unwrap()
            .contains(&format!("localhost:{}, where users sign in", port(1))),
        "{t1}"
    );

    let mismatch = signin("signin-mismatch.example");
    assert_eq!(mismatch["trusted"], false);
    assert_eq!(
        mismatch["dns_names"],
        serde_json::json!(["fs.contoso.test"])
    );
    assert_eq!(
        mismatch["refused"],
        "it is not issued for localhost (it is issued for fs.contoso.test)"
    );
    let d = domain(&report, "signin-mismatch.example");
    assert_eq!(rules(d)[0], ("T2".to_owned(), "warning".to_owned()));
    assert_eq!(finding(d, "T2")["title"], "sign-in TLS refused");

    let untrusted = signin("signin-untrusted.example");
    assert_eq!(untrusted["trusted"], false);
    assert_eq!(untrusted["issuer"], "CN=Somebody Else's CA");
    assert_eq!(untrusted["subject"], "CN=fedcert test server");
    assert_eq!(
        untrusted["refused"],
        "it is issued by CN=Somebody Else's CA, a CA this machine does not trust"
    );
    let t2 = finding(domain(&report, "signin-untrusted.example"), "T2");
    assert!(t2["message"].as_str().unwrap().contains("ca_file"), "{t2}");

    let d = domain(&report, "signin-down.example");
    assert!(d["metadata"]["signin_tls"].is_null());
    assert_eq!(
        d["metadata"]["signin_error"],
        format!("connection refused by localhost:{}", down.port())
    );
    assert!(rules(d).iter().all(|(r, _)| r != "T2"), "{:?}", rules(d));
}

/// A single IdP entity without any sign-in endpoint, signing with the fixture's AD FS
/// certificate.
fn no_sign_in_metadata() -> Vec<u8> {
    let cert: String = std::fs::read_to_string(Path::new(FIXTURES).join("keys/adfs.pem"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    format!(
        r#"<EntityDescriptor entityID="http://fs.contoso.test/adfs/services/trust" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>"#
    )
    .into_bytes()
}

/// When the metadata names no sign-in endpoint, Entra's `passiveSignInUri` (read through
/// Graph) names the sign-in host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entras_passive_sign_in_uri_names_the_sign_in_host() {
    let now = rehearsal_now();
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let ca_file = write_ca(dir.path(), &ca);
    let since = now - TimeDelta::days(100);
    let (signin, _) =
        https(ca.server_config_valid(&["localhost"], since, now + TimeDelta::days(20))).await;
    let (metadata, body) =
        https(ca.server_config_valid(&["127.0.0.1"], since, now + TimeDelta::days(200))).await;
    *body.lock().unwrap() = no_sign_in_metadata();
    let passive = signin.url_with_host("localhost", "/adfs/ls/");
    let graph = graph_stand_in(passive).await;
    let domains = [Domain {
        name: "entra.example",
        url: metadata.url("/federationmetadata.xml"),
        ca_file: Some(ca_file),
        extra: String::new(),
    }];
    let entra = format!(
        "\n[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"11111111-2222-3333-4444-555555555555\"\nclient_secret_env = \"FEDCERT_TEST_SECRET\"\nauthority = \"{0}\"\ngraph = \"{0}\"\n",
        graph.url("").trim_end_matches('/')
    );
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config(&domains) + &entra).unwrap();
    let data = dir.path().join("data");
    let now_text = rfc3339(now);
    let done = tokio::task::spawn_blocking(move || {
        child::run(
            &data,
            &[
                "--config",
                path.to_str().unwrap(),
                "--now",
                &now_text,
                "check",
                "--json",
            ],
            &[("FEDCERT_TEST_SECRET", "s3cret")],
        )
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_str(&done.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", done.stdout, done.stderr));
    let d = domain(&report, "entra.example");
    assert_eq!(d["entra"]["source"], "graph", "{d:#}");
    let tls = &d["metadata"]["signin_tls"];
    assert_eq!(
        tls["host"],
        format!("localhost:{}", server_port(&signin)),
        "{d:#}"
    );
    assert_eq!(tls["days_left"], 20);
    assert_eq!(finding(d, "T1")["severity"], "warning");
    assert_eq!(finding(d, "T1")["title"], "sign-in TLS cert");
}

/// A stand-in for Entra's token endpoint and Graph's `federationConfiguration`, sending users
/// to `passive`.
async fn graph_stand_in(passive: String) -> Server {
    let cert: String = std::fs::read_to_string(Path::new(FIXTURES).join("keys/adfs.pem"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    Server::http(move |r| {
        // One request per connection: the token request's form body is not read.
        let json = if r.path.ends_with("/oauth2/v2.0/token") {
            serde_json::json!({ "token_type": "Bearer", "expires_in": 3599, "access_token": "token" })
        } else {
            serde_json::json!({ "value": [{
                "id": "6601d14b-d113-8f64-fda2-9b5ddda18ecc",
                "issuerUri": "http://fs.contoso.test/adfs/services/trust",
                "passiveSignInUri": passive,
                "signingCertificate": cert,
            }] })
        };
        Reply::ok(json.to_string())
            .header("Content-Type", "application/json")
            .header("Connection", "close")
            .into()
    })
    .await
}

/// The committed signature fixtures, served over plain http (no TLS facts, no sign-in probe):
/// each domain's `signature`, `signed_by`, the words and the X findings with their steps,
/// pinned in a golden. With the AD FS document's signature invalid, the Entra update of its
/// runbook takes the certificates from AD FS, never from the document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_verdicts_of_the_committed_fixtures() {
    let server = Server::http(|r| {
        let name = r.path.trim_start_matches('/');
        match std::fs::read(Path::new(FIXTURES).join(name)) {
            Ok(body) => Reply::ok(body).into(),
            Err(_) => Reply::status(404, "Not Found").into(),
        }
    })
    .await;
    let federation = fingerprint("federation");
    let stranger = fingerprint("stranger");
    let aggregate = "entity_id = \"https://idp.example.edu/idp/shibboleth\"\n";
    let cases: [(&'static str, &str, String); 13] = [
        ("valid.example", "adfs_exc_rsa_sha256.xml", String::new()),
        ("ecdsa.example", "ecdsa_p256_sha256.xml", String::new()),
        (
            "shibboleth.example",
            "shibboleth_c14n_rsa_sha1.xml",
            String::new(),
        ),
        (
            "untrusted.example",
            "signer_not_published.xml",
            String::new(),
        ),
        (
            "untrusted-configured.example",
            "signer_not_published.xml",
            format!("metadata_signer = \"{stranger}\"\n"),
        ),
        ("swapped.example", "certificate_swapped.xml", String::new()),
        ("wrapping.example", "wrapping_moved_id.xml", String::new()),
        ("unsigned.example", "unsigned.xml", String::new()),
        (
            "unsigned-required.example",
            "unsigned.xml",
            "require_signature = true\n".to_owned(),
        ),
        ("unsupported.example", "xpath_transform.xml", String::new()),
        (
            "unsupported-required.example",
            "xpath_transform.xml",
            "require_signature = true\n".to_owned(),
        ),
        (
            "aggregate.example",
            "aggregate_exc_inclusive_prefixes.xml",
            aggregate.to_owned(),
        ),
        (
            "aggregate-configured.example",
            "aggregate_exc_inclusive_prefixes.xml",
            format!("{aggregate}metadata_signer = [\"{stranger}\", \"{federation}\"]\n"),
        ),
    ];
    let domains: Vec<Domain> = cases
        .iter()
        .map(|(name, file, extra)| Domain {
            name,
            url: server.url(&format!("/{file}")),
            ca_file: None,
            extra: extra.clone(),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (report, code) = check(dir.path(), &domains, "2027-01-15T09:00:00Z", &[]).await;
    assert_eq!(code, Some(2), "X2 is CRITICAL");
    let golden: Vec<Value> = cases
        .iter()
        .map(|(name, _, _)| {
            let d = domain(&report, name);
            assert!(d["metadata"]["error"].is_null(), "{name}: {d:#}");
            assert!(d["metadata"]["tls"].is_null(), "{name}: http");
            let x: Vec<Value> = d["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["rule"].as_str().unwrap().starts_with('X'))
                .map(|f| {
                    serde_json::json!({
                        "rule": f["rule"], "severity": f["severity"], "title": f["title"],
                        "step": f["step"], "message": f["message"],
                    })
                })
                .collect();
            serde_json::json!({
                "name": name,
                "severity": d["severity"],
                "signature": d["metadata"]["signature"],
                "signed_by": d["metadata"]["signed_by"],
                "signature_detail": d["metadata"]["signature_detail"],
                "x_findings": x,
            })
        })
        .collect();
    insta::assert_snapshot!(serde_json::to_string_pretty(&golden).unwrap());

    assert_the_runbook_takes_nothing_from(dir.path(), "swapped.example").await;
}

/// A signed federation aggregate of 1.86 MB (`large_aggregate.xml.gz`, made by `make.sh` with
/// xmlsec1), the watched IdP its last entity: far past what the poller parses once it has
/// arrived whole, and past what verification keeps in memory, so the refresh parses and verifies
/// it while it arrives (served gzip-compressed, as IdPs do). Verification must still see all of
/// it: as served it verifies (`untrusted` by the federation's signer until `metadata_signer`
/// names it, then `valid`); with one character of the last entity changed, 1.8 MB in, it is
/// `invalid`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_signed_aggregate_is_verified_as_it_streams() {
    use std::io::Read as _;
    let compressed = std::fs::read(Path::new(FIXTURES).join("large_aggregate.xml.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.len() > 3 << 19, "{} bytes", text.len());
    let watched_sso = "https://idp.example.edu/idp/profile/SAML2/Redirect/SSO";
    let at = text.rfind(watched_sso).unwrap();
    assert!(
        at > 1 << 20,
        "the change must come after the first MiB: {at}"
    );
    let tampered = text.replacen(
        watched_sso,
        "https://idp.example.edu/idp/profile/SAML2/Redirect/SSX",
        1,
    );
    let server = Server::http(move |r| match r.path.as_str() {
        "/large.xml" => Reply::ok(compressed.clone())
            .header("Content-Encoding", "gzip")
            .into(),
        "/tampered.xml" => Reply::ok(tampered.clone()).into(),
        _ => Reply::status(404, "Not Found").into(),
    })
    .await;
    let federation = fingerprint("federation");
    let watched = "entity_id = \"https://idp.example.edu/idp/shibboleth\"\n";
    let domains = [
        ("large.example", "/large.xml", String::new()),
        (
            "large-trusted.example",
            "/large.xml",
            format!("metadata_signer = \"{federation}\"\n"),
        ),
        (
            "large-tampered.example",
            "/tampered.xml",
            format!("metadata_signer = \"{federation}\"\n"),
        ),
    ]
    .map(|(name, path, extra)| Domain {
        name,
        url: server.url(path),
        ca_file: None,
        extra: format!("{watched}{extra}"),
    });
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = check(dir.path(), &domains, "2027-01-15T09:00:00Z", &[]).await;
    for name in [
        "large.example",
        "large-trusted.example",
        "large-tampered.example",
    ] {
        let d = domain(&report, name);
        assert!(d["metadata"]["error"].is_null(), "{name}: {d:#}");
        assert_eq!(d["metadata"]["signed_by"], federation.as_str(), "{name}");
        assert_eq!(d["primary"]["subject"], "CN=idp.example.edu", "{name}");
    }
    let d = domain(&report, "large.example");
    assert_eq!(d["metadata"]["signature"], "untrusted", "{d:#}");
    assert_eq!(finding(d, "X1")["severity"], "warning");
    let d = domain(&report, "large-trusted.example");
    assert_eq!(d["metadata"]["signature"], "valid", "{d:#}");
    assert!(
        rules(d).iter().all(|(r, _)| !r.starts_with('X')),
        "{:?}",
        rules(d)
    );
    let d = domain(&report, "large-tampered.example");
    assert_eq!(d["metadata"]["signature"], "invalid", "{d:#}");
    let x2 = finding(d, "X2");
    assert_eq!(x2["severity"], "critical");
    assert!(
        x2["message"]
            .as_str()
            .unwrap()
            .contains("the document's digest does not match the signed one"),
        "{x2}"
    );
}

/// The invalid AD FS document's runbook: the Entra update takes the certificates from AD FS
/// itself, and no command carries a certificate of the document.
async fn assert_the_runbook_takes_nothing_from(dir: &Path, name: &'static str) {
    let config = dir.join("config.toml");
    let data = dir.join("data");
    let done = tokio::task::spawn_blocking(move || {
        child::run(
            &data,
            &[
                "--config",
                config.to_str().unwrap(),
                "--now",
                "2027-01-15T09:00:00Z",
                "checklist",
                name,
                "--format",
                "json",
            ],
            &[],
        )
    })
    .await
    .unwrap();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let list: Value = serde_json::from_str(&done.stdout).unwrap();
    let update = list["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "update-entra")
        .unwrap_or_else(|| panic!("no update-entra step: {list:#}"));
    assert!(
        update["commands"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().starts_with("$p = (Get-AdfsCertificate")),
        "{update:#}"
    );
    let published =
        std::fs::read_to_string(Path::new(FIXTURES).join("certificate_swapped.xml")).unwrap();
    for step in list["steps"].as_array().unwrap() {
        for command in step["commands"].as_array().unwrap() {
            let command = command.as_str().unwrap();
            // No certificate of the document (base64 of 200+ characters) in any command.
            assert!(
                !command
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '+' && c != '/' && c != '=')
                    .any(|word| word.len() > 200 && published.contains(word)),
                "{}: {command}",
                step["id"]
            );
        }
    }
}

/// `openssl x509 -fingerprint -sha1` of a fixture key's certificate, as 40 hex digits.
fn fingerprint(key: &str) -> String {
    let pem = std::fs::read(Path::new(FIXTURES).join(format!("keys/{key}.pem"))).unwrap();
    let der = fedcert::cert::read_certificates(&pem).unwrap().remove(0);
    fedcert::cert::Sha1::of(&der).to_string()
}
