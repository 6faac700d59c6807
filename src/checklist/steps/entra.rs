//! The Entra steps: the sync check, the third-party `IdP`'s rotation, the update of Entra in
//! both dialects, and its verification.

use super::wording::{
    MSONLINE_RETIRED, entra_evidence, expected_entra_slots, graph_slot_thumbprints, short, when,
};
use crate::assess::{EntraSource, IdpKind, SyncState};
use crate::cert::CertInfo;
use crate::checklist::commands as ps;
use crate::checklist::select::Facts;
use crate::checklist::{Dialect, Location, Step, StepId, Tool};

fn sync_view(f: &Facts<'_>) -> String {
    let source = f.entra.and_then(|e| e.source).map_or("", |s| match s {
        EntraSource::Graph => " (from Graph)",
        EntraSource::Import => " (from an import)",
        EntraSource::Config => " (from thumbprints typed into the config)",
    });
    match (f.sync, f.primary, f.successor) {
        (SyncState::InSync, _, _) => format!("fedcert's view{source}: in sync."),
        (SyncState::Pending, _, Some(s)) => format!(
            "fedcert's view{source}: Entra holds the primary but not the successor {}.",
            short(s.sha1)
        ),
        (SyncState::Broken, Some(p), _) => format!(
            "fedcert's view{source}: Entra does not hold the primary {}, so sign-ins fail now.",
            short(p.sha1)
        ),
        (SyncState::Unknown, _, _) => {
            "fedcert has no Entra side for this domain (no Graph access, import or typed thumbprints).".to_owned()
        }
        _ => format!("fedcert's view{source}: {}.", f.sync.label()),
    }
}

pub(super) fn sync(f: &Facts<'_>, dialect: Dialect) -> Step {
    let third_party = f.kind == IdpKind::ThirdParty;
    let title = if third_party {
        "Check that Entra ID holds the IdP's signing certificate"
    } else {
        "Check that AD FS and Entra ID hold the same certificate"
    };
    let why_entra = "Entra accepts only tokens signed with its SigningCertificate or NextSigningCertificate: if the IdP's \
                     primary is in neither, every federated sign-in fails (AADSTS50008 / AADSTS5000811). \
                     Compare the thumbprints with the expected ones by eye.";
    let view = sync_view(f);
    let step = match dialect {
        Dialect::Graph => Step::new(
            StepId::Sync,
            title,
            Location::AdminWorkstation,
            Tool::GraphPowerShell,
        )
        .commands(
            [
                ps::CONNECT_GRAPH_READ.to_owned(),
                ps::get_federation(f.domain),
            ]
            .into_iter()
            .chain(graph_slot_thumbprints(f)),
        ),
        Dialect::MsOnline if third_party => Step::new(
            StepId::Sync,
            title,
            Location::AdminWorkstation,
            Tool::MsOnline,
        )
        .commands([
            ps::INSTALL_MSONLINE.to_owned(),
            ps::CONNECT_MSOL.to_owned(),
            ps::msol_federation_settings(f.domain),
        ])
        .warn(MSONLINE_RETIRED),
        Dialect::MsOnline => Step::new(StepId::Sync, title, Location::AdfsPrimary, Tool::MsOnline)
            .at_adfs_primary(f.server)
            .commands([
                ps::INSTALL_MSONLINE.to_owned(),
                ps::CONNECT_MSOL.to_owned(),
                ps::msol_federation_property(f.domain, f.multiple_domain),
            ])
            .warn(MSONLINE_RETIRED),
    };
    let expected = if dialect == Dialect::MsOnline && !third_party {
        vec![format!(
            "TokenSigningCertificate thumbprint {} on both Source lines (ADFS Server and Microsoft Office 365)",
            f.primary
                .map_or_else(|| "of the AD FS primary".to_owned(), |p| p.sha1.to_string())
        )]
    } else {
        expected_entra_slots(f)
    };
    step.why(&[why_entra, &view])
        .expected(expected)
        .verified_if(entra_evidence(f))
}

pub(super) fn idp_rotate(f: &Facts<'_>) -> Step {
    let evidence = match (f.successor, f.primary) {
        (Some(s), _) => Some((
            f.idp_seen_at,
            format!("successor {} published in the metadata", short(s.sha1)),
        )),
        (None, Some(p)) if f.sync == SyncState::Broken && f.live_entra().is_some() => Some((
            f.idp_seen_at,
            format!(
                "the IdP already signs with {}, which Entra does not hold",
                short(p.sha1)
            ),
        )),
        _ => None,
    };
    Step::new(
        StepId::IdpRotate,
        "Publish the new signing certificate at the IdP",
        Location::IdpConsole,
        Tool::IdpConsole,
    )
    .why(&[
        "Entra ID reads no metadata from a third-party IdP, so no step of AD FS applies and every certificate change is a \
         manual update of Entra.",
        "First create or activate the new signing certificate at the IdP so that its metadata publishes it beside the \
         current one (Okta: the app's new certificate; PingFederate: certificate rotation; Shibboleth: a second signing \
         key), then refresh fedcert (r) so it fills the certificate into the next step.",
    ])
    .verified_if(evidence)
}

pub(super) fn update_entra(f: &Facts<'_>, dialect: Dialect) -> Step {
    let title = "Update Entra ID with the new certificate";
    let third_party = f.kind == IdpKind::ThirdParty;
    match (dialect, third_party) {
        (Dialect::MsOnline, false) => update_entra_msol_adfs(f, title),
        (Dialect::MsOnline, true) => {
            update_entra_with_certificates(f, title, Tool::MsOnline).warn(MSONLINE_RETIRED)
        }
        (Dialect::Graph, _) => update_entra_with_certificates(f, title, Tool::GraphPowerShell),
    }
}

/// Why the Entra update is needed for this domain.
fn update_reason(f: &Facts<'_>) -> String {
    if f.kind == IdpKind::ThirdParty {
        return "Entra reads no metadata from a third-party IdP: always update it by hand."
            .to_owned();
    }
    let result = f
        .entra
        .and_then(|e| e.update_result.as_ref())
        .map_or_else(String::new, |r| {
            format!(" (Entra's last automatic update: {r})")
        });
    if f.auto == Some(true) {
        format!(
            "Entra normally picks the successor up from the metadata by itself; do this when it has not{result}, for \
             example because the metadata is not reachable from the internet."
        )
    } else {
        format!("With manual rollover Entra does not learn the new certificate by itself{result}.")
    }
}

/// Graph, and `MSOnline` for third-party `IdPs`: write both certificates, taken from the metadata.
fn update_entra_with_certificates(f: &Facts<'_>, title: &str, tool: Tool) -> Step {
    let step = Step::new(StepId::UpdateEntra, title, Location::AdminWorkstation, tool);
    let reason = update_reason(f);
    let each_domain = if f.multiple_domain {
        "This domain uses SupportMultipleDomain: Graph has no such switch and leaves the IssuerUri alone, so run the update \
         for every federated domain of this IdP, one by one."
    } else {
        "Update every federated domain that trusts this IdP, one by one."
    };
    let Some(primary) = f.primary else {
        return step.why(&[
            &reason,
            "fedcert has not read this domain's metadata, so it cannot fill in the certificates: refresh (r) once the \
             metadata is reachable.",
        ]);
    };
    let signing = primary.base64();
    let next = f.successor.map(CertInfo::base64);
    let filled = match f.successor {
        Some(s) => format!(
            "The command puts the IdP's primary {} into SigningCertificate and the successor {} into \
             NextSigningCertificate, as base64 taken from the metadata fedcert read at {}.",
            short(primary.sha1),
            short(s.sha1),
            when(f.idp_seen_at)
        ),
        None => format!(
            "No successor is published yet, so only SigningCertificate is filled in (the primary {}); once the new \
             certificate is published, refresh fedcert (r) and the command gains -NextSigningCertificate.",
            short(primary.sha1)
        ),
    };
    let commands = if tool == Tool::MsOnline {
        vec![
            ps::GET_CREDENTIAL.to_owned(),
            ps::CONNECT_MSOL_CREDENTIAL.to_owned(),
            ps::msol_set_federation_settings(f.domain, &signing, next.as_deref()),
        ]
    } else {
        let federation_id = f.entra.and_then(|e| e.federation_id.as_deref());
        let mut lines = vec![ps::CONNECT_GRAPH_WRITE.to_owned()];
        if federation_id.is_none() {
            lines.push(ps::fetch_federation(f.domain));
        }
        lines.push(ps::update_federation(
            f.domain,
            federation_id,
            &signing,
            next.as_deref(),
        ));
        lines
    };
    let mut step = step
        .why(&[&reason, &filled, each_domain])
        .commands(commands)
        .expected(expected_entra_slots(f))
        .warn(format!(
            "-SigningCertificate overwrites the certificate Entra trusts now: if the IdP still signs with the certificate in \
             that slot and you put another one there, every federated sign-in fails. The slot must hold the certificate the \
             IdP signs with now, {}.",
            short(primary.sha1)
        ));
    if let Some(current) = f
        .entra
        .and_then(|e| e.signing)
        .filter(|s| *s != primary.sha1)
    {
        step = step.warn(format!(
            "Entra's signing slot holds {} now, which is not the IdP's primary; this command replaces it.",
            short(current)
        ));
    }
    step.verified_if(f.successor.and(entra_evidence(f)))
}

/// `MSOnline` for AD FS: `Update-MsolFederatedDomain` reads AD FS and pushes its certificates.
fn update_entra_msol_adfs(f: &Facts<'_>, title: &str) -> Step {
    let mut commands = vec![
        ps::GET_CREDENTIAL.to_owned(),
        ps::CONNECT_MSOL_CREDENTIAL.to_owned(),
    ];
    let mut step = match f.server {
        Some(server) => {
            commands.push(ps::msol_adfs_context(server));
            let mut step = Step::new(
                StepId::UpdateEntra,
                title,
                Location::AdminWorkstation,
                Tool::MsOnline,
            );
            step.where_ = format!(
                "{} (Set-MsolADFSContext points it at {server}; skip that line on the primary AD FS server)",
                Location::AdminWorkstation.label()
            );
            step
        }
        None => Step::new(
            StepId::UpdateEntra,
            title,
            Location::AdfsPrimary,
            Tool::MsOnline,
        ),
    };
    commands.push(ps::msol_update_federated_domain(
        f.domain,
        f.multiple_domain,
    ));
    let multiple = if f.multiple_domain {
        "Keep -SupportMultipleDomain: this domain is configured with it, and the IssuerUri must stay per domain."
    } else {
        ""
    };
    step = step
        .why(&[
            &update_reason(f),
            "Update-MsolFederatedDomain reads the token-signing certificates from AD FS and writes them to Entra.",
            multiple,
            "Update every federated domain that trusts this AD FS, one by one.",
        ])
        .commands(commands)
        .expected(expected_entra_slots(f))
        .warn(MSONLINE_RETIRED);
    step.verified_if(f.successor.and(entra_evidence(f)))
}

pub(super) fn verify_entra(f: &Facts<'_>, dialect: Dialect) -> Step {
    let title = "Verify that Entra ID holds the new certificate";
    let step = match dialect {
        Dialect::Graph => Step::new(
            StepId::VerifyEntra,
            title,
            Location::AdminWorkstation,
            Tool::GraphPowerShell,
        )
        .commands(
            std::iter::once(ps::get_federation_certificates(f.domain))
                .chain(graph_slot_thumbprints(f)),
        ),
        Dialect::MsOnline => Step::new(
            StepId::VerifyEntra,
            title,
            Location::AdminWorkstation,
            Tool::MsOnline,
        )
        .commands([ps::msol_federation_settings(f.domain)])
        .warn(MSONLINE_RETIRED),
    };
    step.why(&[
        "SigningCertificate must be the certificate the IdP signs with now and NextSigningCertificate its successor.",
        "If a thumbprint differs, repeat the update: do not wait for the old certificate to expire.",
    ])
    .expected(expected_entra_slots(f))
    .verified_if(f.successor.and(entra_evidence(f)))
}
