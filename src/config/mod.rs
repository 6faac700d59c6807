//! The TOML configuration: schema (`deny_unknown_fields`), lookup, validation with file / line /
//! column errors, and the commented sample that `config init` writes.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod diagnostic;
mod every_error;
pub mod keys;
mod raw;
pub mod theme;
mod thresholds;
mod ui;
mod validate;

use crate::assess::Policy;
use crate::cert::Sha1;
use keys::KeyBindings;
use theme::ThemeConfig;

/// The sample config `fedcert config init` writes; a test parses it.
pub const SAMPLE: &str = include_str!("../../assets/config.sample.toml");

/// A validated configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The file it came from, when it came from a file.
    pub path: Option<PathBuf>,
    pub settings: Settings,
    /// `[entra]`: the default tenant of every domain without its own `tenant`.
    pub entra: Option<EntraConfig>,
    /// `[[tenant]]`: more tenants, each named; a domain picks one with `tenant = "NAME"`.
    pub tenants: Vec<EntraConfig>,
    pub domains: Vec<DomainConfig>,
    /// `[keys]`: the actions it rebinds (the TUI builds its keymap from them).
    pub keys: KeyBindings,
    /// `[theme]`: its preset and colours (the TUI builds its palette from them).
    pub theme: ThemeConfig,
}

impl Config {
    /// The domain named `name` (case does not matter, as for duplicate names), or an error
    /// listing the ones there are.
    pub fn domain(&self, name: &str) -> Result<&DomainConfig, UnknownDomain> {
        self.domains
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownDomain {
                name: name.to_owned(),
                known: self
                    .domains
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Every tenant: `[entra]` first, then the `[[tenant]]` tables in the file's order.
    pub fn all_tenants(&self) -> impl Iterator<Item = &EntraConfig> {
        self.entra.iter().chain(&self.tenants)
    }

    /// The tenant called `name`: a `[[tenant]]` (or `[entra]`) `name`, or a `tenant_id`, case
    /// aside; or an error listing the configured ones.
    pub fn tenant(&self, name: &str) -> Result<&EntraConfig, UnknownTenant> {
        let name = name.trim();
        self.all_tenants()
            .find(|t| t.label().eq_ignore_ascii_case(name))
            .or_else(|| {
                self.all_tenants()
                    .find(|t| t.tenant_id.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| UnknownTenant {
                name: name.to_owned(),
                known: self
                    .all_tenants()
                    .map(EntraConfig::label)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The tenant a command means when none is named: `[entra]`, else the only `[[tenant]]`.
    pub fn default_tenant(&self) -> Option<&EntraConfig> {
        self.entra.as_ref().or(match self.tenants.as_slice() {
            [only] => Some(only),
            _ => None,
        })
    }

    /// The tenant whose Entra holds `domain` ([`DomainConfig::tenant`]; `[entra]` when it names
    /// none).
    pub fn tenant_of(&self, domain: &DomainConfig) -> Option<&EntraConfig> {
        match domain.tenant.as_deref() {
            Some(label) => self.all_tenants().find(|t| t.label() == label),
            None => self.entra.as_ref(),
        }
    }
}

/// A tenant name the config does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct UnknownTenant {
    pub name: String,
    /// The configured tenants' names, comma-separated.
    pub known: String,
}

impl std::fmt::Display for UnknownTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = &self.name;
        if self.known.is_empty() {
            write!(
                f,
                "no tenant {name:?} in the config: it has no [entra] or [[tenant]] table (add [entra] with tenant_id = {name:?})"
            )
        } else {
            write!(
                f,
                "no tenant {name:?} in the config (configured: {})",
                self.known
            )
        }
    }
}

/// A domain name the config does not list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}: no such domain in the config (known: {known})")]
pub struct UnknownDomain {
    pub name: String,
    /// The configured names, comma-separated.
    pub known: String,
}

/// `[settings]`: every key optional.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Poll interval (`refresh = "15m"`, at least 1 minute).
    pub refresh: Duration,
    /// Total time for one fetch (`timeout = "20s"`).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Body cap after decompression (`max_body = "32MiB"` or a byte count).
    pub max_body: u64,
    /// Fetches in flight at once (`concurrency = 16`).
    pub concurrency: usize,
    /// Verdict thresholds (`renew_now_days`, `manual_renew_days`, … directly under `[settings]`).
    pub policy: Policy,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            refresh: Duration::from_secs(15 * 60),
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            max_body: 32 * 1024 * 1024,
            concurrency: 16,
            policy: Policy::default(),
        }
    }
}

/// The application (client) id fedcert signs the operator in with when `auth = "device"` names
/// none: Microsoft Graph Command Line Tools, Microsoft's own public client for the Graph
/// PowerShell SDK (`Connect-MgGraph`). It is in every tenant, supports the device code flow and
/// asks for delegated permissions only; tenants whose admins use Graph PowerShell have consented
/// to it already. README, "Signing in", says why and how to use an app of your own instead.
pub const DEFAULT_PUBLIC_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// The name Entra shows for [`DEFAULT_PUBLIC_CLIENT_ID`].
pub const DEFAULT_PUBLIC_CLIENT_NAME: &str = "Microsoft Graph Command Line Tools";

/// How fedcert authenticates to Microsoft Graph for one tenant (`auth = "…"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// The operator signs in (`fedcert login`, the device code flow): delegated, read-only.
    Device,
    /// An app registration's client secret, from an environment variable (app-only).
    Secret,
    /// A certificate registered on an app registration (app-only).
    Certificate,
}

impl Auth {
    /// Every method, as `auth = "…"` spells it.
    pub const ALL: [Auth; 3] = [Auth::Device, Auth::Secret, Auth::Certificate];

    /// The config's word for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Device => "device",
            Self::Secret => "secret",
            Self::Certificate => "certificate",
        }
    }
}

/// `[entra]` or one `[[tenant]]`: read-only Microsoft Graph access to one tenant, as the app
/// (secret, certificate) or as the signed-in operator (device).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntraConfig {
    /// `name`: required in `[[tenant]]`, optional in `[entra]`.
    pub name: Option<String>,
    pub tenant_id: String,
    /// `auth` as written; `None` lets the keys present choose ([`Self::auth`]).
    pub auth: Option<Auth>,
    /// The application (client) id; for `auth = "device"` without one,
    /// [`DEFAULT_PUBLIC_CLIENT_ID`].
    pub client_id: String,
    /// The *name* of the environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub authority: String,
    pub graph: String,
}

impl EntraConfig {
    /// `[entra]` for `tenant_id` as the app with `client_id`, the public cloud's endpoints and
    /// no credential yet.
    pub fn new(tenant_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            name: None,
            tenant_id: tenant_id.into(),
            auth: None,
            client_id: client_id.into(),
            client_secret_env: None,
            client_certificate: None,
            client_key: None,
            authority: "https://login.microsoftonline.com".into(),
            graph: "https://graph.microsoft.com".into(),
        }
    }

    /// The method in force: `auth` when written, else `secret` with `client_secret_env`,
    /// `certificate` with `client_certificate` or `client_key`, else `device` (DESIGN.md §6.3).
    pub fn auth(&self) -> Auth {
        self.auth.unwrap_or(if self.client_secret_env.is_some() {
            Auth::Secret
        } else if self.client_certificate.is_some() || self.client_key.is_some() {
            Auth::Certificate
        } else {
            Auth::Device
        })
    }

    /// How the tenant is named in commands, `check --json` and the TUI: its `name`, else its
    /// `tenant_id`.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.tenant_id)
    }

    /// It signs the operator in with [`DEFAULT_PUBLIC_CLIENT_ID`].
    pub fn uses_default_client(&self) -> bool {
        self.client_id
            .eq_ignore_ascii_case(DEFAULT_PUBLIC_CLIENT_ID)
    }
}

/// One `[[domain]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainConfig {
    pub name: String,
    /// `https://…`, `http://…`, `file://…` or a plain path.
    pub metadata_url: String,
    /// Which entity of an aggregate is this domain's identity provider (optional for single-entity metadata).
    pub entity_id: Option<String>,
    pub auto_rollover: Option<bool>,
    pub adfs_primary_server: Option<String>,
    pub support_multiple_domain: bool,
    pub entra_signing_thumbprint: Option<Sha1>,
    pub entra_next_signing_thumbprint: Option<Sha1>,
    pub ca_file: Option<PathBuf>,
    /// Certificates trusted to sign the metadata besides the IdP signing certificates it
    /// publishes (`metadata_signer`: a thumbprint or a list; an aggregate's signer).
    pub metadata_signer: Vec<Sha1>,
    /// `require_signature = true`: unsigned metadata is a WARNING (rule X3).
    pub require_signature: bool,
    /// The [label](EntraConfig::label) of the tenant whose Entra holds the domain: its own
    /// `tenant`, else `[entra]`'s (the config loader fills it in). `None` stands for `[entra]`'s
    /// too, and for no Graph at all without `[entra]`.
    pub tenant: Option<String>,
    /// Per-domain poll interval; `None` uses `[settings] refresh`.
    pub refresh: Option<Duration>,
    /// The global policy with this domain's overrides applied.
    pub policy: Policy,
}

impl DomainConfig {
    /// A domain with only a name and a metadata URL, everything else default.
    pub fn new(name: impl Into<String>, metadata_url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            metadata_url: metadata_url.into(),
            entity_id: None,
            auto_rollover: None,
            adfs_primary_server: None,
            support_multiple_domain: false,
            entra_signing_thumbprint: None,
            entra_next_signing_thumbprint: None,
            ca_file: None,
            metadata_signer: Vec::new(),
            require_signature: false,
            tenant: None,
            refresh: None,
            policy: Policy::default(),
        }
    }
}

/// A config problem, always naming the file and, where known, line and column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {reason}")]
    Read { path: String, reason: String },
    /// `path:line:col: message`.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Semantic { path: String, message: String },
    /// Several errors of one file, in file order, one per line (`more`: there may be others
    /// past the [`every_error::MOST`] shown).
    #[error("{}", several(path, errors, *more))]
    Several {
        path: String,
        errors: Vec<ConfigError>,
        more: bool,
    },
    #[error("no config file at {0} (run `fedcert config init` to write a commented sample)")]
    Missing(String),
    #[error(
        "{0} already exists; not overwriting it (edit it, or move it away and run `fedcert config init` again)"
    )]
    Exists(String),
}

/// Where the config lives: `--config` / `FEDCERT_CONFIG` when given (the CLI resolves both into
/// `explicit`), else `config.toml` in the `directories` config dir (`~/.config/fedcert` on
/// Linux). Without a home directory, `./config.toml`.
pub fn locate(explicit: Option<&Path>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    directories::ProjectDirs::from("", "", "fedcert").map_or_else(
        || PathBuf::from(CONFIG_FILE),
        |dirs| dirs.config_dir().join(CONFIG_FILE),
    )
}

const CONFIG_FILE: &str = "config.toml";

/// Read and validate a config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ConfigError::Missing(shown.clone()),
        std::io::ErrorKind::InvalidData => ConfigError::Read {
            path: shown.clone(),
            reason: "not UTF-8 text (a TOML file must be UTF-8)".into(),
        },
        _ => ConfigError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        },
    })?;
    let mut config = parse_str(&text, &shown)?;
    config.path = Some(path.to_path_buf());
    Ok(config)
}

/// Validate config text; `origin` names it in errors. A file with several errors gets them
/// all ([`ConfigError::Several`]), in file order.
pub fn parse_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
    parse_once(text, origin)
        .map_err(|first| every_error::every_error(text, origin, first, |t| parse_once(t, origin)))
}

/// The first error of `text`, or the config.
fn parse_once(text: &str, origin: &str) -> Result<Config, ConfigError> {
    let origin = diagnostic::Origin { name: origin, text };
    let raw: raw::RawConfig = toml::from_str(text).map_err(|e| origin.toml_error(&e))?;
    validate::validate(&raw, &origin)
}

impl ConfigError {
    /// The 1-based line an error points at, when it does.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Invalid { line, .. } => Some(*line),
            _ => None,
        }
    }

    fn column(&self) -> usize {
        match self {
            Self::Invalid { column, .. } => *column,
            _ => 0,
        }
    }
}

/// The lines of [`ConfigError::Several`], and what to do with them.
fn several(path: &str, errors: &[ConfigError], more: bool) -> String {
    let mut lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let count = if more {
        format!("the first {} errors", errors.len())
    } else {
        format!("{} errors", errors.len())
    };
    lines.push(format!(
        "{path}: {count}; fix them, then run `fedcert config check`"
    ));
    lines.join("\n")
}

/// Write the commented [`SAMPLE`] to `path` for `fedcert config init`, creating parent
/// directories. Never overwrites: an existing file is an error.
pub fn write_sample(path: &Path) -> Result<(), ConfigError> {
    use std::io::Write;
    let shown = path.display().to_string();
    let fail = |reason: String| ConfigError::Read {
        path: shown.clone(),
        reason,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| fail(format!("cannot create directory {}: {e}", parent.display())))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                ConfigError::Exists(shown.clone())
            } else {
                fail(format!("cannot create: {e}"))
            }
        })?;
    file.write_all(SAMPLE.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| fail(format!("cannot write: {e}")))
}
