//! The demo's stand-in for Entra ID: the token endpoint of the client-credentials grant
//! (`POST /{tenant}/oauth2/v2.0/token`) and the two Microsoft Graph calls fedcert makes
//! (`GET /v1.0/domains` and `GET /v1.0/domains/{domain}/federationConfiguration`), answered in
//! the shapes of DOMAIN.md §3 so that the demo's Entra side travels the same path as a real one.
//!
//! Everything here is a pure function from a request to a [`Reply`]; the server only moves bytes.
//! Refusals carry Entra's own error shapes and AADSTS codes, so fedcert's error handling is
//! exercised too (a wrong secret is AADSTS7000215, a wrong bearer token Graph's 401).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hyper::StatusCode;
use serde_json::{Map, Value, json};

use crate::cert::Sha1;
use crate::source::graph::Secret;

/// The demo tenant (a verified domain, as `tenant_id` may be).
pub const TENANT: &str = "fedcertdemo.onmicrosoft.example";
/// The demo app registration's application (client) id.
pub const CLIENT_ID: &str = "0d3e5f7a-1b2c-4d6e-8f90-a1b2c3d4e5f6";
/// The variable `[entra] client_secret_env` names in the demo config. The demo hands its lookup
/// to the Graph client itself; nothing is read from or written to the process environment.
pub const SECRET_ENV: &str = "FEDCERT_DEMO_CLIENT_SECRET";
/// Domains of the tenant that are not federated (Graph lists them; they have no federation).
pub const MANAGED_DOMAINS: [&str; 2] = [TENANT, "managed-demo.example"];
/// Domains per page of `GET /v1.0/domains`, small enough that the demo's list takes two pages.
const PAGE_SIZE: usize = 10;
/// The longest token request body read (a real one is a few hundred bytes).
pub(crate) const MAX_FORM: usize = 64 * 1024;

/// An answer: a status and a JSON body.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body,
        }
    }
}

/// How the IdP of a federated domain signs users in, as Entra records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// AD FS over WS-Federation on the federation service `host` (`fs.contoso.com`);
    /// `multiple_domain`: federated with `-SupportMultipleDomain`.
    WsFed { host: String, multiple_domain: bool },
    /// A third-party SAML IdP.
    Saml { issuer: String, sign_in: String },
}

/// What Entra holds for one federated domain: Graph's `internalDomainFederation`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Federation {
    pub domain: String,
    pub display_name: String,
    pub protocol: Protocol,
    /// DER of `signingCertificate` / `nextSigningCertificate`.
    pub signing: Option<Vec<u8>>,
    pub next_signing: Option<Vec<u8>>,
    /// `signingCertificateUpdateStatus`: `certificateUpdateResult` and `lastRunDateTime`.
    pub update: Option<(String, DateTime<Utc>)>,
}

impl Federation {
    /// Graph's JSON object, every property Graph v1.0 returns.
    fn to_json(&self) -> Value {
        let certificate = |der: &Option<Vec<u8>>| {
            der.as_ref()
                .map_or(Value::Null, |d| Value::from(STANDARD.encode(d)))
        };
        let (issuer, passive, active, mex, protocol) = match &self.protocol {
            Protocol::WsFed {
                host,
                multiple_domain,
            } => (
                // `-SupportMultipleDomain` makes the issuer per domain (DOMAIN.md §7).
                if *multiple_domain {
                    format!("http://{}/adfs/services/trust/", self.domain)
                } else {
                    format!("http://{host}/adfs/services/trust")
                },
                Value::from(format!("https://{host}/adfs/ls/")),
                Value::from(format!(
                    "https://{host}/adfs/services/trust/2005/usernamemixed"
                )),
                Value::from(format!("https://{host}/adfs/services/trust/mex")),
                "wsFed",
            ),
            Protocol::Saml { issuer, sign_in } => (
                issuer.clone(),
                Value::from(sign_in.as_str()),
                Value::Null,
                Value::Null,
                "saml",
            ),
        };
        let update = self.update.as_ref().map_or(Value::Null, |(result, at)| {
            json!({ "certificateUpdateResult": result, "lastRunDateTime": graph_time(*at) })
        });
        json!({
            "@odata.type": "#microsoft.graph.internalDomainFederation",
            "id": federation_id(&self.domain),
            "displayName": self.display_name,
            "issuerUri": issuer,
            "metadataExchangeUri": mex,
            "signingCertificate": certificate(&self.signing),
            "passiveSignInUri": passive.clone(),
            "preferredAuthenticationProtocol": protocol,
            "activeSignInUri": active,
            "signOutUri": passive,
            "promptLoginBehavior": "nativeSupport",
            "isSignedAuthenticationRequestRequired": true,
            "nextSigningCertificate": certificate(&self.next_signing),
            "federatedIdpMfaBehavior": "acceptIfMfaDoneByFederatedIdp",
            "signingCertificateUpdateStatus": update,
        })
    }
}

/// A stable GUID-shaped id per domain (Graph's `id`, the `-InternalDomainFederationId`).
fn federation_id(domain: &str) -> String {
    let hex = Sha1::of(domain.to_ascii_lowercase().as_bytes()).to_string();
    let hex = hex.to_ascii_lowercase();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `DateTimeOffset` as Graph writes it: seven fractional digits and `Z`.
fn graph_time(at: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        at.format("%Y-%m-%dT%H:%M:%S"),
        at.timestamp_subsec_nanos() / 100
    )
}

/// One event of Entra's audit log: a change to a domain's federation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Audit {
    pub domain: String,
    pub activity: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

impl Audit {
    /// Graph's `directoryAudit` object.
    fn to_json(&self, index: usize) -> Value {
        json!({
            "id": format!("Directory_{index:08}"),
            "category": "DirectoryManagement",
            "correlationId": "00000000-0000-4000-8000-00000000de04",
            "result": "success",
            "resultReason": "",
            "activityDisplayName": self.activity,
            "activityDateTime": graph_time(self.at),
            "loggedByService": "Core Directory",
            "operationType": "Update",
            "initiatedBy": {
                "app": null,
                "user": { "id": "00000000-0000-4000-8000-00000000de05", "displayName": null, "userPrincipalName": self.actor, "ipAddress": "", "userType": null, "homeTenantId": null, "homeTenantName": null },
            },
            "targetResources": [ { "id": null, "displayName": self.domain, "type": "Other", "userPrincipalName": null, "groupId": null, "modifiedProperties": [] } ],
            "additionalDetails": [],
        })
    }
}

/// The demo tenant as Entra and Graph see it.
#[derive(Debug)]
pub(crate) struct Tenant {
    secret: Secret,
    access_token: Secret,
    federations: Vec<Federation>,
    audits: Vec<Audit>,
}

impl Tenant {
    /// A tenant with these federated domains, a fresh client secret and a fresh access token.
    pub(crate) fn new(federations: Vec<Federation>) -> Self {
        Self {
            secret: Secret::new(format!("demo~{}", random_text())),
            access_token: Secret::new(format!("eyJ0eXAiOiJKV1QifQ.demo-{}.sig", random_text())),
            federations,
            audits: Vec::new(),
        }
    }

    /// The same tenant with these events in its audit log.
    pub(crate) fn with_audits(mut self, audits: Vec<Audit>) -> Self {
        self.audits = audits;
        self
    }

    /// The app's client secret, for the demo's own Graph client.
    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }

    /// `POST /{tenant}/oauth2/v2.0/token` with an `application/x-www-form-urlencoded` body: the
    /// checks Entra makes, in its order, each refusal with its AADSTS code.
    pub(crate) fn token(&self, tenant: &str, form: &[u8]) -> Reply {
        let form: Map<String, Value> = form_urlencoded::parse(form)
            .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
            .collect();
        let field = |name: &str| form.get(name).and_then(Value::as_str).unwrap_or_default();
        if !tenant.eq_ignore_ascii_case(TENANT) {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90_002,
                &format!(
                    "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                ),
            );
        }
        if field("grant_type") != "client_credentials" {
            return token_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70_003,
                "The app requested an unsupported grant type. This demo supports only 'client_credentials'.",
            );
        }
        let client_id = field("client_id");
        if !client_id.eq_ignore_ascii_case(CLIENT_ID) {
            return token_error(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                700_016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory '{TENANT}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
                ),
            );
        }
        if !field("scope").ends_with("/.default") {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                1_002_012,
                "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            );
        }
        if !field("client_assertion").is_empty() {
            return token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                700_027,
                "Client assertion failed signature validation. The demo app has no certificate credential registered.",
            );
        }
        let secret = field("client_secret");
        if secret.is_empty() {
            return token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7_000_216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            );
        }
        // Compared in full; the demo needs no constant-time comparison (nothing real is at stake).
        if secret != self.secret.expose() {
            return token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7_000_215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{CLIENT_ID}'."
                ),
            );
        }
        Reply::ok(json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": self.access_token.expose(),
        }))
    }

    /// A Graph request: `path` without the query, the query, the `Authorization` header and the
    /// `Host` header (for `@odata.nextLink`). `None`: not a Graph path.
    pub(crate) fn graph(
        &self,
        path: &str,
        query: Option<&str>,
        authorization: Option<&str>,
        host: Option<&str>,
    ) -> Option<Reply> {
        let rest = path.strip_prefix("/v1.0/")?;
        let expected = format!("Bearer {}", self.access_token.expose());
        match authorization {
            None | Some("") => {
                return Some(graph_error(
                    StatusCode::UNAUTHORIZED,
                    "InvalidAuthenticationToken",
                    "Access token is empty.",
                ));
            }
            Some(given) if given != expected => {
                return Some(graph_error(
                    StatusCode::UNAUTHORIZED,
                    "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience.",
                ));
            }
            Some(_) => {}
        }
        let segments: Vec<&str> = rest.split('/').collect();
        Some(match segments.as_slice() {
            ["domains"] => self.domains(query, host),
            ["domains", domain, "federationConfiguration"] => self.federation(domain),
            ["auditLogs", "directoryAudits"] => self.directory_audits(query),
            _ => graph_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Resource not found for the segment '{rest}'."),
            ),
        })
    }

    /// `GET /v1.0/domains`: the managed domains, then the federated ones, a page at a time.
    fn domains(&self, query: Option<&str>, host: Option<&str>) -> Reply {
        let skip: usize = query
            .into_iter()
            .flat_map(|q| form_urlencoded::parse(q.as_bytes()))
            .find(|(k, _)| k == "$skiptoken")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let managed = MANAGED_DOMAINS
            .iter()
            .map(|d| json!({ "id": d, "authenticationType": "Managed", "isVerified": true, "isDefault": *d == TENANT }));
        let federated = self.federations.iter().map(|f| {
            json!({ "id": f.domain, "authenticationType": "Federated", "isVerified": true, "isDefault": false })
        });
        let all: Vec<Value> = managed.chain(federated).collect();
        let page: Vec<Value> = all.iter().skip(skip).take(PAGE_SIZE).cloned().collect();
        let mut body = json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains",
            "value": page,
        });
        // Without a Host header there is no absolute link to give: the rest comes at once.
        let next = skip + PAGE_SIZE;
        match host {
            Some(host) if next < all.len() => {
                body["@odata.nextLink"] = Value::from(format!(
                    "http://{host}/v1.0/domains?%24select=id,authenticationType,isVerified&%24skiptoken={next}"
                ));
            }
            Some(_) => {}
            None => {
                let rest: Vec<Value> = all.into_iter().skip(next).collect();
                if let Some(list) = body["value"].as_array_mut() {
                    list.extend(rest);
                }
            }
        }
        Reply::ok(body)
    }

    /// `GET /v1.0/domains/{domain}/federationConfiguration`: the one object, or 404.
    fn federation(&self, domain: &str) -> Reply {
        let Some(federation) = self
            .federations
            .iter()
            .find(|f| f.domain.eq_ignore_ascii_case(domain))
        else {
            return graph_error(
                StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                &format!(
                    "Resource '{domain}' does not exist or one of its queried reference-property objects are not present."
                ),
            );
        };
        Reply::ok(json!({
            "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#domains('{}')/federationConfiguration", federation.domain),
            "value": [federation.to_json()],
        }))
    }
}

impl Tenant {
    /// `GET /v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq '…' and
    /// activityDateTime ge …`: the filter fedcert sends, read as Graph reads it (anything else
    /// is refused, as Graph refuses a filter it does not support), newest first.
    fn directory_audits(&self, query: Option<&str>) -> Reply {
        let filter = query
            .into_iter()
            .flat_map(|q| form_urlencoded::parse(q.as_bytes()))
            .find(|(k, _)| k == "$filter")
            .map(|(_, v)| v.into_owned());
        let parsed = filter.as_deref().and_then(|f| {
            let (activity, since) = f
                .strip_prefix("activityDisplayName eq '")?
                .split_once("' and activityDateTime ge ")?;
            Some((activity.to_owned(), since.parse::<DateTime<Utc>>().ok()?))
        });
        let Some((activity, since)) = parsed else {
            return graph_error(
                StatusCode::BAD_REQUEST,
                "Request_UnsupportedQuery",
                &format!("Invalid filter clause: {}", filter.unwrap_or_default()),
            );
        };
        let mut events: Vec<(usize, &Audit)> = self
            .audits
            .iter()
            .enumerate()
            .filter(|(_, a)| a.activity == activity && a.at >= since)
            .collect();
        events.sort_by_key(|(_, a)| std::cmp::Reverse(a.at));
        Reply::ok(json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits",
            "value": events.iter().map(|(i, a)| a.to_json(*i)).collect::<Vec<_>>(),
        }))
    }
}

/// Entra's token error body: `error`, `error_description` starting with the AADSTS code, and
/// `error_codes`.
fn token_error(status: StatusCode, error: &str, code: u32, description: &str) -> Reply {
    Reply {
        status,
        body: json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: 00000000-0000-4000-8000-00000000de00\r\nCorrelation ID: 00000000-0000-4000-8000-00000000de01"),
            "error_codes": [code],
            "trace_id": "00000000-0000-4000-8000-00000000de00",
            "correlation_id": "00000000-0000-4000-8000-00000000de01",
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    }
}

/// Graph's error body: `{ "error": { "code", "message", "innerError" } }`.
fn graph_error(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply {
        status,
        body: json!({ "error": {
            "code": code,
            "message": message,
            "innerError": { "request-id": "00000000-0000-4000-8000-00000000de02", "client-request-id": "00000000-0000-4000-8000-00000000de03" },
        } }),
    }
}

/// 24 random bytes as URL-safe base64 (a fresh secret and token on every demo start).
fn random_text() -> String {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 24];
    // The system RNG does not fail on the platforms fedcert runs on; should it, a fixed value
    // only makes this run's demo secret guessable, which protects nothing real anyway.
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// A DER-looking blob (a SEQUENCE); the stand-in does not parse certificates.
    fn der(tag: u8) -> Vec<u8> {
        let mut d = vec![0x30, 0x20];
        d.extend([tag; 32]);
        d
    }

    fn tenant() -> Tenant {
        Tenant::new(vec![
            Federation {
                domain: "contoso-demo.example".into(),
                display_name: "Contoso Demo".into(),
                protocol: Protocol::WsFed {
                    host: "fs.contoso-demo.example".into(),
                    multiple_domain: false,
                },
                signing: Some(der(1)),
                next_signing: None,
                update: Some(("success".into(), at("2026-12-01T03:00:00.5Z"))),
            },
            Federation {
                domain: "fabrikam-demo.example".into(),
                display_name: "Fabrikam Demo".into(),
                protocol: Protocol::WsFed {
                    host: "fs.fabrikam-demo.example".into(),
                    multiple_domain: true,
                },
                signing: Some(der(2)),
                next_signing: Some(der(3)),
                update: None,
            },
        ])
    }

    fn form(secret: &str) -> Vec<u8> {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", CLIENT_ID)
            .append_pair("scope", "http://127.0.0.1:1/.default")
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_secret", secret)
            .finish()
            .into_bytes()
    }

    fn token_of(tenant: &Tenant) -> String {
        let reply = tenant.token(TENANT, &form(tenant.secret().expose()));
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["access_token"].as_str().unwrap().to_owned()
    }

    fn aadsts(reply: &Reply) -> u64 {
        reply.body["error_codes"][0].as_u64().unwrap()
    }

    #[test]
    fn the_right_secret_gets_a_bearer_token() {
        let t = tenant();
        let reply = t.token(TENANT, &form(t.secret().expose()));
        assert_eq!(reply.body["token_type"], "Bearer");
        assert_eq!(reply.body["expires_in"], 3599);
        assert!(!token_of(&t).is_empty());
    }

    #[test]
    fn every_start_has_its_own_secret_and_token() {
        let (a, b) = (tenant(), tenant());
        assert_ne!(a.secret().expose(), b.secret().expose());
        assert_ne!(token_of(&a), token_of(&b));
    }

    #[test]
    fn refusals_carry_entras_codes() {
        let t = tenant();
        let wrong = t.token(TENANT, &form("not-the-secret"));
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.body["error"], "invalid_client");
        assert_eq!(aadsts(&wrong), 7_000_215);
        assert!(
            wrong.body["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS7000215: Invalid client secret")
        );
        assert_eq!(aadsts(&t.token(TENANT, &form(""))), 7_000_216);
        assert_eq!(
            aadsts(&t.token("other.onmicrosoft.example", &form(t.secret().expose()))),
            90_002
        );
        let other_app = String::from_utf8(form(t.secret().expose()))
            .unwrap()
            .replace(CLIENT_ID, "ffffffff-0000-4000-8000-000000000000");
        assert_eq!(aadsts(&t.token(TENANT, other_app.as_bytes())), 700_016);
        let no_default = String::from_utf8(form(t.secret().expose()))
            .unwrap()
            .replace("%2F.default", "%2FDomain.Read.All");
        assert_eq!(aadsts(&t.token(TENANT, no_default.as_bytes())), 1_002_012);
        let password = String::from_utf8(form(t.secret().expose()))
            .unwrap()
            .replace("client_credentials", "password");
        assert_eq!(aadsts(&t.token(TENANT, password.as_bytes())), 70_003);
    }

    #[test]
    fn graph_refuses_a_missing_or_wrong_bearer_token() {
        let t = tenant();
        let path = "/v1.0/domains/contoso-demo.example/federationConfiguration";
        for header in [None, Some("Bearer nope")] {
            let reply = t.graph(path, None, header, None).unwrap();
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
            assert_eq!(reply.body["error"]["code"], "InvalidAuthenticationToken");
        }
        assert_eq!(
            t.graph("/contoso/federationmetadata.xml", None, None, None),
            None
        );
    }

    #[test]
    fn federation_configuration_has_graphs_shape() {
        let t = tenant();
        let bearer = format!("Bearer {}", token_of(&t));
        let reply = t
            .graph(
                "/v1.0/domains/CONTOSO-demo.example/federationConfiguration",
                None,
                Some(&bearer),
                None,
            )
            .unwrap();
        assert_eq!(reply.status, StatusCode::OK);
        let value = reply.body["value"].as_array().unwrap();
        assert_eq!(value.len(), 1, "Graph returns one object in the collection");
        let fed = &value[0];
        assert_eq!(fed["signingCertificate"], STANDARD.encode(der(1)));
        assert_eq!(fed["nextSigningCertificate"], Value::Null);
        assert_eq!(
            fed["issuerUri"],
            "http://fs.contoso-demo.example/adfs/services/trust"
        );
        assert_eq!(
            fed["passiveSignInUri"],
            "https://fs.contoso-demo.example/adfs/ls/"
        );
        assert_eq!(
            fed["metadataExchangeUri"],
            "https://fs.contoso-demo.example/adfs/services/trust/mex"
        );
        assert_eq!(fed["preferredAuthenticationProtocol"], "wsFed");
        assert_eq!(
            fed["signingCertificateUpdateStatus"],
            json!({ "certificateUpdateResult": "success", "lastRunDateTime": "2026-12-01T03:00:00.5000000Z" })
        );
        let id = fed["id"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(id, federation_id("contoso-demo.example"));

        let fabrikam = t
            .graph(
                "/v1.0/domains/fabrikam-demo.example/federationConfiguration",
                None,
                Some(&bearer),
                None,
            )
            .unwrap();
        let fed = &fabrikam.body["value"][0];
        assert_eq!(fed["nextSigningCertificate"], STANDARD.encode(der(3)));
        assert_eq!(
            fed["issuerUri"], "http://fabrikam-demo.example/adfs/services/trust/",
            "-SupportMultipleDomain"
        );
        assert_eq!(fed["signingCertificateUpdateStatus"], Value::Null);
    }

    #[test]
    fn a_domain_without_federation_is_404() {
        let t = tenant();
        let bearer = format!("Bearer {}", token_of(&t));
        for domain in ["managed-demo.example", "nobody.example"] {
            let reply = t
                .graph(
                    &format!("/v1.0/domains/{domain}/federationConfiguration"),
                    None,
                    Some(&bearer),
                    None,
                )
                .unwrap();
            assert_eq!(reply.status, StatusCode::NOT_FOUND);
            assert_eq!(reply.body["error"]["code"], "Request_ResourceNotFound");
            assert!(
                reply.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(domain)
            );
        }
    }

    #[test]
    fn the_domain_list_pages_with_an_absolute_next_link() {
        let federations = (0..12)
            .map(|i| Federation {
                domain: format!("d{i}.example"),
                ..tenant().federations[0].clone()
            })
            .collect();
        let t = Tenant::new(federations);
        let bearer = format!("Bearer {}", token_of(&t));
        let host = Some("127.0.0.1:4242");
        let first = t
            .graph("/v1.0/domains", Some("%24select=id"), Some(&bearer), host)
            .unwrap();
        assert_eq!(first.body["value"].as_array().unwrap().len(), PAGE_SIZE);
        assert_eq!(first.body["value"][0]["authenticationType"], "Managed");
        let link = first.body["@odata.nextLink"].as_str().unwrap();
        assert!(
            link.starts_with("http://127.0.0.1:4242/v1.0/domains?"),
            "{link}"
        );
        let query = link.split_once('?').unwrap().1;
        let second = t
            .graph("/v1.0/domains", Some(query), Some(&bearer), host)
            .unwrap();
        let rest = second.body["value"].as_array().unwrap();
        assert_eq!(rest.len(), 14 - PAGE_SIZE);
        assert_eq!(rest.last().unwrap()["id"], "d11.example");
        assert_eq!(second.body.get("@odata.nextLink"), None);
        // Without a Host header, one page holds everything.
        let whole = t.graph("/v1.0/domains", None, Some(&bearer), None).unwrap();
        assert_eq!(whole.body["value"].as_array().unwrap().len(), 14);
    }
}
