//! [`Fetcher`]: metadata over HTTP(S) with timeouts, a redirect limit and a body cap counted
//! after decompression; files and stdin under the same cap.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, DATE, HeaderMap};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::errors::{self, Context, Flags, RedirectRefusal};
use super::tls::{self, Trust};
use super::{FetchError, FetchErrorKind, FetchOptions, Fetched, install_crypto_provider};
use crate::assess::TlsCert;
use crate::location::Location;
use crate::units::{format_bytes, format_duration};

/// What identity providers serve metadata as; anything is accepted in the end (many serve `text/html` or
/// `application/octet-stream`), the parser decides.
const ACCEPT_METADATA: &str =
    "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";

/// A failure before it gets its location: the class and the plain-words reason.
type Failure = (FetchErrorKind, String);

/// A failed HTTP read, with the certificate the host presented when one is known.
struct Failed {
    failure: Failure,
    presented: Option<Box<TlsCert>>,
}

impl From<Failure> for Failed {
    fn from(failure: Failure) -> Self {
        Self {
            failure,
            presented: None,
        }
    }
}

/// Fetches metadata. Cheap to clone; holds one connection pool (keep-alive, HTTP/2) per distinct
/// `ca_file`, so a fleet of domains reuses connections.
#[derive(Clone, Debug)]
pub struct Fetcher {
    options: FetchOptions,
    /// Clients by extra trust anchor (`None`: the OS store only). A `ca_file` is read once,
    /// when its client is first built.
    clients: Arc<Mutex<HashMap<Option<PathBuf>, HttpClient>>>,
    /// The same trust for the TLS probe, by extra trust anchor, built when first needed.
    trusts: Arc<Mutex<HashMap<Option<PathBuf>, Trust>>>,
    /// Held while a client is built, so that the first fetches of a fleet (16 at once) build
    /// one client and load the trust store once, not once each.
    building: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Clone, Debug)]
struct HttpClient {
    client: reqwest::Client,
    /// Whether the OS trust store held any certificate (for the "unknown CA" hint).
    system_roots: bool,
}

impl Fetcher {
    /// A fetcher with these limits. Clients are built on first use, so a machine without a
    /// CA store can still read files.
    pub fn new(options: FetchOptions) -> Self {
        Self {
            options,
            clients: Arc::default(),
            trusts: Arc::default(),
            building: Arc::default(),
        }
    }

    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    /// Read `location`: `https://`, `http://`, `file://`, a plain path, or `-` for stdin.
    /// `ca_file` adds a trust anchor for that fetch's TLS.
    pub async fn fetch(
        &self,
        location: &str,
        ca_file: Option<&Path>,
    ) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        let fail = |kind, message: String| FetchError::new(location, kind, message);
        let parsed = Location::parse(location)
            .map_err(|why| fail(FetchErrorKind::InvalidLocation, why.to_string()))?;
        let mut fetched = match parsed {
            Location::Http(url) => self.fetch_http(url, ca_file).await,
            Location::File(path) => read_file(&path, self.options.max_body)
                .await
                .map_err(Failed::from),
            Location::Stdin => read_capped(tokio::io::stdin(), self.options.max_body)
                .await
                .map(|body| local(body, "-".into()))
                .map_err(Failed::from),
        }
        .map_err(|Failed { failure, presented }| {
            fail(failure.0, failure.1).with_presented(presented.map(|cert| *cert))
        })?;
        fetched.elapsed = started.elapsed();
        Ok(fetched)
    }

    /// The certificate `url`'s host presents, read by a handshake of its own (nothing is fetched)
    /// with the same trust as the fetches: the OS store and `ca_file`. A certificate this machine
    /// refuses is returned all the same, with why ([`TlsCert::refused`]); an error means no
    /// certificate was read (no connection, not TLS).
    pub async fn probe_tls(
        &self,
        url: &str,
        ca_file: Option<&Path>,
    ) -> Result<TlsCert, FetchError> {
        let fail = |(kind, message): Failure| FetchError::new(url, kind, message);
        let parsed = match Location::parse(url) {
            Ok(Location::Http(parsed)) if parsed.scheme() == "https" => parsed,
            _ => {
                return Err(FetchError::new(
                    url,
                    FetchErrorKind::InvalidLocation,
                    "only an https:// URL has a TLS certificate to read",
                ));
            }
        };
        let trust = self.trust_for(ca_file).await.map_err(fail)?;
        tls::probe(
            &parsed,
            &trust,
            self.options.connect_timeout,
            self.options.timeout,
        )
        .await
        .map_err(fail)
    }

    /// The probe's trust for `ca_file`, built on first use.
    async fn trust_for(&self, ca_file: Option<&Path>) -> Result<Trust, Failure> {
        let key = ca_file.map(Path::to_path_buf);
        let cached = |trusts: &Mutex<HashMap<Option<PathBuf>, Trust>>| {
            trusts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&key)
                .cloned()
        };
        if let Some(trust) = cached(&self.trusts) {
            return Ok(trust);
        }
        let _building = self.building.lock().await;
        if let Some(trust) = cached(&self.trusts) {
            return Ok(trust);
        }
        let extra_roots = match ca_file {
            Some(path) => read_ca_file(path).await?,
            None => Vec::new(),
        };
        // Loading the OS store reads and parses files: off the async workers.
        let trust = tokio::task::spawn_blocking(move || Trust::new(&extra_roots))
            .await
            .map_err(|e| (FetchErrorKind::Tls, format!("cannot set up TLS: {e}")))?;
        let mut trusts = self
            .trusts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(trusts.entry(key).or_insert(trust).clone())
    }

    /// The certificate the host of `url` presents when TLS refused it: the fetch has no session
    /// to read it from, so a handshake of its own records it. `None` when that fails too.
    async fn refused_certificate(
        &self,
        url: &Url,
        ca_file: Option<&Path>,
        refusal: crate::assess::TlsRefusal,
    ) -> Option<TlsCert> {
        let trust = self.trust_for(ca_file).await.ok()?;
        let mut cert = tls::probe(
            url,
            &trust,
            self.options.connect_timeout,
            self.options.timeout,
        )
        .await
        .ok()?;
        // The fetch's own refusal is the one that counts.
        cert.refused = Some(refusal);
        Some(cert)
    }

    /// The certificate of the TLS session that carried `response` (`None` over plain http):
    /// no second connection. Through an HTTPS proxy reqwest keeps no TLS facts of the tunnelled
    /// session, so one handshake of its own, through the same proxy, reads them instead.
    async fn session_certificate(
        &self,
        response: &reqwest::Response,
        proxied: bool,
        ca_file: Option<&Path>,
    ) -> Option<TlsCert> {
        if let Some(cert) = peer_certificate(response) {
            return Some(cert);
        }
        if !proxied || response.url().scheme() != "https" {
            return None;
        }
        let trust = self.trust_for(ca_file).await.ok()?;
        tls::probe(
            response.url(),
            &trust,
            self.options.connect_timeout,
            self.options.timeout,
        )
        .await
        .ok()
    }

    async fn fetch_http(&self, url: Url, ca_file: Option<&Path>) -> Result<Fetched, Failed> {
        let http = self.client_for(ca_file).await?;
        let authority = authority_of(&url);
        let proxy = proxy_for(&url);
        let ctx = Context {
            authority: &authority,
            connect_timeout: self.options.connect_timeout,
            system_roots: http.system_roots,
            proxy: proxy.as_deref(),
        };
        let classify = |err: &reqwest::Error| errors::classify(err, Flags::from(err), &ctx);
        let exchange = async {
            let sent = http
                .client
                .get(url.clone())
                .header(ACCEPT, ACCEPT_METADATA)
                .send()
                .await;
            let mut response = match sent {
                Ok(response) => response,
                Err(e) => {
                    let failure = classify(&e);
                    // Refused by TLS: read what the host presented, to show it beside the error.
                    let presented = match errors::refusal(&e) {
                        Some(refusal) => {
                            let failed_url = e.url().unwrap_or(&url);
                            self.refused_certificate(failed_url, ca_file, refusal)
                                .await
                                .map(Box::new)
                        }
                        None => None,
                    };
                    return Err(Failed { failure, presented });
                }
            };
            let received_at = Utc::now();
            let status = response.status();
            let final_url = response.url().to_string();
            let tls = self
                .session_certificate(&response, proxy.is_some(), ca_file)
                .await;
            if !status.is_success() {
                let mut message = format!("the server answered HTTP {status}");
                if final_url != url.as_str() {
                    message = format!("{message} at {final_url}");
                }
                return Err(Failed {
                    failure: (FetchErrorKind::Status(status.as_u16()), message),
                    presented: tls.map(Box::new),
                });
            }
            let headers = response.headers().clone();
            let body = read_body(&mut response, self.options.max_body)
                .await
                .map_err(|e| match e {
                    BodyError::TooLarge => too_large(self.options.max_body),
                    BodyError::Read(err) => {
                        let (kind, text) = errors::classify_body(&err, Flags::from(&err), &ctx);
                        (kind, format!("reading the response failed: {text}"))
                    }
                })
                .map_err(|failure| Failed {
                    failure,
                    presented: tls.clone().map(Box::new),
                })?;
            Ok(Fetched {
                body,
                location: final_url,
                status: status.as_u16(),
                content_type: header_text(&headers, &CONTENT_TYPE),
                http_date: http_date(&headers),
                received_at,
                elapsed: std::time::Duration::ZERO,
                tls,
            })
        };
        tokio::time::timeout(self.options.timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(Failed::from((
                    FetchErrorKind::Timeout,
                    format!(
                        "timed out after {} (timeout)",
                        format_duration(self.options.timeout)
                    ),
                )))
            })
    }

    /// The shared client for `ca_file`, built on first use.
    async fn client_for(&self, ca_file: Option<&Path>) -> Result<HttpClient, Failure> {
        let key = ca_file.map(Path::to_path_buf);
        if let Some(client) = self.cached(key.as_ref()) {
            return Ok(client);
        }
        let _building = self.building.lock().await;
        if let Some(client) = self.cached(key.as_ref()) {
            return Ok(client);
        }
        let extra_roots = match ca_file {
            Some(path) => read_ca_file(path)
                .await?
                .iter()
                .map(|der| reqwest::Certificate::from_der(der))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    (
                        FetchErrorKind::Tls,
                        format!(
                            "ca_file {} is not a certificate ({})",
                            path.display(),
                            errors::chain_text(&e)
                        ),
                    )
                })?,
            None => Vec::new(),
        };
        let client = build_client(&self.options, &extra_roots)?;
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(clients.entry(key).or_insert(client).clone())
    }

    fn cached(&self, key: Option<&PathBuf>) -> Option<HttpClient> {
        let clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        clients.get(&key.cloned()).cloned()
    }
}

fn build_client(
    options: &FetchOptions,
    extra_roots: &[reqwest::Certificate],
) -> Result<HttpClient, Failure> {
    install_crypto_provider();
    let builder = || {
        reqwest::Client::builder()
            .user_agent(&options.user_agent)
            .connect_timeout(options.connect_timeout)
            .redirect(redirect_policy(options.max_redirects))
            // The leaf certificate of each response's session (DESIGN.md §6.4).
            .tls_info(true)
    };
    // Verifies against the OS store (/etc/ssl/certs, SSL_CERT_FILE, SSL_CERT_DIR) plus ca_file.
    match builder()
        .tls_certs_merge(extra_roots.iter().cloned())
        .build()
    {
        Ok(client) => Ok(HttpClient {
            client,
            system_roots: true,
        }),
        // The platform verifier refuses to start with an empty OS store. Plain http:// and
        // ca_file-only trust must still work, so fall back to the explicit roots alone.
        Err(_) => builder()
            .tls_certs_only(extra_roots.iter().cloned())
            .build()
            .map(|client| HttpClient {
                client,
                system_roots: false,
            })
            .map_err(|e| {
                (
                    FetchErrorKind::Tls,
                    format!("cannot set up TLS: {}", errors::chain_text(&e)),
                )
            }),
    }
}

fn redirect_policy(max: usize) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().contains(attempt.url()) {
            let url = attempt.url().to_string();
            return attempt.error(RedirectRefusal::Loop { url });
        }
        // `previous` starts with the original URL, so it holds one entry per redirect followed.
        if attempt.previous().len() > max {
            let last = attempt.url().to_string();
            return attempt.error(RedirectRefusal::TooMany { max, last });
        }
        attempt.follow()
    })
}

/// The leaf certificate of the TLS session that carried `response`, when it came over TLS.
fn peer_certificate(response: &reqwest::Response) -> Option<TlsCert> {
    let der = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()?
        .peer_certificate()?;
    tls::presented(tls::host_label(response.url()), der, None)
}

/// Read a PEM bundle (or one DER certificate) to trust in addition to the OS store: the DER of
/// each certificate.
async fn read_ca_file(path: &Path) -> Result<Vec<Vec<u8>>, Failure> {
    let shown = path.display();
    let bytes = tokio::fs::read(path).await.map_err(|e| {
        (
            FetchErrorKind::Tls,
            format!("cannot read ca_file {shown}: {}", io_reason(&e)),
        )
    })?;
    let ders: Vec<Vec<u8>> = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        CertificateDer::pem_slice_iter(&bytes)
            .map(|cert| cert.map(|c| c.to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|e| {
                (
                    FetchErrorKind::Tls,
                    format!("ca_file {shown} is not a valid PEM file ({e})"),
                )
            })?
    } else {
        vec![bytes]
    };
    if ders.is_empty() {
        return Err((
            FetchErrorKind::Tls,
            format!("ca_file {shown} holds no CERTIFICATE block"),
        ));
    }
    Ok(ders)
}

enum BodyError {
    TooLarge,
    Read(reqwest::Error),
}

/// The body, decompressed, stopping as soon as it passes `cap`.
async fn read_body(response: &mut reqwest::Response, cap: u64) -> Result<Vec<u8>, BodyError> {
    // With gzip, reqwest reports no length; without, a declared length over the cap fails early.
    if response.content_length().is_some_and(|len| len > cap) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if (body.len() + chunk.len()) as u64 > cap {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(cap: u64) -> Failure {
    (
        FetchErrorKind::TooLarge,
        format!(
            "the body is over the {} cap (max_body, counted after decompression); raise max_body in [settings] if the metadata really is that large",
            format_bytes(cap)
        ),
    )
}

async fn read_file(path: &Path, cap: u64) -> Result<Fetched, Failure> {
    let file_error = |e: &std::io::Error| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            FetchErrorKind::NotFound
        } else {
            FetchErrorKind::Io
        };
        (kind, io_reason(e))
    };
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|e| file_error(&e))?;
    if metadata.is_dir() {
        return Err((
            FetchErrorKind::Io,
            "is a directory, not a metadata file".into(),
        ));
    }
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| file_error(&e))?;
    let body = read_capped(file, cap).await?;
    Ok(local(body, path.display().to_string()))
}

/// Read all of `reader`, failing once it passes `cap`.
async fn read_capped(reader: impl AsyncRead + Unpin, cap: u64) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut body)
        .await
        .map_err(|e| (FetchErrorKind::Io, io_reason(&e)))?;
    if body.len() as u64 > cap {
        return Err(too_large(cap));
    }
    Ok(body)
}

fn local(body: Vec<u8>, location: String) -> Fetched {
    Fetched {
        body,
        location,
        status: 200,
        content_type: None,
        http_date: None,
        received_at: Utc::now(),
        elapsed: std::time::Duration::ZERO,
        tls: None,
    }
}

/// Plain words for the usual file errors.
fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

fn header_text(headers: &HeaderMap, name: &reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The `Date` header (IMF-fixdate, `Tue, 01 Dec 2026 08:00:00 GMT`), if present and valid.
fn http_date(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    let text = header_text(headers, &DATE)?;
    DateTime::parse_from_rfc2822(&text)
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

/// The proxy reqwest will use for `url`, as `host:port`: the same environment variables
/// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, either case) read the same way.
fn proxy_for(url: &Url) -> Option<String> {
    let uri: hyper::Uri = url.as_str().parse().ok()?;
    let intercept = hyper_util::client::proxy::matcher::Matcher::from_env().intercept(&uri)?;
    let proxy = intercept.uri();
    let host = proxy.host()?;
    Some(match proxy.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// `host:port` as the operator would recognise it (port only when explicit).
fn authority_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn readers_are_capped_like_http_bodies() {
        assert_eq!(read_capped(&b"12345"[..], 5).await.unwrap(), b"12345");
        let (kind, message) = read_capped(&b"123456"[..], 5).await.unwrap_err();
        assert_eq!(kind, FetchErrorKind::TooLarge);
        assert!(
            message.starts_with("the body is over the 5 bytes cap"),
            "{message}"
        );
    }

    #[test]
    fn http_dates_parse_as_utc() {
        let mut headers = HeaderMap::new();
        headers.insert(DATE, "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
        assert_eq!(
            http_date(&headers).unwrap().to_rfc3339(),
            "1994-11-06T08:49:37+00:00"
        );
    }
}
