//! Each step's words, commands and evidence, from the domain's [`Facts`].

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

use super::commands::{self as ps, Slot};
use super::select::Facts;
use super::{Dialect, Location, Step, StepId, Tool, Verified};
use crate::assess::{IdpKind, SyncState};
use crate::cert::{CertInfo, Sha1};

const MSONLINE_RETIRED: &str = "MSOnline stopped working in 2025 (Microsoft retired it between April and May 2025): \
     these commands fail on most tenants; use the Graph dialect.";

const URGENT_WARNING: &str = "Never add -Urgent here: an urgent rollover removes the older certificates immediately, \
     and every federated sign-in fails until Entra holds the new certificate.";

pub(crate) fn build_step(id: StepId, f: &Facts<'_>, dialect: Dialect) -> Step {
    match id {
        StepId::AutoRollover => auto_rollover(f),
        StepId::Sync => sync(f, dialect),
        StepId::Expiry => expiry(f),
        StepId::KbUpdates => kb_updates(),
        StepId::AdfsCerts => adfs_certs(f),
        StepId::Generate => generate(f),
        StepId::VerifyAdfs => verify_adfs(f),
        StepId::IdpRotate => idp_rotate(f),
        StepId::UpdateEntra => update_entra(f, dialect),
        StepId::RepairTrust => repair_trust(),
        StepId::VerifyEntra => verify_entra(f, dialect),
    }
}

impl Step {
    fn new(id: StepId, title: &str, location: Location, tool: Tool) -> Self {
        Self {
            id,
            title: title.to_owned(),
            why: String::new(),
            location,
            where_: location.label().to_owned(),
            tool,
            commands: Vec::new(),
            expected: Vec::new(),
            warnings: Vec::new(),
            verified: None,
            record: None,
        }
    }

    fn why(mut self, sentences: &[&str]) -> Self {
        self.why = sentences
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        self
    }

    fn commands(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        self.commands = lines.into_iter().collect();
        self
    }

    fn expected(mut self, lines: Vec<String>) -> Self {
        self.expected = lines;
        self
    }

    fn warn(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }

    fn verified_if(mut self, evidence: Option<(DateTime<Utc>, String)>) -> Self {
        self.verified = evidence.map(|(at, evidence)| Verified { at, evidence });
        self
    }

    fn at_adfs_primary(mut self, server: Option<&str>) -> Self {
        if let Some(server) = server {
            self.where_ = format!("{} ({server})", Location::AdfsPrimary.label());
        }
        self
    }
}

// ---- wording helpers -------------------------------------------------------------------------

/// `2CA67C00…`: enough to tell certificates apart in a sentence.
fn short(sha1: Sha1) -> String {
    let hex = sha1.to_string();
    format!("{}\u{2026}", &hex[..8])
}

fn when(at: DateTime<Utc>) -> String {
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

fn expires(cert: &CertInfo, now: DateTime<Utc>) -> String {
    format!(
        "expires {}, {}",
        when(cert.not_after),
        relative_days(cert.days_left_exact(now))
    )
}

fn which_slot(f: &Facts<'_>, sha1: Sha1) -> &'static str {
    match f.live_entra() {
        Some(e) if e.signing == Some(sha1) => "signing certificate",
        _ => "next signing certificate",
    }
}

/// `Entra holds thumbprint 2CA6… as signing certificate and 9F11… as next signing certificate`.
fn entra_evidence(f: &Facts<'_>) -> Option<(DateTime<Utc>, String)> {
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
fn two_published(f: &Facts<'_>) -> Option<(DateTime<Utc>, String)> {
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
fn expected_entra_slots(f: &Facts<'_>) -> Vec<String> {
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

fn expect_primary(f: &Facts<'_>) -> String {
    f.primary.map_or_else(
        || "the thumbprint Get-AdfsCertificate shows with IsPrimary True".to_owned(),
        |p| format!("{} (primary)", p.sha1),
    )
}

/// The Graph lines that show the thumbprints of both Entra slots, each with its expectation.
fn graph_slot_thumbprints(f: &Facts<'_>) -> Vec<String> {
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

fn expected_adfs_certs(f: &Facts<'_>) -> Vec<String> {
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

// ---- the steps -------------------------------------------------------------------------------

fn auto_rollover(f: &Facts<'_>) -> Step {
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

fn sync_view(f: &Facts<'_>) -> String {
    let source = f.entra.and_then(|e| e.source).map_or("", |s| match s {
        crate::assess::EntraSource::Graph => " (from Graph)",
        crate::assess::EntraSource::Import => " (from an import)",
        crate::assess::EntraSource::Config => " (from thumbprints typed into the config)",
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

fn sync(f: &Facts<'_>, dialect: Dialect) -> Step {
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

fn expiry(f: &Facts<'_>) -> Step {
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

fn kb_updates() -> Step {
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

fn adfs_certs(f: &Facts<'_>) -> Step {
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

fn generate(f: &Facts<'_>) -> Step {
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

fn verify_adfs(f: &Facts<'_>) -> Step {
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

fn idp_rotate(f: &Facts<'_>) -> Step {
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

fn update_entra(f: &Facts<'_>, dialect: Dialect) -> Step {
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
        .and_then(|e| e.update_result.as_deref())
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

fn repair_trust() -> Step {
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

fn verify_entra(f: &Facts<'_>, dialect: Dialect) -> Step {
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
