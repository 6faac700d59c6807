//! Raw, spanned config → validated [`Config`]. Every refusal points at the value it refuses.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::diagnostic::{Origin, allowed, client_secret_refusal};
use super::raw::{RawConfig, RawDomain, RawEntra, RawPolicy, RawSettings};
use super::thresholds::merge_policy;
use super::{
    Auth, Config, ConfigError, DEFAULT_PUBLIC_CLIENT_ID, DomainConfig, EntraConfig, Settings,
};
use crate::assess::Policy;
use crate::cert::Sha1;
use crate::location::Location;
use crate::units::{parse_byte_size, parse_duration};

/// The shortest poll interval we accept: metadata changes on a scale of days.
const MIN_REFRESH: Duration = Duration::from_secs(60);
const MAX_CONCURRENCY: i64 = 256;
const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
const DEFAULT_GRAPH: &str = "https://graph.microsoft.com";

type Checked<T> = Result<T, ConfigError>;

pub(super) fn validate(raw: &RawConfig, origin: &Origin<'_>) -> Checked<Config> {
    let settings = match &raw.settings {
        Some(settings) => check_settings(settings, origin)?,
        None => Settings::default(),
    };
    let global_policy = raw
        .settings
        .as_ref()
        .map(RawSettings::policy)
        .unwrap_or_default();
    let entra = raw
        .entra
        .as_ref()
        .map(|entra| check_entra(entra, Table::Entra, origin))
        .transpose()?;
    let tenants = check_tenants(&raw.tenant, entra.as_ref(), origin)?;
    let default_tenant = entra.as_ref().map(|e| e.label().to_owned());
    // Name → byte offset of its first `name`; the line is worked out only for the error
    // (counting lines for every domain made loading 10,000 domains quadratic).
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut domains = Vec::with_capacity(raw.domain.len());
    for domain in &raw.domain {
        let mut checked = check_domain(domain.get_ref(), &settings.policy, &global_policy, origin)?;
        checked.tenant = match &domain.get_ref().tenant {
            Some(name) => Some(domain_tenant(name, entra.as_ref(), &tenants, origin)?),
            None => default_tenant.clone(),
        };
        let name_span = domain.get_ref().name.span();
        if let Some(&first) = seen.get(&checked.name.to_lowercase()) {
            let (line, _) = origin.line_column(first);
            return Err(origin.error_at(
                &name_span,
                format!(
                    "domain {:?} is already configured at line {line} (names are compared case-insensitively); remove one of the two [[domain]] tables",
                    checked.name
                ),
            ));
        }
        seen.insert(checked.name.to_lowercase(), name_span.start);
        domains.push(checked);
    }
    let keys = match &raw.keys {
        Some(table) => super::ui::check_keys(table, origin)?,
        None => super::keys::KeyBindings::default(),
    };
    let theme = match &raw.theme {
        Some(theme) => super::ui::check_theme(theme, origin)?,
        None => super::theme::ThemeConfig::default(),
    };
    Ok(Config {
        path: None,
        settings,
        entra,
        tenants,
        domains,
        keys,
        theme,
    })
}

fn check_settings(raw: &RawSettings, origin: &Origin<'_>) -> Checked<Settings> {
    let defaults = Settings::default();
    let refresh = match &raw.refresh {
        Some(value) => refresh_interval("refresh", value, origin)?,
        None => defaults.refresh,
    };
    let timeout = optional_positive_duration("timeout", raw.timeout.as_ref(), origin)?
        .unwrap_or(defaults.timeout);
    let connect_timeout =
        optional_positive_duration("connect_timeout", raw.connect_timeout.as_ref(), origin)?
            .unwrap_or(defaults.connect_timeout);
    let max_body = match &raw.max_body {
        Some(value) => byte_size(value, origin)?,
        None => defaults.max_body,
    };
    let concurrency = match &raw.concurrency {
        Some(value) => concurrency(value, origin)?,
        None => defaults.concurrency,
    };
    let policy = merge_policy(
        &Policy::default(),
        &raw.policy(),
        &RawPolicy::default(),
        origin,
    )?;
    Ok(Settings {
        refresh,
        timeout,
        connect_timeout,
        max_body,
        concurrency,
        policy,
    })
}

/// Which table an `[entra]`-shaped table is, for its messages.
#[derive(Clone, Copy)]
enum Table<'a> {
    Entra,
    /// A `[[tenant]]`, by its name when it has one.
    Tenant(Option<&'a str>),
}

impl std::fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Entra => f.write_str("[entra]"),
            Self::Tenant(Some(name)) => write!(f, "[[tenant]] {name:?}"),
            Self::Tenant(None) => f.write_str("[[tenant]]"),
        }
    }
}

/// `[[tenant]]` tables: each named, no two named alike (nor like `[entra]`).
fn check_tenants(
    raw: &[Spanned<RawEntra>],
    entra: Option<&EntraConfig>,
    origin: &Origin<'_>,
) -> Checked<Vec<EntraConfig>> {
    let mut tenants: Vec<EntraConfig> = Vec::with_capacity(raw.len());
    for spanned in raw {
        let table = spanned.get_ref();
        let Some(name_value) = &table.name else {
            return Err(origin.error_at(
                &table.tenant_id.span(),
                format!(
                    "[[tenant]] with tenant_id = {:?} has no name: add name = \"…\" (how [[domain]] tenant = \"…\" and fedcert login --tenant call it)",
                    table.tenant_id.get_ref()
                ),
            ));
        };
        let name = non_empty("name", name_value, origin)?;
        let tenant = check_entra(spanned, Table::Tenant(Some(&name)), origin)?;
        let taken = entra
            .into_iter()
            .chain(&tenants)
            .find(|t| t.label().eq_ignore_ascii_case(&name));
        if let Some(other) = taken {
            return Err(origin.error_at(
                &name_value.span(),
                format!(
                    "tenant name {name:?} is already taken by {} (names are compared case-insensitively); give each tenant its own name",
                    if other.name.is_none() { "[entra]'s tenant_id".to_owned() } else { format!("another tenant ({})", other.label()) }
                ),
            ));
        }
        tenants.push(tenant);
    }
    Ok(tenants)
}

/// `[[domain]] tenant = "NAME"` → the label of the tenant it names.
fn domain_tenant(
    value: &Spanned<String>,
    entra: Option<&EntraConfig>,
    tenants: &[EntraConfig],
    origin: &Origin<'_>,
) -> Checked<String> {
    let name = non_empty("tenant", value, origin)?;
    let all = || entra.into_iter().chain(tenants);
    all()
        .find(|t| t.label().eq_ignore_ascii_case(&name))
        .or_else(|| all().find(|t| t.tenant_id.eq_ignore_ascii_case(&name)))
        .map(|t| t.label().to_owned())
        .ok_or_else(|| {
            let known: Vec<&str> = all().map(EntraConfig::label).collect();
            let known = if known.is_empty() {
                "none is configured".to_owned()
            } else {
                format!("configured: {}", known.join(", "))
            };
            origin.error_at(
                &value.span(),
                format!(
                    "tenant = {name:?} names no tenant ({known}); add a [[tenant]] table with name = {name:?} and its tenant_id"
                ),
            )
        })
}

fn check_entra(
    spanned: &Spanned<RawEntra>,
    table: Table<'_>,
    origin: &Origin<'_>,
) -> Checked<EntraConfig> {
    let raw = spanned.get_ref();
    if let Some(secret) = &raw.client_secret {
        return Err(origin.error_at(&secret.span(), client_secret_refusal()));
    }
    let name = raw
        .name
        .as_ref()
        .map(|value| tenant_name(value, origin))
        .transpose()?;
    let tenant_id = non_empty("tenant_id", &raw.tenant_id, origin)?;
    if ["common", "organizations", "consumers"]
        .iter()
        .any(|alias| tenant_id.eq_ignore_ascii_case(alias))
    {
        return Err(origin.error_at(
            &raw.tenant_id.span(),
            format!("tenant_id = {tenant_id:?} is not one tenant: use the tenant's ID (a GUID) or its .onmicrosoft.com name"),
        ));
    }
    let auth = raw.auth.as_ref().map(|v| auth(v, origin)).transpose()?;
    let client_id = raw
        .client_id
        .as_ref()
        .map(|value| {
            let client_id = non_empty("client_id", value, origin)?;
            if is_guid(&client_id) {
                Ok(client_id)
            } else {
                Err(origin.error_at(
                    &value.span(),
                    format!("client_id = {client_id:?} is not an application (client) ID: expected a GUID like 00000000-0000-0000-0000-000000000000"),
                ))
            }
        })
        .transpose()?;
    let client_secret_env = raw
        .client_secret_env
        .as_ref()
        .map(|value| env_var_name(value, origin))
        .transpose()?;
    let client_certificate = raw
        .client_certificate
        .as_ref()
        .map(|v| path("client_certificate", v, origin))
        .transpose()?;
    let client_key = raw
        .client_key
        .as_ref()
        .map(|v| private_file("client_key", v, origin))
        .transpose()?;
    match (&raw.client_certificate, &raw.client_key) {
        (Some(cert), None) => {
            return Err(origin.error_at(
                &cert.span(),
                "client_certificate needs client_key too (the PEM private key of that certificate)",
            ));
        }
        (None, Some(key)) => {
            return Err(origin.error_at(&key.span(), "client_key needs client_certificate too (the PEM certificate registered on the app)"));
        }
        _ => {}
    }
    let authority = endpoint(
        "authority",
        raw.authority.as_ref(),
        DEFAULT_AUTHORITY,
        origin,
    )?;
    let graph = endpoint("graph", raw.graph.as_ref(), DEFAULT_GRAPH, origin)?;
    let mut entra = EntraConfig {
        name,
        tenant_id,
        auth,
        client_id: client_id.clone().unwrap_or_default(),
        client_secret_env,
        client_certificate,
        client_key,
        authority,
        graph,
    };
    check_auth(raw, &mut entra, table, client_id.is_some(), origin)?;
    Ok(entra)
}

/// The keys the method in force needs are there, and none that only another method uses.
fn check_auth(
    raw: &RawEntra,
    entra: &mut EntraConfig,
    table: Table<'_>,
    has_client_id: bool,
    origin: &Origin<'_>,
) -> Checked<()> {
    let at = raw
        .auth
        .as_ref()
        .map_or_else(|| raw.tenant_id.span(), Spanned::span);
    match entra.auth() {
        Auth::Device => {
            let app_keys = [
                (
                    "client_secret_env",
                    raw.client_secret_env.as_ref().map(Spanned::span),
                ),
                (
                    "client_certificate",
                    raw.client_certificate.as_ref().map(Spanned::span),
                ),
            ];
            if let Some((key, Some(span))) = app_keys.into_iter().find(|(_, span)| span.is_some()) {
                return Err(origin.error_at(
                    &span,
                    format!("{table}: auth = \"device\" signs you in as yourself, so {key} is not used: remove it, or set auth = \"{}\"", if key == "client_secret_env" { "secret" } else { "certificate" }),
                ));
            }
            if !has_client_id {
                DEFAULT_PUBLIC_CLIENT_ID.clone_into(&mut entra.client_id);
            }
        }
        method @ (Auth::Secret | Auth::Certificate) => {
            if !has_client_id {
                return Err(origin.error_at(
                    &at,
                    format!("{table} has no client_id: auth = \"{}\" signs in as an app registration; set client_id to its application (client) ID, or use auth = \"device\" to sign in as yourself", method.name()),
                ));
            }
            if method == Auth::Secret && entra.client_secret_env.is_none() {
                return Err(origin.error_at(
                    &at,
                    format!("{table}: auth = \"secret\" needs client_secret_env = \"FEDCERT_CLIENT_SECRET\" (the name of the variable that holds the secret)"),
                ));
            }
            if method == Auth::Certificate && entra.client_certificate.is_none() {
                return Err(origin.error_at(
                    &at,
                    format!("{table}: auth = \"certificate\" needs client_certificate and client_key (the PEM certificate registered on the app and its key)"),
                ));
            }
        }
    }
    Ok(())
}

fn auth(value: &Spanned<String>, origin: &Origin<'_>) -> Checked<Auth> {
    let text = value.get_ref().trim();
    Auth::ALL
        .into_iter()
        .find(|a| a.name().eq_ignore_ascii_case(text))
        .ok_or_else(|| {
            origin.error_at(
                &value.span(),
                format!(
                    "auth = {text:?} is not a sign-in method: auth must be {}",
                    allowed("auth")
                ),
            )
        })
}

/// A tenant's `name`: no spaces, so that `--tenant NAME` takes it as it is.
fn tenant_name(value: &Spanned<String>, origin: &Origin<'_>) -> Checked<String> {
    let name = non_empty("name", value, origin)?;
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(origin.error_at(
            &value.span(),
            format!("name = {name:?} must not contain spaces: a tenant's name is a word such as \"contoso\""),
        ));
    }
    Ok(name)
}

fn check_domain(
    raw: &RawDomain,
    global: &Policy,
    global_raw: &RawPolicy,
    origin: &Origin<'_>,
) -> Checked<DomainConfig> {
    let name = domain_name(&raw.name, origin)?;
    let metadata_url = metadata_location(&raw.metadata_url, origin)?;
    let optional_string = |value: &Option<Spanned<String>>, key| {
        value
            .as_ref()
            .map(|v| non_empty(key, v, origin))
            .transpose()
    };
    let thumbprint = |value: &Option<Spanned<String>>, key| -> Checked<Option<Sha1>> {
        value
            .as_ref()
            .map(|v| {
                v.get_ref()
                    .parse::<Sha1>()
                    .map_err(|e| origin.error_at(&v.span(), format!("{key}: {e}")))
            })
            .transpose()
    };
    let policy = merge_policy(global, &raw.policy(), global_raw, origin)?;
    Ok(DomainConfig {
        name,
        metadata_url,
        entity_id: optional_string(&raw.entity_id, "entity_id")?,
        auto_rollover: raw.auto_rollover.as_ref().map(|v| *v.get_ref()),
        adfs_primary_server: optional_string(&raw.adfs_primary_server, "adfs_primary_server")?,
        support_multiple_domain: raw
            .support_multiple_domain
            .as_ref()
            .is_some_and(|v| *v.get_ref()),
        entra_signing_thumbprint: thumbprint(
            &raw.entra_signing_thumbprint,
            "entra_signing_thumbprint",
        )?,
        entra_next_signing_thumbprint: thumbprint(
            &raw.entra_next_signing_thumbprint,
            "entra_next_signing_thumbprint",
        )?,
        ca_file: raw
            .ca_file
            .as_ref()
            .map(|v| path("ca_file", v, origin))
            .transpose()?,
        metadata_signer: raw
            .metadata_signer
            .as_ref()
            .map(|v| metadata_signers(v, origin))
            .transpose()?
            .unwrap_or_default(),
        require_signature: raw.require_signature.as_ref().is_some_and(|v| *v.get_ref()),
        // Resolved by `validate`, which knows the tenants.
        tenant: None,
        refresh: raw
            .refresh
            .as_ref()
            .map(|v| refresh_interval("refresh", v, origin))
            .transpose()?,
        policy,
    })
}

/// `metadata_signer`: one thumbprint or an array of them, each pointed at when it is refused.
fn metadata_signers(value: &Spanned<toml::Value>, origin: &Origin<'_>) -> Checked<Vec<Sha1>> {
    let wrong = || {
        origin.error_at(
            &value.span(),
            format!("metadata_signer must be {}", allowed("metadata_signer")),
        )
    };
    let texts: Vec<&str> = match value.get_ref() {
        toml::Value::String(text) => vec![text.as_str()],
        toml::Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().ok_or_else(wrong))
            .collect::<Checked<_>>()?,
        _ => return Err(wrong()),
    };
    let spans = if matches!(value.get_ref(), toml::Value::Array(_)) {
        super::ui::string_spans(origin.text, &value.span(), texts.len())
    } else {
        vec![value.span(); texts.len()]
    };
    texts
        .iter()
        .zip(spans)
        .map(|(text, span)| {
            text.parse::<Sha1>()
                .map_err(|e| origin.error_at(&span, format!("metadata_signer: {e}")))
        })
        .collect()
}

fn concurrency(value: &Spanned<i64>, origin: &Origin<'_>) -> Checked<usize> {
    let n = *value.get_ref();
    (1..=MAX_CONCURRENCY)
        .contains(&n)
        .then(|| usize::try_from(n).ok())
        .flatten()
        .ok_or_else(|| {
            origin.error_at(
                &value.span(),
                format!(
                    "concurrency = {n} is out of range: concurrency must be {}",
                    allowed("concurrency")
                ),
            )
        })
}

fn duration(key: &str, value: &Spanned<String>, origin: &Origin<'_>) -> Checked<Duration> {
    parse_duration(value.get_ref())
        .map_err(|e| origin.error_at(&value.span(), format!("{key}: {e}")))
}

fn refresh_interval(key: &str, value: &Spanned<String>, origin: &Origin<'_>) -> Checked<Duration> {
    let interval = duration(key, value, origin)?;
    if interval < MIN_REFRESH {
        return Err(origin.error_at(
            &value.span(),
            format!("{key} = {:?} is below the 1 minute minimum (federation metadata changes over days; \"15m\" is the default)", value.get_ref()),
        ));
    }
    Ok(interval)
}

fn optional_positive_duration(
    key: &str,
    value: Option<&Spanned<String>>,
    origin: &Origin<'_>,
) -> Checked<Option<Duration>> {
    let Some(value) = value else { return Ok(None) };
    let parsed = duration(key, value, origin)?;
    if parsed.is_zero() {
        return Err(origin.error_at(
            &value.span(),
            format!(
                "{key} = {:?} must be above zero, e.g. \"20s\"",
                value.get_ref()
            ),
        ));
    }
    Ok(Some(parsed))
}

fn byte_size(value: &Spanned<toml::Value>, origin: &Origin<'_>) -> Checked<u64> {
    let refuse = |what: String| {
        origin.error_at(
            &value.span(),
            format!(
                "max_body = {what}: max_body must be {}",
                allowed("max_body")
            ),
        )
    };
    let bytes = match value.get_ref() {
        toml::Value::Integer(n) => u64::try_from(*n).map_err(|_| refuse(n.to_string()))?,
        toml::Value::String(text) => {
            parse_byte_size(text).map_err(|_| refuse(format!("{text:?}")))?
        }
        other => return Err(refuse(format!("{other} ({})", other.type_str()))),
    };
    if bytes == 0 {
        return Err(refuse("0".into()));
    }
    Ok(bytes)
}

fn non_empty(key: &str, value: &Spanned<String>, origin: &Origin<'_>) -> Checked<String> {
    let text = value.get_ref().trim();
    if text.is_empty() {
        return Err(origin.error_at(
            &value.span(),
            format!("{key} is empty; it must be {}", allowed(key)),
        ));
    }
    Ok(text.to_owned())
}

fn path(key: &str, value: &Spanned<String>, origin: &Origin<'_>) -> Checked<PathBuf> {
    non_empty(key, value, origin).map(PathBuf::from)
}

/// A private key's path: refused when the file exists and group or others may read or write it
/// (as ssh refuses such keys). A file not there yet is reported when it is first read.
fn private_file(key: &str, value: &Spanned<String>, origin: &Origin<'_>) -> Checked<PathBuf> {
    let file = path(key, value, origin)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(&file) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(origin.error_at(
                    &value.span(),
                    format!(
                        "{key} = {:?} is readable or writable by group or others (mode {mode:03o}); a private key must be the owner's alone: run chmod 600 {}",
                        value.get_ref(),
                        file.display()
                    ),
                ));
            }
        }
    }
    Ok(file)
}

/// A federated domain's name as Entra knows it (`contoso.com`): not a URL, an address or a
/// path, and without spaces.
fn domain_name(value: &Spanned<String>, origin: &Origin<'_>) -> Checked<String> {
    let name = non_empty("name", value, origin)?;
    let refuse = |why: String| Err(origin.error_at(&value.span(), why));
    if let Some((_, rest)) = name.split_once("://") {
        let host = rest.split(['/', ':', '?', '#']).next().unwrap_or_default();
        return refuse(format!(
            "name = {name:?} is a URL; name is the domain as Entra knows it: name = {host:?} (the URL goes in metadata_url)"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '/' | '\\' | ':' | '@' | '?' | '#'))
    {
        let shown = if bad.is_whitespace() {
            "a space".to_owned()
        } else {
            format!("{bad:?}")
        };
        return refuse(format!(
            "name = {name:?} must not contain {shown}: use the domain name, e.g. \"contoso.com\""
        ));
    }
    Ok(name)
}

fn metadata_location(value: &Spanned<String>, origin: &Origin<'_>) -> Checked<String> {
    let text = value.get_ref().trim();
    if Location::is_plain_http(text) {
        return Ok(text.to_owned());
    }
    match Location::parse(text) {
        Ok(Location::Stdin) => Err(origin.error_at(&value.span(), "metadata_url = \"-\" (stdin) only works with `fedcert inspect -`; give a URL or a file path")),
        Ok(Location::File(path)) if !path.exists() && starts_with_a_host(text) => {
            Err(origin.error_at(
                &value.span(),
                format!(
                    "metadata_url = {text:?} has no scheme, so it would be read as a file, and there is no such file; for the federation service write metadata_url = \"https://{text}\" (for a file in a directory named like a host, write ./{text})"
                ),
            ))
        }
        Ok(_) => Ok(text.to_owned()),
        Err(why) => Err(origin.error_at(&value.span(), format!("metadata_url = {text:?} is refused: {why}"))),
    }
}

/// `fs.contoso.com/federationmetadata/…`: a relative path whose first part is a host name with
/// a dot (what is left of a URL without its scheme).
fn starts_with_a_host(text: &str) -> bool {
    let first = text.split('/').next().unwrap_or_default();
    let host = first.split(':').next().unwrap_or_default();
    let named = host.contains('.')
        && !host.starts_with('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && host.chars().any(|c| c.is_ascii_alphabetic());
    text.contains('/') && (named || host.parse::<std::net::Ipv4Addr>().is_ok())
}

fn endpoint(
    key: &str,
    value: Option<&Spanned<String>>,
    default: &str,
    origin: &Origin<'_>,
) -> Checked<String> {
    let Some(value) = value else {
        return Ok(default.to_owned());
    };
    let text = value.get_ref().trim();
    match Location::parse(text) {
        Ok(Location::Http(_)) => Ok(text.trim_end_matches('/').to_owned()),
        _ => Err(origin.error_at(
            &value.span(),
            format!(
                "{key} = {text:?} is refused: {key} must be {}",
                allowed(key)
            ),
        )),
    }
}

fn env_var_name(value: &Spanned<String>, origin: &Origin<'_>) -> Checked<String> {
    let name = value.get_ref().trim();
    let mut chars = name.chars();
    let well_formed = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        // Don't echo it: it may be the secret itself, pasted into the wrong key.
        return Err(origin.error_at(
            &value.span(),
            "client_secret_env must be the NAME of an environment variable (letters, digits and _), such as \"FEDCERT_CLIENT_SECRET\", not the secret itself",
        ));
    }
    Ok(name.to_owned())
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}
