//! Assembling one [`Entity`] while its elements stream past: certificates de-duplicated by
//! SHA-1 with every placement remembered, and a bounded cache so that a certificate repeated
//! across descriptors and entities is analysed once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{Entity, KeyCert, KeyUse, Role};
use crate::cert::{self, CertError, CertInfo, Sha1};

/// The base64 text of one `X509Certificate`, whitespace removed, with a size cap.
#[derive(Default)]
pub(super) struct CertText {
    text: Vec<u8>,
    overflowed: bool,
}

/// Base64 beyond this (after whitespace is dropped) is refused: real certificates are a few
/// kilobytes, and the cap keeps a hostile document from growing memory.
pub(super) const MAX_CERT_TEXT: usize = 1 << 20;

impl CertText {
    pub fn clear(&mut self) {
        self.text.clear();
        self.overflowed = false;
    }

    pub fn push_str(&mut self, chunk: &str) {
        if self.overflowed {
            return;
        }
        // Whole runs between whitespace at a time: the text is base64 wrapped at 64 or 76
        // columns and indented, so this copies lines and skips indentation. Tabs are rare
        // enough to look for only inside the runs found.
        let mut rest = chunk.as_bytes();
        loop {
            let start = rest
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(rest.len());
            rest = &rest[start..];
            if rest.is_empty() {
                return;
            }
            let len = memchr::memchr3(b'\n', b' ', b'\r', rest).unwrap_or(rest.len());
            let len = memchr::memchr(b'\t', &rest[..len]).unwrap_or(len);
            let room = MAX_CERT_TEXT - self.text.len();
            if len > room {
                self.text.extend_from_slice(&rest[..room]);
                self.overflowed = true;
                return;
            }
            self.text.extend_from_slice(&rest[..len]);
            rest = &rest[len..];
        }
    }

    /// The text read so far, for decoding later (perhaps on another thread). Leaves room for
    /// as much text again, as the next certificate is usually about as long.
    pub fn take(&mut self) -> RawCert {
        let room = self.text.len();
        let text = std::mem::replace(&mut self.text, Vec::with_capacity(room));
        RawCert(if self.overflowed {
            Err(CertError::TooLarge(MAX_CERT_TEXT))
        } else {
            Ok(text)
        })
    }
}

/// A certificate's base64 as read from the document (whitespace dropped), or why it was
/// refused while reading. Decoded and analysed off the reading thread.
pub(super) struct RawCert(Result<Vec<u8>, CertError>);

impl RawCert {
    /// Decode the text: its SHA-1 and the DER, or why it is not base64 (or too long).
    fn decode(self) -> Result<(Sha1, Vec<u8>), CertError> {
        let der = self.0.and_then(|text| cert::decode_base64(&text))?;
        Ok((Sha1::of(&der), der))
    }

    /// Decode and analyse it now (with `cache`).
    pub fn analyse(self, cache: &mut CertCache) -> ParsedCert {
        ParsedCert::of(self.decode(), cache)
    }
}

/// A certificate as read from the document: its thumbprint when the base64 decoded, and the
/// analysis or why it failed.
#[derive(Clone)]
pub(super) struct ParsedCert {
    pub sha1: Option<Sha1>,
    pub cert: Result<CertInfo, CertError>,
}

impl ParsedCert {
    /// The analysis (through `cache`) of a decoded certificate, or why it did not decode.
    fn of(decoded: Result<(Sha1, Vec<u8>), CertError>, cache: &mut CertCache) -> Self {
        match decoded {
            Ok((sha1, der)) => Self {
                sha1: Some(sha1),
                cert: cache.analyse(sha1, &der),
            },
            Err(e) => Self {
                sha1: None,
                cert: Err(e),
            },
        }
    }

    /// A placement-free [`KeyCert`], for the certificate of a `ds:Signature`.
    pub fn into_signature_key(self) -> KeyCert {
        KeyCert {
            sha1: self.sha1,
            cert: self.cert,
            key_use: KeyUse::Signing,
            roles: Vec::new(),
            chain_position: 0,
        }
    }
}

/// Analyses each distinct DER once. Bounded, so memory stays flat on huge aggregates: when
/// full it starts over (aggregates rarely repeat a certificate far apart).
///
/// A certificate is kept only from its second sighting on: most certificates of an aggregate
/// appear once, and keeping those would copy every analysis for nothing.
#[derive(Default)]
pub(super) struct CertCache {
    analysed: HashMap<Sha1, Result<CertInfo, CertError>>,
    seen_once: HashSet<Sha1>,
}

const CACHE_LIMIT: usize = 4096;

impl CertCache {
    /// The analysis of `der`, whose SHA-1 is `sha1`.
    pub fn analyse(&mut self, sha1: Sha1, der: &[u8]) -> Result<CertInfo, CertError> {
        if let Some(known) = self.analysed.get(&sha1) {
            return known.clone();
        }
        let analysed = cert::analyze_with_sha1(der, sha1);
        if self.seen_once.insert(sha1) {
            if self.seen_once.len() >= CACHE_LIMIT {
                self.seen_once.clear();
            }
            return analysed;
        }
        if self.analysed.len() >= CACHE_LIMIT {
            self.analysed.clear();
        }
        self.analysed.insert(sha1, analysed.clone());
        analysed
    }
}

/// One `X509Certificate` of a `KeyDescriptor`, as read.
struct KeyText {
    raw: RawCert,
    role: Role,
    key_use: KeyUse,
    position: usize,
}

/// The entity being read. Its certificates are kept as text while they stream past; decoding,
/// de-duplication and analysis happen in [`PendingEntity::resolve`], which may run on another
/// thread.
#[derive(Default)]
pub(super) struct EntityBuilder {
    pending: PendingEntity,
}

/// An entity whose certificates still wait to be decoded and analysed.
#[derive(Default)]
pub(super) struct PendingEntity {
    pub entity: Entity,
    /// Every `X509Certificate` of the entity's key descriptors, in document order.
    keys: Vec<KeyText>,
    /// The entity's signature certificate, until analysed into `entity.signed_by`.
    signer: Option<RawCert>,
}

impl PendingEntity {
    /// Decode every certificate, merge repeats (by SHA-1, keeping every placement) and analyse
    /// each distinct one once, through `cache`.
    pub fn resolve(mut self, cache: &mut CertCache) -> Entity {
        let certificates = &mut self.entity.certificates;
        for key in self.keys {
            let decoded = key.raw.decode();
            let known = decoded
                .as_ref()
                .ok()
                .and_then(|&(sha1, _)| certificates.iter_mut().find(|c| c.sha1 == Some(sha1)));
            if let Some(known) = known {
                // A certificate that is a key anywhere counts as a key (position 0).
                known.key_use = known.key_use.combine(key.key_use);
                known.chain_position = known.chain_position.min(key.position);
                if !known.roles.contains(&key.role) {
                    known.roles.push(key.role);
                }
                continue;
            }
            let parsed = ParsedCert::of(decoded, cache);
            certificates.push(KeyCert {
                sha1: parsed.sha1,
                cert: parsed.cert,
                key_use: key.key_use,
                roles: vec![key.role],
                chain_position: key.position,
            });
        }
        if let Some(signer) = self.signer {
            self.entity.signed_by = Some(signer.analyse(cache).into_signature_key());
        }
        self.entity
    }
}

impl EntityBuilder {
    pub fn entity_mut(&mut self) -> &mut Entity {
        &mut self.pending.entity
    }

    pub fn finish(self) -> PendingEntity {
        self.pending
    }

    pub fn add_role(&mut self, role: &Role) {
        let roles = &mut self.pending.entity.roles;
        if !roles.contains(role) {
            roles.push(role.clone());
        }
    }

    /// The certificate of the entity's own `ds:Signature`; only the first one counts.
    pub fn set_signer(&mut self, signer: RawCert) {
        if self.pending.signer.is_none() {
            self.pending.signer = Some(signer);
        }
    }

    /// One `X509Certificate` of a `KeyDescriptor`.
    pub fn add_key(&mut self, raw: RawCert, role: &Role, key_use: KeyUse, position: usize) {
        self.pending.keys.push(KeyText {
            raw,
            role: role.clone(),
            key_use,
            position,
        });
    }

    pub fn add_sign_in_url(&mut self, url: &str) {
        let url = url.trim();
        let urls = &mut self.pending.entity.sign_in_urls;
        if !url.is_empty() && !urls.iter().any(|u| u == url) {
            urls.push(url.to_owned());
        }
    }
}

/// An `xs:dateTime` such as `2026-12-01T00:00:00Z`; one without a zone is taken as UTC.
pub(super) fn parse_xs_datetime(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xs_datetime_with_and_without_zone() {
        let z = parse_xs_datetime("2026-12-01T10:00:00Z");
        assert_eq!(
            z.map(|t| t.to_rfc3339()),
            Some("2026-12-01T10:00:00+00:00".into())
        );
        let offset = parse_xs_datetime("2026-12-01T12:00:00.5+02:00");
        assert_eq!(offset.map(|t| t.timestamp()), z.map(|t| t.timestamp()));
        let naive = parse_xs_datetime(" 2026-12-01T10:00:00 ");
        assert_eq!(naive, z);
        assert_eq!(parse_xs_datetime("next tuesday"), None);
    }

    #[test]
    fn cert_text_drops_whitespace_and_caps_size() {
        let mut text = CertText::default();
        text.push_str(" MII\r\n\tAB ");
        text.push_str("=");
        assert_eq!(text.text, b"MIIAB=");
        text.clear();
        let chunk = "A".repeat(4096);
        for _ in 0..=(MAX_CERT_TEXT / 4096) {
            text.push_str(&chunk);
        }
        assert!(text.overflowed);
        assert_eq!(text.text.len(), MAX_CERT_TEXT);
        let parsed = text.take().analyse(&mut CertCache::default());
        assert_eq!(parsed.cert, Err(CertError::TooLarge(MAX_CERT_TEXT)));
    }
}
