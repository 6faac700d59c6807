//! DESIGN.md §4 end to end: identify the primary and its successor, compare them with what
//! Entra holds, lay out the milestones and let the rules (`rules.rs`) speak.

use chrono::{DateTime, TimeDelta, Utc};

use crate::cert::{CertInfo, Sha1};

use super::posture;
use super::rules::{self, Context};
use super::sides::{AdfsHolds, AdfsUse};
use super::{
    AssessInput, Assessment, EntraSide, Finding, IdpFacts, IdpKind, Milestone, MilestoneKind,
    Outage, Policy, Primary, PrimarySource, Rule, Severity, SuccessorSource, SyncState,
};

/// A signing certificate that expires less than this after (or before) the primary is its twin
/// — a back-channel key, a second key of the same generation — not its successor: it expires
/// with it and replaces nothing.
pub const TWIN_SPAN: TimeDelta = TimeDelta::days(1);

/// `cert` is the twin of `primary` (see [`TWIN_SPAN`]).
pub fn is_twin(cert: &CertInfo, primary: &CertInfo) -> bool {
    cert.sha1 != primary.sha1 && (cert.not_after - primary.not_after).abs() < TWIN_SPAN
}

pub fn assess(input: &AssessInput<'_>, now: DateTime<Utc>) -> Assessment {
    // An Entra side that names no certificate says nothing: unknown (R10), not broken.
    let entra = input
        .entra
        .filter(|side| side.signing.is_some() || side.next_signing.is_some());
    let posture_of = |primary: Option<&CertInfo>, successor: Option<&CertInfo>| {
        posture::evaluate(&posture::Context {
            now,
            idp: input.idp,
            primary,
            successor,
            // The issuer and the audit events stand without certificates.
            entra: entra.or(input.entra),
            input: &input.posture,
        })
    };
    // The document's signature and the hosts' TLS certificates stand beside the verdict on the
    // token-signing certificates: they never replace its all-clear.
    let endpoints = input.endpoints;
    let tls = rules::tls(endpoints, input.policy, now);
    let Some(idp) = input.idp else {
        let mut findings = vec![rules::never_read(input.fetch_error)];
        findings.extend(tls);
        findings.extend(posture_of(None, None));
        return without_primary(None, None, findings);
    };
    let skew = input.clock_skew.and_then(rules::c1);
    let signature = rules::signature(endpoints.and_then(|e| e.signature.as_ref()));
    let expired_metadata = rules::v1(idp, now);
    // An AD FS list that shares no certificate with the metadata is another farm's (or the
    // metadata is another's): it decides nothing.
    let adfs_use = input.adfs.map(|holds| {
        if holds.shares_a_certificate(&idp.signing) {
            AdfsUse::Used
        } else {
            AdfsUse::Unmatched
        }
    });
    let adfs = input.adfs.filter(|_| adfs_use == Some(AdfsUse::Used));
    let Some(primary) = identify_primary(idp, adfs, now) else {
        let mut findings = vec![rules::no_signing_cert(idp)];
        findings.extend(rules::r7(input.fetch_error));
        findings.extend(rules::r9(idp, input.policy, now));
        findings.extend(skew);
        findings.extend(expired_metadata);
        findings.extend(signature);
        findings.extend(tls);
        findings.extend(posture_of(None, None));
        return without_primary(Some(idp.kind), adfs_use, findings);
    };
    let (successor, successor_source) = match find_successor(&idp.signing, &primary.cert, now) {
        Some(published) => (Some(published), Some(SuccessorSource::Metadata)),
        None => match adfs.and_then(|holds| held_successor(holds, idp, &primary.cert, now)) {
            Some(held) => (Some(held), Some(SuccessorSource::AdfsImport)),
            None => (None, None),
        },
    };
    let sync = sync_state(entra, &primary.cert, successor);
    let auto = effective_auto_rollover(idp.kind, input.auto_rollover);
    let context = Context {
        now,
        policy: input.policy,
        idp,
        primary: &primary,
        successor,
        successor_source,
        sync,
        entra,
        auto,
        fetch_error: input.fetch_error,
        days_left: primary.cert.days_left_exact(now),
        adfs,
        domain: input.posture.domain,
        peers: input.peers,
    };
    let mut findings = rules::evaluate(&context);
    // A clock warning stands beside the verdict; it never replaces its all-clear.
    findings.extend(skew);
    findings.extend(signature);
    findings.extend(tls);
    let posture = posture_of(Some(&primary.cert), successor);
    if posture.iter().any(|f| f.severity >= Severity::Warning) {
        // "No action needed" would contradict a certificate or a change to look into.
        findings.retain(|f| f.severity != Severity::Ok);
    }
    findings.extend(expired_metadata);
    findings.extend(posture);
    let outage = outage(&primary.cert, successor, entra, sync, input.policy, now).or_else(|| {
        findings
            .iter()
            .any(|f| f.rule == Rule::B1)
            .then_some(Outage::SuspectedCompromise)
    });
    Assessment {
        severity: worst(&findings),
        sync,
        kind: Some(idp.kind),
        outage,
        days_left: Some(context.days_left),
        successor: successor.cloned(),
        successor_source,
        adfs: adfs_use,
        milestones: milestones(primary.cert.not_after, input.policy, idp.kind, auto),
        findings: sorted(findings),
        primary: Some(primary),
    }
}

/// Without a primary there is nothing to compare with Entra: sync is unknown.
fn without_primary(
    kind: Option<IdpKind>,
    adfs: Option<AdfsUse>,
    findings: Vec<Finding>,
) -> Assessment {
    Assessment {
        severity: worst(&findings),
        sync: SyncState::Unknown,
        kind,
        outage: None,
        primary: None,
        successor: None,
        successor_source: None,
        adfs,
        days_left: None,
        findings: sorted(findings),
        milestones: Vec::new(),
    }
}

/// DESIGN.md §6.1: sign-ins fail now (the primary has expired, or Entra does not hold it), or
/// will before a planned renewal can finish (inside the critical threshold, and Entra holds no
/// successor).
fn outage(
    primary: &CertInfo,
    successor: Option<&CertInfo>,
    entra: Option<&EntraSide>,
    sync: SyncState,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Option<Outage> {
    if now >= primary.not_after {
        return Some(Outage::PrimaryExpired);
    }
    if sync == SyncState::Broken {
        return Some(Outage::SyncBroken);
    }
    let successor_in_entra = successor.is_some_and(|s| entra.is_some_and(|e| e.holds(s.sha1)));
    (primary.days_left_exact(now) < f64::from(policy.critical_days) && !successor_in_entra)
        .then_some(Outage::CriticalThreshold)
}

/// Third-party IdPs: Entra reads no metadata from them, so a certificate they publish never
/// reaches Entra by itself. When the operator has not said otherwise, treat the domain as if
/// AutoCertificateRollover were off, so S3 / R5 plan the manual update (and R6, which asks
/// about an AD FS setting, stays quiet). An explicit `auto_rollover = true` is kept: some IdPs
/// push new certificates to Entra themselves (Okta's "WS-Fed Automatic" mode uses Graph).
fn effective_auto_rollover(kind: IdpKind, configured: Option<bool>) -> Option<bool> {
    match kind {
        IdpKind::AdFs => configured,
        IdpKind::ThirdParty => configured.or(Some(false)),
    }
}

/// DESIGN.md §4 "primary", in its order of preference. AD FS's own `IsPrimary` comes first;
/// when the metadata lags behind AD FS and does not publish it yet, the imported `RawData`
/// stands in for it.
fn identify_primary(
    idp: &IdpFacts,
    adfs: Option<&AdfsHolds>,
    now: DateTime<Utc>,
) -> Option<Primary> {
    let published = |sha1: Sha1| idp.signing.iter().find(|c| c.sha1 == sha1);
    let imported = adfs.and_then(AdfsHolds::primary);
    if let Some(cert) = imported.and_then(|held| published(held.sha1).or(held.cert.as_ref())) {
        return Some(Primary {
            cert: cert.clone(),
            source: PrimarySource::AdfsImport,
        });
    }
    if let Some(cert) = idp.signed_by.as_ref().and_then(|s| published(s.sha1)) {
        return Some(Primary {
            cert: cert.clone(),
            source: PrimarySource::MetadataSignature,
        });
    }
    let inferred = first_to_expire(idp.signing.iter().filter(|c| c.is_valid_at(now)))
        .or_else(|| last_to_expire(idp.signing.iter().filter(|c| c.not_after <= now)))
        // Nothing valid and nothing expired: every certificate starts in the future.
        .or_else(|| first_to_expire(idp.signing.iter()))?;
    Some(Primary {
        cert: inferred.clone(),
        source: PrimarySource::Inferred,
    })
}

/// Earliest NotAfter; the first in document order on a tie.
fn first_to_expire<'c>(certs: impl Iterator<Item = &'c CertInfo>) -> Option<&'c CertInfo> {
    certs.min_by_key(|c| c.not_after)
}

/// Latest NotAfter; the first in document order on a tie.
fn last_to_expire<'c>(certs: impl Iterator<Item = &'c CertInfo>) -> Option<&'c CertInfo> {
    certs.fold(None, |best: Option<&CertInfo>, c| match best {
        Some(b) if b.not_after >= c.not_after => Some(b),
        _ => Some(c),
    })
}

/// A valid signing certificate other than the primary that outlives it by a day or more (one
/// that expires with it is its twin, [`is_twin`]); the latest-expiring when several do (it is
/// the one the IdP will promote last, and the one Entra must hold).
fn find_successor<'c>(
    signing: &'c [CertInfo],
    primary: &CertInfo,
    now: DateTime<Utc>,
) -> Option<&'c CertInfo> {
    last_to_expire(signing.iter().filter(|c| succeeds(c, primary, now)))
}

fn succeeds(cert: &CertInfo, primary: &CertInfo, now: DateTime<Utc>) -> bool {
    cert.sha1 != primary.sha1
        && cert.is_valid_at(now)
        && cert.not_after - primary.not_after >= TWIN_SPAN
}

/// A secondary that AD FS holds, with its certificate (`RawData`), and the metadata does not
/// publish yet: the successor the metadata will show once it catches up.
fn held_successor<'c>(
    holds: &'c AdfsHolds,
    idp: &'c IdpFacts,
    primary: &CertInfo,
    now: DateTime<Utc>,
) -> Option<&'c CertInfo> {
    last_to_expire(
        holds
            .unpublished(&idp.signing, now)
            .filter(|held| !held.is_primary)
            .filter_map(|held| held.cert.as_ref())
            .filter(|c| succeeds(c, primary, now)),
    )
}

fn sync_state(
    entra: Option<&EntraSide>,
    primary: &CertInfo,
    successor: Option<&CertInfo>,
) -> SyncState {
    let Some(entra) = entra else {
        return SyncState::Unknown;
    };
    match (
        entra.holds(primary.sha1),
        successor.map(|s| entra.holds(s.sha1)),
    ) {
        (false, _) => SyncState::Broken,
        (true, Some(false)) => SyncState::Pending,
        (true, None | Some(true)) => SyncState::InSync,
    }
}

/// `days` days before `t`, clamped to the calendar's start for absurd policies.
pub fn days_before(t: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    TimeDelta::try_days(i64::from(days))
        .and_then(|d| t.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The primary's milestones on the IdP's own clock: AD FS generates and promotes, and Entra
/// polls its metadata; a third-party IdP does none of that (Entra reads no metadata from it), so
/// it gets the planning mark, the renew-now mark of a manual renewal, and the expiry.
fn milestones(
    expiry: DateTime<Utc>,
    policy: &Policy,
    kind: IdpKind,
    auto: Option<bool>,
) -> Vec<Milestone> {
    let promotion = policy.generation_days.saturating_sub(policy.promotion_days);
    let adfs = kind == IdpKind::AdFs;
    let renew_now = if adfs || auto == Some(true) {
        policy.renew_now_days
    } else {
        policy.manual_renew_days
    };
    let mut milestones: Vec<Milestone> = [
        (MilestoneKind::Plan, Some(policy.plan_days)),
        (
            MilestoneKind::EntraPoll,
            adfs.then_some(policy.entra_poll_days),
        ),
        (
            MilestoneKind::Generation,
            adfs.then_some(policy.generation_days),
        ),
        (MilestoneKind::Promotion, adfs.then_some(promotion)),
        (MilestoneKind::RenewNow, Some(renew_now)),
        (MilestoneKind::Expiry, Some(0)),
    ]
    .into_iter()
    .filter_map(|(kind, days)| {
        days.map(|days| Milestone {
            kind,
            at: days_before(expiry, days),
        })
    })
    .collect();
    // Stable: milestones on the same moment keep the order above.
    milestones.sort_by_key(|m| m.at);
    milestones
}

/// The worst finding; an info finding counts as OK (it never changes a verdict).
fn worst(findings: &[Finding]) -> Severity {
    findings
        .iter()
        .map(|f| f.severity.max(Severity::Ok))
        .max()
        .unwrap_or(Severity::Unknown)
}

/// Worst first, then by rule.
fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
    findings
}
