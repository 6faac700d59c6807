//! X.509 certificate facts: DER / PEM in, [`CertInfo`] out (x509-parser, SHA-1 / SHA-256).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use x509_parser::asn1_rs::{Any, Class, FromDer, Oid, Tag, ToDer};
use x509_parser::certificate::{X509Certificate, X509CertificateParser};
use x509_parser::error::X509Error;
use x509_parser::nom::Parser;
use x509_parser::objects::{oid_registry, oid2abbrev, oid2sn};
use x509_parser::oid_registry::{
    OID_DOMAIN_COMPONENT, OID_KEY_TYPE_DSA, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION,
    OID_PKCS1_RSASSAPSS, OID_PKCS9_EMAIL_ADDRESS, OID_SHA1_WITH_RSA, OID_SIG_ED448,
    OID_SIG_ED25519, OID_X509_COMMON_NAME, OID_X509_COUNTRY_NAME,
    OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER, OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
    OID_X509_LOCALITY_NAME, OID_X509_ORGANIZATION_NAME, OID_X509_ORGANIZATIONAL_UNIT,
    OID_X509_STATE_OR_PROVINCE_NAME,
};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{SubjectPublicKeyInfo, X509Name};

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
    /// Self-issued (subject and issuer are the same name) and nothing in the certificate names
    /// another signer: see [`is_self_signed`]. The signature itself is not checked.
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
    #[error("certificate text is longer than the {0}-byte limit")]
    TooLarge(usize),
    #[error("the entity's certificate texts together pass the {0}-byte limit")]
    EntityTooLarge(usize),
    #[error("bad PEM: {0}")]
    Pem(String),
}

const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// The two uppercase hex digits of `b`. (A table, not `format!`: thumbprints are written for
/// every certificate of every entity of an aggregate.)
fn hex_pair(b: u8) -> [char; 2] {
    [
        char::from(HEX_DIGITS[usize::from(b >> 4)]),
        char::from(HEX_DIGITS[usize::from(b & 0x0F)]),
    ]
}

fn hex_upper(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    out.extend(bytes.iter().flat_map(|&b| hex_pair(b)));
    out
}

/// A digest (at most 32 bytes) as uppercase hex, on the stack.
fn digest_hex<'b>(digest: &[u8], buf: &'b mut [u8; 64]) -> &'b str {
    let n = digest.len().min(32);
    for (i, &b) in digest[..n].iter().enumerate() {
        buf[2 * i] = HEX_DIGITS[usize::from(b >> 4)];
        buf[2 * i + 1] = HEX_DIGITS[usize::from(b & 0x0F)];
    }
    std::str::from_utf8(&buf[..2 * n]).unwrap_or_default()
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_str(digest_hex(bytes, &mut [0; 64]))
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
                s.serialize_str(digest_hex(&self.0, &mut [0; 64]))
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
    /// Whole days (rounded down) from `now` to `NotAfter`; negative once expired (−1 from the
    /// moment it expires, so an expired certificate never reads as "0 days left").
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        let floor = (self.not_after - now).num_seconds().div_euclid(86_400);
        if now >= self.not_after {
            floor.min(-1)
        } else {
            floor
        }
    }

    /// Whole days since it expired (0 on the day it did), `None` while still valid.
    pub fn days_expired(&self, now: DateTime<Utc>) -> Option<i64> {
        (now >= self.not_after).then(|| (now - self.not_after).num_days())
    }

    /// Fractional days from `now` to `NotAfter`, for the verdict's boundaries.
    #[allow(clippy::cast_precision_loss)]
    pub fn days_left_exact(&self, now: DateTime<Utc>) -> f64 {
        (self.not_after - now).num_seconds() as f64 / 86_400.0
    }

    /// Valid at `now`: `NotBefore` ≤ now < `NotAfter`.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.not_before <= now && now < self.not_after
    }

    /// The DER as standard base64 on one line: what `[Convert]::ToBase64String($c.RawData)` gives.
    pub fn base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }

    /// Let go of the DER bytes and keep every fact read from them, for reports that never
    /// export the certificate itself ([`Self::base64`] is empty then).
    pub fn forget_der(&mut self) {
        static EMPTY: std::sync::LazyLock<Arc<[u8]>> = std::sync::LazyLock::new(|| Arc::from([]));
        self.der = Arc::clone(&EMPTY);
    }
}

/// Analyse one DER certificate. Trailing bytes after the certificate are an error.
pub fn analyze(der: &[u8]) -> Result<CertInfo, CertError> {
    analyze_with_sha1(der, Sha1::of(der))
}

/// [`analyze`] for a certificate whose SHA-1 the caller has already computed.
pub(crate) fn analyze_with_sha1(der: &[u8], sha1: Sha1) -> Result<CertInfo, CertError> {
    debug_assert_eq!(sha1, Sha1::of(der));
    if der.is_empty() {
        return Err(CertError::Empty);
    }
    // Extensions are not needed for any fact we report; skipping their deep parse keeps odd
    // but otherwise valid certificates readable (and is faster).
    let (rest, cert) = X509CertificateParser::new()
        .with_deep_parse_extensions(false)
        .parse(der)
        .map_err(describe_der_error)?;
    if !rest.is_empty() {
        return Err(CertError::TrailingData(rest.len()));
    }
    let raw = cert.as_raw();
    let key = KeyFacts::of(cert.public_key());
    let validity = cert.validity();
    let subject = format_name(cert.subject());
    let issuer = format_name(cert.issuer());
    let self_signed = subject == issuer && is_self_signed(&cert, key.kind);
    Ok(CertInfo {
        sha1,
        sha256: Sha256::of(raw),
        subject,
        issuer,
        serial: format_serial(cert.raw_serial()),
        not_before: to_utc(validity.not_before.timestamp())?,
        not_after: to_utc(validity.not_after.timestamp())?,
        self_signed,
        signature_algorithm: signature_algorithm_name(&cert.signature_algorithm.algorithm),
        key_algorithm: key.algorithm,
        key_bits: key.bits,
        der: Arc::from(raw),
    })
}

/// The host names and IP addresses a certificate is issued for (its subjectAltName DNS and IP
/// entries, in order), as a TLS client matches them; empty when it has none or they cannot be
/// read.
pub fn dns_names(der: &[u8]) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return Vec::new();
    };
    let Ok(Some(names)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    names
        .value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some((*dns).to_owned()),
            GeneralName::IPAddress(bytes) => match *bytes {
                [a, b, c, d] => Some(std::net::Ipv4Addr::new(*a, *b, *c, *d).to_string()),
                _ => <[u8; 16]>::try_from(*bytes)
                    .ok()
                    .map(|v6| std::net::Ipv6Addr::from(v6).to_string()),
            },
            _ => None,
        })
        .collect()
}

fn describe_der_error(err: x509_parser::nom::Err<X509Error>) -> CertError {
    match err {
        x509_parser::nom::Err::Incomplete(_) => {
            CertError::Der("the DER data ends before the certificate does (truncated)".into())
        }
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => {
            CertError::Der(e.to_string())
        }
    }
}

fn to_utc(timestamp: i64) -> Result<DateTime<Utc>, CertError> {
    DateTime::from_timestamp(timestamp, 0)
        .ok_or_else(|| CertError::Der(format!("validity date {timestamp} is out of range")))
}

/// The serial as `openssl x509 -serial` prints it: the integer's bytes in hex, without the
/// sign-padding zero byte DER adds before a high bit.
fn format_serial(raw: &[u8]) -> String {
    let significant = match raw {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => raw,
    };
    if significant.is_empty() {
        return "00".into();
    }
    hex_upper(significant)
}

/// Number of significant bits in a big-endian unsigned integer.
fn bit_length(be: &[u8]) -> u32 {
    let Some(first) = be.iter().position(|&b| b != 0) else {
        return 0;
    };
    let digits = &be[first..];
    let len = u32::try_from(digits.len()).unwrap_or(u32::MAX / 8);
    (len - 1) * 8 + (8 - digits[0].leading_zeros())
}

/// Public-key algorithm and size, named as people know them (openssl's sizes).
struct KeyFacts {
    algorithm: String,
    bits: Option<u32>,
    kind: KeyKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    Ec,
    Dsa,
    Ed25519,
    Ed448,
    Other,
}

impl KeyFacts {
    fn of(spki: &SubjectPublicKeyInfo<'_>) -> Self {
        let oid = &spki.algorithm.algorithm;
        let parsed = spki.parsed().ok();
        let rsa_bits = || match &parsed {
            Some(PublicKey::RSA(rsa)) => Some(bit_length(rsa.modulus)).filter(|&b| b > 0),
            _ => None,
        };
        let (algorithm, bits, kind) = if *oid == OID_PKCS1_RSAENCRYPTION {
            ("RSA".to_owned(), rsa_bits(), KeyKind::Rsa)
        } else if *oid == OID_PKCS1_RSASSAPSS {
            ("RSA-PSS".to_owned(), rsa_bits(), KeyKind::Rsa)
        } else if *oid == OID_KEY_TYPE_EC_PUBLIC_KEY {
            let bits = ec_curve_bits(spki.algorithm.parameters.as_ref()).or(match &parsed {
                Some(PublicKey::EC(point)) => u32::try_from(point.key_size()).ok(),
                _ => None,
            });
            ("EC".to_owned(), bits.filter(|&b| b > 0), KeyKind::Ec)
        } else if *oid == OID_KEY_TYPE_DSA {
            let bits = dsa_p_bits(spki.algorithm.parameters.as_ref());
            ("DSA".to_owned(), bits, KeyKind::Dsa)
        } else if *oid == OID_SIG_ED25519 {
            ("Ed25519".to_owned(), None, KeyKind::Ed25519)
        } else if *oid == OID_SIG_ED448 {
            ("Ed448".to_owned(), None, KeyKind::Ed448)
        } else {
            (oid.to_id_string(), None, KeyKind::Other)
        };
        Self {
            algorithm,
            bits,
            kind,
        }
    }
}

/// Size of a named curve, from the algorithm parameters' OID.
fn ec_curve_bits(parameters: Option<&Any<'_>>) -> Option<u32> {
    let curve = parameters?.as_oid().ok()?;
    let bits = match curve.to_id_string().as_str() {
        "1.2.840.10045.3.1.1" => 192, // P-192
        "1.3.132.0.33" => 224,        // P-224
        // P-256, secp256k1, brainpoolP256r1
        "1.2.840.10045.3.1.7" | "1.3.132.0.10" | "1.3.36.3.3.2.8.1.1.7" => 256,
        "1.3.132.0.34" | "1.3.36.3.3.2.8.1.1.11" => 384, // P-384, brainpoolP384r1
        "1.3.36.3.3.2.8.1.1.13" => 512,                  // brainpoolP512r1
        "1.3.132.0.35" => 521,                           // P-521
        _ => return None,
    };
    Some(bits)
}

/// Size of DSA's prime `p`, the first integer of `Dss-Parms ::= SEQUENCE { p, q, g }`.
fn dsa_p_bits(parameters: Option<&Any<'_>>) -> Option<u32> {
    let params = parameters?;
    if params.tag() != Tag::Sequence {
        return None;
    }
    let (_, p) = Any::from_der(params.data).ok()?;
    (p.tag() == Tag::Integer).then(|| bit_length(p.data))
}

/// Signature algorithm arcs, as DER content bytes (`Oid::as_bytes`).
const PKCS1: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01]; // 1.2.840.113549.1.1
const ECDSA: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04]; // 1.2.840.10045.4
const DSA_SHA1: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x03]; // 1.2.840.10040.4.3
const DSA_SHA2: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03]; // 2.16.840.1.101.3.4.3

/// The openssl name of a signature algorithm, else the registry's short name, else the OID.
fn signature_algorithm_name(oid: &Oid<'_>) -> String {
    let bytes = oid.as_bytes();
    let openssl_name = if bytes == DSA_SHA1 {
        Some("dsaWithSHA1")
    } else if let Some(arc) = bytes.strip_prefix(DSA_SHA2) {
        match arc {
            [1] => Some("dsa_with_SHA224"),
            [2] => Some("dsa_with_SHA256"),
            _ => None,
        }
    } else if *oid == OID_PKCS1_RSASSAPSS {
        Some("rsassaPss")
    } else if *oid == OID_SIG_ED25519 {
        Some("ED25519")
    } else if *oid == OID_SIG_ED448 {
        Some("ED448")
    } else {
        None
    };
    openssl_name
        .or_else(|| oid2sn(oid, oid_registry()).ok())
        .map_or_else(|| oid.to_id_string(), str::to_owned)
}

/// Whether a self-issued certificate (subject and issuer already the same name) is
/// self-signed: nothing in it names another signer. Its authority key identifier, when it has
/// one, is its own subject key identifier, and its signature algorithm is one its own kind of
/// key makes. This is OpenSSL's "self-signed" flag (`X509_self_signed(cert, 0)`,
/// `EXFLAG_SS`); like that flag it does not check the signature itself.
///
/// Checking it would prove nothing here: in SAML metadata a certificate is only a carrier for
/// its key (the Metadata Interoperability Profile ignores everything else in it), and anyone
/// can make a self-signed certificate for any name. It would also cost more than everything
/// else `inspect` does on an aggregate (~14 us per RSA-2048 certificate, BENCHMARKS.md).
fn is_self_signed(cert: &X509Certificate<'_>, key: KeyKind) -> bool {
    let (own, signer) = key_identifiers(cert);
    let same_key = match (own, signer) {
        (Some(own), Some(signer)) => own == signer,
        _ => true,
    };
    same_key && signature_fits_key(&cert.signature_algorithm.algorithm, key)
}

/// The certificate's subject key identifier and its authority key identifier's `keyIdentifier`.
/// Either is `None` when absent or unreadable (an unreadable one contradicts nothing).
fn key_identifiers<'a>(cert: &X509Certificate<'a>) -> (Option<&'a [u8]>, Option<&'a [u8]>) {
    let (mut own, mut signer) = (None, None);
    for extension in cert.extensions() {
        if extension.oid == OID_X509_EXT_SUBJECT_KEY_IDENTIFIER {
            // SubjectKeyIdentifier ::= KeyIdentifier ::= OCTET STRING
            own = Any::from_der(extension.value)
                .ok()
                .filter(|(_, id)| id.tag() == Tag::OctetString)
                .map(|(_, id)| id.data);
        } else if extension.oid == OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER {
            // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT KeyIdentifier
            //   OPTIONAL, authorityCertIssuer [1] …, authorityCertSerialNumber [2] … }
            signer = Any::from_der(extension.value)
                .ok()
                .filter(|(_, aki)| aki.tag() == Tag::Sequence)
                .and_then(|(_, aki)| Any::from_der(aki.data).ok())
                .filter(|(_, first)| {
                    first.class() == Class::ContextSpecific && first.tag() == Tag(0)
                })
                .map(|(_, id)| id.data);
        }
    }
    (own, signer)
}

/// Whether a signature algorithm is one the key's kind makes: an RSA key cannot have made an
/// ECDSA signature, so such a certificate was signed by another key. Unknown kinds of key pass.
fn signature_fits_key(signature: &Oid<'_>, key: KeyKind) -> bool {
    let bytes = signature.as_bytes();
    match key {
        KeyKind::Rsa => bytes.starts_with(PKCS1) || *signature == OID_SHA1_WITH_RSA,
        KeyKind::Ec => bytes.starts_with(ECDSA),
        // dsa_with_SHA224 / SHA256 are arcs 1 and 2 of that prefix (3 and on are ECDSA's).
        KeyKind::Dsa => {
            bytes == DSA_SHA1
                || (bytes.starts_with(DSA_SHA2) && matches!(bytes.get(DSA_SHA2.len()), Some(1..=2)))
        }
        KeyKind::Ed25519 => *signature == OID_SIG_ED25519,
        KeyKind::Ed448 => *signature == OID_SIG_ED448,
        KeyKind::Other => true,
    }
}

/// x509-parser's abbreviations (`oid2abbrev`), looked for here first: nearly every attribute
/// of a name is one of them, and a comparison is cheaper than the registry's hash lookup.
static ABBREVIATIONS: [(Oid<'static>, &str); 8] = [
    (OID_X509_COMMON_NAME, "CN"),
    (OID_X509_ORGANIZATION_NAME, "O"),
    (OID_X509_ORGANIZATIONAL_UNIT, "OU"),
    (OID_X509_COUNTRY_NAME, "C"),
    (OID_X509_LOCALITY_NAME, "L"),
    (OID_X509_STATE_OR_PROVINCE_NAME, "ST"),
    (OID_DOMAIN_COMPONENT, "DC"),
    (OID_PKCS9_EMAIL_ADDRESS, "Email"),
];

/// A distinguished name in certificate order, `CN=x, O=y`, values escaped as RFC 4514 asks.
fn format_name(name: &X509Name<'_>) -> String {
    let registry = oid_registry();
    let mut out = String::with_capacity(name.as_raw().len());
    for (i, rdn) in name.iter_rdn().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        for (j, attr) in rdn.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            let oid = attr.attr_type();
            let label = match ABBREVIATIONS.iter().find(|(known, _)| known == oid) {
                Some(&(_, label)) => Ok(label),
                None => oid2abbrev(oid, registry).or_else(|_| oid2sn(oid, registry)),
            };
            match label {
                Ok(label) => out.push_str(label),
                Err(_) => out.push_str(&oid.to_id_string()),
            }
            out.push('=');
            push_attribute_value(&mut out, attr.attr_value());
        }
    }
    out
}

fn push_attribute_value(out: &mut String, value: &Any<'_>) {
    let text = match value.tag() {
        Tag::BmpString => decode_ucs(value.data, 2).map(Cow::Owned),
        Tag::UniversalString => decode_ucs(value.data, 4).map(Cow::Owned),
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString
        | Tag::GeneralString => std::str::from_utf8(value.data).ok().map(Cow::Borrowed),
        // T61String holds UTF-8 or Latin-1 in practice, whatever the standard says.
        Tag::TeletexString | Tag::VideotexString => {
            Some(std::str::from_utf8(value.data).map_or_else(
                |_| Cow::Owned(value.data.iter().map(|&b| char::from(b)).collect()),
                Cow::Borrowed,
            ))
        }
        _ => None,
    };
    if let Some(text) = text {
        push_escaped_rfc4514(out, &text);
    } else {
        // RFC 4514 §2.4: a value that is not a string is written as `#` and its DER in hex.
        out.push('#');
        out.push_str(&hex_upper(&value.to_der_vec().unwrap_or_default()));
    }
}

/// `BMPString` (UCS-2) and `UniversalString` (UCS-4) are big-endian code units.
fn decode_ucs(data: &[u8], width: usize) -> Option<String> {
    if !data.len().is_multiple_of(width) {
        return None;
    }
    let units: Vec<u32> = data
        .chunks_exact(width)
        .map(|c| c.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
        .collect();
    if width == 2 {
        let u16s: Vec<u16> = units
            .iter()
            .filter_map(|&u| u16::try_from(u).ok())
            .collect();
        String::from_utf16(&u16s).ok()
    } else {
        units.into_iter().map(char::from_u32).collect()
    }
}

fn push_escaped_rfc4514(out: &mut String, value: &str) {
    let plain = !value.starts_with(['#', ' '])
        && !value.ends_with(' ')
        && !value
            .bytes()
            .any(|b| matches!(b, b'"' | b'+' | b',' | b';' | b'<' | b'>' | b'\\'));
    if plain {
        out.push_str(value);
        return;
    }
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
}

const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_DASHES: &str = "-----";
/// PEM labels that hold a plain X.509 certificate.
const CERTIFICATE_LABELS: [&str; 2] = ["CERTIFICATE", "X509 CERTIFICATE"];

/// Read a file that holds one or more certificates, PEM (any number of `CERTIFICATE` blocks) or
/// a single DER certificate, and return each certificate's DER bytes.
///
/// Text around PEM blocks (openssl's `-text` dump, `subject=` lines) is ignored, and so are
/// other PEM blocks such as keys. A bare base64 certificate (as copied out of metadata) is
/// accepted too.
pub fn read_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CertError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CertError::Empty);
    }
    if bytes.first() == Some(&0x30) {
        return read_der(bytes).map(|der| vec![der]);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        CertError::Der("input is neither PEM text nor DER (it starts with a byte that is not an ASN.1 SEQUENCE)".into())
    })?;
    if text.contains(PEM_BEGIN) {
        return read_pem(text);
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        let der = decode_base64(compact.as_bytes())?;
        return read_der(&der).map(|der| vec![der]);
    }
    Err(CertError::Empty)
}

/// One DER certificate, checked to parse.
fn read_der(bytes: &[u8]) -> Result<Vec<u8>, CertError> {
    let (rest, _) = X509Certificate::from_der(bytes).map_err(describe_der_error)?;
    if !rest.is_empty() {
        return Err(CertError::TrailingData(rest.len()));
    }
    Ok(bytes.to_vec())
}

fn read_pem(text: &str) -> Result<Vec<Vec<u8>>, CertError> {
    let mut certificates = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(PEM_BEGIN) {
        let line_no = text[..text.len() - rest.len() + at].lines().count() + 1;
        let after_begin = &rest[at + PEM_BEGIN.len()..];
        let label_end = after_begin.find(PEM_DASHES).ok_or_else(|| {
            CertError::Pem(format!(
                "the BEGIN line at line {line_no} does not end with -----"
            ))
        })?;
        let label = &after_begin[..label_end];
        let body_start = &after_begin[label_end + PEM_DASHES.len()..];
        let end_marker = format!("-----END {label}-----");
        let body_len = body_start.find(&end_marker).ok_or_else(|| {
            CertError::Pem(format!(
                "the {label} block at line {line_no} has no \"{end_marker}\" line"
            ))
        })?;
        if CERTIFICATE_LABELS.contains(&label) {
            let body: String = body_start[..body_len]
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let der = decode_base64(body.as_bytes()).map_err(|e| match e {
                CertError::Base64(msg) => {
                    CertError::Base64(format!("{label} block at line {line_no}: {msg}"))
                }
                other => other,
            })?;
            certificates.push(der);
        }
        rest = &body_start[body_len + end_marker.len()..];
    }
    if certificates.is_empty() {
        return Err(CertError::Empty);
    }
    Ok(certificates)
}

/// Standard base64 without whitespace; padding may be present or not.
pub(crate) fn decode_base64(text: &[u8]) -> Result<Vec<u8>, CertError> {
    use base64::Engine;
    if text.is_empty() {
        return Err(CertError::Empty);
    }
    // The SIMD decoder takes the usual case (padded, canonical); anything it refuses goes to
    // the `base64` crate, which also reads unpadded text and says where the text goes wrong.
    base64_simd::STANDARD.decode_to_vec(text).or_else(|_| {
        base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
            .decode(text)
            .map_err(|e| CertError::Base64(e.to_string()))
    })
}

/// A made-up certificate valid over `not_before..not_after`, for unit tests that need one
/// with given dates and nothing else.
#[cfg(test)]
pub(crate) fn test_cert(not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> CertInfo {
    CertInfo {
        sha1: Sha1([1; 20]),
        sha256: Sha256([1; 32]),
        subject: "CN=x".into(),
        issuer: "CN=x".into(),
        serial: "01".into(),
        not_before,
        not_after,
        key_algorithm: "RSA".into(),
        key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".into(),
        self_signed: true,
        der: Arc::from(vec![1u8]),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    macro_rules! cert_fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/metadata/certs/",
                $name
            ))
        };
    }

    fn analyze_pem(pem: &[u8]) -> CertInfo {
        let mut ders = read_certificates(pem).unwrap();
        assert_eq!(ders.len(), 1);
        analyze(&ders.remove(0)).unwrap()
    }

    fn ts(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    // Expected values from `openssl x509 -noout -serial -dates -fingerprint -sha1 -sha256 -text`.
    #[test]
    fn rsa_certificate_facts_match_openssl() {
        let c = analyze_pem(cert_fixture!("rsa_signing.pem"));
        assert_eq!(
            c.sha1.to_string(),
            "A7AB23FC55160364F200313B66C9D20A0F4D487F"
        );
        assert_eq!(
            c.sha256.to_string(),
            "4E137A02BBE0BEBB34CCC3A1A21EBFEA5BF553B8ACD7A7B78810DC30C299BE80"
        );
        assert_eq!(c.subject, "CN=ADFS Signing - fs.fixture.test");
        assert_eq!(c.serial, "4C602A166736B007E8872777BC165F1FF7876913");
        assert_eq!(c.not_before, ts("2026-12-01T08:29:26Z"));
        assert_eq!(c.not_after, ts("2028-11-30T08:29:26Z"));
        assert_eq!((c.key_algorithm.as_str(), c.key_bits), ("RSA", Some(2048)));
        assert_eq!(c.signature_algorithm, "sha256WithRSAEncryption");
        assert!(c.self_signed);
        assert_eq!(Sha1::of(&c.der), c.sha1);
    }

    #[test]
    fn key_kinds_and_sizes() {
        let cases: [(&[u8], &str, Option<u32>, &str); 6] = [
            (
                cert_fixture!("ec_p256.pem"),
                "EC",
                Some(256),
                "ecdsa-with-SHA256",
            ),
            (
                cert_fixture!("ec_p384.pem"),
                "EC",
                Some(384),
                "ecdsa-with-SHA384",
            ),
            (
                cert_fixture!("dsa_2048.pem"),
                "DSA",
                Some(2048),
                "dsa_with_SHA256",
            ),
            (cert_fixture!("ed25519.pem"), "Ed25519", None, "ED25519"),
            (
                cert_fixture!("rsa_next.pem"),
                "RSA",
                Some(3072),
                "sha256WithRSAEncryption",
            ),
            (
                cert_fixture!("rsa_1024.pem"),
                "RSA",
                Some(1024),
                "sha256WithRSAEncryption",
            ),
        ];
        for (pem, algorithm, bits, signature) in cases {
            let c = analyze_pem(pem);
            assert_eq!(
                (c.key_algorithm.as_str(), c.key_bits),
                (algorithm, bits),
                "{}",
                c.subject
            );
            assert_eq!(c.signature_algorithm, signature, "{}", c.subject);
            assert!(c.self_signed, "{} is self-signed", c.subject);
        }
    }

    #[test]
    fn generalized_time_before_1950_and_after_2049() {
        let c = analyze_pem(cert_fixture!("far_future_3023.pem"));
        assert_eq!(
            c.sha1.to_string(),
            "7EB756D1B46E78373B3DD6D48A47B09AC1FB2E4F"
        );
        assert_eq!(c.not_before, ts("1949-12-31T23:59:59Z"));
        assert_eq!(c.not_after, ts("3023-10-25T17:45:49Z"));
        assert_eq!(c.serial, "1000");
    }

    #[test]
    fn self_signed_needs_equal_names_and_nothing_naming_another_signer() {
        // Same name, signed by another RSA key whose key identifier the certificate names.
        let other_key_id = analyze_pem(cert_fixture!("same_name_other_key_id.pem"));
        assert_eq!(other_key_id.subject, other_key_id.issuer);
        assert_eq!(other_key_id.serial, "0A");
        assert!(!other_key_id.self_signed);
        // Same name, an RSA key, an ECDSA signature: its own key cannot have made it.
        let ecdsa = analyze_pem(cert_fixture!("same_name_ecdsa_signed_rsa_key.pem"));
        assert_eq!(
            (ecdsa.subject.as_str(), ecdsa.key_algorithm.as_str()),
            ("CN=Impostor Fixture", "RSA")
        );
        assert_eq!(ecdsa.signature_algorithm, "ecdsa-with-SHA256");
        assert!(!ecdsa.self_signed);
        // Different names.
        let leaf = analyze_pem(cert_fixture!("chain_leaf.pem"));
        assert_eq!(leaf.serial, "C0FFEE");
        assert!(!leaf.self_signed);
        assert!(analyze_pem(cert_fixture!("chain_ca.pem")).self_signed);
        // Same name, signed by another RSA key, no key identifiers: nothing in the certificate
        // says so, and (as OpenSSL's self-signed flag) the signature is not checked.
        let unmarked = analyze_pem(cert_fixture!("same_name_other_key.pem"));
        assert_eq!(unmarked.serial, "07");
        assert!(unmarked.self_signed);
    }

    #[test]
    fn base64_decodes_as_the_base64_crate_does() {
        use base64::Engine;
        let reference = |text: &str| {
            base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
                .decode(text)
                .map_err(|e| CertError::Base64(e.to_string()))
        };
        let long = "TWFu".repeat(100);
        let cases = [
            "TWFu", "TWE=", "TWE", "TQ==", "TQ", "QR==", "QR", "TWF", "T", "====", "TW=u", "TWFu=",
            "TWFu====", "TW Fu", "TWFu\n", "T!Fu", "-_-_", &long,
        ];
        for text in cases {
            assert_eq!(decode_base64(text.as_bytes()), reference(text), "{text:?}");
        }
        assert_eq!(decode_base64(b""), Err(CertError::Empty));
    }

    #[test]
    fn names_escape_rfc4514_specials() {
        let c = analyze_pem(cert_fixture!("rsa_next.pem"));
        assert_eq!(
            c.subject,
            r"C=NL, O=Fixture Org\, Inc., CN=ADFS Signing - fs.fixture.test"
        );
        let escaped = |value: &str| {
            let mut out = String::from("CN=");
            push_escaped_rfc4514(&mut out, value);
            out
        };
        assert_eq!(escaped(" a+b "), r"CN=\ a\+b\ ");
        assert_eq!(escaped("#x"), r"CN=\#x");
    }

    #[test]
    fn trailing_bytes_and_non_certificates_are_errors() {
        let der = cert_fixture!("rsa_signing.der");
        let mut longer = der.to_vec();
        longer.extend_from_slice(&[0, 0, 0]);
        assert_eq!(analyze(&longer), Err(CertError::TrailingData(3)));
        assert_eq!(analyze(&[]), Err(CertError::Empty));
        assert!(matches!(
            analyze(&der[..der.len() - 10]),
            Err(CertError::Der(_))
        ));
        assert!(matches!(
            analyze(&[0x02, 0x01, 0x05]),
            Err(CertError::Der(_))
        ));
    }

    #[test]
    fn read_pem_with_text_bundles_der_and_bare_base64() {
        let der = cert_fixture!("rsa_signing.der").to_vec();
        assert_eq!(
            read_certificates(cert_fixture!("rsa_signing_with_text.pem")).unwrap(),
            std::slice::from_ref(&der)
        );
        assert_eq!(read_certificates(&der).unwrap(), std::slice::from_ref(&der));
        let bundle = read_certificates(cert_fixture!("chain_bundle.pem")).unwrap();
        let sha1s: Vec<String> = bundle.iter().map(|d| Sha1::of(d).to_string()).collect();
        assert_eq!(
            sha1s,
            [
                "F64AA04B35BFABE136C3783E3D21E41E4265FF14",
                "439D34ADCE220ABC1F907E496B6384B162EC4739"
            ]
        );
        let bare = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(&der)
        };
        assert_eq!(
            read_certificates(format!("\n  {bare}\n").as_bytes()).unwrap(),
            [der]
        );
    }

    #[test]
    fn read_certificates_errors_are_clear() {
        assert_eq!(read_certificates(b""), Err(CertError::Empty));
        assert_eq!(read_certificates(b"  \n"), Err(CertError::Empty));
        assert_eq!(read_certificates(b"hello, world"), Err(CertError::Empty));
        let key_only = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        assert_eq!(read_certificates(key_only), Err(CertError::Empty));
        let unterminated = b"-----BEGIN CERTIFICATE-----\nMIIB\n";
        assert!(
            matches!(read_certificates(unterminated), Err(CertError::Pem(m)) if m.contains("line 1"))
        );
        let bad = b"x\n-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(
            matches!(read_certificates(bad), Err(CertError::Base64(m)) if m.contains("line 2"))
        );
        assert!(matches!(
            read_certificates(&[0x30, 0x03, 0x02, 0x01, 0x05]),
            Err(CertError::Der(_))
        ));
        assert!(matches!(
            read_certificates(&[0xFF, 0xD8, 0xFF]),
            Err(CertError::Der(_))
        ));
    }

    #[test]
    fn serial_and_bit_length_helpers() {
        assert_eq!(format_serial(&[0x00, 0xC0, 0xFF, 0xEE]), "C0FFEE");
        assert_eq!(format_serial(&[0x00]), "00");
        assert_eq!(format_serial(&[0x01, 0x00]), "0100");
        assert_eq!(bit_length(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[0x00]), 0);
    }

    #[test]
    fn an_expired_certificate_never_has_zero_days_left() {
        let c = analyze_pem(cert_fixture!("rsa_signing.pem"));
        let t = c.not_after;
        let left = |offset: i64| c.days_left(t + chrono::TimeDelta::seconds(offset));
        assert_eq!(left(-86_400 - 1), 1);
        assert_eq!(left(-1), 0, "one second before expiry: under a day left");
        assert_eq!(left(0), -1, "the moment it expires");
        assert_eq!(left(43_200), -1, "half a day after");
        assert_eq!(left(86_400), -1, "exactly a day after");
        assert_eq!(left(86_400 + 1), -2);
        assert_eq!(c.days_expired(t - chrono::TimeDelta::seconds(1)), None);
        assert_eq!(c.days_expired(t), Some(0));
        assert_eq!(c.days_expired(t + chrono::TimeDelta::days(3)), Some(3));
    }
}
