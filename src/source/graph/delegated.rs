//! Graph as the signed-in operator: the device authorization grant (RFC 8628) that `fedcert
//! login` runs, and the access tokens that come from the saved sign-in afterwards.
//!
//! The device flow: `POST {authority}/{tenant}/oauth2/v2.0/devicecode` gives a user code and
//! Entra's message (open a URL, type the code); fedcert shows the message and polls the token
//! endpoint with `grant_type=urn:ietf:params:oauth:grant-type:device_code` every `interval`
//! seconds until the operator has signed in on another device: `authorization_pending` polls
//! on, `slow_down` adds five seconds to the interval, `expired_token` and a declined sign-in
//! end it. How it waits is a [`Pause`], so tests control time instead of sleeping.
//!
//! Afterwards each access token comes from the saved refresh token (`grant_type=refresh_token`);
//! Entra's answer carries a new refresh token, which replaces the saved one. A refresh token
//! that Entra refuses (`invalid_grant`: expired, revoked, password changed, MFA required) is
//! noted in the saved sign-in, so that no more requests are made with it, and every domain of
//! the tenant says "sign in again: fedcert login --tenant NAME" until someone does.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::BoxFuture;
use reqwest::header::ACCEPT;
use serde_json::Value;

use super::signin::{
    Granted, Identity, REFRESH_TOKEN_LIFETIME, SignIn, SignInNeeded, SignInWhy, SignIns, printable,
};
use super::{
    Answer, CachedToken, GraphClient, GraphError, Secret, access_token, field_of, seconds, setup,
    token_text,
};
use crate::store::StoreError;

/// The device code grant's `grant_type`.
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 8628 §3.5: `slow_down` adds five seconds to the polling interval.
const SLOW_DOWN: Duration = Duration::from_secs(5);
/// RFC 8628 §3.2: the interval when the server names none.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// Entra's codes last 15 minutes; an answer without `expires_in` gets as long.
const DEFAULT_EXPIRY: Duration = Duration::from_secs(900);

/// How the device flow waits between polls: [`real_pause`], or a test's.
pub type Pause = dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync;

/// Waiting as the clock goes.
pub fn real_pause() -> Box<Pause> {
    Box::new(|wait| Box::pin(tokio::time::sleep(wait)))
}

/// A started device sign-in: what the operator is shown, and the code fedcert polls with.
pub struct DeviceCode {
    /// Entra's instructions (URL and code), made safe for a terminal.
    pub message: String,
    pub user_code: String,
    pub verification_uri: String,
    /// How long the code stays valid.
    pub expires_in: Duration,
    /// The wait between polls that Entra asks for.
    pub interval: Duration,
    /// The scopes asked for, which the saved sign-in keeps asking for.
    pub scopes: Vec<String>,
    /// The code fedcert polls with (never shown).
    secret: Secret,
}

impl fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCode")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .field("device_code", &self.secret)
            .finish_non_exhaustive()
    }
}

/// Why `fedcert login` did not sign in. `Display` is one line.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The operator (or a policy) declined the sign-in on the sign-in page.
    #[error(
        "tenant {tenant}: the sign-in was declined (error {error}); nothing was saved — run fedcert login again to retry"
    )]
    Declined { tenant: String, error: String },
    /// The code expired before anyone signed in with it.
    #[error(
        "tenant {tenant}: the code expired before the sign-in finished ({minutes} minutes); nothing was saved — run fedcert login again for a new code"
    )]
    Expired { tenant: String, minutes: u64 },
    /// Entra refused the request (an AADSTS error), or it could not be reached.
    #[error("{0}")]
    Graph(#[from] GraphError),
    /// The sign-in succeeded, but it could not be saved.
    #[error("signed in, but the sign-in could not be saved: {0}")]
    Save(StoreError),
}

impl GraphClient {
    /// Start a device sign-in for `scopes` (`signin::scopes`): Entra's user code and message.
    pub async fn start_device_sign_in(&self, scopes: &[String]) -> Result<DeviceCode, LoginError> {
        let inner = &self.inner;
        let url = format!(
            "{}/{}/oauth2/v2.0/devicecode",
            inner.authority, inner.tenant
        );
        let form = [
            ("client_id", inner.client_id.clone()),
            ("scope", scopes.join(" ")),
        ];
        let answer = self.post_form(&url, &form).await?;
        let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
        if answer.status != 200 {
            return Err(self.token_failure(&url, &answer, json.as_ref()).into());
        }
        let text = |name: &str| {
            json.as_ref()
                .and_then(|j| field_of(j, name))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .filter(|s| !s.trim().is_empty())
        };
        let missing = |what: &str| GraphError::Answer {
            url: url.clone(),
            detail: format!("the device code answer holds no {what}"),
        };
        let device_code = text("device_code").ok_or_else(|| missing("device_code"))?;
        let user_code = printable(&text("user_code").ok_or_else(|| missing("user_code"))?);
        let verification_uri = printable(
            &text("verification_uri")
                .or_else(|| text("verification_url"))
                .ok_or_else(|| missing("verification_uri"))?,
        );
        let message = text("message").map_or_else(
            || {
                format!(
                    "To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."
                )
            },
            |m| printable(&m),
        );
        let duration = |name: &str, default: Duration| {
            seconds(json.as_ref(), name)
                .and_then(|n| u64::try_from(n).ok())
                .map_or(default, Duration::from_secs)
        };
        Ok(DeviceCode {
            message,
            user_code,
            verification_uri,
            expires_in: duration("expires_in", DEFAULT_EXPIRY),
            interval: duration("interval", DEFAULT_INTERVAL),
            scopes: scopes.to_vec(),
            secret: Secret::new(device_code),
        })
    }

    /// Poll until the operator has signed in with `code`, waiting with `pause` between polls,
    /// and return the sign-in (not saved yet: the caller saves it).
    pub async fn finish_device_sign_in(
        &self,
        code: &DeviceCode,
        pause: &Pause,
        sign_ins: &SignIns,
    ) -> Result<SignIn, LoginError> {
        let inner = &self.inner;
        let url = inner.token_url.clone();
        let mut interval = code.interval;
        let mut waited = Duration::ZERO;
        let expired = || LoginError::Expired {
            tenant: inner.name.clone(),
            minutes: code.expires_in.as_secs().div_ceil(60),
        };
        loop {
            // The server's `expired_token` is the authority; this bounds a server that never
            // says it (the time waited, not the clock, so tests stay exact).
            if waited >= code.expires_in {
                return Err(expired());
            }
            pause(interval).await;
            waited += interval;
            let form = [
                ("grant_type", DEVICE_CODE_GRANT.to_owned()),
                ("client_id", inner.client_id.clone()),
                ("device_code", code.secret.expose().to_owned()),
            ];
            let answer = self.post_form(&url, &form).await?;
            let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
            if answer.status == 200 {
                let granted = granted(&url, json.as_ref())?;
                return Ok(SignIn::new(
                    &inner.tenant,
                    &inner.authority,
                    &inner.client_id,
                    code.scopes.clone(),
                    &granted,
                    sign_ins.now(),
                ));
            }
            match oauth_error(json.as_ref()) {
                Some("authorization_pending") => {}
                Some("slow_down") => interval += SLOW_DOWN,
                Some("expired_token") => return Err(expired()),
                Some(error @ ("authorization_declined" | "access_denied")) => {
                    return Err(LoginError::Declined {
                        tenant: inner.name.clone(),
                        error: error.to_owned(),
                    });
                }
                _ => return Err(self.token_failure(&url, &answer, json.as_ref()).into()),
            }
        }
    }

    /// A bearer token from the operator's saved sign-in: the cached one while it is fresh and
    /// the sign-in it came from still stands, else one from the refresh token (saving the new
    /// refresh token Entra hands back).
    pub(super) async fn signed_in_token(
        &self,
        sign_ins: &SignIns,
        cached: &mut Option<CachedToken>,
        now: DateTime<Utc>,
    ) -> Result<Secret, GraphError> {
        let inner = &self.inner;
        let needed = |why| {
            GraphError::SignIn(SignInNeeded {
                tenant: inner.name.clone(),
                why,
            })
        };
        // `fedcert login` or `logout` in another window takes effect at the next read: the
        // cached token serves only while the saved sign-in's file is the one it came from.
        let stamp = sign_ins.stamp(&inner.tenant);
        if let Some(token) = cached
            .as_ref()
            .filter(|t| stamp.is_some() && t.file_stamp == stamp && now < t.refresh_after)
        {
            return Ok(token.access_token.clone());
        }
        let store = sign_ins.clone();
        let tenant = inner.tenant.clone();
        let saved = tokio::task::spawn_blocking(move || store.load(&tenant))
            .await
            .map_err(|e| setup(format!("reading the saved sign-in stopped: {e}")))?
            .map_err(|e| needed(SignInWhy::Unreadable(e.to_string())))?;
        let Some(saved) = saved else {
            *cached = None;
            return Err(needed(SignInWhy::NotSignedIn));
        };
        if !saved.client_id.eq_ignore_ascii_case(&inner.client_id)
            || saved.authority != inner.authority
        {
            *cached = None;
            return Err(needed(SignInWhy::OtherClient {
                saved: format!("client {} at {}", saved.client_id, saved.authority),
            }));
        }
        if let Some(refusal) = &saved.refused {
            *cached = None;
            return Err(needed(SignInWhy::Refused(refusal.clone())));
        }
        // Another process renewed the same sign-in: the token still serves.
        if let Some(token) = cached
            .as_mut()
            .filter(|t| t.signed_in_at == Some(saved.signed_in_at) && now < t.refresh_after)
        {
            token.file_stamp = stamp;
            return Ok(token.access_token.clone());
        }
        let url = inner.token_url.clone();
        let form = [
            ("grant_type", "refresh_token".to_owned()),
            ("client_id", inner.client_id.clone()),
            ("refresh_token", saved.refresh_token().expose().to_owned()),
            ("scope", saved.scopes.join(" ")),
        ];
        let answer = self.post_form(&url, &form).await?;
        let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
        if answer.status != 200 {
            let failure = self.token_failure(&url, &answer, json.as_ref());
            let refused = matches!(
                oauth_error(json.as_ref()),
                Some("invalid_grant" | "interaction_required")
            );
            if !refused {
                return Err(failure);
            }
            let (aadsts, detail) = match &failure {
                GraphError::Token { aadsts, detail, .. } => (*aadsts, detail.clone()),
                other => (None, other.to_string()),
            };
            let detail = detail.replace(saved.refresh_token().expose(), "[redacted]");
            let store = sign_ins.clone();
            let refusal =
                tokio::task::spawn_blocking(move || store.refuse(&saved, aadsts, &detail))
                    .await
                    .map_err(|e| setup(format!("saving the refusal stopped: {e}")))?
                    .map_err(|e| needed(SignInWhy::Unreadable(e.to_string())))?;
            *cached = None;
            return Err(needed(SignInWhy::Refused(refusal)));
        }
        let mut token = access_token(&url, json.as_ref(), now)?;
        let signed_in_at = saved.signed_in_at;
        // The new refresh token replaces the saved one. Without one (Entra always sends it with
        // offline_access), or when it cannot be saved, the saved one still works: Entra does
        // not revoke a refresh token when it hands out the next.
        if let Ok(granted) = granted(&url, json.as_ref()) {
            let store = sign_ins.clone();
            let renewed = tokio::task::spawn_blocking(move || store.renew(&saved, &granted)).await;
            if let Ok(Err(e)) = renewed {
                tracing::warn!(
                    "tenant {}: the renewed sign-in could not be saved ({e}); the saved one stays in use",
                    inner.name
                );
            }
        }
        token.signed_in_at = Some(signed_in_at);
        token.file_stamp = sign_ins.stamp(&inner.tenant);
        let access = token.access_token.clone();
        *cached = Some(token);
        Ok(access)
    }

    /// POST a form to the sign-in host (retrying throttling and 5xx as every request does).
    async fn post_form(&self, url: &str, form: &[(&str, String)]) -> Result<Answer, GraphError> {
        let http = &self.inner.http;
        self.send(url, &|| {
            http.post(url).header(ACCEPT, "application/json").form(form)
        })
        .await
    }
}

/// The OAuth `error` of a refused token request.
fn oauth_error(json: Option<&Value>) -> Option<&str> {
    json.and_then(|j| field_of(j, "error"))
        .and_then(Value::as_str)
}

/// The refresh token, its lifetime and who signed in, from a token answer.
fn granted(url: &str, json: Option<&Value>) -> Result<Granted, GraphError> {
    let refresh_token = token_text(
        url,
        json,
        "refresh_token",
        "Entra gave no refresh_token (was offline_access refused?), so the sign-in cannot be kept",
    )?;
    let refresh_lifetime = seconds(json, "refresh_token_expires_in")
        .map_or(REFRESH_TOKEN_LIFETIME, TimeDelta::seconds);
    let identity = json
        .and_then(|j| field_of(j, "id_token"))
        .and_then(Value::as_str)
        .map(Identity::from_id_token)
        .unwrap_or_default();
    Ok(Granted {
        refresh_token: Secret::new(refresh_token),
        refresh_lifetime,
        identity,
    })
}
