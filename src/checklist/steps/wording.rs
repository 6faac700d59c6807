//! Sentences, thumbprints and expectations shared by the steps.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::cert::{CertInfo, Sha1};
use crate::checklist::select::{Facts, Rescue};
use crate::powershell::{self as ps, Slot};
use crate::words;

pub(super) const MSONLINE_RETIRED: &str = "MSOnline stopped working in 2025 (Microsoft retired it between April and May 2025): \
     these commands fail on most tenants; use the Graph dialect.";

pub(super) const URGENT_WARNING: &str = "Never add -Urgent here: an urgent rollover removes the older certificates immediately, \
     and every federated sign-in fails until Entra holds the new certificate. It is for an expired or compromised \
     primary only, and then it is a step of its own.";

/// `2CA67C00…`: enough to tell certificates apart in a sentence.
pub(super) fn short(sha1: Sha1) -> String {
    words::short_thumbprint(sha1)
}

pub(super) fn when(at: DateTime<Utc>) -> String {
    words::moment(at)
}

/// `expires in 19 days (2026-12-20 10:00 UTC)` / `expired 3 days ago (…)`.
pub(super) fn expires(cert: &CertInfo, now: DateTime<Utc>) -> String {
    words::expiry(cert, now)
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
    let (primary, successor) = (f.primary?, f.successor.filter(|_| f.successor_published())?);
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
    let primary = |p: &CertInfo| {
        format!(
            "SigningCertificate thumbprint {}: the IdP's primary, which {}",
            p.sha1,
            expires(p, f.now)
        )
    };
    if f.outage == Some(crate::assess::Outage::SuspectedCompromise) {
        let mut lines = match f.kind {
            crate::assess::IdpKind::AdFs => vec![
                "SigningCertificate thumbprint: AD FS's new primary (Get-AdfsCertificate shows it with IsPrimary True)"
                    .to_owned(),
                "NextSigningCertificate thumbprint: AD FS's second new certificate (IsPrimary False)".to_owned(),
            ],
            crate::assess::IdpKind::ThirdParty => vec![
                "SigningCertificate thumbprint: the IdP's new certificate (new-signing.cer)".to_owned(),
                "NextSigningCertificate thumbprint: the second new one (second-signing.cer)".to_owned(),
            ],
        };
        lines.extend(
            f.rogue
                .iter()
                .chain(f.primary.map(|p| &p.sha1))
                .map(|old| format!("neither slot holds {old} any more")),
        );
        return lines;
    }
    match (f.rescue(), f.primary) {
        (Some(Rescue::AdfsNewPrimary), _) => vec![
            "SigningCertificate thumbprint: AD FS's new primary (Get-AdfsCertificate shows it with IsPrimary True)"
                .to_owned(),
        ],
        (Some(Rescue::AdfsNewSecondary), Some(p)) => vec![
            primary(p),
            "NextSigningCertificate thumbprint: AD FS's new secondary (Get-AdfsCertificate shows it with IsPrimary False)"
                .to_owned(),
        ],
        (Some(Rescue::IdpNewCertificate { keep_primary: true }), Some(p)) => vec![
            primary(p),
            "NextSigningCertificate thumbprint: the IdP's new certificate".to_owned(),
        ],
        (Some(Rescue::IdpNewCertificate { .. }), _) => {
            vec!["SigningCertificate thumbprint: the IdP's new certificate".to_owned()]
        }
        (Some(Rescue::IdpTwoNewCertificates), _) => vec![
            "SigningCertificate thumbprint: the IdP's new certificate (new-signing.cer)".to_owned(),
            "NextSigningCertificate thumbprint: the second new one (second-signing.cer)".to_owned(),
        ],
        (_, None) => vec![
            "SigningCertificate: the IdP's primary (fedcert has not read the metadata yet)"
                .to_owned(),
        ],
        (_, Some(p)) => {
            let mut lines = vec![primary(p)];
            if let Some(s) = f.successor {
                lines.push(format!(
                    "NextSigningCertificate thumbprint {}: the successor, which {}",
                    s.sha1,
                    expires(s, f.now)
                ));
            }
            lines
        }
    }
}

/// What the signing slot's thumbprint should be, for the comment beside the command.
pub(super) fn expect_primary(f: &Facts<'_>) -> String {
    if f.outage == Some(crate::assess::Outage::SuspectedCompromise) {
        return match f.kind {
            crate::assess::IdpKind::AdFs => "AD FS's new primary".to_owned(),
            crate::assess::IdpKind::ThirdParty => "the IdP's new certificate".to_owned(),
        };
    }
    match (f.rescue(), f.primary) {
        (Some(Rescue::AdfsNewPrimary), _) => "AD FS's new primary".to_owned(),
        (
            Some(Rescue::IdpNewCertificate {
                keep_primary: false,
            }),
            _,
        ) => "the IdP's new certificate".to_owned(),
        (_, Some(p)) => format!("{} (primary)", p.sha1),
        (_, None) => "the thumbprint Get-AdfsCertificate shows with IsPrimary True".to_owned(),
    }
}

/// The lines that read Entra's federation settings into `$fed` (`fetch`) and show the
/// thumbprints of both certificate slots, each with its expectation.
pub(super) fn slot_thumbprints(f: &Facts<'_>, fetch: String) -> Vec<String> {
    let mut lines = vec![
        fetch,
        ps::slot_thumbprint(Slot::Signing, &expect_primary(f)),
    ];
    let next = match (f.rescue(), f.successor) {
        // A suspected compromise replaces the successor too.
        (Some(Rescue::AdfsNewSecondary), _)
            if f.outage == Some(crate::assess::Outage::SuspectedCompromise) =>
        {
            Some("AD FS's second new certificate".to_owned())
        }
        (Some(Rescue::IdpTwoNewCertificates), _) => Some("the second new certificate".to_owned()),
        (_, Some(s)) => Some(format!("{} (successor)", s.sha1)),
        (Some(Rescue::AdfsNewSecondary), None) => Some("AD FS's new secondary".to_owned()),
        (Some(Rescue::IdpNewCertificate { keep_primary: true }), None) => {
            Some("the IdP's new certificate".to_owned())
        }
        _ => None,
    };
    if let Some(next) = next {
        lines.push(ps::slot_thumbprint(Slot::NextSigning, &next));
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
