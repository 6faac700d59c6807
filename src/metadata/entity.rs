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
        for c in chunk.chars().filter(|c| !c.is_ascii_whitespace()) {
            if self.text.len() >= MAX_CERT_TEXT {
                self.overflowed = true;
                return;
            }
            self.text.push(c);
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
    pub fn read(&mut self, text: &CertText) -> ParsedCert {
        if text.overflowed {
            return ParsedCert {
                sha1: None,
                cert: Err(CertError::TooLarge(MAX_CERT_TEXT)),
            };
        }
        let der = match cert::decode_base64(&text.text) {
            Ok(der) => der,
            Err(e) => {
                return ParsedCert {
                    sha1: None,
                    cert: Err(e),
                };
            }
        };
        let sha1 = Sha1::of(&der);
        if let Some(known) = self.analysed.get(&sha1) {
            return ParsedCert {
                sha1: Some(sha1),
                cert: known.clone(),
            };
        }
        let analysed = cert::analyze(&der);
        if self.analysed.len() >= CACHE_LIMIT {
            self.analysed.clear();
        }
        self.analysed.insert(sha1, analysed.clone());
        ParsedCert {
            sha1: Some(sha1),
            cert: analysed,
        }
    }
}

/// The entity being read.
#[derive(Default)]
pub(super) struct EntityBuilder {
    pub entity: Entity,
    /// Where each SHA-1 sits in `entity.certificates`.
    by_sha1: HashMap<Sha1, usize>,
}

impl EntityBuilder {
    pub fn add_role(&mut self, role: &Role) {
        if !self.entity.roles.contains(role) {
            self.entity.roles.push(role.clone());
        }
    }

    /// One `X509Certificate` of a `KeyDescriptor`, merged with an earlier sighting of the same
    /// certificate. A certificate that is a key anywhere counts as a key (position 0).
    pub fn add_key(&mut self, parsed: ParsedCert, role: &Role, key_use: KeyUse, position: usize) {
        if let Some(&at) = parsed.sha1.as_ref().and_then(|sha1| self.by_sha1.get(sha1)) {
            let known = &mut self.entity.certificates[at];
            known.key_use = known.key_use.combine(key_use);
            known.chain_position = known.chain_position.min(position);
            if !known.roles.contains(role) {
                known.roles.push(role.clone());
            }
            return;
        }
        if let Some(sha1) = parsed.sha1 {
            self.by_sha1.insert(sha1, self.entity.certificates.len());
        }
        self.entity.certificates.push(KeyCert {
            sha1: parsed.sha1,
            cert: parsed.cert,
            key_use,
            roles: vec![role.clone()],
            chain_position: position,
        });
    }

    pub fn add_sign_in_url(&mut self, url: &str) {
        let url = url.trim();
        if !url.is_empty() && !self.entity.sign_in_urls.iter().any(|u| u == url) {
            self.entity.sign_in_urls.push(url.to_owned());
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
        let parsed = CertCache::default().read(&text);
        assert_eq!(parsed.cert, Err(CertError::TooLarge(MAX_CERT_TEXT)));
    }
}
