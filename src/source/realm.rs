//! Home-realm discovery without credentials (DOMAIN.md §4): ask Entra's public user-realm
//! endpoints whether a domain is Managed or Federated, who its IdP is and where users sign in,
//! and derive the AD FS metadata URL from the IdP's host.
//!
//! Two endpoints, asked together: `{authority}/common/userrealm/{upn}?api-version=2.1` (JSON:
//! `NameSpaceType`, `FederationBrandName`, `AuthURL`) and `{authority}/getuserrealm.srf?login=
//! {upn}&xml=1` (XML, which adds `STSAuthURL` and `MEXURL`). Either one suffices.

use std::collections::HashMap;
use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::Event;
use reqwest::Url;
use reqwest::header::ACCEPT;
use serde::Serialize;
use serde_json::{Map, Value};

use super::graph::FederationConfiguration;
use super::graph::{error_chain, read_answer};
use super::imports::field;

/// The user name sent for a bare domain: Entra answers for the domain, whoever the user is.
const PROBE_USER: &str = "x";
/// User-realm answers are a few hundred bytes; anything past this is not one.
const MAX_ANSWER: usize = 1024 * 1024;

/// What Entra says a domain is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum NamespaceType {
    /// Users sign in at an external IdP whose token-signing certificate Entra holds.
    Federated,
    /// Entra signs the users in itself (password hash sync, pass-through auth, cloud only).
    Managed,
    /// Not a verified domain of any tenant.
    Unknown,
}

impl NamespaceType {
    fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "federated" => Self::Federated,
            "managed" => Self::Managed,
            _ => Self::Unknown,
        }
    }
}

/// The children of `<RealmInfo>`: element name → text.
pub type RealmFields = HashMap<String, String>;

/// The result of `fedcert discover` (DESIGN.md §3's `discover` JSON, plus extensions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Discovery {
    /// What the user typed.
    pub input: String,
    pub domain: String,
    pub namespace_type: NamespaceType,
    /// `FederationBrandName`.
    pub brand: Option<String>,
    /// The IdP's passive sign-in URL (`AuthURL`), without its query string.
    pub auth_url: Option<String>,
    pub idp_host: Option<String>,
    /// The derived metadata URL (AD FS only).
    pub metadata_url: Option<String>,
    /// An extension: `AD FS`, `Okta`, `PingFederate`, `Shibboleth`, `OneLogin`, when recognised.
    pub idp_product: Option<&'static str>,
    /// An extension: `STSAuthURL` (WS-Trust active endpoint).
    pub sts_auth_url: Option<String>,
    /// An extension: `MEXURL` (WS-Trust metadata exchange, not federation metadata).
    pub mex_url: Option<String>,
    /// An extension: `federation_protocol` (`WSTrust`, `SAML20`, …).
    pub federation_protocol: Option<String>,
    /// An extension: the conclusion in plain words.
    pub note: String,
    /// An extension: an endpoint that did not answer, when the other one did.
    pub warnings: Vec<String>,
}

/// Why discovery failed. One line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RealmError {
    #[error(
        "{input:?} is not a domain or user principal name ({reason}); expected contoso.com or user@contoso.com"
    )]
    BadInput { input: String, reason: String },
    #[error("authority {0:?} is not an https:// URL such as https://login.microsoftonline.com")]
    BadAuthority(String),
    #[error("home-realm discovery for {domain} failed: {detail}")]
    Unreachable { domain: String, detail: String },
}

/// A domain or UPN, checked: `contoso.com` becomes the probe `x@contoso.com`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealmQuery {
    pub input: String,
    pub upn: String,
    pub domain: String,
}

impl RealmQuery {
    pub fn parse(input: &str) -> Result<Self, RealmError> {
        let bad = |reason: &str| RealmError::BadInput {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = input.trim();
        let (user, domain) = match trimmed.rsplit_once('@') {
            Some((user, domain)) => (user, domain),
            None => (PROBE_USER, trimmed),
        };
        if user.is_empty() {
            return Err(bad("nothing before the @"));
        }
        if user
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#'))
        {
            return Err(bad("the user part has spaces or URL characters"));
        }
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if domain.is_empty() {
            return Err(bad("no domain"));
        }
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if domain.len() > 253 || !domain.split('.').all(label_ok) {
            return Err(bad(
                "only letters, digits, hyphens and dots may form a domain",
            ));
        }
        if !domain.contains('.') {
            return Err(bad("a domain has at least one dot"));
        }
        Ok(Self {
            input: trimmed.to_owned(),
            upn: format!("{user}@{domain}"),
            domain,
        })
    }
}

/// Asks Entra's user-realm endpoints. Cheap to clone.
#[derive(Clone, Debug)]
pub struct RealmClient {
    http: reqwest::Client,
    authority: Url,
}

impl RealmClient {
    /// `authority` is `https://login.microsoftonline.com` or a national cloud's (or a test server).
    pub fn new(authority: &str, timeout: Duration) -> Result<Self, RealmError> {
        let trimmed = authority.trim().trim_end_matches('/');
        let url = Url::parse(trimmed)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
            .ok_or_else(|| RealmError::BadAuthority(authority.to_owned()))?;
        super::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("fedcert/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RealmError::Unreachable {
                domain: trimmed.to_owned(),
                detail: format!("cannot build the HTTP client: {}", error_chain(&e)),
            })?;
        Ok(Self {
            http,
            authority: url,
        })
    }

    /// Discover `input` (a domain or a UPN).
    pub async fn discover(&self, input: &str) -> Result<Discovery, RealmError> {
        let query = RealmQuery::parse(input)?;
        let json_url = self.url(
            &["common", "userrealm", &query.upn],
            &[("api-version", "2.1")],
        );
        let xml_url = self.url(
            &["getuserrealm.srf"],
            &[("login", &query.upn), ("xml", "1")],
        );
        let (json, xml) = tokio::join!(
            self.get(&json_url, "application/json"),
            self.get(&xml_url, "text/xml")
        );
        let json = json
            .and_then(|body| parse_realm_json(&body))
            .map_err(|e| format!("{json_url}: {e}"));
        let xml = xml
            .and_then(|body| parse_realm_xml(&body))
            .map_err(|e| format!("{xml_url}: {e}"));
        let mut warnings = Vec::new();
        let (json, xml) = match (json, xml) {
            (Err(a), Err(b)) => {
                return Err(RealmError::Unreachable {
                    domain: query.domain,
                    detail: format!("{a}; {b}"),
                });
            }
            (json, xml) => {
                warnings.extend(json.as_ref().err().cloned());
                warnings.extend(xml.as_ref().err().cloned());
                (json.ok(), xml.ok())
            }
        };
        let mut discovery = interpret(&query, json.as_ref(), xml.as_ref());
        discovery.warnings = warnings;
        Ok(discovery)
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> String {
        let mut url = self.authority.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.query_pairs_mut().extend_pairs(query);
        url.to_string()
    }

    async fn get(&self, url: &str, accept: &str) -> Result<String, String> {
        let response = self
            .http
            .get(url)
            .header(ACCEPT, accept)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "no answer within the timeout".to_owned()
                } else {
                    error_chain(&e)
                }
            })?;
        let status = response.status();
        let body = read_answer(response, MAX_ANSWER).await?;
        if !status.is_success() {
            return Err(format!("HTTP {}", status.as_u16()));
        }
        String::from_utf8(body).map_err(|_| "answer is not UTF-8 text".into())
    }
}

/// The `api-version=2.1` (or 1.0) JSON answer as an object.
pub fn parse_realm_json(body: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(body.trim_start_matches('\u{feff}')) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err("not a user-realm JSON object".into()),
        Err(e) => Err(format!("not JSON ({e})")),
    }
}

/// The children of `<RealmInfo>` as name → text. DTDs are refused, entities limited to XML's five.
pub fn parse_realm_xml(body: &str) -> Result<RealmFields, String> {
    let mut reader = Reader::from_str(body.trim_start_matches('\u{feff}'));
    let mut fields = HashMap::new();
    let mut depth = 0usize;
    let mut current: Option<(String, String)> = None;
    let mut saw_root = false;
    loop {
        match reader.read_event().map_err(|e| format!("not XML ({e})"))? {
            Event::Start(e) => {
                depth += 1;
                let name = e.local_name().as_ref().to_owned();
                if depth == 1 {
                    if name != "RealmInfo" {
                        return Err(format!("root element is <{name}>, expected <RealmInfo>"));
                    }
                    saw_root = true;
                } else if depth == 2 {
                    current = Some((name, String::new()));
                }
            }
            Event::End(_) => {
                if let Some((name, text)) = current.take().filter(|_| depth == 2) {
                    fields.insert(name, text.trim().to_owned());
                }
                depth = depth.saturating_sub(1);
            }
            Event::Empty(e) if depth == 0 => {
                let name = e.local_name().as_ref().to_owned();
                return Err(format!("root element is an empty <{name}/>"));
            }
            Event::Text(t) => {
                if let Some((_, text)) = current.as_mut().filter(|_| depth == 2) {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some((_, text)) = current.as_mut().filter(|_| depth == 2) {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    _ => match r.xml10_content().as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(format!("unknown entity &{other};")),
                    },
                };
                if let Some((_, text)) = current.as_mut().filter(|_| depth == 2) {
                    text.push(resolved);
                }
            }
            Event::DocType(_) => {
                return Err("a DOCTYPE is not allowed in a user-realm answer".into());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err("no <RealmInfo> element".into());
    }
    Ok(fields)
}

/// Combine the two answers (either may be missing) into the discovery result.
pub fn interpret(
    query: &RealmQuery,
    json: Option<&Map<String, Value>>,
    xml: Option<&RealmFields>,
) -> Discovery {
    let from_json = |names: &[&str]| {
        json.and_then(|obj| {
            names
                .iter()
                .find_map(|n| field(obj, n).and_then(Value::as_str))
        })
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
    };
    let from_xml = |name: &str| {
        xml.and_then(|x| x.get(name))
            .filter(|s| !s.is_empty())
            .cloned()
    };
    let namespace_type = from_json(&["NameSpaceType", "account_type"])
        .or_else(|| from_xml("NameSpaceType"))
        .map_or(NamespaceType::Unknown, |t| NamespaceType::parse(&t));
    let domain = from_json(&["DomainName", "domain_name"])
        .or_else(|| from_xml("DomainName"))
        .map_or_else(|| query.domain.clone(), |d| d.to_ascii_lowercase());
    let brand = from_json(&["FederationBrandName"]).or_else(|| from_xml("FederationBrandName"));
    let federated = namespace_type == NamespaceType::Federated;
    let only_if_federated = |url: Option<String>| url.filter(|_| federated);
    let auth_url = only_if_federated(from_json(&["AuthURL"]).or_else(|| from_xml("AuthURL")))
        .map(|u| without_query(&u));
    let sts_auth_url = only_if_federated(
        from_xml("STSAuthURL").or_else(|| from_json(&["federation_active_auth_url"])),
    );
    let mex_url =
        only_if_federated(from_xml("MEXURL").or_else(|| from_json(&["federation_metadata_url"])));
    let federation_protocol = from_json(&["federation_protocol"]);
    Discovery::assemble(
        &query.input,
        domain,
        namespace_type,
        brand,
        Endpoints {
            auth_url,
            sts_auth_url,
            mex_url,
            federation_protocol,
        },
    )
}

/// The IdP's URLs as Entra names them.
struct Endpoints {
    auth_url: Option<String>,
    sts_auth_url: Option<String>,
    mex_url: Option<String>,
    federation_protocol: Option<String>,
}

impl Discovery {
    /// A discovery from Graph's federation configuration of a tenant's own domain (the
    /// authenticated route, DOMAIN.md §4.5 step 4): `passiveSignInUri`, `activeSignInUri`,
    /// `metadataExchangeUri`; the brand is the configuration's `displayName`.
    pub fn from_graph(domain: &str, federation: &FederationConfiguration) -> Self {
        let endpoints = Endpoints {
            auth_url: federation.passive_sign_in_uri.as_deref().map(without_query),
            sts_auth_url: federation.active_sign_in_uri.clone(),
            mex_url: federation.metadata_exchange_uri.clone(),
            federation_protocol: federation.preferred_authentication_protocol.clone(),
        };
        Self::assemble(
            domain,
            domain.trim().to_ascii_lowercase(),
            NamespaceType::Federated,
            federation.display_name.clone(),
            endpoints,
        )
    }

    fn assemble(
        input: &str,
        domain: String,
        namespace_type: NamespaceType,
        brand: Option<String>,
        endpoints: Endpoints,
    ) -> Self {
        let Endpoints {
            auth_url,
            sts_auth_url,
            mex_url,
            federation_protocol,
        } = endpoints;
        let urls: Vec<&str> = [&auth_url, &sts_auth_url, &mex_url]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let idp_host = urls.iter().find_map(|u| host_with_port(u));
        let metadata_url = adfs_metadata_url(urls.iter().copied());
        let idp_product = urls.iter().find_map(|u| product_of(u));
        let note = conclusion(
            &domain,
            namespace_type,
            idp_host.as_deref(),
            idp_product,
            metadata_url.as_deref(),
        );
        Self {
            input: input.trim().to_owned(),
            domain,
            namespace_type,
            brand,
            auth_url,
            idp_host,
            metadata_url,
            idp_product,
            sts_auth_url,
            mex_url,
            federation_protocol,
            note,
            warnings: Vec::new(),
        }
    }
}

fn conclusion(
    domain: &str,
    namespace: NamespaceType,
    host: Option<&str>,
    product: Option<&str>,
    metadata_url: Option<&str>,
) -> String {
    match (namespace, host, metadata_url) {
        (NamespaceType::Managed, ..) => format!(
            "{domain} is a managed domain: Entra signs its users in itself, so there is no federation certificate to watch"
        ),
        (NamespaceType::Unknown, ..) => {
            format!("Entra does not know {domain}: it is not a verified domain of any tenant")
        }
        (NamespaceType::Federated, Some(host), Some(url)) => {
            format!(
                "{domain} is federated with AD FS at {host}; its federation metadata should be at {url}"
            )
        }
        (NamespaceType::Federated, Some(host), None) => {
            let who = product.map_or_else(
                || "a third-party IdP".to_owned(),
                |p| format!("{p} (a third-party IdP)"),
            );
            let ping = if product == Some("PingFederate") {
                format!(
                    " PingFederate usually publishes it at https://{host}/pf/federation_metadata.ping."
                )
            } else {
                String::new()
            };
            format!(
                "{domain} is federated with {who} at {host}; no metadata URL can be derived for a third-party IdP: \
                 take it from the IdP's admin console and set metadata_url by hand.{ping} \
                 Entra reads no metadata from third-party IdPs, so every certificate rollover is a manual update"
            )
        }
        (NamespaceType::Federated, None, _) => {
            format!(
                "{domain} is federated, but Entra named no sign-in URL, so no metadata URL can be derived"
            )
        }
    }
}

/// `https://<host>/federationmetadata/2007-06/federationmetadata.xml` on the host of the first
/// URL that points at AD FS (its path contains `/adfs/`). `None` for any other IdP.
pub fn adfs_metadata_url<'a>(urls: impl IntoIterator<Item = &'a str>) -> Option<String> {
    urls.into_iter().find_map(|text| {
        let url = Url::parse(text.trim()).ok()?;
        url.path()
            .to_ascii_lowercase()
            .contains("/adfs/")
            .then_some(())?;
        let host = host_with_port(text)?;
        Some(format!(
            "https://{host}/federationmetadata/2007-06/federationmetadata.xml"
        ))
    })
}

/// `host` or `host:port` (when the port is not the scheme's default) of a URL.
fn host_with_port(text: &str) -> Option<String> {
    let url = Url::parse(text.trim()).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

fn without_query(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => text.split(['?', '#']).next().unwrap_or(text).to_owned(),
    }
}

/// Recognise the IdP product from a sign-in URL's host and path.
fn product_of(text: &str) -> Option<&'static str> {
    let url = Url::parse(text.trim()).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let path = url.path().to_ascii_lowercase();
    if path.contains("/adfs/") {
        Some("AD FS")
    } else if [".okta.com", ".oktapreview.com", ".okta-emea.com"]
        .iter()
        .any(|s| host.ends_with(s))
    {
        Some("Okta")
    } else if path.starts_with("/idp/prp.wsf")
        || path.starts_with("/idp/sts.wst")
        || path.starts_with("/pf/")
    {
        Some("PingFederate")
    } else if path.contains("/idp/profile/") || host.contains("shibboleth") {
        Some("Shibboleth")
    } else if host.ends_with(".onelogin.com") {
        Some("OneLogin")
    } else {
        None
    }
}
