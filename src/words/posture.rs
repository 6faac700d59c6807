//! The security posture in words: what a tenant-wide Graph read gave (or why it could not be
//! made), a tenant's unwatched federated domains (U1), Entra's MFA behaviour, and the changes of
//! the audit log.

use chrono::{DateTime, Utc};

use super::{moment, relative};
use crate::assess::FederationChange;
use crate::source::graph::{AUDIT_PERMISSION, Access};
use crate::tenant::TenantPosture;

/// Why a tenant-wide read gave nothing: `not permitted: grant AuditLog.Read.All …` for a 403
/// (a missing permission is not a failure of the tenant or of any domain), else the error.
/// An app is granted the permission; an operator who signed in signs in again with it.
pub fn access_problem<T>(access: &Access<T>) -> Option<String> {
    match access {
        Access::Read(_) => None,
        Access::NotPermitted {
            permission,
            code,
            operator,
        } => {
            let code = code
                .as_deref()
                .filter(|c| !c.is_empty())
                .map_or_else(String::new, |c| format!(", Graph says {c}"));
            let fix = match operator.as_deref() {
                None => format!(
                    "grant the app the application permission {permission} (with admin consent)"
                ),
                Some(tenant) if *permission == AUDIT_PERMISSION => format!(
                    "sign in with fedcert login --tenant {tenant} --audit (it asks for {permission}) \
                     as an account with a role that may read the audit log (Reports Reader, \
                     Security Reader or Global Reader)"
                ),
                Some(tenant) => format!(
                    "sign in with fedcert login --tenant {tenant} (it asks for {permission}) as an \
                     account with a role that may read the tenant's domains (Global Reader, for \
                     instance)"
                ),
            };
            Some(format!("not permitted{code}: {fix}"))
        }
        Access::Failed(error) => Some(error.to_string()),
    }
}

/// `Access::NotPermitted`: the permission to grant.
pub fn missing_permission<T>(access: &Access<T>) -> Option<&'static str> {
    match access {
        Access::NotPermitted { permission, .. } => Some(permission),
        Access::Read(_) | Access::Failed(_) => None,
    }
}

/// U1 in words: `2 federated domains of the tenant are not watched: a.com, b.com — fedcert
/// discover --graph --add starts watching them` (with `--tenant NAME` for a `[[tenant]]`).
/// `None` when there are none (or the list could not be read). Whoever shows it names the
/// tenant.
pub fn unwatched(tenant: &TenantPosture) -> Option<String> {
    let domains = tenant.unwatched_domains();
    if domains.is_empty() {
        return None;
    }
    let count = super::count(
        i64::try_from(domains.len()).unwrap_or(i64::MAX),
        "federated domain",
    );
    let verb = if domains.len() == 1 { "is" } else { "are" };
    // `discover` reads the default tenant unless told which.
    let tenant_arg = if tenant.tenant.default {
        String::new()
    } else {
        format!(" --tenant {}", tenant.tenant.name)
    };
    Some(format!(
        "{count} of the tenant {verb} not watched: {}; a domain federated without your knowledge is how a federation backdoor starts. fedcert discover --graph{tenant_arg} --add starts watching them",
        domains.join(", ")
    ))
}

/// `federatedIdpMfaBehavior` in words.
pub fn mfa_behavior(value: &str) -> String {
    let meaning = match value {
        v if v.eq_ignore_ascii_case("acceptIfMfaDoneByFederatedIdp") => {
            "Entra accepts MFA done at the IdP, else does its own"
        }
        v if v.eq_ignore_ascii_case("enforceMfaByFederatedIdp") => {
            "Entra sends users back to the IdP for MFA"
        }
        v if v.eq_ignore_ascii_case("rejectMfaByFederatedIdp") => {
            "Entra always does its own MFA, whatever the IdP says"
        }
        _ => return value.to_owned(),
    };
    format!("{value} ({meaning})")
}

/// One change of the audit log: `2026-12-01 06:00 UTC (3 hours ago): Set federation settings on
/// domain by mallory@contoso.com`.
pub fn change(c: &FederationChange, now: DateTime<Utc>) -> String {
    format!(
        "{} ({}): {} by {}",
        moment(c.at),
        relative(c.at, now),
        c.activity,
        c.actor
    )
}
