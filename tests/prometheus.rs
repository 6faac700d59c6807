//! `fedcert check --format prometheus` end to end: the real binary against the demo's loopback
//! federation plus one domain whose certificate subject and entityID hold a double quote, a
//! backslash and a line feed. The exposition is read back with a real exposition-format parser
//! and every family, label and value is checked against `check --json` of the same federation;
//! `promtool` (when installed) checks the exposition and the example alert rules too.
#![allow(clippy::unwrap_used, clippy::float_cmp)] // whole seconds and small integers are exact

mod support;

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use assert_cmd::Command;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use fedcert::config::DomainConfig;
use fedcert::demo::Demo;
use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};
use serde_json::Value;

const NOW: &str = "2026-12-01T09:00:00Z";

/// Every family the exposition declares.
const FAMILIES: [&str; 16] = [
    "fedcert_domain_status",
    "fedcert_domain_sync_state",
    "fedcert_domain_primary_expires_in_seconds",
    "fedcert_domain_finding",
    "fedcert_certificate_not_after_timestamp_seconds",
    "fedcert_certificate_not_before_timestamp_seconds",
    "fedcert_metadata_fetch_success",
    "fedcert_metadata_last_success_timestamp_seconds",
    "fedcert_metadata_signature_valid",
    "fedcert_tls_not_after_seconds",
    "fedcert_entra_update_result",
    "fedcert_tenant_unwatched_federated_domains",
    "fedcert_tenant_unwatched_federated_domain",
    "fedcert_domains",
    "fedcert_evaluation_timestamp_seconds",
    "fedcert_build_info",
];

/// The awkward common name: a double quote, a backslash and a line feed.
const QUIRKY_CN: &str = "Quote \" Back \\ Line\nBreak";
const QUIRKY_DOMAIN: &str = "quirks.example";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

struct Fixture {
    _demo: Demo,
    _https: support::Server,
    dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
}

impl Fixture {
    fn start() -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let demo = runtime.block_on(Demo::start(now())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut domains = demo.typed_in_config().domains.clone();
        domains.push(quirky_domain(dir.path()));
        let (https, tls) = runtime.block_on(tls_domain(dir.path()));
        domains.push(tls);
        std::fs::write(
            dir.path().join("config.toml"),
            support::config_toml::domains(&domains),
        )
        .unwrap();
        Self {
            _demo: demo,
            _https: https,
            dir,
            runtime,
        }
    }

    fn check(&self, args: &[&str]) -> std::process::Output {
        let config = self.dir.path().join("config.toml");
        let mut cmd = Command::cargo_bin("fedcert").unwrap();
        cmd.env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env("FEDCERT_DATA_DIR", self.dir.path().join("data"))
            .args(["--config", config.to_str().unwrap(), "--now", NOW, "check"])
            .args(args);
        let _guard = self.runtime.enter();
        cmd.output().unwrap()
    }

    fn exposition_text(&self) -> (String, std::process::Output) {
        let output = self.check(&["--format", "prometheus"]);
        (String::from_utf8(output.stdout.clone()).unwrap(), output)
    }
}

/// A third-party IdP's metadata file whose only signing certificate has [`QUIRKY_CN`], with
/// an entityID that holds a quote and a backslash; Entra's thumbprint typed in as its own.
fn quirky_domain(dir: &Path) -> DomainConfig {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, QUIRKY_CN);
    params.not_before = offset(now() - chrono::TimeDelta::days(10));
    params.not_after = offset(now() + chrono::TimeDelta::days(200));
    let der = params.self_signed(&key).unwrap().der().to_vec();
    let sha1 = fedcert::cert::analyze(&der).unwrap().sha1;
    let xml = format!(
        "<?xml version=\"1.0\"?>\n\
         <md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" \
         xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"urn:quirks:&quot;q&quot;\\b\">\n\
         <md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n\
         <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}\
         </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n\
         <md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" \
         Location=\"https://idp.quirks.example/sso\"/>\n\
         </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n",
        base64::engine::general_purpose::STANDARD.encode(&der)
    );
    let path = dir.join("quirks-metadata.xml");
    std::fs::write(&path, xml).unwrap();
    let mut domain = DomainConfig::new(QUIRKY_DOMAIN, path.to_str().unwrap());
    domain.entra_signing_thumbprint = Some(sha1);
    domain
}

const TLS_DOMAIN: &str = "tls.example";

/// A domain whose metadata comes over https (a private CA, `ca_file`) from 127.0.0.1, and whose
/// users sign in at `localhost` on the same server: both hosts' certificates are exported.
async fn tls_domain(dir: &Path) -> (support::Server, DomainConfig) {
    let ca = support::pki::TestCa::new();
    let ca_file = dir.join("tls-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let body = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let served = body.clone();
    let server = support::Server::https(ca.server_config(&["127.0.0.1", "localhost"]), move |_| {
        support::Reply::ok(served.lock().unwrap().clone()).into()
    })
    .await;
    let sso = server.url_with_host("localhost", "/sso");
    let xml = std::fs::read_to_string(dir.join("quirks-metadata.xml"))
        .unwrap()
        .replace("https://idp.quirks.example/sso", &sso);
    *body.lock().unwrap() = xml.into_bytes();
    let mut domain = DomainConfig::new(TLS_DOMAIN, server.url("/metadata.xml"));
    domain.ca_file = Some(ca_file);
    (server, domain)
}

fn offset(t: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap()
}

/// One sample, flattened: its labels and value.
#[derive(Debug)]
struct Series {
    labels: HashMap<String, String>,
    value: f64,
}

fn series(exposition: &Exposition, family: &str) -> Vec<Series> {
    let family = exposition
        .families
        .get(family)
        .unwrap_or_else(|| panic!("no family {family}"));
    family
        .iter_samples()
        .map(|sample| {
            let labels = sample
                .get_labelset()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let value = match &sample.value {
                PrometheusValue::Gauge(n) => n.as_f64(),
                other => panic!("{} is not a gauge: {other:?}", family.family_name),
            };
            Series { labels, value }
        })
        .collect()
}

/// The samples of `family` whose labels include every pair of `wanted`.
fn matching<'a>(all: &'a [Series], wanted: &[(&str, &str)]) -> Vec<&'a Series> {
    all.iter()
        .filter(|s| {
            wanted
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect()
}

fn one<'a>(all: &'a [Series], wanted: &[(&str, &str)]) -> &'a Series {
    let found = matching(all, wanted);
    assert_eq!(found.len(), 1, "{wanted:?} in {all:#?}");
    found[0]
}

fn unix(ts: &Value) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let seconds = DateTime::parse_from_rfc3339(ts.as_str().unwrap())
        .unwrap()
        .timestamp() as f64;
    seconds
}

fn severity_code(severity: &str) -> f64 {
    match severity {
        "ok" => 0.0,
        "warning" => 1.0,
        "critical" => 2.0,
        "unknown" => 3.0,
        other => panic!("severity {other}"),
    }
}

/// The certificate series of one role of one domain agree with the JSON certificate.
fn assert_certificate(
    exposition: &Exposition,
    domain: &Value,
    role: &str,
    cert: &Value,
    entity_id: &str,
) {
    let name = domain["name"].as_str().unwrap();
    let sha1 = cert["sha1"].as_str().unwrap();
    let subject = cert["subject"].as_str().unwrap();
    let wanted = [
        ("domain", name),
        ("role", role),
        ("sha1", sha1),
        ("subject", subject),
        ("entity_id", entity_id),
        ("use", "signing"),
    ];
    let not_after = series(
        exposition,
        "fedcert_certificate_not_after_timestamp_seconds",
    );
    assert_eq!(one(&not_after, &wanted).value, unix(&cert["not_after"]));
    let not_before = series(
        exposition,
        "fedcert_certificate_not_before_timestamp_seconds",
    );
    assert_eq!(one(&not_before, &wanted).value, unix(&cert["not_before"]));
}

#[test]
fn the_exposition_parses_and_agrees_with_the_json_report() {
    let fixture = Fixture::start();
    let (text, output) = fixture.exposition_text();
    let report: Value = serde_json::from_slice(&fixture.check(&["--json"]).stdout).unwrap();
    // Same engine, same exit code: the worst domain is CRITICAL.
    assert_eq!(output.status.code(), Some(2), "{text}");
    let exposition = &parse_prometheus(&text).unwrap_or_else(|e| panic!("{e:?}:\n{text}"));

    for family in FAMILIES {
        let parsed = exposition
            .families
            .get(family)
            .unwrap_or_else(|| panic!("no {family} in\n{text}"));
        assert_eq!(parsed.family_type, PrometheusType::Gauge, "{family}");
        assert!(!parsed.help.is_empty(), "{family} has no HELP");
    }
    assert_eq!(
        exposition.families.len(),
        FAMILIES.len(),
        "families: {:?}",
        exposition.families.keys()
    );

    let domains = report["domains"].as_array().unwrap();
    // Every demo scenario, the quirky domain and the https one.
    assert_eq!(domains.len(), fedcert::demo::scenarios().len() + 2);
    // The https domain's two hosts, and the demo's signed AD FS metadata, are in the exposition.
    let tls = series(exposition, "fedcert_tls_not_after_seconds");
    assert_eq!(
        matching(&tls, &[("domain", TLS_DOMAIN)]).len(),
        2,
        "{tls:#?}"
    );
    let valid = series(exposition, "fedcert_metadata_signature_valid");
    assert!(valid.iter().any(|s| s.value == 1.0), "{valid:#?}");
    assert_eq!(
        series(exposition, "fedcert_domain_status").len(),
        domains.len()
    );
    for d in domains {
        assert_domain_agrees(exposition, d);
    }

    // The encryption certificate of an AD FS farm is there under its own role and use.
    let not_after = series(
        exposition,
        "fedcert_certificate_not_after_timestamp_seconds",
    );
    let encryption = matching(
        &not_after,
        &[
            ("domain", "fourthcoffee-demo.example"),
            ("role", "encryption"),
            ("use", "encryption"),
        ],
    );
    assert_eq!(encryption.len(), 1, "{not_after:#?}");
    // Nine days left on it, as the scenario says.
    let nine_days = now().timestamp() + 9 * 86_400;
    #[allow(clippy::cast_possible_truncation)]
    let left = encryption[0].value as i64;
    assert!((left - nine_days).abs() < 86_400, "{left} vs {nine_days}");

    // Escaping: backslash, double quote and line feed survive the round trip.
    assert_escapes_round_trip(exposition, &text, domains);

    let evaluated = series(exposition, "fedcert_evaluation_timestamp_seconds");
    assert_eq!(evaluated.len(), 1);
    #[allow(clippy::cast_precision_loss)]
    let expected = now().timestamp() as f64;
    assert_eq!(evaluated[0].value, expected);
    let build = series(exposition, "fedcert_build_info");
    assert_eq!(build[0].labels["version"], env!("CARGO_PKG_VERSION"));
    assert!(!build[0].labels["commit"].is_empty());
}

#[test]
fn every_line_is_help_type_or_a_sample_of_the_family_just_declared() {
    // The format wants a family's samples together, after its HELP and TYPE.
    let fixture = Fixture::start();
    let (text, _) = fixture.exposition_text();
    let mut declared: Vec<&str> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap();
            assert!(!declared.contains(&name), "{name} declared twice");
            declared.push(name);
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            assert_eq!(rest, format!("{} gauge", declared.last().unwrap()));
        } else {
            let name = line.split(['{', ' ']).next().unwrap();
            assert_eq!(Some(&name), declared.last(), "{line}");
        }
    }
    assert_eq!(declared, FAMILIES);
    assert!(text.ends_with('\n'));
}

#[test]
fn a_domain_filter_narrows_the_exposition_and_the_exit_code() {
    let fixture = Fixture::start();
    let output = fixture.check(&["--format", "prometheus", "--domain", "contoso-demo.example"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let exposition = &parse_prometheus(&text).unwrap();
    let status = series(exposition, "fedcert_domain_status");
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].labels["domain"], "contoso-demo.example");
    assert_eq!(status[0].value, 0.0);
}

/// `promtool`, when it is installed (Debian: `apt-get install prometheus`).
fn promtool() -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("promtool"))
            .find(|path| path.is_file())
    })
}

fn alerts_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/prometheus-alerts.yml")
}

#[test]
fn promtool_accepts_the_exposition_and_the_alert_rules() {
    let Some(promtool) = promtool() else {
        eprintln!("promtool is not installed (apt-get install prometheus): skipped");
        assert!(
            std::env::var_os("FEDCERT_REQUIRE_PROMTOOL").is_none(),
            "FEDCERT_REQUIRE_PROMTOOL is set but promtool is not on PATH"
        );
        return;
    };
    let fixture = Fixture::start();
    let (text, _) = fixture.exposition_text();
    let mut check_metrics = std::process::Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut check_metrics.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let linted = check_metrics.wait_with_output().unwrap();
    assert!(
        linted.status.success(),
        "promtool check metrics:\n{}{}",
        String::from_utf8_lossy(&linted.stdout),
        String::from_utf8_lossy(&linted.stderr)
    );
    let rules = std::process::Command::new(&promtool)
        .args(["check", "rules"])
        .arg(alerts_file())
        .output()
        .unwrap();
    assert!(
        rules.status.success(),
        "promtool check rules:\n{}{}",
        String::from_utf8_lossy(&rules.stdout),
        String::from_utf8_lossy(&rules.stderr)
    );
    let tests =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/prometheus/alerts.test.yml");
    let tested = std::process::Command::new(&promtool)
        .args(["test", "rules"])
        .arg(&tests)
        .current_dir(tests.parent().unwrap())
        .output()
        .unwrap();
    assert!(
        tested.status.success(),
        "promtool test rules:\n{}{}",
        String::from_utf8_lossy(&tested.stdout),
        String::from_utf8_lossy(&tested.stderr)
    );
}

#[test]
fn the_alert_rules_are_rule_groups_over_metrics_fedcert_writes() {
    let rules = std::fs::read_to_string(alerts_file()).unwrap();
    let lines: Vec<&str> = rules
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(lines.first(), Some(&"groups:"), "{rules}");
    assert!(lines.iter().any(|l| l.trim_start().starts_with("rules:")));
    assert!(!rules.contains('\t'), "YAML forbids tabs for indentation");
    // Each alert has an expression, a severity and a summary, before the next alert begins.
    let alerts: Vec<&[&str]> = {
        let starts: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("- alert:"))
            .map(|(i, _)| i)
            .collect();
        starts
            .iter()
            .enumerate()
            .map(|(n, &i)| &lines[i..starts.get(n + 1).copied().unwrap_or(lines.len())])
            .collect()
    };
    assert!(alerts.len() >= 6, "{} alerts", alerts.len());
    for alert in &alerts {
        for key in ["expr:", "severity:", "summary:"] {
            assert!(
                alert.iter().any(|l| l.trim_start().starts_with(key)),
                "{key} missing in {alert:#?}"
            );
        }
    }
    // Every fedcert metric the rules name is one the exposition declares.
    let named: BTreeSet<String> = rules
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("fedcert_"))
        .map(str::to_owned)
        .collect();
    assert!(!named.is_empty());
    for metric in &named {
        assert!(
            FAMILIES.contains(&metric.as_str()),
            "{metric} is not a metric fedcert writes"
        );
    }
    // And the rules cover the verdict, the sync state, the metadata fetch and the TLS
    // certificates.
    for metric in [
        "fedcert_domain_status",
        "fedcert_domain_sync_state",
        "fedcert_metadata_fetch_success",
        "fedcert_evaluation_timestamp_seconds",
        "fedcert_tls_not_after_seconds",
    ] {
        assert!(named.contains(metric), "no rule on {metric}");
    }
}

/// Every family's samples for domain `d` agree with its JSON.
fn assert_domain_agrees(exposition: &Exposition, d: &Value) {
    let status = series(exposition, "fedcert_domain_status");
    let sync = series(exposition, "fedcert_domain_sync_state");
    let expires_in = series(exposition, "fedcert_domain_primary_expires_in_seconds");
    let findings = series(exposition, "fedcert_domain_finding");
    let fetched = series(exposition, "fedcert_metadata_fetch_success");
    let last_success = series(
        exposition,
        "fedcert_metadata_last_success_timestamp_seconds",
    );
    let update = series(exposition, "fedcert_entra_update_result");
    let name = d["name"].as_str().unwrap();
    let by_name = [("domain", name)];
    assert_eq!(
        one(&status, &by_name).value,
        severity_code(d["severity"].as_str().unwrap()),
        "{name}"
    );
    for state in ["in_sync", "pending", "broken", "unknown"] {
        let expected = if d["sync"] == state { 1.0 } else { 0.0 };
        let sample = one(&sync, &[("domain", name), ("state", state)]);
        assert_eq!(sample.value, expected, "{name} {state}");
    }
    match d["days_left"].as_f64() {
        // The JSON rounds days to hundredths.
        Some(days) => assert!(
            (one(&expires_in, &by_name).value / 86_400.0 - days).abs() <= 0.005,
            "{name}"
        ),
        None => assert!(matching(&expires_in, &by_name).is_empty(), "{name}"),
    }
    let json_findings: BTreeSet<(String, String)> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let prom_findings: BTreeSet<(String, String)> = matching(&findings, &by_name)
        .iter()
        .map(|s| (s.labels["rule"].clone(), s.labels["severity"].clone()))
        .collect();
    assert_eq!(prom_findings, json_findings, "{name}");

    let ok = d["metadata"]["error"].is_null();
    assert_eq!(
        one(&fetched, &by_name).value,
        if ok { 1.0 } else { 0.0 },
        "{name}"
    );
    match d["metadata"]["fetched_at"].as_str() {
        Some(_) => assert_eq!(
            one(&last_success, &by_name).value,
            unix(&d["metadata"]["fetched_at"])
        ),
        None => assert!(matching(&last_success, &by_name).is_empty(), "{name}"),
    }
    // The signature: 1 when valid, 0 for any other verdict, absent before a document was read.
    let signature_valid = series(exposition, "fedcert_metadata_signature_valid");
    match d["metadata"]["signature"].as_str() {
        Some(word) => assert_eq!(
            one(&signature_valid, &by_name).value,
            if word == "valid" { 1.0 } else { 0.0 },
            "{name}"
        ),
        None => assert!(matching(&signature_valid, &by_name).is_empty(), "{name}"),
    }
    // One TLS series per host the JSON shows a certificate for, with its NotAfter.
    let tls = series(exposition, "fedcert_tls_not_after_seconds");
    let json_tls: BTreeSet<(String, i64)> = ["tls", "signin_tls"]
        .iter()
        .filter_map(|key| d["metadata"][key].as_object())
        .map(|cert| {
            #[allow(clippy::cast_possible_truncation)]
            let at = unix(&cert["not_after"]) as i64;
            (cert["host"].as_str().unwrap().to_owned(), at)
        })
        .collect();
    #[allow(clippy::cast_possible_truncation)]
    let prom_tls: BTreeSet<(String, i64)> = matching(&tls, &by_name)
        .iter()
        .map(|s| (s.labels["host"].clone(), s.value as i64))
        .collect();
    assert_eq!(prom_tls, json_tls, "{name}");

    // No domain here has a live Entra side (Graph or an import): no update result.
    assert!(d["entra"]["update_result"].is_null());
    assert!(matching(&update, &by_name).is_empty());

    let entity_id = d["entity_id"].as_str().unwrap_or_default();
    if !d["primary"].is_null() {
        assert_certificate(exposition, d, "primary", &d["primary"], entity_id);
    }
    if !d["successor"].is_null() {
        assert_certificate(exposition, d, "successor", &d["successor"], entity_id);
    }
    // Entra's signing certificate, typed in as a thumbprint, dated from the published copy.
    if let Some(sha1) = d["entra"]["signing"].as_str()
        && d["primary"]["sha1"] == sha1
    {
        assert_certificate(exposition, d, "entra_signing", &d["primary"], entity_id);
    }
}

/// The quirky subject and entityID come back exactly as the JSON has them.
fn assert_escapes_round_trip(exposition: &Exposition, text: &str, domains: &[Value]) {
    let quirky = domains.iter().find(|d| d["name"] == QUIRKY_DOMAIN).unwrap();
    let subject = quirky["primary"]["subject"].as_str().unwrap();
    assert!(
        subject.contains('"') && subject.contains('\\') && subject.contains('\n'),
        "the fixture must exercise every escape: {subject:?}"
    );
    let entity_id = quirky["entity_id"].as_str().unwrap();
    assert!(
        entity_id.contains('"') && entity_id.contains('\\'),
        "{entity_id:?}"
    );
    assert_certificate(
        exposition,
        quirky,
        "entra_signing",
        &quirky["primary"],
        entity_id,
    );
    assert!(
        text.contains(r#"subject="CN=Quote \\\" Back \\\\ Line\nBreak""#),
        "the raw text escapes backslash, quote and newline:\n{text}"
    );
}

#[test]
fn output_replaces_the_file_whole_and_a_broken_config_leaves_it_alone() {
    let fixture = Fixture::start();
    let (text, _) = fixture.exposition_text();
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("fedcert.prom");
    std::fs::write(&target, "# the previous run's\n").unwrap();
    let output = fixture.check(&[
        "--format",
        "prometheus",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "the exit code is still check's"
    );
    assert!(output.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text);
    let names: Vec<String> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["fedcert.prom"], "no temporary file is left behind");

    // fedcert fails before writing (a broken config): the old metrics stay, so they age.
    let broken = out_dir.path().join("broken.toml");
    std::fs::write(&broken, "[[domain]]\nname = 3\n").unwrap();
    let failed = Command::cargo_bin("fedcert")
        .unwrap()
        .args([
            "--config",
            broken.to_str().unwrap(),
            "check",
            "--format",
            "prometheus",
        ])
        .args(["--output", target.to_str().unwrap()])
        .env("FEDCERT_DATA_DIR", out_dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(65));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text);

    // Nowhere to write: 73, one line naming the file.
    let nowhere = out_dir.path().join("missing-dir/fedcert.prom");
    let output = fixture.check(&[
        "--format",
        "prometheus",
        "--output",
        nowhere.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(73));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!(
            "fedcert: --output {}: cannot write it:",
            nowhere.display()
        )),
        "{stderr}"
    );
}

fn dashboard() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/grafana-dashboard.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every panel of the dashboard, rows' nested panels included.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        all.push(panel);
        if let Some(nested) = panel["panels"].as_array() {
            all.extend(nested);
        }
    }
    all
}

/// Every (panel title, PromQL expression) of the dashboard.
fn dashboard_queries(dashboard: &Value) -> Vec<(String, String)> {
    panels(dashboard)
        .into_iter()
        .filter(|p| p["type"] != "row")
        .flat_map(|p| {
            let title = p["title"].as_str().unwrap().to_owned();
            p["targets"]
                .as_array()
                .unwrap_or_else(|| panic!("{title}: no targets"))
                .iter()
                .map(move |t| (title.clone(), t["expr"].as_str().unwrap().to_owned()))
        })
        .collect()
}

/// The `fedcert_…` names in a PromQL expression.
fn metric_names(expr: &str) -> BTreeSet<&str> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| w.starts_with("fedcert_"))
        .collect()
}

#[test]
fn the_grafana_dashboard_queries_only_metric_families_fedcert_exports() {
    let fixture = Fixture::start();
    let (text, _) = fixture.exposition_text();
    let exposition = parse_prometheus(&text).unwrap();
    let dashboard = dashboard();

    // Importable anywhere: one variable, the Prometheus data source, which every panel and
    // every query uses.
    let variables = dashboard["templating"]["list"].as_array().unwrap();
    assert_eq!(variables.len(), 1, "{variables:#?}");
    assert_eq!(variables[0]["type"], "datasource");
    assert_eq!(variables[0]["query"], "prometheus");
    let source = format!("${{{}}}", variables[0]["name"].as_str().unwrap());
    let mut ids = BTreeSet::new();
    for panel in panels(&dashboard) {
        let title = panel["title"].as_str().unwrap();
        assert!(
            ids.insert(panel["id"].as_u64().unwrap()),
            "{title}: id twice"
        );
        for key in ["h", "w", "x", "y"] {
            assert!(panel["gridPos"][key].is_u64(), "{title}: gridPos.{key}");
        }
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(panel["datasource"]["uid"], source.as_str(), "{title}");
        for target in panel["targets"].as_array().unwrap() {
            assert_eq!(target["datasource"]["uid"], source.as_str(), "{title}");
        }
    }

    // Every query names a family the real exposition has, and nothing else of fedcert's.
    let queries = dashboard_queries(&dashboard);
    assert!(queries.len() >= 10, "{queries:#?}");
    let mut named = BTreeSet::new();
    for (title, expr) in &queries {
        let names = metric_names(expr);
        assert!(!names.is_empty(), "{title}: {expr} names no fedcert metric");
        for name in names {
            assert!(
                exposition.families.contains_key(name),
                "{title}: {expr}: {name} is not a family of `fedcert check --format prometheus`"
            );
            named.insert(name);
        }
    }
    // The panels the dashboard is for.
    for metric in [
        "fedcert_domain_status",
        "fedcert_domain_primary_expires_in_seconds",
        "fedcert_domain_sync_state",
        "fedcert_metadata_fetch_success",
        "fedcert_certificate_not_after_timestamp_seconds",
        "fedcert_evaluation_timestamp_seconds",
        "fedcert_tls_not_after_seconds",
        "fedcert_metadata_signature_valid",
    ] {
        assert!(named.contains(metric), "no panel on {metric}");
    }
}

#[test]
fn promtool_parses_every_dashboard_query() {
    let Some(promtool) = promtool() else {
        eprintln!("promtool is not installed (apt-get install prometheus): skipped");
        assert!(
            std::env::var_os("FEDCERT_REQUIRE_PROMTOOL").is_none(),
            "FEDCERT_REQUIRE_PROMTOOL is set but promtool is not on PATH"
        );
        return;
    };
    // promtool parses expressions in rule files: one recording rule per query.
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, (_, expr)) in dashboard_queries(&dashboard()).iter().enumerate() {
        let quoted = serde_json::to_string(expr).unwrap();
        let _ = writeln!(
            rules,
            "      - record: dashboard:query_{i}\n        expr: {quoted}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dashboard-rules.yml");
    std::fs::write(&file, rules).unwrap();
    let checked = std::process::Command::new(&promtool)
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "promtool check rules on the dashboard's queries:\n{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}
