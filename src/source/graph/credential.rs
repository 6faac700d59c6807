//! The credential Graph tokens come from: the application's, for the client-credentials grant
//! (a client secret from an environment variable or a private file, or a certificate whose key
//! signs a JWT client assertion, RS256 for RSA keys and ES256 for P-256 keys), or the
//! operator's saved sign-in ([`super::signin`]).
//!
//! Nothing here ever prints the secret or the key: [`Secret`] and [`AssertionSigner`] have
//! hand-written `Debug` impls, and errors name files and variables, never their contents.

use std::fmt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::signin::SignIns;
use crate::cert::Sha1;

/// A string that must never be shown: `Debug` prints `Secret([redacted])`, and there is no
/// `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that sends it (the token request body).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Where the credential comes from, as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// The client secret is in the environment variable with this *name*.
    SecretEnv(String),
    /// The client secret is the first line of this file (readable by its owner only).
    SecretFile(std::path::PathBuf),
    /// A certificate registered on the app, and its private key (PEM; the key file readable by
    /// its owner only).
    Certificate {
        certificate: std::path::PathBuf,
        key: std::path::PathBuf,
    },
    /// The operator signs in (`fedcert login`); the sign-in is kept in this data dir (`None`:
    /// there is none to keep it in).
    SignedIn {
        data_dir: Option<std::path::PathBuf>,
    },
}

/// The credential, read and checked.
#[derive(Debug)]
pub enum Credential {
    Secret {
        secret: Secret,
        origin: String,
    },
    Certificate(Box<AssertionSigner>),
    /// The operator's sign-in saved in the data dir.
    SignedIn(SignIns),
}

impl Credential {
    /// Read the credential. `env` looks up an environment variable (tests pass a map; the
    /// program passes `std::env::var`).
    pub fn load(
        source: &CredentialSource,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        match source {
            CredentialSource::SecretEnv(name) => {
                let value = env(name).unwrap_or_default();
                let value = value.trim();
                if value.is_empty() {
                    return Err(format!(
                        "client_secret_env = {name:?}: the environment variable {name} is not set or empty; \
                         export it with the app's client secret value"
                    ));
                }
                Ok(Self::Secret {
                    secret: Secret::new(value),
                    origin: format!("${name}"),
                })
            }
            CredentialSource::SecretFile(path) => {
                refuse_if_shared(path, "client secret file")?;
                let text = std::fs::read_to_string(path).map_err(|e| {
                    format!("client secret file {}: cannot read: {e}", path.display())
                })?;
                let value = text.lines().next().unwrap_or_default().trim();
                if value.is_empty() {
                    return Err(format!("client secret file {} is empty", path.display()));
                }
                Ok(Self::Secret {
                    secret: Secret::new(value),
                    origin: path.display().to_string(),
                })
            }
            CredentialSource::Certificate { certificate, key } => {
                AssertionSigner::load(certificate, key).map(|s| Self::Certificate(Box::new(s)))
            }
            CredentialSource::SignedIn { data_dir: Some(dir) } => Ok(Self::SignedIn(SignIns::at(dir))),
            CredentialSource::SignedIn { data_dir: None } => Err(
                "auth = \"device\": there is no data directory to keep your sign-in in; set FEDCERT_DATA_DIR".to_owned(),
            ),
        }
    }

    /// A short, safe description for logs and `Debug`: `secret from $FEDCERT_CLIENT_SECRET`.
    pub fn describe(&self) -> String {
        match self {
            Self::Secret { origin, .. } => format!("client secret from {origin}"),
            Self::Certificate(signer) => format!("client certificate {}", signer.thumbprint),
            Self::SignedIn(_) => "the operator's sign-in (fedcert login)".to_owned(),
        }
    }
}

/// Refuse a secret or key file that users other than its owner can read.
#[cfg(unix)]
pub fn refuse_if_shared(path: &Path, what: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "{what} {} is readable by other users (mode {mode:03o}); refusing to use it: run chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

/// Windows ACLs are not checked; the file is used as it is.
#[cfg(not(unix))]
pub fn refuse_if_shared(_path: &Path, _what: &str) -> Result<(), String> {
    Ok(())
}

/// The key that signs client assertions.
enum SigningKey {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

impl SigningKey {
    fn algorithm(&self) -> &'static str {
        match self {
            Self::Rsa(_) => "RS256",
            Self::Ec(_) => "ES256",
        }
    }

    fn public_key(&self) -> &[u8] {
        match self {
            Self::Rsa(k) => k.public_key().as_ref(),
            Self::Ec(k) => k.public_key().as_ref(),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let rng = SystemRandom::new();
        match self {
            Self::Rsa(k) => {
                let mut signature = vec![0; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| "the RSA key could not sign the client assertion".to_owned())?;
                Ok(signature)
            }
            Self::Ec(k) => k
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| "the EC key could not sign the client assertion".to_owned()),
        }
    }
}

/// Signs JWT client assertions with a certificate's private key.
pub struct AssertionSigner {
    key: SigningKey,
    /// SHA-1 of the certificate's DER: the thumbprint Entra shows for the app's certificate.
    pub thumbprint: Sha1,
}

impl fmt::Debug for AssertionSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssertionSigner")
            .field("algorithm", &self.key.algorithm())
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl AssertionSigner {
    /// Read the certificate (PEM or DER) and its private key (PEM: PKCS#8, or PKCS#1 for RSA),
    /// and check that they belong together.
    pub fn load(certificate: &Path, key: &Path) -> Result<Self, String> {
        let cert_bytes = std::fs::read(certificate).map_err(|e| {
            format!(
                "client certificate {}: cannot read: {e}",
                certificate.display()
            )
        })?;
        let cert_der = certificate_der(&cert_bytes)
            .map_err(|why| format!("client certificate {}: {why}", certificate.display()))?;
        refuse_if_shared(key, "client key file")?;
        let key_bytes = std::fs::read(key)
            .map_err(|e| format!("client key file {}: cannot read: {e}", key.display()))?;
        let signing_key = signing_key(&key_bytes)
            .map_err(|why| format!("client key file {}: {why}", key.display()))?;
        let cert_key = certificate_public_key(&cert_der)
            .map_err(|why| format!("client certificate {}: {why}", certificate.display()))?;
        if cert_key != signing_key.public_key() {
            return Err(format!(
                "client key file {} does not belong to the certificate {} (their public keys differ)",
                key.display(),
                certificate.display()
            ));
        }
        Ok(Self {
            key: signing_key,
            thumbprint: Sha1::of(&cert_der),
        })
    }

    /// A signed client assertion for `audience` (the token endpoint), valid for ten minutes
    /// from `now`.
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: DateTime<Utc>,
    ) -> Result<String, String> {
        let x5t = URL_SAFE_NO_PAD.encode(self.thumbprint.0);
        let header = serde_json::json!({ "alg": self.key.algorithm(), "typ": "JWT", "x5t": x5t });
        let issued = now.timestamp();
        let claims = serde_json::json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": random_id()?,
            "nbf": issued,
            "iat": issued,
            "exp": issued + 600,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign(signing_input.as_bytes())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

fn random_id() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "no randomness available for the client assertion id".to_owned())?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut id, b| {
        use std::fmt::Write;
        let _ = write!(id, "{b:02x}");
        id
    }))
}

/// The first `CERTIFICATE` of a PEM file, or the bytes themselves when they look like DER.
fn certificate_der(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.first() == Some(&0x30) {
        return Ok(bytes.to_vec());
    }
    CertificateDer::pem_slice_iter(bytes)
        .next()
        .ok_or_else(|| "no CERTIFICATE block found (expected PEM or DER)".to_owned())?
        .map(|c| c.as_ref().to_vec())
        .map_err(|e| format!("not a readable PEM certificate: {e}"))
}

/// The subjectPublicKey bits of a certificate: for RSA the DER `RSAPublicKey`, for EC the
/// uncompressed point — the same bytes ring's key pairs report as their public key.
fn certificate_public_key(der: &[u8]) -> Result<Vec<u8>, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    Ok(cert.public_key().subject_public_key.data.to_vec())
}

fn signing_key(pem: &[u8]) -> Result<SigningKey, String> {
    if String::from_utf8_lossy(pem).contains("ENCRYPTED PRIVATE KEY") {
        return Err(
            "the key is encrypted; fedcert needs an unencrypted key in a file only you can read \
                    (openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem)"
                .to_owned(),
        );
    }
    let key = PrivateKeyDer::from_pem_slice(pem)
        .map_err(|e| format!("no private key found in PEM: {e}"))?;
    let rng = SystemRandom::new();
    match key {
        PrivateKeyDer::Pkcs8(der) => {
            if let Ok(rsa) = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()) {
                return Ok(SigningKey::Rsa(rsa));
            }
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der.secret_pkcs8_der(), &rng)
                .map(SigningKey::Ec)
                .map_err(|e| format!("unsupported key ({e}): use an RSA (2048+ bits) or EC P-256 key"))
        }
        PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der())
            .map(SigningKey::Rsa)
            .map_err(|e| format!("unusable RSA key ({e}): use an RSA key of 2048 bits or more")),
        PrivateKeyDer::Sec1(_) => Err("an EC key in SEC1 form (BEGIN EC PRIVATE KEY) cannot be used directly; \
                                       convert it: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem"
            .to_owned()),
        _ => Err("unsupported private key format: use PKCS#8 (BEGIN PRIVATE KEY)".to_owned()),
    }
}
