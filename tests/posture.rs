//! The federation security posture end to end (DESIGN.md §6.5, issue 20): the real binary's
//! `check` against a loopback stand-in for the IdP's metadata, Entra's token endpoint and
//! Microsoft Graph (`federationConfiguration`, `GET /domains`, `auditLogs/directoryAudits`),
//! whose answers each test sets — and changes between runs, so that the certificate history in
//! the data dir is built the way it is in production: by one run after another.
#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use fedcert::cert::Sha1;
use serde_json::{Value, json};
use support::{Behaviour, Reply, Request, Server};

const NOW: &str = "2026-12-01T09:00:00Z";
const DOMAIN: &str = "contoso.test";
const ENTITY_ID: &str = "http://fs.contoso.test/adfs/services/trust";
const TENANT: &str = "contoso.onmicrosoft.test";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
const SECRET_ENV: &str = "FEDCERT_TEST_CLIENT_SECRET";
const SECRET: &str = "posture~test.secret";
const TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.posture-test.sig";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

// --- Certificates --------------------------------------------------------------------------

/// A self-signed certificate (EC P-256: rcgen on ring makes no RSA keys) as DER.
#[derive(Clone)]
struct Cert {
    der: Vec<u8>,
}

impl Cert {
    fn new(common_name: &str, not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.not_before = offset(not_before);
        params.not_after = offset(not_after);
        Self {
            der: params.self_signed(&key).unwrap().der().to_vec(),
        }
    }

    /// AD FS's own name for its token-signing certificates.
    fn adfs(not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> Self {
        Self::new("ADFS Signing - fs.contoso.test", not_before, not_after)
    }

    fn sha1(&self) -> String {
        Sha1::of(&self.der).to_string()
    }

    fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }
}

fn offset(t: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap()
}

/// AD FS-shaped metadata publishing these signing certificates (unsigned: the primary is the
/// valid one that expires first).
fn metadata(signing: &[&Cert]) -> String {
    let mut keys = String::new();
    for c in signing {
        let _ = write!(
            keys,
            r#"<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"#,
            c.base64()
        );
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor ID="_1" entityID="{ENTITY_ID}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
 <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://fs.contoso.test/adfs/ls/"/></IDPSSODescriptor>
</EntityDescriptor>"#
    )
}

// --- The stand-in ------------------------------------------------------------------------------

/// What the stand-in answers; the tests change it between runs.
#[derive(Clone)]
struct Tenant {
    metadata: String,
    signing: Option<Cert>,
    next: Option<Cert>,
    issuer: String,
    mfa: &'static str,
    /// `(id, authenticationType)` of `GET /domains`; `Err(status)` to refuse it.
    domains: Result<Vec<(&'static str, &'static str)>, u16>,
    /// The audit log's events; `Err(status)` to refuse it.
    audits: Result<Vec<Value>, u16>,
}

impl Tenant {
    fn new(metadata: String, signing: &Cert, next: Option<&Cert>) -> Self {
        Self {
            metadata,
            signing: Some(signing.clone()),
            next: next.cloned(),
            issuer: ENTITY_ID.to_owned(),
            mfa: "acceptIfMfaDoneByFederatedIdp",
            domains: Ok(vec![(DOMAIN, "Federated"), (TENANT, "Managed")]),
            audits: Ok(Vec::new()),
        }
    }
}

/// An audit event as Graph's `directoryAudit`.
fn audit(activity: &str, at: DateTime<Utc>, upn: &str, domain: &str) -> Value {
    json!({
        "id": format!("Directory_{}", at.timestamp()),
        "category": "DirectoryManagement",
        "activityDisplayName": activity,
        // Graph's seven fractional digits.
        "activityDateTime": format!("{}.{:07}Z", at.format("%Y-%m-%dT%H:%M:%S"), at.timestamp_subsec_nanos() / 100),
        "loggedByService": "Core Directory",
        "result": "success",
        "initiatedBy": { "user": { "userPrincipalName": upn, "displayName": null }, "app": null },
        "targetResources": [ { "displayName": domain, "type": "Other" } ],
    })
}

fn reply(status: u16, body: &Value) -> Behaviour {
    let reason = if status == 200 { "OK" } else { "Error" };
    // Closed after each answer: the token request's body is never read by the stand-in.
    Reply {
        body: body.to_string().into_bytes(),
        ..Reply::status(status, reason)
    }
    .header("Content-Type", "application/json")
    .header("Connection", "close")
    .into()
}

fn graph_error(status: u16, code: &str) -> Behaviour {
    reply(
        status,
        &json!({ "error": { "code": code, "message": format!("{code} (stand-in)") } }),
    )
}

/// A query parameter, decoded as Graph decodes it.
fn query_param(request: &Request, name: &str) -> Option<String> {
    let query = request.path.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `GET /v1.0/auditLogs/directoryAudits`: the filter fedcert sends, parsed as Graph reads it;
/// anything else is refused as Graph refuses a filter it does not support.
fn directory_audits(request: &Request, events: &[Value]) -> Behaviour {
    let filter = query_param(request, "$filter").unwrap_or_default();
    let parsed = filter
        .strip_prefix("activityDisplayName eq '")
        .and_then(|rest| rest.split_once("' and activityDateTime ge "))
        .and_then(|(activity, since)| Some((activity, since.parse::<DateTime<Utc>>().ok()?)));
    let Some((activity, since)) = parsed else {
        return graph_error(400, "Request_UnsupportedQuery");
    };
    let value: Vec<&Value> = events
        .iter()
        .filter(|e| {
            e["activityDisplayName"] == activity
                && e["activityDateTime"]
                    .as_str()
                    .unwrap()
                    .parse::<DateTime<Utc>>()
                    .unwrap()
                    >= since
        })
        .collect();
    reply(200, &json!({ "value": value }))
}

fn answer(tenant: &Tenant, request: &Request) -> Behaviour {
    let path = request.path.split('?').next().unwrap_or_default();
    if path == "/md.xml" {
        return Reply::ok(tenant.metadata.clone())
            .header("Content-Type", "application/xml")
            .into();
    }
    if path == format!("/{TENANT}/oauth2/v2.0/token") {
        return reply(
            200,
            &json!({ "token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN }),
        );
    }
    if request.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return graph_error(401, "InvalidAuthenticationToken");
    }
    match path {
        "/v1.0/domains" => match &tenant.domains {
            Ok(domains) => reply(
                200,
                &json!({ "value": domains.iter().map(|(id, kind)| json!({ "id": id, "authenticationType": kind, "isVerified": true })).collect::<Vec<_>>() }),
            ),
            Err(status) => graph_error(*status, "Authorization_RequestDenied"),
        },
        "/v1.0/auditLogs/directoryAudits" => match &tenant.audits {
            Ok(events) => directory_audits(request, events),
            Err(status) => graph_error(*status, "Authorization_RequestDenied"),
        },
        p if p == format!("/v1.0/domains/{DOMAIN}/federationConfiguration") => reply(
            200,
            &json!({ "value": [ {
                "id": "6601d14b-d113-8f64-fda2-9b5ddda18ecc",
                "displayName": "Contoso",
                "issuerUri": tenant.issuer,
                "passiveSignInUri": "https://fs.contoso.test/adfs/ls",
                "signingCertificate": tenant.signing.as_ref().map(Cert::base64),
                "nextSigningCertificate": tenant.next.as_ref().map(Cert::base64),
                "federatedIdpMfaBehavior": tenant.mfa,
                "signingCertificateUpdateStatus": { "certificateUpdateResult": "success", "lastRunDateTime": "2026-12-01T03:00:00Z" },
            } ] }),
        ),
        _ => graph_error(404, "Request_ResourceNotFound"),
    }
}

/// The stand-in, a config pointing at it, and a data dir that lasts across runs.
struct Fixture {
    tenant: Arc<Mutex<Tenant>>,
    _server: Server,
    requests: Arc<Mutex<Vec<Request>>>,
    dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl Fixture {
    fn start(tenant: Tenant) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let tenant = Arc::new(Mutex::new(tenant));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (shared, log) = (Arc::clone(&tenant), Arc::clone(&requests));
        let server = runtime.block_on(Server::http(move |request| {
            log.lock().unwrap().push(request.clone());
            answer(&shared.lock().unwrap(), request)
        }));
        let dir = tempfile::tempdir().unwrap();
        let base = server.url("");
        let config = format!(
            "[settings]\ntimeout = \"5s\"\n\n[entra]\ntenant_id = {TENANT:?}\nclient_id = {CLIENT_ID:?}\nclient_secret_env = {SECRET_ENV:?}\nauthority = {base:?}\ngraph = {base:?}\n\n[[domain]]\nname = {DOMAIN:?}\nmetadata_url = {:?}\nauto_rollover = true\n",
            server.url("/md.xml")
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Self {
            tenant,
            _server: server,
            requests,
            dir,
            _runtime: runtime,
        }
    }

    fn change(&self, change: impl FnOnce(&mut Tenant)) {
        change(&mut self.tenant.lock().unwrap());
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn history_file(&self) -> PathBuf {
        self.data().join("history").join(format!("{DOMAIN}.json"))
    }

    /// `fedcert check <args>` as of `at`.
    fn run(&self, at: DateTime<Utc>, args: &[&str]) -> std::process::Output {
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
        cmd.env("FEDCERT_DATA_DIR", self.data())
            .env(SECRET_ENV, SECRET)
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(["--now", &at.to_rfc3339(), "check"])
            .args(args)
            .output()
            .unwrap()
    }

    /// `check --json` as of `at`: the exit code and the report.
    fn check(&self, at: DateTime<Utc>) -> (i32, Value) {
        let output = self.run(at, &["--json"]);
        let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output.status.code().unwrap(), report)
    }

    fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.starts_with(path))
            .cloned()
            .collect()
    }
}

fn domain(report: &Value) -> &Value {
    &report["domains"][0]
}

/// `(rule, severity)` of every finding of the domain.
fn findings(report: &Value) -> Vec<(String, String)> {
    domain(report)["findings"]
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

fn finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    domain(report)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {:#}", domain(report)["findings"]))
}

fn has(report: &Value, rule: &str) -> bool {
    findings(report).iter().any(|(r, _)| r == rule)
}

/// The primary of the tests: AD FS's own, in sync, 200 days left.
fn primary() -> Cert {
    Cert::adfs(now() - days(165), now() + days(200))
}

// --- B1: never published ------------------------------------------------------------------------

#[test]
fn a_certificate_the_idp_never_published_in_the_next_slot_of_an_in_sync_domain_is_critical() {
    let p = primary();
    let rogue = Cert::new("any.sts", now() - days(1), now() + days(3650));
    let fixture = Fixture::start(Tenant::new(metadata(&[&p]), &p, Some(&rogue)));
    let (code, report) = fixture.check(now());
    let d = domain(&report);
    assert_eq!(code, 2, "{d:#}");
    assert_eq!(d["sync"], "in_sync", "the primary is in sync");
    assert_eq!(d["severity"], "critical");
    let b1 = finding(&report, "B1");
    assert_eq!(b1["severity"], "critical");
    assert!(
        b1["message"]
            .as_str()
            .unwrap()
            .starts_with("Entra trusts a certificate your IdP never published"),
        "{b1:#}"
    );
    assert!(b1["message"].as_str().unwrap().contains(&rogue.sha1()[..8]));
    // The incident runbook: rotate twice ([EMERG]), then rewrite both of Entra's slots.
    assert_eq!(d["mode"], "outage");
    assert_eq!(b1["step"]["id"], "update-entra");
    let list = Command::cargo_bin("fedcert")
        .unwrap()
        .env("FEDCERT_DATA_DIR", fixture.data())
        .env(SECRET_ENV, SECRET)
        .arg("--config")
        .arg(fixture.dir.path().join("config.toml"))
        .args(["--now", NOW, "checklist", DOMAIN, "--format", "json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let ids: Vec<&str> = list["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        &ids[..3],
        ["urgent-rollover", "generate", "update-entra"],
        "{ids:?}"
    );
    assert!(ids.contains(&"remove-old-certificate") && ids.contains(&"review-changes"));
    // No all-clear beside it: "no action needed" would contradict it.
    assert!(!has(&report, "S1"), "{:?}", findings(&report));
    // The history holds what the IdP published, not what Entra holds.
    let history: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["sha1"].as_str().unwrap())
        .collect();
    assert_eq!(history, [p.sha1()]);
}

/// The boundary of the first run: a certificate already in Entra when fedcert first looks, named
/// like the IdP's and older than its primary, is presumably the previous primary (B2), not a
/// backdoor; one that appears in Entra later, while fedcert watches, is B1 whatever it is named.
#[test]
fn on_the_first_run_the_previous_primary_is_stale_but_one_appearing_later_is_never_published() {
    let p = primary();
    let previous = Cert::adfs(now() - days(530), now() - days(165));
    let fixture = Fixture::start(Tenant::new(metadata(&[&p]), &p, Some(&previous)));
    let (code, report) = fixture.check(now());
    assert_eq!(code, 1, "{:?}", findings(&report));
    assert!(!has(&report, "B1"), "{:?}", findings(&report));
    let b2 = finding(&report, "B2");
    assert_eq!(b2["severity"], "warning");
    assert!(
        b2["message"].as_str().unwrap().contains("presumably"),
        "{b2:#}"
    );

    // An hour later a certificate with the IdP's very name and older dates takes the slot:
    // fedcert saw Entra without it, so it cannot be the IdP's previous one.
    let mimic = Cert::adfs(now() - days(500), now() - days(100));
    fixture.change(|t| t.next = Some(mimic.clone()));
    let later = now() + TimeDelta::hours(1);
    let (code, report) = fixture.check(later);
    assert_eq!(code, 2, "{:?}", findings(&report));
    let b1 = finding(&report, "B1");
    assert!(
        b1["message"]
            .as_str()
            .unwrap()
            .contains("fedcert saw it appear there at 2026-12-01 10:00 UTC"),
        "{b1:#}"
    );
}

// --- B2: retired, by two runs over changing metadata -------------------------------------------

#[test]
fn a_certificate_the_idp_retired_is_stale_once_the_history_has_seen_it_published() {
    // First run: a rollover window. The old certificate (its own name, so nothing but the
    // history vouches for it) is primary, the new one its successor, both in Entra.
    let old = Cert::new("Contoso Signing 2025", now() - days(355), now() + days(10));
    let new = Cert::adfs(now() - days(5), now() + days(360));
    let fixture = Fixture::start(Tenant::new(metadata(&[&old, &new]), &old, Some(&new)));
    let (code, report) = fixture.check(now());
    assert_eq!(code, 0, "{:?}", findings(&report));
    let first: Vec<String> = domain(&report)["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["sha1"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(first.len(), 2);

    // Twenty days on the IdP publishes only the new certificate; Entra still holds the old one.
    let later = now() + days(20);
    fixture.change(|t| {
        t.metadata = metadata(&[&new]);
        t.signing = Some(new.clone());
        t.next = Some(old.clone());
    });
    let (code, report) = fixture.check(later);
    assert_eq!(code, 1, "{:?}", findings(&report));
    assert!(!has(&report, "B1"));
    let b2 = finding(&report, "B2");
    let message = b2["message"].as_str().unwrap();
    assert!(
        message.contains("which the IdP published until 2026-12-01 09:00 UTC and has retired"),
        "{message}"
    );
    // The history says when: first and last seen, across the two runs (a restart between).
    let history = domain(&report)["history"].as_array().unwrap();
    let seen = |sha1: &str| history.iter().find(|h| h["sha1"] == sha1).unwrap();
    assert_eq!(seen(&old.sha1())["last_seen"], NOW);
    assert_eq!(seen(&new.sha1())["first_seen"], NOW);
    assert_eq!(seen(&new.sha1())["last_seen"], "2026-12-21T09:00:00Z");

    // Without the history (a fresh data dir) the same Entra side is a certificate the IdP
    // never published: the history is what tells the two apart.
    std::fs::remove_dir_all(fixture.data()).unwrap();
    let (code, report) = fixture.check(later);
    assert_eq!(code, 2, "{:?}", findings(&report));
    assert!(has(&report, "B1"));
}

// --- B3, mfa ------------------------------------------------------------------------------------

#[test]
fn the_issuer_and_mfa_behaviour_are_reported_and_an_issuer_elsewhere_warns() {
    let p = primary();
    let fixture = Fixture::start(Tenant::new(metadata(&[&p]), &p, None));
    fixture.change(|t| t.mfa = "rejectMfaByFederatedIdp");
    let (code, report) = fixture.check(now());
    let entra = &domain(&report)["entra"];
    assert_eq!(entra["issuer_uri"], ENTITY_ID);
    assert_eq!(entra["mfa_behavior"], "rejectMfaByFederatedIdp");
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert!(!has(&report, "B3"));

    for (issuer, backdoor) in [
        ("http://sts.evil.example/adfs/services/trust", false),
        ("http://any.sts/B231A11F", true),
    ] {
        fixture.change(|t| t.issuer = issuer.to_owned());
        let (code, report) = fixture.check(now());
        assert_eq!(code, 1, "{issuer}: {:?}", findings(&report));
        let b3 = finding(&report, "B3");
        assert_eq!(b3["severity"], "warning");
        assert_eq!(
            b3["title"],
            if backdoor {
                "issuerUri: backdoor pattern"
            } else {
                "issuerUri names another host"
            }
        );
        assert!(b3["message"].as_str().unwrap().contains(issuer));
        assert_eq!(domain(&report)["entra"]["issuer_uri"], issuer);
    }
}

// --- B4: the audit log -------------------------------------------------------------------------

#[test]
fn a_change_in_the_last_24_hours_warns_naming_who_and_when_and_older_ones_are_listed() {
    let p = primary();
    let mut tenant = Tenant::new(metadata(&[&p]), &p, None);
    let recent = now() - TimeDelta::hours(3);
    let older = now() - days(5);
    tenant.audits = Ok(vec![
        audit(
            "Set federation settings on domain",
            recent,
            "mallory@contoso.test",
            DOMAIN,
        ),
        audit(
            "Set domain authentication",
            older,
            "alice@contoso.test",
            DOMAIN,
        ),
        audit(
            "Set federation settings on domain",
            now() - TimeDelta::hours(1),
            "bob@contoso.test",
            "fabrikam.test",
        ),
        // Older than the 30 days fedcert asks for: the stand-in leaves it out as Graph would.
        audit(
            "Set federation settings on domain",
            now() - days(40),
            "carol@contoso.test",
            DOMAIN,
        ),
    ]);
    let fixture = Fixture::start(tenant);
    let (code, report) = fixture.check(now());
    assert_eq!(code, 1, "{:?}", findings(&report));
    let entra = &domain(&report)["entra"];
    assert_eq!(entra["changes_read"], "read");
    assert_eq!(
        entra["changes"],
        json!([
            { "at": "2026-12-01T06:00:00Z", "activity": "Set federation settings on domain", "actor": "mallory@contoso.test" },
            { "at": "2026-11-26T09:00:00Z", "activity": "Set domain authentication", "actor": "alice@contoso.test" },
        ])
    );
    let b4 = finding(&report, "B4");
    assert_eq!(b4["severity"], "warning");
    assert_eq!(b4["step"]["id"], "review-changes");
    let message = b4["message"].as_str().unwrap();
    assert!(
        message.contains("changed 3 hours ago (2026-12-01 06:00 UTC): Set federation settings on domain by mallory@contoso.test"),
        "{message}"
    );
    // The filter fedcert sent is the one Graph documents (the stand-in refuses any other).
    let queries: Vec<String> = fixture
        .requests_to("/v1.0/auditLogs/directoryAudits")
        .iter()
        .filter_map(|r| query_param(r, "$filter"))
        .collect();
    assert!(
        queries.contains(
            &"activityDisplayName eq 'Set federation settings on domain' and activityDateTime ge 2026-11-01T09:00:00Z"
                .to_owned()
        ),
        "{queries:?}"
    );

    // A day after it the change is history: listed, no longer a finding.
    let (code, report) = fixture.check(recent + TimeDelta::hours(23));
    assert_eq!(code, 1, "still inside 24 hours: {:?}", findings(&report));
    let (code, report) = fixture.check(recent + TimeDelta::hours(24));
    assert_eq!(code, 0, "24 hours on: {:?}", findings(&report));
    assert!(!has(&report, "B4"));
    assert_eq!(
        domain(&report)["entra"]["changes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn without_audit_log_read_all_the_changes_are_not_permitted_not_an_error() {
    let p = primary();
    let mut tenant = Tenant::new(metadata(&[&p]), &p, None);
    tenant.audits = Err(403);
    let fixture = Fixture::start(tenant);
    let (code, report) = fixture.check(now());
    assert_eq!(code, 0, "{:?}", findings(&report));
    let d = domain(&report);
    assert_eq!(d["severity"], "ok");
    assert_eq!(d["entra"]["error"], Value::Null, "not the domain's error");
    assert_eq!(d["metadata"]["error"], Value::Null);
    assert_eq!(d["entra"]["changes_read"], "not_permitted");
    assert_eq!(d["entra"]["changes"], json!([]));
    let note = d["entra"]["changes_note"].as_str().unwrap();
    assert!(
        note.starts_with("not permitted") && note.contains("AuditLog.Read.All"),
        "{note}"
    );
    let tenant = &report["tenants"][0];
    assert_eq!(tenant["not_permitted"], json!(["AuditLog.Read.All"]));
    assert_eq!(tenant["error"], Value::Null);
    // The text report says it once, on the tenant's line.
    let text = fixture.run(now(), &[]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    let line = stdout.lines().last().unwrap();
    assert!(
        line.starts_with("OK      tenant contoso.onmicrosoft.test: every federated domain of the tenant is watched · audit log: not permitted"),
        "{stdout}"
    );
}

// --- U1: unwatched federated domains -----------------------------------------------------------

#[test]
fn a_federated_domain_no_domain_watches_is_a_tenant_warning() {
    let p = primary();
    let mut tenant = Tenant::new(metadata(&[&p]), &p, None);
    tenant.domains = Ok(vec![
        (DOMAIN, "Federated"),
        ("backdoor.contoso.test", "Federated"),
        (TENANT, "Managed"),
    ]);
    let fixture = Fixture::start(tenant);
    let (code, report) = fixture.check(now());
    assert_eq!(
        domain(&report)["severity"],
        "ok",
        "the domain itself is fine"
    );
    assert_eq!(code, 1, "the worst verdict is raised to WARNING");
    assert_eq!(report["worst"], "warning");
    let tenant = &report["tenants"][0];
    // `[entra]` without a name: named by its tenant_id, as its domains name their tenant.
    assert_eq!(tenant["name"], TENANT);
    assert_eq!(tenant["name"], domain(&report)["tenant"]);
    assert_eq!(
        tenant["unwatched_domains"],
        json!(["backdoor.contoso.test"])
    );
    assert_eq!(tenant["error"], Value::Null);
    assert_eq!(tenant["severity"], "warning");
    let text = fixture.run(now(), &[]);
    assert_eq!(text.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.lines().last().unwrap().starts_with(
            "WARN    tenant contoso.onmicrosoft.test: 1 federated domain of the tenant is not watched: backdoor.contoso.test"
        ),
        "{stdout}"
    );
    let prometheus = fixture.run(now(), &["--format", "prometheus"]);
    let metrics = String::from_utf8_lossy(&prometheus.stdout);
    assert!(
        metrics.contains(
            "fedcert_tenant_unwatched_federated_domain{tenant=\"contoso.onmicrosoft.test\",domain=\"backdoor.contoso.test\"} 1"
        ),
        "{metrics}"
    );

    // Without Domain.Read.All the list is not permitted: said, no finding, nothing raised.
    fixture.change(|t| t.domains = Err(403));
    let (code, report) = fixture.check(now());
    assert_eq!(code, 0);
    let tenant = &report["tenants"][0];
    assert_eq!(tenant["unwatched_domains"], json!([]));
    assert_eq!(tenant["not_permitted"], json!(["Domain.Read.All"]));
    assert_eq!(tenant["error"], Value::Null);
    assert_eq!(domain(&report)["entra"]["error"], Value::Null);
}

// --- The history file -------------------------------------------------------------------------

#[test]
fn a_corrupt_history_is_moved_aside_with_a_warning_and_a_new_one_begins() {
    let p = primary();
    let fixture = Fixture::start(Tenant::new(metadata(&[&p]), &p, None));
    let history = fixture.history_file();
    std::fs::create_dir_all(history.parent().unwrap()).unwrap();
    std::fs::write(&history, b"{\"format\": 1, \"domain\": \"contoso.te").unwrap();
    let output = fixture.run(now(), &["--json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("contoso.test: the certificate history is not used:")
            && stderr.contains("was corrupt")
            && stderr.contains("moved it aside to"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let error = domain(&report)["history_error"].as_str().unwrap();
    assert!(error.contains("was corrupt"), "{error}");
    let aside: Vec<String> = std::fs::read_dir(history.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "moved aside, not deleted");
    let moved = std::fs::read(history.parent().unwrap().join(&aside[0])).unwrap();
    assert_eq!(
        moved, b"{\"format\": 1, \"domain\": \"contoso.te",
        "kept whole"
    );
    // This run's sightings start the new file.
    let saved: Value = serde_json::from_slice(&std::fs::read(&history).unwrap()).unwrap();
    assert!(saved["published"][p.sha1()].is_object(), "{saved:#}");
    let (_, report) = fixture.check(now());
    assert_eq!(domain(&report)["history_error"], Value::Null);
}

/// The data dir keeps only what was published: a domain that never read its metadata leaves
/// no history (and no file).
#[test]
fn nothing_read_nothing_recorded() {
    let p = primary();
    let fixture = Fixture::start(Tenant::new(metadata(&[&p]), &p, None));
    fixture.change(|t| t.metadata = "<html>sign in</html>".to_owned());
    let (_, report) = fixture.check(now());
    assert_eq!(domain(&report)["history"], json!([]));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(fixture.history_file()).unwrap()).unwrap();
    assert_eq!(saved["published"], json!({}), "{saved:#}");
    assert!(
        saved["trusted"][p.sha1()].is_object(),
        "Entra was read: {saved:#}"
    );
}

/// A document whose XML signature does not verify (X2) vouches for nothing: what it publishes
/// is not added to the history, so a rogue certificate slipped into an altered copy is never
/// taken for one the IdP published (and later retired, B2) rather than never published (B1).
#[test]
fn a_document_whose_signature_does_not_verify_adds_nothing_to_the_history() {
    let fixture_doc = |name: &str| {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/signature")
                .join(name),
        )
        .unwrap()
    };
    let p = primary();
    let fixture = Fixture::start(Tenant::new(metadata(&[&p]), &p, None));
    // Changed after signing: the digest no longer matches.
    fixture.change(|t| t.metadata = fixture_doc("certificate_swapped.xml"));
    let (_, report) = fixture.check(now());
    let d = domain(&report);
    assert_eq!(d["metadata"]["signature"], "invalid", "{d:#}");
    assert!(has(&report, "X2"), "{:?}", findings(&report));
    assert!(
        d["primary"]["sha1"].is_string(),
        "the facts were read: {d:#}"
    );
    assert_eq!(d["history"], json!([]));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(fixture.history_file()).unwrap()).unwrap();
    assert_eq!(saved["published"], json!({}), "{saved:#}");

    // The same IdP's document as signed: its certificates are history.
    fixture.change(|t| t.metadata = fixture_doc("adfs_exc_rsa_sha256.xml"));
    let (_, report) = fixture.check(now());
    let d = domain(&report);
    assert_ne!(d["metadata"]["signature"], "invalid", "{d:#}");
    assert!(
        d["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["sha1"] == d["primary"]["sha1"]),
        "{d:#}"
    );
}

// --- Info ---------------------------------------------------------------------------------------

/// Hygiene is `info`: in the JSON, the text and the exposition, and never in the verdict, the
/// exit code or `fedcert_domain_status`.
#[test]
fn an_info_finding_is_reported_everywhere_and_changes_no_verdict() {
    // Valid ten years (H3); otherwise the healthy, in-sync domain of the other tests.
    let p = Cert::adfs(now() - days(165), now() + days(3485));
    let fixture = Fixture::start(Tenant::new(metadata(&[&p]), &p, None));
    let (code, report) = fixture.check(now());
    assert_eq!(code, 0);
    assert_eq!(report["worst"], "ok");
    assert_eq!(domain(&report)["severity"], "ok");
    assert_eq!(
        findings(&report),
        [
            ("S1".to_owned(), "ok".to_owned()),
            ("H3".to_owned(), "info".to_owned())
        ],
        "the all-clear first, the info after it"
    );
    let h3 = finding(&report, "H3");
    assert_eq!(h3["step"], Value::Null, "nothing to do now");
    assert!(
        h3["message"]
            .as_str()
            .unwrap()
            .contains("more than three years"),
        "{h3:#}"
    );
    let text = fixture.run(now(), &[]);
    assert_eq!(text.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.starts_with("OK      contoso.test"), "{stdout}");
    let prometheus = fixture.run(now(), &["--format", "prometheus"]);
    assert_eq!(prometheus.status.code(), Some(0));
    let metrics = String::from_utf8_lossy(&prometheus.stdout);
    for sample in [
        "fedcert_domain_status{domain=\"contoso.test\"} 0",
        "fedcert_domain_finding{domain=\"contoso.test\",rule=\"H3\",severity=\"info\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == sample), "{sample}:\n{metrics}");
    }
}
