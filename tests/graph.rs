//! The Graph client against a loopback stand-in for Entra's token endpoint and Microsoft Graph,
//! shaped after the documented answers (DOMAIN.md §3): success, the update status, a wrong
//! secret with its AADSTS code, 404, throttling, paging, certificate credentials, and the secret
//! never showing up in any error, Debug output or log line.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, TimeDelta, Utc};
use fedcert::assess::EntraSource;
use fedcert::cert::Sha1;
use fedcert::config::{Auth, EntraConfig};
use fedcert::source::graph::{
    CredentialSource, GraphClient, GraphError, GraphSettings, ReportedResult,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
const SECRET: &str = "Zx8Q~s3cr3t.Value_do-not-leak";
const ACCESS_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.fake-graph-token.sig";
const SIGNING: &str = "91D7AAD52141A3CF7D8C5BCC6B185D9EC6F2DD62";
const NEXT: &str = "01A9F57F57A71FCD8EB67E7D7251FDB7D0397360";

// --- A loopback HTTP/1.1 server, one request per connection --------------------------------

#[derive(Clone, Debug)]
struct Request {
    method: String,
    target: String,
    headers: HashMap<String, String>,
    body: String,
}

impl Request {
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap()
    }

    fn form(&self) -> HashMap<String, String> {
        self.body
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (decode(k), decode(v)))
            .collect()
    }
}

fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn respond(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("Content-Type", "application/json".into())],
        body: body.to_string(),
    }
}

type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

struct Server {
    base: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    async fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log = requests.clone();
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                let handler = handler.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    log.lock().unwrap().push(request.clone());
                    let response = handler(&request);
                    let mut head = format!(
                        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                        response.status,
                        response.body.len()
                    );
                    for (name, value) in &response.headers {
                        let _ = write!(head, "{name}: {value}\r\n");
                    }
                    head.push_str("\r\n");
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(response.body.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self { base, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    fn count(&self, path_part: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.target.contains(path_part))
            .count()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buffer[head_end..]).into_owned();
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

// --- The stand-in for Entra and Graph ------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/imports")
        .join(name)
}

/// The base64 DER of a PEM fixture, as Graph's `signingCertificate` carries it.
fn base64_der(name: &str) -> String {
    let pem = std::fs::read_to_string(fixture(name)).unwrap();
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn token_ok() -> Response {
    respond(
        200,
        &json!({ "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": ACCESS_TOKEN }),
    )
}

/// Entra's answer to a wrong client secret (AADSTS7000215), as it sends it.
fn wrong_secret() -> Response {
    respond(
        401,
        &json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '11111111-2222-3333-4444-555555555555'.\r\nTrace ID: 0f0e0d0c-0000-4000-8000-000000000001\r\nCorrelation ID: 0f0e0d0c-0000-4000-8000-000000000002\r\nTimestamp: 2026-12-01 08:00:00Z",
            "error_codes": [7_000_215],
            "timestamp": "2026-12-01 08:00:00Z",
            "trace_id": "0f0e0d0c-0000-4000-8000-000000000001",
            "correlation_id": "0f0e0d0c-0000-4000-8000-000000000002",
            "error_uri": "https://login.microsoftonline.com/error?code=7000215"
        }),
    )
}

fn federation(update_result: &str, last_run: &str, next: Option<&str>) -> Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains('contoso.test')/federationConfiguration",
        "value": [{
            "@odata.type": "#microsoft.graph.internalDomainFederation",
            "id": "6601d14b-d113-8f64-fda2-9b5ddda18ecc",
            "displayName": "Contoso",
            "issuerUri": "http://fs.contoso.test/adfs/services/trust",
            "metadataExchangeUri": "https://fs.contoso.test/adfs/services/trust/mex",
            "signingCertificate": base64_der("certs/signing.pem"),
            "passiveSignInUri": "https://fs.contoso.test/adfs/ls",
            "preferredAuthenticationProtocol": "wsFed",
            "activeSignInUri": "https://fs.contoso.test/adfs/services/trust/2005/usernamemixed",
            "signOutUri": "https://fs.contoso.test/adfs/ls",
            "promptLoginBehavior": "nativeSupport",
            "isSignedAuthenticationRequestRequired": true,
            "nextSigningCertificate": next.map(base64_der),
            "federatedIdpMfaBehavior": "rejectMfaByFederatedIdp",
            "signingCertificateUpdateStatus": { "certificateUpdateResult": update_result, "lastRunDateTime": last_run }
        }]
    })
}

fn not_found(domain: &str) -> Response {
    respond(
        404,
        &json!({ "error": { "code": "Request_ResourceNotFound",
            "message": format!("Resource '{domain}' does not exist or one of its queried reference-property objects are not present."),
            "innerError": { "date": "2026-12-01T08:00:00", "request-id": "r1", "client-request-id": "c1" } } }),
    )
}

/// Token endpoint: the right secret gets a token. Graph: answers by domain; `throttled.test`
/// answers 429 with `Retry-After: 1` once, then 200.
fn entra(request: &Request, throttled: &Mutex<u32>) -> Response {
    if request.method == "POST" && request.path() == format!("/{TENANT}/oauth2/v2.0/token") {
        return match request.form().get("client_secret").map(String::as_str) {
            Some(SECRET) => token_ok(),
            _ => wrong_secret(),
        };
    }
    if request.headers.get("authorization").map(String::as_str)
        != Some(&format!("Bearer {ACCESS_TOKEN}"))
    {
        return respond(
            401,
            &json!({ "error": { "code": "InvalidAuthenticationToken", "message": "Access token is empty." } }),
        );
    }
    match request.path() {
        "/v1.0/domains/contoso.test/federationConfiguration" => respond(
            200,
            &federation(
                "couldNotAccessRemoteHost",
                "2026-12-01T05:00:00.1234567Z",
                Some("certs/next.pem"),
            ),
        ),
        "/v1.0/domains/managed.test/federationConfiguration" => not_found("managed.test"),
        "/v1.0/domains/forbidden.test/federationConfiguration" => respond(
            403,
            &json!({ "error": { "code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation." } }),
        ),
        "/v1.0/domains/throttled.test/federationConfiguration" => {
            let mut seen = throttled.lock().unwrap();
            *seen += 1;
            if *seen == 1 {
                Response {
                    status: 429,
                    headers: vec![("Retry-After", "1".into())],
                    body: json!({ "error": { "code": "TooManyRequests", "message": "Too many requests" } }).to_string(),
                }
            } else {
                respond(200, &federation("Success", "2026-11-30T08:00:00Z", None))
            }
        }
        "/v1.0/domains/always-throttled.test/federationConfiguration" => Response {
            status: 429,
            headers: vec![("Retry-After", "30".into())],
            body: json!({ "error": { "code": "TooManyRequests", "message": "Too many requests" } })
                .to_string(),
        },
        "/v1.0/domains/flaky.test/federationConfiguration" => {
            let mut seen = throttled.lock().unwrap();
            *seen += 1;
            if *seen <= 2 {
                respond(
                    503,
                    &json!({ "error": { "code": "serviceNotAvailable", "message": "Service unavailable" } }),
                )
            } else {
                respond(
                    200,
                    &federation("noNewCertificateFound", "2026-11-30T08:00:00Z", None),
                )
            }
        }
        other => respond(
            404,
            &json!({ "error": { "code": "NotFound", "message": format!("no route {other}") } }),
        ),
    }
}

async fn stand_in() -> Server {
    let throttled = Mutex::new(0);
    Server::start(move |request| entra(request, &throttled)).await
}

fn settings(server: &Server, credential: CredentialSource) -> GraphSettings {
    GraphSettings {
        authority: server.base.clone(),
        graph: server.base.clone(),
        timeout: Duration::from_secs(10),
        retry_base: Duration::from_millis(10),
        ..GraphSettings::new(TENANT, CLIENT_ID, credential)
    }
}

fn env_with(secret: &'static str) -> impl Fn(&str) -> Option<String> {
    move |name| (name == "FEDCERT_CLIENT_SECRET").then(|| secret.to_owned())
}

fn secret_client(server: &Server, secret: &'static str) -> GraphClient {
    GraphClient::with_env(
        &settings(
            server,
            CredentialSource::SecretEnv("FEDCERT_CLIENT_SECRET".into()),
        ),
        &env_with(secret),
    )
    .unwrap()
}

// --- Tests ---------------------------------------------------------------------------------

#[tokio::test]
async fn federation_configuration_maps_into_the_entra_side() {
    let server = stand_in().await;
    let client = secret_client(&server, SECRET);
    let now = at("2026-12-01T08:00:00Z");
    let fed = client
        .federation_configuration("contoso.test", now)
        .await
        .unwrap();
    assert_eq!(
        fed.id.as_deref(),
        Some("6601d14b-d113-8f64-fda2-9b5ddda18ecc")
    );
    assert_eq!(
        fed.issuer_uri.as_deref(),
        Some("http://fs.contoso.test/adfs/services/trust")
    );
    assert_eq!(
        fed.passive_sign_in_uri.as_deref(),
        Some("https://fs.contoso.test/adfs/ls")
    );
    assert_eq!(
        fed.metadata_url().as_deref(),
        Some("https://fs.contoso.test/federationmetadata/2007-06/federationmetadata.xml")
    );

    let side = fed.entra_side_with(EntraSource::Graph, now, |_| None);
    assert_eq!(side.source, Some(EntraSource::Graph));
    assert_eq!(
        side.signing,
        Some(SIGNING.parse::<Sha1>().unwrap()),
        "thumbprint = SHA-1 of the DER (openssl)"
    );
    assert_eq!(side.next_signing, Some(NEXT.parse::<Sha1>().unwrap()));
    assert_eq!(
        side.federation_id.as_deref(),
        Some("6601d14b-d113-8f64-fda2-9b5ddda18ecc")
    );
    assert_eq!(side.as_of, Some(now));

    // The update status, surfaced in plain words.
    assert_eq!(
        side.update_result.as_ref().map(ReportedResult::as_str),
        Some("couldNotAccessRemoteHost")
    );
    assert_eq!(side.last_run, Some(at("2026-12-01T05:00:00.1234567Z")));
    assert_eq!(
        fedcert::words::update_status(side.update_result.as_ref(), side.last_run, now),
        "Entra could not reach your metadata; last tried 2 hours ago"
    );

    // The token request was the documented client-credentials grant.
    let token_requests: Vec<Request> = server
        .requests()
        .into_iter()
        .filter(|r| r.target.ends_with("/oauth2/v2.0/token"))
        .collect();
    assert_eq!(token_requests.len(), 1);
    let form = token_requests[0].form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["scope"], format!("{}/.default", server.base));
    assert_eq!(form["client_secret"], SECRET);
}

#[tokio::test]
async fn the_token_is_cached_until_shortly_before_it_expires() {
    let server = stand_in().await;
    let client = secret_client(&server, SECRET);
    let now = at("2026-12-01T08:00:00Z");
    client
        .federation_configuration("contoso.test", now)
        .await
        .unwrap();
    client
        .federation_configuration("contoso.test", now + TimeDelta::minutes(50))
        .await
        .unwrap();
    assert_eq!(
        server.count("/oauth2/v2.0/token"),
        1,
        "a 3599 s token is still good after 50 min"
    );
    client
        .federation_configuration("contoso.test", now + TimeDelta::minutes(56))
        .await
        .unwrap();
    assert_eq!(
        server.count("/oauth2/v2.0/token"),
        2,
        "renewed within 5 min of expiry"
    );
    // Clones share the cache.
    client
        .clone()
        .federation_configuration("contoso.test", now + TimeDelta::minutes(57))
        .await
        .unwrap();
    assert_eq!(server.count("/oauth2/v2.0/token"), 2);
}

#[tokio::test]
async fn a_wrong_secret_is_reported_with_its_aadsts_code() {
    let server = stand_in().await;
    let client = secret_client(&server, "not-the-secret");
    let error = client
        .federation_configuration("contoso.test", at("2026-12-01T08:00:00Z"))
        .await
        .unwrap_err();
    let GraphError::Token { aadsts, status, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*aadsts, *status), (Some(7_000_215), Some(401)));
    let line = error.to_string();
    assert!(
        line.contains("AADSTS7000215: Invalid client secret provided."),
        "{line}"
    );
    assert!(line.contains("error invalid_client"), "{line}");
    assert!(
        line.contains("$FEDCERT_CLIENT_SECRET"),
        "the hint names the variable: {line}"
    );
    assert!(!line.contains("Trace ID"), "one line: {line}");
    assert!(!line.contains('\n') && !line.contains('\r'));
    assert_eq!(error.short(), "AADSTS7000215");
    let refresh = fedcert::domain::RefreshError::new(at("2026-12-01T08:00:00Z"), error.clone());
    assert_eq!(
        (refresh.to_string(), refresh.short()),
        (line, "AADSTS7000215".to_owned())
    );
    assert_eq!(
        server.count("/federationConfiguration"),
        0,
        "Graph is not asked without a token"
    );
}

#[tokio::test]
async fn a_domain_without_federation_configuration_is_a_404() {
    let server = stand_in().await;
    let client = secret_client(&server, SECRET);
    let error = client
        .federation_configuration("managed.test", at("2026-12-01T08:00:00Z"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        GraphError::NoFederation {
            domain: "managed.test".into()
        }
    );
    assert!(
        error
            .to_string()
            .starts_with("no federation configuration for managed.test in Entra")
    );
}

#[tokio::test]
async fn a_missing_permission_says_which_one() {
    let server = stand_in().await;
    let client = secret_client(&server, SECRET);
    let error = client
        .federation_configuration("forbidden.test", at("2026-12-01T08:00:00Z"))
        .await
        .unwrap_err();
    let line = error.to_string();
    assert!(
        line.contains("HTTP 403: Authorization_RequestDenied: Insufficient privileges"),
        "{line}"
    );
    assert!(line.contains("Domain.Read.All"), "{line}");
    assert_eq!(error.short(), "graph 403");
}

#[tokio::test]
async fn throttling_is_retried_after_retry_after() {
    let server = stand_in().await;
    let client = secret_client(&server, SECRET);
    let started = std::time::Instant::now();
    let fed = client
        .federation_configuration("throttled.test", at("2026-12-01T08:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        fed.update_result.as_ref().map(ReportedResult::as_str),
        Some("Success")
    );
    assert_eq!(server.count("/throttled.test/"), 2, "one 429, then 200");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
}

#[tokio::test]
async fn server_errors_are_retried_with_back_off() {
    let server = stand_in().await;
    let client = secret_client(&server, SECRET);
    let fed = client
        .federation_configuration("flaky.test", at("2026-12-01T08:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        fed.update_result.as_ref().map(ReportedResult::as_str),
        Some("noNewCertificateFound")
    );
    assert_eq!(server.count("/flaky.test/"), 3, "two 503s, then 200");
}

#[tokio::test]
async fn throttling_beyond_the_timeout_gives_up_with_the_reason() {
    let server = stand_in().await;
    let client = GraphClient::with_env(
        &GraphSettings {
            timeout: Duration::from_secs(2),
            ..settings(
                &server,
                CredentialSource::SecretEnv("FEDCERT_CLIENT_SECRET".into()),
            )
        },
        &env_with(SECRET),
    )
    .unwrap();
    let error = client
        .federation_configuration("always-throttled.test", at("2026-12-01T08:00:00Z"))
        .await
        .unwrap_err();
    let line = error.to_string();
    assert!(line.contains("HTTP 429: TooManyRequests"), "{line}");
    assert!(line.contains("throttling"), "{line}");
    assert_eq!(
        server.count("/always-throttled.test/"),
        1,
        "Retry-After: 30 does not fit in 2 s"
    );
}

#[tokio::test]
async fn federated_domains_follow_next_link_and_compare_without_case() {
    let pages = Arc::new(Mutex::new(String::new()));
    let base = pages.clone();
    let server = Server::start(move |request| {
        if request.path().ends_with("/oauth2/v2.0/token") {
            return token_ok();
        }
        let base = base.lock().unwrap().clone();
        match request.target.as_str() {
            t if t.starts_with("/v1.0/domains?") && t.contains("skiptoken") => respond(
                200,
                &json!({ "value": [
                    { "id": "fabrikam.test", "authenticationType": "federated", "isVerified": true },
                    { "id": "cloud.test", "authenticationType": "Managed", "isVerified": true } ] }),
            ),
            t if t.starts_with("/v1.0/domains?") => {
                assert!(t.contains("%24select=id%2CauthenticationType%2CisVerified"), "{t}");
                respond(
                    200,
                    &json!({
                        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains",
                        "@odata.nextLink": format!("{base}/v1.0/domains?$skiptoken=page2"),
                        "value": [
                            { "id": "contoso.onmicrosoft.com", "authenticationType": "Managed", "isVerified": true },
                            { "id": "contoso.test", "authenticationType": "Federated", "isVerified": true } ] }),
                )
            }
            other => panic!("unexpected {other}"),
        }
    })
    .await;
    *pages.lock().unwrap() = server.base.clone();
    let client = secret_client(&server, SECRET);
    let domains = client
        .federated_domains(at("2026-12-01T08:00:00Z"))
        .await
        .unwrap();
    let names: Vec<&str> = domains.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(names, ["contoso.test", "fabrikam.test"]);
    assert_eq!(server.count("/v1.0/domains"), 2);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let server = Server::start(|request| {
        if request.path().ends_with("/oauth2/v2.0/token") {
            return token_ok();
        }
        respond(200, &json!({ "@odata.nextLink": "https://attacker.example/v1.0/domains?$skiptoken=x", "value": [] }))
    })
    .await;
    let client = secret_client(&server, SECRET);
    let error = client
        .federated_domains(at("2026-12-01T08:00:00Z"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not following it"), "{error}");
}

#[tokio::test]
async fn graph_unreachable_is_an_error_value() {
    // A port nobody listens on: bind, learn the port, close.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let settings = GraphSettings {
        authority: base.clone(),
        graph: base,
        ..GraphSettings::new(
            TENANT,
            CLIENT_ID,
            CredentialSource::SecretEnv("FEDCERT_CLIENT_SECRET".into()),
        )
    };
    let client = GraphClient::with_env(&settings, &env_with(SECRET)).unwrap();
    let error = client
        .federation_configuration("contoso.test", at("2026-12-01T08:00:00Z"))
        .await
        .unwrap_err();
    assert!(matches!(error, GraphError::Transport { .. }), "{error:?}");
    assert!(error.to_string().contains("cannot connect"), "{error}");
}

/// The secret must not appear in any error, Debug output or log line — not even when the
/// server echoes it back.
#[tokio::test]
async fn the_secret_never_appears_in_errors_debug_or_logs() {
    let logs = captured_logs();

    let echo = Server::start(|request| {
        let sent = request.form().get("client_secret").cloned().unwrap_or_default();
        respond(
            400,
            &json!({ "error": "invalid_request", "error_description": format!("AADSTS900144: bad request body client_secret={sent}"), "error_codes": [900_144] }),
        )
    })
    .await;
    let server = stand_in().await;
    let now = at("2026-12-01T08:00:00Z");
    let mut seen = Vec::new();

    let echoing = secret_client(&echo, SECRET);
    seen.push(format!("{echoing:?}"));
    let error = echoing
        .federation_configuration("contoso.test", now)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("client_secret=[redacted]"),
        "{error}"
    );
    seen.push(error.to_string());
    seen.push(format!("{error:?}"));

    let client = secret_client(&server, SECRET);
    seen.push(format!("{client:?}"));
    client
        .federation_configuration("contoso.test", now)
        .await
        .unwrap();
    seen.push(format!("{client:?}"));
    for domain in [
        "managed.test",
        "forbidden.test",
        "throttled.test",
        "always-throttled.test",
    ] {
        if let Err(e) = client.federation_configuration(domain, now).await {
            seen.push(e.to_string());
            seen.push(format!("{e:?}"));
        }
    }
    let wrong = secret_client(&server, "wrong-one");
    let e = wrong
        .federation_configuration("contoso.test", now)
        .await
        .unwrap_err();
    seen.push(e.to_string());
    seen.push(format!("{e:?}"));

    let settings = settings(
        &server,
        CredentialSource::SecretEnv("FEDCERT_CLIENT_SECRET".into()),
    );
    seen.push(format!("{settings:?}"));
    let log = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("Graph asked to retry"),
        "the log was captured: {log}"
    );
    seen.push(log);
    for text in &seen {
        assert!(!text.contains(SECRET), "the secret leaked: {text}");
        assert!(
            !text.contains(ACCESS_TOKEN),
            "the access token leaked: {text}"
        );
    }
    assert!(
        seen[0].contains("client secret from $FEDCERT_CLIENT_SECRET"),
        "{}",
        seen[0]
    );
}

/// Every log line of this test binary, at TRACE, in one buffer. A process-wide subscriber: a
/// thread-scoped one misses events whose callsites other test threads registered first.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .init();
        logs
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_unset_secret_variable_is_named() {
    let settings = GraphSettings::new(
        TENANT,
        CLIENT_ID,
        CredentialSource::SecretEnv("MY_GRAPH_SECRET".into()),
    );
    let error = GraphClient::with_env(&settings, &|_| None)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("MY_GRAPH_SECRET is not set or empty"),
        "{error}"
    );
}

#[test]
fn config_needs_exactly_one_credential() {
    let mut entra = EntraConfig {
        name: None,
        tenant_id: TENANT.into(),
        // Written out: without it, a table with no credential signs the operator in.
        auth: Some(Auth::Secret),
        client_id: CLIENT_ID.into(),
        client_secret_env: None,
        client_certificate: None,
        client_key: None,
        authority: "https://login.microsoftonline.us".into(),
        graph: "https://graph.microsoft.us".into(),
    };
    let error = GraphSettings::from_config(&entra, Duration::from_secs(20))
        .unwrap_err()
        .to_string();
    assert!(error.contains("no credential"), "{error}");
    entra.client_secret_env = Some("FEDCERT_CLIENT_SECRET".into());
    let settings = GraphSettings::from_config(&entra, Duration::from_secs(20)).unwrap();
    assert_eq!(
        settings.credential,
        CredentialSource::SecretEnv("FEDCERT_CLIENT_SECRET".into())
    );
    assert_eq!(
        (settings.authority.as_str(), settings.graph.as_str()),
        (
            "https://login.microsoftonline.us",
            "https://graph.microsoft.us"
        )
    );
    entra.client_certificate = Some("/etc/fedcert/app.pem".into());
    let error = GraphSettings::from_config(&entra, Duration::from_secs(20))
        .unwrap_err()
        .to_string();
    assert!(error.contains("not both"), "{error}");
    entra.client_secret_env = None;
    let error = GraphSettings::from_config(&entra, Duration::from_secs(20))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("client_certificate needs client_key"),
        "{error}"
    );
}

#[test]
fn a_bad_authority_url_is_refused() {
    let settings = GraphSettings {
        authority: "login.microsoftonline.com".into(),
        ..GraphSettings::new(TENANT, CLIENT_ID, CredentialSource::SecretEnv("X".into()))
    };
    let error = GraphClient::with_env(&settings, &|_| Some("s".into()))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("authority = \"login.microsoftonline.com\" is not an https:// URL"),
        "{error}"
    );
}

// --- Secret files and certificate credentials --------------------------------------------

#[cfg(unix)]
fn private_copy(dir: &Path, name: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let target = dir.join(Path::new(name).file_name().unwrap());
    std::fs::copy(fixture(name), &target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode)).unwrap();
    target
}

#[cfg(unix)]
#[tokio::test]
async fn a_secret_file_is_used_only_when_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = stand_in().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let settings = settings(&server, CredentialSource::SecretFile(file.clone()));
    let error = GraphClient::with_env(&settings, &|_| None)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("is readable by other users (mode 640)"),
        "{error}"
    );
    assert!(error.contains("chmod 600"), "{error}");

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let client = GraphClient::with_env(&settings, &|_| None).unwrap();
    client
        .federation_configuration("contoso.test", at("2026-12-01T08:00:00Z"))
        .await
        .unwrap();
}

/// A token endpoint that accepts only a client assertion signed by the fixture certificate's key.
async fn assertion_checker(cert_fixture: &'static str) -> Server {
    let cert_pem = std::fs::read(fixture(cert_fixture)).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&cert_pem).unwrap();
    let der = pem.contents;
    Server::start(move |request| {
        if !request.path().ends_with("/oauth2/v2.0/token") {
            return respond(200, &federation("Success", "2026-11-30T08:00:00Z", None));
        }
        match check_assertion(&der, &request.form(), &request.target) {
            Ok(()) => token_ok(),
            Err(why) => respond(
                401,
                &json!({ "error": "invalid_client", "error_description": format!("AADSTS700027: Client assertion failed signature validation. {why}"), "error_codes": [700_027] }),
            ),
        }
    })
    .await
}

fn check_assertion(
    cert_der: &[u8],
    form: &HashMap<String, String>,
    target: &str,
) -> Result<(), String> {
    if form.get("client_assertion_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return Err("no jwt-bearer assertion type".into());
    }
    if form.contains_key("client_secret") {
        return Err("a secret was sent as well".into());
    }
    let jwt = form.get("client_assertion").ok_or("no client_assertion")?;
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err("not three parts".into());
    };
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let expected_x5t = URL_SAFE_NO_PAD.encode(Sha1::of(cert_der).0);
    if header["x5t"] != expected_x5t {
        return Err(format!("x5t {} is not the certificate's", header["x5t"]));
    }
    if claims["iss"] != CLIENT_ID || claims["sub"] != CLIENT_ID {
        return Err("iss/sub are not the client id".into());
    }
    if !claims["aud"].as_str().unwrap_or_default().ends_with(target) {
        return Err(format!(
            "aud {} is not the token endpoint {target}",
            claims["aud"]
        ));
    }
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    if iat != at("2026-12-01T08:00:00Z").timestamp() || exp - iat != 600 {
        return Err("iat/exp are not now / now + 10 min".into());
    }
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).unwrap();
    let public_key = cert.public_key().subject_public_key.data.to_vec();
    let algorithm: &dyn ring::signature::VerificationAlgorithm = match header["alg"].as_str() {
        Some("RS256") => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        Some("ES256") => &ring::signature::ECDSA_P256_SHA256_FIXED,
        other => return Err(format!("alg {other:?}")),
    };
    let signed = format!("{}.{}", parts[0], parts[1]);
    ring::signature::UnparsedPublicKey::new(algorithm, public_key)
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| "bad signature".to_owned())
}

#[cfg(unix)]
#[tokio::test]
async fn certificate_credentials_sign_a_client_assertion() {
    let dir = tempfile::tempdir().unwrap();
    for (cert, key, alg) in [
        (
            "keys/client-rsa.cert.pem",
            "keys/client-rsa.key.pem",
            "RS256",
        ),
        (
            "keys/client-rsa.cert.pem",
            "keys/client-rsa.pkcs1.key.pem",
            "RS256",
        ),
        ("keys/client-ec.cert.pem", "keys/client-ec.key.pem", "ES256"),
    ] {
        let server = assertion_checker(cert).await;
        let credential = CredentialSource::Certificate {
            certificate: fixture(cert),
            key: private_copy(dir.path(), key, 0o600),
        };
        let client = GraphClient::with_env(&settings(&server, credential), &|_| None).unwrap();
        assert!(
            format!("{client:?}").contains("client certificate"),
            "{client:?}"
        );
        let fed = client
            .federation_configuration("contoso.test", at("2026-12-01T08:00:00Z"))
            .await;
        assert!(fed.is_ok(), "{key} ({alg}): {fed:?}");
    }
}

#[cfg(unix)]
#[test]
fn unusable_keys_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let shared = private_copy(dir.path(), "keys/client-rsa.key.pem", 0o644);
    let cases = [
        (
            "keys/client-rsa.cert.pem",
            shared,
            "is readable by other users (mode 644)",
        ),
        (
            "keys/client-rsa.cert.pem",
            private_copy(dir.path(), "keys/client-ec.key.pem", 0o600),
            "does not belong to the certificate",
        ),
        (
            "keys/client-ec.cert.pem",
            private_copy(dir.path(), "keys/client-ec.sec1.key.pem", 0o600),
            "openssl pkcs8 -topk8",
        ),
        (
            "certs/signing.pem",
            private_copy(dir.path(), "certs/next.pem", 0o600),
            "no private key found",
        ),
    ];
    for (cert, key, expected) in cases {
        let credential = CredentialSource::Certificate {
            certificate: fixture(cert),
            key: key.clone(),
        };
        let settings = GraphSettings::new(TENANT, CLIENT_ID, credential);
        let error = GraphClient::with_env(&settings, &|_| None)
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{}: {error}", key.display());
        let material = std::fs::read_to_string(&key).unwrap();
        for line in material.lines().filter(|l| !l.starts_with("-----")) {
            assert!(
                !error.contains(line),
                "no key material in the message: {error}"
            );
        }
    }
}

#[test]
fn the_base64_of_graph_certificates_is_checked() {
    let fed = json!({ "value": [{ "id": "x", "signingCertificate": "not base64!" }] });
    let obj = fed["value"][0].as_object().unwrap();
    let error = fedcert::source::graph::FederationConfiguration::from_json(obj).unwrap_err();
    assert!(
        error.starts_with("signingCertificate: not base64"),
        "{error}"
    );
    let short = STANDARD.encode(b"0123");
    let obj = json!({ "signingCertificate": short });
    let error =
        fedcert::source::graph::FederationConfiguration::from_json(obj.as_object().unwrap())
            .unwrap_err();
    assert!(error.contains("not a DER certificate"), "{error}");
}

/// Redaction covers what the server sent, never fedcert's own words: a secret that happens to
/// be a word of a hint leaves the hint readable.
#[tokio::test]
async fn redaction_never_mangles_fedcerts_own_hints() {
    let server = stand_in().await;
    let client = secret_client(&server, "secret");
    let error = client
        .federation_configuration("contoso.test", at("2026-12-01T08:00:00Z"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("AADSTS7000215: Invalid client [redacted] provided."),
        "the server's words are redacted: {error}"
    );
    assert!(
        error.contains(
            "Entra refused the client secret: put the secret's Value (not its ID) in $FEDCERT_CLIENT_SECRET"
        ),
        "fedcert's own words are not: {error}"
    );
}
