//! The config file exactly as written: serde structs with `deny_unknown_fields` and spans on
//! every value, so that validation can point at the line and column of what it refuses.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub settings: Option<RawSettings>,
    pub entra: Option<Spanned<RawEntra>>,
    /// `[[tenant]]`: more tenants, each with a `name` and every `[entra]` key.
    #[serde(default)]
    pub tenant: Vec<Spanned<RawEntra>>,
    #[serde(default)]
    pub domain: Vec<Spanned<Box<RawDomain>>>,
    /// `[keys]`: action name → a key or an array of keys. Checked by hand (the action names
    /// are the keymap's), so a map rather than a struct.
    pub keys: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    pub theme: Option<RawTheme>,
}

/// `[theme]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTheme {
    pub preset: Option<Spanned<String>>,
    pub critical: Option<Spanned<String>>,
    pub warning: Option<Spanned<String>>,
    pub unknown: Option<Spanned<String>>,
    pub ok: Option<Spanned<String>>,
    pub accent: Option<Spanned<String>>,
    pub dim: Option<Spanned<String>>,
}

/// `[settings]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    pub refresh: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub connect_timeout: Option<Spanned<String>>,
    /// A byte count (integer) or a size string.
    pub max_body: Option<Spanned<toml::Value>>,
    pub concurrency: Option<Spanned<i64>>,
    pub renew_now_days: Option<Spanned<i64>>,
    pub manual_renew_days: Option<Spanned<i64>>,
    pub entra_poll_days: Option<Spanned<i64>>,
    pub generation_days: Option<Spanned<i64>>,
    pub promotion_days: Option<Spanned<i64>>,
    pub plan_days: Option<Spanned<i64>>,
    pub critical_days: Option<Spanned<i64>>,
    pub tls_warn_days: Option<Spanned<i64>>,
}

/// `[entra]`, or one `[[tenant]]` (which needs `name`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEntra {
    pub name: Option<Spanned<String>>,
    pub tenant_id: Spanned<String>,
    /// `"device"`, `"secret"` or `"certificate"`; absent: chosen by the keys present.
    pub auth: Option<Spanned<String>>,
    /// Optional for `auth = "device"` (a public client is used).
    pub client_id: Option<Spanned<String>>,
    pub client_secret_env: Option<Spanned<String>>,
    /// Known only to be refused with a pointer to `client_secret_env`.
    pub client_secret: Option<Spanned<toml::Value>>,
    pub client_certificate: Option<Spanned<String>>,
    pub client_key: Option<Spanned<String>>,
    pub authority: Option<Spanned<String>>,
    pub graph: Option<Spanned<String>>,
}

/// One `[[domain]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDomain {
    pub name: Spanned<String>,
    pub metadata_url: Spanned<String>,
    pub entity_id: Option<Spanned<String>>,
    pub auto_rollover: Option<Spanned<bool>>,
    pub adfs_primary_server: Option<Spanned<String>>,
    pub support_multiple_domain: Option<Spanned<bool>>,
    pub entra_signing_thumbprint: Option<Spanned<String>>,
    pub entra_next_signing_thumbprint: Option<Spanned<String>>,
    pub ca_file: Option<Spanned<String>>,
    /// A thumbprint or an array of thumbprints.
    pub metadata_signer: Option<Spanned<toml::Value>>,
    pub require_signature: Option<Spanned<bool>>,
    /// The name of the `[[tenant]]` whose Entra holds this domain (default: `[entra]`).
    pub tenant: Option<Spanned<String>>,
    pub refresh: Option<Spanned<String>>,
    pub renew_now_days: Option<Spanned<i64>>,
    pub manual_renew_days: Option<Spanned<i64>>,
    pub entra_poll_days: Option<Spanned<i64>>,
    pub generation_days: Option<Spanned<i64>>,
    pub promotion_days: Option<Spanned<i64>>,
    pub plan_days: Option<Spanned<i64>>,
    pub critical_days: Option<Spanned<i64>>,
    pub tls_warn_days: Option<Spanned<i64>>,
}

/// The policy thresholds as written in one scope (`[settings]` or a `[[domain]]`).
#[derive(Clone, Debug, Default)]
#[allow(clippy::struct_field_names)] // the keys as the file spells them
pub(super) struct RawPolicy {
    pub renew_now_days: Option<Spanned<i64>>,
    pub manual_renew_days: Option<Spanned<i64>>,
    pub entra_poll_days: Option<Spanned<i64>>,
    pub generation_days: Option<Spanned<i64>>,
    pub promotion_days: Option<Spanned<i64>>,
    pub plan_days: Option<Spanned<i64>>,
    pub critical_days: Option<Spanned<i64>>,
    pub tls_warn_days: Option<Spanned<i64>>,
}

macro_rules! policy_of {
    ($raw:expr) => {
        RawPolicy {
            renew_now_days: $raw.renew_now_days.clone(),
            manual_renew_days: $raw.manual_renew_days.clone(),
            entra_poll_days: $raw.entra_poll_days.clone(),
            generation_days: $raw.generation_days.clone(),
            promotion_days: $raw.promotion_days.clone(),
            plan_days: $raw.plan_days.clone(),
            critical_days: $raw.critical_days.clone(),
            tls_warn_days: $raw.tls_warn_days.clone(),
        }
    };
}

impl RawSettings {
    pub fn policy(&self) -> RawPolicy {
        policy_of!(self)
    }
}

impl RawDomain {
    pub fn policy(&self) -> RawPolicy {
        policy_of!(self)
    }
}
