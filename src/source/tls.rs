//! Reading the TLS certificate a host presents, without fetching anything from it (DESIGN.md
//! §6.4): the sign-in host's, and the metadata host's when TLS refused it (the fetch then has
//! no session to read it from). One handshake through a verifier that records the presented
//! certificate before the real verifier — the same trust as the fetches: the OS store and the
//! domain's `ca_file` — judges it, so the facts are known whether or not the certificate is
//! trusted. Nothing is ever sent or read over that connection; it is closed once the
//! handshake ends either way.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::FetchErrorKind;
use crate::assess::{TlsCert, TlsRefusal};
use crate::units::format_duration;

/// A failure before it gets its location: the class and the plain-words reason.
type Failure = (FetchErrorKind, String);

/// The longest answer head a proxy may give to `CONNECT`.
const MAX_PROXY_HEAD: usize = 16 * 1024;

/// The certificates trusted for one `ca_file` (or none): the OS store plus the file's, as the
/// fetch's client trusts them. `None` inside when there is no trust anchor at all (an empty OS
/// store and no `ca_file`): every certificate is then refused as of an unknown issuer.
#[derive(Clone, Debug)]
pub(super) struct Trust {
    verifier: Option<Arc<dyn ServerCertVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl Trust {
    /// The OS store and `extra_roots` (DER), as reqwest's platform verifier builds them.
    pub(super) fn new(extra_roots: &[Vec<u8>]) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let extra = || {
            extra_roots
                .iter()
                .map(|der| CertificateDer::from(der.clone()))
        };
        let platform = rustls_platform_verifier::Verifier::new_with_extra_roots(
            extra(),
            Arc::clone(&provider),
        );
        let verifier: Option<Arc<dyn ServerCertVerifier>> = if let Ok(verifier) = platform {
            Some(Arc::new(verifier))
        } else {
            // The platform verifier refuses to start with an empty OS store: the explicit roots
            // alone, as the fetch falls back to.
            let mut roots = rustls::RootCertStore::empty();
            let _ = roots.add_parsable_certificates(extra());
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                Arc::clone(&provider),
            )
            .build()
            .ok()
            .map(|v| v as Arc<dyn ServerCertVerifier>)
        };
        Self { verifier, provider }
    }
}

/// Records the end-entity certificate, then lets the real verifier judge it.
#[derive(Debug)]
struct Recording {
    trust: Trust,
    seen: Mutex<Option<(Vec<u8>, Option<rustls::Error>)>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = match &self.trust.verifier {
            Some(verifier) => verifier.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        };
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *seen = Some((end_entity.to_vec(), verdict.as_ref().err().cloned()));
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.trust.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.trust.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.trust
            .provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Why a TLS client refused a certificate, from rustls' error.
pub(super) fn refusal_of(error: &rustls::Error) -> TlsRefusal {
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => TlsRefusal::UnknownIssuer,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsRefusal::NameMismatch
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TlsRefusal::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                TlsRefusal::NotValidYet
            }
            CertificateError::Revoked => TlsRefusal::Revoked,
            other => TlsRefusal::Other(format!("{other:?}")),
        },
        other => TlsRefusal::Other(other.to_string()),
    }
}

/// `host` or `host:port` (the port when it is not 443), as the operator would write it.
pub(super) fn host_label(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) if port != 443 => format!("{host}:{port}"),
        _ => host.to_owned(),
    }
}

/// The facts of a certificate `host` presented; `None` when it is not a certificate.
pub(super) fn presented(host: String, der: &[u8], refused: Option<TlsRefusal>) -> Option<TlsCert> {
    let mut cert = crate::cert::analyze(der).ok()?;
    // Its facts are all that is shown or judged: a fleet's snapshots hold no TLS certificate.
    cert.forget_der();
    Some(TlsCert {
        host,
        dns_names: crate::cert::dns_names(der),
        cert,
        refused,
    })
}

/// One handshake with `url`'s host (through the proxy the environment names for it, as the
/// fetches go), within `timeout`: the certificate it presents and whether `trust` accepts it.
pub(super) async fn probe(
    url: &Url,
    trust: &Trust,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<TlsCert, Failure> {
    tokio::time::timeout(timeout, probe_within(url, trust, connect_timeout))
        .await
        .unwrap_or_else(|_| {
            Err((
                FetchErrorKind::Timeout,
                format!(
                    "no TLS handshake with {} within {} (timeout)",
                    host_label(url),
                    format_duration(timeout)
                ),
            ))
        })
}

async fn probe_within(
    url: &Url,
    trust: &Trust,
    connect_timeout: Duration,
) -> Result<TlsCert, Failure> {
    let label = host_label(url);
    let host = url.host_str().ok_or_else(|| {
        (
            FetchErrorKind::InvalidLocation,
            "the URL has no host".to_owned(),
        )
    })?;
    let port = url.port_or_known_default().unwrap_or(443);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let server_name = ServerName::try_from(bare.to_owned()).map_err(|e| {
        (
            FetchErrorKind::InvalidLocation,
            format!("{host} is not a host name TLS can check ({e})"),
        )
    })?;
    let stream = tokio::time::timeout(connect_timeout, connect(url, bare, port))
        .await
        .unwrap_or_else(|_| {
            Err((
                FetchErrorKind::Timeout,
                format!(
                    "could not connect to {label} within {} (connect_timeout)",
                    format_duration(connect_timeout)
                ),
            ))
        })?;
    let recording = Arc::new(Recording {
        trust: trust.clone(),
        seen: Mutex::new(None),
    });
    let config = rustls::ClientConfig::builder_with_provider(Arc::clone(&trust.provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| (FetchErrorKind::Tls, format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(&recording) as Arc<dyn ServerCertVerifier>)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let handshake = connector.connect(server_name, stream).await;
    let seen = recording
        .seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    match (seen, handshake) {
        (Some((der, refusal)), _) => {
            let refused = refusal.as_ref().map(refusal_of);
            presented(label.clone(), &der, refused).ok_or_else(|| {
                (
                    FetchErrorKind::Tls,
                    format!("{label} presented a certificate that cannot be read"),
                )
            })
        }
        (None, Ok(mut tls)) => {
            let _ = tls.shutdown().await;
            Err((
                FetchErrorKind::Tls,
                format!("{label} presented no certificate"),
            ))
        }
        (None, Err(e)) => Err((
            FetchErrorKind::Tls,
            format!("TLS handshake with {label} failed before any certificate: {e}"),
        )),
    }
}

/// A TCP connection to `host:port`, or a tunnel to it through the HTTP proxy that
/// `HTTPS_PROXY` / `ALL_PROXY` (and `NO_PROXY`) choose for `url`, read as reqwest reads them.
async fn connect(url: &Url, host: &str, port: u16) -> Result<TcpStream, Failure> {
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let intercept =
        url.as_str().parse::<hyper::Uri>().ok().and_then(|uri| {
            hyper_util::client::proxy::matcher::Matcher::from_env().intercept(&uri)
        });
    let Some(proxy) = intercept else {
        return TcpStream::connect((host, port))
            .await
            .map_err(|e| connect_failure(&target, &e));
    };
    let proxy_uri = proxy.uri();
    let proxy_host = proxy_uri.host().unwrap_or_default().to_owned();
    let proxy_label = match proxy_uri.port_u16() {
        Some(p) => format!("{proxy_host}:{p}"),
        None => proxy_host.clone(),
    };
    if proxy_uri.scheme_str() != Some("http") {
        return Err((
            FetchErrorKind::Connect,
            format!(
                "the proxy {proxy_label} is not an http:// proxy; the TLS probe tunnels through http:// proxies only"
            ),
        ));
    }
    let proxy_port = proxy_uri.port_u16().unwrap_or(80);
    let mut stream = TcpStream::connect((proxy_host.trim_matches(['[', ']']), proxy_port))
        .await
        .map_err(|e| connect_failure(&format!("the proxy {proxy_label}"), &e))?;
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = proxy.basic_auth().and_then(|v| v.to_str().ok()) {
        let _ = write!(request, "Proxy-Authorization: {auth}\r\n");
    }
    request.push_str("\r\n");
    let tunnel = async {
        stream.write_all(request.as_bytes()).await?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < MAX_PROXY_HEAD {
            if stream.read(&mut byte).await? == 0 {
                break;
            }
            head.push(byte[0]);
        }
        Ok::<_, std::io::Error>(head)
    };
    let head = tunnel
        .await
        .map_err(|e| connect_failure(&format!("the proxy {proxy_label}"), &e))?;
    let status_line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let ok = status_line
        .split_whitespace()
        .nth(1)
        .is_some_and(|code| code.starts_with('2'));
    if !ok {
        return Err((
            FetchErrorKind::Connect,
            format!(
                "the proxy {proxy_label} refused the tunnel to {target} ({})",
                if status_line.is_empty() {
                    "no answer"
                } else {
                    status_line.trim()
                }
            ),
        ));
    }
    Ok(stream)
}

fn connect_failure(whom: &str, error: &std::io::Error) -> Failure {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => (
            FetchErrorKind::Connect,
            format!("connection refused by {whom}"),
        ),
        std::io::ErrorKind::TimedOut => (
            FetchErrorKind::Timeout,
            format!("the connection to {whom} timed out"),
        ),
        _ if error.to_string().contains("lookup") || error.to_string().contains("resolve") => (
            FetchErrorKind::Dns,
            format!("DNS lookup for {whom} failed ({error})"),
        ),
        _ => (
            FetchErrorKind::Connect,
            format!("cannot connect to {whom}: {error}"),
        ),
    }
}
