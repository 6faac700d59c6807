//! How findings name certificates, moments and spans of time. One place, so every message reads
//! the same: `CN=ADFS Signing - fs.contoso.com (2CA67C00…)`, `2027-01-10 09:00 UTC`, `12 days`.

use chrono::{DateTime, TimeDelta, Utc};

use crate::cert::{CertInfo, Sha1};

/// The first 8 hex digits of a thumbprint: enough to tell certificates apart in a sentence; the
/// details pane shows the whole thumbprint.
pub fn short_thumbprint(sha1: Sha1) -> String {
    let hex = sha1.to_string();
    format!("{}…", &hex[..8])
}

/// The subject DN, or `(no subject)`.
pub fn subject(cert: &CertInfo) -> &str {
    if cert.subject.is_empty() {
        "(no subject)"
    } else {
        cert.subject.as_str()
    }
}

/// `CN=… (2CA67C00…)`.
pub fn cert_label(cert: &CertInfo) -> String {
    format!("{} ({})", subject(cert), short_thumbprint(cert.sha1))
}

/// `2027-01-10 09:00 UTC`.
pub fn moment(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A positive span in the largest unit that fits, rounded down so a countdown never looks
/// longer than it is: `12 days`, `1 day`, `5 hours`, `1 minute`, `less than a minute`.
pub fn span(delta: TimeDelta) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if delta.num_days() >= 1 {
        plural(delta.num_days(), "day")
    } else if delta.num_hours() >= 1 {
        plural(delta.num_hours(), "hour")
    } else if delta.num_minutes() >= 1 {
        plural(delta.num_minutes(), "minute")
    } else {
        "less than a minute".to_owned()
    }
}

/// `expires in 12 days (2027-01-10 09:00 UTC)` or `expired 3 days ago (2026-11-28 09:00 UTC)`.
pub fn expiry(cert: &CertInfo, now: DateTime<Utc>) -> String {
    if now < cert.not_after {
        format!(
            "expires in {} ({})",
            span(cert.not_after - now),
            moment(cert.not_after)
        )
    } else {
        format!(
            "expired {} ago ({})",
            span(now - cert.not_after),
            moment(cert.not_after)
        )
    }
}

/// A day count from the policy, `20 days` / `1 day`.
pub fn days(n: u32) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_round_down_to_the_largest_unit() {
        let cases = [
            (TimeDelta::days(12) + TimeDelta::hours(23), "12 days"),
            (TimeDelta::days(1), "1 day"),
            (TimeDelta::hours(23) + TimeDelta::minutes(59), "23 hours"),
            (TimeDelta::hours(1), "1 hour"),
            (TimeDelta::minutes(2), "2 minutes"),
            (TimeDelta::minutes(1), "1 minute"),
            (TimeDelta::seconds(1), "less than a minute"),
        ];
        for (delta, want) in cases {
            assert_eq!(span(delta), want, "{delta:?}");
        }
    }

    #[test]
    fn thumbprints_are_shortened_to_eight_digits() {
        assert_eq!(short_thumbprint(Sha1([0x3F; 20])), "3F3F3F3F…");
    }
}
