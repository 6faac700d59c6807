//! A tenant's security posture as a whole (DESIGN.md §6.5): the federated domains of the tenant
//! that no `[[domain]]` watches (rule U1: they raise the fleet's worst verdict to at least
//! WARNING), and the changes to domain federation in Entra's audit log, which each watched
//! domain takes its own share of (rule B4). Read by the poller through Graph, applied by the
//! [`Fleet`](crate::fleet::Fleet).

use chrono::{DateTime, Utc};

use crate::assess::{FederationChange, Severity};
use crate::config::DomainConfig;
use crate::source::graph::{Access, AuditedChange};

/// Which tenant: its label, as domains name their tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Its `[[tenant]]` name, else `[entra]`'s name or `tenant_id`.
    pub name: String,
    /// It is `[entra]`: the tenant of the domains that name none.
    pub default: bool,
}

impl Tenant {
    /// `domain` is read through this tenant.
    pub fn holds(&self, domain: &DomainConfig) -> bool {
        match domain.tenant.as_deref() {
            Some(tenant) => tenant == self.name,
            None => self.default,
        }
    }
}

/// What one read of a tenant found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantPosture {
    pub tenant: Tenant,
    /// When it was read.
    pub at: DateTime<Utc>,
    /// The tenant's federated domains that no `[[domain]]` watches, in Graph's order.
    pub unwatched: Access<Vec<String>>,
    /// The federation changes of the last 30 days, newest first.
    pub changes: Access<Vec<AuditedChange>>,
}

impl TenantPosture {
    /// From the tenant's federated domains (when they could be read), those that none of
    /// `watched` (the configured domain names) is.
    pub fn new(
        tenant: Tenant,
        at: DateTime<Utc>,
        federated: Access<Vec<String>>,
        watched: &[String],
        changes: Access<Vec<AuditedChange>>,
    ) -> Self {
        let unwatched = federated.map_into(|domains| {
            domains
                .into_iter()
                .filter(|d| {
                    !watched
                        .iter()
                        .any(|w| w.trim().eq_ignore_ascii_case(d.trim()))
                })
                .collect()
        });
        Self {
            tenant,
            at,
            unwatched,
            changes,
        }
    }

    /// The unwatched federated domains, when they could be read.
    pub fn unwatched_domains(&self) -> &[String] {
        self.unwatched.read().map_or(&[], Vec::as_slice)
    }

    /// The tenant's own verdict: WARNING while a federated domain goes unwatched (U1).
    pub fn severity(&self) -> Severity {
        if self.unwatched_domains().is_empty() {
            Severity::Ok
        } else {
            Severity::Warning
        }
    }

    /// The audit events that changed `domain`, newest first (or why they could not be read).
    pub fn changes_of(&self, domain: &str) -> Access<Vec<FederationChange>> {
        self.changes.map(|events| {
            events
                .iter()
                .filter(|e| e.concerns(domain))
                .map(|e| e.change.clone())
                .collect()
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn contoso() -> Tenant {
        Tenant {
            name: "contoso.onmicrosoft.com".into(),
            default: true,
        }
    }

    #[test]
    fn a_tenant_holds_its_domains_and_the_default_one_those_that_name_none() {
        let mut domain = DomainConfig::new("contoso.com", "https://fs.contoso.com/md.xml");
        let fabrikam = Tenant {
            name: "fabrikam".into(),
            default: false,
        };
        assert!(contoso().holds(&domain));
        assert!(!fabrikam.holds(&domain));
        domain.tenant = Some("fabrikam".into());
        assert!(!contoso().holds(&domain));
        assert!(fabrikam.holds(&domain));
    }

    #[test]
    fn unwatched_domains_are_the_federated_ones_no_domain_names() {
        let federated = Access::Read(vec![
            "contoso.com".to_owned(),
            "Fabrikam.com".to_owned(),
            "backdoor.contoso.com".to_owned(),
        ]);
        let watched = ["fabrikam.com".to_owned(), "contoso.com ".to_owned()];
        let t = TenantPosture::new(
            contoso(),
            at("2026-12-01T09:00:00Z"),
            federated,
            &watched,
            Access::Read(Vec::new()),
        );
        assert_eq!(t.unwatched_domains(), ["backdoor.contoso.com"]);
        assert_eq!(t.severity(), Severity::Warning);

        let none = TenantPosture::new(
            contoso(),
            at("2026-12-01T09:00:00Z"),
            Access::NotPermitted {
                permission: "Domain.Read.All",
                code: None,
                operator: None,
            },
            &watched,
            Access::Read(Vec::new()),
        );
        assert_eq!(none.unwatched_domains(), [] as [String; 0]);
        assert_eq!(
            none.severity(),
            Severity::Ok,
            "not permitted is not a finding"
        );
    }

    #[test]
    fn each_domain_takes_the_changes_that_name_it() {
        let change = |domain: &str, hour: u32| AuditedChange {
            change: FederationChange {
                at: at(&format!("2026-12-01T{hour:02}:00:00Z")),
                activity: "Set federation settings on domain".into(),
                actor: "admin@contoso.com".into(),
            },
            domains: vec![domain.to_owned()],
        };
        let t = TenantPosture::new(
            contoso(),
            at("2026-12-01T09:00:00Z"),
            Access::Read(Vec::new()),
            &[],
            Access::Read(vec![change("contoso.com", 8), change("fabrikam.com", 7)]),
        );
        let Access::Read(mine) = t.changes_of("Contoso.com") else {
            panic!()
        };
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].at, at("2026-12-01T08:00:00Z"));
    }
}
