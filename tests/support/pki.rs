//! A throwaway PKI for TLS tests: one CA, server certificates it signs (EC P-256: rcgen on ring
//! cannot generate RSA keys).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new() -> Self {
        Self::named("fedcert test CA")
    }

    /// A CA whose certificate's common name is `common_name`.
    pub fn named(common_name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Self { issuer }
    }

    /// The CA certificate as PEM, for `ca_file`.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A TLS server configuration with a certificate for `names` (DNS names or IP addresses).
    pub fn server_config(&self, names: &[&str]) -> Arc<rustls::ServerConfig> {
        self.server_config_with(names, |_| {})
    }

    /// A certificate that expired in 2001.
    pub fn expired_server_config(&self, names: &[&str]) -> Arc<rustls::ServerConfig> {
        self.server_config_with(names, |params| {
            params.not_before = date_time_ymd(2000, 1, 1);
            params.not_after = date_time_ymd(2001, 1, 1);
        })
    }

    /// A certificate for `names` valid from `not_before` to `not_after` (whole seconds).
    pub fn server_config_valid(
        &self,
        names: &[&str],
        not_before: chrono::DateTime<chrono::Utc>,
        not_after: chrono::DateTime<chrono::Utc>,
    ) -> Arc<rustls::ServerConfig> {
        let at = |t: chrono::DateTime<chrono::Utc>| {
            time::OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap()
        };
        self.server_config_with(names, |params| {
            params.not_before = at(not_before);
            params.not_after = at(not_after);
        })
    }

    fn server_config_with(
        &self,
        names: &[&str],
        adjust: impl FnOnce(&mut CertificateParams),
    ) -> Arc<rustls::ServerConfig> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "fedcert test server");
        adjust(&mut params);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let chain = vec![CertificateDer::from(cert.der().to_vec())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        Arc::new(config)
    }
}

/// A certificate and its private key, as PEM.
pub struct PemPair {
    pub cert: String,
    pub key: String,
}

impl TestCa {
    /// A server certificate for `names` (DNS names or IP addresses), as PEM files would hold it.
    pub fn server_pem(&self, names: &[&str]) -> PemPair {
        self.leaf_pem(
            "fedcert test server",
            names,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A client certificate (extended key usage clientAuth) with `names` as its subject
    /// alternative names.
    pub fn client_pem(&self, common_name: &str, names: &[&str]) -> PemPair {
        self.leaf_pem(
            common_name,
            names,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        )
    }

    fn leaf_pem(
        &self,
        common_name: &str,
        names: &[&str],
        usage: rcgen::ExtendedKeyUsagePurpose,
    ) -> PemPair {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        PemPair {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}
