//! The rules of DESIGN.md §4, one function each. A rule that fires returns a [`Finding`] whose
//! message says what is wrong and what to do next, with the numbers and dates filled in.
//!
//! Once the primary has expired, R1 says everything: the countdown rules (S2, S3, R3, R5, R6,
//! R10) stay quiet rather than repeat it with negative numbers.

use chrono::{DateTime, TimeDelta, Utc};

use crate::cert::CertInfo;

use super::text::{cert_label, days, expiry, moment, short_thumbprint, span, subject};
use super::update_status::describe_update_result;
use super::verdict::days_before;
use super::{
    EntraSide, Finding, IdpFacts, IdpKind, Policy, Primary, PrimarySource, Rule, Severity,
    SyncState,
};

/// Checklist step that finds out whether AD FS AutoCertificateRollover is on.
pub const STEP_AUTO_ROLLOVER: u8 = 1;
/// Checklist step that reads which certificates Entra holds.
pub const STEP_ENTRA_SIDE: u8 = 2;
/// Checklist step that puts the IdP's certificates into Entra.
pub const STEP_UPDATE_ENTRA: u8 = 7;

const THIRD_PARTY: &str = "Entra reads no metadata from third-party IdPs, so it never picks up a new certificate by itself";

/// What the rules look at for one domain that has a primary certificate.
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub policy: &'a Policy,
    pub idp: &'a IdpFacts,
    pub primary: &'a Primary,
    pub successor: Option<&'a CertInfo>,
    pub sync: SyncState,
    /// `None` when no Entra side is known (or it names no certificate).
    pub entra: Option<&'a EntraSide>,
    /// AutoCertificateRollover as the rules read it (see `effective_auto_rollover`).
    pub auto: Option<bool>,
    pub fetch_error: Option<&'a str>,
    pub days_left: f64,
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

    fn idp_name(&self) -> &'static str {
        if self.third_party() {
            "the IdP"
        } else {
            "AD FS"
        }
    }

    /// `primary CN=… (2CA67C00…)`, with "inferred" when fedcert guessed it.
    fn primary(&self) -> String {
        let inferred = match self.primary.source {
            PrimarySource::Inferred => ", inferred",
            PrimarySource::AdfsImport | PrimarySource::MetadataSignature => "",
        };
        let cert = &self.primary.cert;
        format!(
            "primary {} ({}{inferred})",
            subject(cert),
            short_thumbprint(cert.sha1)
        )
    }

    /// `primary CN=… (…) expires in 12 days (2027-01-10 09:00 UTC)`.
    fn primary_expiry(&self) -> String {
        format!(
            "{} {}",
            self.primary(),
            expiry(&self.primary.cert, self.now)
        )
    }

    fn entra_holds(&self, cert: &CertInfo) -> bool {
        self.entra.is_some_and(|e| e.holds(cert.sha1))
    }

    /// How to get a new certificate when none is published yet.
    fn new_cert_action(&self) -> &'static str {
        match (self.third_party(), self.auto) {
            (true, _) => "create a new signing certificate at the IdP",
            (false, Some(true)) => {
                "run `Update-AdfsCertificate -CertificateType Token-Signing` on the primary AD FS server"
            }
            (false, _) => "add a new token-signing certificate in AD FS as secondary",
        }
    }

    /// Renew by hand: use the published successor when there is one.
    fn manual_renewal(&self) -> String {
        match self.successor {
            Some(s) => format!(
                "put the successor {} into Entra (checklist step {STEP_UPDATE_ENTRA})",
                cert_label(s)
            ),
            None => format!(
                "{} and put it into Entra (checklist step {STEP_UPDATE_ENTRA})",
                self.new_cert_action()
            ),
        }
    }

    fn promote_action(&self, successor: &CertInfo) -> String {
        if self.third_party() {
            "activate it at the IdP".to_owned()
        } else {
            format!(
                "`Set-AdfsCertificate -CertificateType Token-Signing -Thumbprint {} -IsPrimary`",
                successor.sha1
            )
        }
    }
}

fn finding(rule: Rule, severity: Severity, message: String) -> Finding {
    Finding {
        rule,
        severity,
        message,
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
    let result = entra.update_result.as_ref()?;
    if !result.is_failure() || c.expired() {
        return None;
    }
    let missing = match c.successor {
        Some(successor) if !entra.holds(successor.sha1) => {
            format!("the successor {} is not in Entra", cert_label(successor))
        }
        None if c.under(c.policy.entra_poll_days) => format!(
            "the primary {} {}, and Entra will not see its successor either",
            cert_label(&c.primary.cert),
            expiry(&c.primary.cert, c.now)
        ),
        // The successor is in Entra already, or nothing is due yet.
        Some(_) | None => return None,
    };
    let severity = if c.under(c.policy.renew_now_days) {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let status = describe_update_result(Some(result), entra.last_run, c.now);
    let message = format!(
        "{status}; {missing}: make the metadata reachable from the internet for Entra (through WAP or your reverse proxy), or put the certificates into Entra by hand (checklist step {STEP_UPDATE_ENTRA})"
    );
    Some(finding(Rule::E1, severity, message))
}

/// S1: automatic rollover, in sync, metadata reachable: no action.
fn s1(c: &Context<'_>) -> Option<Finding> {
    if c.auto != Some(true) || c.sync != SyncState::InSync || c.fetch_error.is_some() {
        return None;
    }
    let holds = match c.successor {
        Some(s) => format!("the {} and the successor {}", c.primary(), cert_label(s)),
        None => format!("the {}", c.primary()),
    };
    let idp = c.idp_name();
    let next = match c.successor {
        Some(_) if c.now < c.promotion_at() => format!(
            "{idp} promotes the successor around {}",
            moment(c.promotion_at())
        ),
        Some(_) => format!(
            "{idp} should already have promoted the successor, and must before {}",
            moment(c.expiry_at())
        ),
        None if c.now < c.generation_due() => format!(
            "{idp} publishes the successor around {} and Entra picks it up from the metadata",
            moment(c.before_expiry(c.policy.generation_days))
        ),
        None => format!("{idp} is due to publish the successor (its job runs every 12 hours)"),
    };
    let message = format!(
        "automatic rollover is on, Entra holds {holds}, and the metadata is reachable: no action needed; {next}"
    );
    Some(finding(Rule::S1, Severity::Ok, message))
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
        let message = format!(
            "automatic rollover is on but Entra is not in sync and the {}, under the {}-day limit: renew now by hand — {}",
            c.primary_expiry(),
            c.policy.renew_now_days,
            c.manual_renewal()
        );
        finding(Rule::S2, Severity::Critical, message)
    })
}

/// S3: no automatic rollover, under `manual_renew_days`: renew now by hand — unless the successor is
/// already published and in Entra, when only its promotion remains (WARNING).
fn s3(c: &Context<'_>) -> Option<Finding> {
    if c.auto != Some(false) || !c.under(c.policy.manual_renew_days) {
        return None;
    }
    let head = if c.third_party() {
        format!("{THIRD_PARTY}, and the {}", c.primary_expiry())
    } else {
        format!("automatic rollover is off and the {}", c.primary_expiry())
    };
    if let Some(successor) = c.successor.filter(|s| c.entra_holds(s)) {
        let message = format!(
            "{head}; the successor {} is published and Entra already holds it: promote the new certificate before {} ({})",
            cert_label(successor),
            moment(c.expiry_at()),
            c.promote_action(successor)
        );
        return Some(finding(Rule::S3, Severity::Warning, message));
    }
    let message = format!(
        "{head}, under the {}-day limit: renew now by hand — {}",
        c.policy.manual_renew_days,
        c.manual_renewal()
    );
    Some(finding(Rule::S3, Severity::Critical, message))
}

/// R1: the primary has expired.
fn r1(c: &Context<'_>) -> Option<Finding> {
    if !c.expired() {
        return None;
    }
    let fix = match (c.successor, c.third_party()) {
        (Some(s), _) => format!(
            "promote the published successor {} ({}) and make sure Entra holds it (checklist step {STEP_UPDATE_ENTRA})",
            cert_label(s),
            c.promote_action(s)
        ),
        (None, true) => format!(
            "create a new signing certificate at the IdP and upload it to Entra (checklist step {STEP_UPDATE_ENTRA})"
        ),
        (None, false) => format!(
            "run `Update-AdfsCertificate -CertificateType Token-Signing -Urgent` on the primary AD FS server and put the new certificate into Entra (checklist step {STEP_UPDATE_ENTRA})"
        ),
    };
    let message = format!(
        "the {}: federated sign-ins fail now; {fix}",
        c.primary_expiry()
    );
    Some(finding(Rule::R1, Severity::Critical, message))
}

/// R2: Entra does not hold the certificate the IdP signs with.
fn r2(c: &Context<'_>) -> Option<Finding> {
    if c.sync != SyncState::Broken {
        return None;
    }
    let holds = c
        .entra
        .map_or_else(|| "no certificate".to_owned(), entra_holdings);
    let message = format!(
        "Entra holds {holds} but not the {} that {} signs with: federated sign-ins fail now (AADSTS50008 / AADSTS5000811); put the primary into Entra now (checklist step {STEP_UPDATE_ENTRA})",
        c.primary(),
        c.idp_name()
    );
    Some(finding(Rule::R2, Severity::Critical, message))
}

fn entra_holdings(entra: &EntraSide) -> String {
    match (entra.signing, entra.next_signing) {
        (Some(s), Some(n)) => format!(
            "signing {} and next signing {}",
            short_thumbprint(s),
            short_thumbprint(n)
        ),
        (Some(s), None) => format!("only signing {}", short_thumbprint(s)),
        (None, Some(n)) => format!("only next signing {}", short_thumbprint(n)),
        (None, None) => "no certificate".to_owned(),
    }
}

/// R3: automatic rollover, no successor, and generation (plus the job's 12 h) has passed.
fn r3(c: &Context<'_>) -> Option<Finding> {
    let missed = f64::from(c.policy.generation_days) - 0.5;
    if c.auto != Some(true) || c.successor.is_some() || c.expired() || c.days_left >= missed {
        return None;
    }
    let critical = c.under(c.policy.renew_now_days);
    let generated_at = moment(c.before_expiry(c.policy.generation_days));
    let fix = if critical {
        format!(
            "it is now under {}: {} and put it into Entra now (checklist step {STEP_UPDATE_ENTRA})",
            days(c.policy.renew_now_days),
            c.new_cert_action()
        )
    } else if c.third_party() {
        format!("{} now", c.new_cert_action())
    } else {
        format!(
            "check AutoCertificateRollover (checklist step {STEP_AUTO_ROLLOVER}) and {}",
            c.new_cert_action()
        )
    };
    let message = format!(
        "{} has published no successor although the {} and it was due at {generated_at} (T−{}); {fix}",
        c.idp_name(),
        c.primary_expiry(),
        days(c.policy.generation_days)
    );
    let severity = if critical {
        Severity::Critical
    } else {
        Severity::Warning
    };
    Some(finding(Rule::R3, severity, message))
}

/// R4: a successor is published and Entra does not hold it (CRITICAL when S2 applies).
fn r4(c: &Context<'_>) -> Option<Finding> {
    let successor = c.successor.filter(|_| c.sync == SyncState::Pending)?;
    let critical = s2_applies(c);
    let succ = cert_label(successor);
    let step = STEP_UPDATE_ENTRA;
    let poll_from = c.before_expiry(c.policy.entra_poll_days);
    let message = if c.third_party() {
        format!(
            "Entra does not hold the successor {succ} and never picks it up from a third-party IdP by itself: upload it as next signing certificate now (checklist step {step}); the {}",
            c.primary_expiry()
        )
    } else if critical {
        format!(
            "the {}, under the {}-day limit, and Entra does not hold the successor {succ}: update Entra now (checklist step {step})",
            c.primary_expiry(),
            c.policy.renew_now_days
        )
    } else if c.now < poll_from {
        format!(
            "Entra does not hold the successor {succ} yet and starts polling the metadata at {}: if it has not picked it up by {}, update Entra (checklist step {step})",
            moment(poll_from),
            moment(c.promotion_at())
        )
    } else {
        format!(
            "Entra does not hold the successor {succ} although it polls the metadata daily since {}: make sure the metadata is reachable from the internet, or update Entra now (checklist step {step}); the {}",
            moment(poll_from),
            c.primary_expiry()
        )
    };
    let severity = if critical {
        Severity::Critical
    } else {
        Severity::Warning
    };
    Some(finding(Rule::R4, severity, message))
}

/// R5: no automatic rollover and under `plan_days`: plan the manual renewal.
fn r5(c: &Context<'_>) -> Option<Finding> {
    if c.auto != Some(false) || !c.under(c.policy.plan_days) {
        return None;
    }
    let head = if c.third_party() {
        format!("{THIRD_PARTY}, and the {}", c.primary_expiry())
    } else {
        format!("automatic rollover is off and the {}", c.primary_expiry())
    };
    let critical_from = c.before_expiry(c.policy.manual_renew_days);
    let limit = days(c.policy.manual_renew_days);
    let next = match c.successor.filter(|s| c.entra_holds(s)) {
        Some(s) => format!(
            "the successor {} is ready in Entra: promote it before {}",
            cert_label(s),
            moment(c.expiry_at())
        ),
        None if c.now < critical_from => {
            format!(
                "plan the manual renewal now; it becomes critical at {} (T−{limit})",
                moment(critical_from)
            )
        }
        None => format!(
            "renew by hand now, the renewal is due since {} (T−{limit})",
            moment(critical_from)
        ),
    };
    Some(finding(
        Rule::R5,
        Severity::Warning,
        format!("{head}: {next}"),
    ))
}

/// R6: AutoCertificateRollover unknown and under `manual_renew_days`: find out.
fn r6(c: &Context<'_>) -> Option<Finding> {
    if c.auto.is_some() || !c.under(c.policy.manual_renew_days) {
        return None;
    }
    let message = format!(
        "AutoCertificateRollover is unknown and the {}: find out on the primary AD FS server (checklist step {STEP_AUTO_ROLLOVER}: `Get-AdfsProperties | FL AutoCert*`) and set auto_rollover in the config",
        c.primary_expiry()
    );
    Some(finding(Rule::R6, Severity::Warning, message))
}

/// R7: the latest refresh failed; the verdict stands on the last good snapshot.
pub fn r7(fetch_error: Option<&str>) -> Option<Finding> {
    let error = fetch_error?;
    let message = format!(
        "the latest metadata refresh failed ({error}), so this verdict uses the last good snapshot, which may be out of date: fix the fetch and refresh"
    );
    Some(finding(Rule::R7, Severity::Warning, message))
}

/// R8: the metadata was never read.
pub fn never_read(fetch_error: Option<&str>) -> Finding {
    let message = match fetch_error {
        Some(error) => format!(
            "the metadata has never been read ({error}): check metadata_url and that this host can reach it, then refresh"
        ),
        None => {
            "the metadata has not been read yet: wait for the first refresh or press r".to_owned()
        }
    };
    finding(Rule::R8, Severity::Unknown, message)
}

/// R9: the token-decrypting certificate has expired or is under `renew_now_days`. Judged on the
/// latest-expiring one: an old certificate still listed next to its replacement is harmless.
pub fn r9(idp: &IdpFacts, policy: &Policy, now: DateTime<Utc>) -> Option<Finding> {
    let newest = idp.encryption.iter().max_by_key(|c| c.not_after)?;
    if newest.days_left_exact(now) >= f64::from(policy.renew_now_days) {
        return None;
    }
    let fix = match idp.kind {
        IdpKind::AdFs => {
            "renew it on the primary AD FS server (`Update-AdfsCertificate -CertificateType Token-Decrypting`)"
        }
        IdpKind::ThirdParty => "renew it at the IdP",
    };
    let message = format!(
        "the token-decrypting certificate {} {}: {fix} and update the relying parties that encrypt to it",
        cert_label(newest),
        expiry(newest, now)
    );
    Some(finding(Rule::R9, Severity::Warning, message))
}

/// R10: no Entra side known and under `entra_poll_days`: check Entra.
fn r10(c: &Context<'_>) -> Option<Finding> {
    if c.sync != SyncState::Unknown || !c.under(c.policy.entra_poll_days) {
        return None;
    }
    let message = format!(
        "which certificates Entra holds is unknown and the {}: check Entra (checklist step {STEP_ENTRA_SIDE}: `Get-MgDomainFederationConfiguration`), or configure Graph access or entra_signing_thumbprint",
        c.primary_expiry()
    );
    Some(finding(Rule::R10, Severity::Warning, message))
}

/// R11: the metadata was read, but no readable signing certificate is published.
pub fn no_signing_cert(idp: &IdpFacts) -> Finding {
    let unreadable = match idp.unreadable.as_slice() {
        [] => String::new(),
        [one] => format!(" ({one})"),
        [first, rest @ ..] => format!(" ({first}; and {} more unreadable)", rest.len()),
    };
    let message = format!(
        "{:?} publishes no usable signing certificate in its IdP roles{unreadable}, so no token it issues can be verified: check metadata_url and entity_id, then fix the IdP's token-signing certificate",
        idp.entity_id
    );
    finding(Rule::R11, Severity::Critical, message)
}

/// Nothing fires and S1 does not apply: say why it is fine, citing the rule that will fire
/// first and when.
fn all_clear(c: &Context<'_>) -> Finding {
    let manual = c.before_expiry(c.policy.manual_renew_days);
    let poll = c.before_expiry(c.policy.entra_poll_days);
    let find_out = format!(
        "find out whether AutoCertificateRollover is on (checklist step {STEP_AUTO_ROLLOVER})"
    );
    let check_entra =
        format!("check which certificates Entra holds (checklist step {STEP_ENTRA_SIDE})");
    let (first_rule, first_at, first_action, status) = match c.auto {
        Some(false) if c.third_party() => (
            Rule::R5,
            c.before_expiry(c.policy.plan_days),
            "plan the manual renewal".to_owned(),
            "this third-party IdP needs a manual renewal (Entra reads no metadata from it)",
        ),
        Some(false) => (
            Rule::R5,
            c.before_expiry(c.policy.plan_days),
            "plan the manual renewal".to_owned(),
            "automatic rollover is off",
        ),
        None => (
            Rule::R6,
            manual,
            find_out,
            "AutoCertificateRollover is unknown",
        ),
        // S1 covers automatic rollover except an unknown Entra side.
        Some(true) => (
            Rule::R10,
            poll,
            check_entra.clone(),
            "automatic rollover is on",
        ),
    };
    // The rule that will fire first; the rollover state's own rule wins a tie.
    let mut later = Vec::new();
    if c.sync == SyncState::Unknown && first_rule != Rule::R10 {
        later.push((Rule::R10, poll, check_entra));
    }
    if c.auto == Some(false) {
        later.push((Rule::S3, manual, "renew by hand".to_owned()));
    }
    if c.auto == Some(true) && c.successor.is_none() {
        later.push((
            Rule::R3,
            c.generation_due(),
            "check that the successor is published".to_owned(),
        ));
    }
    let (rule, at, action) =
        later
            .into_iter()
            .fold((first_rule, first_at, first_action), |first, next| {
                if next.1 < first.1 { next } else { first }
            });
    let message = format!(
        "{status} and the {} is valid for another {} (until {}): nothing to do yet; from {} {action}",
        c.primary(),
        span(c.expiry_at() - c.now),
        moment(c.expiry_at()),
        moment(at)
    );
    finding(rule, Severity::Ok, message)
}

/// Clocks further apart than this break federated sign-in: tokens arrive not yet valid or
/// already expired (Entra ID allows about 5 minutes), and every countdown here is off too.
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// C1: the metadata server's `Date` and this machine's clock differ by more than
/// [`MAX_CLOCK_SKEW`] (WARNING).
pub fn c1(skew: TimeDelta) -> Option<Finding> {
    if skew.abs() <= MAX_CLOCK_SKEW {
        return None;
    }
    let (amount, direction) = (
        describe_span(skew.abs()),
        if skew > TimeDelta::zero() {
            "ahead of"
        } else {
            "behind"
        },
    );
    Some(finding(
        Rule::C1,
        Severity::Warning,
        format!(
            "the metadata server's clock (HTTP Date) is {amount} {direction} this machine's; \
             clocks more than 5 minutes apart break federated sign-ins and fedcert's countdowns: \
             check NTP on this machine and on the IdP"
        ),
    ))
}

/// `3h 12m`, `7m 30s`, `2d 4h`: the two largest units.
fn describe_span(span: TimeDelta) -> String {
    let seconds = span.num_seconds();
    let (days, hours, minutes, secs) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    match (days, hours, minutes) {
        (0, 0, m) => format!("{m}m {secs}s"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
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
        assert!(
            ahead.message.contains("is 5m 1s ahead of this machine's"),
            "{}",
            ahead.message
        );
        let behind = c1(TimeDelta::seconds(-(3 * 86_400 + 7200))).expect("days");
        assert!(
            behind.message.contains("is 3d 2h behind this machine's"),
            "{}",
            behind.message
        );
    }
}
