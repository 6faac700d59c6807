//! Each domain's certificate history (DESIGN.md §6.5): which certificates fedcert saw the IdP
//! publish, and which it saw Entra trust, with when it saw each first and last. It is what tells
//! a certificate the IdP retired (rule B2: stale, flush it) from one it never published (B1: the
//! federation-backdoor pattern).
//!
//! Saved as `history/<domain>.json` in the data dir through [`crate::store`] (atomic temp +
//! rename under a lock; a corrupt file is moved aside with a warning, never silently reset). The
//! poller records every successful read (`check`, the TUI and `serve` alike); merging is a union
//! with the earliest first and the latest last sighting, so two processes recording the same
//! domain, in any order, agree.

use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasher;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cert::Sha1;
use crate::store::{self, Record, Store, StoreError};

/// The on-disk format of [`CertHistory`]; bump it when the shape changes incompatibly.
pub const HISTORY_FORMAT: u32 = 1;

/// When fedcert saw one certificate, first and last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sighting {
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

impl Sighting {
    fn at(at: DateTime<Utc>) -> Self {
        Self {
            first_seen: at,
            last_seen: at,
        }
    }

    fn widen(&mut self, other: Self) {
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
    }
}

/// One domain's history: certificates by thumbprint, each with its sightings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertHistory {
    pub format: u32,
    pub domain: String,
    /// Certificates the IdP's metadata published (signing and encryption), by thumbprint.
    #[serde(default)]
    pub published: BTreeMap<Sha1, Sighting>,
    /// Certificates Entra ID held as signing or next-signing certificate, as read through
    /// Microsoft Graph.
    #[serde(default)]
    pub trusted: BTreeMap<Sha1, Sighting>,
}

/// The data dir's sub-directory of the histories.
const DIR: &str = "history";

/// Saved as `history/<domain>.json` in the data dir, one file per domain.
impl Record for CertHistory {
    const FORMAT: u32 = HISTORY_FORMAT;
    const WHAT: &'static str = "certificate history";

    fn file_name(domain: &str) -> String {
        format!("{DIR}/{}.json", store::file_stem(domain))
    }

    fn fresh(domain: &str) -> Self {
        Self::new(domain)
    }
}

/// What one refresh saw, for the history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    /// The certificates the metadata published, when it was read.
    pub published: Option<Vec<Sha1>>,
    /// The certificates Entra held, when Graph was read.
    pub trusted: Option<Vec<Sha1>>,
}

impl Observation {
    pub fn is_empty(&self) -> bool {
        self.published.is_none() && self.trusted.is_none()
    }
}

/// The names of the saved histories' files, listed once so that a fleet of 10,000 domains
/// looks up only those that have one ([`load_listed`]); `None` when the data dir cannot be
/// listed.
pub fn saved_names(store: &Store) -> Option<HashSet<String>> {
    store.file_names_in(DIR)
}

/// `domain`'s saved history; `Ok(None)` when `listed` ([`saved_names`]) shows that none is
/// saved (without a listing, it is looked up). A corrupt file is moved aside and reported.
pub fn load_listed<S: BuildHasher>(
    store: &Store,
    domain: &str,
    listed: Option<&HashSet<String, S>>,
) -> Result<Option<CertHistory>, StoreError> {
    let mut name = store::file_stem(domain);
    name.push_str(".json");
    if listed.is_some_and(|names| !names.contains(&name)) {
        return Ok(None);
    }
    store.load::<CertHistory>(domain).map(Some)
}

/// Up to this many domains, [`read_saved`] looks up each one's file instead of listing the
/// history directory (which holds a file for every domain the data dir has seen).
const LOOK_UP_AT_MOST: usize = 32;

/// The saved history of each of `domains` (by its place in the list, in order) that has one,
/// or why its file was not used (the store has moved it aside). A fleet lists the directory
/// once; a few domains (`check --domain`) look theirs up.
pub fn read_saved<'a>(
    store: &Store,
    domains: impl ExactSizeIterator<Item = &'a str>,
) -> Vec<(usize, Result<CertHistory, StoreError>)> {
    let listed = (domains.len() > LOOK_UP_AT_MOST)
        .then(|| saved_names(store))
        .flatten();
    domains
        .enumerate()
        .filter_map(|(i, domain)| {
            Some((i, load_listed(store, domain, listed.as_ref()).transpose()?))
        })
        // Looked up, a domain without a file reads as an empty history: it has none.
        .filter(|(_, read)| {
            !read
                .as_ref()
                .is_ok_and(|h| h.published.is_empty() && h.trusted.is_empty())
        })
        .collect()
}

/// Add what one refresh saw at `at` to `domain`'s saved history, under the store's lock (load,
/// record, write atomically). A corrupt file is moved aside and reported; the next save starts
/// a new one.
pub fn save(
    store: &Store,
    domain: &str,
    seen: &Observation,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    store.update::<CertHistory, _>(domain, |history| history.record(seen, at))
}

impl CertHistory {
    pub fn new(domain: impl Into<String>) -> Self {
        Self {
            format: HISTORY_FORMAT,
            domain: domain.into(),
            published: BTreeMap::new(),
            trusted: BTreeMap::new(),
        }
    }

    /// Take in what one refresh saw at `at`.
    pub fn record(&mut self, seen: &Observation, at: DateTime<Utc>) {
        for (sha1s, map) in [
            (seen.published.as_deref(), &mut self.published),
            (seen.trusted.as_deref(), &mut self.trusted),
        ] {
            for sha1 in sha1s.into_iter().flatten() {
                map.entry(*sha1)
                    .and_modify(|s| s.widen(Sighting::at(at)))
                    .or_insert_with(|| Sighting::at(at));
            }
        }
    }

    /// Everything `other` knows, added to this: the union, earliest first and latest last
    /// sighting. Commutative, so it does not matter who recorded first.
    pub fn merge(&mut self, other: &Self) {
        for (mine, theirs) in [
            (&mut self.published, &other.published),
            (&mut self.trusted, &other.trusted),
        ] {
            for (sha1, sighting) in theirs {
                mine.entry(*sha1)
                    .and_modify(|s| s.widen(*sighting))
                    .or_insert(*sighting);
            }
        }
    }

    /// When fedcert saw the IdP publish `sha1`.
    pub fn published(&self, sha1: Sha1) -> Option<Sighting> {
        self.published.get(&sha1).copied()
    }

    /// When fedcert saw Entra trust `sha1`.
    pub fn trusted(&self, sha1: Sha1) -> Option<Sighting> {
        self.trusted.get(&sha1).copied()
    }

    /// When fedcert first read Entra's side of this domain through Graph.
    pub fn trusted_since(&self) -> Option<DateTime<Utc>> {
        self.trusted.values().map(|s| s.first_seen).min()
    }

    /// Entra began to trust `sha1` while fedcert was watching it: fedcert had read Entra's
    /// side before without it.
    pub fn trust_began_while_watched(&self, sha1: Sha1) -> bool {
        match (self.trusted(sha1), self.trusted_since()) {
            (Some(seen), Some(since)) => seen.first_seen > since,
            _ => false,
        }
    }

    /// The published certificates, first seen first (`check --json` `history`).
    pub fn published_in_order(&self) -> Vec<(Sha1, Sighting)> {
        let mut list: Vec<(Sha1, Sighting)> =
            self.published.iter().map(|(k, v)| (*k, *v)).collect();
        list.sort_by_key(|(sha1, s)| (s.first_seen, s.last_seen, *sha1));
        list
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    const A: Sha1 = Sha1([0xAA; 20]);
    const B: Sha1 = Sha1([0xBB; 20]);

    fn seen(published: &[Sha1], trusted: Option<&[Sha1]>) -> Observation {
        Observation {
            published: Some(published.to_vec()),
            trusted: trusted.map(<[Sha1]>::to_vec),
        }
    }

    #[test]
    fn a_listing_says_which_histories_to_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().to_path_buf());
        assert_eq!(
            saved_names(&store),
            Some(HashSet::new()),
            "no history dir yet"
        );
        save(
            &store,
            "Contoso.com",
            &seen(&[A], None),
            at("2026-12-01T09:00:00Z"),
        )
        .unwrap();
        let listed = saved_names(&store).unwrap();
        assert!(listed.contains("contoso.com.json"), "{listed:?}");
        let saved = load_listed(&store, "contoso.com", Some(&listed)).unwrap();
        assert!(saved.unwrap().published(A).is_some());
        // Not listed: not read, though a file would be there by now.
        let before = HashSet::new();
        save(
            &store,
            "fabrikam.com",
            &seen(&[B], None),
            at("2026-12-01T09:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            load_listed(&store, "fabrikam.com", Some(&before)).unwrap(),
            None
        );
        // Without a listing, it is looked up.
        let saved = load_listed::<std::hash::RandomState>(&store, "fabrikam.com", None).unwrap();
        assert!(saved.unwrap().published(B).is_some());
    }

    #[test]
    fn sightings_widen_and_merging_is_order_free() {
        let mut one = CertHistory::new("contoso.com");
        one.record(&seen(&[A], Some(&[A])), at("2026-12-01T09:00:00Z"));
        one.record(&seen(&[A, B], None), at("2026-12-02T09:00:00Z"));
        assert_eq!(
            one.published(A),
            Some(Sighting {
                first_seen: at("2026-12-01T09:00:00Z"),
                last_seen: at("2026-12-02T09:00:00Z")
            })
        );
        assert_eq!(
            one.published(B).unwrap().first_seen,
            at("2026-12-02T09:00:00Z")
        );
        // An older record from another process widens, it never narrows.
        let mut other = CertHistory::new("contoso.com");
        other.record(&seen(&[A], None), at("2026-11-20T09:00:00Z"));
        let (mut x, mut y) = (one.clone(), other.clone());
        x.merge(&other);
        y.merge(&one);
        assert_eq!(x, y);
        assert_eq!(
            x.published(A).unwrap().first_seen,
            at("2026-11-20T09:00:00Z")
        );
        assert_eq!(
            x.published(A).unwrap().last_seen,
            at("2026-12-02T09:00:00Z")
        );
    }

    #[test]
    fn trust_began_while_watched_only_after_the_first_read_of_entra() {
        let mut h = CertHistory::new("contoso.com");
        assert!(!h.trust_began_while_watched(A), "never read");
        h.record(&seen(&[], Some(&[A])), at("2026-12-01T09:00:00Z"));
        assert!(!h.trust_began_while_watched(A), "there at the first look");
        h.record(&seen(&[], Some(&[A, B])), at("2026-12-01T09:15:00Z"));
        assert!(h.trust_began_while_watched(B), "appeared later");
        assert!(!h.trust_began_while_watched(A));
    }

    #[test]
    fn the_file_round_trips_with_thumbprints_as_keys() {
        let mut h = CertHistory::new("contoso.com");
        h.record(&seen(&[A], Some(&[B])), at("2026-12-01T09:00:00Z"));
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.contains(&format!("\"{A}\"")), "{json}");
        assert_eq!(serde_json::from_str::<CertHistory>(&json).unwrap(), h);
    }
}
