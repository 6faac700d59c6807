//! Sentences, thumbprints and expectations shared by the steps.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::cert::{CertInfo, Sha1};
use crate::checklist::commands::{self as ps, Slot};
use crate::checklist::select::Facts;

pub(super) const MSONLINE_RETIRED: &str = "MSOnline stopped working in 2025 (Microsoft retired it between April and May 2025): \
     these commands fail on most tenants; use the Graph dialect.";

pub(super) const URGENT_WARNING: &str = "Never add -Urgent here: an urgent rollover removes the older certificates immediately, \
     and every federated sign-in fails until Entra holds the new certificate.";

/// `2CA67C00…`: enough to tell certificates apart in a sentence.
pub(super) fn short(sha1: Sha1) -> String {
    let hex = sha1.to_string();
    format!("{}\u{2026}", &hex[..8])
}

pub(super) fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `in 19 days`, `in less than a day`, `1 day ago`.
fn relative_days(days: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let whole = days.abs().floor() as i64;
    let unit = if whole == 1 { "day" } else { "days" };
    match (days >= 0.0, whole) {
        (true, 0) => "in less than a day".to_owned(),
        (true, n) => format!("in {n} {unit}"),
        (false, 0) => "less than a day ago".to_owned(),
        (false, n) => format!("{n} {unit} ago"),
    }
}

pub(super) fn expires(cert: &CertInfo, now: DateTime<Utc>) -> String {
    format!(
        "expires {}, {}",
        when(cert.not_after),
        relative_days(cert.days_left_exact(now))
    )
}

pub(super) fn which_slot(f: &Facts<'_>, sha1: Sha1) -> &'static str {
    match f.live_entra() {
        Some(e) if e.signing == Some(sha1) => "signing certificate",
        _ => "next signing certificate",
    }
}

/// `Entra holds thumbprint 2CA6… as signing certificate and 9F11… as next signing certificate`.
pub(super) fn entra_evidence(f: &Facts<'_>) -> Option<(DateTime<Utc>, String)> {
    if !f.entra_holds_both() {
        return None;
    }
    let primary = f.primary?.sha1;
    let mut text = format!(
        "Entra holds thumbprint {} as {}",
        short(primary),
        which_slot(f, primary)
    );
    if let Some(successor) = f.successor {
        let _ = write!(
            text,
            " and {} as {}",
            short(successor.sha1),
            which_slot(f, successor.sha1)
        );
    }
    Some((f.entra_seen_at(), text))
}

/// `two signing certificates published: 2CA6… and 9F11…`, when a successor is published.
pub(super) fn two_published(f: &Facts<'_>) -> Option<(DateTime<Utc>, String)> {
    let (primary, successor) = (f.primary?, f.successor?);
    Some((
        f.idp_seen_at,
        format!(
            "two signing certificates published: {} and {}",
            short(primary.sha1),
            short(successor.sha1)
        ),
    ))
}

/// What the operator should see in Entra's two slots, full thumbprints to compare by eye.
pub(super) fn expected_entra_slots(f: &Facts<'_>) -> Vec<String> {
    let mut lines = vec![match f.primary {
        Some(p) => format!(
            "SigningCertificate thumbprint {} (the IdP's primary, {})",
            p.sha1,
            expires(p, f.now)
        ),
        None => "SigningCertificate: the IdP's primary (fedcert has not read the metadata yet)"
            .to_owned(),
    }];
    if let Some(s) = f.successor {
        lines.push(format!(
            "NextSigningCertificate thumbprint {} (the successor, {})",
            s.sha1,
            expires(s, f.now)
        ));
    }
    lines
}

pub(super) fn expect_primary(f: &Facts<'_>) -> String {
    f.primary.map_or_else(
        || "the thumbprint Get-AdfsCertificate shows with IsPrimary True".to_owned(),
        |p| format!("{} (primary)", p.sha1),
    )
}

/// The Graph lines that show the thumbprints of both Entra slots, each with its expectation.
pub(super) fn graph_slot_thumbprints(f: &Facts<'_>) -> Vec<String> {
    let mut lines = vec![
        ps::fetch_federation(f.domain),
        ps::slot_thumbprint(Slot::Signing, &expect_primary(f)),
    ];
    if let Some(s) = f.successor {
        lines.push(ps::slot_thumbprint(
            Slot::NextSigning,
            &format!("{} (successor)", s.sha1),
        ));
    }
    lines
}

pub(super) fn expected_adfs_certs(f: &Facts<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(p) = f.primary {
        lines.push(format!(
            "Thumbprint {}  IsPrimary True  NotAfter {}",
            p.sha1,
            when(p.not_after)
        ));
    }
    match f.successor {
        Some(s) => lines.push(format!(
            "Thumbprint {}  IsPrimary False  NotAfter {}",
            s.sha1,
            when(s.not_after)
        )),
        None => lines.push(
            "after generating: a second certificate with IsPrimary False, valid for about a year"
                .to_owned(),
        ),
    }
    lines
}
