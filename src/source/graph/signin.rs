//! The operator's saved sign-in (DESIGN.md §6.3): one private record per tenant in the data dir
//! (`signin/<tenant>.json`, mode 0600, written atomically like all state) holding the refresh
//! token that `fedcert login` obtained, who signed in, and until when the sign-in lasts. Access
//! tokens come from it (`grant_type=refresh_token`, [`super::GraphClient`]); Entra answers each
//! use with a new refresh token, which replaces the saved one.
//!
//! The refresh token never leaves this module except into the token request's body: the record
//! has a hand-written `Debug`, and [`SignInStatus`] (what `login --status` shows) holds no token.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::credential::{Secret, refuse_if_shared};
use crate::store::{Record, Store, StoreError, file_stem};

/// How long Entra keeps a refresh token of a public client that is not used (its documented
/// default; it cannot be configured). Each use renews it.
pub const REFRESH_TOKEN_LIFETIME: TimeDelta = TimeDelta::days(90);

/// The saved sign-in of one tenant, as `fedcert login` left it and refreshes renew it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// The tenant as the config names it (`tenant_id`): the record's key.
    pub tenant_id: String,
    /// The authority and the client it was obtained from: a refresh token works only there.
    pub authority: String,
    pub client_id: String,
    /// Who signed in: the id token's `preferred_username` (or `upn`), and `name`.
    pub account: Option<String>,
    pub display_name: Option<String>,
    /// The scopes asked for at sign-in; each refresh asks for the same.
    pub scopes: Vec<String>,
    pub signed_in_at: DateTime<Utc>,
    /// When the refresh token was last renewed (the sign-in, or the latest refresh).
    pub renewed_at: DateTime<Utc>,
    /// When the refresh token lapses if it is not used before.
    pub expires_at: DateTime<Utc>,
    /// Entra refused the refresh token (expired, revoked, password changed, MFA needed): no
    /// token comes from it until the operator signs in again.
    pub refused: Option<Refusal>,
    #[serde(with = "secret_text")]
    refresh_token: Secret,
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignIn")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("account", &self.account)
            .field("signed_in_at", &self.signed_in_at)
            .field("renewed_at", &self.renewed_at)
            .field("expires_at", &self.expires_at)
            .field("refused", &self.refused)
            .field("refresh_token", &self.refresh_token)
            .finish_non_exhaustive()
    }
}

/// Why Entra refused the saved refresh token, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub at: DateTime<Utc>,
    /// The AADSTS code, when Entra gave one (700082: expired after 90 days unused; 50173:
    /// password changed or sessions revoked; …).
    pub aadsts: Option<u32>,
    /// Entra's words, on one line.
    pub detail: String,
}

impl SignIn {
    /// A fresh sign-in from a token answer at `now` (this machine's real clock).
    pub(super) fn new(
        tenant_id: &str,
        authority: &str,
        client_id: &str,
        scopes: Vec<String>,
        granted: &Granted,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.to_owned(),
            authority: authority.to_owned(),
            client_id: client_id.to_owned(),
            account: granted.identity.account.clone(),
            display_name: granted.identity.name.clone(),
            scopes,
            signed_in_at: now,
            renewed_at: now,
            expires_at: now + granted.refresh_lifetime,
            refused: None,
            refresh_token: granted.refresh_token.clone(),
        }
    }

    /// The refresh token, for the one place that sends it (the token request's body).
    pub(super) fn refresh_token(&self) -> &Secret {
        &self.refresh_token
    }

    /// What `fedcert login --status` shows of it: everything but the token.
    pub fn status(&self) -> SignInStatus {
        SignInStatus {
            tenant_id: self.tenant_id.clone(),
            client_id: self.client_id.clone(),
            account: self.account.clone(),
            display_name: self.display_name.clone(),
            scopes: self.scopes.clone(),
            signed_in_at: self.signed_in_at,
            renewed_at: self.renewed_at,
            expires_at: self.expires_at,
            refused: self.refused.clone(),
        }
    }
}

/// Graph cannot be read for a tenant until the operator signs in (again).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInNeeded {
    /// The tenant as `--tenant` takes it (its name, else its `tenant_id`).
    pub tenant: String,
    pub why: SignInWhy,
}

/// Why a sign-in is needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInWhy {
    /// Nobody has signed in to the tenant (or `fedcert logout` forgot the sign-in).
    NotSignedIn,
    /// Entra refused the saved sign-in.
    Refused(Refusal),
    /// The saved sign-in was made with another client or authority than the config names now.
    OtherClient { saved: String },
    /// The saved sign-in cannot be read or used (a file others may read, a newer format, …).
    Unreadable(String),
}

impl SignInNeeded {
    /// The command that signs in: `fedcert login --tenant NAME`.
    pub fn command(&self) -> String {
        format!("fedcert login --tenant {}", self.tenant)
    }
}

impl fmt::Display for SignInNeeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (tenant, command) = (&self.tenant, self.command());
        match &self.why {
            SignInWhy::NotSignedIn => {
                write!(
                    f,
                    "tenant {tenant}: nobody is signed in; sign in: {command}"
                )
            }
            SignInWhy::Refused(refusal) => write!(
                f,
                "tenant {tenant}: sign in again: {command} (Entra refused the saved sign-in on {}: {})",
                refusal.at.format("%Y-%m-%d %H:%M UTC"),
                refusal.detail
            ),
            SignInWhy::OtherClient { saved } => write!(
                f,
                "tenant {tenant}: sign in again: {command} (the saved sign-in is for {saved}, not for the client and authority the config names now)"
            ),
            SignInWhy::Unreadable(why) => write!(
                f,
                "tenant {tenant}: sign in again: {command} (the saved sign-in cannot be used: {why})"
            ),
        }
    }
}

/// A saved sign-in without its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInStatus {
    pub tenant_id: String,
    pub client_id: String,
    pub account: Option<String>,
    pub display_name: Option<String>,
    pub scopes: Vec<String>,
    pub signed_in_at: DateTime<Utc>,
    pub renewed_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub refused: Option<Refusal>,
}

/// What a successful token answer granted: the refresh token, how long it lasts, who signed in.
pub(super) struct Granted {
    pub refresh_token: Secret,
    pub refresh_lifetime: TimeDelta,
    pub identity: Identity,
}

/// Who signed in, from the id token's claims.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Identity {
    pub account: Option<String>,
    pub name: Option<String>,
}

impl Identity {
    /// The claims of an id token (a JWT: header, claims, signature, base64url). It came straight
    /// from the token endpoint over TLS and is only shown, never trusted for a decision, so its
    /// signature is not checked. Anything unreadable is no identity.
    pub(super) fn from_id_token(token: &str) -> Self {
        use base64::Engine as _;
        let claims = token
            .split('.')
            .nth(1)
            .and_then(|part| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(part.trim_end_matches('='))
                    .ok()
            })
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
        let claim = |name: &str| {
            claims
                .as_ref()
                .and_then(|c| c.get(name))
                .and_then(serde_json::Value::as_str)
                .map(printable)
                .filter(|s| !s.is_empty())
        };
        Self {
            account: claim("preferred_username")
                .or_else(|| claim("upn"))
                .or_else(|| claim("email")),
            name: claim("name"),
        }
    }
}

/// Text from the network made safe for a terminal: control characters (escape sequences)
/// become spaces, and it is cut to a sane length.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(600)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The file that holds a tenant's sign-in (`None` inside: signed out).
#[derive(Serialize, Deserialize)]
struct SignInRecord {
    format: u32,
    #[serde(default)]
    sign_in: Option<SignIn>,
}

impl Record for SignInRecord {
    const FORMAT: u32 = 1;
    const WHAT: &'static str = "a saved sign-in";
    const PRIVATE: bool = true;

    fn file_name(key: &str) -> String {
        format!("signin/{}.json", file_stem(key))
    }

    fn fresh(_: &str) -> Self {
        Self {
            format: Self::FORMAT,
            sign_in: None,
        }
    }
}

/// The saved sign-ins in a data dir.
#[derive(Clone, Debug)]
pub struct SignIns {
    store: Store,
    /// This machine's real clock, for the record's times (tests fix it). A `--now` rehearsal
    /// does not change when someone signed in.
    clock: fn() -> DateTime<Utc>,
}

impl SignIns {
    /// The sign-ins kept in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self {
            store: Store::at(dir),
            clock: Utc::now,
        }
    }

    /// The same sign-ins, their times read from `clock` (tests).
    #[must_use]
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Where the sign-in of `tenant_id` is kept.
    pub fn path(&self, tenant_id: &str) -> PathBuf {
        self.store
            .dir()
            .join(SignInRecord::file_name(&key(tenant_id)))
    }

    /// Which file holds the sign-in of `tenant_id` now (its modification time and size), to
    /// notice a new sign-in or a logout without reading it; `None` when there is none.
    pub fn stamp(&self, tenant_id: &str) -> Option<FileStamp> {
        let meta = std::fs::metadata(self.path(tenant_id)).ok()?;
        Some(FileStamp {
            modified: meta.modified().ok()?,
            len: meta.len(),
        })
    }

    /// The saved sign-in of `tenant_id`, if any. A file that others may read is not used.
    pub fn load(&self, tenant_id: &str) -> Result<Option<SignIn>, StoreError> {
        let path = self.path(tenant_id);
        if path.exists() {
            private(&path)?;
        }
        Ok(self.store.load::<SignInRecord>(&key(tenant_id))?.sign_in)
    }

    /// Keep `sign_in`, replacing whatever was saved for its tenant.
    pub fn save(&self, sign_in: &SignIn) -> Result<(), StoreError> {
        let record = SignInRecord {
            format: SignInRecord::FORMAT,
            sign_in: Some(sign_in.clone()),
        };
        self.store.save(&key(&sign_in.tenant_id), &record)
    }

    /// Forget the sign-in of `tenant_id` (`fedcert logout`). `Ok(false)`: there was none.
    pub fn remove(&self, tenant_id: &str) -> Result<bool, StoreError> {
        self.store.remove::<SignInRecord>(&key(tenant_id))
    }

    /// Put the refresh token a refresh returned in place of the one it used, unless another
    /// sign-in has replaced the record meanwhile (`fedcert login` in another window wins).
    pub(super) fn renew(&self, used: &SignIn, granted: &Granted) -> Result<(), StoreError> {
        let now = self.now();
        self.store
            .update::<SignInRecord, ()>(&key(&used.tenant_id), |record| {
                if let Some(saved) = record
                    .sign_in
                    .as_mut()
                    .filter(|s| s.signed_in_at == used.signed_in_at)
                {
                    saved.refresh_token = granted.refresh_token.clone();
                    saved.renewed_at = now;
                    saved.expires_at = now + granted.refresh_lifetime;
                    saved.refused = None;
                    if granted.identity.account.is_some() {
                        saved.account.clone_from(&granted.identity.account);
                    }
                }
            })
    }

    /// Note that Entra refused the saved refresh token, so that no more requests are made with
    /// it and `login --status` says so; a newer sign-in is left alone.
    pub(super) fn refuse(
        &self,
        used: &SignIn,
        aadsts: Option<u32>,
        detail: &str,
    ) -> Result<Refusal, StoreError> {
        let refusal = Refusal {
            at: self.now(),
            aadsts,
            detail: detail.to_owned(),
        };
        let noted = refusal.clone();
        self.store
            .update::<SignInRecord, ()>(&key(&used.tenant_id), move |record| {
                if let Some(saved) = record
                    .sign_in
                    .as_mut()
                    .filter(|s| s.signed_in_at == used.signed_in_at)
                {
                    saved.refused = Some(noted);
                }
            })?;
        Ok(refusal)
    }
}

/// A saved sign-in's file as it stands: every write replaces it (a rename), which changes these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    modified: std::time::SystemTime,
    len: u64,
}

/// The record's key: the tenant as configured, case aside.
fn key(tenant_id: &str) -> String {
    tenant_id.trim().to_ascii_lowercase()
}

/// A sign-in file others may read is refused, as ssh refuses such keys.
fn private(path: &Path) -> Result<(), StoreError> {
    refuse_if_shared(path, "saved sign-in").map_err(|reason| StoreError::Io {
        path: path.display().to_string(),
        reason: format!("{reason}, or sign in again (fedcert login writes it 0600)"),
    })
}

/// The refresh token as a JSON string inside the private record, and nowhere else.
mod secret_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Secret;

    pub fn serialize<S: Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(secret.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Err(serde::de::Error::custom("refresh_token is empty"));
        }
        Ok(Secret::new(text))
    }
}

/// The scopes fedcert asks for: read the domains' federation settings (`Domain.Read.All`, least
/// privilege), stay signed in (`offline_access`), and know who signed in (`openid profile`);
/// `AuditLog.Read.All` only when asked for.
pub fn scopes(graph: &str, audit: bool) -> Vec<String> {
    let graph = graph.trim_end_matches('/');
    let mut scopes = vec![format!("{graph}/Domain.Read.All")];
    if audit {
        scopes.push(format!("{graph}/AuditLog.Read.All"));
    }
    scopes.extend(["offline_access", "openid", "profile"].map(str::to_owned));
    scopes
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn jwt(claims: &serde_json::Value) -> String {
        let part = |v: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        format!(
            "{}.{}.c2ln",
            part(&serde_json::json!({"alg": "none"})),
            part(claims)
        )
    }

    #[test]
    fn the_id_token_says_who_signed_in_and_nothing_else_is_trusted() {
        let identity = Identity::from_id_token(&jwt(&serde_json::json!({
            "preferred_username": "alice@contoso.example", "name": "Alice\u{1b}[31m Admin", "tid": "x"
        })));
        assert_eq!(identity.account.as_deref(), Some("alice@contoso.example"));
        assert_eq!(
            identity.name.as_deref(),
            Some("Alice [31m Admin"),
            "no escape"
        );
        assert_eq!(Identity::from_id_token("not a jwt"), Identity::default());
        let upn = Identity::from_id_token(&jwt(&serde_json::json!({"upn": "bob@x.example"})));
        assert_eq!(upn.account.as_deref(), Some("bob@x.example"));
    }

    #[test]
    fn the_record_never_shows_its_token_in_debug() {
        let granted = Granted {
            refresh_token: Secret::new("0.ARefreshTokenValue-xyz"),
            refresh_lifetime: REFRESH_TOKEN_LIFETIME,
            identity: Identity::default(),
        };
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let sign_in = SignIn::new(
            "t",
            "https://a",
            "c",
            scopes("https://g", false),
            &granted,
            now,
        );
        let shown = format!("{sign_in:?} {:?}", sign_in.status());
        assert!(!shown.contains("ARefreshTokenValue"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
        assert_eq!(sign_in.expires_at, now + TimeDelta::days(90));
    }

    #[test]
    fn scopes_are_least_privilege_unless_the_audit_log_is_asked_for() {
        assert_eq!(
            scopes("https://graph.microsoft.com/", false),
            [
                "https://graph.microsoft.com/Domain.Read.All",
                "offline_access",
                "openid",
                "profile"
            ]
        );
        assert!(
            scopes("https://graph.microsoft.us", true)
                .contains(&"https://graph.microsoft.us/AuditLog.Read.All".to_owned())
        );
    }
}
