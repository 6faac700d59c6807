//! The demo federation end to end over loopback HTTP: every domain's URL is fetched with a plain
//! HTTP client, and the served certificates are read with x509-parser to check that each
//! scenario shows its case relative to `now` — for two very different `now`s. Entra's side is
//! read from the demo's stand-in for the token endpoint and Graph, first with a plain HTTP client
//! (the shapes of DOMAIN.md §3), then through fedcert's own Graph client and verdict.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use fedcert::assess::update_status::{ReportedResult, UpdateResult};
use fedcert::assess::{EntraSource, Severity, Situation, SyncState};
use fedcert::cert::Sha1;
use fedcert::config::DomainConfig;
use fedcert::demo::{
    CLIENT_ID, Demo, MANAGED_DOMAINS, SECRET_ENV, TENANT, UNWATCHED_DOMAINS, scenarios,
};
use fedcert::domain::DomainStatus;
use fedcert::poller::{Sources, refresh_domain};
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use serde_json::Value;

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

fn client() -> reqwest::Client {
    fedcert::source::install_crypto_provider();
    // No proxy: a proxy from the environment must not stand between us and loopback.
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// One served certificate, read with x509-parser.
#[derive(Clone, Debug, PartialEq)]
struct Cert {
    sha1: Sha1,
    subject: String,
    issuer: String,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
}

impl Cert {
    fn read(der: &[u8]) -> Self {
        let (rest, cert) = x509_parser::parse_x509_certificate(der).unwrap();
        assert!(rest.is_empty());
        let time =
            |t: x509_parser::time::ASN1Time| DateTime::from_timestamp(t.timestamp(), 0).unwrap();
        Self {
            sha1: Sha1::of(der),
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: time(cert.validity().not_before),
            not_after: time(cert.validity().not_after),
        }
    }

    fn days_left(&self, now: DateTime<Utc>) -> i64 {
        (self.not_after - now).num_days()
    }

    fn days_old(&self, now: DateTime<Utc>) -> i64 {
        (now - self.not_before).num_days()
    }
}

/// What a metadata document publishes, read namespace-aware (by URI, never by prefix).
#[derive(Debug, Default)]
struct Published {
    entity_id: String,
    /// Local names of the role descriptors, `RoleDescriptor` as `xsi:type`.
    roles: Vec<String>,
    /// The certificate in the enveloped signature's KeyInfo.
    signed_by: Option<Cert>,
    /// Distinct `use="signing"` certificates of the IdP roles, in document order.
    signing: Vec<Cert>,
    /// Distinct `use="encryption"` certificates.
    encryption: Vec<Cert>,
}

fn read_metadata(xml: &str) -> Published {
    let mut reader = NsReader::from_str(xml);
    let mut published = Published::default();
    let mut stack: Vec<String> = Vec::new();
    let mut role = String::new();
    let mut key_use = String::new();
    loop {
        match reader.read_resolved_event().unwrap() {
            (ns, Event::Start(e)) => {
                let ns = match ns {
                    ResolveResult::Bound(n) => n.as_ref().to_owned(),
                    _ => String::new(),
                };
                let local = e.local_name().as_ref().to_owned();
                let attribute = |name: &str| {
                    e.try_get_attribute(name)
                        .unwrap()
                        .map(|a| a.value.into_owned())
                };
                if ns == MD && local == "EntityDescriptor" {
                    published.entity_id = attribute("entityID").unwrap();
                }
                if ns == MD
                    && (local.ends_with("Descriptor")
                        && local != "KeyDescriptor"
                        && local != "EntityDescriptor")
                {
                    role = if local == "RoleDescriptor" {
                        attribute("xsi:type").unwrap()
                    } else {
                        local.clone()
                    };
                    published.roles.push(role.clone());
                }
                if ns == MD && local == "KeyDescriptor" {
                    key_use = attribute("use").unwrap_or_default();
                }
                stack.push(format!("{{{ns}}}{local}"));
            }
            (_, Event::Text(text))
                if stack
                    .last()
                    .is_some_and(|s| *s == format!("{{{DSIG}}}X509Certificate")) =>
            {
                let flat: String = text.into_inner().split_whitespace().collect();
                let cert = Cert::read(
                    &base64::engine::general_purpose::STANDARD
                        .decode(flat)
                        .unwrap(),
                );
                let in_signature = stack
                    .get(1)
                    .is_some_and(|s| *s == format!("{{{DSIG}}}Signature"));
                let idp_role = role == "IDPSSODescriptor" || role == "fed:SecurityTokenServiceType";
                if in_signature {
                    published.signed_by = Some(cert);
                } else if key_use == "encryption" {
                    add_distinct(&mut published.encryption, cert);
                } else if idp_role {
                    add_distinct(&mut published.signing, cert);
                }
            }
            (_, Event::End(_)) => {
                stack.pop();
            }
            (_, Event::Eof) => break,
            _ => {}
        }
    }
    published
}

fn add_distinct(list: &mut Vec<Cert>, cert: Cert) {
    if !list.contains(&cert) {
        list.push(cert);
    }
}

/// A domain's response: status, content type, body.
struct Served {
    status: u16,
    content_type: String,
    body: String,
    has_date_header: bool,
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<Served, reqwest::Error> {
    let response = client.get(url).send().await?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let has_date_header = response.headers().contains_key(reqwest::header::DATE);
    let body = response.text().await?;
    Ok(Served {
        status,
        content_type,
        body,
        has_date_header,
    })
}

fn domain<'a>(demo: &'a Demo, name: &str) -> &'a DomainConfig {
    demo.config.domains.iter().find(|d| d.name == name).unwrap()
}

/// Fetch an AD FS scenario's metadata and check what every AD FS document has.
async fn adfs(client: &reqwest::Client, config: &DomainConfig) -> Published {
    let served = fetch(client, &config.metadata_url).await.unwrap();
    assert_eq!(served.status, 200, "{}", config.name);
    assert!(
        served.content_type.starts_with("text/xml"),
        "{}",
        served.content_type
    );
    assert!(
        !served.has_date_header,
        "a real-clock Date header would read as clock skew at a rehearsal now"
    );
    let published = read_metadata(&served.body);
    assert_eq!(
        published.entity_id,
        format!("http://fs.{}/adfs/services/trust", config.name)
    );
    assert_eq!(
        published.roles,
        [
            "fed:ApplicationServiceType",
            "fed:SecurityTokenServiceType",
            "SPSSODescriptor",
            "IDPSSODescriptor"
        ]
    );
    assert!(published.signed_by.is_some(), "AD FS signs its metadata");
    assert_eq!(
        published.encryption.len(),
        1,
        "only the primary token-decrypting cert is published"
    );
    assert_eq!(
        config.adfs_primary_server.as_deref(),
        Some(format!("adfs01.corp.{}", config.name).as_str())
    );
    published
}

fn assert_adfs_self_signed(cert: &Cert, host: &str, purpose: &str) {
    assert_eq!(cert.subject, format!("CN=ADFS {purpose} - {host}"));
    assert_eq!(cert.issuer, cert.subject);
}

/// A token from the stand-in's token endpoint, by the client-credentials grant (DOMAIN.md §3.5).
async fn token_answer(client: &reqwest::Client, demo: &Demo, secret: &str) -> (u16, Value) {
    let url = format!("http://{}/{TENANT}/oauth2/v2.0/token", demo.addr());
    let scope = format!("http://{}/.default", demo.addr());
    let response = client
        .post(url)
        .form(&[
            ("client_id", CLIENT_ID),
            ("scope", scope.as_str()),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap(),
    )
}

async fn token(client: &reqwest::Client, demo: &Demo) -> String {
    let (status, body) = token_answer(client, demo, demo.client_secret()).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn graph_get(client: &reqwest::Client, demo: &Demo, token: &str, path: &str) -> (u16, Value) {
    let response = client
        .get(format!("http://{}{path}", demo.addr()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap(),
    )
}

/// What Graph says Entra holds for a domain.
struct GraphSide {
    signing: Option<Sha1>,
    next: Option<Sha1>,
    signing_cert: Option<Cert>,
    next_cert: Option<Cert>,
    object: Value,
}

async fn graph_side(client: &reqwest::Client, demo: &Demo, token: &str, domain: &str) -> GraphSide {
    let path = format!("/v1.0/domains/{domain}/federationConfiguration");
    let (status, body) = graph_get(client, demo, token, &path).await;
    assert_eq!(status, 200, "{domain}: {body}");
    let [object] = body["value"].as_array().unwrap().as_slice() else {
        panic!("{domain}: Graph returns one object: {body}")
    };
    let der = |name: &str| {
        object[name].as_str().map(|text| {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap()
        })
    };
    GraphSide {
        signing: der("signingCertificate").map(|d| Sha1::of(&d)),
        next: der("nextSigningCertificate").map(|d| Sha1::of(&d)),
        signing_cert: der("signingCertificate").map(|d| Cert::read(&d)),
        next_cert: der("nextSigningCertificate").map(|d| Cert::read(&d)),
        object: object.clone(),
    }
}

/// Graph's `lastRunDateTime`: seven fractional digits and `Z`.
fn graph_time(t: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

/// Every scenario, fetched and checked against the case it must show at `now`.
#[allow(clippy::too_many_lines)] // one arm per scenario reads better than twelve helpers
async fn check_every_scenario(now: DateTime<Utc>) {
    let demo = Demo::start(now).await.unwrap();
    let client = client();
    assert_eq!(
        demo.config
            .domains
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        scenarios().iter().map(|s| s.domain).collect::<Vec<_>>()
    );
    let token = token(&client, &demo).await;
    for scenario in scenarios() {
        let config = domain(&demo, scenario.domain);
        assert!(
            config.metadata_url.starts_with("http://127.0.0.1:"),
            "{}",
            config.metadata_url
        );
        let host = format!("fs.{}", config.name);
        // Entra's side comes from Graph, and the update status is the scenario's.
        assert_eq!(config.entra_signing_thumbprint, None, "{}", scenario.name);
        assert_eq!(
            config.entra_next_signing_thumbprint, None,
            "{}",
            scenario.name
        );
        let entra = graph_side(&client, &demo, &token, scenario.domain).await;
        let expected_status = scenario.update.map_or(Value::Null, |u| {
            serde_json::json!({
                "certificateUpdateResult": u.result,
                "lastRunDateTime": graph_time(now - chrono::TimeDelta::hours(u.hours_ago)),
            })
        });
        assert_eq!(
            entra.object["signingCertificateUpdateStatus"], expected_status,
            "{}",
            scenario.name
        );
        assert!(
            entra.signing.is_some(),
            "{}: Entra holds a certificate",
            scenario.name
        );
        match scenario.name {
            "healthy" => {
                let p = adfs(&client, config).await;
                assert_eq!(p.signing.len(), 1);
                let primary = &p.signing[0];
                assert_adfs_self_signed(primary, &host, "Signing");
                assert_adfs_self_signed(&p.encryption[0], &host, "Encryption");
                assert_eq!(p.signed_by.as_ref(), Some(primary));
                assert!(primary.days_left(now) > 180, "months left");
                assert!(primary.not_before < now);
                assert_eq!(config.auto_rollover, Some(true));
                assert_eq!(entra.signing, Some(primary.sha1));
                assert_eq!(entra.next, None);
                let fed = &entra.object;
                assert_eq!(
                    fed["signingCertificateUpdateStatus"]["certificateUpdateResult"],
                    "success"
                );
                assert_eq!(fed["preferredAuthenticationProtocol"], "wsFed");
                assert_eq!(
                    fed["issuerUri"],
                    format!("http://{host}/adfs/services/trust")
                );
                assert_eq!(fed["passiveSignInUri"], format!("https://{host}/adfs/ls/"));
                assert_eq!(
                    fed["metadataExchangeUri"],
                    format!("https://{host}/adfs/services/trust/mex")
                );
                assert_eq!(fed["id"].as_str().unwrap().len(), 36, "a GUID");
            }
            "rollover-in-sync" => {
                let p = adfs(&client, config).await;
                let [primary, successor] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                assert_eq!(p.signed_by.as_ref(), Some(primary), "not yet promoted");
                assert_eq!(
                    primary.days_left(now),
                    17,
                    "between generation (T-20) and promotion (T-15)"
                );
                assert_eq!(successor.days_old(now), 3, "generated at T-20");
                assert!(successor.not_after > primary.not_after);
                assert_adfs_self_signed(successor, &host, "Signing");
                assert_eq!(config.auto_rollover, Some(true));
                assert!(config.support_multiple_domain);
                assert_eq!(entra.signing, Some(primary.sha1));
                assert_eq!(entra.next, Some(successor.sha1));
            }
            "successor-pending" => {
                let p = adfs(&client, config).await;
                let [primary, successor] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                assert_eq!(p.signed_by.as_ref(), Some(primary));
                assert_eq!(primary.days_left(now), 18);
                assert!(successor.not_before < now && successor.not_after > primary.not_after);
                assert_eq!(entra.signing, Some(primary.sha1));
                assert_eq!(entra.next, None, "Entra holds only the primary");
                assert_eq!(
                    entra.object["signingCertificateUpdateStatus"]["certificateUpdateResult"],
                    "couldNotAccessRemoteHost",
                    "why Entra has not picked up the successor"
                );
            }
            "pending-critical" => {
                let p = adfs(&client, config).await;
                let [primary, successor] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                assert_eq!(p.signed_by.as_ref(), Some(primary));
                let left = primary.days_left(now);
                assert!(
                    left < 15 && left > 2,
                    "under renew_now_days, above the critical threshold: {left}"
                );
                assert!(successor.not_before < now && successor.not_after > primary.not_after);
                assert_eq!(config.auto_rollover, Some(true));
                assert_eq!(entra.signing, Some(primary.sha1));
                assert_eq!(entra.next, None);
            }
            "broken-trust" => {
                let p = adfs(&client, config).await;
                let [old, new] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                assert_eq!(
                    p.signed_by.as_ref(),
                    Some(new),
                    "AD FS signs with the promoted cert"
                );
                assert!(new.days_left(now) > 300 && new.not_before < now);
                assert!(
                    old.not_after > now && old.not_after < new.not_after,
                    "old cert still valid"
                );
                assert_eq!(entra.signing, Some(old.sha1));
                assert_eq!(entra.next, None);
                assert_ne!(entra.signing, Some(new.sha1));
            }
            "manual-rollover" => {
                let p = adfs(&client, config).await;
                let [primary] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                assert_eq!(p.signed_by.as_ref(), Some(primary));
                let left = primary.days_left(now);
                assert!((15..30).contains(&left), "under manual_renew_days: {left}");
                assert_ne!(
                    primary.issuer, primary.subject,
                    "issued by an enterprise CA"
                );
                assert!(primary.issuer.contains("Issuing CA"), "{}", primary.issuer);
                assert_eq!(config.auto_rollover, Some(false));
                assert_eq!(entra.signing, Some(primary.sha1));
            }
            "expired" => {
                let p = adfs(&client, config).await;
                let [primary] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                assert_eq!(p.signed_by.as_ref(), Some(primary));
                assert!(primary.not_after < now, "expired");
                assert_eq!(primary.days_left(now), -3);
                assert_eq!(entra.signing, Some(primary.sha1));
            }
            "unreachable" => {
                let started = Instant::now();
                let error = fetch(&client, &config.metadata_url).await.err().unwrap();
                assert!(error.is_connect(), "{error}");
                // The client allows 10 s: failing well within it proves the refusal is immediate.
                assert!(
                    started.elapsed() < Duration::from_secs(5),
                    "{:?}",
                    started.elapsed()
                );
                assert_eq!(
                    demo.refused_addr().map(|a| a.to_string()),
                    config.metadata_url.split('/').nth(2).map(str::to_owned)
                );
                let held = entra.signing_cert.as_ref().unwrap();
                assert_adfs_self_signed(held, &host, "Signing");
                assert!(
                    held.not_after > now,
                    "Entra holds a valid certificate fedcert cannot see"
                );
            }
            "sign-in-page" => {
                let served = fetch(&client, &config.metadata_url).await.unwrap();
                assert_eq!(served.status, 200);
                assert!(
                    served.content_type.starts_with("text/html"),
                    "{}",
                    served.content_type
                );
                assert!(served.body.starts_with("<!DOCTYPE html>"));
                assert!(served.body.contains("<title>Sign In</title>"));
                assert!(!served.body.contains("EntityDescriptor"));
                assert!(
                    config
                        .metadata_url
                        .ends_with("/federationmetadata/2007-06/federationmetadata.xml")
                );
                assert_adfs_self_signed(entra.signing_cert.as_ref().unwrap(), &host, "Signing");
                assert_eq!(
                    entra.object["signingCertificateUpdateStatus"]["certificateUpdateResult"],
                    "xmlParsingError",
                    "Entra got the same HTML page"
                );
            }
            "third-party-okta" => {
                let served = fetch(&client, &config.metadata_url).await.unwrap();
                assert_eq!(served.status, 200);
                assert!(served.body.contains("<md:EntityDescriptor"));
                let p = read_metadata(&served.body);
                assert!(
                    p.entity_id.starts_with("http://www.okta.com/exk"),
                    "{}",
                    p.entity_id
                );
                assert_eq!(
                    config.entity_id, None,
                    "a single-entity document needs no entity_id"
                );
                assert_eq!(p.roles, ["IDPSSODescriptor"]);
                assert_eq!(p.signed_by, None, "Okta's metadata is not signed");
                let [cert] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                assert!(cert.subject.contains("O=Okta"), "{}", cert.subject);
                let left = cert.days_left(now);
                assert!(left > 30 && left < 60, "inside plan_days: {left}");
                assert_eq!(
                    config.auto_rollover,
                    Some(false),
                    "every third-party rollover is manual"
                );
                assert_eq!(entra.signing, Some(cert.sha1));
                assert_eq!(entra.object["preferredAuthenticationProtocol"], "saml");
                assert_eq!(entra.object["issuerUri"], p.entity_id.as_str());
                assert_eq!(entra.object["signingCertificateUpdateStatus"], Value::Null);
            }
            "encryption-expiring" => {
                let p = adfs(&client, config).await;
                let [primary] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                assert!(primary.days_left(now) > 60);
                let left = p.encryption[0].days_left(now);
                assert!(
                    left < 15 && left > 0,
                    "token-decrypting cert inside renew_now_days: {left}"
                );
                assert_eq!(entra.signing, Some(primary.sha1));
            }
            "missed-generation" => {
                let p = adfs(&client, config).await;
                let [primary] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                let left = primary.days_left(now);
                assert!(
                    (15..19).contains(&left),
                    "past T-20 with no successor, not yet S2: {left}"
                );
                assert_eq!(config.auto_rollover, Some(true));
                assert_eq!(entra.signing, Some(primary.sha1));
            }
            "federation-backdoor" => {
                let p = adfs(&client, config).await;
                let [primary] = &p.signing[..] else {
                    panic!("{:?}", p.signing)
                };
                assert!(primary.days_left(now) > 180, "months left");
                assert_eq!(config.auto_rollover, Some(true));
                assert_eq!(entra.signing, Some(primary.sha1), "in sync");
                // The next-signing slot: a certificate the metadata never publishes.
                let rogue = entra.next.unwrap();
                assert!(p.signing.iter().all(|c| c.sha1 != rogue));
                assert!(p.encryption.iter().all(|c| c.sha1 != rogue));
                assert_eq!(entra.next_cert.as_ref().unwrap().subject, "CN=any.sts");
            }
            other => panic!("scenario {other} has no check here: add one"),
        }
    }
    demo.shutdown().await;
}

#[tokio::test]
async fn every_scenario_shows_its_case_now() {
    check_every_scenario(at("2026-12-01T08:00:00Z")).await;
}

#[tokio::test]
async fn every_scenario_shows_its_case_in_2031() {
    check_every_scenario(at("2031-06-01T00:00:00Z")).await;
}

#[tokio::test]
async fn a_fractional_now_still_gives_whole_days() {
    let now = at("2026-12-01T08:00:00.999Z");
    let demo = Demo::start(now).await.unwrap();
    let config = domain(&demo, "northwind-demo.example");
    let served = fetch(&client(), &config.metadata_url).await.unwrap();
    let p = read_metadata(&served.body);
    assert_eq!(p.signing[0].days_left(now), 18);
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let demo = Demo::start(at("2026-12-01T08:00:00Z")).await.unwrap();
    let url = domain(&demo, "contoso-demo.example").metadata_url.clone();
    let client = client();
    assert_eq!(fetch(&client, &url).await.unwrap().status, 200);
    demo.shutdown().await;
    // A fresh client: the old one's pooled connection was closed by the shutdown too.
    let error = fetch(&self::client(), &url).await.err().unwrap();
    assert!(error.is_connect(), "{error}");
}

#[tokio::test]
async fn dropping_the_demo_stops_the_server() {
    let demo = Demo::start(at("2026-12-01T08:00:00Z")).await.unwrap();
    let addr = demo.addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    drop(demo);
    // Dropping aborts the server task; it ends the next time the runtime polls it.
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the demo server still accepts connections after the demo was dropped");
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let demo = Demo::start(at("2026-12-01T08:00:00Z")).await.unwrap();
    let url = format!(
        "http://{}/nobody.example/federationmetadata/2007-06/federationmetadata.xml",
        demo.addr()
    );
    let served = fetch(&client(), &url).await.unwrap();
    assert_eq!(served.status, 404);
    assert!(served.body.contains("/nobody.example/"), "{}", served.body);
}

#[test]
fn scenarios_cover_every_case_the_demo_promises() {
    let names: BTreeSet<&str> = scenarios().iter().map(|s| s.name).collect();
    for required in [
        "healthy",
        "rollover-in-sync",
        "successor-pending",
        "pending-critical",
        "broken-trust",
        "manual-rollover",
        "expired",
        "unreachable",
        "sign-in-page",
        "third-party-okta",
    ] {
        assert!(names.contains(required), "missing scenario {required}");
    }
    for s in scenarios() {
        assert!(!s.shows.is_empty(), "{}", s.name);
    }
    let expected = |name: &str| {
        scenarios()
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .expected
    };
    assert_eq!(expected("healthy"), Severity::Ok);
    assert_eq!(expected("successor-pending"), Severity::Warning);
    assert_eq!(expected("pending-critical"), Severity::Critical);
    assert_eq!(expected("broken-trust"), Severity::Critical);
    assert_eq!(expected("unreachable"), Severity::Unknown);
}

#[tokio::test]
async fn the_demo_config_points_entra_at_the_stand_in() {
    let now = at("2026-12-01T08:00:00Z");
    let demo = Demo::start(now).await.unwrap();
    let entra = demo.config.entra.as_ref().unwrap();
    let base = format!("http://{}", demo.addr());
    assert_eq!(entra.authority, base);
    assert_eq!(entra.graph, base);
    assert_eq!(entra.tenant_id, TENANT);
    assert_eq!(entra.client_id, CLIENT_ID);
    assert_eq!(entra.client_secret_env.as_deref(), Some(SECRET_ENV));
    assert_eq!(entra.client_certificate, None);
    // The demo's environment knows only its own secret.
    let env = demo.env();
    assert_eq!(env(SECRET_ENV).as_deref(), Some(demo.client_secret()));
    assert_eq!(env("HOME"), None);
    assert!(
        !format!("{demo:?}").contains(demo.client_secret()),
        "Debug shows no secret"
    );

    // The typed-in variant carries exactly what Graph reports, and no [entra].
    let typed = demo.typed_in_config();
    assert_eq!(typed.entra, None);
    let client = client();
    let token = token(&client, &demo).await;
    for (graph_config, typed) in demo.config.domains.iter().zip(&typed.domains) {
        assert_eq!(graph_config.name, typed.name);
        assert_eq!(graph_config.metadata_url, typed.metadata_url);
        let side = graph_side(&client, &demo, &token, &typed.name).await;
        assert_eq!(
            typed.entra_signing_thumbprint, side.signing,
            "{}",
            typed.name
        );
        assert_eq!(
            typed.entra_next_signing_thumbprint, side.next,
            "{}",
            typed.name
        );
    }
}

#[tokio::test]
async fn the_stand_in_refuses_like_entra_and_graph() {
    let demo = Demo::start(at("2026-12-01T08:00:00Z")).await.unwrap();
    let client = client();
    let (status, body) = token_answer(&client, &demo, "not-the-demo-secret").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"][0], 7_000_215);
    let (status, body) = graph_get(
        &client,
        &demo,
        "not-a-token",
        "/v1.0/domains/contoso-demo.example/federationConfiguration",
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    let token = token(&client, &demo).await;
    for domain in ["managed-demo.example", "nobody.example"] {
        let path = format!("/v1.0/domains/{domain}/federationConfiguration");
        let (status, body) = graph_get(&client, &demo, &token, &path).await;
        assert_eq!(status, 404, "{domain}");
        assert_eq!(body["error"]["code"], "Request_ResourceNotFound");
    }
}

/// The Graph client and the verdict, in process: every scenario's Entra side comes from Graph
/// and the verdict is the scenario's.
#[tokio::test]
async fn fedcert_reads_every_scenario_through_graph_and_reaches_its_verdict() {
    let now = at("2026-12-01T08:00:00Z");
    let demo = Demo::start(now).await.unwrap();
    let sources = Sources::with_env(&demo.config, &demo.env());
    for scenario in scenarios() {
        let config = domain(&demo, scenario.domain);
        let outcome = refresh_domain(&sources, config, now).await;
        let side = outcome.entra.clone().unwrap().unwrap();
        assert_eq!(side.source, Some(EntraSource::Graph), "{}", scenario.name);
        assert_eq!(
            side.update_result.as_ref().map(ReportedResult::as_str),
            scenario.update.map(|u| u.result),
            "{}",
            scenario.name
        );
        let mut status = DomainStatus::new(config.clone(), now);
        status.apply(outcome);
        let a = &status.assessment;
        assert_eq!(a.sync, scenario.sync, "{}", scenario.name);
        assert_eq!(
            a.severity, scenario.expected,
            "{}: {:?}",
            scenario.name, a.findings
        );
        assert!(
            a.findings.iter().any(|f| f.rule == scenario.rule),
            "{}: {:?}",
            scenario.name,
            a.findings
        );
        if scenario.name == "successor-pending" {
            let e1 = a.findings.iter().find(|f| f.rule.id() == "E1").unwrap();
            assert!(
                matches!(
                    &e1.situation,
                    Situation::EntraUpdateFailing {
                        result: UpdateResult::CouldNotAccessRemoteHost,
                        ..
                    }
                ),
                "{e1:?}"
            );
        }
    }
    // A domain Entra has no federation for: Graph's 404 is the Entra side's error.
    let contoso = domain(&demo, "contoso-demo.example");
    let managed = DomainConfig::new("managed-demo.example", contoso.metadata_url.clone());
    let outcome = refresh_domain(&sources, &managed, now).await;
    let error = outcome.entra.clone().unwrap().unwrap_err();
    assert_eq!(error.short(), "not federated");
    let mut status = DomainStatus::new(managed, now);
    status.apply(outcome);
    assert_eq!(status.assessment.sync, SyncState::Unknown);
    assert!(status.last_good.is_some(), "the IdP side still reads");
}

#[tokio::test]
async fn without_the_demo_secret_the_entra_side_is_a_setup_error_naming_the_variable() {
    let demo = Demo::start(at("2026-12-01T08:00:00Z")).await.unwrap();
    let sources = Sources::with_env(&demo.config, &|_| None);
    let error = sources
        .graph_for(&demo.config.domains[0])
        .unwrap()
        .as_ref()
        .unwrap_err()
        .to_string();
    assert!(error.contains(SECRET_ENV), "{error}");
}

#[tokio::test]
async fn the_tenant_lists_its_federated_domains_over_two_pages() {
    let now = at("2026-12-01T08:00:00Z");
    let demo = Demo::start(now).await.unwrap();
    let client = client();
    let token = token(&client, &demo).await;
    let (_, first) = graph_get(&client, &demo, &token, "/v1.0/domains").await;
    assert!(first["@odata.nextLink"].is_string(), "{first}");

    let sources = Sources::with_env(&demo.config, &demo.env());
    let graph = sources
        .graph_for(&demo.config.domains[0])
        .unwrap()
        .as_ref()
        .unwrap();
    let listed: Vec<String> = graph
        .federated_domains(now)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    let expected: Vec<&str> = scenarios()
        .iter()
        .map(|s| s.domain)
        .chain(UNWATCHED_DOMAINS)
        .collect();
    assert_eq!(listed, expected);
    for managed in MANAGED_DOMAINS {
        assert!(!listed.iter().any(|d| d == managed), "{managed}");
    }
}
