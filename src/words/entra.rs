//! Entra's own view in words: its `signingCertificateUpdateStatus`, and what was imported from
//! PowerShell and when.

use chrono::{DateTime, Utc};

use super::relative;
use crate::assess::AdfsUse;
use crate::assess::update_status::{ReportedResult, UpdateResult};
use crate::source::imports::Imports;

/// Entra's update status in plain words, with how long ago it last ran:
/// `couldNotAccessRemoteHost` → "Entra could not reach your metadata; last tried 3 hours ago".
pub fn update_status(
    reported: Option<&ReportedResult>,
    last_run: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let result = reported
        .filter(|r| !r.as_str().trim().is_empty())
        .map(ReportedResult::result);
    update_result(result, last_run, now)
}

/// [`update_status`] for a result already parsed.
pub fn update_result(
    result: Option<&UpdateResult>,
    last_run: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let what = result.map_or_else(
        || "Entra reports no certificate update status".to_owned(),
        result_words,
    );
    // A failed run was a try; anything else simply ran.
    let verb = if result.is_some_and(UpdateResult::is_failure) {
        "last tried"
    } else {
        "last run"
    };
    match last_run {
        Some(at) => format!("{what}; {verb} {}", relative(at, now)),
        None => what,
    }
}

/// What happened, in words an operator reads at 3 a.m.
fn result_words(result: &UpdateResult) -> String {
    let text = match result {
        UpdateResult::Success => "Entra read your metadata and updated the certificates",
        UpdateResult::UnknownError => "Entra's certificate update failed for an unknown reason",
        UpdateResult::InternalServerError => {
            "Entra had an internal error while updating the certificates"
        }
        UpdateResult::NoValidExistingCertFound => {
            "Entra holds no valid current certificate to update from"
        }
        UpdateResult::NoStsAuthUrlFound => {
            "Entra found no sign-in (STS) URL to locate your metadata"
        }
        UpdateResult::NoFederationProtocolFound => {
            "Entra found no federation protocol for this domain"
        }
        UpdateResult::NoNewCertificateFound => {
            "Entra read your metadata but found no new certificate"
        }
        UpdateResult::CouldNotAccessRemoteHost => "Entra could not reach your metadata",
        UpdateResult::ConnectionError => "Entra's connection to your metadata failed",
        UpdateResult::XmlParsingError => "Entra could not parse your metadata",
        UpdateResult::BadRequest => "your metadata server answered Entra with 400 Bad Request",
        UpdateResult::Unauthorized => "your metadata server answered Entra with 401 Unauthorized",
        UpdateResult::Forbidden => "your metadata server answered Entra with 403 Forbidden",
        UpdateResult::NotFound => "your metadata server answered Entra with 404 Not Found",
        UpdateResult::ProviderError => "your metadata server answered Entra with a 500 error",
        UpdateResult::Other(value) => {
            return format!("Entra reports certificate update result {value:?}");
        }
    };
    text.to_owned()
}

/// One line per import with its age, for the details and `check`'s text:
/// `Entra side imported 2 hours ago from fed.json`.
pub fn imports(imports: &Imports, now: DateTime<Utc>) -> Vec<String> {
    import_lines(imports, None, now)
}

/// [`imports`], saying of an AD FS certificate list the verdict does not use (`adfs`, the
/// verdict's [`AdfsUse`]) that it is not used, and why.
pub fn import_lines(imports: &Imports, adfs: Option<AdfsUse>, now: DateTime<Utc>) -> Vec<String> {
    let line = |what: &str, at: DateTime<Utc>, file: &str| {
        format!("{what} imported {} from {file}", relative(at, now))
    };
    let mut lines = Vec::new();
    if let Some(i) = &imports.entra {
        lines.push(line("Entra side", i.imported_at, &i.file));
    }
    if let Some(i) = &imports.adfs_certificates {
        let mut text = line("AD FS certificates", i.imported_at, &i.file);
        if adfs == Some(AdfsUse::Unmatched) {
            text.push_str(
                ", NOT USED: none of them is in the metadata (another farm's list, or the metadata is out of date; import this farm's list again)",
            );
        }
        lines.push(text);
    }
    if let Some(i) = &imports.adfs_properties {
        lines.push(line("AD FS properties", i.imported_at, &i.file));
    }
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::assess::update_status::{ReportedResult, UpdateResult};

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
                    update_status(Some(&ReportedResult::parse(&spelling)), last, now),
                    format!(
                        "{words}; {} 3 hours ago",
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
            update_status(
                Some(&ReportedResult::parse("unknownFutureValue")),
                None,
                now
            ),
            "Entra reports certificate update result \"unknownFutureValue\""
        );
        assert!(!UpdateResult::parse("unknownFutureValue").is_failure());
        assert_eq!(
            update_status(None, Some(at("2026-11-28T12:00:00Z")), now),
            "Entra reports no certificate update status; last run 3 days ago"
        );
        assert_eq!(
            update_status(Some(&ReportedResult::parse("  ")), None, now),
            "Entra reports no certificate update status"
        );
    }
}
