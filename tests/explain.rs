//! `fedcert explain` end to end: the real binary against the demo federation (one domain per
//! case of DESIGN.md §4, on loopback, at a fixed `--now`), which domains each error lists; a
//! healthy fleet lists none; unknown codes still list the domains failing now; and the issuer
//! causes of AADSTS50107 / AADSTS50008 against hand-made Entra sides.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;

use assert_cmd::Command;
use chrono::{DateTime, Utc};
use fedcert::assess::{
    AssessInput, EntraSide, EntraSource, IdpFacts, IdpKind, Policy, PostureInput, Rule, Severity,
    assess,
};
use fedcert::cert::{CertInfo, Sha1, Sha256};
use fedcert::config::DomainConfig;
use fedcert::demo::Demo;
use fedcert::explain::{self, Symptom, Watched};
use serde_json::Value;

const NOW: &str = "2026-12-01T09:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

struct Fixture {
    _demo: Demo,
    dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
}

impl Fixture {
    /// The demo's domains (Entra's side typed into the config), those `keep` accepts.
    fn start(keep: impl Fn(&str) -> bool) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let demo = runtime.block_on(Demo::start(now())).unwrap();
        let domains: Vec<DomainConfig> = demo
            .typed_in_config()
            .domains
            .iter()
            .filter(|d| keep(&d.name))
            .cloned()
            .collect();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            support::config_toml::domains(&domains),
        )
        .unwrap();
        Self {
            _demo: demo,
            dir,
            runtime,
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("fedcert").unwrap();
        cmd.env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("ALL_PROXY")
            .env("FEDCERT_DATA_DIR", self.dir.path().join("data"))
            .args([
                "--config",
                self.dir.path().join("config.toml").to_str().unwrap(),
                "--now",
                NOW,
                "explain",
            ]);
        cmd
    }

    fn explain(&self, args: &[&str]) -> std::process::Output {
        let _guard = self.runtime.enter();
        self.command().args(args).output().unwrap()
    }

    fn json(&self, text: &str) -> Value {
        let output = self.explain(&[text, "--json"]);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

fn names(answer: &Value) -> Vec<String> {
    answer["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| format!("{n}-demo.example")).collect()
}

#[test]
fn each_error_lists_the_demo_domains_that_show_one_of_its_causes() {
    let fixture = Fixture::start(|_| true);
    let signing = set(&["litware", "woodgrove", "tailspin", "northwind"]);
    let failing = set(&["litware", "woodgrove"]);
    let cases: Vec<(&str, BTreeSet<String>)> = vec![
        ("AADSTS50008", signing.clone()),
        ("aadsts5000811", signing.clone()),
        ("5000811", signing),
        ("AADSTS50006", failing.clone()),
        // Entra's issuerUri comes from Graph; typed-in thumbprints say nothing about it.
        ("AADSTS50107", BTreeSet::new()),
        ("AADSTS50000", failing.clone()),
        ("AADSTS20001", set(&["litware", "proseware", "wingtip"])),
        ("AADSTS90072", failing.clone()),
        (
            "Event ID 385",
            set(&["litware", "tailspin", "fourthcoffee"]),
        ),
        (
            "noNewCertificateFound",
            set(&["alpineski", "adatum", "litware"]),
        ),
    ];
    for (text, expected) in cases {
        let answer = fixture.json(text);
        let listed = names(&answer);
        assert_eq!(
            listed.iter().cloned().collect::<BTreeSet<_>>(),
            expected,
            "{text}: {answer:#}"
        );
        // Failing now first, then the worst verdict, then by name.
        let order: Vec<(bool, i8, String)> = answer["domains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let rank = match d["severity"].as_str().unwrap() {
                    "critical" => 0,
                    "warning" => 1,
                    "unknown" => 2,
                    _ => 3,
                };
                (
                    d["outage"] != true,
                    rank,
                    d["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "{text}");
        for d in answer["domains"].as_array().unwrap() {
            assert!(!d["why"].as_str().unwrap().is_empty(), "{text}: {d}");
        }
    }
    let known = fixture.json("AADSTS50008");
    assert_eq!(known["code"], "AADSTS50008");
    assert!(known["meaning"].as_str().unwrap().contains("Entra"));
    assert!(
        known["causes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.as_str().unwrap().contains("(source: "))
    );
    // The broken domain's why is its R2 finding, naming the step of its outage runbook.
    let woodgrove = known["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "woodgrove-demo.example")
        .unwrap();
    assert!(
        woodgrove["why"]
            .as_str()
            .unwrap()
            .contains("put the primary into Entra now (checklist step 1)"),
        "{woodgrove}"
    );
    assert_eq!(woodgrove["outage"], true);
}

#[test]
fn a_healthy_fleet_lists_none() {
    let fixture =
        Fixture::start(|name| name.starts_with("contoso") || name.starts_with("fabrikam"));
    for text in [
        "AADSTS50008",
        "AADSTS5000811",
        "AADSTS50107",
        "AADSTS50000",
        "AADSTS20012",
        "AADSTS90072",
        "couldNotAccessRemoteHost",
    ] {
        let answer = fixture.json(text);
        assert_eq!(names(&answer), Vec::<String>::new(), "{text}: {answer:#}");
    }
    let text = fixture.explain(&["AADSTS50008"]);
    let stdout = String::from_utf8(text.stdout).unwrap();
    assert!(
        stdout.contains("None of the 2 watched domains shows one of these causes now."),
        "{stdout}"
    );
}

#[test]
fn unknown_codes_are_said_plainly_and_empty_input_is_a_usage_error() {
    let fixture = Fixture::start(|_| true);
    let answer = fixture.json("AADSTS90072");
    assert_eq!(answer["code"], "AADSTS90072");
    assert_eq!(answer["meaning"], Value::Null);
    assert_eq!(answer["causes"], Value::Array(Vec::new()));
    let output = fixture.explain(&["AADSTS90072"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("AADSTS90072: fedcert knows nothing about this code"),
        "{stdout}"
    );
    assert!(stdout.contains("fail now, worst first"), "{stdout}");

    let output = fixture.explain(&["   "]);
    assert_eq!(output.status.code(), Some(64), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("nothing to explain"), "{stderr}");
    let output = fixture.explain(&[]);
    assert_eq!(output.status.code(), Some(64), "{output:?}");
}

#[test]
fn a_pasted_error_page_is_read_from_standard_input() {
    let fixture = Fixture::start(|_| true);
    let page = "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body>\
        <div class=\"error\">Sorry, but we're having trouble signing you in.</div>\
        <p>AADSTS50107: The requested federation realm object 'http://contoso.com/adfs/services/trust/' does not exist.</p>\
        <p>Request Id: 1b2c3d</p></body></html>";
    let _guard = fixture.runtime.enter();
    let output = fixture
        .command()
        .args(["-", "--json"])
        .write_stdin(page)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["code"], "AADSTS50107");
    assert!(answer["meaning"].as_str().unwrap().contains("Issuer"));
}

#[test]
fn without_a_config_the_meaning_still_comes() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("fedcert")
        .unwrap()
        .env("FEDCERT_DATA_DIR", dir.path())
        .args([
            "--config",
            dir.path().join("missing.toml").to_str().unwrap(),
            "explain",
            "AADSTS5000811",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Entra does not trust the key"), "{stdout}");
    assert!(stdout.contains("No config at"), "{stdout}");
}

// ---- the issuer causes, against Entra sides read through Graph ----

fn cert(id: u8) -> CertInfo {
    CertInfo {
        sha1: Sha1([id; 20]),
        sha256: Sha256([id; 32]),
        subject: format!("CN=ADFS Signing {id}"),
        issuer: format!("CN=ADFS Signing {id}"),
        serial: "01".to_owned(),
        not_before: now() - chrono::TimeDelta::days(100),
        not_after: now() + chrono::TimeDelta::days(200),
        key_algorithm: "RSA".to_owned(),
        key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".to_owned(),
        self_signed: true,
        der: std::sync::Arc::from(vec![id]),
    }
}

/// The verdict for `domain` with this Entra side, automatic rollover on.
fn assessed(
    domain: &str,
    facts: &IdpFacts,
    entra: &EntraSide,
    policy: &Policy,
) -> fedcert::assess::Assessment {
    let input = AssessInput {
        idp: Some(facts),
        fetch_error: None,
        entra: Some(entra),
        auto_rollover: Some(true),
        adfs: None,
        peers: fedcert::assess::IdpGroup::alone(),
        policy,
        clock_skew: None,
        endpoints: None,
        posture: PostureInput {
            domain,
            ..PostureInput::default()
        },
    };
    assess(&input, now())
}

/// The verdict warns of an issuer on another host than the IdP's (B3); the right ones (the
/// IdP's entityID, the SupportMultipleDomain form of the domain) are all clear.
fn assert_issuer_verdict(name: &str, a: &fedcert::assess::Assessment) {
    let wrong = matches!(name, "fabrikam.com" | "tailspin.com");
    let b3 = a.findings.iter().any(|f| f.rule == Rule::B3);
    assert_eq!(b3, wrong, "{name}: {:?}", a.findings);
    let expected = if wrong {
        Severity::Warning
    } else {
        Severity::Ok
    };
    assert_eq!(a.severity, expected, "{name}");
}

#[test]
fn issuer_mismatches_and_shared_issuers_are_found() {
    let facts = IdpFacts {
        entity_id: "http://fs.contoso.com/adfs/services/trust".to_owned(),
        kind: IdpKind::AdFs,
        signing: vec![cert(1)],
        encryption: Vec::new(),
        signed_by: Some(cert(1)),
        unreadable: Vec::new(),
        sign_in_url: None,
        valid_until: None,
        ws_fed: true,
    };
    let side = |issuer: &str| EntraSide {
        source: Some(EntraSource::Graph),
        signing: Some(Sha1([1; 20])),
        issuer_uri: Some(issuer.to_owned()),
        ..EntraSide::default()
    };
    let policy = Policy::default();
    let sides = [
        // Right: the IdP's entityID, and the SupportMultipleDomain form for its own name.
        (
            "contoso.com",
            side("http://fs.contoso.com/adfs/services/trust/"),
            false,
        ),
        (
            "sub.contoso.com",
            side("http://sub.contoso.com/adfs/services/trust/"),
            true,
        ),
        // Wrong: another domain's per-domain issuer, twice (so also shared).
        (
            "fabrikam.com",
            side("http://contoso.net/adfs/services/trust/"),
            true,
        ),
        (
            "tailspin.com",
            side("HTTP://CONTOSO.NET/adfs/services/trust"),
            false,
        ),
    ];
    let assessments: Vec<_> = sides
        .iter()
        .map(|(name, entra, _)| assessed(name, &facts, entra, &policy))
        .collect();
    let watched: Vec<Watched<'_>> = sides
        .iter()
        .zip(&assessments)
        .map(|((name, entra, multiple), a)| Watched {
            name,
            assessment: a,
            entra: Some(entra),
            entity_id: Some(&facts.entity_id),
            support_multiple_domain: *multiple,
            checklist: None,
            now: now(),
        })
        .collect();
    for ((name, _, _), a) in sides.iter().zip(&assessments) {
        assert_issuer_verdict(name, a);
    }
    let realm = explain::explain("AADSTS50107", &watched);
    assert_eq!(
        realm
            .domains
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["fabrikam.com", "tailspin.com"]
    );
    assert!(
        realm.domains[0]
            .why
            .contains("the IdP issues tokens as http://fabrikam.com/adfs/services/trust/"),
        "{}",
        realm.domains[0].why
    );
    let token = explain::explain("AADSTS50008", &watched);
    assert_eq!(
        token
            .domains
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["fabrikam.com", "tailspin.com"]
    );
    assert!(matches!(token.symptom, Symptom::Known { .. }));
}
