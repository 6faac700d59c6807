//! How long a verdict holds: the first moment after `now` at which [`super::assess`] could
//! answer differently, so a long-running caller (the TUI) re-assesses a domain when that moment
//! comes instead of every second.
//!
//! The verdict depends on the clock in three ways only, and each one changes on a known set of
//! instants:
//!
//! - comparisons of `now` with instants of the facts: a certificate's NotBefore and NotAfter,
//!   and NotAfter less each of the policy's day counts (and generation's 12 h of grace), which
//!   fall where the countdown to NotAfter changes;
//! - countdowns and ages written in words (`expires in 12 days`, `3 hours ago`), whole units
//!   rounded towards zero: they change only where `now` is a whole number of units (minutes,
//!   hours or days) from the instant they count to or from;
//! - `days_left`, a fraction that counts down continuously. It is not covered: it is the
//!   verdict's value at the moment of assessment, and what is shown of it — whole days and
//!   hours, `expired` — changes on the same instants as the countdowns, and in the seconds
//!   either side of NotAfter, where `days_left` (whole seconds, rounded towards zero) is 0.
//!
//! A comparison or a rounding can change its answer at an instant or just after it (`<` and
//! `<=`, rounding up or down), so each instant `b` stands for two moments: `b` and `b + 1 ns`.
//! The horizon errs early, never late: re-assessing at it may well give the same verdict.

use chrono::{DateTime, TimeDelta, Utc};

use super::verdict::days_before;
use super::{AssessInput, Policy};
use crate::cert::CertInfo;

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const MINUTE: i128 = 60 * NANOS_PER_SECOND;
const HOUR: i128 = 60 * MINUTE;
const DAY: i128 = 24 * HOUR;

/// The first moment after `now` at which the verdict for `input` could change (other than its
/// `days_left`); [`DateTime::<Utc>::MAX_UTC`] when it never does (nothing was ever read, and no
/// TLS certificate is known).
pub fn next_change(input: &AssessInput<'_>, now: DateTime<Utc>) -> DateTime<Utc> {
    let mut horizon = Horizon {
        now,
        next: DateTime::<Utc>::MAX_UTC,
    };
    // A change to the federation is a finding (B4) for 24 hours, and its age is said in words.
    for change in input.posture.changes.unwrap_or_default() {
        if let Some(end) = change.at.checked_add_signed(super::RECENT_CHANGE) {
            horizon.instant(end);
        }
        horizon.instant(change.at);
        horizon.countdown(change.at);
    }
    // T1's thresholds fall on whole days before a TLS certificate's NotAfter, where its
    // countdown changes anyway.
    for tls in input.endpoints.into_iter().flat_map(super::Endpoints::tls) {
        horizon.instant(tls.1.cert.not_after);
        horizon.countdown(tls.1.cert.not_after);
    }
    let Some(idp) = input.idp else {
        return horizon.next;
    };
    for cert in &idp.signing {
        horizon.instant(cert.not_before);
        horizon.instant(cert.not_after);
        // `days_left` counts whole seconds, rounded towards zero: it is 0 from a second before
        // NotAfter (the list shows `expired`) to a second after (then it turns negative).
        for second in [-1, 1] {
            if let Some(at) = cert
                .not_after
                .checked_add_signed(TimeDelta::seconds(second))
            {
                horizon.instant(at);
            }
        }
        horizon.generation_grace(cert, input.policy);
        horizon.countdown(cert.not_after);
    }
    for cert in &idp.encryption {
        horizon.countdown(cert.not_after);
    }
    // V1 fires once `validUntil` passes.
    if let Some(until) = idp.valid_until {
        horizon.instant(until);
    }
    // What AD FS holds: a secondary counts (A1, the successor) until it expires, and a successor
    // only a day or more after the primary's expiry.
    for held in input.adfs.iter().flat_map(|holds| &holds.certificates) {
        if let Some(at) = held.expires() {
            horizon.instant(at);
            horizon.countdown(at);
        }
        if let Some(cert) = &held.cert {
            horizon.instant(cert.not_before);
        }
    }
    if let Some(at) = input.entra.and_then(|e| e.last_run) {
        horizon.countdown(at);
    }
    horizon.next
}

struct Horizon {
    now: DateTime<Utc>,
    next: DateTime<Utc>,
}

impl Horizon {
    /// Something may change at `at` or just after it.
    fn instant(&mut self, at: DateTime<Utc>) {
        for moment in [Some(at), at.checked_add_signed(TimeDelta::nanoseconds(1))]
            .into_iter()
            .flatten()
        {
            if moment > self.now && moment < self.next {
                self.next = moment;
            }
        }
    }

    /// The policy's milestones before `cert` expires. Its day counts fall on whole days before
    /// NotAfter, where the countdown to it changes anyway; generation's 12 h of grace does not.
    fn generation_grace(&mut self, cert: &CertInfo, policy: &Policy) {
        let generation = days_before(cert.not_after, policy.generation_days);
        if let Some(due) = generation.checked_add_signed(TimeDelta::hours(12)) {
            self.instant(due);
        }
    }

    /// A span between `now` and `anchor` in whole units: the next instant a whole number of
    /// units from `anchor`. The unit is the finest the words use at this distance (days from
    /// two days on, hours from an hour, else minutes), so no change of unit is missed either.
    fn countdown(&mut self, anchor: DateTime<Utc>) {
        let offset = self.now - anchor;
        let nanos =
            i128::from(offset.num_seconds()) * NANOS_PER_SECOND + i128::from(offset.subsec_nanos());
        let distance = nanos.abs();
        let unit = if distance >= 2 * DAY {
            DAY
        } else if distance >= HOUR {
            HOUR
        } else {
            MINUTE
        };
        // The first multiple of `unit` at or after `nanos`.
        let next =
            nanos.div_euclid(unit) * unit + if nanos.rem_euclid(unit) == 0 { 0 } else { unit };
        let Ok(seconds) = i64::try_from(next.div_euclid(NANOS_PER_SECOND)) else {
            return;
        };
        let Some(delta) = TimeDelta::try_seconds(seconds) else {
            return;
        };
        let subsec = i64::try_from(next.rem_euclid(NANOS_PER_SECOND)).unwrap_or(0);
        if let Some(at) = anchor
            .checked_add_signed(delta)
            .and_then(|t| t.checked_add_signed(TimeDelta::nanoseconds(subsec)))
        {
            self.instant(at);
        }
    }
}
