//! The TOML configuration: schema (`deny_unknown_fields`), lookup, validation with file / line /
//! column errors, and the commented sample that `config init` writes.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod diagnostic;
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
    pub entra: Option<EntraConfig>,
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

/// `[entra]`: read-only Microsoft Graph access (app-only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntraConfig {
    pub tenant_id: String,
    pub client_id: String,
    /// The *name* of the environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub authority: String,
    pub graph: String,
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

/// Validate config text; `origin` names it in errors.
pub fn parse_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
    let origin = diagnostic::Origin { name: origin, text };
    let raw: raw::RawConfig = toml::from_str(text).map_err(|e| origin.toml_error(&e))?;
    validate::validate(&raw, &origin)
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
