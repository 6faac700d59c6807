//! The AD FS steps: rollover setting, expiry, proxy updates, the certificates on the farm,
//! generating a successor, and Entra Connect's repair.

use chrono::Duration;

use super::wording::{URGENT_WARNING, expected_adfs_certs, expires, short, two_published, when};
use crate::assess::{IdpKind, Outage};
use crate::checklist::select::{Facts, Rescue};
use crate::checklist::{Location, Step, StepId, Tool};
use crate::powershell as ps;

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
            "fedcert has not read a primary token-signing certificate for this domain yet (the metadata was never fetched); refresh fedcert once the metadata is reachable.",
        ]);
    };
    let known = format!(
        "fedcert already knows: the primary token-signing certificate {} ({}) {}.",
        short(primary.sha1),
        crate::words::subject(primary),
        expires(primary, f.now)
    );
    let successor = match f.successor {
        Some(s) if !f.successor_published() => format!(
            "AD FS holds a successor {}, valid until {}, which the metadata does not publish yet.",
            short(s.sha1),
            when(s.not_after)
        ),
        Some(s) => format!(
            "A successor {} is published, valid until {}.",
            short(s.sha1),
            when(s.not_after)
        ),
        None => "No successor is published yet.".to_owned(),
    };
    let twins: Vec<String> = f.twins.iter().map(|c| short(c.sha1)).collect();
    let twins = match twins.as_slice() {
        [] => String::new(),
        [one] => format!(
            "{one} expires with the primary (within a day): a twin or back-channel key, not a successor."
        ),
        many => format!(
            "{} expire with the primary (within a day): twins or back-channel keys, not successors.",
            many.join(", ")
        ),
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
        _ if primary.not_after <= f.now => {
            "It has expired: federated sign-ins fail until the steps that restore sign-in are done."
                .to_owned()
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
    step.why(&[&known, &successor, &twins, &plan])
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
        (Some(p), Some(s)) if !f.successor_published() => format!(
            "The imported Get-AdfsCertificate already shows two: the primary {} and the secondary {}, which the metadata \
             does not publish yet.",
            short(p.sha1),
            short(s.sha1)
        ),
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
    .verified_if(two_published(f).or_else(|| imported_list(f)))
}

/// The imported Get-AdfsCertificate, matching the metadata, is this step's output.
fn imported_list(f: &Facts<'_>) -> Option<(chrono::DateTime<chrono::Utc>, String)> {
    let holds = f.adfs?;
    let listed: Vec<String> = holds
        .certificates
        .iter()
        .map(|c| {
            let role = if c.is_primary { "primary" } else { "secondary" };
            format!("{role} {}", short(c.sha1))
        })
        .collect();
    Some((
        f.adfs_seen_at,
        format!("imported Get-AdfsCertificate lists {}", listed.join(", ")),
    ))
}

/// AD FS manages its own (self-signed) token-signing certificates: `Update-AdfsCertificate`
/// works. With CA-issued certificates (or rollover off) a new certificate is added instead.
fn adfs_generates(f: &Facts<'_>) -> bool {
    f.auto != Some(false) && f.primary.is_none_or(|p| p.self_signed)
}

/// The successor exists: published in the metadata, or held by AD FS (an import).
fn successor_evidence(f: &Facts<'_>) -> Option<(chrono::DateTime<chrono::Utc>, String)> {
    f.successor.map(|s| {
        if f.successor_published() {
            (
                f.idp_seen_at,
                format!(
                    "successor {} published in the metadata, valid until {}",
                    short(s.sha1),
                    when(s.not_after)
                ),
            )
        } else {
            (
                f.adfs_seen_at,
                format!(
                    "AD FS holds the successor {} (imported Get-AdfsCertificate), valid until {}",
                    short(s.sha1),
                    when(s.not_after)
                ),
            )
        }
    })
}

/// Why the domain needs a new certificate now, for the generate step.
fn generate_reason(f: &Facts<'_>) -> String {
    match (f.outage, f.primary) {
        (Some(Outage::SuspectedCompromise), _) if adfs_generates(f) => {
            "A suspected compromise (Microsoft's emergency rotation): after the urgent rollover AD FS holds one new \
             primary; this second new \
             certificate becomes its secondary. Entra holds on to a previous certificate until both of its slots are \
             written with new ones: the Entra update puts the two there, and nothing it held before stays trusted."
                .to_owned()
        }
        (Some(Outage::SuspectedCompromise), _) => {
            "A suspected compromise (Microsoft's emergency rotation): the first of two new certificates. It becomes primary in the next step, \
             the old one is removed, and a second new one follows; then Entra gets both."
                .to_owned()
        }
        (_, _) if f.flush == Some(true) => {
            "Entra's next-signing slot still holds a certificate the IdP retired: a second certificate of AD FS's own \
             gives the Entra update something to put there instead."
                .to_owned()
        }
        (Some(Outage::PrimaryExpired), Some(p)) => format!(
            "The primary {} has expired and AD FS holds no successor: add a new certificate now, make it primary in the next step, then put it into Entra.",
            short(p.sha1)
        ),
        (Some(_), Some(p)) => format!(
            "The primary {} {} and Entra holds no successor: get the successor into AD FS now, while the primary still signs, so Entra can take it in before the switch.",
            short(p.sha1),
            expires(p, f.now)
        ),
        (None, Some(p)) => format!(
            "fedcert sees one signing certificate, {}, which {}.",
            short(p.sha1),
            expires(p, f.now)
        ),
        (_, None) => String::new(),
    }
}

pub(super) fn generate(f: &Facts<'_>) -> Step {
    let evidence = successor_evidence(f);
    let reason = generate_reason(f);
    if adfs_generates(f) {
        let caveat = if f.auto == Some(true) {
            ""
        } else {
            "Update-AdfsCertificate works only while AutoCertificateRollover is True and AD FS manages its own (self-signed) \
             certificates (the first step shows which)."
        };
        // In an incident (or a flush) the reason says it all; the renewal's wording would not fit.
        let (title, renewal) = if f.outage == Some(Outage::SuspectedCompromise) {
            ("Generate a second new token-signing certificate", "")
        } else if f.flush == Some(true) {
            ("Generate a second token-signing certificate", "")
        } else {
            (
                "Generate a new token-signing certificate",
                "When the previous step lists a single token-signing certificate, AD FS has not generated the successor: \
                 generate it here, as secondary; the current primary keeps signing. (The article waits until that \
                 certificate's NotAfter is within 5 days; fedcert does not wait once AD FS has missed its own generation, \
                 because Entra needs time to take the new certificate in.)",
            )
        };
        return Step::new(
            StepId::Generate,
            title,
            Location::AdfsPrimary,
            Tool::AdfsPowerShell,
        )
        .at_adfs_primary(f.server)
        .why(&[renewal, &reason, caveat])
        .commands([ps::UPDATE_TOKEN_SIGNING.to_owned()])
        .warn(URGENT_WARNING)
        .forbid("-Urgent")
        .undo(format!(
            "{} removes the new secondary again (AD FS keeps signing with the current primary).",
            ps::remove_token_signing("<thumbprint of the new secondary>")
        ))
        .verified_if(evidence);
    }
    let mut commands = Vec::new();
    let mut undo = vec![format!(
        "{} removes the added certificate again.",
        ps::remove_token_signing("<thumbprint of the new certificate>")
    )];
    if f.auto != Some(false) {
        commands.push(ps::AUTO_ROLLOVER_OFF.to_owned());
        undo.push(format!(
            "{} turns automatic rollover back on.",
            ps::AUTO_ROLLOVER_ON
        ));
    }
    commands.push(ps::add_token_signing("<thumbprint of the new certificate>"));
    Step::new(
        StepId::Generate,
        "Add the new token-signing certificate as secondary",
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[
        if f.primary.is_some_and(|p| !p.self_signed) {
            "These certificates come from a CA, so AD FS cannot generate the next one: request it from your CA,"
        } else {
            "AutoCertificateRollover is False, so AD FS generates no certificate: get the next one (from your CA, or \
             self-signed),"
        },
        "install it with its private key in the Local Computer's Personal store on every AD FS server, and give the \
         AD FS service account read access to the private key; then add it as secondary (put its thumbprint in the \
         command).",
        &reason,
        "AD FS accepts a certificate of your own only while AutoCertificateRollover is False.",
    ])
    .commands(commands)
    .undo(undo.join(" "))
    .verified_if(evidence)
}

/// [EMERG] step 1: the primary has expired and AD FS manages its own certificates.
pub(super) fn urgent_rollover(f: &Facts<'_>) -> Step {
    let compromise = f.outage == Some(Outage::SuspectedCompromise);
    let expired = match f.primary {
        Some(p) if compromise => format!(
            "A suspected compromise: Entra trusts a certificate the IdP never published, so whoever put it there may \
             hold the primary {}'s key too. Replace it at once.",
            short(p.sha1)
        ),
        Some(p) => format!(
            "The primary {} {}: federated sign-ins fail until AD FS signs with a valid certificate and Entra holds it.",
            short(p.sha1),
            expires(p, f.now)
        ),
        None => String::new(),
    };
    let title = if compromise {
        "Replace the token-signing certificate at once"
    } else {
        "Replace the expired token-signing certificate at once"
    };
    let fail = if compromise {
        "An urgent rollover removes the older certificates at once: every relying party that trusts only the old \
         certificate fails until it reads the new metadata, and Entra until the Entra update two steps on."
    } else {
        "An urgent rollover removes the older certificates at once: every relying party that trusts only the old \
         certificate fails until it reads the new metadata. With the primary expired they fail already."
    };
    Step::new(
        StepId::UrgentRollover,
        title,
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[
        &expired,
        "An urgent rollover generates a new certificate and makes it primary immediately (Microsoft's emergency \
         rotation). It works while AutoCertificateRollover is True and AD FS manages its own certificates.",
    ])
    .commands([
        ps::URGENT_TOKEN_SIGNING.to_owned(),
        ps::GET_TOKEN_SIGNING.to_owned(),
    ])
    .expected(vec![
        "one token-signing certificate, IsPrimary True, NotAfter about a year from now".to_owned(),
    ])
    .warn(fail)
    .undo(
        "It cannot be undone: the old certificate is gone. If sign-ins still fail, put the new certificate into Entra at \
         once (the next step)."
            .to_owned(),
    )
}

/// [TSTD] step 5 for AD FS; activating the new certificate for a third-party IdP.
pub(super) fn promote(f: &Facts<'_>) -> Step {
    let expired = f.primary.is_some_and(|p| p.not_after <= f.now);
    let target = f.successor.map_or_else(
        || "<thumbprint of the new certificate>".to_owned(),
        |s| s.sha1.to_string(),
    );
    let when_to = if f.outage == Some(Outage::SuspectedCompromise) {
        "A suspected compromise: switch now, even though Entra does not hold the new certificate yet; sign-ins fail \
         until the Entra update, a few steps on, so go straight through."
    } else if expired {
        "The primary has expired, so do it now; Entra must hold the new certificate too (the Entra update step)."
    } else {
        "Only once Entra holds the new certificate (the verification step shows both thumbprints): a switch to a \
         certificate Entra does not hold fails every federated sign-in."
    };
    let back = match f.primary {
        Some(p) if !expired => Some(p.sha1),
        _ => None,
    };
    if f.kind == IdpKind::ThirdParty {
        let undo = match back {
            Some(old) => format!(
                "Switch the IdP back to the previous certificate {} while it is valid.",
                short(old)
            ),
            None => "The previous certificate has expired: there is nothing to switch back to."
                .to_owned(),
        };
        return Step::new(
            StepId::Promote,
            "Switch the IdP to the new signing certificate",
            Location::IdpConsole,
            Tool::IdpConsole,
        )
        .why(&[
            "The IdP keeps signing with the old certificate until you make the new one active (Okta: activate the new \
             certificate; PingFederate: make it the active signing certificate; Shibboleth: swap the signing key).",
            when_to,
        ])
        .undo(undo);
    }
    let subject = f.successor.map_or_else(String::new, |s| {
        format!(
            "The successor {} is published, valid until {}.",
            short(s.sha1),
            when(s.not_after)
        )
    });
    let undo = match back {
        Some(old) => format!(
            "{} switches back to the previous primary while it is valid.",
            ps::set_primary(&old.to_string())
        ),
        None => "The previous primary has expired: there is nothing to switch back to.".to_owned(),
    };
    Step::new(
        StepId::Promote,
        "Make the new certificate primary",
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[
        "AD FS signs tokens (and the metadata) with its primary token-signing certificate only; without automatic \
         rollover nothing switches to the new one by itself.",
        &subject,
        when_to,
    ])
    .commands([ps::set_primary(&target), ps::GET_TOKEN_SIGNING.to_owned()])
    .expected(vec![format!("Thumbprint {target}  IsPrimary True")])
    .undo(undo)
}

/// R9: the token-decrypting certificate needs renewing.
pub(super) fn renew_decrypting(f: &Facts<'_>) -> Step {
    let view = f.decrypting.map_or_else(String::new, |c| {
        format!(
            "The token-decrypting certificate {} {}.",
            short(c.sha1),
            expires(c, f.now)
        )
    });
    if f.kind == IdpKind::ThirdParty {
        return Step::new(
            StepId::RenewDecrypting,
            "Renew the IdP's encryption certificate",
            Location::IdpConsole,
            Tool::IdpConsole,
        )
        .why(&[
            &view,
            "Renew it at the IdP, then give the new certificate to the partners that encrypt to it.",
        ]);
    }
    Step::new(
        StepId::RenewDecrypting,
        "Renew the token-decrypting certificate",
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[
        &view,
        "AD FS decrypts with it the tokens that claims-provider trusts encrypt to AD FS; sign-ins through them fail once \
         it expires. Entra does not use it.",
        "Update-AdfsCertificate adds a new one as secondary while AutoCertificateRollover is True; with CA-issued \
         certificates add yours with Add-AdfsCertificate -CertificateType Token-Decrypting. Then give the new \
         certificate (or the new metadata) to every claims provider that encrypts to AD FS.",
    ])
    .commands([
        ps::GET_TOKEN_DECRYPTING.to_owned(),
        ps::UPDATE_TOKEN_DECRYPTING.to_owned(),
    ])
}

pub(super) fn verify_adfs(f: &Facts<'_>) -> Step {
    let new_primary = f.rescue() == Some(Rescue::AdfsNewPrimary);
    let (title, check, expected) = if new_primary {
        (
            "Verify that AD FS signs with a new certificate",
            "Run Get-AdfsCertificate again: the new certificate must be primary (IsPrimary True, NotAfter about a year \
             out).",
            vec![
                "a token-signing certificate with IsPrimary True and NotAfter about a year from now".to_owned(),
            ],
        )
    } else {
        (
            "Verify that AD FS now holds two token-signing certificates",
            "Run Get-AdfsCertificate again: there should be two certificates now.",
            expected_adfs_certs(f),
        )
    };
    Step::new(
        StepId::VerifyAdfs,
        title,
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[
        check,
        "Then refresh fedcert: it reads the new certificate from the metadata, and every step shows it.",
    ])
    .commands([ps::GET_TOKEN_SIGNING.to_owned()])
    .expected(expected)
    .verified_if(two_published(f).filter(|_| !new_primary))
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
