//! Assembling one [`Entity`] while its elements stream past: certificates de-duplicated by
//! SHA-1 with every placement remembered, and a bounded cache so that a certificate repeated
//! across descriptors and entities is analysed once.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{Entity, KeyCert, KeyUse, Role};
use crate::cert::{self, CertError, CertInfo, Sha1};

/// The base64 text of one `X509Certificate`, whitespace removed, with a size cap.
#[derive(Default)]
pub(super) struct CertText {
    text: String,
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
        // columns, so this copies lines, not characters.
        for piece in chunk.split(|c: char| c.is_ascii_whitespace()) {
            let room = MAX_CERT_TEXT - self.text.len();
            if piece.len() > room {
                let mut end = room;
                while !piece.is_char_boundary(end) {
                    end -= 1;
                }
                self.text.push_str(&piece[..end]);
                self.overflowed = true;
                return;
            }
            self.text.push_str(piece);
        }
    }

    /// Decode the text: the DER and its SHA-1, or why it is not base64 (or too long).
    pub fn decode(&self) -> Decoded {
        if self.overflowed {
            return Decoded {
                sha1: None,
                der: Err(CertError::TooLarge(MAX_CERT_TEXT)),
            };
        }
        match cert::decode_base64(&self.text) {
            Ok(der) => Decoded {
                sha1: Some(Sha1::of(&der)),
                der: Ok(der),
            },
            Err(e) => Decoded {
                sha1: None,
                der: Err(e),
            },
        }
    }
}

/// One certificate as read from the document, before its analysis: the DER and its
/// thumbprint, or why the text could not be decoded.
pub(super) struct Decoded {
    pub sha1: Option<Sha1>,
    pub der: Result<Vec<u8>, CertError>,
}

impl Decoded {
    /// Analyse it now (with `cache`): for the few certificates read outside an entity.
    pub fn analyse(self, cache: &mut CertCache) -> ParsedCert {
        let cert = match (self.sha1, self.der) {
            (Some(sha1), Ok(der)) => cache.analyse(sha1, &der),
            (_, Err(e)) => Err(e),
            (None, Ok(der)) => cert::analyze(&der),
        };
        ParsedCert {
            sha1: self.sha1,
            cert,
        }
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
#[derive(Default)]
pub(super) struct CertCache {
    analysed: HashMap<Sha1, Result<CertInfo, CertError>>,
}

const CACHE_LIMIT: usize = 4096;

impl CertCache {
    /// The analysis of `der`, whose SHA-1 is `sha1`.
    pub fn analyse(&mut self, sha1: Sha1, der: &[u8]) -> Result<CertInfo, CertError> {
        if let Some(known) = self.analysed.get(&sha1) {
            return known.clone();
        }
        let analysed = cert::analyze(der);
        if self.analysed.len() >= CACHE_LIMIT {
            self.analysed.clear();
        }
        self.analysed.insert(sha1, analysed.clone());
        analysed
    }
}

/// The entity being read. Its certificates are decoded and de-duplicated as they stream past,
/// but analysed only in [`PendingEntity::resolve`], which may run on another thread.
#[derive(Default)]
pub(super) struct EntityBuilder {
    pending: PendingEntity,
    /// Where each SHA-1 sits in `entity.certificates`.
    by_sha1: HashMap<Sha1, usize>,
}

/// An entity whose certificates still wait for their analysis.
#[derive(Default)]
pub(super) struct PendingEntity {
    pub entity: Entity,
    /// The DER of each of `entity.certificates`, in order; `None` where the text did not
    /// decode (that certificate's `cert` already holds the error).
    ders: Vec<Option<Vec<u8>>>,
    /// The entity's signature certificate, until analysed into `entity.signed_by`.
    signer: Option<Decoded>,
}

/// Stands in for a certificate's analysis until [`PendingEntity::resolve`] replaces it.
fn not_yet_analysed() -> Result<CertInfo, CertError> {
    Err(CertError::Empty)
}

impl PendingEntity {
    /// Analyse every certificate (each distinct one once, through `cache`).
    pub fn resolve(mut self, cache: &mut CertCache) -> Entity {
        for (key, der) in self.entity.certificates.iter_mut().zip(self.ders) {
            if let (Some(sha1), Some(der)) = (key.sha1, der) {
                key.cert = cache.analyse(sha1, &der);
            }
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
    pub fn set_signer(&mut self, signer: Decoded) {
        if self.pending.signer.is_none() {
            self.pending.signer = Some(signer);
        }
    }

    /// One `X509Certificate` of a `KeyDescriptor`, merged with an earlier sighting of the same
    /// certificate. A certificate that is a key anywhere counts as a key (position 0).
    pub fn add_key(&mut self, decoded: Decoded, role: &Role, key_use: KeyUse, position: usize) {
        let certificates = &mut self.pending.entity.certificates;
        if let Some(&at) = decoded
            .sha1
            .as_ref()
            .and_then(|sha1| self.by_sha1.get(sha1))
        {
            let known = &mut certificates[at];
            known.key_use = known.key_use.combine(key_use);
            known.chain_position = known.chain_position.min(position);
            if !known.roles.contains(role) {
                known.roles.push(role.clone());
            }
            return;
        }
        if let Some(sha1) = decoded.sha1 {
            self.by_sha1.insert(sha1, certificates.len());
        }
        let (cert, der) = match decoded.der {
            Ok(der) => (not_yet_analysed(), Some(der)),
            Err(e) => (Err(e), None),
        };
        certificates.push(KeyCert {
            sha1: decoded.sha1,
            cert,
            key_use,
            roles: vec![role.clone()],
            chain_position: position,
        });
        self.pending.ders.push(der);
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
        assert_eq!(text.text, "MIIAB=");
        text.clear();
        let chunk = "A".repeat(4096);
        for _ in 0..=(MAX_CERT_TEXT / 4096) {
            text.push_str(&chunk);
        }
        assert!(text.overflowed);
        assert_eq!(text.text.len(), MAX_CERT_TEXT);
        let parsed = text.decode().analyse(&mut CertCache::default());
        assert_eq!(parsed.cert, Err(CertError::TooLarge(MAX_CERT_TEXT)));
    }
}
