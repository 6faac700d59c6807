//! Each step's words, commands and evidence, from the domain's [`Facts`]: the AD FS side in
//! `adfs`, the Entra side (and the third-party `IdP`) in `entra`, shared wording in `wording`.

mod adfs;
mod entra;
mod incident;
mod wording;

use chrono::{DateTime, Utc};

use super::select::Facts;
use super::{Dialect, Location, Step, StepId, Tool, Verified};

pub(crate) fn build_step(id: StepId, f: &Facts<'_>, dialect: Dialect) -> Step {
    match id {
        StepId::AutoRollover => adfs::auto_rollover(f),
        StepId::Sync => entra::sync(f, dialect),
        StepId::Expiry => adfs::expiry(f),
        StepId::KbUpdates => adfs::kb_updates(),
        StepId::AdfsCerts => adfs::adfs_certs(f),
        StepId::UrgentRollover => adfs::urgent_rollover(f),
        StepId::Generate => adfs::generate(f),
        StepId::VerifyAdfs => adfs::verify_adfs(f),
        StepId::IdpRotate => entra::idp_rotate(f),
        StepId::UpdateEntra => entra::update_entra(f, dialect),
        StepId::RepairTrust => adfs::repair_trust(),
        StepId::VerifyEntra => entra::verify_entra(f, dialect),
        StepId::Promote => adfs::promote(f),
        StepId::RenewDecrypting => adfs::renew_decrypting(f),
        StepId::SecondCertificate => incident::second_certificate(f),
        StepId::RemoveOld => incident::remove_old(f),
        StepId::ReviewChanges => incident::review_changes(f, dialect),
    }
}

impl Step {
    pub(super) fn new(id: StepId, title: &str, location: Location, tool: Tool) -> Self {
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
            undo: None,
            forbids: Vec::new(),
            phase: None,
            verified: None,
            record: None,
        }
    }

    pub(super) fn why(mut self, sentences: &[&str]) -> Self {
        self.why = sentences
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        self
    }

    pub(super) fn commands(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        self.commands = lines.into_iter().collect();
        self
    }

    pub(super) fn expected(mut self, lines: Vec<String>) -> Self {
        self.expected = lines;
        self
    }

    pub(super) fn warn(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }

    pub(super) fn undo(mut self, how: String) -> Self {
        self.undo = Some(how);
        self
    }

    pub(super) fn forbid(mut self, fragment: &'static str) -> Self {
        self.forbids.push(fragment);
        self
    }

    pub(super) fn verified_if(mut self, evidence: Option<(DateTime<Utc>, String)>) -> Self {
        self.verified = evidence.map(|(at, evidence)| Verified { at, evidence });
        self
    }

    pub(super) fn at_adfs_primary(mut self, server: Option<&str>) -> Self {
        if let Some(server) = server {
            self.where_ = format!("{} ({server})", Location::AdfsPrimary.label());
        }
        self
    }
}
