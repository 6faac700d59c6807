//! The rules of DESIGN.md §4, one function each. A rule that fires returns a [`Finding`]: the
//! situation it saw and what it advises, as data (`crate::words` says it in words).
//!
//! Once the primary has expired, R1 says everything: the countdown rules (S2, S3, R3, R5, R6,
//! R10) stay quiet rather than repeat it with negative numbers.

use chrono::{DateTime, TimeDelta, Utc};

use crate::cert::CertInfo;

use super::finding::{
    Advice, AutoNext, FetchFailure, Held, HeldAs, ManualNext, Missing, PendingPhase, Situation,
    Slot, Standing, Unpublished,
};
use super::sides::AdfsHolds;
use super::verdict::days_before;
use super::{
    EntraSide, Finding, IdpFacts, IdpGroup, IdpKind, Policy, Primary, Rule, Severity,
    SignatureCheck, SuccessorSource, SyncState, TlsRefusal,
};
use crate::assess::Endpoints;
use crate::metadata::signature::SignatureStatus;

/// What the rules look at for one domain that has a primary certificate.
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub policy: &'a Policy,
    pub idp: &'a IdpFacts,
    pub primary: &'a Primary,
    pub successor: Option<&'a CertInfo>,
    pub successor_source: Option<SuccessorSource>,
    pub sync: SyncState,
    /// `None` when no Entra side is known (or it names no certificate).
    pub entra: Option<&'a EntraSide>,
    /// AutoCertificateRollover as the rules read it (see `effective_auto_rollover`).
    pub auto: Option<bool>,
    pub fetch_error: Option<&'a FetchFailure>,
    pub days_left: f64,
    /// The AD FS certificate list, when imported and matching the metadata.
    pub adfs: Option<&'a AdfsHolds>,
    /// The domain being assessed.
    pub domain: &'a str,
    /// The configured domains of the same IdP, this one included.
    pub peers: &'a IdpGroup,
}

impl Context<'_> {
    fn expiry_at(&self) -> DateTime<Utc> {
        self.primary.cert.not_after
    }

    fn expired(&self) -> bool {
        self.now >= self.expiry_at()
    }

    fn under(&self, days: u32) -> bool {
        !self.expired() && self.days_left < f64::from(days)
    }

    fn before_expiry(&self, days: u32) -> DateTime<Utc> {
        days_before(self.expiry_at(), days)
    }

    /// AD FS's rollover job runs every 12 hours, so generation may land up to 12 h after T−20 d.
    fn generation_due(&self) -> DateTime<Utc> {
        self.before_expiry(self.policy.generation_days) + TimeDelta::hours(12)
    }

    fn promotion_at(&self) -> DateTime<Utc> {
        self.before_expiry(
            self.policy
                .generation_days
                .saturating_sub(self.policy.promotion_days),
        )
    }

    fn third_party(&self) -> bool {
        self.idp.kind == IdpKind::ThirdParty
    }

    fn entra_holds(&self, cert: &CertInfo) -> bool {
        self.entra.is_some_and(|e| e.holds(cert.sha1))
    }

    /// How to get a new certificate when none is published yet.
    fn new_cert_action(&self) -> Advice {
        match (self.third_party(), self.auto) {
            (true, _) => Advice::RotateAtIdp,
            (false, Some(true)) if self.primary.cert.self_signed => Advice::GenerateSuccessor,
            (false, _) => Advice::AddSuccessor,
        }
    }

    /// Renew by hand: put the published successor into Entra, or get a new one first.
    fn manual_renewal(&self) -> Advice {
        match self.successor {
            Some(_) => Advice::UpdateEntra,
            None => self.new_cert_action(),
        }
    }
}

fn critical_if(critical: bool) -> Severity {
    if critical {
        Severity::Critical
    } else {
        Severity::Warning
    }
}

/// Every rule for a domain with a primary; an all-clear finding when none fires.
pub fn evaluate(c: &Context<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = [
        s2(c),
        s3(c),
        r1(c),
        r2(c),
        r3(c),
        r4(c),
        r5(c),
        r6(c),
        r10(c),
        e1(c),
        a1(c),
        a2(c),
    ]
    .into_iter()
    .flatten()
    .chain(r7(c.fetch_error))
    .chain(r9(c.idp, c.policy, c.now))
    .collect();
    if findings.is_empty() {
        findings.push(s1(c).unwrap_or_else(|| all_clear(c)));
    }
    findings
}

/// E1: Entra's automatic update failed (it could not read the metadata, or the metadata was
/// refused) while the successor is not in Entra: Entra will not pick it up by itself. With no
/// successor published yet, it matters once Entra's polling window has opened.
fn e1(c: &Context<'_>) -> Option<Finding> {
    let entra = c.entra?;
    let result = entra.update_result.as_ref()?.result().clone();
    if !result.is_failure() || c.expired() {
        return None;
    }
    let missing = match c.successor {
        Some(successor) if !entra.holds(successor.sha1) => Missing::Successor(successor.sha1),
        None if c.under(c.policy.entra_poll_days) => Missing::SuccessorToCome,
        // The successor is in Entra already, or nothing is due yet.
        Some(_) | None => return None,
    };
    Some(Finding::new(
        Rule::E1,
        critical_if(c.under(c.policy.renew_now_days)),
        Situation::EntraUpdateFailing {
            result,
            last_run: entra.last_run,
            missing,
        },
        Advice::MakeMetadataReachable,
    ))
}

/// S1: automatic rollover, in sync, metadata reachable: no action.
fn s1(c: &Context<'_>) -> Option<Finding> {
    if c.auto != Some(true) || c.sync != SyncState::InSync || c.fetch_error.is_some() {
        return None;
    }
    let next = match c.successor {
        Some(_) if c.now < c.promotion_at() => AutoNext::PromotesAround(c.promotion_at()),
        Some(_) => AutoNext::PromotionOverdue,
        None if c.now < c.generation_due() => {
            AutoNext::PublishesAround(c.before_expiry(c.policy.generation_days))
        }
        None => AutoNext::PublishDue,
    };
    Some(Finding::new(
        Rule::S1,
        Severity::Ok,
        Situation::AutoInSync { next },
        Advice::None,
    ))
}

fn s2_applies(c: &Context<'_>) -> bool {
    c.auto == Some(true)
        && matches!(c.sync, SyncState::Pending | SyncState::Broken)
        && c.under(c.policy.renew_now_days)
}

/// S2: automatic rollover, Entra not in sync, under `renew_now_days`: renew now by hand.
/// (An unknown Entra side is R10's business: S2 needs to know Entra is out of sync.)
fn s2(c: &Context<'_>) -> Option<Finding> {
    s2_applies(c).then(|| {
        Finding::new(
            Rule::S2,
            Severity::Critical,
            Situation::AutoOutOfSyncUnderLimit {
                limit_days: c.policy.renew_now_days,
            },
            c.manual_renewal(),
        )
    })
}

/// S3: no automatic rollover, under `manual_renew_days`: renew now by hand — unless the successor is
/// already published and in Entra, when only its promotion remains (WARNING).
fn s3(c: &Context<'_>) -> Option<Finding> {
    if c.auto != Some(false) || !c.under(c.policy.manual_renew_days) {
        return None;
    }
    if let Some(successor) = c.successor.filter(|s| c.entra_holds(s)) {
        return Some(Finding::new(
            Rule::S3,
            Severity::Warning,
            Situation::PromoteBeforeExpiry {
                successor: successor.sha1,
            },
            Advice::PromoteSuccessor {
                successor: successor.sha1,
            },
        ));
    }
    Some(Finding::new(
        Rule::S3,
        Severity::Critical,
        Situation::ManualUnderLimit {
            limit_days: c.policy.manual_renew_days,
        },
        c.manual_renewal(),
    ))
}

/// R1: the primary has expired.
fn r1(c: &Context<'_>) -> Option<Finding> {
    if !c.expired() {
        return None;
    }
    let advice = match (c.successor, c.third_party()) {
        (Some(s), _) => Advice::PromoteSuccessor { successor: s.sha1 },
        (None, true) => Advice::RotateAtIdp,
        (None, false) if c.auto == Some(false) || !c.primary.cert.self_signed => {
            Advice::AddSuccessor
        }
        (None, false) => Advice::UrgentRollover,
    };
    Some(Finding::new(
        Rule::R1,
        Severity::Critical,
        Situation::PrimaryExpired,
        advice,
    ))
}

/// R2: Entra does not hold the certificate the IdP signs with.
fn r2(c: &Context<'_>) -> Option<Finding> {
    if c.sync != SyncState::Broken {
        return None;
    }
    let held = c
        .entra
        .map_or_else(Vec::new, |e| held_instead(e, c.idp, c.now));
    Some(Finding::new(
        Rule::R2,
        Severity::Critical,
        Situation::EntraLacksPrimary { held },
        Advice::UpdateEntra,
    ))
}

/// What Entra's slots hold, each named for what it is to the IdP.
pub fn held_instead(entra: &EntraSide, idp: &IdpFacts, now: DateTime<Utc>) -> Vec<Held> {
    [
        (Slot::Signing, entra.signing),
        (Slot::NextSigning, entra.next_signing),
    ]
    .into_iter()
    .filter_map(|(slot, sha1)| {
        let sha1 = sha1?;
        let signing = idp.signing.iter().find(|c| c.sha1 == sha1);
        let what = match signing {
            Some(cert) if cert.not_after <= now => HeldAs::ExpiredSigning,
            Some(_) => HeldAs::PublishedSigning,
            None if idp.encryption.iter().any(|c| c.sha1 == sha1) => HeldAs::Decrypting,
            None => HeldAs::Unpublished,
        };
        Some(Held { slot, sha1, what })
    })
    .collect()
}

/// R3: automatic rollover, no successor, and generation (plus the job's 12 h) has passed.
fn r3(c: &Context<'_>) -> Option<Finding> {
    let missed = f64::from(c.policy.generation_days) - 0.5;
    if c.auto != Some(true) || c.successor.is_some() || c.expired() || c.days_left >= missed {
        return None;
    }
    let critical = c.under(c.policy.renew_now_days);
    Some(Finding::new(
        Rule::R3,
        critical_if(critical),
        Situation::NoSuccessor {
            due: c.before_expiry(c.policy.generation_days),
            generation_days: c.policy.generation_days,
            under_limit: critical.then_some(c.policy.renew_now_days),
        },
        c.new_cert_action(),
    ))
}

/// R4: a successor is published and Entra does not hold it (CRITICAL when S2 applies).
fn r4(c: &Context<'_>) -> Option<Finding> {
    let successor = c.successor.filter(|_| c.sync == SyncState::Pending)?;
    let critical = s2_applies(c);
    let poll_from = c.before_expiry(c.policy.entra_poll_days);
    let phase = if c.third_party() {
        PendingPhase::ThirdParty
    } else if c.successor_source == Some(SuccessorSource::AdfsImport) {
        // Entra reads the metadata, which does not publish it: no poll will find it.
        PendingPhase::Unpublished
    } else if critical {
        PendingPhase::UnderLimit {
            limit_days: c.policy.renew_now_days,
        }
    } else if c.now < poll_from {
        PendingPhase::BeforePoll {
            poll_from,
            promotion_at: c.promotion_at(),
        }
    } else {
        PendingPhase::Polling { poll_from }
    };
    Some(Finding::new(
        Rule::R4,
        critical_if(critical),
        Situation::SuccessorNotInEntra {
            successor: successor.sha1,
            phase,
        },
        Advice::UpdateEntra,
    ))
}

/// R5: no automatic rollover and under `plan_days`: plan the manual renewal.
fn r5(c: &Context<'_>) -> Option<Finding> {
    if c.auto != Some(false) || !c.under(c.policy.plan_days) {
        return None;
    }
    let critical_from = c.before_expiry(c.policy.manual_renew_days);
    let limit_days = c.policy.manual_renew_days;
    let (next, advice) = match c.successor.filter(|s| c.entra_holds(s)) {
        Some(s) => (
            ManualNext::Promote { successor: s.sha1 },
            Advice::PromoteSuccessor { successor: s.sha1 },
        ),
        None if c.now < critical_from => (
            ManualNext::Plan {
                critical_from,
                limit_days,
            },
            c.manual_renewal(),
        ),
        None => (
            ManualNext::Overdue {
                since: critical_from,
                limit_days,
            },
            c.manual_renewal(),
        ),
    };
    Some(Finding::new(
        Rule::R5,
        Severity::Warning,
        Situation::ManualRenewalAhead { next },
        advice,
    ))
}

/// R6: AutoCertificateRollover unknown and under `manual_renew_days`: find out.
fn r6(c: &Context<'_>) -> Option<Finding> {
    if c.auto.is_some() || !c.under(c.policy.manual_renew_days) {
        return None;
    }
    Some(Finding::new(
        Rule::R6,
        Severity::Warning,
        Situation::AutoRolloverUnknown,
        Advice::FindOutAutoRollover,
    ))
}

/// R7: the latest refresh failed; the verdict stands on the last good snapshot.
pub fn r7(fetch_error: Option<&FetchFailure>) -> Option<Finding> {
    let failure = fetch_error?.clone();
    Some(Finding::new(
        Rule::R7,
        Severity::Warning,
        Situation::Stale { failure },
        Advice::FixFetch,
    ))
}

/// R8: the metadata was never read.
pub fn never_read(fetch_error: Option<&FetchFailure>) -> Finding {
    let advice = if fetch_error.is_some() {
        Advice::FixFetch
    } else {
        Advice::WaitForFirstRefresh
    };
    Finding::new(
        Rule::R8,
        Severity::Unknown,
        Situation::NeverRead {
            failure: fetch_error.cloned(),
        },
        advice,
    )
}

/// R9: the token-decrypting certificate has expired or is under `renew_now_days`. Judged on the
/// latest-expiring one: an old certificate still listed next to its replacement is harmless.
pub fn r9(idp: &IdpFacts, policy: &Policy, now: DateTime<Utc>) -> Option<Finding> {
    let newest = idp.encryption.iter().max_by_key(|c| c.not_after)?;
    if newest.days_left_exact(now) >= f64::from(policy.renew_now_days) {
        return None;
    }
    Some(Finding::new(
        Rule::R9,
        Severity::Warning,
        Situation::DecryptingExpiring {
            cert: Box::new(newest.clone()),
        },
        Advice::RenewDecrypting,
    ))
}

/// R10: no Entra side known and under `entra_poll_days`: check Entra.
fn r10(c: &Context<'_>) -> Option<Finding> {
    if c.sync != SyncState::Unknown || !c.under(c.policy.entra_poll_days) {
        return None;
    }
    Some(Finding::new(
        Rule::R10,
        Severity::Warning,
        Situation::EntraUnknown,
        Advice::CheckEntra,
    ))
}

/// R11: the metadata was read, but no readable signing certificate is published.
pub fn no_signing_cert(idp: &IdpFacts) -> Finding {
    Finding::new(
        Rule::R11,
        Severity::Critical,
        Situation::NoSigningCert {
            entity_id: idp.entity_id.clone(),
            unreadable: idp.unreadable.clone(),
        },
        Advice::FixMetadata,
    )
}

/// Nothing fires and S1 does not apply: the rule that will fire first, when, and what it will
/// ask for.
fn all_clear(c: &Context<'_>) -> Finding {
    let manual = c.before_expiry(c.policy.manual_renew_days);
    let poll = c.before_expiry(c.policy.entra_poll_days);
    let plan = c.before_expiry(c.policy.plan_days);
    let (standing, first) = match c.auto {
        Some(false) if c.third_party() => (
            Standing::ThirdPartyManual,
            (Rule::R5, plan, c.manual_renewal()),
        ),
        Some(false) => (Standing::AutoOff, (Rule::R5, plan, c.manual_renewal())),
        None => (
            Standing::AutoUnknown,
            (Rule::R6, manual, Advice::FindOutAutoRollover),
        ),
        // S1 covers automatic rollover except an unknown Entra side.
        Some(true) => (Standing::AutoOn, (Rule::R10, poll, Advice::CheckEntra)),
    };
    // The rule that will fire first; the rollover state's own rule wins a tie.
    let mut later = Vec::new();
    if c.sync == SyncState::Unknown && first.0 != Rule::R10 {
        later.push((Rule::R10, poll, Advice::CheckEntra));
    }
    if c.auto == Some(false) {
        later.push((Rule::S3, manual, c.manual_renewal()));
    }
    if c.auto == Some(true) && c.successor.is_none() {
        later.push((Rule::R3, c.generation_due(), c.new_cert_action()));
    }
    let (rule, from, advice) =
        later.into_iter().fold(
            first,
            |first, next| if next.1 < first.1 { next } else { first },
        );
    Finding::new(
        rule,
        Severity::Ok,
        Situation::NothingYet { standing, from },
        advice,
    )
}

/// A1: AD FS holds valid token-signing certificates that the metadata does not publish: the
/// metadata is behind AD FS, and Entra, which reads the metadata, does not see them.
fn a1(c: &Context<'_>) -> Option<Finding> {
    let holds = c.adfs?;
    let unpublished: Vec<Unpublished> = holds
        .unpublished(&c.idp.signing, c.now)
        .map(|held| Unpublished {
            sha1: held.sha1,
            is_primary: held.is_primary,
            not_after: held.expires(),
            with_raw_data: held.cert.is_some(),
        })
        .collect();
    if unpublished.is_empty() {
        return None;
    }
    Some(Finding::new(
        Rule::A1,
        Severity::Warning,
        Situation::MetadataBehindAdfs { unpublished },
        Advice::CatchUpMetadata,
    ))
}

/// A2: other domains of the same IdP hold other certificates in Entra than this one. The
/// article updates every federated domain that trusts an IdP, so they should hold the same.
fn a2(c: &Context<'_>) -> Option<Finding> {
    let own = c.entra?.certs();
    let differing = c.peers.differing(c.domain, own);
    if differing.is_empty() {
        return None;
    }
    Some(Finding::new(
        Rule::A2,
        Severity::Warning,
        Situation::GroupEntraDiffers { own, differing },
        Advice::UpdateEntra,
    ))
}

/// V1: the metadata's `validUntil` has passed: SAML consumers must not use it any more, and
/// what it says (its certificates) may be out of date.
pub fn v1(idp: &IdpFacts, now: DateTime<Utc>) -> Option<Finding> {
    let valid_until = idp.valid_until.filter(|t| *t <= now)?;
    Some(Finding::new(
        Rule::V1,
        Severity::Warning,
        Situation::MetadataExpired { valid_until },
        Advice::RenewMetadata,
    ))
}

/// Clocks further apart than this break federated sign-in: tokens arrive not yet valid or
/// already expired (Entra ID allows about 5 minutes), and every countdown here is off too.
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// C1: the metadata server's `Date` and this machine's clock differ by more than
/// [`MAX_CLOCK_SKEW`] (WARNING).
pub fn c1(skew: TimeDelta) -> Option<Finding> {
    (skew.abs() > MAX_CLOCK_SKEW).then(|| {
        Finding::new(
            Rule::C1,
            Severity::Warning,
            Situation::ClockSkew { skew },
            Advice::FixClock,
        )
    })
}

/// X1–X3: the metadata document's own signature. `valid` says nothing the verdict acts on, nor
/// does `unsupported` (shown in the details) unless the domain sets `require_signature`: then a
/// signature fedcert cannot verify is X3, as a missing one is.
pub fn signature(check: Option<&SignatureCheck>) -> Option<Finding> {
    let check = check?;
    match &check.status {
        SignatureStatus::Untrusted => Some(Finding::new(
            Rule::X1,
            Severity::Warning,
            Situation::UntrustedSigner {
                signer: check.signer,
                subject: check.signer_cert.as_ref().map(|c| c.subject.clone()),
                aggregate: check.aggregate,
            },
            Advice::TrustSigner,
        )),
        SignatureStatus::Invalid(why) => Some(Finding::new(
            Rule::X2,
            Severity::Critical,
            Situation::InvalidSignature { why: why.clone() },
            Advice::DistrustMetadata,
        )),
        // A signature fedcert cannot verify proves no more than none, for a domain that asks
        // for one.
        SignatureStatus::Unsigned if check.required => Some(Finding::new(
            Rule::X3,
            Severity::Warning,
            Situation::UnsignedRequired { unsupported: None },
            Advice::SignMetadata,
        )),
        SignatureStatus::Unsupported(why) if check.required => Some(Finding::new(
            Rule::X3,
            Severity::Warning,
            Situation::UnsignedRequired {
                unsupported: Some(why.clone()),
            },
            Advice::SignMetadata,
        )),
        SignatureStatus::Valid | SignatureStatus::Unsigned | SignatureStatus::Unsupported(_) => {
            None
        }
    }
}

/// T1: each TLS certificate (metadata host, sign-in host) under `tls_warn_days` (WARNING),
/// under `renew_now_days` or expired (CRITICAL). T2: the sign-in host's certificate refused for
/// another reason than its expiry (WARNING); the metadata host's refusal is a failed fetch.
pub fn tls(endpoints: Option<&Endpoints>, policy: &Policy, now: DateTime<Utc>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (role, cert) in endpoints.into_iter().flat_map(Endpoints::tls) {
        let left = cert.cert.days_left_exact(now);
        let expired = now >= cert.cert.not_after;
        if expired || left < f64::from(policy.tls_warn_days) {
            findings.push(Finding::new(
                Rule::T1,
                critical_if(expired || left < f64::from(policy.renew_now_days)),
                Situation::TlsExpiring {
                    role,
                    cert: Box::new(cert.clone()),
                },
                Advice::RenewTls,
            ));
        }
        let refused = cert
            .refused
            .as_ref()
            .is_some_and(|r| *r != TlsRefusal::Expired);
        if role == super::TlsRole::SignIn && refused {
            findings.push(Finding::new(
                Rule::T2,
                Severity::Warning,
                Situation::TlsRefused {
                    role,
                    cert: Box::new(cert.clone()),
                },
                Advice::FixTls,
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_skew_up_to_five_minutes_either_way_is_fine() {
        for seconds in [0, 299, 300, -300] {
            assert_eq!(c1(TimeDelta::seconds(seconds)), None, "{seconds}");
        }
        let ahead = c1(TimeDelta::seconds(301)).expect("over 5 minutes");
        assert_eq!((ahead.rule, ahead.severity), (Rule::C1, Severity::Warning));
        assert_eq!(
            ahead.situation,
            Situation::ClockSkew {
                skew: TimeDelta::seconds(301)
            }
        );
    }
}
