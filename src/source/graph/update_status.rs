//! Entra's `signingCertificateUpdateStatus` in plain words (DOMAIN.md §3.2).

use chrono::{DateTime, Utc};

/// `certificateUpdateResult`, compared case-insensitively (the docs list `success`, the sample
/// answers `"Success"`). Values Entra adds later are kept as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateResult {
    Success,
    UnknownError,
    InternalServerError,
    NoValidExistingCertFound,
    NoStsAuthUrlFound,
    NoFederationProtocolFound,
    NoNewCertificateFound,
    CouldNotAccessRemoteHost,
    ConnectionError,
    XmlParsingError,
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    ProviderError,
    Other(String),
}

impl UpdateResult {
    pub fn parse(text: &str) -> Self {
        let known = [
            ("success", Self::Success),
            ("unknownerror", Self::UnknownError),
            ("internalservererror", Self::InternalServerError),
            ("novalidexistingcertfound", Self::NoValidExistingCertFound),
            ("nostsauthurlfound", Self::NoStsAuthUrlFound),
            ("nofederationprotocolfound", Self::NoFederationProtocolFound),
            ("nonewcertificatefound", Self::NoNewCertificateFound),
            ("couldnotaccessremotehost", Self::CouldNotAccessRemoteHost),
            ("connectionerror", Self::ConnectionError),
            ("xmlparsingerror", Self::XmlParsingError),
            ("badrequest", Self::BadRequest),
            ("unauthorized", Self::Unauthorized),
            ("forbidden", Self::Forbidden),
            ("notfound", Self::NotFound),
            ("providererror", Self::ProviderError),
        ];
        let lower = text.trim().to_ascii_lowercase();
        known
            .into_iter()
            .find(|(name, _)| *name == lower)
            .map_or_else(|| Self::Other(text.trim().to_owned()), |(_, value)| value)
    }

    /// Entra tried to read the metadata and failed. `success` and `noNewCertificateFound`
    /// (read fine, nothing new yet) are not failures; an unknown value is not assumed to be one.
    pub fn is_failure(&self) -> bool {
        !matches!(
            self,
            Self::Success | Self::NoNewCertificateFound | Self::Other(_)
        )
    }

    /// What happened, in words an operator reads at 3 a.m.
    fn words(&self) -> String {
        let text = match self {
            Self::Success => "Entra read your metadata and updated the certificates",
            Self::UnknownError => "Entra's certificate update failed for an unknown reason",
            Self::InternalServerError => {
                "Entra had an internal error while updating the certificates"
            }
            Self::NoValidExistingCertFound => {
                "Entra holds no valid current certificate to update from"
            }
            Self::NoStsAuthUrlFound => "Entra found no sign-in (STS) URL to locate your metadata",
            Self::NoFederationProtocolFound => "Entra found no federation protocol for this domain",
            Self::NoNewCertificateFound => "Entra read your metadata but found no new certificate",
            Self::CouldNotAccessRemoteHost => "Entra could not reach your metadata",
            Self::ConnectionError => "Entra's connection to your metadata failed",
            Self::XmlParsingError => "Entra could not parse your metadata",
            Self::BadRequest => "your metadata server answered Entra with 400 Bad Request",
            Self::Unauthorized => "your metadata server answered Entra with 401 Unauthorized",
            Self::Forbidden => "your metadata server answered Entra with 403 Forbidden",
            Self::NotFound => "your metadata server answered Entra with 404 Not Found",
            Self::ProviderError => "your metadata server answered Entra with a 500 error",
            Self::Other(value) => {
                return format!("Entra reports certificate update result {value:?}");
            }
        };
        text.to_owned()
    }
}

/// Entra's update status in plain words, with the age of its last run:
/// `couldNotAccessRemoteHost` → "Entra could not reach your metadata; last tried 3 h ago".
pub fn describe_update_result(
    result: Option<&str>,
    last_run: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let what = match result.map(str::trim).filter(|r| !r.is_empty()) {
        Some(result) => UpdateResult::parse(result).words(),
        None => "Entra reports no certificate update status".to_owned(),
    };
    match last_run {
        Some(at) => format!("{what}; last tried {}", ago(at, now)),
        None => what,
    }
}

/// How long ago `then` was, coarsely: `just now`, `12 min ago`, `3 h ago`, `5 d ago`
/// (`in 2 h` when it lies ahead, as with a skewed clock).
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    let span = seconds.unsigned_abs();
    let amount = if span < 60 {
        return "just now".to_owned();
    } else if span < 3_600 {
        format!("{} min", span / 60)
    } else if span < 2 * 86_400 {
        format!("{} h", span / 3_600)
    } else {
        format!("{} d", span / 86_400)
    };
    if seconds >= 0 {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}
