//! The fleet: every configured domain's state (config, latest facts, verdict, refresh state) and
//! the one place where poller events and the passing of time change it. The TUI, `serve` and
//! `check` each hold a [`Fleet`], so they apply refresh results and re-assess verdicts by the
//! same rules and never disagree.
//!
//! Domains are named by [`DomainId`], their place in the config; the poller's events and
//! commands, the TUI's selection and the list's order all use it.

use std::collections::HashMap;
use std::ops::Index;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::assess::{EntraCerts, IdpGroup, Peer, Severity};
use crate::config::DomainConfig;
pub use crate::domain::DomainId;
use crate::domain::{DomainStatus, FetchState};
use crate::history;
use crate::poller::PollEvent;
use crate::source::imports::{ImportKind, Imports};
use crate::store::Store;
use crate::tenant::TenantPosture;

impl Index<DomainId> for Fleet {
    type Output = DomainStatus;

    fn index(&self, id: DomainId) -> &DomainStatus {
        &self.domains[id.index()]
    }
}

/// How a domain's verdict is recomputed at a new `now`: [`DomainStatus::reassess`], or in tests
/// a function that leaves a verdict made by hand in place.
pub type Reassess = fn(&mut DomainStatus, DateTime<Utc>);

/// What an event changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// A fetch began: only the domain's refresh state changed.
    Fetching(DomainId),
    /// A refresh ended: its facts (or its error) and its verdict changed, and so did the
    /// verdicts of `regrouped`, other domains of its IdP group for which rule A2 now lists
    /// other domains (a member joined or left, or what Entra holds for one changed).
    Refreshed {
        domain: DomainId,
        regrouped: Vec<DomainId>,
    },
    /// A tenant was read: its unwatched domains, and the verdicts of these domains (their
    /// share of the audit log).
    Tenant(Vec<DomainId>),
    /// The saved certificate histories were read: the verdicts of these domains (those that
    /// have one, or whose file is broken).
    Histories(Vec<DomainId>),
}

/// When [`Fleet::load`] reads the domains' saved certificate histories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Histories {
    /// Before it returns (`check`, `serve`).
    Now,
    /// Not at all: they arrive as a [`PollEvent::Histories`] from a poller started with
    /// `read_histories` (the TUI, whose first frame then does not wait for a file a domain).
    Later,
}

/// A saved history read for `status`, merged into what it holds; or why it was not usable,
/// logged and kept for the details.
fn take_history(
    status: &mut DomainStatus,
    read: Result<history::CertHistory, crate::store::StoreError>,
) {
    match read {
        Ok(saved) => status.merge_history(&saved),
        Err(problem) => {
            tracing::warn!(
                "{}: the certificate history is not used: {problem}",
                status.config.name
            );
            status.history_problem = Some(problem);
        }
    }
}

/// Every domain's state, in the config's order, and each tenant's posture.
#[derive(Clone, Debug)]
pub struct Fleet {
    domains: Vec<DomainStatus>,
    reassess: Reassess,
    /// The IdP groups: each entityID's domains in config order, with what Entra holds for each
    /// as their verdicts last saw it.
    groups: HashMap<String, Vec<(DomainId, Option<EntraCerts>)>>,
    /// The entityID each domain is grouped under.
    grouped_as: Vec<Option<String>>,
    /// A domain was changed by hand: group everyone again before the next re-assessment.
    regroup_all: bool,
    /// The latest read of each tenant, in the order they were first read.
    tenants: Vec<TenantPosture>,
    /// Where [`Self::reassess_some_due`] goes on: the domains it had no room for come first.
    resume_at: usize,
}

impl Fleet {
    pub fn new(domains: Vec<DomainStatus>) -> Self {
        Self::with_reassess(domains, DomainStatus::reassess)
    }

    /// A fleet whose verdicts are recomputed by `reassess` (tests keep hand-made verdicts).
    pub fn with_reassess(domains: Vec<DomainStatus>, reassess: Reassess) -> Self {
        let mut fleet = Self {
            grouped_as: vec![None; domains.len()],
            domains,
            reassess,
            groups: HashMap::new(),
            regroup_all: false,
            tenants: Vec::new(),
            resume_at: 0,
        };
        fleet.group_everyone();
        fleet
    }

    /// The configured `domains`, not fetched yet and assessed as of `now`, each with what was
    /// imported for it from PowerShell into `store` and (with [`Histories::Now`]) its saved
    /// certificate history. A broken import or history file is moved aside by the store and
    /// logged as a warning; its domain goes on without it.
    pub fn load<'a>(
        domains: impl IntoIterator<Item = &'a DomainConfig>,
        store: Option<&Store>,
        histories: Histories,
        now: DateTime<Utc>,
    ) -> Self {
        let listed = store.and_then(Store::file_names);
        // A data dir without imports (the usual case): 10,000 domains need not each look.
        let imports = store.filter(|_| listed.as_ref().is_none_or(ImportKind::any_in));
        let domains: Vec<&DomainConfig> = domains.into_iter().collect();
        // Likewise the certificate histories: only the domains that have one read it (in the
        // order of `domains`).
        let mut saved = store
            .filter(|_| histories == Histories::Now)
            .map(|store| history::read_saved(store, domains.iter().map(|d| d.name.as_str())))
            .unwrap_or_default()
            .into_iter()
            .peekable();
        let statuses = domains
            .into_iter()
            .enumerate()
            .map(|(i, domain)| {
                let mut status = DomainStatus::new(domain.clone(), now);
                if let Some((_, read)) = saved.next_if(|(at, _)| *at == i) {
                    take_history(&mut status, read);
                }
                if let Some(store) = imports {
                    let (imports, problems) =
                        Imports::load_listed(store, &domain.name, listed.as_ref());
                    for problem in problems {
                        tracing::warn!("{}: an import is not used: {problem}", domain.name);
                    }
                    // Nothing imported changes nothing: the verdict made above stands.
                    if imports != Imports::default() {
                        status.apply_imports(imports, now);
                    }
                }
                status
            })
            .collect();
        Self::new(statuses)
    }

    pub fn len(&self) -> usize {
        self.domains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }

    /// Every domain, in the config's order (a [`DomainId`] indexes it).
    pub fn statuses(&self) -> &[DomainStatus] {
        &self.domains
    }

    pub fn get(&self, id: DomainId) -> Option<&DomainStatus> {
        self.domains.get(id.index())
    }

    /// A domain to change by hand: its verdict (and its IdP group) is made again at the next
    /// [`Self::reassess_due`].
    pub fn get_mut(&mut self, id: DomainId) -> Option<&mut DomainStatus> {
        let status = self.domains.get_mut(id.index())?;
        status.verdict_holds = None;
        self.regroup_all = true;
        Some(status)
    }

    /// Every domain with its id, in the config's order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (DomainId, &DomainStatus)> {
        self.domains
            .iter()
            .enumerate()
            .map(|(i, status)| (DomainId::from_index(i), status))
    }

    /// The operator has seen the domain: its "certificates changed" highlight goes.
    pub fn mark_seen(&mut self, id: DomainId) {
        if let Some(status) = self.domains.get_mut(id.index()) {
            status.changed = false;
        }
    }

    /// Apply one poller event at `now`: a fetch began, or a refresh ended (its result recorded,
    /// a failure keeping the last good facts, and the verdict made again as of `now`). Events
    /// for a domain the fleet does not have are ignored.
    pub fn apply(&mut self, event: PollEvent, now: DateTime<Utc>) -> Option<Applied> {
        match event {
            PollEvent::Started { domain, at } => {
                let status = self.domains.get_mut(domain.index())?;
                status.fetch = FetchState::Fetching { since: at };
                Some(Applied::Fetching(domain))
            }
            PollEvent::Finished { domain, outcome } => {
                let status = self.domains.get_mut(domain.index())?;
                status.record(*outcome);
                let regrouped = self.regroup(domain, now);
                let status = &mut self.domains[domain.index()];
                (self.reassess)(status, now);
                Some(Applied::Refreshed { domain, regrouped })
            }
            PollEvent::Tenant(posture) => Some(Applied::Tenant(self.apply_tenant(*posture, now))),
            PollEvent::Histories(read) => {
                let mut changed = Vec::new();
                for (id, read) in read {
                    let Some(status) = self.domains.get_mut(id.index()) else {
                        continue;
                    };
                    take_history(status, read);
                    status.verdict_holds = None;
                    (self.reassess)(status, now);
                    changed.push(id);
                }
                Some(Applied::Histories(changed))
            }
        }
    }

    /// Put domain `id` in the group of its entityID, and give the members of every group that
    /// changed (the one it left, the one it joined) their new peers; those for which rule A2's
    /// list changed are re-assessed as of `now`, and returned. `id` itself gets its peers but
    /// is left for the caller to re-assess.
    fn regroup(&mut self, id: DomainId, now: DateTime<Utc>) -> Vec<DomainId> {
        let key = self.domains[id.index()].entity_id().map(str::to_owned);
        let entra = self.domains[id.index()].entra_certs();
        let old = self.grouped_as[id.index()].clone();
        let mut touched: Vec<String> = Vec::new();
        if old != key {
            if let Some(old) = &old
                && let Some(members) = self.groups.get_mut(old)
            {
                members.retain(|(m, _)| *m != id);
                if members.is_empty() {
                    self.groups.remove(old);
                } else {
                    touched.push(old.clone());
                }
            }
            if let Some(key) = &key {
                let members = self.groups.entry(key.clone()).or_default();
                let at = members.partition_point(|(m, _)| *m < id);
                members.insert(at, (id, entra));
                touched.push(key.clone());
            }
            self.grouped_as[id.index()] = key;
        } else if let Some(key) = &key
            && let Some(members) = self.groups.get_mut(key)
            && let Some(member) = members.iter_mut().find(|(m, _)| *m == id)
            && member.1 != entra
        {
            member.1 = entra;
            touched.push(key.clone());
        }
        if old.is_some() && self.grouped_as[id.index()].is_none() {
            self.domains[id.index()].peers = None;
        }
        let mut regrouped = Vec::new();
        for key in touched {
            regrouped.extend(self.give_peers(&key, Some(id), Some(now)));
        }
        regrouped
    }

    /// Every member of group `key` gets the group as its peers (one value they share); those
    /// (other than `except`) whose verdict the change can move — the group's members Entra
    /// holds other certificates for than for them, rule A2 — are re-assessed as of `now` and
    /// returned (`None`: left for the next [`Self::reassess_due`]). The others' verdicts do not
    /// depend on who else is in the group: a farm of n domains read for the first time makes
    /// n verdicts, not n².
    fn give_peers(
        &mut self,
        key: &str,
        except: Option<DomainId>,
        now: Option<DateTime<Utc>>,
    ) -> Vec<DomainId> {
        let mut regrouped = Vec::new();
        let Some(members) = self.groups.get(key) else {
            return regrouped;
        };
        // A group of one is no group: no peers to hold.
        let group = (members.len() >= 2).then(|| {
            Arc::new(IdpGroup::new(
                members
                    .iter()
                    .map(|&(m, entra)| Peer {
                        name: self.domains[m.index()].config.name.clone(),
                        entra,
                    })
                    .collect(),
            ))
        });
        let members: Vec<DomainId> = members.iter().map(|&(m, _)| m).collect();
        for member in members {
            let status = &mut self.domains[member.index()];
            let before = status.differing_peers();
            status.peers.clone_from(&group);
            if Some(member) == except || status.differing_peers() == before {
                continue;
            }
            match now {
                Some(now) => {
                    (self.reassess)(status, now);
                    regrouped.push(member);
                }
                None => status.verdict_holds = None,
            }
        }
        regrouped
    }

    /// Group every domain afresh (at the start, and after changes by hand); the domains for
    /// which rule A2's list changed are re-assessed at the next [`Self::reassess_due`].
    fn group_everyone(&mut self) {
        self.groups.clear();
        self.grouped_as = vec![None; self.domains.len()];
        for (i, status) in self.domains.iter().enumerate() {
            if let Some(key) = status.entity_id() {
                self.groups
                    .entry(key.to_owned())
                    .or_default()
                    .push((DomainId::from_index(i), status.entra_certs()));
                self.grouped_as[i] = Some(key.to_owned());
            }
        }
        let keys: Vec<String> = self.groups.keys().cloned().collect();
        for key in keys {
            self.give_peers(&key, None, None);
        }
        for i in 0..self.domains.len() {
            if self.grouped_as[i].is_none() {
                self.domains[i].peers = None;
            }
        }
        self.regroup_all = false;
    }

    /// Take in a tenant's posture: keep it (replacing the tenant's earlier read) and give each
    /// domain its share of the audit log. The domains whose share changed, and with it their
    /// verdicts, made again as of `now`.
    fn apply_tenant(&mut self, posture: TenantPosture, now: DateTime<Utc>) -> Vec<DomainId> {
        let mut changed = Vec::new();
        for (i, status) in self.domains.iter_mut().enumerate() {
            if !posture.tenant.holds(&status.config) {
                continue;
            }
            let changes = posture.changes_of(&status.config.name);
            if status.changes.as_ref() == Some(&changes) {
                continue;
            }
            status.changes = Some(changes);
            status.verdict_holds = None;
            (self.reassess)(status, now);
            changed.push(DomainId::from_index(i));
        }
        match self
            .tenants
            .iter_mut()
            .find(|t| t.tenant.name == posture.tenant.name)
        {
            Some(known) => *known = posture,
            None => self.tenants.push(posture),
        }
        changed
    }

    /// Each tenant's latest posture, in the order they were first read.
    pub fn tenants(&self) -> &[TenantPosture] {
        &self.tenants
    }

    /// Re-assess, as of `now`, every domain whose verdict may have changed since it was made
    /// (a verdict holds until its next threshold or countdown step, [`crate::assess::next_change`]),
    /// and say which. With 10,000 domains most seconds find none.
    pub fn reassess_due(&mut self, now: DateTime<Utc>) -> Vec<DomainId> {
        if self.regroup_all {
            self.group_everyone();
        }
        let mut due = Vec::new();
        for (i, status) in self.domains.iter_mut().enumerate() {
            if status.needs_reassess(now) {
                (self.reassess)(status, now);
                due.push(DomainId::from_index(i));
            }
        }
        due
    }

    /// As [`Self::reassess_due`], re-assessing at most `at_most` domains: the others stay due and
    /// go first at the next call, so every due domain is re-assessed within
    /// ⌈due / at_most⌉ calls. The TUI's tick uses it to keep a second in which a whole fleet's
    /// countdown moves (10,000 domains sharing one IdP) from holding up keys and frames.
    pub fn reassess_some_due(&mut self, now: DateTime<Utc>, at_most: usize) -> Vec<DomainId> {
        if self.regroup_all {
            self.group_everyone();
        }
        let count = self.domains.len();
        let start = if self.resume_at < count {
            self.resume_at
        } else {
            0
        };
        let mut due = Vec::new();
        for i in (start..count).chain(0..start) {
            let status = &mut self.domains[i];
            if status.needs_reassess(now) {
                if due.len() == at_most {
                    self.resume_at = i;
                    return due;
                }
                (self.reassess)(status, now);
                due.push(DomainId::from_index(i));
            }
        }
        self.resume_at = 0;
        due
    }

    /// The worst verdict (OK for an empty fleet): `check`'s exit code. A tenant's federated
    /// domain that no `[[domain]]` watches makes it at least WARNING (rule U1).
    pub fn worst(&self) -> Severity {
        self.domains
            .iter()
            .map(|d| d.assessment.severity)
            .chain(self.tenants.iter().map(TenantPosture::severity))
            .max()
            .unwrap_or(Severity::Ok)
    }

    /// How many domains stand at each verdict, worst first, leaving out the verdicts none has.
    pub fn tally(&self) -> Vec<(Severity, usize)> {
        [
            Severity::Critical,
            Severity::Warning,
            Severity::Unknown,
            Severity::Ok,
        ]
        .into_iter()
        .map(|severity| {
            let n = self
                .domains
                .iter()
                .filter(|d| d.assessment.severity == severity)
                .count();
            (severity, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::assess::{EntraSide, IdpFacts, Rule};
    use crate::cert::{CertInfo, Sha1, test_cert};
    use crate::domain::{RefreshError, RefreshOutcome, Snapshot};
    use crate::source::{FetchError, FetchErrorKind};

    fn now() -> DateTime<Utc> {
        "2026-12-01T09:00:00Z".parse().unwrap()
    }

    /// Certificate `id`, valid for a year until `not_after`.
    fn cert(id: u8, not_after: DateTime<Utc>) -> CertInfo {
        CertInfo {
            sha1: Sha1([id; 20]),
            ..test_cert(not_after - TimeDelta::days(365), not_after)
        }
    }

    /// AD FS metadata whose one signing certificate expires at `not_after`.
    fn snapshot(id: u8, not_after: DateTime<Utc>, fetched_at: DateTime<Utc>) -> Snapshot {
        let facts = IdpFacts::test_adfs(
            "http://fs.contoso.example/adfs/services/trust",
            vec![cert(id, not_after)],
        );
        Snapshot::test("https://fs.contoso.example/md.xml", facts, fetched_at)
    }

    /// The TUI's start: the fleet comes without the saved histories, which arrive later as
    /// one event and then count as they would have at the load.
    #[test]
    fn saved_histories_read_later_count_as_if_read_at_the_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().to_path_buf());
        let seen = history::Observation {
            published: Some(vec![Sha1([7; 20])]),
            trusted: None,
        };
        history::save(&store, "a.example", &seen, now()).unwrap();
        let configs: Vec<DomainConfig> = ["a.example", "b.example", "c.example"]
            .iter()
            .map(|name| DomainConfig::new(*name, format!("https://fs.{name}/md.xml")))
            .collect();
        let at_once = Fleet::load(&configs, Some(&store), Histories::Now, now());
        assert!(at_once[A].history.published(Sha1([7; 20])).is_some());
        // b's file is broken: moved aside when read, and said.
        std::fs::write(dir.path().join("history/b.example.json"), "{ not json").unwrap();

        let mut later = Fleet::load(&configs, Some(&store), Histories::Later, now());
        assert_eq!(later[A].history, history::CertHistory::new("a.example"));
        let read: Vec<_> = history::read_saved(&store, configs.iter().map(|d| d.name.as_str()))
            .into_iter()
            .map(|(i, read)| (DomainId::from_index(i), read))
            .collect();
        assert_eq!(read.len(), 2, "c has no history");
        let applied = later.apply(PollEvent::Histories(read), now());
        assert_eq!(applied, Some(Applied::Histories(vec![A, B])));
        assert_eq!(later[A].history, at_once[A].history);
        assert!(later[B].history_problem.is_some());
        assert!(later[C].history_problem.is_none());
    }

    fn fleet(names: &[&str]) -> Fleet {
        let configs: Vec<DomainConfig> = names
            .iter()
            .map(|name| DomainConfig::new(*name, format!("https://fs.{name}/md.xml")))
            .collect();
        Fleet::load(&configs, None, Histories::Now, now())
    }

    fn finished(domain: DomainId, metadata: Result<Snapshot, RefreshError>) -> PollEvent {
        let at = metadata
            .as_ref()
            .map_or_else(|e| e.at, |snapshot| snapshot.fetched_at);
        PollEvent::Finished {
            domain,
            outcome: Box::new(RefreshOutcome {
                at,
                metadata,
                entra: None,
            }),
        }
    }

    fn refused(at: DateTime<Utc>) -> RefreshError {
        RefreshError::new(
            at,
            FetchError::new(
                "https://fs.contoso.example/md.xml",
                FetchErrorKind::Connect,
                "connection refused",
            ),
        )
    }

    const A: DomainId = DomainId::from_index(0);
    const B: DomainId = DomainId::from_index(1);
    const C: DomainId = DomainId::from_index(2);

    #[test]
    fn a_started_fetch_shows_until_its_result_is_applied_and_assessed_as_of_now() {
        let mut fleet = fleet(&["a.example", "b.example"]);
        assert_eq!(
            fleet[A].assessment.severity,
            Severity::Unknown,
            "never read"
        );
        let started = now() - TimeDelta::seconds(2);
        let applied = fleet.apply(
            PollEvent::Started {
                domain: B,
                at: started,
            },
            now(),
        );
        assert_eq!(applied, Some(Applied::Fetching(B)));
        assert_eq!(fleet[B].fetch, FetchState::Fetching { since: started });
        assert_eq!(fleet[A].fetch, FetchState::Idle, "only that domain");

        let read = snapshot(1, now() + TimeDelta::days(200), now());
        let applied = fleet.apply(finished(B, Ok(read.clone())), now());
        assert_eq!(
            applied,
            Some(Applied::Refreshed {
                domain: B,
                regrouped: Vec::new()
            })
        );
        let b = &fleet[B];
        assert_eq!(b.fetch, FetchState::Idle);
        assert_eq!(b.last_good.as_deref(), Some(&read));
        assert_eq!(b.last_attempt, Some(now()));
        assert_eq!(
            b.assessment.primary.as_ref().map(|p| p.cert.sha1),
            Some(Sha1([1; 20]))
        );
        let days = b.assessment.days_left.unwrap();
        assert!((days - 200.0).abs() < 1e-9, "assessed as of now: {days}");
        assert_eq!(fleet[A].last_good, None, "the other domain is untouched");
    }

    #[test]
    fn a_failing_refresh_keeps_the_last_good_facts_and_says_they_are_stale() {
        let mut fleet = fleet(&["a.example"]);
        let read = snapshot(1, now() + TimeDelta::days(200), now() - TimeDelta::hours(1));
        fleet.apply(finished(A, Ok(read.clone())), now() - TimeDelta::hours(1));
        let error = refused(now());
        fleet.apply(finished(A, Err(error.clone())), now());
        let a = &fleet[A];
        assert_eq!(a.last_good.as_deref(), Some(&read), "the facts stay");
        assert_eq!(a.last_error.as_deref(), Some(&error));
        assert!(a.is_stale());
        assert_eq!(a.last_attempt, Some(now()));
        assert!(
            a.assessment.findings.iter().any(|f| f.rule == Rule::R7),
            "the verdict says it rests on a stale snapshot: {:?}",
            a.assessment.findings
        );
        assert!(
            a.assessment.primary.is_some(),
            "and still knows the primary"
        );

        // The next good refresh clears the error.
        fleet.apply(finished(A, Ok(read)), now() + TimeDelta::minutes(1));
        assert!(!fleet[A].is_stale());
    }

    #[test]
    fn events_for_a_domain_the_fleet_does_not_have_are_ignored() {
        let mut fleet = fleet(&["a.example"]);
        let before = fleet.statuses().to_vec();
        let ghost = DomainId::from_index(7);
        assert_eq!(
            fleet.apply(
                PollEvent::Started {
                    domain: ghost,
                    at: now()
                },
                now()
            ),
            None
        );
        assert_eq!(
            fleet.apply(finished(ghost, Err(refused(now()))), now()),
            None
        );
        assert_eq!(fleet.statuses(), before);
    }

    #[test]
    fn a_verdict_is_reassessed_when_it_can_next_change_and_not_before() {
        let mut fleet = fleet(&["a.example", "b.example"]);
        // `a` expires in 200 days and a few hours; `b` is never read.
        let expiry = now() + TimeDelta::days(200) + TimeDelta::hours(5);
        fleet.apply(finished(A, Ok(snapshot(1, expiry, now()))), now());
        let holds = fleet[A].verdict_holds.clone().unwrap();
        assert_eq!(holds.start, now());
        let next = holds.end;
        assert!(next > now() && next <= now() + TimeDelta::days(1), "{next}");

        // Loaded and refreshed at `now`: nothing is due within the span the verdicts hold.
        assert_eq!(fleet.reassess_due(now()), Vec::<DomainId>::new());
        let before = next - TimeDelta::seconds(1);
        let due = fleet.reassess_due(before);
        assert!(!due.contains(&A), "{due:?}");
        // At the moment it can change, it is made again, as of that moment.
        let due = fleet.reassess_due(next);
        assert!(due.contains(&A), "{due:?}");
        assert_eq!(fleet[A].verdict_holds.as_ref().map(|h| h.start), Some(next));
        assert!(!fleet.reassess_due(next).contains(&A), "once");

        // A change by hand makes it due at once.
        fleet.get_mut(A).unwrap().assessment.severity = Severity::Critical;
        assert_eq!(fleet.reassess_due(next), vec![A]);
        assert_ne!(fleet[A].assessment.severity, Severity::Critical);
    }

    #[test]
    fn at_most_so_many_are_reassessed_at_once_and_the_rest_go_first_next_time() {
        let names: Vec<String> = (0..10).map(|i| format!("d{i}.example")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut fleet = fleet(&names);
        let id = DomainId::from_index;
        for i in 0..10 {
            fleet.get_mut(id(i)).unwrap();
        }
        assert_eq!(fleet.reassess_some_due(now(), 4), [0, 1, 2, 3].map(id));
        // A domain made due meanwhile waits its turn behind those left over.
        fleet.get_mut(id(1)).unwrap();
        assert_eq!(fleet.reassess_some_due(now(), 4), [4, 5, 6, 7].map(id));
        assert_eq!(fleet.reassess_some_due(now(), 4), [8, 9, 1].map(id));
        assert_eq!(fleet.reassess_some_due(now(), 4), []);
        // Nothing is left due; each verdict is as of `now`.
        assert!(fleet.statuses().iter().all(|d| !d.needs_reassess(now())));
        // Without a limit, the same as reassess_due.
        fleet.get_mut(id(9)).unwrap();
        fleet.get_mut(id(0)).unwrap();
        assert_eq!(fleet.reassess_some_due(now(), usize::MAX), [0, 9].map(id));
    }

    #[test]
    fn worst_and_tally_count_the_verdicts() {
        let mut fleet = fleet(&["a.example", "b.example", "c.example"]);
        assert_eq!(fleet.worst(), Severity::Unknown);
        assert_eq!(fleet.tally(), vec![(Severity::Unknown, 3)]);
        fleet.get_mut(B).unwrap().assessment.severity = Severity::Critical;
        assert_eq!(fleet.worst(), Severity::Critical);
        assert_eq!(
            fleet.tally(),
            vec![(Severity::Critical, 1), (Severity::Unknown, 2)]
        );
        assert_eq!(Fleet::new(Vec::new()).worst(), Severity::Ok);
    }

    #[test]
    fn a_tenant_read_gives_each_domain_its_changes_and_unwatched_domains_raise_the_worst() {
        use crate::assess::FederationChange;
        use crate::source::graph::{Access, AuditedChange};
        let mut fleet = fleet(&["a.example", "b.example"]);
        for id in [A, B] {
            fleet.apply(
                finished(id, Ok(snapshot(1, now() + TimeDelta::days(200), now()))),
                now(),
            );
        }
        let before = fleet.worst();
        let change = FederationChange {
            at: now() - TimeDelta::hours(2),
            activity: "Set federation settings on domain".into(),
            actor: "mallory@a.example".into(),
        };
        let posture = |unwatched: &[&str]| {
            PollEvent::Tenant(Box::new(TenantPosture::new(
                crate::tenant::Tenant {
                    name: "contoso.onmicrosoft.example".into(),
                    default: true,
                },
                now(),
                Access::Read(
                    ["a.example", "b.example"]
                        .iter()
                        .chain(unwatched)
                        .map(|d| (*d).to_owned())
                        .collect(),
                ),
                &["a.example".to_owned(), "b.example".to_owned()],
                Access::Read(vec![AuditedChange {
                    change: change.clone(),
                    domains: vec!["A.example".into()],
                }]),
            )))
        };
        let applied = fleet.apply(posture(&["rogue.example"]), now());
        assert_eq!(
            applied,
            Some(Applied::Tenant(vec![A, B])),
            "both got a share"
        );
        assert_eq!(fleet[A].changes, Some(Access::Read(vec![change.clone()])));
        assert_eq!(fleet[B].changes, Some(Access::Read(Vec::new())));
        assert!(
            fleet[A]
                .assessment
                .findings
                .iter()
                .any(|f| f.rule == Rule::B4),
            "{:?}",
            fleet[A].assessment.findings
        );
        assert_eq!(fleet.tenants().len(), 1);
        assert_eq!(fleet.tenants()[0].unwatched_domains(), ["rogue.example"]);
        assert_eq!(fleet.worst(), before.max(Severity::Warning));
        // The same read again changes nobody's share: no verdict is made again.
        assert_eq!(
            fleet.apply(posture(&[]), now()),
            Some(Applied::Tenant(Vec::new()))
        );
        assert_eq!(fleet.tenants().len(), 1, "the tenant's read replaced");
        assert!(fleet.tenants()[0].unwatched_domains().is_empty());
    }

    thread_local! {
        static VERDICTS_MADE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// [`DomainStatus::reassess`], counted.
    fn counted(status: &mut DomainStatus, now: DateTime<Utc>) {
        VERDICTS_MADE.with(|made| made.set(made.get() + 1));
        status.reassess(now);
    }

    /// A refresh of `domain` that reads the farm's metadata, with Entra holding `entra`.
    fn farm_refresh(domain: DomainId, entra: u8) -> PollEvent {
        let mut event = finished(domain, Ok(snapshot(1, now() + TimeDelta::days(200), now())));
        if let PollEvent::Finished { outcome, .. } = &mut event {
            outcome.entra = Some(Ok(EntraSide {
                source: Some(crate::assess::EntraSource::Graph),
                signing: Some(Sha1([entra; 20])),
                ..EntraSide::default()
            }));
        }
        event
    }

    /// `n` domains of one farm, not read yet, their verdicts counted from now on; and their
    /// names.
    fn farm(n: usize) -> (Fleet, Vec<String>) {
        let names: Vec<String> = (0..n).map(|i| format!("d{i:02}.example")).collect();
        let statuses = names
            .iter()
            .map(|name| {
                let config = DomainConfig::new(name.as_str(), "https://fs.contoso.example/md.xml");
                DomainStatus::new(config, now())
            })
            .collect();
        let fleet = Fleet::with_reassess(statuses, counted);
        VERDICTS_MADE.with(|made| made.set(0));
        (fleet, names)
    }

    /// The other domains a refresh re-assessed (its IdP group's).
    fn regrouped(applied: Option<Applied>) -> Vec<DomainId> {
        match applied {
            Some(Applied::Refreshed { regrouped, .. }) => regrouped,
            other => panic!("not a refresh: {other:?}"),
        }
    }

    /// The domains rule A2 names in `status`'s verdict.
    fn a2_names(status: &DomainStatus) -> Vec<String> {
        status
            .assessment
            .findings
            .iter()
            .filter_map(|f| match &f.situation {
                crate::assess::Situation::GroupEntraDiffers { differing, .. } => Some(differing),
                _ => None,
            })
            .flatten()
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// One AD FS farm behind many domains: each refresh that joins the group gives every member
    /// the group (one value they share), but only a change in what Entra holds for a member
    /// can move the others' verdicts (rule A2). Re-assessing the whole group at every join
    /// made 1,000 domains of one farm take 11 s and 2,000 take 91 s.
    #[test]
    fn a_farm_read_for_the_first_time_makes_one_verdict_per_refresh() {
        let (mut fleet, names) = farm(40);
        for i in 0..names.len() {
            let applied = fleet.apply(farm_refresh(DomainId::from_index(i), 1), now());
            assert_eq!(regrouped(applied), Vec::new(), "after d{i:02}");
        }
        assert_eq!(VERDICTS_MADE.with(std::cell::Cell::get), names.len());
        for (_, status) in fleet.iter() {
            assert_eq!(status.group(), names);
            assert_eq!(a2_names(status), Vec::<String>::new());
        }
        // All members share one group.
        let first = fleet[DomainId::from_index(0)].peers.clone().unwrap();
        assert!(
            fleet
                .iter()
                .all(|(_, s)| Arc::ptr_eq(s.peers.as_ref().unwrap(), &first))
        );

        // Entra holds another certificate for d07: every other member's verdict moves (A2
        // names d07), and d07's own names the other 39.
        VERDICTS_MADE.with(|made| made.set(0));
        let d07 = DomainId::from_index(7);
        let moved = regrouped(fleet.apply(farm_refresh(d07, 9), now()));
        assert_eq!(moved.len(), 39);
        assert!(!moved.contains(&d07));
        assert_eq!(VERDICTS_MADE.with(std::cell::Cell::get), 40);
        for (id, status) in fleet.iter() {
            if id == d07 {
                assert_eq!(a2_names(status).len(), 39);
                assert!(!a2_names(status).contains(&"d07.example".to_owned()));
            } else {
                assert_eq!(a2_names(status), ["d07.example"]);
            }
        }
        // d07 agrees again: the others' A2 goes, and nothing else is re-assessed afterwards.
        assert_eq!(
            regrouped(fleet.apply(farm_refresh(d07, 1), now())).len(),
            39
        );
        assert!(fleet.iter().all(|(_, s)| a2_names(s).is_empty()));
        VERDICTS_MADE.with(|made| made.set(0));
        fleet.apply(farm_refresh(DomainId::from_index(3), 1), now());
        assert_eq!(VERDICTS_MADE.with(std::cell::Cell::get), 1);
    }

    /// A farm whose first domain Entra holds another certificate for: each domain that joins
    /// moves only that first domain's verdict (A2 names one more domain there); every other
    /// member's A2 names the first one alone and stays as it is.
    #[test]
    fn a_farm_with_one_differing_domain_makes_two_verdicts_per_refresh_at_most() {
        let (mut fleet, _) = farm(40);
        let d00 = DomainId::from_index(0);
        regrouped(fleet.apply(farm_refresh(d00, 9), now()));
        for i in 1..40 {
            let moved = regrouped(fleet.apply(farm_refresh(DomainId::from_index(i), 1), now()));
            assert_eq!(moved, [d00], "after d{i:02}");
        }
        assert_eq!(VERDICTS_MADE.with(std::cell::Cell::get), 40 + 39);
        assert_eq!(a2_names(&fleet[d00]).len(), 39);
        for (id, status) in fleet.iter().skip(1) {
            assert_eq!(a2_names(status), ["d00.example"], "{id:?}");
        }
    }

    #[test]
    fn a_seen_domain_loses_its_highlight_but_keeps_its_verdict() {
        let mut fleet = fleet(&["a.example"]);
        fleet.apply(
            finished(A, Ok(snapshot(1, now() + TimeDelta::days(90), now()))),
            now(),
        );
        fleet.apply(
            finished(A, Ok(snapshot(2, now() + TimeDelta::days(400), now()))),
            now(),
        );
        assert!(fleet[A].changed, "another certificate set");
        let holds = fleet[A].verdict_holds.clone();
        fleet.mark_seen(A);
        assert!(!fleet[A].changed);
        assert_eq!(fleet[A].verdict_holds, holds);
    }
}
