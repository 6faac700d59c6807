//! Entra's `signingCertificateUpdateStatus` in plain words (DOMAIN.md §3.2), and whether it says
//! Entra failed to read the metadata (a verdict input, so it lives with the verdict).

use std::fmt;

use chrono::{DateTime, Utc};
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
    reported: Option<&ReportedResult>,
    last_run: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let result = reported
        .filter(|r| !r.as_str().trim().is_empty())
        .map(ReportedResult::result);
    describe(result, last_run, now)
}

/// [`describe_update_result`] for a result already parsed.
pub fn describe(
    result: Option<&UpdateResult>,
    last_run: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let what = result.map_or_else(
        || "Entra reports no certificate update status".to_owned(),
        UpdateResult::words,
    );
    // A failed run was a try; anything else simply ran.
    let verb = if result.is_some_and(UpdateResult::is_failure) {
        "last tried"
    } else {
        "last run"
    };
    match last_run {
        Some(at) => format!("{what}; {verb} {}", ago(at, now)),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn every_documented_result_reads_in_plain_words() {
        let now = at("2026-12-01T12:00:00Z");
        let last = Some(at("2026-12-01T09:00:00Z"));
        let cases = [
            (
                "success",
                "Entra read your metadata and updated the certificates",
                false,
            ),
            (
                "unknownError",
                "Entra's certificate update failed for an unknown reason",
                true,
            ),
            (
                "internalServerError",
                "Entra had an internal error while updating the certificates",
                true,
            ),
            (
                "noValidExistingCertFound",
                "Entra holds no valid current certificate to update from",
                true,
            ),
            (
                "noStsAuthUrlFound",
                "Entra found no sign-in (STS) URL to locate your metadata",
                true,
            ),
            (
                "noFederationProtocolFound",
                "Entra found no federation protocol for this domain",
                true,
            ),
            (
                "noNewCertificateFound",
                "Entra read your metadata but found no new certificate",
                false,
            ),
            (
                "couldNotAccessRemoteHost",
                "Entra could not reach your metadata",
                true,
            ),
            (
                "connectionError",
                "Entra's connection to your metadata failed",
                true,
            ),
            (
                "xmlParsingError",
                "Entra could not parse your metadata",
                true,
            ),
            (
                "badRequest",
                "your metadata server answered Entra with 400 Bad Request",
                true,
            ),
            (
                "unauthorized",
                "your metadata server answered Entra with 401 Unauthorized",
                true,
            ),
            (
                "forbidden",
                "your metadata server answered Entra with 403 Forbidden",
                true,
            ),
            (
                "notFound",
                "your metadata server answered Entra with 404 Not Found",
                true,
            ),
            (
                "providerError",
                "your metadata server answered Entra with a 500 error",
                true,
            ),
        ];
        for (value, words, failure) in cases {
            for spelling in [
                value.to_owned(),
                value.to_ascii_uppercase(),
                capitalised(value),
            ] {
                assert_eq!(
                    describe_update_result(Some(&ReportedResult::parse(&spelling)), last, now),
                    format!(
                        "{words}; {} 3 h ago",
                        if failure { "last tried" } else { "last run" }
                    ),
                    "{spelling}"
                );
                assert_eq!(
                    UpdateResult::parse(&spelling).is_failure(),
                    failure,
                    "{spelling}"
                );
            }
        }
    }

    fn capitalised(text: &str) -> String {
        let mut chars = text.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    }

    #[test]
    fn unknown_and_missing_values() {
        let now = at("2026-12-01T12:00:00Z");
        assert_eq!(
            describe_update_result(
                Some(&ReportedResult::parse("unknownFutureValue")),
                None,
                now
            ),
            "Entra reports certificate update result \"unknownFutureValue\""
        );
        assert!(!UpdateResult::parse("unknownFutureValue").is_failure());
        assert_eq!(
            describe_update_result(None, Some(at("2026-11-28T12:00:00Z")), now),
            "Entra reports no certificate update status; last run 3 d ago"
        );
        assert_eq!(
            describe_update_result(Some(&ReportedResult::parse("  ")), None, now),
            "Entra reports no certificate update status"
        );
    }

    #[test]
    fn ages_are_coarse() {
        let now = at("2026-12-01T12:00:00Z");
        let cases = [
            ("2026-12-01T11:59:30Z", "just now"),
            ("2026-12-01T11:48:00Z", "12 min ago"),
            ("2026-12-01T10:59:00Z", "1 h ago"),
            ("2026-11-30T13:00:00Z", "23 h ago"),
            ("2026-11-29T12:00:00Z", "2 d ago"),
            ("2026-12-01T14:00:00Z", "in 2 h"),
        ];
        for (then, expected) in cases {
            assert_eq!(ago(at(then), now), expected, "{then}");
        }
    }
}
