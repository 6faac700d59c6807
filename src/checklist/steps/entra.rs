//! The Entra steps: the sync check, the third-party `IdP`'s rotation, the update of Entra in
//! both dialects, and its verification.

use super::wording::{
    MSONLINE_RETIRED, entra_evidence, expected_entra_slots, short, slot_thumbprints, when,
};
use crate::assess::{EntraSource, IdpKind, Outage, SyncState};
use crate::cert::{CertInfo, Sha1};
use crate::checklist::select::{Facts, Rescue};
use crate::checklist::{Dialect, Location, Step, StepId, Tool};
use crate::powershell::{self as ps, CertArg};

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
            std::iter::once(ps::CONNECT_GRAPH_READ.to_owned())
                .chain(slot_thumbprints(f, ps::fetch_federation(f.domain))),
        ),
        Dialect::MsOnline if third_party => Step::new(
            StepId::Sync,
            title,
            Location::AdminWorkstation,
            Tool::MsOnline,
        )
        .commands(
            [ps::INSTALL_MSONLINE.to_owned(), ps::CONNECT_MSOL.to_owned()]
                .into_iter()
                .chain(slot_thumbprints(f, ps::msol_fetch_settings(f.domain))),
        )
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
        "First create the new signing certificate at the IdP so that its metadata publishes it beside the current one \
         (Okta: the app's new certificate; PingFederate: certificate rotation; Shibboleth: a second signing key), then \
         refresh fedcert so it fills the certificate into the Entra update.",
    ])
    .verified_if(evidence)
}

pub(super) fn update_entra(f: &Facts<'_>, dialect: Dialect) -> Step {
    let title = match f.outage {
        Some(Outage::SyncBroken) => "Put the certificate the IdP signs with into Entra ID",
        Some(Outage::SuspectedCompromise) => {
            "Rewrite both of Entra's slots with the new certificates"
        }
        _ => "Update Entra ID with the new certificate",
    };
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
    match (f.outage, f.primary) {
        (Some(Outage::SyncBroken), Some(p)) => {
            return format!(
                "This restores sign-in: Entra does not hold the primary {} that the IdP signs with, so it refuses every \
                 federated token until it does.",
                short(p.sha1)
            );
        }
        (Some(Outage::PrimaryExpired), _) => {
            return "This restores sign-in: Entra must hold the certificate the IdP signs with once the expired one \
                    is replaced. Do it at once."
                .to_owned();
        }
        (Some(Outage::CriticalThreshold), _) => {
            return "Entra must hold the successor before the primary expires (or before AD FS switches to it at its \
                    critical threshold): do it now."
                .to_owned();
        }
        (Some(Outage::SuspectedCompromise), _) => {
            return "This removes what should not be trusted: both of Entra's slots get the IdP's two new \
                    certificates, so the certificate the IdP never published, and the old ones, are trusted no more."
                .to_owned();
        }
        _ => {}
    }
    if f.flush.is_some() {
        return "This flushes the retired certificate Entra still trusts: the command writes both slots with the \
                IdP's own certificates."
            .to_owned();
    }
    if f.kind == IdpKind::ThirdParty {
        return "Entra reads no metadata from a third-party IdP: always update it by hand."
            .to_owned();
    }
    if f.successor.is_some() && !f.successor_published() {
        return "AD FS holds the successor, but the metadata Entra reads does not publish it yet, so Entra cannot \
                pick it up by itself: put it there by hand (and find out why the metadata is behind AD FS)."
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

/// Where the certificates of the Entra update come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// The metadata fedcert read: the primary, and the successor when published.
    Metadata {
        primary: &'a CertInfo,
        successor: Option<&'a CertInfo>,
    },
    /// AD FS itself, after an urgent rollover or a new secondary that the metadata does not
    /// show yet: `$p`, and `$n` when AD FS holds a secondary for Entra's next slot.
    Adfs { next: bool },
    /// A third-party IdP's new certificate, downloaded as a file; the current primary stays in
    /// the signing slot while it is valid.
    File { keep: Option<&'a CertInfo> },
    /// A third-party IdP's two new certificates, downloaded as two files (a suspected
    /// compromise): nothing old stays.
    TwoFiles,
}

impl Facts<'_> {
    fn entra_source(&self) -> Option<Source<'_>> {
        match self.rescue() {
            Some(Rescue::AdfsNewPrimary) => Some(Source::Adfs { next: false }),
            Some(Rescue::AdfsNewSecondary) => Some(Source::Adfs { next: true }),
            // The primary is kept from the metadata only when its signature does not say
            // otherwise.
            Some(Rescue::IdpNewCertificate { keep_primary }) => Some(Source::File {
                keep: self
                    .primary
                    .filter(|_| keep_primary && self.distrust.is_none()),
            }),
            // The metadata's signature does not verify: take nothing from it.
            None if self.distrust.is_some() => Some(match self.kind {
                IdpKind::AdFs => Source::Adfs {
                    next: self.successor.is_some(),
                },
                IdpKind::ThirdParty => Source::File { keep: None },
            }),
            Some(Rescue::IdpTwoNewCertificates) => Some(Source::TwoFiles),
            None => self.primary.map(|primary| Source::Metadata {
                primary,
                successor: self.successor,
            }),
        }
    }
}

/// The certificates of an Entra update as command-line values, and where they come from.
struct Filling {
    /// Lines that make the values (`$p = …`), before the update.
    prelude: Vec<String>,
    signing: CertArg,
    next: Option<CertArg>,
    /// What the command puts where, in words.
    text: String,
    /// The commands read AD FS, so they run on its primary server.
    on_adfs: bool,
    /// The certificate the signing slot must hold: overwriting it with another breaks sign-in.
    keeps: Option<Sha1>,
}

fn filling(source: Source<'_>, f: &Facts<'_>) -> Filling {
    match source {
        Source::Metadata { primary, successor } => Filling {
            prelude: Vec::new(),
            signing: CertArg::Base64(primary.base64()),
            next: successor.map(|s| CertArg::Base64(s.base64())),
            text: match successor {
                Some(s) if !f.successor_published() => format!(
                    "The command puts the IdP's primary {} into SigningCertificate and AD FS's secondary {} into \
                     NextSigningCertificate: the metadata does not publish that one yet, so its base64 comes from the \
                     RawData of the Get-AdfsCertificate imported at {}.",
                    short(primary.sha1),
                    short(s.sha1),
                    when(f.adfs_seen_at)
                ),
                Some(s) => format!(
                    "The command puts the IdP's primary {} into SigningCertificate and the successor {} into \
                     NextSigningCertificate, as base64 taken from the metadata fedcert read at {}.",
                    short(primary.sha1),
                    short(s.sha1),
                    when(f.idp_seen_at)
                ),
                None => format!(
                    "No successor is published yet, so only SigningCertificate is filled in (the primary {}); once the \
                     new certificate is published, refresh fedcert and the command gains -NextSigningCertificate.",
                    short(primary.sha1)
                ),
            },
            on_adfs: false,
            keeps: Some(primary.sha1),
        },
        Source::Adfs { next } => {
            let mut prelude = vec![ps::ADFS_PRIMARY_VAR.to_owned()];
            if next {
                prelude.push(ps::ADFS_SECONDARY_VAR.to_owned());
            }
            let text = adfs_text(f.distrust.is_some(), next);
            Filling {
                prelude,
                signing: CertArg::Expr(ps::ADFS_PRIMARY_B64),
                next: next.then_some(CertArg::Expr(ps::ADFS_SECONDARY_B64)),
                text: text.to_owned(),
                on_adfs: true,
                keeps: None,
            }
        }
        Source::TwoFiles => Filling {
            prelude: vec![
                ps::READ_NEW_CERTIFICATE.to_owned(),
                ps::READ_SECOND_CERTIFICATE.to_owned(),
            ],
            signing: CertArg::Expr(ps::NEW_CERTIFICATE_B64),
            next: Some(CertArg::Expr(ps::SECOND_CERTIFICATE_B64)),
            text: "Download the two new certificates from the IdP as new-signing.cer (the one it signs with) and \
                   second-signing.cer (DER) beside where you run this: the command writes both of Entra's slots, so \
                   no certificate it held before stays trusted."
                .to_owned(),
            on_adfs: false,
            keeps: None,
        },
        Source::File { keep } => {
            let download = if f.distrust.is_some() {
                "The metadata's signature does not verify, so nothing is taken from it: download the signing \
                 certificate from the IdP's admin console as new-signing.cer (DER) beside where you run this"
            } else {
                "Download the new certificate from the IdP as new-signing.cer (DER) beside where you run this"
            };
            let later =
                "Or refresh fedcert once the IdP publishes it: the command then carries it.";
            let (signing, next, text) = match keep {
                Some(primary) => (
                    CertArg::Base64(primary.base64()),
                    Some(CertArg::Expr(ps::NEW_CERTIFICATE_B64)),
                    format!(
                        "{download}: the command keeps the primary {} in SigningCertificate and puts the new one into \
                         NextSigningCertificate. {later}",
                        short(primary.sha1)
                    ),
                ),
                None => (
                    CertArg::Expr(ps::NEW_CERTIFICATE_B64),
                    None,
                    format!("{download}: the command puts it into SigningCertificate. {later}"),
                ),
            };
            Filling {
                prelude: vec![ps::READ_NEW_CERTIFICATE.to_owned()],
                signing,
                next,
                text,
                on_adfs: false,
                keeps: keep.map(|p| p.sha1),
            }
        }
    }
}

/// Where an update from AD FS takes its certificates, and why not from the metadata.
fn adfs_text(distrust: bool, next: bool) -> &'static str {
    match (distrust, next) {
        (true, true) => {
            "The metadata's signature does not verify, so the commands take the certificates from AD FS \
             itself, not from the metadata: its primary ($p) into SigningCertificate and its secondary ($n) \
             into NextSigningCertificate. Run them on the primary AD FS server with the Microsoft.Graph \
             module installed."
        }
        (true, false) => {
            "The metadata's signature does not verify, so the commands take the certificate from AD FS \
             itself, not from the metadata: its primary ($p) into SigningCertificate. Run them on the \
             primary AD FS server with the Microsoft.Graph module installed."
        }
        (false, true) => {
            "The metadata does not show the new certificate yet, so the commands take both from AD FS: its \
             primary ($p) into SigningCertificate and the new secondary ($n) into NextSigningCertificate. \
             Run them on the primary AD FS server with the Microsoft.Graph module installed."
        }
        (false, false) => {
            "The metadata does not show the new primary yet, so the commands take it from AD FS ($p) into \
             SigningCertificate. Run them on the primary AD FS server with the Microsoft.Graph module \
             installed."
        }
    }
}

/// Graph, and `MSOnline` for third-party `IdPs`: write both certificates.
fn update_entra_with_certificates(f: &Facts<'_>, title: &str, tool: Tool) -> Step {
    let mut step = Step::new(StepId::UpdateEntra, title, Location::AdminWorkstation, tool);
    let reason = update_reason(f);
    let each_domain = each_domain_text(f, tool == Tool::MsOnline);
    let Some(source) = f.entra_source() else {
        return step.why(&[
            &reason,
            "fedcert has not read this domain's metadata, so it cannot fill in the certificates: refresh fedcert once \
             the metadata is reachable.",
        ]);
    };
    let fill = filling(source, f);
    if let (Source::Metadata { .. }, Some(until)) = (source, f.metadata_expired) {
        step = step.warn(format!(
            "The metadata's validUntil ({}) has passed, and the certificates below come from it: they may be out of \
             date. Check them against the IdP (its admin console, or a fresh copy of its metadata) before you put them \
             into Entra.",
            when(until)
        ));
    }
    if let Some(why) = f.distrust {
        step = step.warn(distrust_warning(why));
    }
    if fill.on_adfs {
        step.location = Location::AdfsPrimary;
        step = step.at_adfs_primary(f.server);
    }
    let mut commands = fill.prelude;
    let (saved, undo) = if f.grouped() {
        // Every domain of the IdP, in one loop: the certificates once, then each domain.
        let next = fill.next.is_some();
        if tool == Tool::MsOnline {
            commands.extend([
                ps::GET_CREDENTIAL.to_owned(),
                ps::CONNECT_MSOL_CREDENTIAL.to_owned(),
            ]);
            commands.extend(ps::certificate_variables(&fill.signing, fill.next.as_ref()));
            commands.extend([
                ps::msol_save_each(&f.group),
                ps::msol_set_federation_each(&f.group, next),
            ]);
            ("$before", ps::MSOL_RESTORE_EACH.to_owned())
        } else {
            commands.push(ps::CONNECT_GRAPH_WRITE.to_owned());
            commands.extend(ps::certificate_variables(&fill.signing, fill.next.as_ref()));
            commands.extend([
                ps::SAVE_EACH.to_owned(),
                ps::update_federation_each(&f.group, next),
            ]);
            ("$before", ps::RESTORE_FEDERATION_EACH.to_owned())
        }
    } else if tool == Tool::MsOnline {
        commands.extend([
            ps::GET_CREDENTIAL.to_owned(),
            ps::CONNECT_MSOL_CREDENTIAL.to_owned(),
            ps::msol_save_settings(f.domain),
            ps::msol_set_federation_settings(f.domain, &fill.signing, fill.next.as_ref()),
        ]);
        ("$before", ps::msol_restore_settings(f.domain))
    } else {
        let federation_id = f.entra.and_then(|e| e.federation_id.as_deref());
        commands.extend([
            ps::CONNECT_GRAPH_WRITE.to_owned(),
            // Also what the undo puts back.
            ps::fetch_federation(f.domain),
            ps::update_federation(f.domain, federation_id, &fill.signing, fill.next.as_ref()),
        ]);
        ("$fed", ps::restore_federation(f.domain))
    };
    if let Some(keeps) = fill.keeps {
        step = step.warn(format!(
            "-SigningCertificate overwrites the certificate Entra trusts now: if the IdP still signs with the certificate \
             in that slot and you put another one there, every federated sign-in fails. The slot must hold the \
             certificate the IdP signs with now, {}.",
            short(keeps)
        ));
    }
    if let Some(current) = f
        .entra
        .and_then(|e| e.signing)
        .filter(|s| f.primary.is_none_or(|p| *s != p.sha1))
    {
        step = step.warn(format!(
            "Entra's signing slot holds {} now, which is not the IdP's primary; this command replaces it.",
            short(current)
        ));
    }
    step.why(&[&reason, &fill.text, &each_domain])
        .commands(commands)
        .expected(expected_entra_slots(f))
        .undo(if f.grouped() {
            format!(
                "{saved} holds what Entra had before for each domain; in the same PowerShell session, {undo} puts it all back."
            )
        } else {
            format!(
                "{saved} holds what Entra had before; in the same PowerShell session, {undo} puts it back."
            )
        })
        .verified_if(f.successor.and(entra_evidence(f)))
}

/// Why the update covers every domain of the IdP, and which ones fedcert knows of.
fn each_domain_text(f: &Facts<'_>, msonline: bool) -> String {
    if f.grouped() {
        let switch = if f.multiple_domain && msonline {
            " Keep -SupportMultipleDomain: the domains are configured with it, and each IssuerUri must stay per domain."
        } else {
            ""
        };
        return format!(
            "The article updates every federated domain that trusts this IdP, and these {} configured domains share its \
             metadata (entityID): {}. The loop updates each of them with the same certificates.{switch} A federated \
             domain of the tenant that fedcert does not watch needs the same update.",
            f.group.len(),
            f.group.join(", ")
        );
    }
    if f.multiple_domain {
        "This domain uses SupportMultipleDomain: Graph has no such switch and leaves the IssuerUri alone, so run the update \
         for every federated domain of this IdP, one by one."
            .to_owned()
    } else {
        "Update every federated domain that trusts this IdP, one by one.".to_owned()
    }
}

/// Why nothing is copied from the metadata when its signature does not verify.
fn distrust_warning(why: &crate::metadata::signature::Invalid) -> String {
    format!(
        "The metadata's XML signature does not verify ({why}): its certificates may not be the IdP's. Do not \
         paste certificates from it into Entra; check the thumbprints against the IdP itself (Get-AdfsCertificate \
         on the AD FS server, or the IdP's admin console)."
    )
}

/// `MSOnline` for AD FS: `Update-MsolFederatedDomain` reads AD FS and pushes its certificates.
fn update_entra_msol_adfs(f: &Facts<'_>, title: &str) -> Step {
    let mut commands = vec![
        ps::GET_CREDENTIAL.to_owned(),
        ps::CONNECT_MSOL_CREDENTIAL.to_owned(),
        ps::msol_save_settings(f.domain),
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
    let undo = if f.grouped() {
        // The save of this one domain above becomes the save of every domain of the group.
        commands.retain(|c| !c.starts_with("$before = "));
        commands.push(ps::msol_save_each(&f.group));
        commands.push(ps::msol_update_federated_each(&f.group, f.multiple_domain));
        format!(
            "$before holds what Entra had before for each domain; in the same PowerShell session, {} puts it all back.",
            ps::MSOL_RESTORE_EACH
        )
    } else {
        commands.push(ps::msol_update_federated_domain(
            f.domain,
            f.multiple_domain,
        ));
        format!(
            "$before holds what Entra had before; in the same PowerShell session, {} puts it back.",
            ps::msol_restore_settings(f.domain)
        )
    };
    let multiple = if f.multiple_domain && !f.grouped() {
        "Keep -SupportMultipleDomain: this domain is configured with it, and the IssuerUri must stay per domain."
    } else {
        ""
    };
    let each = if f.grouped() {
        each_domain_text(f, true)
    } else {
        "Update every federated domain that trusts this AD FS, one by one.".to_owned()
    };
    if let Some(why) = f.distrust {
        step = step.warn(distrust_warning(why));
    }
    step = step
        .why(&[
            &update_reason(f),
            "Update-MsolFederatedDomain reads the token-signing certificates from AD FS and writes them to Entra.",
            multiple,
            &each,
        ])
        .commands(commands)
        .expected(expected_entra_slots(f))
        .warn(MSONLINE_RETIRED)
        .undo(undo);
    step.verified_if(f.successor.and(entra_evidence(f)))
}

pub(super) fn verify_entra(f: &Facts<'_>, dialect: Dialect) -> Step {
    // What the update step put into Entra, as its title says.
    let title = match f.outage {
        Some(Outage::SyncBroken) => "Verify that Entra ID holds the certificate the IdP signs with",
        Some(Outage::SuspectedCompromise) => "Verify that Entra ID holds the new certificates",
        _ => "Verify that Entra ID holds the new certificate",
    };
    let group = |mut lines: Vec<String>, msonline: bool| {
        if f.grouped() {
            lines.push(ps::group_thumbprints(&f.group, msonline));
        }
        lines
    };
    let step = match dialect {
        Dialect::Graph => Step::new(
            StepId::VerifyEntra,
            title,
            Location::AdminWorkstation,
            Tool::GraphPowerShell,
        )
        .commands(group(
            slot_thumbprints(f, ps::fetch_federation(f.domain)),
            false,
        )),
        Dialect::MsOnline => Step::new(
            StepId::VerifyEntra,
            title,
            Location::AdminWorkstation,
            Tool::MsOnline,
        )
        .commands(group(
            slot_thumbprints(f, ps::msol_fetch_settings(f.domain)),
            true,
        ))
        .warn(MSONLINE_RETIRED),
    };
    let each = if f.grouped() {
        "The last line lists the thumbprints Entra holds for every domain of this IdP: each must show the same ones."
    } else {
        ""
    };
    let differs = if f.outage == Some(Outage::SyncBroken) {
        "If a thumbprint differs, repeat the update: federated sign-ins fail until Entra holds the certificate the IdP \
         signs with."
    } else {
        "If a thumbprint differs, repeat the update: do not wait for the old certificate to expire."
    };
    step.why(&[
        "SigningCertificate must be the certificate the IdP signs with now and NextSigningCertificate its successor.",
        differs,
        each,
    ])
    .expected(expected_entra_slots(f))
    .verified_if(f.successor.and(entra_evidence(f)))
}
