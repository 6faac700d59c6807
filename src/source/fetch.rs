//! [`Fetcher`]: metadata over HTTP(S) with timeouts, a redirect limit and a body cap counted
//! after decompression; files and stdin under the same cap.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
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
        let mut opened = self.open(location, ca_file).await?;
        let body = opened.read_all().await?;
        Ok(Fetched {
            body,
            location: opened.location,
            status: opened.status,
            content_type: opened.content_type,
            http_date: opened.http_date,
            received_at: opened.received_at,
            elapsed: started.elapsed(),
            tls: opened.tls,
        })
    }

    /// Start reading `location` as [`Self::fetch`] does, and hand over the body as it arrives
    /// ([`Opened::chunk`]), under the same limits: nothing holds the whole document.
    pub async fn open(&self, location: &str, ca_file: Option<&Path>) -> Result<Opened, FetchError> {
        let fail = |kind, message: String| FetchError::new(location, kind, message);
        let parsed = Location::parse(location)
            .map_err(|why| fail(FetchErrorKind::InvalidLocation, why.to_string()))?;
        let cap = self.options.max_body;
        let (head, body) = match parsed {
            Location::Http(url) => self.open_http(url, ca_file, Patience::Whole).await,
            Location::File(path) => open_file(&path).await.map_err(Failed::from),
            Location::Stdin => Ok((
                Head::local("-".into()),
                Body::Local(Box::new(tokio::io::stdin())),
            )),
        }
        .map_err(|Failed { failure, presented }| {
            fail(failure.0, failure.1).with_presented(presented.map(|cert| *cert))
        })?;
        Ok(Opened::new(location, head, body, cap))
    }

    /// Ask for `url`: the answer's head within the timeout, its body still to come, waited for
    /// as `patience` says; and the certificate of the TLS session that carried it.
    async fn open_http(
        &self,
        url: Url,
        ca_file: Option<&Path>,
        patience: Patience,
    ) -> Result<(Head, Body), Failed> {
        let timeout = self.options.timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        let (response, peer, tls) = tokio::time::timeout_at(deadline, self.send(&url, ca_file))
            .await
            .map_err(|_| Failed::from(timed_out(timeout)))??;
        let received_at = Utc::now();
        // With gzip, reqwest reports no length; without, a declared length over the cap fails
        // before the body is read.
        if response
            .content_length()
            .is_some_and(|len| len > self.options.max_body)
        {
            return Err(Failed {
                failure: too_large(self.options.max_body),
                presented: tls.map(Box::new),
            });
        }
        let headers = response.headers();
        let head = Head {
            location: response.url().to_string(),
            status: response.status().as_u16(),
            content_type: header_text(headers, &CONTENT_TYPE),
            http_date: http_date(headers),
            received_at,
            tls,
        };
        let body = Body::Http(Box::new(HttpBody {
            response,
            patience,
            deadline,
            timeout,
            peer,
        }));
        Ok((head, body))
    }

    /// Ask for `url` and check the answer's status: the response with its body still to read,
    /// and the certificate of its TLS session. When TLS refused the host's certificate, the
    /// failure carries that certificate (read by a handshake that only records it); when the
    /// answer is an error status, the session's.
    async fn send(
        &self,
        url: &Url,
        ca_file: Option<&Path>,
    ) -> Result<(reqwest::Response, Peer, Option<TlsCert>), Failed> {
        let http = self.client_for(ca_file).await?;
        let peer = Peer {
            authority: authority_of(url),
            proxy: proxy_for(url),
            system_roots: http.system_roots,
            connect_timeout: self.options.connect_timeout,
        };
        let sent = http
            .client
            .get(url.clone())
            .header(ACCEPT, ACCEPT_METADATA)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                let failure = errors::classify(&e, Flags::from(&e), &peer.context());
                // Refused by TLS: read what the host presented, to show it beside the error.
                let presented = match errors::refusal(&e) {
                    Some(refusal) => self
                        .refused_certificate(e.url().unwrap_or(url), ca_file, refusal)
                        .await
                        .map(Box::new),
                    None => None,
                };
                return Err(Failed { failure, presented });
            }
        };
        let tls = self
            .session_certificate(&response, peer.proxy.is_some(), ca_file)
            .await;
        let status = response.status();
        if !status.is_success() {
            let final_url = response.url().as_str();
            let mut message = format!("the server answered HTTP {status}");
            if final_url != url.as_str() {
                message = format!("{message} at {final_url}");
            }
            return Err(Failed {
                failure: (FetchErrorKind::Status(status.as_u16()), message),
                presented: tls.map(Box::new),
            });
        }
        Ok((response, peer, tls))
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
            Some(path) => read_ca_ders(path).await?,
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

    /// Open `url` (http or https) for reading its body as it arrives, under the body cap, with
    /// [`FetchOptions::timeout`] for the answer and again for each wait on the body (a large
    /// aggregate may take longer than that in all, but never stalls that long). For `inspect`,
    /// which streams aggregates of hundreds of MB on a blocking thread; a domain's metadata is
    /// [`Self::open`]ed (the whole fetch within the timeout).
    pub async fn stream(&self, url: &str, ca_file: Option<&Path>) -> Result<Streamed, FetchError> {
        let fail = |(kind, message): Failure| FetchError::new(url, kind, message);
        let parsed = match Location::parse(url) {
            Ok(Location::Http(parsed)) => parsed,
            Ok(_) => {
                return Err(fail((
                    FetchErrorKind::InvalidLocation,
                    "is not an http:// or https:// URL".into(),
                )));
            }
            Err(why) => return Err(fail((FetchErrorKind::InvalidLocation, why.to_string()))),
        };
        let (head, body) = self
            .open_http(parsed, ca_file, Patience::EachRead)
            .await
            .map_err(|Failed { failure, presented }| {
                fail(failure).with_presented(presented.map(|cert| *cert))
            })?;
        let opened = Opened::new(url, head, body, self.options.max_body);
        let location = opened.location.clone();
        let (body, feed) = opened.into_reader(VecDeque::new());
        tokio::spawn(feed.run(Unread::Leave));
        Ok(Streamed { location, body })
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
            Some(path) => read_ca_file(path).await?,
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

/// Read a PEM bundle (or one DER certificate) to trust in addition to the OS store.
async fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, Failure> {
    let shown = path.display();
    read_ca_ders(path)
        .await?
        .iter()
        .map(|der| reqwest::Certificate::from_der(der))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            (
                FetchErrorKind::Tls,
                format!(
                    "ca_file {shown} is not a certificate ({})",
                    errors::chain_text(&e)
                ),
            )
        })
}

/// The DER of each certificate of a `ca_file` (a PEM bundle or one DER certificate).
async fn read_ca_ders(path: &Path) -> Result<Vec<Vec<u8>>, Failure> {
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

/// Where a request went, to word its failures.
struct Peer {
    authority: String,
    proxy: Option<String>,
    system_roots: bool,
    connect_timeout: std::time::Duration,
}

impl Peer {
    fn context(&self) -> Context<'_> {
        Context {
            authority: &self.authority,
            connect_timeout: self.connect_timeout,
            system_roots: self.system_roots,
            proxy: self.proxy.as_deref(),
        }
    }
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

/// A local file, opened (a directory or a missing file fails here).
async fn open_file(path: &Path) -> Result<(Head, Body), Failure> {
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
    Ok((
        Head::local(path.display().to_string()),
        Body::Local(Box::new(file)),
    ))
}

/// How much a local read asks for at a time.
const LOCAL_CHUNK: usize = 64 * 1024;

/// What a fetch learns before its body: where it read from, and what the answer said.
struct Head {
    location: String,
    status: u16,
    content_type: Option<String>,
    http_date: Option<DateTime<Utc>>,
    received_at: DateTime<Utc>,
    tls: Option<TlsCert>,
}

impl Head {
    /// A file or stdin: no HTTP head.
    fn local(location: String) -> Self {
        Self {
            location,
            status: 200,
            content_type: None,
            http_date: None,
            received_at: Utc::now(),
            tls: None,
        }
    }
}

/// A fetch whose body is still to come ([`Fetcher::open`]): what the head said, then the body
/// chunk by chunk ([`Self::chunk`]) or through a blocking reader ([`Self::into_reader`]), under
/// the fetch's body cap and timeout.
pub struct Opened {
    /// The URL or path finally read (after redirects).
    pub location: String,
    /// HTTP status (200 for files and stdin).
    pub status: u16,
    pub content_type: Option<String>,
    /// The HTTP `Date` header, for clock-skew checks.
    pub http_date: Option<DateTime<Utc>>,
    /// This machine's real clock when the response head arrived (see [`Fetched::received_at`]).
    pub received_at: DateTime<Utc>,
    /// The leaf certificate of the TLS session that carries the answer (see [`Fetched::tls`]).
    pub tls: Option<TlsCert>,
    /// The location as asked for: errors name it, as [`Fetcher::fetch`]'s do.
    requested: String,
    body: Body,
    cap: u64,
    read: u64,
}

enum Body {
    Http(Box<HttpBody>),
    Local(Box<dyn AsyncRead + Unpin + Send>),
}

struct HttpBody {
    response: reqwest::Response,
    patience: Patience,
    /// The whole fetch's end ([`Patience::Whole`]).
    deadline: tokio::time::Instant,
    timeout: std::time::Duration,
    peer: Peer,
}

/// How long an HTTP body may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Patience {
    /// The request and every chunk of the body share the timeout (a domain's metadata).
    Whole,
    /// The timeout for the answer, and again for each wait on the body ([`Fetcher::stream`]).
    EachRead,
}

impl Opened {
    fn new(requested: &str, head: Head, body: Body, cap: u64) -> Self {
        Self {
            location: head.location,
            status: head.status,
            content_type: head.content_type,
            http_date: head.http_date,
            received_at: head.received_at,
            tls: head.tls,
            requested: requested.to_owned(),
            body,
            cap,
            read: 0,
        }
    }

    /// The rest of the body, in one buffer.
    pub async fn read_all(&mut self) -> Result<Vec<u8>, FetchError> {
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// The next piece of the body; `None` once it has all arrived. Fails once the body passes
    /// `max_body`, or the fetch its `timeout`.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, FetchError> {
        let next = match &mut self.body {
            Body::Http(http) => {
                let waited = match http.patience {
                    Patience::Whole => {
                        tokio::time::timeout_at(http.deadline, http.response.chunk()).await
                    }
                    Patience::EachRead => {
                        tokio::time::timeout(http.timeout, http.response.chunk()).await
                    }
                };
                match waited {
                    Err(_) if http.patience == Patience::Whole => Err(timed_out(http.timeout)),
                    Err(_) => Err(stalled(http.timeout)),
                    Ok(Err(err)) => {
                        let (kind, text) =
                            errors::classify_body(&err, Flags::from(&err), &http.peer.context());
                        Err((kind, format!("reading the response failed: {text}")))
                    }
                    Ok(Ok(chunk)) => Ok(chunk),
                }
            }
            Body::Local(reader) => {
                let mut buf = Vec::with_capacity(LOCAL_CHUNK);
                match reader
                    .as_mut()
                    .take(LOCAL_CHUNK as u64)
                    .read_to_end(&mut buf)
                    .await
                {
                    Ok(0) => Ok(None),
                    Ok(_) => Ok(Some(Bytes::from(buf))),
                    Err(e) => Err((FetchErrorKind::Io, io_reason(&e))),
                }
            }
        };
        // A failure on the way keeps the certificate of the session it happened in.
        let fail = |(kind, message): Failure| {
            FetchError::new(&self.requested, kind, message).with_presented(self.tls.clone())
        };
        let next = next.map_err(fail)?;
        if let Some(chunk) = &next {
            self.read += chunk.len() as u64;
            if self.read > self.cap {
                return Err(fail(too_large(self.cap)));
            }
        }
        Ok(next)
    }

    /// The body from here on as a blocking reader: `received` (chunks already taken with
    /// [`Self::chunk`]) first, then the rest as the [`Feed`] moves it across. Run the feed on
    /// the async runtime and read the reader on a thread that may block.
    pub fn into_reader(self, received: VecDeque<Bytes>) -> (BodyReader, Feed) {
        let (sender, receiver) = tokio::sync::mpsc::channel(STREAM_CHUNKS);
        let reader = BodyReader {
            received,
            arriving: Some(receiver),
            chunk: Bytes::new(),
            done: false,
        };
        (
            reader,
            Feed {
                opened: self,
                sender,
            },
        )
    }
}

/// Chunks of a body in flight between the network and its reader. More buys no speed on
/// loopback (measured with 2, 4, 8 and 64) and costs memory.
const STREAM_CHUNKS: usize = 4;

/// The fetching half of [`Opened::into_reader`].
pub struct Feed {
    opened: Opened,
    sender: tokio::sync::mpsc::Sender<Result<Bytes, String>>,
}

/// What a [`Feed`] does with the body once its reader is gone (the parser stopped early).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unread {
    /// Stop reading: nobody wants the rest.
    Leave,
    /// Read it to its end all the same, so that a body over the cap, cut short or too slow
    /// is still the failure reported.
    ReadToEnd,
}

impl Feed {
    /// Move the body to the reader until it ends. A failure (the cap, the timeout, a broken
    /// connection) reaches the reader as an [`std::io::Error`] with the failure's words, and is
    /// returned typed.
    pub async fn run(mut self, unread: Unread) -> Result<(), FetchError> {
        let mut reader_wants = true;
        loop {
            match self.opened.chunk().await {
                Ok(Some(chunk)) => {
                    if reader_wants {
                        reader_wants = self.sender.send(Ok(chunk)).await.is_ok();
                    }
                    if !reader_wants && unread == Unread::Leave {
                        return Ok(());
                    }
                }
                Ok(None) => return Ok(()),
                Err(error) => {
                    if reader_wants {
                        // A reader that is gone needs no words.
                        let _ = self.sender.send(Err(error.message().to_owned())).await;
                    }
                    return Err(error);
                }
            }
        }
    }
}

/// An http(s) response whose body is read as it arrives ([`Fetcher::stream`]).
pub struct Streamed {
    /// The URL finally read (after redirects).
    pub location: String,
    pub body: BodyReader,
}

/// A body as a blocking reader: chunks that had arrived, then those its [`Feed`] hands over,
/// waited for on the reader's thread. Read it on a thread that may block (`spawn_blocking`, a
/// plain thread), never inside async code. A failure on the way (the body cap, a stalled or
/// broken connection) is an [`std::io::Error`] whose text says what happened.
pub struct BodyReader {
    received: VecDeque<Bytes>,
    arriving: Option<tokio::sync::mpsc::Receiver<Result<Bytes, String>>>,
    chunk: Bytes,
    done: bool,
}

impl BodyReader {
    /// A body that has arrived whole, as the chunks it came in.
    pub fn whole(chunks: VecDeque<Bytes>) -> Self {
        Self {
            received: chunks,
            arriving: None,
            chunk: Bytes::new(),
            done: false,
        }
    }
}

impl std::io::Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = std::io::BufRead::fill_buf(self)?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl std::io::BufRead for BodyReader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.chunk.is_empty() && !self.done {
            if let Some(chunk) = self.received.pop_front() {
                self.chunk = chunk;
                continue;
            }
            match self.arriving.as_mut().and_then(|r| r.blocking_recv()) {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(reason)) => {
                    self.done = true;
                    return Err(std::io::Error::other(reason));
                }
                None => self.done = true,
            }
        }
        Ok(&self.chunk)
    }

    fn consume(&mut self, amount: usize) {
        let amount = amount.min(self.chunk.len());
        let _ = self.chunk.split_to(amount);
    }
}

fn timed_out(timeout: std::time::Duration) -> Failure {
    (
        FetchErrorKind::Timeout,
        format!("timed out after {} (timeout)", format_duration(timeout)),
    )
}

fn stalled(timeout: std::time::Duration) -> Failure {
    (
        FetchErrorKind::Timeout,
        format!(
            "the body stalled: nothing arrived for {} (timeout)",
            format_duration(timeout)
        ),
    )
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

    /// A local body of `bytes`, read under a `cap`.
    async fn read_capped(
        bytes: &'static [u8],
        cap: u64,
    ) -> Result<Vec<u8>, (FetchErrorKind, String)> {
        let mut opened = Opened {
            location: "-".into(),
            status: 200,
            content_type: None,
            http_date: None,
            received_at: Utc::now(),
            tls: None,
            requested: "-".into(),
            body: Body::Local(Box::new(bytes)),
            cap,
            read: 0,
        };
        opened
            .read_all()
            .await
            .map_err(|e| (e.kind(), e.message().to_owned()))
    }

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
