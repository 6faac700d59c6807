//! The facts a checklist is built from, and which steps they call for.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::progress::Run;
use super::{ChecklistInput, Phase, StepId};
use crate::assess::{
    AdfsHolds, AdfsUse, Advice, EntraSide, EntraSource, IdpKind, Outage, Policy, Rule, Situation,
    SuccessorSource, SyncState,
};
use crate::cert::{CertInfo, Sha1};
use crate::metadata::signature::Invalid;

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
    /// Where the successor was found: the metadata, or AD FS's imported list.
    pub successor_source: Option<SuccessorSource>,
    /// AD FS's imported certificate list, when it matched the metadata.
    pub adfs: Option<&'a AdfsHolds>,
    /// When that list was imported.
    pub adfs_seen_at: DateTime<Utc>,
    /// Every domain of the IdP group, this one included, in config order.
    pub group: Vec<&'a str>,
    /// Published signing certificates that expire with the primary (within a day): twins or
    /// back-channel keys, never successors.
    pub twins: Vec<&'a CertInfo>,
    pub days_left: Option<f64>,
    pub sync: SyncState,
    pub outage: Option<Outage>,
    /// The IdP's token-decrypting certificate that needs renewing (rule R9).
    pub decrypting: Option<&'a CertInfo>,
    /// What the verdict asks for about an expired primary (R1): decides how to restore.
    pub expired_action: Option<Advice>,
    /// The steps the verdict's findings point to: the checklist always has them.
    pub wanted: Vec<StepId>,
    /// A retired certificate is to be flushed from Entra (B2): the Entra update rewrites both
    /// slots. `Some(true)`: the IdP needs a second certificate first.
    pub flush: Option<bool>,
    /// Certificates in Entra that the IdP never published (B1), to name in the steps.
    pub rogue: Vec<Sha1>,
    /// Why the metadata's signature does not verify (rule X2): then nothing is copied from it.
    pub distrust: Option<&'a Invalid>,
    pub entra: Option<&'a EntraSide>,
    pub server: Option<&'a str>,
    pub multiple_domain: bool,
    pub policy: &'a Policy,
    /// When the metadata facts were read (for "verified at").
    pub idp_seen_at: DateTime<Utc>,
    /// The metadata's `validUntil`, when it has passed: what it lists may be out of date.
    pub metadata_expired: Option<DateTime<Utc>>,
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
            successor_source: assessment.successor_source,
            adfs: input
                .adfs
                .filter(|_| assessment.adfs == Some(AdfsUse::Used)),
            adfs_seen_at: input.adfs.and_then(|a| a.as_of).unwrap_or(input.now),
            group: input.peers.names(&input.domain.name),
            twins: match (input.idp, assessment.primary.as_ref()) {
                (Some(idp), Some(primary)) => idp
                    .signing
                    .iter()
                    .filter(|c| crate::assess::is_twin(c, &primary.cert))
                    .collect(),
                _ => Vec::new(),
            },
            days_left: assessment.days_left,
            sync: assessment.sync,
            outage: assessment.outage,
            decrypting: assessment
                .findings
                .iter()
                .find(|f| f.rule == Rule::R9)
                .and_then(|_| {
                    input
                        .idp
                        .and_then(|idp| idp.encryption.iter().max_by_key(|c| c.not_after))
                }),
            expired_action: assessment
                .findings
                .iter()
                .find(|f| f.rule == Rule::R1)
                .map(|f| f.advice),
            wanted: assessment
                .findings
                .iter()
                .filter_map(|f| {
                    super::step_for(f.advice, input.idp.map_or(IdpKind::AdFs, |i| i.kind))
                })
                .collect(),
            flush: assessment.findings.iter().find_map(|f| match f.advice {
                Advice::FlushStale { second } => Some(second),
                _ => None,
            }),
            rogue: assessment
                .findings
                .iter()
                .filter_map(|f| match &f.situation {
                    Situation::NeverPublished { sha1, .. } => Some(*sha1),
                    _ => None,
                })
                .collect(),
            distrust: assessment.findings.iter().find_map(|f| match &f.situation {
                Situation::InvalidSignature { why } => Some(why),
                _ => None,
            }),
            entra: input.entra,
            server: input
                .domain
                .adfs_primary_server
                .as_deref()
                .filter(|s| !s.trim().is_empty()),
            multiple_domain: input.domain.support_multiple_domain,
            policy: &input.domain.policy,
            idp_seen_at: input.idp_fetched_at.unwrap_or(input.now),
            metadata_expired: input
                .idp
                .and_then(|idp| idp.valid_until)
                .filter(|until| *until <= input.now),
            now: input.now,
        }
    }

    pub fn primary_sha1(&self) -> Option<Sha1> {
        self.primary.map(|c| c.sha1)
    }

    /// The successor is one the metadata publishes (not only AD FS's imported list).
    pub fn successor_published(&self) -> bool {
        self.successor.is_some() && self.successor_source != Some(SuccessorSource::AdfsImport)
    }

    /// Other domains trust the same IdP: the Entra update updates them all.
    pub fn grouped(&self) -> bool {
        self.group.len() > 1
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

    /// AD FS generates its own certificates ([EMERG]'s double rollover works): automatic
    /// rollover on and a self-signed primary.
    pub fn adfs_managed(&self) -> bool {
        self.kind == IdpKind::AdFs
            && self.auto == Some(true)
            && self.primary.is_none_or(|p| p.self_signed)
    }

    /// An outage (or a flush) that needs a certificate the metadata does not publish yet: what
    /// the restore steps make, and so what Entra must hold afterwards.
    pub fn rescue(&self) -> Option<Rescue> {
        // A suspected compromise replaces every certificate, published or not.
        if self.outage == Some(Outage::SuspectedCompromise) {
            return Some(match self.kind {
                IdpKind::AdFs => Rescue::AdfsNewSecondary,
                IdpKind::ThirdParty => Rescue::IdpTwoNewCertificates,
            });
        }
        if self.successor.is_some() {
            return None;
        }
        if self.outage.is_none() && self.flush == Some(true) {
            return Some(match self.kind {
                IdpKind::AdFs => Rescue::AdfsNewSecondary,
                IdpKind::ThirdParty => Rescue::IdpNewCertificate { keep_primary: true },
            });
        }
        let expired = match self.outage? {
            Outage::PrimaryExpired => true,
            Outage::CriticalThreshold => false,
            Outage::SyncBroken | Outage::SuspectedCompromise => return None,
        };
        Some(match (self.kind, expired) {
            (IdpKind::AdFs, true) => Rescue::AdfsNewPrimary,
            (IdpKind::AdFs, false) => Rescue::AdfsNewSecondary,
            (IdpKind::ThirdParty, expired) => Rescue::IdpNewCertificate {
                keep_primary: !expired,
            },
        })
    }

    /// Entra Connect repairs only self-signed certificates; offer it unless the primary is known
    /// to be CA-issued.
    pub fn repair_trust_applies(&self) -> bool {
        self.primary.is_none_or(|c| c.self_signed)
    }
}

/// What an outage's restore steps make that the metadata does not show yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rescue {
    /// The expired primary is replaced: AD FS's new primary goes into Entra's signing slot.
    AdfsNewPrimary,
    /// AD FS gets a secondary while the primary still signs: it goes into the next slot.
    AdfsNewSecondary,
    /// The third-party IdP's new certificate, from a file; the primary stays in the signing
    /// slot while it is valid.
    IdpNewCertificate { keep_primary: bool },
    /// A suspected compromise at a third-party IdP: two new certificates, from two files, in
    /// both slots.
    IdpTwoNewCertificates,
}

/// The steps these facts call for, in runbook order, each with its phase in an outage runbook.
/// Every step a finding of the verdict points to is among them, and a step the operator
/// already marked in this run stays, so that finishing a step never makes it vanish from under
/// the cursor.
pub(crate) fn select_steps(facts: &Facts<'_>, run: Option<&Run>) -> Vec<(StepId, Option<Phase>)> {
    let touched: BTreeSet<StepId> = StepId::ALL
        .iter()
        .copied()
        .filter(|id| run.is_some_and(|r| r.touched(*id)))
        .collect();
    let mut wanted: BTreeSet<StepId> = facts.wanted.iter().copied().collect();
    wanted.extend(&touched);
    let Some(outage) = facts.outage else {
        let mut steps = renewal_steps(facts, &touched);
        steps.extend(&wanted);
        // Flushing a retired certificate is an Entra update, after a second certificate when
        // the IdP needs one.
        if facts.flush.is_some() {
            steps.insert(StepId::UpdateEntra);
        }
        if steps.contains(&StepId::UpdateEntra) {
            steps.insert(StepId::VerifyEntra);
        }
        return steps.into_iter().map(|id| (id, None)).collect();
    };
    let (restore, verify) = outage_steps(facts, outage);
    // Then what a planned renewal would do, but no new certificate unless the verdict asks
    // for one: an outage of a primary with months to go needs no successor today.
    let mut clean_up = renewal_steps(facts, &touched);
    clean_up.retain(|id| !NOT_AFTER_AN_OUTAGE.contains(id));
    clean_up.extend(&wanted);
    if outage == Outage::SuspectedCompromise {
        // [EMERG]: the old certificate can still be used until it is removed; and who planted
        // the rogue one is the question of the incident.
        clean_up.extend([StepId::RemoveOld, StepId::ReviewChanges]);
    }
    let mut steps: Vec<(StepId, Option<Phase>)> = Vec::new();
    for (ids, phase) in [
        (restore, Phase::Restore),
        (verify, Phase::Verify),
        (clean_up.into_iter().collect(), Phase::CleanUp),
    ] {
        for id in ids {
            if !steps.iter().any(|(s, _)| *s == id) {
                steps.push((id, Some(phase)));
            }
        }
    }
    steps
}

/// Planned-renewal steps that an outage runbook leaves out unless the verdict asks for them:
/// getting a new certificate (the restore steps did, or none is due), and checks that the
/// verification steps already make.
const NOT_AFTER_AN_OUTAGE: [StepId; 8] = [
    StepId::UrgentRollover,
    StepId::Generate,
    StepId::VerifyAdfs,
    StepId::IdpRotate,
    StepId::RepairTrust,
    StepId::Promote,
    StepId::Sync,
    StepId::AdfsCerts,
];

/// The planned renewal of the article, in runbook order (the order of [`StepId`]).
fn renewal_steps(facts: &Facts<'_>, touched: &BTreeSet<StepId>) -> BTreeSet<StepId> {
    use StepId::{
        AdfsCerts, AutoRollover, Expiry, Generate, IdpRotate, KbUpdates, Promote, RepairTrust,
        Sync, UpdateEntra, VerifyAdfs, VerifyEntra,
    };
    if facts.kind == IdpKind::ThirdParty {
        return [Sync, Expiry, IdpRotate, UpdateEntra, VerifyEntra, Promote].into();
    }
    let mut steps: BTreeSet<StepId> = [AutoRollover, Sync, Expiry, KbUpdates].into();
    let renewal = [
        AdfsCerts,
        Generate,
        VerifyAdfs,
        UpdateEntra,
        RepairTrust,
        VerifyEntra,
        Promote,
    ];
    if !facts.manual_renewal() && !renewal.iter().any(|id| touched.contains(id)) {
        return steps;
    }
    steps.extend([AdfsCerts, UpdateEntra, VerifyEntra]);
    if facts.successor.is_none() {
        steps.extend([Generate, VerifyAdfs]);
    }
    if facts.repair_trust_applies() {
        steps.insert(RepairTrust);
    }
    // AD FS promotes by itself only with automatic rollover.
    if facts.auto != Some(true) {
        steps.insert(Promote);
    }
    steps
}

/// DESIGN.md §6.1: the steps that restore sign-in, filled in with this domain's certificates,
/// and the steps that prove it.
fn outage_steps(facts: &Facts<'_>, outage: Outage) -> (Vec<StepId>, Vec<StepId>) {
    use StepId::{
        Generate, IdpRotate, Promote, RemoveOld, SecondCertificate, UpdateEntra, UrgentRollover,
        VerifyAdfs, VerifyEntra,
    };
    let adfs = facts.kind == IdpKind::AdFs;
    match outage {
        // [EMERG] for a suspected compromise: two new certificates (the second one makes Entra
        // release the old certificate), both written into Entra's slots, which also removes
        // the certificate the IdP never published.
        Outage::SuspectedCompromise if facts.adfs_managed() => (
            vec![UrgentRollover, Generate, UpdateEntra],
            vec![VerifyAdfs, VerifyEntra],
        ),
        Outage::SuspectedCompromise if adfs => (
            vec![Generate, Promote, RemoveOld, SecondCertificate, UpdateEntra],
            vec![VerifyAdfs, VerifyEntra],
        ),
        Outage::SuspectedCompromise => (
            vec![IdpRotate, Promote, SecondCertificate, UpdateEntra],
            vec![VerifyEntra],
        ),
        // Entra lacks the certificate the IdP signs with: put it there.
        Outage::SyncBroken => (vec![UpdateEntra], vec![VerifyEntra]),
        // [EMERG] for AD FS managing its own certificates; [TSTD] for CA-issued ones: add,
        // make primary; then Entra at once.
        Outage::PrimaryExpired => match (facts.successor, facts.expired_action) {
            (Some(_), _) => (vec![Promote, UpdateEntra], vec![VerifyEntra]),
            (None, Some(Advice::UrgentRollover)) => (
                vec![UrgentRollover, UpdateEntra],
                vec![VerifyAdfs, VerifyEntra],
            ),
            (None, _) if adfs => (
                vec![Generate, Promote, UpdateEntra],
                vec![VerifyAdfs, VerifyEntra],
            ),
            (None, _) => (vec![IdpRotate, UpdateEntra], vec![VerifyEntra]),
        },
        // Inside the critical threshold with no successor in Entra: get one there before the
        // primary expires (or before AD FS promotes one that Entra does not know).
        Outage::CriticalThreshold => {
            let mut restore = match facts.successor {
                Some(_) => vec![UpdateEntra],
                None if adfs => vec![Generate, UpdateEntra],
                None => vec![IdpRotate, UpdateEntra],
            };
            // Without automatic rollover nothing switches to the new certificate by itself, and
            // the old one expires within the threshold: switching is part of the rescue.
            if !adfs || facts.auto != Some(true) {
                restore.push(Promote);
            }
            let verify = if adfs && facts.successor.is_none() {
                vec![VerifyAdfs, VerifyEntra]
            } else {
                vec![VerifyEntra]
            };
            (restore, verify)
        }
    }
}
