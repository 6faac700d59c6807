//! `tls_server_config` → a rustls server configuration (ring, the crypto library fedcert uses
//! everywhere): the certificate and key, client certificates as Go's `client_auth_type` asks
//! for them, `client_allowed_sans`, versions, cipher suites and curves.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig,
    SignatureScheme, SupportedCipherSuite,
};
use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate};

use super::raw::{ClientAuthType, Curve, RawTls, TlsVersion};

/// How client certificates are asked for and checked (Go's `tls.ClientAuthType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientCerts {
    NotAsked,
    /// Asked for; any certificate, or none, is accepted (`RequestClientCert`).
    Requested,
    /// Required; any certificate is accepted (`RequireAnyClientCert`).
    RequiredUnverified,
    /// Verified against the client CA when the client sends one (`VerifyClientCertIfGiven`).
    VerifiedIfGiven,
    /// Required and verified against the client CA (`RequireAndVerifyClientCert`).
    Verified,
}

impl ClientCerts {
    pub fn describe(self) -> Option<&'static str> {
        match self {
            Self::NotAsked => None,
            Self::Requested => Some("client certificates requested, not verified"),
            Self::RequiredUnverified => Some("client certificates required, not verified"),
            Self::VerifiedIfGiven => Some("client certificates verified when given"),
            Self::Verified => Some("client certificates required and verified"),
        }
    }
}

impl From<ClientAuthType> for ClientCerts {
    fn from(kind: ClientAuthType) -> Self {
        match kind {
            ClientAuthType::NoClientCert => Self::NotAsked,
            ClientAuthType::RequestClientCert => Self::Requested,
            ClientAuthType::RequireAnyClientCert => Self::RequiredUnverified,
            ClientAuthType::VerifyClientCertIfGiven => Self::VerifiedIfGiven,
            ClientAuthType::RequireAndVerifyClientCert => Self::Verified,
        }
    }
}

/// `tls_server_config` with its files read and its values checked against each other.
pub struct Settings {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_certs: ClientCerts,
    client_cas: Vec<CertificateDer<'static>>,
    allowed_sans: Option<Vec<String>>,
    min: TlsVersion,
    max: TlsVersion,
    cipher_suites: Option<Vec<String>>,
    prefer_server_order: bool,
    curves: Option<Vec<Curve>>,
}

impl Settings {
    /// Relative paths are taken from `base`, the web config's directory (as the toolkit does).
    pub fn from_raw(raw: RawTls, base: &Path) -> Result<Self, String> {
        let given = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        let file = |p: Option<PathBuf>| {
            p.filter(|p| !p.as_os_str().is_empty())
                .map(|p| base.join(p))
        };
        let (chain, key) = identity(
            pem_source("cert", given(raw.cert), "cert_file", file(raw.cert_file))?,
            pem_source("key", given(raw.key), "key_file", file(raw.key_file))?,
        )?;
        let client_cas = match pem_source(
            "client_ca",
            given(raw.client_ca),
            "client_ca_file",
            file(raw.client_ca_file),
        )? {
            Some((pem, name)) => certificates(&pem, &name)?,
            None => Vec::new(),
        };
        let client_certs =
            ClientCerts::from(raw.client_auth_type.unwrap_or(ClientAuthType::NoClientCert));
        check_client_auth(
            client_certs,
            &client_cas,
            raw.client_allowed_sans.as_deref(),
        )?;
        let min = raw.min_version.unwrap_or(TlsVersion::Tls12);
        let max = raw.max_version.unwrap_or(TlsVersion::Tls13);
        if max < TlsVersion::Tls12 {
            return Err("max_version below TLS12: fedcert speaks TLS 1.2 and 1.3 only".to_owned());
        }
        if min > max {
            return Err("min_version is above max_version".to_owned());
        }
        let cipher_suites = raw
            .cipher_suites
            .map(|names| names.into_iter().map(|n| n.0).collect::<Vec<_>>());
        if let Some(names) = &cipher_suites
            && min <= TlsVersion::Tls12
            && !names.iter().any(|n| tls12_suite(n).is_some())
        {
            return Err(
                "cipher_suites names no TLS 1.2 suite (TLS 1.3 suites are not configurable) \
                 while TLS 1.2 is allowed: add one, or set min_version: TLS13"
                    .to_owned(),
            );
        }
        Ok(Self {
            chain,
            key,
            client_certs,
            client_cas,
            allowed_sans: raw.client_allowed_sans,
            min,
            max,
            cipher_suites,
            prefer_server_order: raw.prefer_server_cipher_suites.unwrap_or(true),
            curves: raw.curve_preferences,
        })
    }

    pub fn client_certs(&self) -> ClientCerts {
        self.client_certs
    }

    pub fn server_config(self) -> Result<ServerConfig, String> {
        let mut provider = rustls::crypto::ring::default_provider();
        if let Some(names) = &self.cipher_suites {
            let tls13 = provider
                .cipher_suites
                .iter()
                .copied()
                .filter(|s| s.tls13().is_some());
            let tls12 = names.iter().filter_map(|n| tls12_suite(n));
            provider.cipher_suites = tls12.chain(tls13).collect();
        }
        if let Some(curves) = &self.curves {
            use rustls::crypto::ring::kx_group;
            provider.kx_groups = curves
                .iter()
                .map(|curve| match curve {
                    Curve::X25519 => kx_group::X25519,
                    Curve::P256 => kx_group::SECP256R1,
                    Curve::P384 => kx_group::SECP384R1,
                })
                .collect();
        }
        let provider = Arc::new(provider);
        let mut versions = Vec::new();
        if self.min <= TlsVersion::Tls12 {
            versions.push(&rustls::version::TLS12);
        }
        if self.max >= TlsVersion::Tls13 {
            versions.push(&rustls::version::TLS13);
        }
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&versions)
            .map_err(|e| format!("tls_server_config: {e}"))?;
        let verifier = self.client_verifier(&provider)?;
        let builder = match verifier {
            Some(verifier) => builder.with_client_cert_verifier(verifier),
            None => builder.with_no_client_auth(),
        };
        let mut config = builder
            .with_single_cert(self.chain, self.key)
            .map_err(|e| format!("the certificate and key do not make a TLS identity: {e}"))?;
        config.ignore_client_order = self.prefer_server_order;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }

    fn client_verifier(
        &self,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Option<Arc<dyn ClientCertVerifier>>, String> {
        let mut roots = RootCertStore::empty();
        for ca in &self.client_cas {
            roots
                .add(ca.clone())
                .map_err(|e| format!("client CA: not usable as a trust anchor: {e}"))?;
        }
        let verifier: Arc<dyn ClientCertVerifier> = match self.client_certs {
            ClientCerts::NotAsked => return Ok(None),
            ClientCerts::Requested | ClientCerts::RequiredUnverified => Arc::new(AnyClientCert {
                mandatory: self.client_certs == ClientCerts::RequiredUnverified,
                hints: roots.subjects(),
                algorithms: provider.signature_verification_algorithms,
            }),
            ClientCerts::VerifiedIfGiven | ClientCerts::Verified => {
                let builder = WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    Arc::clone(provider),
                );
                let builder = if self.client_certs == ClientCerts::VerifiedIfGiven {
                    builder.allow_unauthenticated()
                } else {
                    builder
                };
                builder.build().map_err(|e| format!("client CA: {e}"))?
            }
        };
        Ok(Some(match &self.allowed_sans {
            Some(sans) => Arc::new(AllowedSans {
                inner: verifier,
                allowed: sans.clone(),
            }),
            None => verifier,
        }))
    }
}

/// The PEM text of `inline` or of `file` (not both), and how to name it in a message; `None`
/// when neither is given.
fn pem_source(
    inline_key: &str,
    inline: Option<String>,
    file_key: &str,
    file: Option<PathBuf>,
) -> Result<Option<(Vec<u8>, String)>, String> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(format!("set {inline_key} or {file_key}, not both")),
        (Some(text), None) => Ok(Some((text.into_bytes(), inline_key.to_owned()))),
        (None, Some(path)) => {
            let name = format!("{file_key} {}", path.display());
            let bytes = std::fs::read(&path).map_err(|e| format!("{name}: cannot read it: {e}"))?;
            Ok(Some((bytes, name)))
        }
        (None, None) => Ok(None),
    }
}

/// The server's certificate chain and key, both required.
fn identity(
    chain: Option<(Vec<u8>, String)>,
    key: Option<(Vec<u8>, String)>,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let (chain_pem, chain_name) = chain.ok_or("tls_server_config has no cert_file (or cert)")?;
    let (key_pem, key_name) = key.ok_or("tls_server_config has no key_file (or key)")?;
    let chain = certificates(&chain_pem, &chain_name)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        format!("{key_name}: no private key in it (PEM: PKCS#8, PKCS#1 or SEC1): {e}")
    })?;
    Ok((chain, key))
}

/// Every certificate of a PEM text; at least one.
fn certificates(pem: &[u8], name: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{name}: not PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "{name}: no certificate in it (PEM, -----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(certs)
}

/// The toolkit's rules on client certificates, plus one: verifying needs a CA to verify with.
fn check_client_auth(
    client_certs: ClientCerts,
    client_cas: &[CertificateDer<'_>],
    allowed_sans: Option<&[String]>,
) -> Result<(), String> {
    if !client_cas.is_empty() && client_certs == ClientCerts::NotAsked {
        return Err(
            "a client CA is given but client_auth_type is NoClientCert: set client_auth_type \
             (RequireAndVerifyClientCert to require client certificates)"
                .to_owned(),
        );
    }
    let verifies = matches!(
        client_certs,
        ClientCerts::Verified | ClientCerts::VerifiedIfGiven
    );
    if client_cas.is_empty() && verifies {
        return Err(
            "client_auth_type verifies client certificates but no client_ca_file (or \
             client_ca) names the CA that signs them"
                .to_owned(),
        );
    }
    let Some(sans) = allowed_sans else {
        return Ok(());
    };
    if !matches!(
        client_certs,
        ClientCerts::RequiredUnverified | ClientCerts::Verified
    ) {
        return Err(
            "client_allowed_sans needs client_auth_type RequireAnyClientCert or \
             RequireAndVerifyClientCert (otherwise a client may send no certificate)"
                .to_owned(),
        );
    }
    if sans.is_empty() {
        return Err(
            "client_allowed_sans is empty, which lets no client in: list the allowed names, or \
             leave it out"
                .to_owned(),
        );
    }
    Ok(())
}

/// Whether `name` (Go's spelling) is a cipher suite fedcert's TLS offers; for the parser, so a
/// wrong name is reported at its line.
pub fn check_cipher_suite(name: &str) -> Result<(), String> {
    let offered = rustls::crypto::ring::ALL_CIPHER_SUITES;
    if offered.iter().any(|s| go_name(*s).as_deref() == Some(name)) {
        return Ok(());
    }
    let names: Vec<String> = offered.iter().filter_map(|s| go_name(*s)).collect();
    Err(format!(
        "{name:?} is not a cipher suite fedcert's TLS (rustls, ring) offers; these are: {}",
        names.join(", ")
    ))
}

fn tls12_suite(name: &str) -> Option<SupportedCipherSuite> {
    rustls::crypto::ring::ALL_CIPHER_SUITES
        .iter()
        .copied()
        .find(|s| s.tls13().is_none() && go_name(*s).as_deref() == Some(name))
}

/// A suite's name as Go spells it: rustls' name, but `TLS_` where rustls says `TLS13_`.
fn go_name(suite: SupportedCipherSuite) -> Option<String> {
    let name = suite.suite().as_str()?;
    Some(match name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => name.to_owned(),
    })
}

/// `RequestClientCert` / `RequireAnyClientCert`: the client proves it holds the key of the
/// certificate it sends, and that is all (Go's meaning; the toolkit calls both insecure).
#[derive(Debug)]
struct AnyClientCert {
    mandatory: bool,
    hints: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        X509Certificate::from_der(end_entity)
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `client_allowed_sans`: after the certificate passed `inner`, one of its subject alternative
/// names (DNS, e-mail, IP address, URI) must be in the list, exactly.
struct AllowedSans {
    inner: Arc<dyn ClientCertVerifier>,
    allowed: Vec<String>,
}

impl fmt::Debug for AllowedSans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AllowedSans")
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

impl ClientCertVerifier for AllowedSans {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        let names = subject_alt_names(end_entity).ok_or(rustls::Error::InvalidCertificate(
            CertificateError::BadEncoding,
        ))?;
        if names.iter().any(|name| self.allowed.contains(name)) {
            Ok(verified)
        } else {
            tracing::info!(
                "a client certificate was refused: its names {names:?} include none of \
                 client_allowed_sans {:?}",
                self.allowed
            );
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Every DNS name, e-mail address, IP address and URI the certificate names, spelt as Go
/// spells them (IP addresses in their usual text form).
fn subject_alt_names(der: &[u8]) -> Option<Vec<String>> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Some(Vec::new());
    };
    Some(
        san.value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(s) | GeneralName::RFC822Name(s) | GeneralName::URI(s) => {
                    Some((*s).to_owned())
                }
                GeneralName::IPAddress(bytes) => match bytes.len() {
                    4 => <[u8; 4]>::try_from(*bytes)
                        .ok()
                        .map(|b| std::net::Ipv4Addr::from(b).to_string()),
                    16 => <[u8; 16]>::try_from(*bytes)
                        .ok()
                        .map(|b| std::net::Ipv6Addr::from(b).to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cipher_suites_are_go_names_rustls_offers() {
        assert!(check_cipher_suite("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").is_ok());
        assert!(check_cipher_suite("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256").is_ok());
        assert!(check_cipher_suite("TLS_AES_256_GCM_SHA384").is_ok());
        let error = check_cipher_suite("TLS_RSA_WITH_AES_128_CBC_SHA").unwrap_err();
        assert!(
            error.contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
            "the message lists what is offered: {error}"
        );
        assert!(tls12_suite("TLS_AES_256_GCM_SHA384").is_none(), "TLS 1.3");
        assert!(tls12_suite("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384").is_some());
    }

    #[test]
    fn subject_alt_names_are_spelt_as_go_spells_them() {
        let mut params = rcgen::CertificateParams::new(vec![
            "scraper.example".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ])
        .unwrap();
        params.subject_alt_names.push(rcgen::SanType::Rfc822Name(
            "ops@example.com".try_into().unwrap(),
        ));
        params.subject_alt_names.push(rcgen::SanType::URI(
            "spiffe://example/prometheus".try_into().unwrap(),
        ));
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(
            subject_alt_names(cert.der()).unwrap(),
            [
                "scraper.example",
                "127.0.0.1",
                "::1",
                "ops@example.com",
                "spiffe://example/prometheus"
            ]
        );
    }
}
