//! The manual renewal runbook of Microsoft's "Renew federation certificates for Microsoft 365
//! and Microsoft Entra ID" article as steps, with each step's PowerShell filled in with the
//! domain's values, in two dialects (Microsoft Graph PowerShell, legacy `MSOnline`), plus the
//! progress model and auto-verification from live data.
//!
//! [`build`] is a pure function of the domain's facts, the operator's saved [`Progress`] and
//! `now`: which steps appear, their commands, and which of them live data proves ("verified")
//! are derived afresh every time, so a step un-verifies itself when its evidence goes away.

pub mod format;
mod progress;
mod select;
mod steps;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use progress::{Mark, PROGRESS_FORMAT, Progress, Run, StepRecord};

use crate::assess::{
    AdfsHolds, Advice, Assessment, EntraSide, Finding, IdpFacts, IdpGroup, IdpKind, Outage,
    Severity, SyncState,
};
use crate::cert::Sha1;
use crate::config::DomainConfig;
use crate::domain::DomainStatus;

/// Which PowerShell the Entra steps use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dialect {
    /// Microsoft Graph PowerShell (`Microsoft.Graph.Identity.DirectoryManagement`).
    #[default]
    #[serde(rename = "graph")]
    Graph,
    /// The legacy `MSOnline` module of the article; retired in 2025.
    #[serde(rename = "msonline")]
    MsOnline,
}

impl Dialect {
    /// `graph` / `msonline`, as `--dialect` and JSON spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Graph => "graph",
            Self::MsOnline => "msonline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Graph => "Microsoft Graph PowerShell",
            Self::MsOnline => "MSOnline (legacy, retired in 2025)",
        }
    }

    /// The other dialect (the TUI's switch key).
    #[must_use]
    pub fn other(self) -> Self {
        match self {
            Self::Graph => Self::MsOnline,
            Self::MsOnline => Self::Graph,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown `--dialect` value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a PowerShell dialect: use graph (Microsoft Graph PowerShell) or msonline")]
pub struct DialectError(pub String);

impl FromStr for Dialect {
    type Err = DialectError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "graph" | "mggraph" | "microsoft.graph" => Ok(Self::Graph),
            "msonline" | "msol" => Ok(Self::MsOnline),
            _ => Err(DialectError(s.to_owned())),
        }
    }
}

macro_rules! step_ids {
    ($($variant:ident => $id:literal),* $(,)?) => {
        /// A runbook step. The string ids are stable: saved progress and JSON use them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum StepId { $($variant),* }

        impl StepId {
            pub const ALL: &'static [StepId] = &[$(Self::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $id),* }
            }
        }

        impl FromStr for StepId {
            type Err = UnknownStep;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($id => Ok(Self::$variant),)* _ => Err(UnknownStep(s.to_owned())) }
            }
        }
    };
}

step_ids! {
    AutoRollover => "auto-rollover",
    Sync => "sync",
    Expiry => "expiry",
    KbUpdates => "kb-updates",
    AdfsCerts => "adfs-certs",
    UrgentRollover => "urgent-rollover",
    Generate => "generate",
    VerifyAdfs => "verify-adfs",
    IdpRotate => "idp-rotate",
    UpdateEntra => "update-entra",
    RepairTrust => "repair-trust",
    VerifyEntra => "verify-entra",
    Promote => "promote",
    RenewDecrypting => "renew-decrypting",
    SecondCertificate => "second-certificate",
    RemoveOld => "remove-old-certificate",
    ReviewChanges => "review-changes",
}

/// The step that carries out a piece of the verdict's advice for an IdP of this kind; `None` for
/// advice the runbook has no step for (fixing a fetch, a clock).
pub fn step_for(advice: Advice, kind: IdpKind) -> Option<StepId> {
    Some(match (advice, kind) {
        (Advice::FindOutAutoRollover, IdpKind::AdFs) => StepId::AutoRollover,
        (Advice::CheckEntra, _) => StepId::Sync,
        // A retired certificate in the next-signing slot needs a second one of the IdP's first.
        (
            Advice::GenerateSuccessor | Advice::AddSuccessor | Advice::FlushStale { second: true },
            IdpKind::AdFs,
        ) => StepId::Generate,
        (
            Advice::RotateAtIdp
            | Advice::GenerateSuccessor
            | Advice::AddSuccessor
            | Advice::FlushStale { second: true },
            IdpKind::ThirdParty,
        ) => StepId::IdpRotate,
        // Rewriting both of Entra's slots removes a certificate that should not be there.
        (
            Advice::UpdateEntra
            | Advice::MakeMetadataReachable
            | Advice::CatchUpMetadata
            | Advice::RemoveRogue
            | Advice::FlushStale { second: false },
            _,
        ) => StepId::UpdateEntra,
        (Advice::PromoteSuccessor { .. }, _) => StepId::Promote,
        (Advice::UrgentRollover, IdpKind::AdFs) => StepId::UrgentRollover,
        (Advice::RenewDecrypting, _) => StepId::RenewDecrypting,
        (Advice::ReviewChanges, _) => StepId::ReviewChanges,
        _ => return None,
    })
}

/// What a checklist is for (DESIGN.md §6.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The planned renewal of the article.
    #[default]
    Renewal,
    /// Sign-ins fail now or will before a planned renewal can finish: restore them first.
    Outage,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Renewal => "renewal",
            Self::Outage => "outage",
        }
    }
}

/// Where a step stands in an outage runbook, in the order the phases come.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Restores sign-in.
    Restore,
    /// Proves that sign-in is restored.
    Verify,
    /// What a planned renewal would do, once sign-in works again.
    CleanUp,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restore => "restore",
            Self::Verify => "verify",
            Self::CleanUp => "clean_up",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Restore => "restore sign-in",
            Self::Verify => "verify",
            Self::CleanUp => "clean up",
        }
    }
}

/// A step id that this version does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a checklist step id")]
pub struct UnknownStep(pub String);

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StepId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StepId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A step's state as shown: the operator's mark, unless live data proves the step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepState {
    Todo,
    Done,
    Skipped,
    Failed,
    Verified,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Todo => "todo",
            Self::Done => "done",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
            Self::Verified => "verified",
        }
    }

    /// Done or verified: nothing left to do here.
    pub fn is_complete(self) -> bool {
        matches!(self, Self::Done | Self::Verified)
    }
}

impl From<Mark> for StepState {
    fn from(mark: Mark) -> Self {
        match mark {
            Mark::Todo => Self::Todo,
            Mark::Done => Self::Done,
            Mark::Skipped => Self::Skipped,
            Mark::Failed => Self::Failed,
        }
    }
}

/// Where a step is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// Nothing to run: fedcert already knows.
    Fedcert,
    AdfsPrimary,
    /// Each AD FS proxy (Web Application Proxy) server.
    AdfsProxies,
    AdminWorkstation,
    EntraConnect,
    /// The third-party `IdP`'s administration console.
    IdpConsole,
}

impl Location {
    pub fn label(self) -> &'static str {
        match self {
            Self::Fedcert => "nothing to run (fedcert reads it from the metadata)",
            Self::AdfsPrimary => "AD FS primary server",
            Self::AdfsProxies => "each AD FS proxy (Web Application Proxy) server",
            Self::AdminWorkstation => "any admin workstation",
            Self::EntraConnect => "Entra Connect server",
            Self::IdpConsole => "the IdP's admin console",
        }
    }
}

/// Which tool, and so which dialect, a step's commands belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    None,
    /// The AD FS PowerShell module (the same in both dialects).
    AdfsPowerShell,
    /// Windows PowerShell built-ins (`Get-HotFix`).
    WindowsPowerShell,
    GraphPowerShell,
    MsOnline,
    EntraConnectWizard,
    IdpConsole,
}

impl Tool {
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::AdfsPowerShell => "AD FS PowerShell (both dialects)",
            Self::WindowsPowerShell => "Windows PowerShell (both dialects)",
            Self::GraphPowerShell => "Microsoft Graph PowerShell",
            Self::MsOnline => "MSOnline (legacy: stopped working in 2025)",
            Self::EntraConnectWizard => "Entra Connect wizard",
            Self::IdpConsole => "IdP admin console",
        }
    }
}

/// Live data that proves a step, and when it was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub at: DateTime<Utc>,
    /// One sentence: `two signing certificates published: 2CA67C00… and 9F11AB02…`.
    pub evidence: String,
}

/// One step of the runbook, filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub id: StepId,
    pub title: String,
    /// Why this step is here for this domain.
    pub why: String,
    pub location: Location,
    /// Where, in words, with the server's name when known.
    pub where_: String,
    pub tool: Tool,
    /// PowerShell lines, ASCII only, each copied exactly as shown.
    pub commands: Vec<String>,
    /// What the operator should see: thumbprints to compare by eye.
    pub expected: Vec<String>,
    /// Irreversible or risky parts, and retired tooling.
    pub warnings: Vec<String>,
    /// How to take the step back, for a step that can make things worse.
    pub undo: Option<String>,
    /// Command fragments this step's warnings forbid (`-Urgent`): no finding may recommend them.
    pub forbids: Vec<&'static str>,
    /// Its place in an outage runbook (`None` in a planned renewal).
    pub phase: Option<Phase>,
    /// Set when live data proves the step (derived each build, never stored).
    pub verified: Option<Verified>,
    /// The operator's mark in the current run.
    pub record: Option<StepRecord>,
}

impl Step {
    pub fn state(&self) -> StepState {
        if self.verified.is_some() {
            return StepState::Verified;
        }
        self.record
            .as_ref()
            .map_or(StepState::Todo, |r| r.mark.into())
    }

    pub fn note(&self) -> Option<&str> {
        self.record.as_ref().and_then(|r| r.note.as_deref())
    }

    /// When the state last changed: the evidence's time when verified, else the mark's.
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match (&self.verified, &self.record) {
            (Some(v), _) => Some(v.at),
            (None, Some(r)) if r.mark != Mark::Todo || r.note.is_some() => Some(r.at),
            _ => None,
        }
    }
}

/// A domain's runbook with progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Checklist {
    pub domain: String,
    pub dialect: Dialect,
    pub kind: IdpKind,
    pub mode: Mode,
    /// Why this is an outage runbook.
    pub outage: Option<Outage>,
    pub severity: Severity,
    pub sync: SyncState,
    /// The verdict it was built for (its findings name this checklist's steps).
    pub verdict: Assessment,
    /// The moment it was built for.
    pub now: DateTime<Utc>,
    /// The run key: the primary certificate's thumbprint.
    pub primary: Option<Sha1>,
    pub steps: Vec<Step>,
    /// Runs of earlier renewals, oldest first.
    pub history: Vec<Run>,
}

impl Checklist {
    /// Where the cursor starts: the first step that is neither done nor verified.
    pub fn first_open(&self) -> Option<usize> {
        self.steps.iter().position(|s| !s.state().is_complete())
    }

    /// Steps done or verified, for "3/8".
    pub fn completed(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.state().is_complete())
            .count()
    }

    pub fn step(&self, id: StepId) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// A step's 1-based number in this checklist.
    pub fn number(&self, id: StepId) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id).map(|i| i + 1)
    }

    /// The step of this checklist that carries out a finding's advice, and its number.
    pub fn step_of(&self, finding: &Finding) -> Option<(StepId, usize)> {
        let id = step_for(finding.advice, self.kind)?;
        Some((id, self.number(id)?))
    }

    /// A finding of its verdict in words, naming this checklist's step.
    pub fn say(&self, finding: &Finding) -> String {
        let step = self.step_of(finding).map(|(_, n)| n);
        crate::words::finding(finding, &self.verdict, self.now, step)
    }

    /// A suspected compromise, not a failing sign-in: the outage runbook contains, then cleans.
    pub fn is_incident(&self) -> bool {
        self.outage == Some(Outage::SuspectedCompromise)
    }

    /// What a phase is for in this runbook: `restore sign-in`, or `contain` in an incident.
    pub fn phase_label(&self, phase: Phase) -> &'static str {
        match (phase, self.is_incident()) {
            (Phase::Restore, true) => "contain",
            (phase, _) => phase.label(),
        }
    }

    /// The verdict's leading finding in words.
    pub fn headline(&self) -> Option<String> {
        self.verdict.findings.first().map(|f| self.say(f))
    }
}

/// What a checklist is built from.
#[derive(Clone, Copy, Debug)]
pub struct ChecklistInput<'a> {
    pub domain: &'a DomainConfig,
    pub assessment: &'a Assessment,
    /// The last good metadata facts.
    pub idp: Option<&'a IdpFacts>,
    /// When those facts were fetched (the time of metadata evidence); `now` when unknown.
    pub idp_fetched_at: Option<DateTime<Utc>>,
    /// The Entra side in force (Graph, import or config thumbprints).
    pub entra: Option<&'a EntraSide>,
    /// `AutoCertificateRollover` in force (import over config).
    pub auto_rollover: Option<bool>,
    /// It came from an imported `Get-AdfsProperties` (evidence), not from the config (a claim).
    pub auto_rollover_imported: bool,
    /// The imported AD FS certificate list (the verdict says whether it matched the metadata).
    pub adfs: Option<&'a AdfsHolds>,
    /// The domain's IdP group, itself included, in config order (empty: a group of one): the
    /// Entra update updates every domain of it.
    pub peers: &'a IdpGroup,
    pub progress: Option<&'a Progress>,
    pub now: DateTime<Utc>,
}

impl<'a> ChecklistInput<'a> {
    /// A domain with only its config and verdict known.
    pub fn new(domain: &'a DomainConfig, assessment: &'a Assessment, now: DateTime<Utc>) -> Self {
        Self {
            domain,
            assessment,
            idp: None,
            idp_fetched_at: None,
            entra: None,
            auto_rollover: domain.auto_rollover,
            auto_rollover_imported: false,
            adfs: None,
            peers: IdpGroup::alone(),
            progress: None,
            now,
        }
    }

    /// From a domain's live state. `entra` is `status.entra()`, which the caller keeps alive.
    pub fn from_status(
        status: &'a DomainStatus,
        entra: Option<&'a EntraSide>,
        progress: Option<&'a Progress>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            domain: &status.config,
            assessment: &status.assessment,
            idp: status.last_good.as_ref().map(|s| &s.facts),
            idp_fetched_at: status.last_good.as_ref().map(|s| s.fetched_at),
            entra,
            auto_rollover: status.auto_rollover(),
            auto_rollover_imported: status.imported_auto_rollover.is_some(),
            adfs: status.imported_adfs.as_ref(),
            peers: status.idp_group(),
            progress,
            now,
        }
    }
}

/// Build the domain's runbook in `dialect` with the saved progress of the current run.
pub fn build(input: &ChecklistInput<'_>, dialect: Dialect) -> Checklist {
    let facts = select::Facts::gather(input);
    let primary = facts.primary_sha1();
    let run = input.progress.and_then(|p| p.run(primary));
    let steps = select::select_steps(&facts, run)
        .into_iter()
        .map(|(id, phase)| {
            let mut step = steps::build_step(id, &facts, dialect);
            step.phase = phase;
            step.record = run.and_then(|r| r.record(id)).cloned();
            step
        })
        .collect();
    Checklist {
        domain: input.domain.name.clone(),
        dialect,
        kind: facts.kind,
        mode: if facts.outage.is_some() {
            Mode::Outage
        } else {
            Mode::Renewal
        },
        outage: facts.outage,
        severity: input.assessment.severity,
        sync: input.assessment.sync,
        verdict: input.assessment.clone(),
        now: input.now,
        primary,
        steps,
        history: input
            .progress
            .map(|p| p.history(primary).to_vec())
            .unwrap_or_default(),
    }
}
