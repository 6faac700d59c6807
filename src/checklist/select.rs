//! The facts a checklist is built from, and which steps they call for.

use chrono::{DateTime, Utc};

use super::progress::Run;
use super::{ChecklistInput, StepId};
use crate::assess::{EntraSide, EntraSource, IdpKind, Policy, SyncState};
use crate::cert::{CertInfo, Sha1};

/// Everything the step builders read, gathered once from a [`ChecklistInput`].
pub(crate) struct Facts<'a> {
    pub domain: &'a str,
    pub kind: IdpKind,
    /// `false` when fedcert has not read the metadata and assumes AD FS.
    pub kind_known: bool,
    pub auto: Option<bool>,
    pub auto_imported: bool,
    pub primary: Option<&'a CertInfo>,
    pub successor: Option<&'a CertInfo>,
    pub days_left: Option<f64>,
    pub sync: SyncState,
    pub entra: Option<&'a EntraSide>,
    pub server: Option<&'a str>,
    pub multiple_domain: bool,
    pub policy: &'a Policy,
    /// When the metadata facts were read (for "verified at").
    pub idp_seen_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

impl<'a> Facts<'a> {
    pub fn gather(input: &ChecklistInput<'a>) -> Self {
        let assessment = input.assessment;
        Self {
            domain: &input.domain.name,
            kind: input.idp.map_or(IdpKind::AdFs, |idp| idp.kind),
            kind_known: input.idp.is_some(),
            auto: input.auto_rollover,
            auto_imported: input.auto_rollover_imported,
            primary: assessment.primary.as_ref().map(|p| &p.cert),
            successor: assessment.successor.as_ref(),
            days_left: assessment.days_left,
            sync: assessment.sync,
            entra: input.entra,
            server: input
                .domain
                .adfs_primary_server
                .as_deref()
                .filter(|s| !s.trim().is_empty()),
            multiple_domain: input.domain.support_multiple_domain,
            policy: &input.domain.policy,
            idp_seen_at: input.idp_fetched_at.unwrap_or(input.now),
            now: input.now,
        }
    }

    pub fn primary_sha1(&self) -> Option<Sha1> {
        self.primary.map(|c| c.sha1)
    }

    /// The Entra side, only when it was read from Entra itself (Graph or an import): thumbprints
    /// typed into the config are the operator's claim, not evidence.
    pub fn live_entra(&self) -> Option<&'a EntraSide> {
        self.entra
            .filter(|e| matches!(e.source, Some(EntraSource::Graph | EntraSource::Import)))
    }

    /// When the live Entra side was read.
    pub fn entra_seen_at(&self) -> DateTime<Utc> {
        self.live_entra().and_then(|e| e.as_of).unwrap_or(self.now)
    }

    /// Live Entra data shows it holds the primary and, when there is one, the successor.
    pub fn entra_holds_both(&self) -> bool {
        let (Some(entra), Some(primary)) = (self.live_entra(), self.primary) else {
            return false;
        };
        entra.holds(primary.sha1) && self.successor.is_none_or(|s| entra.holds(s.sha1))
    }

    /// AD FS had to generate the successor by now (the rollover job runs every 12 hours, so
    /// half a day of grace) and has not.
    fn missed_generation(&self) -> bool {
        self.successor.is_none()
            && self
                .days_left
                .is_some_and(|d| d < f64::from(self.policy.generation_days) - 0.5)
    }

    /// Does this domain need the manual renewal steps? `AutoCertificateRollover` in sync needs
    /// none (the article's first row); everything else does.
    pub fn manual_renewal(&self) -> bool {
        if self.kind == IdpKind::ThirdParty {
            return true;
        }
        if self.auto != Some(true) {
            return true;
        }
        match self.sync {
            SyncState::Pending | SyncState::Broken => true,
            SyncState::InSync => self.missed_generation(),
            SyncState::Unknown => {
                self.missed_generation()
                    || self
                        .days_left
                        .is_some_and(|d| d < f64::from(self.policy.renew_now_days))
            }
        }
    }

    /// Entra Connect repairs only self-signed certificates; offer it unless the primary is known
    /// to be CA-issued.
    pub fn repair_trust_applies(&self) -> bool {
        self.primary.is_none_or(|c| c.self_signed)
    }
}

/// The steps these facts call for, in runbook order. A step the operator already marked in this
/// run stays, so that finishing a step never makes it vanish from under the cursor.
pub(crate) fn select_steps(facts: &Facts<'_>, run: Option<&Run>) -> Vec<StepId> {
    use StepId::{
        AdfsCerts, AutoRollover, Expiry, Generate, IdpRotate, KbUpdates, RepairTrust, Sync,
        UpdateEntra, VerifyAdfs, VerifyEntra,
    };
    let touched = |step: StepId| run.is_some_and(|r| r.touched(step));

    if facts.kind == IdpKind::ThirdParty {
        return vec![Sync, Expiry, IdpRotate, UpdateEntra, VerifyEntra];
    }

    let mut steps = vec![AutoRollover, Sync, Expiry, KbUpdates];
    let renewal = [
        AdfsCerts,
        Generate,
        VerifyAdfs,
        UpdateEntra,
        RepairTrust,
        VerifyEntra,
    ];
    if !facts.manual_renewal() && !renewal.into_iter().any(touched) {
        return steps;
    }
    let no_successor = facts.successor.is_none();
    steps.push(AdfsCerts);
    if no_successor || touched(Generate) {
        steps.push(Generate);
    }
    if no_successor || touched(VerifyAdfs) {
        steps.push(VerifyAdfs);
    }
    steps.push(UpdateEntra);
    if facts.repair_trust_applies() || touched(RepairTrust) {
        steps.push(RepairTrust);
    }
    steps.push(VerifyEntra);
    steps
}
