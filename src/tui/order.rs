//! The list's order, kept between frames.
//!
//! With 10,000 domains, sorting and filtering the fleet on every frame, key press and refresh
//! result costs more than drawing the rows. [`ListOrder`] keeps the sorted order, each domain's
//! place in it, the filter's matches and the severity counts, and brings them up to date only
//! for the domains marked as changed: one refresh result moves one entry, a tick's
//! re-assessments move the few whose verdict changed.
//!
//! The order is the list's: worst severity first, then the primary certificate that expires
//! first (so the fewest days left; no primary sorts last), then the name, then the index.
//! Sorting by the expiry instant rather than by `days_left` keeps domains re-assessed at
//! different moments in their true order. With a [`Grouping`], the rows of one group come
//! together first (groups by their key; rows without one last), in that order within it.

use std::cmp::Reverse;

use chrono::{DateTime, Utc};
use memchr::memmem;

use crate::assess::Severity;
use crate::domain::DomainStatus;

/// What changed about a domain since the order last saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Nothing.
    None,
    /// Its verdict (severity, primary certificate): a re-assessment.
    Verdict,
    /// Anything, the facts and the name included: a refresh result, a change by hand.
    Facts,
}

/// How the list's rows are grouped: a key per domain (its group), the rows of one key
/// together. Each grouping is one key function: another one is one more variant and one more
/// arm of [`Grouping::key`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Grouping {
    /// One list, worst first.
    #[default]
    None,
    /// By the tenant whose Entra holds the domain.
    Tenant,
    /// By identity provider: the domains whose metadata names the same entityID (DESIGN.md
    /// §6.2's IdP group) together; domains not read yet last.
    Idp,
}

impl Grouping {
    /// Every grouping, in the order the key cycles through them.
    pub const ALL: [Grouping; 3] = [Grouping::None, Grouping::Tenant, Grouping::Idp];

    /// The group of `d`: `None` for a domain without one (it sorts after every group).
    pub fn key(self, d: &DomainStatus) -> Option<&str> {
        match self {
            Self::None => None,
            Self::Tenant => d.config.tenant.as_deref(),
            Self::Idp => d.entity_id(),
        }
    }

    /// The grouping after this one.
    #[must_use]
    pub fn next(self) -> Self {
        let at = Self::ALL.iter().position(|g| *g == self).unwrap_or(0);
        Self::ALL[(at + 1) % Self::ALL.len()]
    }

    /// What it groups by, for column headers: `TENANT`, `IDP GROUP`.
    pub fn heading(self) -> &'static str {
        match self {
            Self::None => "",
            Self::Tenant => "TENANT",
            Self::Idp => "IDP GROUP",
        }
    }
}

/// Where a domain sorts. `group_rank` and `name_rank` are places among all group keys and
/// names (ties by index), so comparing keys never compares strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    group_rank: usize,
    severity: Reverse<Severity>,
    expiry: DateTime<Utc>,
    name_rank: usize,
}

/// One domain as the order last saw it.
#[derive(Debug)]
struct Entry {
    severity: Severity,
    expiry: DateTime<Utc>,
    name: Box<str>,
    /// The name, the identity provider's host and the tenant, lowercased, for the filter.
    name_lower: Box<str>,
    host_lower: Box<str>,
    tenant_lower: Box<str>,
    /// Its group under the grouping in force.
    group: Option<Box<str>>,
    /// The filter lets it through.
    shown: bool,
    change: Change,
}

impl Entry {
    fn of(d: &DomainStatus, grouping: Grouping) -> Self {
        let (severity, expiry) = verdict_of(d);
        Self {
            severity,
            expiry,
            name: d.config.name.as_str().into(),
            name_lower: d.config.name.to_lowercase().into(),
            host_lower: d.idp_host().unwrap_or_default().to_lowercase().into(),
            tenant_lower: lowered(d.config.tenant.as_deref()),
            group: grouping.key(d).map(Into::into),
            shown: true,
            change: Change::None,
        }
    }
}

fn lowered(text: Option<&str>) -> Box<str> {
    text.unwrap_or_default().to_lowercase().into()
}

fn verdict_of(d: &DomainStatus) -> (Severity, DateTime<Utc>) {
    let expiry = d
        .assessment
        .primary
        .as_ref()
        .map_or(DateTime::<Utc>::MAX_UTC, |p| p.cert.not_after);
    (d.assessment.severity, expiry)
}

/// The slot of a severity in [`ListOrder::counts`]: CRIT, WARN, UNKNOWN, OK. A verdict is
/// never info (an info finding never changes one); it would count as OK.
pub fn slot(severity: Severity) -> usize {
    match severity {
        Severity::Critical => 0,
        Severity::Warning => 1,
        Severity::Unknown => 2,
        Severity::Ok | Severity::Info => 3,
    }
}

/// Up to this many changed domains are moved one by one (a binary search and a shift each);
/// more are sorted among themselves and merged into the rest in one pass.
const MOVE_ONE_BY_ONE: usize = 8;

#[derive(Debug)]
pub struct ListOrder {
    entries: Vec<Entry>,
    grouping: Grouping,
    /// `name_rank[i]`: where domain `i`'s name sorts among all names.
    name_rank: Vec<usize>,
    /// `group_rank[i]`: where domain `i`'s group sorts among all groups (no group: last).
    group_rank: Vec<usize>,
    /// Every domain's index, in list order (the filter aside).
    order: Vec<usize>,
    /// `rank[i]`: where domain `i` stands in `order`.
    rank: Vec<usize>,
    /// The domains marked since the last [`Self::settle`].
    changed: Vec<usize>,
    /// The filter text the matches are for, as typed and lowercased.
    filter_text: String,
    needle: String,
    finder: memmem::Finder<'static>,
    /// The needle is in the status word of each severity ([`slot`]).
    by_word: [bool; 4],
    /// Only these domains, whatever the filter says (an explained error's matches); `None`: all.
    only: Option<Vec<bool>>,
    /// The restriction changed: match everyone again at the next settle.
    rematch: bool,
    /// With a filter (or a restriction): the domains it lets through, in list order.
    shown: Vec<usize>,
    /// How many domains stand at each severity ([`slot`]).
    counts: [usize; 4],
}

impl ListOrder {
    pub fn new(domains: &[DomainStatus]) -> Self {
        let mut this = Self {
            entries: Vec::new(),
            grouping: Grouping::None,
            name_rank: Vec::new(),
            group_rank: Vec::new(),
            order: Vec::new(),
            rank: Vec::new(),
            changed: Vec::new(),
            filter_text: String::new(),
            needle: String::new(),
            finder: memmem::Finder::new(b"").into_owned(),
            by_word: [true; 4],
            only: None,
            rematch: false,
            shown: Vec::new(),
            counts: [0; 4],
        };
        this.rebuild(domains);
        this
    }

    /// Group the rows by `grouping` (everything is sorted afresh; the filter stays).
    pub fn set_grouping(&mut self, grouping: Grouping, domains: &[DomainStatus]) {
        if grouping == self.grouping {
            return;
        }
        self.grouping = grouping;
        let text = self.filter_text.clone();
        self.rebuild(domains);
        self.set_filter(&text);
        self.match_all();
    }

    pub fn grouping(&self) -> Grouping {
        self.grouping
    }

    /// Everything from scratch: the names, the groups, the order, the counts (and no filter).
    fn rebuild(&mut self, domains: &[DomainStatus]) {
        let grouping = self.grouping;
        self.entries = domains.iter().map(|d| Entry::of(d, grouping)).collect();
        let mut groups: Vec<&str> = self
            .entries
            .iter()
            .filter_map(|e| e.group.as_deref())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        self.group_rank = self
            .entries
            .iter()
            .map(|e| {
                e.group.as_deref().map_or(groups.len(), |g| {
                    groups.binary_search(&g).unwrap_or(groups.len())
                })
            })
            .collect();
        let mut by_name: Vec<usize> = (0..domains.len()).collect();
        by_name.sort_by(|&a, &b| {
            self.entries[a]
                .name
                .cmp(&self.entries[b].name)
                .then(a.cmp(&b))
        });
        self.name_rank = vec![0; domains.len()];
        for (rank, &i) in by_name.iter().enumerate() {
            self.name_rank[i] = rank;
        }
        let mut order: Vec<usize> = (0..domains.len()).collect();
        order.sort_unstable_by_key(|&i| self.key(i));
        self.order = order;
        self.rank = vec![0; domains.len()];
        self.renumber(0);
        self.changed.clear();
        self.set_filter("");
        self.shown.clear();
        self.counts = [0; 4];
        for e in &self.entries {
            self.counts[slot(e.severity)] += 1;
        }
    }

    fn key(&self, i: usize) -> Key {
        let e = &self.entries[i];
        Key {
            group_rank: self.group_rank[i],
            severity: Reverse(e.severity),
            expiry: e.expiry,
            name_rank: self.name_rank[i],
        }
    }

    /// `rank` for `order[from..]`.
    fn renumber(&mut self, from: usize) {
        for (position, &i) in self.order.iter().enumerate().skip(from) {
            self.rank[i] = position;
        }
    }

    /// Domain `index` changed: the next [`Self::settle`] looks at it again.
    pub fn mark(&mut self, index: usize, change: Change) {
        let Some(entry) = self.entries.get_mut(index) else {
            return;
        };
        if entry.change == Change::None {
            self.changed.push(index);
        }
        entry.change = entry.change.max(change);
    }

    /// Show only the domains whose index is set in `only` (`None`: every domain the filter lets
    /// through). Takes effect at the next [`Self::settle`].
    pub fn restrict(&mut self, only: Option<Vec<bool>>) {
        self.only = only;
        self.rematch = true;
    }

    /// Bring the order up to date with `domains` and the filter `text`: look again at the
    /// domains marked since last time, move those whose place changed, and match them (or
    /// everyone, when the filter changed).
    pub fn settle(&mut self, domains: &[DomainStatus], text: &str) {
        if domains.len() != self.entries.len() {
            self.rebuild(domains);
        }
        let refilter = std::mem::take(&mut self.rematch) || self.filter_text != text;
        if refilter {
            self.set_filter(text);
        }
        let looked_at = !self.changed.is_empty();
        let mut moved = Vec::new();
        for index in std::mem::take(&mut self.changed) {
            let (entry, d) = (&mut self.entries[index], &domains[index]);
            if entry.change == Change::Facts {
                if *entry.name != *d.config.name || entry.group.as_deref() != self.grouping.key(d) {
                    // Names and groups sort by rank: a new one ranks everyone again.
                    self.rebuild(domains);
                    self.set_filter(text);
                    self.match_all();
                    return;
                }
                entry.host_lower = d.idp_host().unwrap_or_default().to_lowercase().into();
                entry.tenant_lower = lowered(d.config.tenant.as_deref());
            }
            entry.change = Change::None;
            let (severity, expiry) = verdict_of(d);
            if (severity, expiry) != (entry.severity, entry.expiry) {
                moved.push((index, severity, expiry));
            }
            if !refilter {
                self.entries[index].shown = self.matches(index, severity);
            }
        }
        self.move_entries(&moved);
        if refilter {
            self.match_all();
        } else if looked_at {
            self.list_shown();
        }
    }

    /// Take a new filter text.
    fn set_filter(&mut self, text: &str) {
        text.clone_into(&mut self.filter_text);
        self.needle = text.to_lowercase();
        let needle = memmem::Finder::new(self.needle.as_bytes()).into_owned();
        self.by_word = [
            Severity::Critical,
            Severity::Warning,
            Severity::Unknown,
            Severity::Ok,
        ]
        .map(|s| needle.find(s.word().to_lowercase().as_bytes()).is_some());
        self.finder = needle;
    }

    /// Whether a filter or a restriction hides anyone.
    fn narrowed(&self) -> bool {
        !self.needle.is_empty() || self.only.is_some()
    }

    /// The filter lets domain `index`, of this severity, through: it matches the status word,
    /// the name, the identity provider's host or the tenant (case aside), and the restriction
    /// allows it.
    fn matches(&self, index: usize, severity: Severity) -> bool {
        let e = &self.entries[index];
        let allowed = self
            .only
            .as_ref()
            .is_none_or(|only| only.get(index).copied().unwrap_or(false));
        allowed
            && (self.needle.is_empty()
                || self.by_word[slot(severity)]
                || self.finder.find(e.name_lower.as_bytes()).is_some()
                || self.finder.find(e.host_lower.as_bytes()).is_some()
                || self.finder.find(e.tenant_lower.as_bytes()).is_some())
    }

    /// Match every domain against the filter, and list the ones it lets through.
    fn match_all(&mut self) {
        for index in 0..self.entries.len() {
            let shown = self.matches(index, self.entries[index].severity);
            self.entries[index].shown = shown;
        }
        self.list_shown();
    }

    /// With a filter or a restriction, the domains it lets through in list order.
    fn list_shown(&mut self) {
        self.shown.clear();
        if self.narrowed() {
            let entries = &self.entries;
            self.shown
                .extend(self.order.iter().copied().filter(|&i| entries[i].shown));
        }
    }

    /// Give the moved domains their new verdicts and places.
    fn move_entries(&mut self, moved: &[(usize, Severity, DateTime<Utc>)]) {
        for &(index, severity, _) in moved {
            self.counts[slot(self.entries[index].severity)] -= 1;
            self.counts[slot(severity)] += 1;
        }
        if moved.len() <= MOVE_ONE_BY_ONE {
            // One at a time, so every entry but the one moving keeps the key it is sorted by.
            for &(index, severity, expiry) in moved {
                let from = self.rank[index];
                self.order.remove(from);
                let entry = &mut self.entries[index];
                (entry.severity, entry.expiry) = (severity, expiry);
                let key = self.key(index);
                let to = self.order.partition_point(|&j| self.key(j) < key);
                self.order.insert(to, index);
                for position in from.min(to)..=from.max(to) {
                    self.rank[self.order[position]] = position;
                }
            }
            return;
        }
        // Many: take them out, sort them, merge them back in one pass.
        let mut moving = vec![false; self.entries.len()];
        for &(index, severity, expiry) in moved {
            moving[index] = true;
            let entry = &mut self.entries[index];
            (entry.severity, entry.expiry) = (severity, expiry);
        }
        let rest: Vec<usize> = self.order.iter().copied().filter(|&i| !moving[i]).collect();
        let mut taken: Vec<usize> = moved.iter().map(|&(index, ..)| index).collect();
        taken.sort_unstable_by_key(|&i| self.key(i));
        let mut merged = Vec::with_capacity(self.order.len());
        let (mut a, mut b) = (rest.iter().peekable(), taken.iter().peekable());
        while let (Some(&&x), Some(&&y)) = (a.peek(), b.peek()) {
            if self.key(x) < self.key(y) {
                merged.push(x);
                a.next();
            } else {
                merged.push(y);
                b.next();
            }
        }
        merged.extend(a);
        merged.extend(b);
        self.order = merged;
        self.renumber(0);
    }

    /// The domains the list shows, in order.
    pub fn visible(&self) -> &[usize] {
        if self.narrowed() {
            &self.shown
        } else {
            &self.order
        }
    }

    /// Where domain `index` stands in [`Self::visible`], if the filter lets it through.
    pub fn position(&self, index: usize) -> Option<usize> {
        let entry = self.entries.get(index)?;
        if !entry.shown {
            return None;
        }
        if !self.narrowed() {
            return Some(self.rank[index]);
        }
        let rank = self.rank[index];
        Some(self.shown.partition_point(|&j| self.rank[j] < rank))
    }

    /// How many domains stand at each severity: CRIT, WARN, UNKNOWN, OK ([`slot`]).
    pub fn counts(&self) -> [usize; 4] {
        self.counts
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::assess::{Primary, PrimarySource};
    use crate::cert::test_cert;
    use crate::config::DomainConfig;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    /// A small xorshift: the same "random" changes on every run.
    struct Dice(u64);

    impl Dice {
        fn roll(&mut self, below: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            usize::try_from(self.0 % u64::try_from(below).unwrap()).unwrap()
        }
    }

    const SEVERITIES: [Severity; 4] = [
        Severity::Ok,
        Severity::Unknown,
        Severity::Warning,
        Severity::Critical,
    ];

    /// A new verdict: any severity, a primary expiring on one of a few days (ties on purpose)
    /// or none.
    fn reassess(d: &mut DomainStatus, dice: &mut Dice) {
        d.assessment.severity = SEVERITIES[dice.roll(4)];
        let day = dice.roll(6);
        d.assessment.primary = (day < 5).then(|| Primary {
            cert: test_cert(t0(), t0() + TimeDelta::days(i64::try_from(day).unwrap())),
            source: PrimarySource::Inferred,
        });
    }

    fn fleet(n: usize, dice: &mut Dice) -> Vec<DomainStatus> {
        (0..n)
            .map(|i| {
                // A few names twice (ties by index) and mixed case (the filter ignores it).
                let name = format!("Tenant{}.Example", i % (n - 3));
                let url = format!("https://fs{}.idp.test/metadata.xml", i % 7);
                let mut d = DomainStatus::new(DomainConfig::new(name, url), t0());
                reassess(&mut d, dice);
                d
            })
            .collect()
    }

    /// The order the list must have, worked out the plain way: grouped, groups by key and no
    /// group last, then worst first within each.
    fn expected_grouped(domains: &[DomainStatus], filter: &str, grouping: Grouping) -> Vec<usize> {
        let needle = filter.to_lowercase();
        let mut shown: Vec<usize> = (0..domains.len())
            .filter(|&i| {
                let d = &domains[i];
                [
                    d.config.name.clone(),
                    d.idp_host().unwrap_or_default(),
                    d.config.tenant.clone().unwrap_or_default(),
                    d.assessment.severity.word().to_owned(),
                ]
                .iter()
                .any(|hay| hay.to_lowercase().contains(&needle))
            })
            .collect();
        shown.sort_by(|&a, &b| {
            let key = |i: usize| {
                let d = &domains[i];
                let expiry = d.assessment.primary.as_ref().map(|p| p.cert.not_after);
                let group = grouping.key(d).map(str::to_owned);
                (
                    group.is_none(),
                    group,
                    Reverse(d.assessment.severity),
                    expiry.is_none(),
                    expiry,
                    d.config.name.clone(),
                    i,
                )
            };
            key(a).cmp(&key(b))
        });
        shown
    }

    fn check(order: &mut ListOrder, domains: &[DomainStatus], filter: &str, what: &str) {
        order.settle(domains, filter);
        let want = expected_grouped(domains, filter, order.grouping());
        assert_eq!(order.visible(), want.as_slice(), "after {what}");
        for i in 0..domains.len() {
            assert_eq!(
                order.position(i),
                want.iter().position(|&j| j == i),
                "position of {i} after {what}"
            );
        }
        let mut counts = [0; 4];
        for d in domains {
            counts[slot(d.assessment.severity)] += 1;
        }
        assert_eq!(order.counts(), counts, "counts after {what}");
    }

    #[test]
    fn the_kept_order_is_the_order_sorted_afresh_after_any_changes() {
        let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
        let mut domains = fleet(300, &mut dice);
        let mut order = ListOrder::new(&domains);
        check(&mut order, &domains, "", "the start");
        let filters = ["", "tenant1", "CRIT", "ok", "fs3.idp", "EXAMPLE", "zz", "n"];
        let mut filter = "";
        for round in 0..400 {
            let what = match dice.roll(5) {
                0 => {
                    filter = filters[dice.roll(filters.len())];
                    "a new filter"
                }
                1 => {
                    // A refresh moved the identity provider.
                    let i = dice.roll(domains.len());
                    domains[i].config.metadata_url =
                        format!("https://moved{round}.idp.test/metadata.xml");
                    order.mark(i, Change::Facts);
                    "a new host"
                }
                2 if round % 40 == 2 => {
                    let i = dice.roll(domains.len());
                    domains[i].config.name = format!("renamed{round}.example");
                    order.mark(i, Change::Facts);
                    "a new name"
                }
                _ => {
                    // A tick's share: one, a few (moved one by one) or many (merged).
                    let many = [1, 2, MOVE_ONE_BY_ONE, MOVE_ONE_BY_ONE + 1, 40, 300];
                    for _ in 0..many[dice.roll(many.len())] {
                        let i = dice.roll(domains.len());
                        reassess(&mut domains[i], &mut dice);
                        order.mark(i, Change::Verdict);
                    }
                    "re-assessments"
                }
            };
            check(
                &mut order,
                &domains,
                filter,
                &format!("{what} (round {round})"),
            );
        }
    }

    /// A tenant for some domains (`None` for a few): one of three.
    fn assign_tenant(d: &mut DomainStatus, dice: &mut Dice) {
        d.config.tenant = ["contoso", "fabrikam", "adatum", ""]
            .get(dice.roll(4))
            .filter(|t| !t.is_empty())
            .map(|t| (*t).to_owned());
    }

    /// Random changes to a grouped list, each followed by [`check`].
    struct Churn<'a> {
        filters: &'a [&'a str],
        /// What a change of the grouping's facts is called, and how it changes one domain.
        facts: (&'a str, fn(&mut DomainStatus, &mut Dice)),
        /// The grouping moves on to the next in one round of this many, at most.
        regroup_every: usize,
        /// The most domains re-assessed in one round.
        many: usize,
    }

    impl Churn<'_> {
        fn run(&self, order: &mut ListOrder, domains: &mut [DomainStatus], dice: &mut Dice) {
            let mut filter = "";
            for round in 0..300 {
                let what = match dice.roll(4) {
                    0 => {
                        filter = self.filters[dice.roll(self.filters.len())];
                        "a new filter"
                    }
                    1 => {
                        let (what, change) = self.facts;
                        let i = dice.roll(domains.len());
                        change(&mut domains[i], dice);
                        order.mark(i, Change::Facts);
                        what
                    }
                    2 if round % self.regroup_every == 2 => {
                        let next = order.grouping().next();
                        order.set_grouping(next, domains);
                        "the next grouping"
                    }
                    _ => {
                        for _ in 0..[1, 3, MOVE_ONE_BY_ONE + 1, self.many][dice.roll(4)] {
                            let i = dice.roll(domains.len());
                            reassess(&mut domains[i], dice);
                            order.mark(i, Change::Verdict);
                        }
                        "re-assessments"
                    }
                };
                let what = format!("{what} (round {round}, {:?})", order.grouping());
                check(order, domains, filter, &what);
            }
        }
    }

    #[test]
    fn grouped_by_tenant_the_kept_order_is_still_the_order_sorted_afresh() {
        let mut dice = Dice(0x2545_F491_4F6C_DD1D);
        let mut domains = fleet(200, &mut dice);
        for d in &mut domains {
            assign_tenant(d, &mut dice);
        }
        let mut order = ListOrder::new(&domains);
        check(&mut order, &domains, "", "the start, not grouped");
        order.set_grouping(Grouping::Tenant, &domains);
        assert_eq!(order.grouping(), Grouping::Tenant);
        check(&mut order, &domains, "", "grouped");
        Churn {
            filters: &["", "fabrikam", "CRIT", "tenant1", "ada"],
            // The domain moved to another tenant (a config reload).
            facts: ("a new tenant", assign_tenant),
            regroup_every: 50,
            many: 50,
        }
        .run(&mut order, &mut domains, &mut dice);
        assert_eq!(Grouping::None.next(), Grouping::Tenant);
    }

    /// Metadata naming the entityID of IdP `idp` (`None`: not read yet).
    fn read_as(d: &mut DomainStatus, idp: Option<usize>) {
        d.last_good = idp.map(|n| {
            let facts = crate::assess::IdpFacts::test_adfs(
                format!("http://fs{n}.idp.test/adfs/services/trust"),
                Vec::new(),
            );
            Box::new(crate::domain::Snapshot::test(
                d.config.metadata_url.clone(),
                facts,
                t0(),
            ))
        });
    }

    /// Metadata naming one of five IdPs, or none read yet.
    fn read_any(d: &mut DomainStatus, dice: &mut Dice) {
        let idp = dice.roll(7);
        read_as(d, (idp < 5).then_some(idp));
    }

    #[test]
    fn grouped_by_idp_the_kept_order_is_still_the_order_sorted_afresh() {
        let mut dice = Dice(0xC0FF_EE00_1234_5678);
        let mut domains = fleet(150, &mut dice);
        for d in &mut domains {
            read_any(d, &mut dice);
            assign_tenant(d, &mut dice);
        }
        let mut order = ListOrder::new(&domains);
        order.set_grouping(Grouping::Idp, &domains);
        check(&mut order, &domains, "", "grouped by IdP");
        // Each IdP's domains together, the IdPs in entityID order, the domains not read last.
        let idps: Vec<Option<&str>> = order
            .visible()
            .iter()
            .map(|&i| domains[i].entity_id())
            .collect();
        let mut sorted = idps.clone();
        sorted.sort_by_key(|idp| (idp.is_none(), *idp));
        assert_eq!(idps, sorted);
        assert!(idps.first().is_some_and(Option::is_some), "{idps:?}");
        Churn {
            filters: &["", "tenant1", "CRIT", "ok", "fs3.idp"],
            // Read for the first time, or its metadata names another IdP now.
            facts: ("another entityID", read_any),
            regroup_every: 40,
            many: 60,
        }
        .run(&mut order, &mut domains, &mut dice);
        assert_eq!(Grouping::Tenant.next(), Grouping::Idp);
        assert_eq!(Grouping::Idp.next(), Grouping::None);
    }

    #[test]
    fn a_domain_marked_twice_is_looked_at_once_and_an_unknown_index_is_ignored() {
        let mut dice = Dice(7);
        let mut domains = fleet(20, &mut dice);
        let mut order = ListOrder::new(&domains);
        domains[4].assessment.severity = Severity::Critical;
        domains[4].assessment.primary = None;
        order.mark(4, Change::Verdict);
        order.mark(4, Change::Facts);
        order.mark(99, Change::Facts);
        assert_eq!(order.changed, vec![4]);
        check(&mut order, &domains, "", "two marks");
    }
}
