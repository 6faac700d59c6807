//! `fedcert check` and `fedcert discover --graph` end to end with Entra's side read through
//! Microsoft Graph: the real binary against the demo server, which serves the scenario metadata
//! and a stand-in for Entra's token endpoint and Graph (DOMAIN.md §3). The `[entra]` table is
//! written to the TOML file as an operator would, and the client secret reaches the binary only
//! through its environment (`Command::env`).
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use chrono::{DateTime, TimeDelta, Utc};
use fedcert::assess::SyncState;
use fedcert::config::DomainConfig;
use fedcert::demo::{
    CLIENT_ID, Demo, MANAGED_DOMAINS, SECRET_ENV, TENANT, UNWATCHED_DOMAINS, scenarios,
};
use serde_json::Value;

const NOW: &str = "2026-12-01T09:00:00Z";
/// A configured domain that the tenant has but does not federate: Graph answers 404.
const MANAGED: &str = "managed-demo.example";
/// A wrong client secret, distinctive enough to search for in every output.
const WRONG_SECRET: &str = "Wr0ng~Secret.value-0123456789abcdef";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

/// `[entra]` and the domains, as an operator would write them (no thumbprints).
fn config_toml(demo: &Demo, domains: &[DomainConfig]) -> String {
    let entra = demo.config.entra.as_ref().unwrap();
    let mut toml = String::from("[settings]\ntimeout = \"5s\"\n\n[entra]\n");
    writeln!(
        toml,
        "tenant_id = {:?}\nclient_id = {:?}\nclient_secret_env = {:?}\nauthority = {:?}\ngraph = {:?}",
        entra.tenant_id,
        entra.client_id,
        entra.client_secret_env.as_deref().unwrap(),
        entra.authority,
        entra.graph
    )
    .unwrap();
    for d in domains {
        assert_eq!(
            d.entra_signing_thumbprint, None,
            "Entra's side comes from Graph"
        );
        toml.push_str(&support::config_toml::domain(d));
    }
    toml
}

/// Which secret the binary finds in its environment.
#[derive(Clone, Copy)]
enum Secret<'a> {
    Demo,
    Given(&'a str),
    Unset,
}

struct Fixture {
    demo: Demo,
    dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
}

impl Fixture {
    /// The demo federation, every scenario plus the managed domain (pointing at Adatum's
    /// metadata, 24 days left, so its IdP side reads while Entra has no federation for it).
    fn start() -> Self {
        Self::with_domains(|domains| {
            let adatum = domains
                .iter()
                .find(|d| d.name.starts_with("adatum"))
                .unwrap();
            let mut all = domains.to_vec();
            all.push(DomainConfig::new(MANAGED, adatum.metadata_url.clone()));
            all
        })
    }

    fn with_domains(pick: impl FnOnce(&[DomainConfig]) -> Vec<DomainConfig>) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let demo = runtime.block_on(Demo::start(now())).unwrap();
        let domains = pick(&demo.config.domains);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config_toml(&demo, &domains)).unwrap();
        Self { demo, dir, runtime }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("fedcert.log")
    }

    /// `fedcert --config … --now NOW -vv --log-file … <args>` with `secret` in the environment.
    fn run(&self, secret: Secret<'_>, args: &[&str]) -> Output {
        let config = self.config();
        let log = self.log_file();
        let mut cmd = Command::cargo_bin("fedcert").unwrap();
        for proxy in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "http_proxy",
            "https_proxy",
            "ALL_PROXY",
        ] {
            cmd.env_remove(proxy);
        }
        // Everything fedcert and its HTTP stack log, so a leak would be caught in the log.
        cmd.env("RUST_LOG", "trace");
        cmd.env("FEDCERT_DATA_DIR", self.dir.path().join("data"));
        match secret {
            Secret::Demo => {
                cmd.env(SECRET_ENV, self.demo.client_secret());
            }
            Secret::Given(value) => {
                cmd.env(SECRET_ENV, value);
            }
            Secret::Unset => {
                cmd.env_remove(SECRET_ENV);
            }
        }
        cmd.args([
            "--config",
            config.to_str().unwrap(),
            "--now",
            NOW,
            "-vv",
            "--log-file",
            log.to_str().unwrap(),
        ])
        .args(args);
        let _guard = self.runtime.enter();
        cmd.output().unwrap()
    }

    fn check_json(&self, secret: Secret<'_>) -> (Output, Value) {
        let output = self.run(secret, &["check", "--json"]);
        let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output, report)
    }

    /// `needle` is in neither stdout, stderr nor the log file (which must have been written).
    fn assert_nowhere(&self, output: &Output, needle: &str) {
        let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        assert!(!log.is_empty(), "the log file was written");
        for (what, text) in [
            (
                "stdout",
                String::from_utf8_lossy(&output.stdout).into_owned(),
            ),
            (
                "stderr",
                String::from_utf8_lossy(&output.stderr).into_owned(),
            ),
            ("the log file", log),
        ] {
            assert!(!text.contains(needle), "the secret appears in {what}");
        }
    }
}

fn domain<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn rules(d: &Value) -> Vec<&str> {
    d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[test]
fn every_sync_state_and_update_status_comes_from_graph() {
    let fixture = Fixture::start();
    let (output, report) = fixture.check_json(Secret::Demo);
    assert_eq!(report["now"], NOW);
    for scenario in scenarios() {
        let d = domain(&report, scenario.domain);
        let entra = &d["entra"];
        assert_eq!(entra["source"], "graph", "{}: {d:#}", scenario.name);
        assert_eq!(entra["error"], Value::Null, "{}", scenario.name);
        assert_eq!(
            d["sync"],
            scenario.sync.as_str(),
            "{}: {d:#}",
            scenario.name
        );
        assert_eq!(
            d["severity"],
            scenario.expected.as_str(),
            "{}: {d:#}",
            scenario.name
        );
        assert!(
            rules(d).contains(&scenario.rule.id()),
            "{}: {} not in {:?}",
            scenario.name,
            scenario.rule,
            rules(d)
        );
        let update = scenario.update;
        assert_eq!(
            entra["update_result"].as_str(),
            update.map(|u| u.result),
            "{}",
            scenario.name
        );
        assert_eq!(
            entra["last_run"].as_str().map(str::to_owned),
            update.map(|u| timestamp(now() - TimeDelta::hours(u.hours_ago))),
            "{}",
            scenario.name
        );
    }

    // The rows of DESIGN.md §4, by name.
    let contoso = domain(&report, "contoso-demo.example");
    assert_eq!(contoso["sync"], "in_sync");
    assert_eq!(contoso["entra"]["update_result"], "success");
    assert_eq!(
        contoso["entra"]["signing"], contoso["primary"]["sha1"],
        "Graph's signingCertificate is the certificate that signed the metadata"
    );
    let fabrikam = domain(&report, "fabrikam-demo.example");
    assert_eq!(fabrikam["sync"], "in_sync");
    assert_eq!(
        fabrikam["entra"]["next_signing"],
        fabrikam["successor"]["sha1"]
    );
    let northwind = domain(&report, "northwind-demo.example");
    assert_eq!(northwind["sync"], "pending");
    assert_eq!(
        northwind["entra"]["update_result"],
        "couldNotAccessRemoteHost"
    );
    assert_eq!(northwind["entra"]["last_run"], "2026-12-01T04:00:00Z");
    assert!(rules(northwind).contains(&"E1"), "{:?}", rules(northwind));
    let woodgrove = domain(&report, "woodgrove-demo.example");
    assert_eq!(woodgrove["sync"], "broken");
    assert_ne!(woodgrove["entra"]["signing"], woodgrove["primary"]["sha1"]);

    // Graph's 404: the Entra side's error, sync unknown, the IdP side read all the same.
    let managed = domain(&report, MANAGED);
    assert_eq!(managed["sync"], "unknown");
    assert_eq!(managed["entra"]["source"], Value::Null);
    let error = managed["entra"]["error"].as_str().unwrap();
    assert!(
        error.contains("no federation configuration for managed-demo.example"),
        "{error}"
    );
    assert_eq!(managed["metadata"]["error"], Value::Null);
    assert!(managed["primary"]["sha1"].is_string());
    assert!(rules(managed).contains(&"R10"), "{:?}", rules(managed));

    let states: BTreeSet<&str> = report["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["sync"].as_str().unwrap())
        .collect();
    let every: BTreeSet<&str> = [
        SyncState::InSync,
        SyncState::Pending,
        SyncState::Broken,
        SyncState::Unknown,
    ]
    .into_iter()
    .map(SyncState::as_str)
    .collect();
    assert_eq!(states, every);
    assert_eq!(report["worst"], "critical");
    assert_eq!(output.status.code(), Some(2));
    fixture.assert_nowhere(&output, fixture.demo.client_secret());
}

#[test]
fn a_wrong_secret_is_every_domains_entra_error_while_the_idp_side_reads() {
    let fixture = Fixture::start();
    let (output, report) = fixture.check_json(Secret::Given(WRONG_SECRET));
    for d in report["domains"].as_array().unwrap() {
        let name = d["name"].as_str().unwrap();
        let error = d["entra"]["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {d:#}"));
        assert!(error.contains("AADSTS7000215"), "{name}: {error}");
        assert!(error.contains(&format!("${SECRET_ENV}")), "{name}: {error}");
        assert_eq!(d["entra"]["source"], Value::Null, "{name}");
        assert_eq!(d["sync"], "unknown", "{name}");
    }
    for name in ["contoso-demo.example", "northwind-demo.example", MANAGED] {
        let d = domain(&report, name);
        assert_eq!(d["metadata"]["error"], Value::Null, "{name}");
        assert!(d["primary"]["sha1"].is_string(), "{name}");
    }
    fixture.assert_nowhere(&output, WRONG_SECRET);

    // The text report says it too, on each domain's line, and still shows no secret; the
    // tenant's line says its domains could not be read (no finding, no all-clear).
    let text = fixture.run(Secret::Given(WRONG_SECRET), &["check"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert_eq!(stdout.lines().count(), scenarios().len() + 2, "{stdout}");
    let tenant = stdout.lines().last().unwrap();
    assert!(
        tenant.starts_with("INFO    tenant fedcertdemo.onmicrosoft.example: its federated domains could not be read"),
        "{tenant}"
    );
    fixture.assert_nowhere(&text, WRONG_SECRET);
}

#[test]
fn an_unset_secret_variable_is_named_in_every_domains_entra_error() {
    let fixture = Fixture::start();
    let (_, report) = fixture.check_json(Secret::Unset);
    for d in report["domains"].as_array().unwrap() {
        let error = d["entra"]["error"].as_str().unwrap();
        assert!(
            error.contains(SECRET_ENV) && error.contains("not set"),
            "{}: {error}",
            d["name"]
        );
    }
}

#[test]
fn the_secret_never_appears_in_the_text_report_or_the_log() {
    let fixture = Fixture::start();
    for args in [
        &["check"][..],
        &["check", "--json"],
        &["discover", "--graph"],
    ] {
        let output = fixture.run(Secret::Demo, args);
        assert!(output.status.code().is_some(), "{args:?}");
        fixture.assert_nowhere(&output, fixture.demo.client_secret());
    }
}

#[test]
fn discover_graph_lists_the_demo_tenants_federated_domains() {
    let fixture = Fixture::start();
    let output = fixture.run(Secret::Demo, &["discover", "--graph", "--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["tenant"], TENANT);
    let rows = report["domains"].as_array().unwrap();
    let listed: Vec<&str> = rows.iter().map(|r| r["domain"].as_str().unwrap()).collect();
    let expected: Vec<&str> = scenarios()
        .iter()
        .map(|s| s.domain)
        .chain(UNWATCHED_DOMAINS)
        .collect();
    assert_eq!(listed, expected, "every federated domain, over two pages");
    for managed in MANAGED_DOMAINS {
        assert!(
            !listed.contains(&managed),
            "{managed} is managed, not federated"
        );
    }
    for row in rows {
        let watched = !UNWATCHED_DOMAINS.contains(&row["domain"].as_str().unwrap());
        assert_eq!(row["in_config"], watched, "{row:#}");
        assert_eq!(row["error"], Value::Null, "{row:#}");
        assert_eq!(row["namespace_type"], "Federated", "{row:#}");
    }
    let row = |name: &str| rows.iter().find(|r| r["domain"] == name).unwrap();
    let contoso = row("contoso-demo.example");
    assert_eq!(
        contoso["metadata_url"],
        "https://fs.contoso-demo.example/federationmetadata/2007-06/federationmetadata.xml"
    );
    assert_eq!(contoso["support_multiple_domain"], false);
    assert_eq!(
        contoso["issuer_uri"],
        "http://fs.contoso-demo.example/adfs/services/trust"
    );
    assert_eq!(contoso["federation_id"].as_str().unwrap().len(), 36);
    assert_eq!(
        row("fabrikam-demo.example")["support_multiple_domain"],
        true,
        "issuerUri http://fabrikam-demo.example/adfs/services/trust/"
    );
    let okta = row("relecloud-demo.example");
    assert_eq!(
        okta["metadata_url"],
        Value::Null,
        "not AD FS: no derivable URL"
    );
    assert!(
        okta["issuer_uri"]
            .as_str()
            .unwrap()
            .starts_with("http://www.okta.com/exk")
    );

    let text = fixture.run(Secret::Demo, &["discover", "--graph"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.starts_with(&format!("federated domains of tenant {TENANT}:")),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().count(),
        scenarios().len() + UNWATCHED_DOMAINS.len() + 1,
        "{stdout}"
    );
    assert!(stdout.contains("in config"), "{stdout}");
}

#[test]
fn discover_graph_add_appends_the_missing_domains_and_the_config_stays_valid() {
    let fixture = Fixture::with_domains(|domains| vec![domains[0].clone()]);
    let output = fixture.run(Secret::Demo, &["discover", "--graph", "--add"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("contoso-demo.example"),
        "already in the config: {stderr}"
    );
    assert!(
        stderr.contains("fabrikam-demo.example: added to"),
        "{stderr}"
    );
    assert!(
        stderr.contains("relecloud-demo.example: added commented out"),
        "{stderr}"
    );
    let config = std::fs::read_to_string(fixture.config()).unwrap();
    assert!(
        config.contains("name = \"fabrikam-demo.example\"\nmetadata_url = \"https://fs.fabrikam-demo.example/federationmetadata/2007-06/federationmetadata.xml\""),
        "{config}"
    );
    assert!(
        config.contains("support_multiple_domain = true"),
        "{config}"
    );
    let check = fixture.run(Secret::Demo, &["config", "check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn discover_graph_with_a_wrong_secret_fails_with_the_aadsts_code() {
    let fixture = Fixture::start();
    let output = fixture.run(Secret::Given(WRONG_SECRET), &["discover", "--graph"]);
    assert_eq!(output.status.code(), Some(69), "unreachable source");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("AADSTS7000215"), "{stderr}");
    assert!(
        stderr.contains(CLIENT_ID) || stderr.contains(SECRET_ENV),
        "{stderr}"
    );
    fixture.assert_nowhere(&output, WRONG_SECRET);
}
