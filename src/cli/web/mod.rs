//! `serve --web-config FILE`: TLS, basic auth, extra response headers and a rate limit for
//! `serve`, read from a file in the web-config format of Prometheus' exporter-toolkit
//! (`docs/web-configuration.md` there), so the file a monitoring team keeps for node_exporter
//! works for fedcert as it is.
//!
//! Where fedcert differs from the toolkit, and why:
//! - `tls_server_config` is required. With a web config fedcert never answers plain HTTP:
//!   basic auth over plain HTTP would send the passwords in the clear.
//! - TLS is rustls with ring: TLS 1.2 and 1.3 (a `min_version` of `TLS10` or `TLS11` gets
//!   TLS 1.2; a `max_version` below `TLS12` is refused), and of `cipher_suites` and
//!   `curve_preferences` the ones ring implements (any other name is refused by name).
//! - The file is read at start and again on SIGHUP, not at every request; a file that does not
//!   load at SIGHUP leaves the one in force untouched.
//! - `http_server_config.http2` is accepted; fedcert answers HTTP/1.1 (ALPN `http/1.1`).
//!
//! The file is parsed strictly: an unknown key, a misspelt value or a duplicate user is an
//! error naming the file, line and column.

mod auth;
mod raw;
mod tls;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use auth::BasicAuth;
use raw::RawConfig;

/// A web config that loaded: what the listener and each request need.
pub struct Web {
    /// The path it was read from, to read it again on SIGHUP.
    path: PathBuf,
    acceptor: TlsAcceptor,
    auth: Option<BasicAuth>,
    client_certs: tls::ClientCerts,
    headers: Vec<(HeaderName, HeaderValue)>,
    limiter: Option<RateLimiter>,
}

/// Why a web config did not load: the file, where in it (when the parser knows), and the cause.
#[derive(Debug, thiserror::Error)]
pub struct WebConfigError {
    path: PathBuf,
    /// Line and column, from 1.
    at: Option<(usize, usize)>,
    message: String,
}

impl fmt::Display for WebConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--web-config {}", self.path.display())?;
        if let Some((line, column)) = self.at {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl WebConfigError {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            at: None,
            message: message.into(),
        }
    }
}

impl Web {
    /// Read and check the web config at `path`: every file it names is read and every hash
    /// checked now, so a config that loads serves.
    pub fn load(path: &Path) -> Result<Self, WebConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| WebConfigError::new(path, format!("cannot read it: {e}")))?;
        let raw = raw::parse(&text).map_err(|e| WebConfigError {
            path: path.to_owned(),
            at: e.at,
            message: e.message,
        })?;
        Self::build(path, raw).map_err(|message| WebConfigError::new(path, message))
    }

    fn build(path: &Path, raw: RawConfig) -> Result<Self, String> {
        let base = path.parent().unwrap_or(Path::new("."));
        let tls = raw.tls_server_config.ok_or_else(|| {
            "no tls_server_config: with a web config fedcert serves HTTPS only (basic auth over \
             plain HTTP would send passwords in the clear); add tls_server_config with cert_file \
             and key_file"
                .to_owned()
        })?;
        let tls = tls::Settings::from_raw(tls, base)?;
        let client_certs = tls.client_certs();
        let acceptor = TlsAcceptor::from(Arc::new(tls.server_config()?));
        let auth = raw
            .basic_auth_users
            .filter(|users| !users.is_empty())
            .map(BasicAuth::new);
        let headers = raw
            .http_server_config
            .map(|http| http.headers)
            .unwrap_or_default();
        let limiter = match raw.rate_limit {
            Some(limit) if !limit.interval.is_zero() && limit.burst == 0 => {
                return Err(
                    "rate_limit: burst 0 lets no request through; set burst to 1 or more (or \
                     interval to 0 for no limit)"
                        .to_owned(),
                );
            }
            Some(limit) => RateLimiter::new(limit),
            None => None,
        };
        Ok(Self {
            path: path.to_owned(),
            acceptor,
            auth,
            client_certs,
            headers,
            limiter,
        })
    }

    /// Read the same file again (SIGHUP).
    pub fn reload(&self) -> Result<Self, WebConfigError> {
        Self::load(&self.path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// Whether a client that can reach the port must prove who it is (a password or a
    /// certificate) before it reads anything.
    pub fn authenticates(&self) -> bool {
        self.auth.is_some() || self.client_certs == tls::ClientCerts::Verified
    }

    /// What is in force, for the operator: `TLS, client certificates verified, basic auth (2 users)`.
    pub fn summary(&self) -> String {
        let mut parts = vec!["TLS".to_owned()];
        if let Some(words) = self.client_certs.describe() {
            parts.push(words.to_owned());
        }
        if let Some(auth) = &self.auth {
            let n = auth.user_count();
            parts.push(format!(
                "basic auth ({n} user{})",
                if n == 1 { "" } else { "s" }
            ));
        }
        if let Some(limiter) = &self.limiter {
            parts.push(format!(
                "at most {} requests at once, then one per {:?}",
                limiter.burst, limiter.interval
            ));
        }
        parts.join(", ")
    }

    /// The answer instead of the page when this request may not have it: 429 over the rate
    /// limit, 401 without the right user and password. `None`: serve it.
    pub async fn refuse(&self, request: &HeaderMap) -> Option<Response<Full<Bytes>>> {
        if let Some(limiter) = &self.limiter
            && !limiter.allow(Instant::now())
        {
            let mut response = plain(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests\n");
            let wait = limiter.interval.as_secs().max(1);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(wait));
            return Some(self.decorate(response));
        }
        let auth = self.auth.as_ref()?;
        if auth.check(request.get(hyper::header::AUTHORIZATION)).await {
            return None;
        }
        let mut response = plain(StatusCode::UNAUTHORIZED, "Unauthorized\n");
        response.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"fedcert\", charset=\"UTF-8\""),
        );
        Some(self.decorate(response))
    }

    /// Add the configured `http_server_config.headers`.
    pub fn decorate(&self, mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
        for (name, value) in &self.headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response
    }
}

/// A client that speaks plain HTTP to the TLS port gets a 400 saying so (as Go's servers
/// answer), never the page, and the connection closes. `Ok` when the first byte may start a TLS
/// handshake (a TLS record begins with 0x16; an HTTP request with a method's capital letter).
pub async fn refuse_plain_http(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut first = [0u8; 1];
    if stream.peek(&mut first).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    if !first[0].is_ascii_uppercase() {
        return Ok(());
    }
    // Read the request head first (bounded): closing a socket with unread bytes resets it, and
    // the reset can destroy the answer before the client reads it.
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let body = "Client sent an HTTP request to an HTTPS server.\n";
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    let _ = stream.shutdown().await;
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "plain HTTP on the TLS port",
    ))
}

fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `rate_limit`: a token bucket as Go's `rate.Limiter` (which the toolkit uses) keeps it: full
/// at start with `burst` tokens, one more every `interval`; a request takes one.
struct RateLimiter {
    interval: Duration,
    burst: u32,
    /// Tokens left, and when they were counted.
    state: Mutex<(f64, Instant)>,
}

impl RateLimiter {
    /// `None` when the interval is zero (the toolkit's "no limit").
    fn new(raw: raw::RawRateLimit) -> Option<Self> {
        (!raw.interval.is_zero()).then(|| Self {
            interval: raw.interval,
            burst: raw.burst,
            state: Mutex::new((f64::from(raw.burst), Instant::now())),
        })
    }

    fn allow(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (tokens, then) = *state;
        let earned =
            now.saturating_duration_since(then).as_secs_f64() / self.interval.as_secs_f64();
        let tokens = (tokens + earned).min(f64::from(self.burst));
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            true
        } else {
            *state = (tokens, now);
            false
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_allows_a_burst_then_one_per_interval() {
        let start = Instant::now();
        let limiter = RateLimiter {
            interval: Duration::from_secs(10),
            burst: 2,
            state: Mutex::new((2.0, start)),
        };
        assert!(limiter.allow(start));
        assert!(limiter.allow(start));
        assert!(!limiter.allow(start), "the burst is spent");
        assert!(!limiter.allow(start + Duration::from_secs(9)));
        assert!(limiter.allow(start + Duration::from_secs(10)));
        assert!(!limiter.allow(start + Duration::from_secs(10)));
        // Idle for long: the bucket refills to the burst, no further.
        let later = start + Duration::from_secs(3600);
        assert!(limiter.allow(later));
        assert!(limiter.allow(later));
        assert!(!limiter.allow(later));
    }
}
