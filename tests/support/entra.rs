//! A loopback stand-in for Entra's sign-in endpoints and Microsoft Graph, for several tenants:
//! the device authorization grant (`/{tenant}/oauth2/v2.0/devicecode`, then the token endpoint
//! with `grant_type=urn:ietf:params:oauth:grant-type:device_code`), the refresh-token grant,
//! and the Graph reads fedcert makes (the domains, a domain's federation, and the audit log —
//! refused with 403 to a token whose scope lacks `AuditLog.Read.All`, as Graph does), answered
//! in Entra's and Graph's shapes (DOMAIN.md §3, the device code article of the Microsoft
//! identity platform).
//!
//! The test plays the operator on the other device: it reads the code fedcert shows and calls
//! [`EntraStandIn::approve`] or [`EntraStandIn::decline`]. Polls can be scripted
//! ([`EntraStandIn::script`]) to answer `authorization_pending`, `slow_down`, `expired_token`,
//! a refusal or an AADSTS error first. Every token handed out is distinctive and random and is
//! listed by [`EntraStandIn::issued`], so tests can look for it where it must never be.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::{Behaviour, Reply, Request, Server};

/// One tenant: its id (as in the token URL), who signs in, and its federated domains with the
/// DER of the signing certificate Entra holds for each.
#[derive(Clone, Debug)]
pub struct TenantSpec {
    pub id: String,
    pub account: String,
    pub domains: Vec<(String, Vec<u8>)>,
}

/// A scripted answer to a device code poll, given before the operator's own answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Poll {
    Pending,
    SlowDown,
    ExpiredToken,
    AccessDenied,
    /// `error` with an AADSTS code (`invalid_client`, 7000218: the app is not a public client).
    Error(&'static str, u32),
}

/// A request the stand-in answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    DeviceCode {
        tenant: String,
        client_id: String,
        scope: String,
    },
    Token {
        tenant: String,
        grant_type: String,
        client_id: String,
        /// The refresh token a refresh-token grant sent.
        refresh_token: Option<String>,
        scope: Option<String>,
    },
    /// A Graph GET, with the tenant its bearer token belongs to.
    Graph {
        tenant: Option<String>,
        path: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    Waiting,
    Approved,
    Declined,
}

struct Device {
    tenant: usize,
    /// The scope the sign-in asked for.
    scope: String,
    code: String,
    user_code: String,
    operator: Operator,
}

struct Grant {
    tenant: usize,
    /// Why Entra refuses it now: an AADSTS code (50173 revoked, 700082 expired).
    refused: Option<u32>,
}

struct State {
    tenants: Vec<TenantSpec>,
    scripts: Vec<VecDeque<Poll>>,
    devices: Vec<Device>,
    refresh: HashMap<String, Grant>,
    /// Each access token's tenant, and whether its scope holds `AuditLog.Read.All`.
    access: HashMap<String, (usize, bool)>,
    /// Each tenant's audit events (`directoryAudit` objects).
    audits: Vec<Vec<Value>>,
    issued: Vec<String>,
    calls: Vec<Call>,
    interval: u64,
    expires_in: u64,
    access_lifetime: u64,
}

pub struct EntraStandIn {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl EntraStandIn {
    /// Serve `tenants` on 127.0.0.1; codes ask for polls every `interval` seconds.
    pub async fn start(tenants: Vec<TenantSpec>, interval: u64) -> Self {
        let state = Arc::new(Mutex::new(State {
            scripts: vec![VecDeque::new(); tenants.len()],
            audits: vec![Vec::new(); tenants.len()],
            tenants,
            devices: Vec::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            issued: Vec::new(),
            calls: Vec::new(),
            interval,
            expires_in: 900,
            access_lifetime: 3599,
        }));
        let handler_state = Arc::clone(&state);
        let server = Server::http(move |request| {
            Behaviour::Respond(handle(&mut handler_state.lock().unwrap(), request))
        })
        .await;
        Self { server, state }
    }

    /// `http://127.0.0.1:PORT`: the authority and the Graph host.
    pub fn url(&self) -> String {
        self.server.url("").trim_end_matches('/').to_owned()
    }

    /// Codes expire after `seconds`.
    pub fn set_expires_in(&self, seconds: u64) {
        self.state.lock().unwrap().expires_in = seconds;
    }

    /// Answer the next polls of `tenant` with `polls`, before the operator's answer.
    pub fn script(&self, tenant: &str, polls: &[Poll]) {
        let mut state = self.state.lock().unwrap();
        let index = state.tenant_index(tenant).unwrap();
        state.scripts[index].extend(polls.iter().copied());
    }

    /// `tenant`'s audit log holds `events` (`directoryAudit` objects) from now on.
    pub fn set_audit_events(&self, tenant: &str, events: Vec<Value>) {
        let mut state = self.state.lock().unwrap();
        let index = state.tenant_index(tenant).unwrap();
        state.audits[index] = events;
    }

    /// The operator signs in with `user_code` on the other device.
    pub fn approve(&self, user_code: &str) {
        self.operator(user_code, Operator::Approved);
    }

    /// The operator declines on the sign-in page.
    pub fn decline(&self, user_code: &str) {
        self.operator(user_code, Operator::Declined);
    }

    fn operator(&self, user_code: &str, answer: Operator) {
        let mut state = self.state.lock().unwrap();
        let device = state
            .devices
            .iter_mut()
            .find(|d| d.user_code == user_code)
            .unwrap_or_else(|| panic!("no device code with user code {user_code}"));
        device.operator = answer;
    }

    /// The user code of the latest device sign-in of `tenant`.
    pub fn last_user_code(&self, tenant: &str) -> Option<String> {
        let state = self.state.lock().unwrap();
        let index = state.tenant_index(tenant)?;
        state
            .devices
            .iter()
            .rev()
            .find(|d| d.tenant == index)
            .map(|d| d.user_code.clone())
    }

    /// Entra refuses every refresh token of `tenant` from now on with `aadsts` (50173: the
    /// sessions were revoked; 700082: unused for 90 days).
    pub fn refuse_refresh_tokens(&self, tenant: &str, aadsts: u32) {
        let mut state = self.state.lock().unwrap();
        let index = state.tenant_index(tenant).unwrap();
        for grant in state.refresh.values_mut().filter(|g| g.tenant == index) {
            grant.refused = Some(aadsts);
        }
    }

    /// Every token handed out so far: device codes, access, refresh and id tokens.
    pub fn issued(&self) -> Vec<String> {
        self.state.lock().unwrap().issued.clone()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// The refresh-token grants made so far, with the refresh token each sent.
    pub fn refreshes(&self, tenant: &str) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter_map(|call| match call {
                Call::Token {
                    tenant: t,
                    refresh_token: Some(rt),
                    ..
                } if t.eq_ignore_ascii_case(tenant) => Some(rt),
                _ => None,
            })
            .collect()
    }

    /// The refresh token handed out last for `tenant`.
    pub fn last_refresh_token(&self, tenant: &str) -> Option<String> {
        let state = self.state.lock().unwrap();
        let index = state.tenant_index(tenant)?;
        state
            .issued
            .iter()
            .rev()
            .find(|t| {
                t.starts_with("rt.") && state.refresh.get(*t).is_some_and(|g| g.tenant == index)
            })
            .cloned()
    }
}

impl State {
    fn tenant_index(&self, tenant: &str) -> Option<usize> {
        self.tenants
            .iter()
            .position(|t| t.id.eq_ignore_ascii_case(tenant))
    }

    /// A distinctive, random token: `kind.tenant.<32 hex digits>`.
    fn issue(&mut self, kind: &str, tenant: usize) -> String {
        let token = format!("{kind}.{}.{}", self.tenants[tenant].id, random_hex(16));
        self.issued.push(token.clone());
        token
    }

    /// A token answer for `tenant`, for a request that asked for `scope`: access, refresh and
    /// id tokens.
    fn grant(&mut self, tenant: usize, scope: &str) -> Value {
        let access = self.issue("at", tenant);
        let audit = scope.contains("AuditLog.Read.All");
        self.access.insert(access.clone(), (tenant, audit));
        let refresh = self.issue("rt", tenant);
        self.refresh.insert(
            refresh.clone(),
            Grant {
                tenant,
                refused: None,
            },
        );
        let spec = &self.tenants[tenant];
        let claims = json!({
            "aud": "client", "tid": spec.id, "preferred_username": spec.account,
            "name": format!("Operator of {}", spec.id), "nonce": random_hex(8),
        });
        let id_token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode(random_hex(16))
        );
        self.issued.push(id_token.clone());
        json!({
            "token_type": "Bearer",
            "scope": if audit {
                "https://graph.microsoft.com/Domain.Read.All https://graph.microsoft.com/AuditLog.Read.All openid profile"
            } else {
                "https://graph.microsoft.com/Domain.Read.All openid profile"
            },
            "expires_in": self.access_lifetime,
            "ext_expires_in": self.access_lifetime,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": id_token,
        })
    }
}

fn random_hex(bytes: usize) -> String {
    use ring::rand::SecureRandom as _;
    let mut buffer = vec![0u8; bytes];
    ring::rand::SystemRandom::new().fill(&mut buffer).unwrap();
    buffer.iter().fold(String::new(), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

fn form(request: &Request) -> HashMap<String, String> {
    form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn answer(status: u16, body: &Value) -> Reply {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Error",
    };
    Reply {
        body: body.to_string().into_bytes(),
        ..Reply::status(status, reason)
    }
    .header("Content-Type", "application/json; charset=utf-8")
}

/// Entra's error body: `error`, `error_description` starting with the AADSTS code, `error_codes`.
fn token_error(error: &str, code: u32, description: &str) -> Reply {
    answer(
        400,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: 0000\r\nCorrelation ID: 0001"),
            "error_codes": [code],
            "trace_id": "0000", "correlation_id": "0001",
        }),
    )
}

fn handle(state: &mut State, request: &Request) -> Reply {
    let path = request
        .path
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    if let Some(tenant) = path
        .strip_suffix("/oauth2/v2.0/devicecode")
        .and_then(|p| p.strip_prefix('/'))
    {
        return device_code(state, tenant, &form(request));
    }
    if let Some(tenant) = path
        .strip_suffix("/oauth2/v2.0/token")
        .and_then(|p| p.strip_prefix('/'))
    {
        return token(state, tenant, &form(request));
    }
    graph(state, request, &path)
}

fn device_code(state: &mut State, tenant: &str, form: &HashMap<String, String>) -> Reply {
    state.calls.push(Call::DeviceCode {
        tenant: tenant.to_owned(),
        client_id: form.get("client_id").cloned().unwrap_or_default(),
        scope: form.get("scope").cloned().unwrap_or_default(),
    });
    let Some(index) = state.tenant_index(tenant) else {
        return token_error(
            "invalid_request",
            90_002,
            &format!("Tenant '{tenant}' not found."),
        );
    };
    let device_code = state.issue("dc", index);
    let user_code = random_hex(4).to_ascii_uppercase();
    state.devices.push(Device {
        tenant: index,
        scope: form.get("scope").cloned().unwrap_or_default(),
        code: device_code.clone(),
        user_code: user_code.clone(),
        operator: Operator::Waiting,
    });
    let uri = "https://microsoft.example/devicelogin";
    answer(
        200,
        &json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": uri,
            "expires_in": state.expires_in,
            "interval": state.interval,
            "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
        }),
    )
}

fn token(state: &mut State, tenant: &str, form: &HashMap<String, String>) -> Reply {
    let grant_type = form.get("grant_type").cloned().unwrap_or_default();
    state.calls.push(Call::Token {
        tenant: tenant.to_owned(),
        grant_type: grant_type.clone(),
        client_id: form.get("client_id").cloned().unwrap_or_default(),
        refresh_token: form.get("refresh_token").cloned(),
        scope: form.get("scope").cloned(),
    });
    let Some(index) = state.tenant_index(tenant) else {
        return token_error(
            "invalid_request",
            90_002,
            &format!("Tenant '{tenant}' not found."),
        );
    };
    match grant_type.as_str() {
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let code = form.get("device_code").cloned().unwrap_or_default();
            let Some(device) = state
                .devices
                .iter()
                .position(|d| d.code == code && d.tenant == index)
            else {
                return token_error(
                    "bad_verification_code",
                    70_019,
                    "Verification code not recognised.",
                );
            };
            if let Some(scripted) = state.scripts[index].pop_front() {
                return match scripted {
                    Poll::Pending => token_error(
                        "authorization_pending",
                        70_016,
                        "The provided request has not yet been authorized by the user.",
                    ),
                    Poll::SlowDown => {
                        token_error("slow_down", 70_016, "Slow down: poll less often.")
                    }
                    Poll::ExpiredToken => {
                        token_error("expired_token", 70_020, "The provided request has expired.")
                    }
                    Poll::AccessDenied => {
                        token_error("access_denied", 70_000, "The user denied the request.")
                    }
                    Poll::Error(error, code) => {
                        token_error(error, code, "Refused by the stand-in.")
                    }
                };
            }
            match state.devices[device].operator {
                Operator::Waiting => token_error(
                    "authorization_pending",
                    70_016,
                    "The provided request has not yet been authorized by the user.",
                ),
                Operator::Declined => token_error(
                    "authorization_declined",
                    70_000,
                    "The user declined the sign-in request.",
                ),
                Operator::Approved => {
                    // A device code signs in once.
                    state.devices[device].operator = Operator::Waiting;
                    state.devices[device].code.clear();
                    let scope = state.devices[device].scope.clone();
                    answer(200, &state.grant(index, &scope))
                }
            }
        }
        "refresh_token" => {
            let token = form.get("refresh_token").cloned().unwrap_or_default();
            match state.refresh.get(&token) {
                Some(Grant {
                    tenant,
                    refused: None,
                }) if *tenant == index => {
                    let scope = form.get("scope").cloned().unwrap_or_default();
                    answer(200, &state.grant(index, &scope))
                }
                Some(Grant {
                    refused: Some(code),
                    ..
                }) => token_error(
                    "invalid_grant",
                    *code,
                    "The refresh token has been revoked or has expired. The user must sign in again.",
                ),
                _ => token_error(
                    "invalid_grant",
                    9_002_313,
                    "Invalid request. The refresh token is malformed or not valid.",
                ),
            }
        }
        other => token_error(
            "unsupported_grant_type",
            70_003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn graph(state: &mut State, request: &Request, path: &str) -> Reply {
    let bearer = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    let access = state.access.get(bearer).copied();
    state.calls.push(Call::Graph {
        tenant: access.map(|(t, _)| state.tenants[t].id.clone()),
        path: path.to_owned(),
    });
    let Some((tenant, audit)) = access else {
        return answer(
            401,
            &json!({ "error": { "code": "InvalidAuthenticationToken", "message": "Access token validation failure." } }),
        );
    };
    let spec = &state.tenants[tenant];
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v1.0", "domains"] => {
            let value: Vec<Value> = spec
                .domains
                .iter()
                .map(|(d, _)| json!({ "id": d, "authenticationType": "Federated", "isVerified": true }))
                .collect();
            answer(200, &json!({ "value": value }))
        }
        ["v1.0", "domains", domain, "federationConfiguration"] => {
            match spec
                .domains
                .iter()
                .find(|(d, _)| d.eq_ignore_ascii_case(domain))
            {
                Some((d, der)) => answer(
                    200,
                    &json!({ "value": [{
                        "id": format!("00000000-0000-4000-8000-{:012}", d.len()),
                        "displayName": d,
                        "issuerUri": format!("http://fs.{d}/adfs/services/trust"),
                        "passiveSignInUri": format!("https://fs.{d}/adfs/ls/"),
                        "metadataExchangeUri": format!("https://fs.{d}/adfs/services/trust/mex"),
                        "preferredAuthenticationProtocol": "wsFed",
                        "signingCertificate": STANDARD.encode(der),
                        "nextSigningCertificate": null,
                        "signingCertificateUpdateStatus": { "certificateUpdateResult": "success", "lastRunDateTime": "2026-12-01T03:00:00Z" },
                    }] }),
                ),
                None => answer(
                    404,
                    &json!({ "error": { "code": "Request_ResourceNotFound", "message": format!("Resource '{domain}' does not exist.") } }),
                ),
            }
        }
        ["v1.0", "auditLogs", "directoryAudits"] if !audit => answer(
            403,
            &json!({ "error": { "code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation." } }),
        ),
        ["v1.0", "auditLogs", "directoryAudits"] => {
            // fedcert asks for one activity at a time: `activityDisplayName eq '…' and …`.
            let filter = request
                .path
                .split_once('?')
                .map(|(_, query)| {
                    form_urlencoded::parse(query.as_bytes())
                        .find(|(k, _)| k == "$filter")
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            let value: Vec<&Value> = state.audits[tenant]
                .iter()
                .filter(|e| {
                    e["activityDisplayName"]
                        .as_str()
                        .is_some_and(|a| filter.contains(&format!("activityDisplayName eq '{a}'")))
                })
                .collect();
            answer(200, &json!({ "value": value }))
        }
        _ => answer(
            404,
            &json!({ "error": { "code": "BadRequest", "message": "no such path" } }),
        ),
    }
}
