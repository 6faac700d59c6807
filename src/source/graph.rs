//! The Entra side through Microsoft Graph (read-only; DOMAIN.md §3): a token by the
//! client-credentials grant (app-only), or from the operator's saved sign-in (delegated,
//! [`signin`], obtained by the device code flow of [`GraphClient::start_device_sign_in`]),
//! cached until shortly before it expires, then
//! `GET {graph}/v1.0/domains/{domain}/federationConfiguration` and `GET {graph}/v1.0/domains`.
//!
//! Failures are [`GraphError`] values that name the URL and carry what Entra said (the AADSTS
//! code and message of a refused token request, Graph's error code). Throttling (429) and 5xx
//! answers are retried with back-off, honouring `Retry-After`, within the timeout. The client
//! secret never appears in an error, a log line or `Debug` output.

mod credential;
mod delegated;
mod posture;
pub mod signin;

use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::Url;
use reqwest::header::{ACCEPT, RETRY_AFTER};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::time::Instant;

pub use crate::assess::update_status::{ReportedResult, UpdateResult};
pub use credential::{Credential, CredentialSource, Secret};
pub use delegated::{DeviceCode, LoginError, Pause, real_pause};
pub use posture::{
    AUDIT_PERMISSION, AUDIT_WINDOW, Access, AuditedChange, DOMAINS_PERMISSION,
    FEDERATION_ACTIVITIES,
};
pub use signin::{SignIn, SignInNeeded, SignInStatus, SignInWhy, SignIns};

use super::imports::{date, field, spelled, string};
use crate::assess::{EntraSide, EntraSource};
use crate::cert::{CertInfo, Sha1};
use crate::config::{Auth, EntraConfig};

/// The public cloud's sign-in host.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// The public cloud's Graph host.
pub const DEFAULT_GRAPH: &str = "https://graph.microsoft.com";

/// Answers larger than this are refused (a domain list of a few thousand entries is ~1 MiB).
const MAX_ANSWER: usize = 16 * 1024 * 1024;
/// Attempts per request, the first included, when Graph throttles or fails with 5xx.
const MAX_ATTEMPTS: u32 = 6;
/// Pages of `GET /domains` followed at most.
const MAX_PAGES: usize = 200;

/// How to reach Graph for one tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphSettings {
    /// Tenant id or a verified domain (`contoso.onmicrosoft.com`).
    pub tenant: String,
    /// How commands name the tenant (`fedcert login --tenant NAME`); `None`: by `tenant`.
    pub name: Option<String>,
    /// The application (client) id.
    pub client_id: String,
    pub credential: CredentialSource,
    /// `https://login.microsoftonline.com` (or a national cloud's, or a test server).
    pub authority: String,
    /// `https://graph.microsoft.com` (or a national cloud's, or a test server).
    pub graph: String,
    /// Budget for one call, retries included.
    pub timeout: Duration,
    /// First back-off delay when Graph gives no `Retry-After`; doubles per attempt.
    pub retry_base: Duration,
}

impl GraphSettings {
    /// Settings with the public cloud's URLs and a 20 s timeout.
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        credential: CredentialSource,
    ) -> Self {
        Self {
            tenant: tenant.into(),
            name: None,
            client_id: client_id.into(),
            credential,
            authority: DEFAULT_AUTHORITY.into(),
            graph: DEFAULT_GRAPH.into(),
            timeout: Duration::from_secs(20),
            retry_base: Duration::from_secs(1),
        }
    }

    /// From the config's `[entra]` table (or a `[[tenant]]`): the operator's sign-in, kept in
    /// the data dir (`FEDCERT_DATA_DIR` or the platform's), for `auth = "device"`; else exactly
    /// one of `client_secret_env` or `client_certificate` + `client_key`.
    pub fn from_config(entra: &EntraConfig, timeout: Duration) -> Result<Self, GraphError> {
        Self::from_config_in(entra, timeout, crate::store::Store::default_dir())
    }

    /// As [`Self::from_config`], a device sign-in kept in `data_dir`.
    pub fn from_config_in(
        entra: &EntraConfig,
        timeout: Duration,
        data_dir: Option<std::path::PathBuf>,
    ) -> Result<Self, GraphError> {
        let credential = match entra.auth() {
            Auth::Device => CredentialSource::SignedIn { data_dir },
            Auth::Secret | Auth::Certificate => app_credential(entra)?,
        };
        Ok(Self {
            name: entra.name.clone(),
            authority: entra.authority.clone(),
            graph: entra.graph.clone(),
            timeout,
            ..Self::new(&entra.tenant_id, &entra.client_id, credential)
        })
    }
}

/// The app's credential: exactly one of `client_secret_env` or `client_certificate` +
/// `client_key`.
fn app_credential(entra: &EntraConfig) -> Result<CredentialSource, GraphError> {
    match (
        &entra.client_secret_env,
        &entra.client_certificate,
        &entra.client_key,
    ) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(setup(
            "set either client_secret_env or client_certificate + client_key, not both",
        )),
        (Some(name), None, None) => Ok(CredentialSource::SecretEnv(name.clone())),
        (None, Some(certificate), Some(key)) => Ok(CredentialSource::Certificate {
            certificate: certificate.clone(),
            key: key.clone(),
        }),
        (None, Some(_), None) => Err(setup(
            "client_certificate needs client_key (the PEM private key)",
        )),
        (None, None, Some(_)) => Err(setup(
            "client_key needs client_certificate (the PEM certificate)",
        )),
        (None, None, None) => Err(setup(
            "no credential: set client_secret_env = \"FEDCERT_CLIENT_SECRET\" (the variable's name) \
             or client_certificate + client_key, or auth = \"device\" to sign in as yourself",
        )),
    }
}

fn setup(message: impl Into<String>) -> GraphError {
    GraphError::Setup(message.into())
}

/// Why the Entra side could not be read through Graph. `Display` is one line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// The `[entra]` settings or the credential are unusable.
    #[error("[entra] {0}")]
    Setup(String),
    /// Nobody is signed in to the tenant, or Entra refused the saved sign-in: the operator
    /// signs in (again) with `fedcert login --tenant NAME`.
    #[error("{0}")]
    SignIn(SignInNeeded),
    /// Entra refused the token request.
    #[error("token request to {url} failed: {detail}")]
    Token {
        url: String,
        status: Option<u16>,
        aadsts: Option<u32>,
        detail: String,
    },
    /// The domain has no federation configuration (404, or an empty answer).
    #[error(
        "no federation configuration for {domain} in Entra (is it a federated domain of this tenant?)"
    )]
    NoFederation { domain: String },
    /// Graph answered with an error status.
    #[error("{url}: Graph answered HTTP {status}: {detail}")]
    Graph {
        url: String,
        status: u16,
        code: Option<String>,
        detail: String,
    },
    /// No answer: DNS, connection, TLS or timeout.
    #[error("{url}: {detail}")]
    Transport {
        url: String,
        timeout: bool,
        detail: String,
    },
    /// An answer fedcert cannot read.
    #[error("{url}: unexpected answer: {detail}")]
    Answer { url: String, detail: String },
}

impl GraphError {
    /// A word or two for table cells: `AADSTS7000215`, `not federated`, `graph 403`, `timeout`.
    pub fn short(&self) -> String {
        match self {
            Self::Setup(_) => "entra config".into(),
            Self::SignIn(_) => "sign in".into(),
            Self::Token {
                aadsts: Some(code), ..
            } => format!("AADSTS{code}"),
            Self::Token { .. } => "token".into(),
            Self::NoFederation { .. } => "not federated".into(),
            Self::Graph { status, .. } => format!("graph {status}"),
            Self::Transport { timeout: true, .. } => "timeout".into(),
            Self::Transport { .. } => "unreachable".into(),
            Self::Answer { .. } => "bad answer".into(),
        }
    }
}

/// A certificate Entra holds: its DER and SHA-1 thumbprint. Stored as base64.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "CertificateText", try_from = "CertificateText")]
pub struct EntraCertificate {
    pub sha1: Sha1,
    pub der: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct CertificateText {
    base64: String,
}

impl From<EntraCertificate> for CertificateText {
    fn from(cert: EntraCertificate) -> Self {
        Self {
            base64: cert.base64(),
        }
    }
}

impl TryFrom<CertificateText> for EntraCertificate {
    type Error = String;
    fn try_from(text: CertificateText) -> Result<Self, String> {
        Self::from_base64(&text.base64)
    }
}

impl fmt::Debug for EntraCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EntraCertificate({}, {} bytes)",
            self.sha1,
            self.der.len()
        )
    }
}

impl EntraCertificate {
    /// Base64 DER as Graph and `[Convert]::ToBase64String` write it (whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&compact))
            .map_err(|e| format!("not base64 ({e})"))?;
        Self::from_der(der)
    }

    pub fn from_der(der: Vec<u8>) -> Result<Self, String> {
        // A DER certificate is a SEQUENCE; anything else is not one (x509 details come later).
        if der.len() < 16 || der[0] != 0x30 {
            return Err(format!(
                "{} bytes that are not a DER certificate",
                der.len()
            ));
        }
        Ok(Self {
            sha1: Sha1::of(&der),
            der,
        })
    }

    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }
}

/// Graph's `internalDomainFederation` for one domain: what Entra holds and does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FederationConfiguration {
    /// `-InternalDomainFederationId` for `Update-MgDomainFederationConfiguration`.
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub issuer_uri: Option<String>,
    pub passive_sign_in_uri: Option<String>,
    pub active_sign_in_uri: Option<String>,
    pub metadata_exchange_uri: Option<String>,
    pub sign_out_uri: Option<String>,
    pub preferred_authentication_protocol: Option<String>,
    pub signing_certificate: Option<EntraCertificate>,
    pub next_signing_certificate: Option<EntraCertificate>,
    /// `signingCertificateUpdateStatus.certificateUpdateResult`.
    pub update_result: Option<ReportedResult>,
    /// `signingCertificateUpdateStatus.lastRunDateTime`.
    pub last_run: Option<DateTime<Utc>>,
    /// `federatedIdpMfaBehavior`.
    pub mfa_behavior: Option<String>,
}

impl FederationConfiguration {
    /// Read Graph's object (camelCase) or PowerShell's (PascalCase): names compare without case.
    pub fn from_json(obj: &Map<String, Value>) -> Result<Self, String> {
        let certificate = |name: &str| -> Result<Option<EntraCertificate>, String> {
            let name = spelled(obj, name);
            string(obj, name)?
                .map(|text| {
                    EntraCertificate::from_base64(&text).map_err(|why| format!("{name}: {why}"))
                })
                .transpose()
        };
        let (update_result, last_run) = match field(obj, "signingCertificateUpdateStatus") {
            Some(Value::Object(status)) => (
                string(status, "certificateUpdateResult")?.map(ReportedResult::from),
                date(status, "lastRunDateTime")?,
            ),
            Some(_) => {
                let name = spelled(obj, "signingCertificateUpdateStatus");
                return Err(format!("{name} is not an object"));
            }
            None => (None, None),
        };
        Ok(Self {
            id: string(obj, "id")?,
            display_name: string(obj, "displayName")?,
            issuer_uri: string(obj, "issuerUri")?,
            passive_sign_in_uri: string(obj, "passiveSignInUri")?,
            active_sign_in_uri: string(obj, "activeSignInUri")?,
            metadata_exchange_uri: string(obj, "metadataExchangeUri")?,
            sign_out_uri: string(obj, "signOutUri")?,
            preferred_authentication_protocol: string(obj, "preferredAuthenticationProtocol")?,
            signing_certificate: certificate("signingCertificate")?,
            next_signing_certificate: certificate("nextSigningCertificate")?,
            update_result,
            last_run,
            mfa_behavior: string(obj, "federatedIdpMfaBehavior")?,
        })
    }

    /// The Entra side for the verdict, certificates analysed with [`crate::cert::analyze`].
    pub fn entra_side(&self, source: EntraSource, as_of: DateTime<Utc>) -> EntraSide {
        self.entra_side_with(source, as_of, |der| crate::cert::analyze(der).ok())
    }

    /// As [`Self::entra_side`], with the certificate analysis supplied by the caller. The
    /// thumbprints never depend on it.
    pub fn entra_side_with(
        &self,
        source: EntraSource,
        as_of: DateTime<Utc>,
        analyze: impl Fn(&[u8]) -> Option<CertInfo>,
    ) -> EntraSide {
        EntraSide {
            source: Some(source),
            signing: self.signing_certificate.as_ref().map(|c| c.sha1),
            next_signing: self.next_signing_certificate.as_ref().map(|c| c.sha1),
            signing_cert: self
                .signing_certificate
                .as_ref()
                .and_then(|c| analyze(&c.der)),
            next_signing_cert: self
                .next_signing_certificate
                .as_ref()
                .and_then(|c| analyze(&c.der)),
            update_result: self.update_result.clone(),
            last_run: self.last_run,
            federation_id: self.id.clone(),
            issuer_uri: self.issuer_uri.clone(),
            mfa_behavior: self.mfa_behavior.clone(),
            passive_sign_in_uri: self.passive_sign_in_uri.clone(),
            as_of: Some(as_of),
        }
    }

    /// The AD FS metadata URL on the host of `passiveSignInUri` / `metadataExchangeUri`
    /// (DOMAIN.md §4.5 step 4), when they point at AD FS.
    pub fn metadata_url(&self) -> Option<String> {
        let urls = [
            self.passive_sign_in_uri.as_deref(),
            self.metadata_exchange_uri.as_deref(),
        ];
        super::realm::adfs_metadata_url(urls.into_iter().flatten())
    }

    /// `issuerUri` is `http://{domain}/adfs/services/trust/`: the domain was federated with
    /// `-SupportMultipleDomain`.
    pub fn uses_multiple_domain_issuer(&self, domain: &str) -> bool {
        self.issuer_uri.as_deref().is_some_and(|uri| {
            uri.eq_ignore_ascii_case(&format!("http://{domain}/adfs/services/trust/"))
        })
    }
}

/// A domain of the tenant, from `GET /domains`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphDomain {
    pub id: String,
    /// `Federated` or `Managed`, as Graph spells it.
    pub authentication_type: String,
    pub is_verified: Option<bool>,
}

/// Reads the Entra side from Graph. Cheap to clone; one connection pool and one token cache.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    tenant: String,
    /// How commands name the tenant (`--tenant NAME`).
    name: String,
    client_id: String,
    credential: Credential,
    authority: String,
    token_url: String,
    scope: String,
    graph: String,
    timeout: Duration,
    retry_base: Duration,
    token: tokio::sync::Mutex<Option<CachedToken>>,
}

struct CachedToken {
    access_token: Secret,
    /// Fetch a new token from this moment on (a few minutes before it expires).
    refresh_after: DateTime<Utc>,
    /// For a token from the operator's sign-in: when that sign-in was made. A new sign-in (or
    /// none) makes the token stale at once.
    signed_in_at: Option<DateTime<Utc>>,
    /// For a token from the operator's sign-in: the saved sign-in's file as it was then
    /// ([`SignIns::stamp`]).
    file_stamp: Option<signin::FileStamp>,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("GraphClient")
            .field("tenant", &inner.tenant)
            .field("client_id", &inner.client_id)
            .field("credential", &inner.credential.describe())
            .field("token_url", &inner.token_url)
            .field("graph", &inner.graph)
            .finish_non_exhaustive()
    }
}

/// One HTTP answer, read whole.
struct Answer {
    status: u16,
    body: Vec<u8>,
    attempts: u32,
}

/// What a Graph GET gave.
enum GraphAnswer {
    Json(Value),
    NotFound,
}

impl GraphClient {
    /// Build a client; the secret comes from the process environment.
    pub fn new(settings: &GraphSettings) -> Result<Self, GraphError> {
        Self::with_env(settings, &|name| std::env::var(name).ok())
    }

    /// Build a client with `env` as the environment (tests).
    pub fn with_env(
        settings: &GraphSettings,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, GraphError> {
        let authority = base_url("authority", &settings.authority)?;
        let graph = base_url("graph", &settings.graph)?;
        if settings.tenant.trim().is_empty() || settings.tenant.contains(['/', '?', '#', ' ']) {
            return Err(setup(format!(
                "tenant_id = {:?} is not a tenant id or domain",
                settings.tenant
            )));
        }
        if settings.client_id.trim().is_empty() {
            return Err(setup("client_id is empty: set the application (client) id"));
        }
        let credential = Credential::load(&settings.credential, env).map_err(GraphError::Setup)?;
        super::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("fedcert/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| setup(format!("cannot build the HTTP client: {}", error_chain(&e))))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                tenant: settings.tenant.trim().to_owned(),
                name: settings
                    .name
                    .clone()
                    .unwrap_or_else(|| settings.tenant.trim().to_owned()),
                client_id: settings.client_id.trim().to_owned(),
                credential,
                token_url: format!("{authority}/{}/oauth2/v2.0/token", settings.tenant.trim()),
                authority,
                scope: format!("{graph}/.default"),
                graph,
                timeout: settings.timeout,
                retry_base: settings.retry_base,
                token: tokio::sync::Mutex::new(None),
            }),
        })
    }

    /// The tenant as `--tenant` takes it, when this client reads Graph as the operator who
    /// signed in with `fedcert login`; `None` for an app's secret or certificate.
    pub fn operator_tenant(&self) -> Option<&str> {
        match self.inner.credential {
            Credential::SignedIn(_) => Some(&self.inner.name),
            Credential::Secret { .. } | Credential::Certificate(_) => None,
        }
    }

    /// `GET {graph}/v1.0/domains/{domain}/federationConfiguration` → the one object Graph returns.
    pub async fn federation_configuration(
        &self,
        domain: &str,
        now: DateTime<Utc>,
    ) -> Result<FederationConfiguration, GraphError> {
        let mut url = self.graph_url(&["v1.0", "domains"])?;
        url.path_segments_mut()
            .map_err(|()| setup("the graph URL cannot take a path"))?
            .push(domain.trim())
            .push("federationConfiguration");
        let url = url.to_string();
        let value = match self.get_json(&url, now).await? {
            GraphAnswer::Json(value) => value,
            GraphAnswer::NotFound => {
                return Err(GraphError::NoFederation {
                    domain: domain.trim().to_owned(),
                });
            }
        };
        let answer = |detail: String| GraphError::Answer {
            url: url.clone(),
            detail,
        };
        let Some(Value::Array(items)) = field_of(&value, "value") else {
            return Err(answer("no \"value\" list".into()));
        };
        let Some(first) = items.first() else {
            return Err(GraphError::NoFederation {
                domain: domain.trim().to_owned(),
            });
        };
        let Value::Object(obj) = first else {
            return Err(answer("value[0] is not an object".into()));
        };
        FederationConfiguration::from_json(obj).map_err(answer)
    }

    /// The Entra side of `domain` as of `now`, for the poller.
    pub async fn entra_side(
        &self,
        domain: &str,
        now: DateTime<Utc>,
    ) -> Result<EntraSide, GraphError> {
        Ok(self
            .federation_configuration(domain, now)
            .await?
            .entra_side(EntraSource::Graph, now))
    }

    /// Every domain of the tenant whose `authenticationType` is `Federated`, following
    /// `@odata.nextLink`.
    pub async fn federated_domains(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<GraphDomain>, GraphError> {
        let mut url = self.graph_url(&["v1.0", "domains"])?;
        url.query_pairs_mut()
            .append_pair("$select", "id,authenticationType,isVerified");
        self.every_page(url.to_string(), now, "domains", federated_in_page)
            .await
    }

    /// The items of a paged collection starting at `url`, as `read` finds them in each page,
    /// following `@odata.nextLink` (on the Graph host only) for at most [`MAX_PAGES`] pages of
    /// `what` (`"domains"`, `"audit events"`).
    async fn every_page<T>(
        &self,
        url: String,
        now: DateTime<Utc>,
        what: &str,
        read: fn(&Value) -> Result<Vec<T>, String>,
    ) -> Result<Vec<T>, GraphError> {
        let mut next = Some(url);
        let mut items = Vec::new();
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(GraphError::Answer {
                    url,
                    detail: format!("more than {MAX_PAGES} pages of {what}"),
                });
            }
            let GraphAnswer::Json(page) = self.get_json(&url, now).await? else {
                return Err(GraphError::Graph {
                    url,
                    status: 404,
                    code: None,
                    detail: format!("no list of {what}"),
                });
            };
            items.extend(read(&page).map_err(|detail| GraphError::Answer {
                url: url.clone(),
                detail,
            })?);
            next = match field_of(&page, "@odata.nextLink") {
                Some(Value::String(link)) => Some(self.checked_next_link(&url, link)?),
                _ => None,
            };
        }
        Ok(items)
    }

    /// A `nextLink` must stay on the configured Graph host: the token goes with it.
    fn checked_next_link(&self, url: &str, link: &str) -> Result<String, GraphError> {
        if link.starts_with(&format!("{}/", self.inner.graph)) {
            Ok(link.to_owned())
        } else {
            Err(GraphError::Answer {
                url: url.to_owned(),
                detail: format!(
                    "@odata.nextLink {link:?} leaves {}; not following it",
                    self.inner.graph
                ),
            })
        }
    }

    fn graph_url(&self, segments: &[&str]) -> Result<Url, GraphError> {
        let mut url =
            Url::parse(&self.inner.graph).map_err(|e| setup(format!("graph URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| setup("the graph URL cannot take a path"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A bearer token, from the cache while it is fresh.
    async fn token(&self, now: DateTime<Utc>) -> Result<Secret, GraphError> {
        let mut cached = self.inner.token.lock().await;
        if let Credential::SignedIn(sign_ins) = &self.inner.credential {
            return self.signed_in_token(sign_ins, &mut cached, now).await;
        }
        if let Some(token) = cached.as_ref().filter(|t| now < t.refresh_after) {
            return Ok(token.access_token.clone());
        }
        let fresh = self.request_token(now).await?;
        let token = fresh.access_token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    async fn forget_token(&self) {
        *self.inner.token.lock().await = None;
    }

    async fn request_token(&self, now: DateTime<Utc>) -> Result<CachedToken, GraphError> {
        let inner = &self.inner;
        let url = inner.token_url.as_str();
        let mut form: Vec<(&str, String)> = vec![
            ("client_id", inner.client_id.clone()),
            ("scope", inner.scope.clone()),
            ("grant_type", "client_credentials".into()),
        ];
        match &inner.credential {
            Credential::Secret { secret, .. } => {
                form.push(("client_secret", secret.expose().to_owned()));
            }
            Credential::Certificate(signer) => {
                let assertion = signer
                    .assertion(&inner.client_id, url, now)
                    .map_err(GraphError::Setup)?;
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push(("client_assertion", assertion));
            }
            // Its tokens come from the saved sign-in (`signed_in_token`), never from here.
            Credential::SignedIn(_) => {
                return Err(setup("the operator's sign-in has no client credentials"));
            }
        }
        let answer = self
            .send(url, &|| {
                inner
                    .http
                    .post(url)
                    .header(ACCEPT, "application/json")
                    .form(&form)
            })
            .await?;
        let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
        if answer.status != 200 {
            return Err(self.token_failure(url, &answer, json.as_ref()));
        }
        access_token(url, json.as_ref(), now)
    }

    /// A refused token request, with Entra's AADSTS code and message and a hint for the common ones.
    fn token_failure(&self, url: &str, answer: &Answer, json: Option<&Value>) -> GraphError {
        let aadsts = json
            .and_then(|j| field_of(j, "error_codes"))
            .and_then(Value::as_array)
            .and_then(|codes| codes.first())
            .and_then(Value::as_u64)
            .and_then(|c| u32::try_from(c).ok());
        let description = json
            .and_then(|j| field_of(j, "error_description"))
            .and_then(Value::as_str)
            .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
            .map(str::to_owned);
        let error = json
            .and_then(|j| field_of(j, "error"))
            .and_then(Value::as_str);
        // What the server said is redacted before fedcert's own words are added, so that a
        // short secret never blanks out a word of a hint.
        let mut detail = self.redact(&match (description, aadsts) {
            (Some(d), Some(code)) if !d.contains("AADSTS") => format!("AADSTS{code}: {d}"),
            (Some(d), _) => d,
            (None, Some(code)) => format!("AADSTS{code}"),
            (None, None) => format!("HTTP {}: {}", answer.status, snippet(&answer.body)),
        });
        if let Some(error) = error {
            let _ = write!(
                detail,
                " (error {}, HTTP {})",
                self.redact(error),
                answer.status
            );
        }
        if let Some(hint) = aadsts.and_then(|code| token_hint(code, &self.inner.credential)) {
            detail.push_str(" — ");
            detail.push_str(&hint);
        }
        if answer.attempts > 1 {
            let _ = write!(detail, " after {} attempts", answer.attempts);
        }
        GraphError::Token {
            url: url.to_owned(),
            status: Some(answer.status),
            aadsts,
            detail,
        }
    }

    async fn get_json(&self, url: &str, now: DateTime<Utc>) -> Result<GraphAnswer, GraphError> {
        let token = self.token(now).await?;
        let http = &self.inner.http;
        let answer = self
            .send(url, &|| {
                http.get(url)
                    .bearer_auth(token.expose())
                    .header(ACCEPT, "application/json")
            })
            .await?;
        match answer.status {
            200 => serde_json::from_slice(&answer.body)
                .map(GraphAnswer::Json)
                .map_err(|e| GraphError::Answer {
                    url: url.to_owned(),
                    detail: format!("not JSON ({e})"),
                }),
            404 => Ok(GraphAnswer::NotFound),
            status => {
                if status == 401 {
                    // A revoked or mis-scoped token: fetch a new one next time.
                    self.forget_token().await;
                }
                Err(self.graph_failure(url, &answer))
            }
        }
    }

    fn graph_failure(&self, url: &str, answer: &Answer) -> GraphError {
        let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
        let error = json.as_ref().and_then(|j| field_of(j, "error"));
        let code = error
            .and_then(|e| field_of(e, "code"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let message = error
            .and_then(|e| field_of(e, "message"))
            .and_then(Value::as_str);
        let mut detail = self.redact(&match (&code, message) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.clone(),
            (None, Some(message)) => message.to_owned(),
            (None, None) => snippet(&answer.body),
        });
        let signed_in = matches!(self.inner.credential, Credential::SignedIn(_));
        match answer.status {
            401 if signed_in => {
                let _ = write!(
                    detail,
                    " — Graph refused the token of your sign-in; if it persists, sign in again: fedcert login --tenant {}",
                    self.inner.name
                );
            }
            401 => detail.push_str(" — Graph refused the token; check tenant_id and that the app is consented in this tenant"),
            403 if signed_in => detail.push_str(
                " — the signed-in account needs a role that may read federation settings (Global Reader, \
                 Security Reader, Domain Name Administrator, External Identity Provider Administrator, \
                 Hybrid Identity Administrator or Security Administrator), and the client the delegated \
                 permission Domain.Read.All",
            ),
            403 => detail.push_str(
                " — grant the app the application permission Domain.Read.All (with admin consent) in this tenant",
            ),
            429 => detail.push_str(" — Graph is throttling this app; fedcert retries on the next refresh"),
            _ => {}
        }
        if answer.attempts > 1 {
            let _ = write!(detail, " (after {} attempts)", answer.attempts);
        }
        GraphError::Graph {
            url: url.to_owned(),
            status: answer.status,
            code: code.map(|c| self.redact(&c)),
            detail,
        }
    }

    /// Send a request, retrying 429 and 5xx with back-off (honouring `Retry-After`) for as long
    /// as the timeout allows.
    async fn send(
        &self,
        url: &str,
        build: &(dyn Fn() -> reqwest::RequestBuilder + Sync),
    ) -> Result<Answer, GraphError> {
        let deadline = Instant::now() + self.inner.timeout;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let response = build().send().await.map_err(|e| transport(url, &e))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body =
                read_answer(response, MAX_ANSWER)
                    .await
                    .map_err(|detail| GraphError::Answer {
                        url: url.to_owned(),
                        detail,
                    })?;
            let retryable = status == 429 || (500..600).contains(&status);
            if retryable && attempts < MAX_ATTEMPTS {
                let wait =
                    retry_after.unwrap_or_else(|| self.inner.retry_base * 2u32.pow(attempts - 1));
                if Instant::now() + wait < deadline {
                    tracing::debug!(
                        url,
                        status,
                        wait_ms = wait.as_millis(),
                        "Graph asked to retry"
                    );
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return Ok(Answer {
                status,
                body,
                attempts,
            });
        }
    }

    /// Remove the secret from text that came from the network, in case a server echoes it.
    fn redact(&self, text: &str) -> String {
        match &self.inner.credential {
            Credential::Secret { secret, .. } if !secret.expose().is_empty() => {
                text.replace(secret.expose(), "[redacted]")
            }
            _ => text.to_owned(),
        }
    }
}

/// The access token of a token answer, to be renewed five minutes before it expires (or halfway
/// through a token shorter than ten minutes).
fn access_token(
    url: &str,
    json: Option<&Value>,
    now: DateTime<Utc>,
) -> Result<CachedToken, GraphError> {
    let token = token_text(
        url,
        json,
        "access_token",
        "the answer holds no access_token",
    )?;
    let lifetime = seconds(json, "expires_in").unwrap_or(3600);
    let margin = (lifetime / 2).min(300);
    Ok(CachedToken {
        access_token: Secret::new(token),
        refresh_after: now + TimeDelta::seconds(lifetime - margin),
        signed_in_at: None,
        file_stamp: None,
    })
}

/// The text of `name` in a successful token answer; without it (or empty), a token error
/// saying `missing`.
fn token_text<'a>(
    url: &str,
    json: Option<&'a Value>,
    name: &str,
    missing: &str,
) -> Result<&'a str, GraphError> {
    json.and_then(|j| field_of(j, name))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| GraphError::Token {
            url: url.to_owned(),
            status: Some(200),
            aadsts: None,
            detail: missing.to_owned(),
        })
}

/// A count of seconds in a token answer: a number (v2.0) or a numeric string (older answers).
fn seconds(json: Option<&Value>, name: &str) -> Option<i64> {
    json.and_then(|j| field_of(j, name))
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .map(|n| n.max(0))
}

fn federated_in_page(page: &Value) -> Result<Vec<GraphDomain>, String> {
    let Some(Value::Array(items)) = field_of(page, "value") else {
        return Err("no \"value\" list of domains".into());
    };
    let mut federated = Vec::new();
    for item in items {
        let Value::Object(obj) = item else {
            return Err("a domain entry is not an object".into());
        };
        let Some(id) = string(obj, "id")? else {
            continue;
        };
        let authentication_type = string(obj, "authenticationType")?.unwrap_or_default();
        if authentication_type.eq_ignore_ascii_case("federated") {
            let is_verified = field(obj, "isVerified").and_then(Value::as_bool);
            federated.push(GraphDomain {
                id,
                authentication_type,
                is_verified,
            });
        }
    }
    Ok(federated)
}

/// `name` of a JSON object, ignoring case.
fn field_of<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value.as_object().and_then(|obj| field(obj, name))
}

fn token_hint(code: u32, credential: &Credential) -> Option<String> {
    if let Credential::SignedIn(_) = credential
        && let Some(hint) = sign_in_hint(code)
    {
        return Some(hint.to_owned());
    }
    let hint = match code {
        7_000_215 => format!(
            "Entra refused the client secret: put the secret's Value (not its ID) in {}",
            match credential {
                Credential::Secret { origin, .. } => origin.as_str(),
                Credential::Certificate(_) | Credential::SignedIn(_) => "the secret",
            }
        ),
        7_000_222 => "the client secret has expired: create a new one for the app".into(),
        700_016 => "client_id is not an application in this tenant".into(),
        90_002 | 900_023 => "tenant_id is not a tenant Entra knows".into(),
        700_027 => {
            "the client certificate is not registered on the app, or its assertion is invalid"
                .into()
        }
        7_000_112 => "the application is disabled".into(),
        _ => return None,
    };
    Some(hint)
}

/// What the common refusals of an operator's sign-in mean, and what to do.
fn sign_in_hint(code: u32) -> Option<&'static str> {
    Some(match code {
        7_000_218 => {
            "the app registration does not allow public client flows: turn on Authentication → \
             Allow public client flows, or leave client_id out to use Microsoft Graph Command Line Tools"
        }
        65_001 => {
            "nobody has consented to Domain.Read.All for this client in the tenant: an administrator \
             signs in once and consents for the organisation (README: Signing in)"
        }
        700_016 => {
            "client_id is not an application in this tenant, or it is not consented here yet: an \
             administrator signs in once and consents"
        }
        50_076 | 50_079 => "the tenant asks for multi-factor authentication: sign in again",
        53_003 => "a Conditional Access policy blocks this sign-in (from this client or place)",
        50_020 | 50_034 | 50_126 => "the account cannot sign in to this tenant",
        70_008 | 700_082 => "the sign-in lapsed after 90 days unused: sign in again",
        50_173 | 50_133 => {
            "the password changed or the sign-in sessions were revoked: sign in again"
        }
        _ => return None,
    })
}

fn base_url(key: &str, text: &str) -> Result<String, GraphError> {
    let trimmed = text.trim().trim_end_matches('/');
    match Url::parse(trimmed) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host().is_some() => {
            Ok(trimmed.to_owned())
        }
        _ => Err(setup(format!(
            "{key} = {text:?} is not an https:// URL such as {}",
            match key {
                "graph" => DEFAULT_GRAPH,
                _ => DEFAULT_AUTHORITY,
            }
        ))),
    }
}

/// An answer's body, refused past `max` bytes (Graph's and the home-realm endpoint's).
pub(super) async fn read_answer(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("answer cut off: {}", error_chain(&e)))?
    {
        if body.len() + chunk.len() > max {
            return Err(format!("answer larger than {} MiB", max / (1024 * 1024)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn transport(url: &str, error: &reqwest::Error) -> GraphError {
    let detail = if error.is_timeout() {
        "no answer within the timeout".to_owned()
    } else if error.is_connect() {
        format!("cannot connect: {}", error_chain(error))
    } else {
        error_chain(error)
    };
    GraphError::Transport {
        url: url.to_owned(),
        timeout: error.is_timeout(),
        detail,
    }
}

/// The causes of an error, innermost last, without reqwest's URL prefix.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = error.source();
    while let Some(cause) = current {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = cause.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

/// The start of a non-JSON body, on one line.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "empty answer".into();
    }
    let short: String = line.chars().take(160).collect();
    if short.len() < line.len() {
        format!("{short}…")
    } else {
        short
    }
}
