//! How fedcert says things. Every front end — the TUI, `check`, `checklist` and its exports —
//! turns facts into words here, so they never disagree: durations with the right plural and
//! unit, countdowns and ages, moments and dates, thumbprints and certificate names, and the
//! findings of the verdict ([`finding`]).
//!
//! Nothing here names a key: the TUI adds key names from its live keymap; headless output says
//! the action in words.

mod endpoints;
mod entra;
mod findings;
pub mod posture;

use chrono::{DateTime, TimeDelta, Utc};

use crate::cert::{CertInfo, Sha1};

pub use endpoints::{signature, tls_certificate, tls_host, tls_refusal};
pub use entra::{import_lines, imports, update_result, update_status};
pub use findings::{finding, finding_title};

/// `1 day`, `0 days`, `2 lines`: a count and its unit, the unit plural unless the count is 1.
pub fn count(n: i64, unit: &str) -> String {
    if n == 1 || n == -1 {
        format!("{n} {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// A day count from the policy: `20 days`, `1 day`.
pub fn days(n: u32) -> String {
    count(i64::from(n), "day")
}

/// A span in the largest unit that fits, rounded down so a countdown never looks longer than it
/// is: `12 days`, `1 day`, `5 hours`, `1 minute`, `less than a minute`. The sign is ignored.
pub fn span(delta: TimeDelta) -> String {
    let delta = delta.abs();
    if delta.num_days() >= 1 {
        count(delta.num_days(), "day")
    } else if delta.num_hours() >= 1 {
        count(delta.num_hours(), "hour")
    } else if delta.num_minutes() >= 1 {
        count(delta.num_minutes(), "minute")
    } else {
        "less than a minute".to_owned()
    }
}

/// `in 12 days`, `in less than a minute`, `3 hours ago`, `less than a minute ago`.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if at > now {
        format!("in {}", span(at - now))
    } else {
        format!("{} ago", span(now - at))
    }
}

/// A certificate's validity as of `now`: `12 days left`, `5 hours left`, `expired 3 days ago`,
/// `expired less than a minute ago`. The moment of expiry reads as expired.
pub fn left(not_after: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if now < not_after {
        format!("{} left", span(not_after - now))
    } else {
        format!("expired {} ago", span(now - not_after))
    }
}

/// `expires in 12 days (2027-01-10 09:00 UTC)` or `expired 3 days ago (2026-11-28 09:00 UTC)`.
pub fn expiry(cert: &CertInfo, now: DateTime<Utc>) -> String {
    let verb = if now < cert.not_after {
        "expires"
    } else {
        "expired"
    };
    format!(
        "{verb} {} ({})",
        relative(cert.not_after, now),
        moment(cert.not_after)
    )
}

/// `2027-01-10 09:00 UTC`.
pub fn moment(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `2027-01-10`.
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// How long ago, in a table cell: `12s ago`, `3m ago`, `2h ago`, `4d ago` (`just now` for the
/// future, which a clock-skewed poller can produce).
pub fn age(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds();
    match seconds {
        ..0 => "just now".into(),
        0..60 => format!("{seconds}s ago"),
        60..3_600 => format!("{}m ago", seconds / 60),
        3_600..86_400 => format!("{}h ago", seconds / 3_600),
        _ => format!("{}d ago", seconds / 86_400),
    }
}

/// A clock difference in its two largest units: `5m 1s`, `3h 12m`, `2d 4h`.
pub fn skew(span: TimeDelta) -> String {
    let seconds = span.num_seconds().abs();
    let (days, hours, minutes, secs) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    match (days, hours) {
        (0, 0) => format!("{minutes}m {secs}s"),
        (0, h) => format!("{h}h {minutes}m"),
        (d, h) => format!("{d}d {h}h"),
    }
}

/// The first 8 hex digits of a thumbprint: enough to tell certificates apart in a sentence;
/// the details show the whole thumbprint.
pub fn short_thumbprint(sha1: Sha1) -> String {
    let hex = sha1.to_string();
    format!("{}…", &hex[..8])
}

/// The subject as AD FS admins see it in `Get-AdfsCertificate` and the Windows certificate
/// dialogs: most specific first (`CN=…, OU=…, O=…, C=…`), or `(no subject)`. The JSON keeps
/// the certificate's own order, as openssl prints it.
pub fn subject(cert: &CertInfo) -> String {
    if cert.subject.is_empty() {
        return "(no subject)".to_owned();
    }
    windows_order(&cert.subject)
}

/// An RFC 4514 name as Windows shows it: its RDNs in the reverse order (a `,` escaped with a
/// backslash stays inside its value), `E=` for the e-mail address and `S=` for the state.
pub fn windows_order(name: &str) -> String {
    let mut rdns: Vec<&str> = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (at, c) in name.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => {
                rdns.push(name[start..at].trim());
                start = at + 1;
            }
            _ => escaped = false,
        }
    }
    rdns.push(name[start..].trim());
    rdns.reverse();
    // Windows' labels for the two attributes it names differently.
    let windows: Vec<String> = rdns
        .iter()
        .map(|rdn| {
            if let Some(value) = rdn.strip_prefix("Email=") {
                format!("E={value}")
            } else if let Some(value) = rdn.strip_prefix("ST=") {
                format!("S={value}")
            } else {
                (*rdn).to_owned()
            }
        })
        .collect();
    windows.join(", ")
}

/// `CN=… (2CA67C00…)`, the subject most specific first.
pub fn cert_label(cert: &CertInfo) -> String {
    format!("{} ({})", subject(cert), short_thumbprint(cert.sha1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn counts_are_plural_unless_one() {
        let cases = [
            (0, "0 days"),
            (1, "1 day"),
            (2, "2 days"),
            (-1, "-1 day"),
            (-2, "-2 days"),
        ];
        for (n, want) in cases {
            assert_eq!(count(n, "day"), want, "{n}");
        }
        assert_eq!(count(1, "line"), "1 line");
        assert_eq!(days(1), "1 day");
        assert_eq!(days(35), "35 days");
    }

    #[test]
    fn spans_round_down_to_the_largest_unit_and_ignore_the_sign() {
        let cases = [
            (TimeDelta::days(12) + TimeDelta::hours(23), "12 days"),
            (TimeDelta::days(2), "2 days"),
            (TimeDelta::days(1), "1 day"),
            (TimeDelta::days(1) - TimeDelta::seconds(1), "23 hours"),
            (TimeDelta::hours(2), "2 hours"),
            (TimeDelta::hours(1), "1 hour"),
            (
                TimeDelta::minutes(59) + TimeDelta::seconds(59),
                "59 minutes",
            ),
            (TimeDelta::minutes(2), "2 minutes"),
            (TimeDelta::minutes(1), "1 minute"),
            (TimeDelta::seconds(59), "less than a minute"),
            (TimeDelta::zero(), "less than a minute"),
            (-TimeDelta::days(3), "3 days"),
            (-TimeDelta::hours(1), "1 hour"),
        ];
        for (delta, want) in cases {
            assert_eq!(span(delta), want, "{delta:?}");
        }
    }

    #[test]
    fn countdowns_and_ages_read_in_both_directions() {
        let now = at("2026-12-01T09:00:00Z");
        let cases = [
            (now + TimeDelta::days(1), "in 1 day", "1 day left"),
            (now + TimeDelta::hours(5), "in 5 hours", "5 hours left"),
            (
                now + TimeDelta::seconds(30),
                "in less than a minute",
                "less than a minute left",
            ),
            (
                now,
                "less than a minute ago",
                "expired less than a minute ago",
            ),
            (
                now - TimeDelta::hours(1),
                "1 hour ago",
                "expired 1 hour ago",
            ),
            (now - TimeDelta::days(3), "3 days ago", "expired 3 days ago"),
        ];
        for (when, relative_words, left_words) in cases {
            assert_eq!(relative(when, now), relative_words, "{when}");
            assert_eq!(left(when, now), left_words, "{when}");
        }
    }

    #[test]
    fn ages_are_short_and_never_negative() {
        let now = at("2026-12-01T09:00:00Z");
        let cases = [
            (now + TimeDelta::seconds(5), "just now"),
            (now, "0s ago"),
            (now - TimeDelta::seconds(59), "59s ago"),
            (now - TimeDelta::minutes(1), "1m ago"),
            (now - TimeDelta::hours(2), "2h ago"),
            (now - TimeDelta::days(4), "4d ago"),
        ];
        for (when, want) in cases {
            assert_eq!(age(when, now), want, "{when}");
        }
    }

    #[test]
    fn clock_differences_use_their_two_largest_units() {
        assert_eq!(skew(TimeDelta::seconds(301)), "5m 1s");
        assert_eq!(skew(TimeDelta::seconds(-(3 * 86_400 + 7200))), "3d 2h");
        assert_eq!(skew(TimeDelta::minutes(192)), "3h 12m");
    }

    #[test]
    fn moments_dates_and_thumbprints() {
        let t = at("2027-01-10T09:05:59Z");
        assert_eq!(moment(t), "2027-01-10 09:05 UTC");
        assert_eq!(date(t), "2027-01-10");
        assert_eq!(short_thumbprint(Sha1([0x3F; 20])), "3F3F3F3F…");
    }

    #[test]
    fn subjects_read_most_specific_first_as_windows_shows_them() {
        assert_eq!(
            windows_order("C=US, ST=California, O=Okta, CN=relecloud-demo, Email=info@okta.com"),
            "E=info@okta.com, CN=relecloud-demo, O=Okta, S=California, C=US"
        );
        assert_eq!(
            windows_order("CN=ADFS Signing - fs.contoso.com"),
            "CN=ADFS Signing - fs.contoso.com"
        );
        // An escaped comma is part of its value; a multi-valued RDN stays whole.
        assert_eq!(
            windows_order("O=Contoso\\, Ltd, CN=a+OU=b"),
            "CN=a+OU=b, O=Contoso\\, Ltd"
        );
        assert_eq!(windows_order("O=x\\\\, CN=y"), "CN=y, O=x\\\\");
    }
}
