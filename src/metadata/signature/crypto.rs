//! The algorithms a metadata signature may name, and their checks: digests of the canonical
//! document (ring), and the signature over the canonical `SignedInfo` (RSA: ring; ECDSA:
//! RustCrypto's `ecdsa`) with the public key of the certificate in the signature's own `KeyInfo`
//! — never a key from anywhere else.

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::oid_registry::{OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION};
use x509_parser::public_key::PublicKey;

use super::{Invalid, Unsupported};

/// A `DigestMethod`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            "http://www.w3.org/2000/09/xmldsig#sha1" => Self::Sha1,
            "http://www.w3.org/2001/04/xmlenc#sha256" => Self::Sha256,
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => Self::Sha384,
            "http://www.w3.org/2001/04/xmlenc#sha512" => Self::Sha512,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    pub fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            Self::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &ring::digest::SHA256,
            Self::Sha384 => &ring::digest::SHA384,
            Self::Sha512 => &ring::digest::SHA512,
        }
    }
}

/// The key family a `SignatureMethod` needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFamily {
    Rsa,
    Ecdsa,
}

/// A `SignatureMethod`: PKCS#1 v1.5 RSA or ECDSA, with a hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureAlgorithm {
    pub family: KeyFamily,
    pub hash: DigestAlgorithm,
}

impl SignatureAlgorithm {
    pub fn from_uri(uri: &str) -> Option<Self> {
        use DigestAlgorithm::{Sha1, Sha256, Sha384, Sha512};
        use KeyFamily::{Ecdsa, Rsa};
        let (family, hash) = match uri {
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => (Rsa, Sha1),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => (Rsa, Sha256),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => (Rsa, Sha384),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => (Rsa, Sha512),
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1" => (Ecdsa, Sha1),
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => (Ecdsa, Sha256),
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384" => (Ecdsa, Sha384),
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512" => (Ecdsa, Sha512),
            _ => return None,
        };
        Some(Self { family, hash })
    }

    pub fn name(self) -> &'static str {
        use DigestAlgorithm::{Sha1, Sha256, Sha384, Sha512};
        match (self.family, self.hash) {
            (KeyFamily::Rsa, Sha1) => "rsa-sha1",
            (KeyFamily::Rsa, Sha256) => "rsa-sha256",
            (KeyFamily::Rsa, Sha384) => "rsa-sha384",
            (KeyFamily::Rsa, Sha512) => "rsa-sha512",
            (KeyFamily::Ecdsa, Sha1) => "ecdsa-sha1",
            (KeyFamily::Ecdsa, Sha256) => "ecdsa-sha256",
            (KeyFamily::Ecdsa, Sha384) => "ecdsa-sha384",
            (KeyFamily::Ecdsa, Sha512) => "ecdsa-sha512",
        }
    }
}

/// Why a signature value was not accepted.
#[derive(Debug)]
pub enum Refusal {
    Invalid(Invalid),
    Unsupported(Unsupported),
}

/// Check `signature` (the decoded `SignatureValue`) over `signed` (the canonical `SignedInfo`)
/// with the public key of the certificate `der`.
pub fn verify_signature(
    algorithm: SignatureAlgorithm,
    der: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Refusal> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| Refusal::Invalid(Invalid::Certificate(e.to_string())))?;
    let spki = certificate.public_key();
    let key = spki.subject_public_key.data.as_ref();
    let oid = &spki.algorithm.algorithm;
    let ring_algorithm: &dyn VerificationAlgorithm = if *oid == OID_PKCS1_RSAENCRYPTION {
        if algorithm.family != KeyFamily::Rsa {
            return Err(Refusal::Invalid(Invalid::KeyMismatch {
                method: algorithm.name(),
                key: "RSA",
            }));
        }
        let bits = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => rsa.key_size(),
            _ => {
                return Err(Refusal::Invalid(Invalid::Certificate(
                    "its RSA public key does not parse".into(),
                )));
            }
        };
        rsa_algorithm(algorithm.hash, bits).ok_or(Refusal::Unsupported(Unsupported::RsaKey {
            bits,
            method: algorithm.name(),
        }))?
    } else if *oid == OID_KEY_TYPE_EC_PUBLIC_KEY {
        if algorithm.family != KeyFamily::Ecdsa {
            return Err(Refusal::Invalid(Invalid::KeyMismatch {
                method: algorithm.name(),
                key: "EC",
            }));
        }
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|oid| oid.to_id_string())
            .unwrap_or_default();
        let digest = ring::digest::digest(algorithm.hash.ring(), signed);
        return verify_ecdsa(&curve, key, digest.as_ref(), signature).unwrap_or_else(|| {
            Err(Refusal::Unsupported(Unsupported::EcKey {
                curve: curve_name(&curve),
                method: algorithm.name(),
            }))
        });
    } else {
        return Err(Refusal::Unsupported(Unsupported::KeyType(
            oid.to_id_string(),
        )));
    };
    UnparsedPublicKey::new(ring_algorithm, key)
        .verify(signed, signature)
        .map_err(|_| Refusal::Invalid(Invalid::SignatureMismatch))
}

/// ring's PKCS#1 v1.5 verifier for a key of `bits` and `hash`. ring takes RSA keys of
/// 1024–8192 bits, and under 2048 bits only with SHA-1, SHA-256 or SHA-512.
fn rsa_algorithm(hash: DigestAlgorithm, bits: usize) -> Option<&'static dyn VerificationAlgorithm> {
    if !(1024..=8192).contains(&bits) {
        return None;
    }
    let large = bits >= 2048;
    Some(match hash {
        DigestAlgorithm::Sha1 if large => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        DigestAlgorithm::Sha1 => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        DigestAlgorithm::Sha256 if large => &signature::RSA_PKCS1_2048_8192_SHA256,
        DigestAlgorithm::Sha256 => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        DigestAlgorithm::Sha384 if large => &signature::RSA_PKCS1_2048_8192_SHA384,
        DigestAlgorithm::Sha384 => return None,
        DigestAlgorithm::Sha512 if large => &signature::RSA_PKCS1_2048_8192_SHA512,
        DigestAlgorithm::Sha512 => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
    })
}

const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";

/// ECDSA over `digest` (the `SignatureMethod`'s hash of the canonical `SignedInfo`) with the
/// SEC1 point `key` on `curve`, `signature` being XML-DSig's fixed-width `r || s` (RFC 4051);
/// `None` for a curve other than P-256 and P-384. RustCrypto's verifier, because ring pairs
/// each curve with one hash only (P-256 with SHA-256, P-384 with SHA-384) and has no ECDSA with
/// SHA-1; this one takes any of the signature methods' hashes, as FIPS 186-4 defines it (a
/// shorter digest is the integer it spells, a longer one its leftmost bits).
fn verify_ecdsa(
    curve: &str,
    key: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Option<Result<(), Refusal>> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let not_a_point = |_| {
        Refusal::Invalid(Invalid::Certificate(
            "its EC public key is not a point of its curve".into(),
        ))
    };
    // A value of the wrong width, or an r or s outside the curve's order, is no signature by
    // this key either.
    let mismatch = |_| Refusal::Invalid(Invalid::SignatureMismatch);
    Some(match curve {
        P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
            .map_err(not_a_point)
            .and_then(|key| {
                let signature = p256::ecdsa::Signature::from_slice(signature).map_err(mismatch)?;
                key.verify_prehash(digest, &signature).map_err(mismatch)
            }),
        P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(key)
            .map_err(not_a_point)
            .and_then(|key| {
                let signature = p384::ecdsa::Signature::from_slice(signature).map_err(mismatch)?;
                key.verify_prehash(digest, &signature).map_err(mismatch)
            }),
        _ => return None,
    })
}

fn curve_name(oid: &str) -> String {
    match oid {
        P256 => "P-256".into(),
        P384 => "P-384".into(),
        "1.3.132.0.35" => "P-521".into(),
        "" => "an unnamed curve".into(),
        other => other.into(),
    }
}
