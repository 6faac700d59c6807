//! Getting metadata bytes: HTTP(S) with limits, `file://` and plain paths, stdin. Every failure
//! is a [`FetchError`] value for that domain (what, where, why), never a panic.
//! Also here: Microsoft Graph (`graph`), home-realm discovery (`realm`), PowerShell imports
//! (`imports`), the folder the collection script writes (`collection`), and whether an import
//! belongs to a domain's IdP (`farm`).

pub mod collection;
mod errors;
pub mod farm;
mod fetch;
pub mod graph;
pub mod imports;
pub mod realm;
mod tls;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::assess::TlsCert;
pub use fetch::{BodyReader, Feed, Fetcher, Opened, Streamed, Unread};

/// Limits for one fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchOptions {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Body cap in bytes, applied after decompression.
    pub max_body: u64,
    pub max_redirects: usize,
    pub user_agent: String,
}

impl FetchOptions {
    /// The limits of `[settings]` (timeouts, body cap), other options at their defaults.
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self {
            timeout: settings.timeout,
            connect_timeout: settings.connect_timeout,
            max_body: settings.max_body,
            ..Self::default()
        }
    }
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            max_body: 32 * 1024 * 1024,
            max_redirects: 5,
            user_agent: concat!(
                "fedcert/",
                env!("CARGO_PKG_VERSION"),
                " (federation certificate monitor)"
            )
            .into(),
        }
    }
}

/// A successful fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub body: Vec<u8>,
    /// The URL or path finally read (after redirects).
    pub location: String,
    /// HTTP status (200 for files and stdin).
    pub status: u16,
    pub content_type: Option<String>,
    /// The HTTP `Date` header, for clock-skew checks.
    pub http_date: Option<DateTime<Utc>>,
    /// This machine's real clock when the response head arrived. Real even under `--now`:
    /// clock skew is between two real clocks, and a rehearsal must not report a fake one.
    pub received_at: DateTime<Utc>,
    pub elapsed: Duration,
    /// The leaf certificate the host presented, from the TLS session that carried the
    /// response (`None` for `http://`, files and stdin).
    pub tls: Option<TlsCert>,
}

/// Why a fetch failed. `Display` is one line naming the location and the cause.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{location}: {message}")]
    Failed {
        location: String,
        kind: FetchErrorKind,
        message: String,
        /// The certificate the host presented, when TLS refused it (read by a second handshake
        /// that only records it) or the server answered an error over TLS.
        presented: Option<Box<TlsCert>>,
    },
}

/// The class of a fetch failure, for short labels (`timeout`, `tls`, `http 503`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FetchErrorKind {
    InvalidLocation,
    Dns,
    Connect,
    Timeout,
    Tls,
    TooManyRedirects,
    Status(u16),
    TooLarge,
    Io,
    NotFound,
}

impl FetchError {
    /// A failure reading `location`; `message` says why in plain words.
    pub fn new(
        location: impl Into<String>,
        kind: FetchErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self::Failed {
            location: location.into(),
            kind,
            message: message.into(),
            presented: None,
        }
    }

    /// The same failure, with the certificate the host presented.
    #[must_use]
    pub fn with_presented(self, cert: Option<TlsCert>) -> Self {
        match self {
            Self::Failed {
                location,
                kind,
                message,
                ..
            } => Self::Failed {
                location,
                kind,
                message,
                presented: cert.map(Box::new),
            },
        }
    }

    /// The certificate the host presented, when one was read.
    pub fn presented(&self) -> Option<&TlsCert> {
        match self {
            Self::Failed { presented, .. } => presented.as_deref(),
        }
    }

    /// The URL or path that failed.
    pub fn location(&self) -> &str {
        match self {
            Self::Failed { location, .. } => location,
        }
    }

    /// Why, without the location.
    pub fn message(&self) -> &str {
        match self {
            Self::Failed { message, .. } => message,
        }
    }

    pub fn kind(&self) -> FetchErrorKind {
        match self {
            Self::Failed { kind, .. } => *kind,
        }
    }

    /// A word or two for a table cell: `timeout`, `tls`, `http 503`, `refused`, …
    pub fn short(&self) -> String {
        match self.kind() {
            FetchErrorKind::InvalidLocation => "bad url".into(),
            FetchErrorKind::Dns => "dns".into(),
            FetchErrorKind::Connect => "refused".into(),
            FetchErrorKind::Timeout => "timeout".into(),
            FetchErrorKind::Tls => "tls".into(),
            FetchErrorKind::TooManyRedirects => "redirects".into(),
            FetchErrorKind::Status(code) => format!("http {code}"),
            FetchErrorKind::TooLarge => "too large".into(),
            FetchErrorKind::Io => "io".into(),
            FetchErrorKind::NotFound => "not found".into(),
        }
    }
}

/// Install ring as rustls' process-wide crypto provider. Call once at start-up (idempotent);
/// without it, building a reqwest client panics.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
