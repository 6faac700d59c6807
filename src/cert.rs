//! X.509 certificate facts: DER / PEM in, [`CertInfo`] out (x509-parser, SHA-1 / SHA-256).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// A SHA-1 thumbprint over a certificate's DER bytes: the AD FS / Entra "Thumbprint".
/// Displays as 40 uppercase hex digits without separators.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha1(pub [u8; 20]);

/// A SHA-256 fingerprint over a certificate's DER bytes. Displays as 64 uppercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256(pub [u8; 32]);

/// Everything fedcert reports about one certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    pub sha1: Sha1,
    pub sha256: Sha256,
    /// Distinguished name, RFC 4514 style in certificate order: `CN=ADFS Signing - fs.contoso.com`.
    pub subject: String,
    pub issuer: String,
    /// Serial number, uppercase hex without separators, as `openssl x509 -serial` prints it.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// `RSA`, `EC`, `DSA`, `Ed25519`, … or the dotted OID when unknown.
    pub key_algorithm: String,
    pub key_bits: Option<u32>,
    /// `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, … or the dotted OID.
    pub signature_algorithm: String,
    /// Subject equals issuer and the signature verifies with the certificate's own key
    /// (or cannot be checked by ring, e.g. RSA under 2048 bits: then subject == issuer decides).
    pub self_signed: bool,
    /// The DER bytes themselves (for base64 export into PowerShell commands).
    #[serde(skip)]
    pub der: Arc<[u8]>,
}

/// Why a certificate could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("certificate is not valid base64: {0}")]
    Base64(String),
    #[error("not an X.509 certificate: {0}")]
    Der(String),
    #[error("no certificate found in the input (expected PEM or DER)")]
    Empty,
    #[error("certificate has {0} bytes after its end")]
    TrailingData(usize),
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|b| write!(f, "{b:02X}"))
}

/// Why a thumbprint string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a thumbprint: expected {expected} hex digits (colons and spaces are allowed)"
)]
pub struct ThumbprintError {
    pub input: String,
    pub expected: usize,
}

fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], ThumbprintError> {
    let err = || ThumbprintError {
        input: s.to_owned(),
        expected: N * 2,
    };
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b':' | b' ' | b'-'))
        .collect();
    if digits.len() != N * 2 {
        return Err(err());
    }
    let mut out = [0u8; N];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let hex = std::str::from_utf8(pair).map_err(|_| err())?;
        out[i] = u8::from_str_radix(hex, 16).map_err(|_| err())?;
    }
    Ok(out)
}

macro_rules! digest_type {
    ($name:ident, $len:literal) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_hex(f, &self.0)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(", stringify!($name))?;
                write_hex(f, &self.0)?;
                f.write_str(")")
            }
        }
        impl FromStr for $name {
            type Err = ThumbprintError;
            /// Accepts upper- or lowercase hex, with or without `:` / space separators.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_hex::<$len>(s.trim()).map(Self)
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
digest_type!(Sha1, 20);
digest_type!(Sha256, 32);

impl Sha1 {
    /// The SHA-1 of `der`.
    pub fn of(der: &[u8]) -> Self {
        use sha1::Digest;
        Self(sha1::Sha1::digest(der).into())
    }
}

impl Sha256 {
    /// The SHA-256 of `der`.
    pub fn of(der: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(der).into())
    }
}

impl CertInfo {
    /// Whole days (rounded down) from `now` to NotAfter; negative once expired.
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        (self.not_after - now).num_days()
    }

    /// Fractional days from `now` to NotAfter, for the verdict's boundaries.
    #[allow(clippy::cast_precision_loss)]
    pub fn days_left_exact(&self, now: DateTime<Utc>) -> f64 {
        (self.not_after - now).num_seconds() as f64 / 86_400.0
    }

    /// Valid at `now`: NotBefore ≤ now < NotAfter.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.not_before <= now && now < self.not_after
    }

    /// The DER as standard base64 on one line: what `[Convert]::ToBase64String($c.RawData)` gives.
    pub fn base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }
}

/// Analyse one DER certificate. Trailing bytes after the certificate are an error.
pub fn analyze(der: &[u8]) -> Result<CertInfo, CertError> {
    let _ = der;
    todo!("H1: x509-parser analysis")
}

/// Read a file that holds one or more certificates, PEM (any number of `CERTIFICATE` blocks) or
/// a single DER certificate, and return each certificate's DER bytes.
pub fn read_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CertError> {
    let _ = bytes;
    todo!("H1: PEM / DER sniffing")
}
