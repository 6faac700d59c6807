//! Raw, spanned config → validated [`Config`]. Every refusal points at the value it refuses.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::diagnostic::{Origin, allowed, client_secret_refusal};
use super::raw::{RawConfig, RawDomain, RawEntra, RawPolicy, RawSettings};
use super::thresholds::merge_policy;
use super::{Config, ConfigError, DomainConfig, EntraConfig, Settings};
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
        .map(|entra| check_entra(entra, origin))
        .transpose()?;
    // Name → byte offset of its first `name`; the line is worked out only for the error
    // (counting lines for every domain made loading 10,000 domains quadratic).
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut domains = Vec::with_capacity(raw.domain.len());
    for domain in &raw.domain {
        let checked = check_domain(domain.get_ref(), &settings.policy, &global_policy, origin)?;
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

fn check_entra(spanned: &Spanned<RawEntra>, origin: &Origin<'_>) -> Checked<EntraConfig> {
    let raw = spanned.get_ref();
    if let Some(secret) = &raw.client_secret {
        return Err(origin.error_at(&secret.span(), client_secret_refusal()));
    }
    let tenant_id = non_empty("tenant_id", &raw.tenant_id, origin)?;
    let client_id = non_empty("client_id", &raw.client_id, origin)?;
    if !is_guid(&client_id) {
        return Err(origin.error_at(
            &raw.client_id.span(),
            format!("client_id = {client_id:?} is not an application (client) ID: expected a GUID like 00000000-0000-0000-0000-000000000000"),
        ));
    }
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
    if client_secret_env.is_none() && client_certificate.is_none() {
        return Err(origin.error_at(
            &raw.tenant_id.span(),
            "[entra] has no credential: set client_secret_env = \"FEDCERT_CLIENT_SECRET\" (the variable's name) or client_certificate and client_key",
        ));
    }
    let authority = endpoint(
        "authority",
        raw.authority.as_ref(),
        DEFAULT_AUTHORITY,
        origin,
    )?;
    let graph = endpoint("graph", raw.graph.as_ref(), DEFAULT_GRAPH, origin)?;
    Ok(EntraConfig {
        tenant_id,
        client_id,
        client_secret_env,
        client_certificate,
        client_key,
        authority,
        graph,
    })
}

fn check_domain(
    raw: &RawDomain,
    global: &Policy,
    global_raw: &RawPolicy,
    origin: &Origin<'_>,
) -> Checked<DomainConfig> {
    let name = non_empty("name", &raw.name, origin)?;
    if name.chars().any(char::is_whitespace) {
        return Err(origin.error_at(
            &raw.name.span(),
            format!(
                "name = {name:?} must not contain spaces: use the domain name, e.g. \"contoso.com\""
            ),
        ));
    }
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

fn metadata_location(value: &Spanned<String>, origin: &Origin<'_>) -> Checked<String> {
    let text = value.get_ref().trim();
    match Location::parse(text) {
        Ok(Location::Stdin) => Err(origin.error_at(&value.span(), "metadata_url = \"-\" (stdin) only works with `fedcert inspect -`; give a URL or a file path")),
        Ok(_) => Ok(text.to_owned()),
        Err(why) => Err(origin.error_at(&value.span(), format!("metadata_url = {text:?} is refused: {why}"))),
    }
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
