//! The verdict thresholds (`renew_now_days`, …): per-domain values merged over `[settings]`,
//! each in range, and in the order the rollover clock needs.

use toml::Spanned;

use super::ConfigError;
use super::diagnostic::{MAX_DAYS, Origin, allowed};
use super::raw::RawPolicy;
use crate::assess::Policy;

/// One threshold key: its name, where it is written, and its slot in [`Policy`].
struct Field {
    key: &'static str,
    written: fn(&RawPolicy) -> Option<&Spanned<i64>>,
    get: fn(&Policy) -> u32,
    set: fn(&mut Policy, u32),
}

macro_rules! field {
    ($name:ident) => {
        Field {
            key: stringify!($name),
            written: |raw| raw.$name.as_ref(),
            get: |policy| policy.$name,
            set: |policy, days| policy.$name = days,
        }
    };
}

const RENEW_NOW: Field = field!(renew_now_days);
const MANUAL_RENEW: Field = field!(manual_renew_days);
const ENTRA_POLL: Field = field!(entra_poll_days);
const GENERATION: Field = field!(generation_days);
const PROMOTION: Field = field!(promotion_days);
const PLAN: Field = field!(plan_days);
const CRITICAL: Field = field!(critical_days);
const TLS_WARN: Field = field!(tls_warn_days);

const FIELDS: [Field; 8] = [
    RENEW_NOW,
    MANUAL_RENEW,
    ENTRA_POLL,
    GENERATION,
    PROMOTION,
    PLAN,
    CRITICAL,
    TLS_WARN,
];

/// `(lower, higher, lower may equal higher)`.
const ORDER: [(Field, Field, bool); 3] = [
    (RENEW_NOW, MANUAL_RENEW, false),
    (MANUAL_RENEW, PLAN, true),
    (PROMOTION, GENERATION, false),
];

const ORDER_RULE: &str =
    "renew_now_days < manual_renew_days ≤ plan_days and promotion_days < generation_days";

/// Apply the thresholds written in `scope` over `base`, then check their order. `outer` is the
/// enclosing scope as written (`[settings]` for a domain), to point at a key set there when the
/// conflict involves a value this scope did not set.
pub(super) fn merge_policy(
    base: &Policy,
    scope: &RawPolicy,
    outer: &RawPolicy,
    origin: &Origin<'_>,
) -> Result<Policy, ConfigError> {
    let mut policy = *base;
    for field in &FIELDS {
        if let Some(value) = (field.written)(scope) {
            (field.set)(&mut policy, days(field.key, value, origin)?);
        }
    }
    for (low, high, may_equal) in &ORDER {
        let (low_days, high_days) = ((low.get)(&policy), (high.get)(&policy));
        if low_days < high_days || (*may_equal && low_days == high_days) {
            continue;
        }
        // Name first, and point at, the key this scope set (the other may be a default).
        let set_here = |field: &Field| (field.written)(scope).is_some();
        let (first, second) = if set_here(high) && !set_here(low) {
            (high, low)
        } else {
            (low, high)
        };
        let span = [
            (first, scope),
            (second, scope),
            (first, outer),
            (second, outer),
        ]
        .into_iter()
        .find_map(|(field, raw)| (field.written)(raw))
        .map_or(0..0, Spanned::span);
        return Err(origin.error_at(
            &span,
            format!(
                "{} = {} conflicts with {} = {}: the thresholds must keep {ORDER_RULE}",
                first.key,
                (first.get)(&policy),
                second.key,
                (second.get)(&policy),
            ),
        ));
    }
    Ok(policy)
}

fn days(key: &str, value: &Spanned<i64>, origin: &Origin<'_>) -> Result<u32, ConfigError> {
    let n = *value.get_ref();
    u32::try_from(n)
        .ok()
        .filter(|&d| i64::from(d) <= MAX_DAYS)
        .ok_or_else(|| {
            origin.error_at(
                &value.span(),
                format!(
                    "{key} = {n} is out of range: {key} must be {}",
                    allowed(key)
                ),
            )
        })
}
