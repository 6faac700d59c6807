//! Entra's `signingCertificateUpdateStatus` (DOMAIN.md §3.2), and whether it says Entra failed
//! to read the metadata (a verdict input, so it lives with the verdict). `crate::words` says it
//! in words.

use std::fmt;

use serde::{Deserialize, Serialize};

/// `certificateUpdateResult` as Entra reported it: what it means, and the spelling Entra used,
/// which is what fedcert shows and writes (the docs list `success`, the service answers
/// `Success`). Stored as that string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct ReportedResult {
    result: UpdateResult,
    spelled: Box<str>,
}

impl ReportedResult {
    pub fn parse(text: &str) -> Self {
        Self {
            result: UpdateResult::parse(text),
            spelled: text.into(),
        }
    }

    /// What it means.
    pub fn result(&self) -> &UpdateResult {
        &self.result
    }

    /// As Entra spelled it.
    pub fn as_str(&self) -> &str {
        &self.spelled
    }

    /// See [`UpdateResult::is_failure`].
    pub fn is_failure(&self) -> bool {
        self.result.is_failure()
    }
}

impl From<String> for ReportedResult {
    fn from(text: String) -> Self {
        Self::parse(&text)
    }
}

impl From<&str> for ReportedResult {
    fn from(text: &str) -> Self {
        Self::parse(text)
    }
}

impl From<ReportedResult> for String {
    fn from(reported: ReportedResult) -> Self {
        reported.spelled.into()
    }
}

impl fmt::Display for ReportedResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spelled)
    }
}

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
}
