//! The tenant-wide Graph reads of the security posture (DESIGN.md §6.5): the tenant's federated
//! domains (`GET /v1.0/domains`, as `discover --graph` reads them) and the changes to domain
//! federation in Entra's audit log (`GET /v1.0/auditLogs/directoryAudits`, which needs
//! `AuditLog.Read.All`). A 403 is a missing permission, said as such, not a failure of the
//! tenant or of any domain.

use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use super::{GraphAnswer, GraphClient, GraphError, MAX_PAGES, field_of};
use crate::assess::FederationChange;
use crate::source::imports::{date, field, string};

/// The audit activities that change a domain's federation: its settings (certificates,
/// issuer, endpoints) and its authentication type (Managed ⇄ Federated).
pub const FEDERATION_ACTIVITIES: [&str; 2] = [
    "Set federation settings on domain",
    "Set domain authentication",
];

/// How far back the audit log is read.
pub const AUDIT_WINDOW: TimeDelta = TimeDelta::days(30);

/// The application permission (or delegated scope) each read needs.
pub const DOMAINS_PERMISSION: &str = "Domain.Read.All";
pub const AUDIT_PERMISSION: &str = "AuditLog.Read.All";

/// A tenant-wide read that may lack its permission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access<T> {
    Read(T),
    /// Graph answered 403: the app (or the signed-in operator) lacks `permission`. `code` is
    /// Graph's error code, when it gave one; `operator` is the tenant (as `--tenant` takes it)
    /// when Graph was read as the operator who signed in with `fedcert login`, whose fix is
    /// another sign-in rather than an app permission.
    NotPermitted {
        permission: &'static str,
        code: Option<String>,
        operator: Option<String>,
    },
    /// Any other failure.
    Failed(GraphError),
}

impl<T> Access<T> {
    /// What was read, if it was.
    pub fn read(&self) -> Option<&T> {
        match self {
            Self::Read(value) => Some(value),
            Self::NotPermitted { .. } | Self::Failed(_) => None,
        }
    }

    /// The same access to something made of what was read.
    pub fn map<U>(&self, f: impl FnOnce(&T) -> U) -> Access<U> {
        match self {
            Self::Read(value) => Access::Read(f(value)),
            Self::NotPermitted {
                permission,
                code,
                operator,
            } => Access::NotPermitted {
                permission,
                code: code.clone(),
                operator: operator.clone(),
            },
            Self::Failed(error) => Access::Failed(error.clone()),
        }
    }

    /// The same access to what `f` makes of what was read.
    pub fn map_into<U>(self, f: impl FnOnce(T) -> U) -> Access<U> {
        match self {
            Self::Read(value) => Access::Read(f(value)),
            Self::NotPermitted {
                permission,
                code,
                operator,
            } => Access::NotPermitted {
                permission,
                code,
                operator,
            },
            Self::Failed(error) => Access::Failed(error),
        }
    }

    fn of(result: Result<T, GraphError>, permission: &'static str, client: &GraphClient) -> Self {
        match result {
            Ok(value) => Self::Read(value),
            Err(GraphError::Graph {
                status: 403, code, ..
            }) => Self::NotPermitted {
                permission,
                code,
                operator: client.operator_tenant().map(str::to_owned),
            },
            Err(error) => Self::Failed(error),
        }
    }
}

/// One audit event that changed a domain's federation, and the domains it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditedChange {
    pub change: FederationChange,
    /// `targetResources[].displayName`: the domain names the event changed.
    pub domains: Vec<String>,
}

impl AuditedChange {
    /// The event names `domain` (case aside).
    pub fn concerns(&self, domain: &str) -> bool {
        self.domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain.trim()))
    }
}

impl GraphClient {
    /// Every federated domain of the tenant, by name; a 403 is [`Access::NotPermitted`].
    pub async fn federated_domain_names(&self, now: DateTime<Utc>) -> Access<Vec<String>> {
        let listed = self
            .federated_domains(now)
            .await
            .map(|domains| domains.into_iter().map(|d| d.id).collect());
        Access::of(listed, DOMAINS_PERMISSION, self)
    }

    /// The [`FEDERATION_ACTIVITIES`] of the last 30 days ([`AUDIT_WINDOW`]) before `now`,
    /// newest first; a 403 is [`Access::NotPermitted`].
    pub async fn federation_changes(&self, now: DateTime<Utc>) -> Access<Vec<AuditedChange>> {
        Access::of(
            self.read_federation_changes(now).await,
            AUDIT_PERMISSION,
            self,
        )
    }

    async fn read_federation_changes(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<AuditedChange>, GraphError> {
        let since = (now - AUDIT_WINDOW).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut changes = Vec::new();
        // One query per activity: `eq` and `ge` joined by `and` is the filter the audit log
        // documents for these fields.
        for activity in FEDERATION_ACTIVITIES {
            let filter =
                format!("activityDisplayName eq '{activity}' and activityDateTime ge {since}");
            let mut url = self.graph_url(&["v1.0", "auditLogs", "directoryAudits"])?;
            url.set_query(Some(&format!("$filter={}", odata_escape(&filter))));
            let mut next = Some(url.to_string());
            let mut pages = 0;
            while let Some(url) = next.take() {
                pages += 1;
                if pages > MAX_PAGES {
                    return Err(GraphError::Answer {
                        url,
                        detail: format!("more than {MAX_PAGES} pages of audit events"),
                    });
                }
                let GraphAnswer::Json(page) = self.get_json(&url, now).await? else {
                    return Err(GraphError::Graph {
                        url,
                        status: 404,
                        code: None,
                        detail: "no audit log".into(),
                    });
                };
                changes.extend(events_in_page(&page).map_err(|detail| GraphError::Answer {
                    url: url.clone(),
                    detail,
                })?);
                next = match field_of(&page, "@odata.nextLink") {
                    Some(Value::String(link)) => Some(self.checked_next_link(&url, link)?),
                    _ => None,
                };
            }
        }
        changes.sort_by_key(|c| std::cmp::Reverse(c.change.at));
        Ok(changes)
    }
}

/// A query value percent-encoded for a URL: unreserved characters and the OData punctuation
/// stay, a space is `%20` (never `+`, which OData would read as a plus).
fn odata_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~$:'(),".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The events of one page of `directoryAudits`.
fn events_in_page(page: &Value) -> Result<Vec<AuditedChange>, String> {
    let Some(Value::Array(items)) = field_of(page, "value") else {
        return Err("no \"value\" list of audit events".into());
    };
    let mut events = Vec::new();
    for item in items {
        let Value::Object(obj) = item else {
            return Err("an audit event is not an object".into());
        };
        let (Some(at), Some(activity)) = (
            date(obj, "activityDateTime")?,
            string(obj, "activityDisplayName")?,
        ) else {
            continue;
        };
        let domains = match field(obj, "targetResources") {
            Some(Value::Array(targets)) => targets
                .iter()
                .filter_map(Value::as_object)
                .filter_map(|t| string(t, "displayName").ok().flatten())
                .filter(|name| !name.trim().is_empty())
                .collect(),
            _ => Vec::new(),
        };
        events.push(AuditedChange {
            change: FederationChange {
                at,
                activity,
                actor: actor(field(obj, "initiatedBy")),
            },
            domains,
        });
    }
    Ok(events)
}

/// Who did it: `initiatedBy.user` (UPN, else name) or `initiatedBy.app` (name, else app id).
fn actor(initiated_by: Option<&Value>) -> String {
    let text = |value: Option<&Value>, name: &str| {
        value
            .and_then(|v| field_of(v, name))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let user = initiated_by.and_then(|i| field_of(i, "user"));
    let app = initiated_by.and_then(|i| field_of(i, "app"));
    text(user, "userPrincipalName")
        .or_else(|| text(user, "displayName"))
        .or_else(|| text(app, "displayName").map(|name| format!("app {name}")))
        .or_else(|| text(app, "servicePrincipalName").map(|name| format!("app {name}")))
        .or_else(|| text(app, "appId").map(|id| format!("app {id}")))
        .unwrap_or_else(|| "an unnamed actor".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn spaces_become_percent_twenty_and_quotes_stay() {
        assert_eq!(
            odata_escape("activityDisplayName eq 'Set domain authentication'"),
            "activityDisplayName%20eq%20'Set%20domain%20authentication'"
        );
        assert_eq!(
            odata_escape("ge 2026-11-01T09:00:00Z"),
            "ge%202026-11-01T09:00:00Z"
        );
        assert_eq!(odata_escape("a&b=c+d"), "a%26b%3Dc%2Bd");
    }

    #[test]
    fn events_name_the_actor_and_the_domains() {
        let page = json!({ "value": [
            { "activityDateTime": "2026-12-01T06:00:00.1234567Z",
              "activityDisplayName": "Set federation settings on domain",
              "initiatedBy": { "user": { "userPrincipalName": "mallory@contoso.com", "displayName": "Mallory" }, "app": null },
              "targetResources": [ { "displayName": "contoso.com", "type": "Other" } ] },
            { "activityDateTime": "2026-11-20T06:00:00Z",
              "activityDisplayName": "Set domain authentication",
              "initiatedBy": { "user": null, "app": { "displayName": "Okta", "appId": "abc" } },
              "targetResources": [ { "displayName": "Fabrikam.com" } ] },
            { "activityDateTime": "2026-11-19T06:00:00Z",
              "activityDisplayName": "Set domain authentication",
              "initiatedBy": {},
              "targetResources": [] }
        ]});
        let events = events_in_page(&page).unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].change.actor, "mallory@contoso.com");
        assert_eq!(
            events[0].change.at,
            "2026-12-01T06:00:00.1234567Z"
                .parse::<DateTime<Utc>>()
                .unwrap()
        );
        assert!(events[0].concerns("CONTOSO.com"));
        assert_eq!(events[1].change.actor, "app Okta");
        assert!(events[1].concerns("fabrikam.com"));
        assert_eq!(events[2].change.actor, "an unnamed actor");
        assert!(!events[2].concerns("contoso.com"));
        assert!(events_in_page(&json!({ "value": 3 })).is_err());
    }
}
