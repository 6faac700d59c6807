//! The AD FS steps: rollover setting, expiry, proxy updates, the certificates on the farm,
//! generating a successor, and Entra Connect's repair.

use chrono::Duration;

use super::wording::{URGENT_WARNING, expected_adfs_certs, expires, short, two_published, when};
use crate::assess::IdpKind;
use crate::checklist::commands as ps;
use crate::checklist::select::Facts;
use crate::checklist::{Location, Step, StepId, Tool};

pub(super) fn auto_rollover(f: &Facts<'_>) -> Step {
    let source = if f.auto_imported {
        "imported Get-AdfsProperties"
    } else {
        "config"
    };
    let (g, p) = (f.policy.generation_days, f.policy.promotion_days);
    let state = match f.auto {
        Some(true) => format!(
            "AutoCertificateRollover is True ({source}): AD FS generates the successor {g} days before the primary expires \
             and promotes it {p} days later, and Entra picks it up from the metadata when the metadata is reachable from the internet."
        ),
        Some(false) => format!("AutoCertificateRollover is False ({source}): every renewal is manual, the steps below."),
        None => "fedcert does not know whether AutoCertificateRollover is on, and it decides between automatic renewal and \
                 the manual steps below: run this, then set auto_rollover in the config or import the output."
            .to_owned(),
    };
    let expected = vec![
        match f.auto {
            Some(true) => "AutoCertificateRollover : True".to_owned(),
            Some(false) => "AutoCertificateRollover : False".to_owned(),
            None => "AutoCertificateRollover : True (automatic renewal) or False (manual renewal)"
                .to_owned(),
        },
        format!("CertificateGenerationThreshold : {g}"),
        format!("CertificatePromotionThreshold : {p}"),
    ];
    let evidence = match (f.auto_imported, f.auto) {
        (true, Some(auto)) => Some((
            f.now,
            format!(
                "imported Get-AdfsProperties: AutoCertificateRollover = {}",
                if auto { "True" } else { "False" }
            ),
        )),
        _ => None,
    };
    Step::new(
        StepId::AutoRollover,
        "Check AutoCertificateRollover",
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[
        if f.kind_known {
            ""
        } else {
            "fedcert has not read this domain's metadata yet and assumes AD FS."
        },
        &state,
        &format!(
            "On AD FS 2.0 (Windows Server 2008 R2), run {} first.",
            ps::ADFS2_SNAPIN
        ),
    ])
    .commands([ps::GET_ADFS_PROPERTIES.to_owned()])
    .expected(expected)
    .verified_if(evidence)
}

pub(super) fn expiry(f: &Facts<'_>) -> Step {
    let step = Step::new(
        StepId::Expiry,
        "Note when the primary certificate expires",
        Location::Fedcert,
        Tool::None,
    );
    let Some(primary) = f.primary else {
        return step.why(&[
            "fedcert has not read a primary token-signing certificate for this domain yet (the metadata was never fetched); refresh with r.",
        ]);
    };
    let known = format!(
        "fedcert already knows: the primary token-signing certificate {} ({}) {}.",
        short(primary.sha1),
        primary.subject,
        expires(primary, f.now)
    );
    let successor = match f.successor {
        Some(s) => format!(
            "A successor {} is published, valid until {}.",
            short(s.sha1),
            when(s.not_after)
        ),
        None => "No successor is published yet.".to_owned(),
    };
    let plan = match (f.kind, f.auto, f.successor) {
        (IdpKind::AdFs, Some(true), None) => format!(
            "AD FS generates the successor around {} and promotes it {} days later.",
            when(primary.not_after - Duration::days(i64::from(f.policy.generation_days))),
            f.policy.promotion_days
        ),
        (IdpKind::AdFs, Some(true), Some(_)) => {
            let days = f
                .policy
                .generation_days
                .saturating_sub(f.policy.promotion_days);
            format!(
                "AD FS promotes the successor around {} ({days} days before expiry).",
                when(primary.not_after - Duration::days(i64::from(days)))
            )
        }
        _ => {
            let days = f.policy.manual_renew_days;
            let deadline = primary.not_after - Duration::days(i64::from(days));
            if deadline > f.now {
                format!(
                    "Renew by hand before {} ({days} days before expiry).",
                    when(deadline)
                )
            } else {
                format!(
                    "The manual-renewal mark ({days} days before expiry) passed on {}: renew now.",
                    when(deadline)
                )
            }
        }
    };
    let evidence = format!(
        "primary {} {}",
        short(primary.sha1),
        expires(primary, f.now)
    );
    step.why(&[&known, &successor, &plan])
        .verified_if(Some((f.idp_seen_at, evidence)))
}

pub(super) fn kb_updates() -> Step {
    Step::new(
        StepId::KbUpdates,
        "Check the updates the article requires on the AD FS proxies",
        Location::AdfsProxies,
        Tool::WindowsPowerShell,
    )
    .why(&[
        "The article requires these updates on AD FS proxy servers to avoid known proxy authentication failures during the \
         renewal period: KB2955164 on Windows Server 2012 R2, KB3094446 on Windows Server 2008 R2 and 2012.",
        "Run the line for the proxy's release: Get-HotFix lists the update when it is installed and reports an error when not.",
    ])
    .commands([
        ps::get_hotfix("KB2955164", "Windows Server 2012 R2"),
        ps::get_hotfix("KB3094446", "Windows Server 2008 R2 and 2012"),
    ])
}

pub(super) fn adfs_certs(f: &Facts<'_>) -> Step {
    let view = match (f.primary, f.successor) {
        (Some(p), Some(s)) => format!(
            "The metadata already publishes two: the primary {} and the successor {}.",
            short(p.sha1),
            short(s.sha1)
        ),
        (Some(p), None) => format!(
            "The metadata publishes only one, {}: expect one here.",
            short(p.sha1)
        ),
        (None, _) => String::new(),
    };
    Step::new(
        StepId::AdfsCerts,
        "List the token-signing certificates",
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[
        "During a rollover AD FS holds two token-signing certificates: the primary (IsPrimary True, expiring soon) and the \
         successor (IsPrimary False, valid for about a year).",
        &view,
        "The second command exports them as JSON for fedcert import adfs-certificates.",
    ])
    .commands([ps::GET_TOKEN_SIGNING.to_owned(), ps::EXPORT_TOKEN_SIGNING.to_owned()])
    .expected(expected_adfs_certs(f))
    .verified_if(two_published(f))
}

pub(super) fn generate(f: &Facts<'_>) -> Step {
    let view = f.primary.map_or_else(String::new, |p| {
        format!(
            "fedcert sees one signing certificate, {}, which {}.",
            short(p.sha1),
            expires(p, f.now)
        )
    });
    let caveat = if f.auto == Some(true) && f.primary.is_none_or(|p| p.self_signed) {
        ""
    } else {
        "Update-AdfsCertificate works only while AutoCertificateRollover is True and AD FS manages its own (self-signed) \
         certificates; with CA-issued certificates, add the new certificate as secondary (Add-AdfsCertificate) instead."
    };
    let evidence = f.successor.map(|s| {
        (
            f.idp_seen_at,
            format!(
                "successor {} published in the metadata, valid until {}",
                short(s.sha1),
                when(s.not_after)
            ),
        )
    });
    Step::new(StepId::Generate, "Generate a new token-signing certificate", Location::AdfsPrimary, Tool::AdfsPowerShell)
        .at_adfs_primary(f.server)
        .why(&[
            "Only when the previous step shows a single token-signing certificate whose NotAfter is within 5 days (the \
             article's rule): AD FS then adds a new certificate as secondary and promotes it later.",
            &view,
            caveat,
        ])
        .commands([ps::UPDATE_TOKEN_SIGNING.to_owned()])
        .warn(URGENT_WARNING)
        .verified_if(evidence)
}

pub(super) fn verify_adfs(f: &Facts<'_>) -> Step {
    Step::new(
        StepId::VerifyAdfs,
        "Verify that AD FS now holds two token-signing certificates",
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[
        "Run Get-AdfsCertificate again: there should be two certificates now.",
        "Then refresh fedcert (r): it reads the new certificate from the metadata and fills it into the Entra update.",
    ])
    .commands([ps::GET_TOKEN_SIGNING.to_owned()])
    .expected(expected_adfs_certs(f))
    .verified_if(two_published(f))
}

pub(super) fn repair_trust() -> Step {
    Step::new(
        StepId::RepairTrust,
        "Alternative: repair the trust with Entra Connect",
        Location::EntraConnect,
        Tool::EntraConnectWizard,
    )
    .why(&[
        "If Entra Connect set up this AD FS farm, its wizard can do the Entra update instead of the previous step: run the \
         Entra Connect wizard, choose \"Repair Microsoft Entra ID and ADFS Trust\", sign in as Hybrid Identity \
         Administrator and domain admin, review the certificate health and click Install.",
        "It repairs only self-signed certificates, and needs Entra Connect 2.4.18.0 or later (older builds fail since April 2025).",
    ])
}
