//! `basic_auth_users`: HTTP basic auth against bcrypt hashes.
//!
//! - The user name is compared in constant time (SHA-256 digests, compared with `subtle`, over
//!   every configured user without an early exit), and an unknown user still costs one bcrypt
//!   verification (against the first user's hash, whose answer is then ignored), so neither the
//!   answer's timing nor its content says which names exist.
//! - bcrypt is slow by design (about 70 ms at cost 10), too slow for every scrape. A successful
//!   check is remembered as an HMAC-SHA-256 of user and password under a key drawn at random
//!   when the config is loaded, never the password itself; failures are never remembered, so
//!   guessing always costs a full bcrypt. Verifications run one at a time on the blocking pool,
//!   so a flood of wrong passwords cannot take every core.
//! - Each load of the web config (start, SIGHUP) starts with an empty memory, so a changed or
//!   removed password stops working at once.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use hyper::header::HeaderValue;
use ring::hmac;
use sha2::{Digest as _, Sha256};
use subtle::{ConditionallySelectable as _, ConstantTimeEq as _};
use tokio::sync::Semaphore;

/// How many successful (user, password) pairs are remembered; Prometheus servers scraping with
/// their one password each need a handful.
const REMEMBERED: usize = 64;

pub struct BasicAuth {
    users: Vec<User>,
    /// HMACs of (user, password) pairs that passed bcrypt.
    accepted: Mutex<HashSet<[u8; 32]>>,
    /// The key of those HMACs; `None` when the system's random source failed, and then nothing
    /// is remembered.
    key: Option<hmac::Key>,
    /// One bcrypt at a time.
    bcrypt: Semaphore,
}

struct User {
    name_digest: [u8; 32],
    hash: String,
}

impl BasicAuth {
    /// `users` is never empty (an empty `basic_auth_users` means no basic auth).
    pub fn new(users: BTreeMap<String, String>) -> Self {
        let users = users
            .into_iter()
            .map(|(name, hash)| User {
                name_digest: Sha256::digest(name.as_bytes()).into(),
                hash,
            })
            .collect();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &ring::rand::SystemRandom::new()).ok();
        Self {
            users,
            accepted: Mutex::new(HashSet::new()),
            key,
            bcrypt: Semaphore::new(1),
        }
    }

    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Whether `authorization` (the request's header) names a configured user and its password.
    pub async fn check(&self, authorization: Option<&HeaderValue>) -> bool {
        let Some((user, password)) = authorization.and_then(credentials) else {
            return false;
        };
        let (index, known) = self.find(&user);
        let tag = self.tag(&user, &password, index);
        if known && tag.is_some_and(|tag| self.remembered(&tag)) {
            return true;
        }
        let Ok(_permit) = self.bcrypt.acquire().await else {
            return false;
        };
        let hash = self.users[index].hash.clone();
        let verified = tokio::task::spawn_blocking(move || bcrypt::verify(&password, &hash))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(false);
        let ok = known && verified;
        if let (true, Some(tag)) = (ok, tag) {
            let mut accepted = self.accepted.lock().unwrap_or_else(PoisonError::into_inner);
            if accepted.len() >= REMEMBERED {
                accepted.clear();
            }
            accepted.insert(tag);
        }
        ok
    }

    /// The index of the user named `user` (0 when there is none) and whether there is one,
    /// looked at every user in constant time.
    fn find(&self, user: &[u8]) -> (usize, bool) {
        let digest: [u8; 32] = Sha256::digest(user).into();
        let mut index = 0u32;
        let mut found = subtle::Choice::from(0);
        for (i, candidate) in self.users.iter().enumerate() {
            let same = candidate.name_digest.ct_eq(&digest);
            // Users come from one config file: far fewer than u32::MAX.
            #[allow(clippy::cast_possible_truncation)]
            let i = i as u32;
            index = u32::conditional_select(&index, &i, same);
            found |= same;
        }
        (index as usize, bool::from(found))
    }

    fn tag(&self, user: &[u8], password: &[u8], index: usize) -> Option<[u8; 32]> {
        let mut context = hmac::Context::with_key(self.key.as_ref()?);
        for part in [user, password] {
            context.update(&(part.len() as u64).to_be_bytes());
            context.update(part);
        }
        context.update(&(index as u64).to_be_bytes());
        let mut tag = [0u8; 32];
        tag.copy_from_slice(context.sign().as_ref());
        Some(tag)
    }

    fn remembered(&self, tag: &[u8; 32]) -> bool {
        self.accepted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(tag)
    }
}

/// `Basic base64(user:password)` → (user, password), as bytes (RFC 7617 leaves the charset to
/// the client; the comparison is of bytes).
fn credentials(header: &HeaderValue) -> Option<(Vec<u8>, Vec<u8>)> {
    let text = header.to_str().ok()?.trim();
    let (scheme, encoded) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some((decoded[..colon].to_vec(), decoded[colon + 1..].to_vec()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn header(user: &str, password: &str) -> HeaderValue {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        HeaderValue::from_str(&format!("Basic {encoded}")).unwrap()
    }

    fn auth() -> BasicAuth {
        BasicAuth::new(BTreeMap::from([
            ("alice".to_owned(), bcrypt::hash("wonderland", 4).unwrap()),
            ("bob".to_owned(), bcrypt::hash("builder", 4).unwrap()),
        ]))
    }

    #[tokio::test]
    async fn the_right_user_and_password_pass_and_nothing_else_does() {
        let auth = auth();
        assert!(auth.check(Some(&header("alice", "wonderland"))).await);
        assert!(auth.check(Some(&header("bob", "builder"))).await);
        assert!(!auth.check(Some(&header("alice", "builder"))).await);
        assert!(!auth.check(Some(&header("bob", "wonderland"))).await);
        // An unknown user with the first user's password: bcrypt says yes, the name says no.
        assert!(!auth.check(Some(&header("mallory", "wonderland"))).await);
        assert!(!auth.check(Some(&header("Alice", "wonderland"))).await);
        assert!(!auth.check(None).await);
        let bearer = HeaderValue::from_static("Bearer abc");
        assert!(!auth.check(Some(&bearer)).await);
        let no_colon = HeaderValue::from_str(&format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("alice")
        ))
        .unwrap();
        assert!(!auth.check(Some(&no_colon)).await);
        let not_base64 = HeaderValue::from_static("Basic !!!");
        assert!(!auth.check(Some(&not_base64)).await);
        // The scheme is case-insensitive.
        let lower = HeaderValue::from_str(
            &header("alice", "wonderland")
                .to_str()
                .unwrap()
                .replace("Basic", "basic"),
        )
        .unwrap();
        assert!(auth.check(Some(&lower)).await);
    }

    #[tokio::test]
    async fn only_successes_are_remembered_and_never_the_password() {
        let auth = auth();
        assert!(!auth.check(Some(&header("alice", "guess"))).await);
        assert!(auth.accepted.lock().unwrap().is_empty());
        assert!(auth.check(Some(&header("alice", "wonderland"))).await);
        let remembered: Vec<[u8; 32]> = auth.accepted.lock().unwrap().iter().copied().collect();
        assert_eq!(remembered.len(), 1);
        assert_eq!(Some(remembered[0]), auth.tag(b"alice", b"wonderland", 0));
        assert!(
            !remembered[0]
                .windows(b"wonderland".len())
                .any(|w| w == b"wonderland")
        );
        // A remembered pair passes without bcrypt: with the semaphore held, it answers at once
        // (a check that needed bcrypt would wait for the permit).
        let held = auth.bcrypt.acquire().await.unwrap();
        let wonderland = header("alice", "wonderland");
        let at_once = futures_util::FutureExt::now_or_never(auth.check(Some(&wonderland)));
        assert_eq!(at_once, Some(true));
        let builder = header("bob", "builder");
        let waits = futures_util::FutureExt::now_or_never(auth.check(Some(&builder)));
        assert_eq!(
            waits, None,
            "bob was never checked: bcrypt, so the permit, is needed"
        );
        drop(held);
    }

    #[test]
    fn the_user_is_found_by_name_whatever_its_place() {
        let auth = auth();
        assert_eq!(auth.find(b"alice"), (0, true));
        assert_eq!(auth.find(b"bob"), (1, true));
        assert_eq!(auth.find(b"carol"), (0, false));
        assert_eq!(auth.find(b""), (0, false));
    }
}
