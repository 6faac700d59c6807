//! The steps of a suspected compromise ([EMERG], DESIGN.md §6.5): a second new certificate (so
//! that Entra, given both, releases the old one), removing the old certificate, and finding out
//! who changed the federation. Findings B3 and B4 point to the last one in a planned renewal too.

use super::wording::short;
use crate::assess::{IdpKind, Outage};
use crate::checklist::select::Facts;
use crate::checklist::{Dialect, Location, Step, StepId, Tool};
use crate::powershell as ps;
use crate::source::graph::FEDERATION_ACTIVITIES;

/// "Entra's slots hold …, which the IdP never published", for the steps' reasons.
fn rogue_sentence(f: &Facts<'_>) -> String {
    match f.rogue.as_slice() {
        [] => String::new(),
        [one] => format!(
            "Entra trusts {}, a certificate the IdP never published: whoever holds its key signs in as any user.",
            short(*one)
        ),
        many => format!(
            "Entra trusts {} certificates the IdP never published ({}): whoever holds their keys signs in as any user.",
            many.len(),
            many.iter()
                .map(|s| short(*s))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// [EMERG]: a second new certificate, after the first one became primary.
pub(super) fn second_certificate(f: &Facts<'_>) -> Step {
    let why_two = "Entra holds on to a previous certificate: only when both of its slots are written with new \
                   certificates does it release the old ones (Microsoft's emergency rotation). This one goes into the \
                   next-signing slot.";
    if f.kind == IdpKind::ThirdParty {
        return Step::new(
            StepId::SecondCertificate,
            "Create a second new signing certificate at the IdP",
            Location::IdpConsole,
            Tool::IdpConsole,
        )
        .why(&[
            why_two,
            "Create another signing certificate at the IdP and leave it inactive; download it as second-signing.cer \
             (DER) beside where the Entra update runs.",
        ]);
    }
    Step::new(
        StepId::SecondCertificate,
        "Add a second new token-signing certificate as secondary",
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[
        why_two,
        "Get a second new certificate from your CA, install it with its private key on every AD FS server as for the \
         first, and add it as secondary (put its thumbprint in the command). The old primary is removed by now, so it \
         is the only secondary.",
    ])
    .commands([
        ps::add_token_signing("<thumbprint of the second new certificate>"),
        ps::GET_TOKEN_SIGNING.to_owned(),
    ])
    .expected(vec![
        "two token-signing certificates: the new primary (IsPrimary True) and the second new one (IsPrimary False)"
            .to_owned(),
    ])
    .undo(format!(
        "{} removes it again.",
        ps::remove_token_signing("<thumbprint of the second new certificate>")
    ))
}

/// [EMERG] "Remove your old certificates": the old primary can still be used until it is gone.
pub(super) fn remove_old(f: &Facts<'_>) -> Step {
    let old = f.primary.map(|p| p.sha1);
    let named = old.map_or_else(
        || "the old token-signing certificate".to_owned(),
        |sha1| format!("the old token-signing certificate {}", short(sha1)),
    );
    let why = format!(
        "After the rotation, remove {named}: while AD FS (or the IdP) still holds it, it can still be used, and in a \
         suspected compromise its key may be in other hands."
    );
    let undo = "It cannot be undone, and should not be: putting back a certificate whose key may be stolen trusts it again."
        .to_owned();
    if f.kind == IdpKind::ThirdParty {
        return Step::new(
            StepId::RemoveOld,
            "Delete the old signing certificate at the IdP",
            Location::IdpConsole,
            Tool::IdpConsole,
        )
        .why(&[&why, "Delete or deactivate it in the IdP's console."])
        .undo(undo);
    }
    let thumbprint = old.map_or_else(
        || "<thumbprint of the old certificate>".to_owned(),
        |sha1| sha1.to_string(),
    );
    let urgent = if f.adfs_managed() {
        "The urgent rollover usually removed it already: then Get-AdfsCertificate no longer lists it and there is \
         nothing to remove."
    } else {
        ""
    };
    Step::new(
        StepId::RemoveOld,
        "Remove the old token-signing certificate",
        Location::AdfsPrimary,
        Tool::AdfsPowerShell,
    )
    .at_adfs_primary(f.server)
    .why(&[&why, urgent])
    .commands([
        ps::GET_TOKEN_SIGNING.to_owned(),
        ps::remove_token_signing(&thumbprint),
    ])
    .expected(vec![format!("no certificate with Thumbprint {thumbprint}")])
    .undo(undo)
}

/// Who changed the domain's federation, and what it holds now (findings B3, B4; a suspected
/// compromise).
pub(super) fn review_changes(f: &Facts<'_>, dialect: Dialect) -> Step {
    let incident = if f.outage == Some(Outage::SuspectedCompromise) {
        rogue_sentence(f)
    } else {
        String::new()
    };
    let msonline = if dialect == Dialect::MsOnline {
        "MSOnline has no audit-log command: these are Microsoft Graph PowerShell's."
    } else {
        ""
    };
    let mut commands = vec![ps::CONNECT_GRAPH_AUDIT.to_owned()];
    commands.extend(
        FEDERATION_ACTIVITIES
            .iter()
            .map(|activity| ps::audit_events(activity, f.domain)),
    );
    commands.push(ps::CONNECT_GRAPH_READ.to_owned());
    commands.push(ps::federation_settings(f.domain));
    Step::new(
        StepId::ReviewChanges,
        "Find out who changed the domain's federation",
        Location::AdminWorkstation,
        Tool::GraphPowerShell,
    )
    .why(&[
        &incident,
        "Entra's audit log records every change to a domain's federation settings (\"Set federation settings on \
         domain\": certificates, issuer, endpoints, MFA behaviour) and to its authentication (\"Set domain \
         authentication\": Managed to Federated). Check that each change of the last days was made by someone who \
         meant to (a renewal, a planned change); an unexpected one is how a federation backdoor is planted.",
        "Compare the settings with the IdP's: IssuerUri must be the IdP's entityID (or http://<domain>/adfs/services/trust/ \
         with SupportMultipleDomain), the sign-in URIs must point at the IdP. The same events are in the Entra admin \
         center under Monitoring, Audit logs. Reading them needs AuditLog.Read.All (and a Security Reader or Global \
         Reader role to sign in with).",
        msonline,
    ])
    .commands(commands)
    .expected(vec![
        "each change made by someone you know, at a time you can account for".to_owned(),
    ])
}
