//! Assembling one [`Entity`] while its elements stream past: certificates de-duplicated by
//! SHA-1 with every placement remembered, and a bounded cache so that a certificate repeated
//! across descriptors and entities is analysed once.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{Entity, KeyCert, KeyUse, Role};
use crate::cert::{self, CertError, CertInfo, Sha1};

/// The base64 text of the certificates read since the entities holding them were handed over
/// for analysis, back to back and as written (whitespace and all): one buffer per batch of
/// entities rather than one allocation per certificate, moved to the analysing thread with the
/// batch, where the whitespace is dropped as each certificate is decoded.
#[derive(Default)]
pub(super) struct CertTexts {
    bytes: Vec<u8>,
    /// Where the certificate being read starts.
    start: usize,
    /// Where the open entity's certificates start (`None` outside entities).
    entity_start: Option<usize>,
    /// Why the certificate being read is refused, once it is.
    refused: Option<CertError>,
}

/// The text of one certificate beyond this (whitespace included) is refused: real certificates
/// are a few kilobytes, and the cap keeps a hostile document from growing memory.
pub(super) const MAX_CERT_TEXT: usize = 1 << 20;
/// Certificate text of one entity beyond this is refused too: memory is bounded per entity,
/// however many certificates a hostile one lists.
pub(super) const MAX_ENTITY_CERT_TEXT: usize = 8 << 20;

impl CertTexts {
    /// Bytes held (the texts not yet handed over).
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// An entity opens: its certificates count towards [`MAX_ENTITY_CERT_TEXT`] together.
    pub fn begin_entity(&mut self) {
        self.entity_start = Some(self.bytes.len());
    }

    pub fn end_entity(&mut self) {
        self.entity_start = None;
    }

    /// An `X509Certificate` opens.
    pub fn begin(&mut self) {
        self.start = self.bytes.len();
        self.refused = None;
    }

    /// More of the open certificate's text, as written.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.refused.is_some() {
            return;
        }
        let len = self.bytes.len() + chunk.len();
        if len - self.start > MAX_CERT_TEXT {
            self.refuse(CertError::TooLarge(MAX_CERT_TEXT));
        } else if self
            .entity_start
            .is_some_and(|at| len - at > MAX_ENTITY_CERT_TEXT)
        {
            self.refuse(CertError::EntityTooLarge(MAX_ENTITY_CERT_TEXT));
        } else {
            self.bytes.extend_from_slice(chunk);
        }
    }

    fn refuse(&mut self, why: CertError) {
        // What was kept of it is dropped: a refused certificate holds no memory.
        self.bytes.truncate(self.start);
        self.refused = Some(why);
    }

    /// The open certificate closes: where its text is, for decoding later (perhaps on another
    /// thread, with the buffer), or why it was refused.
    pub fn finish(&mut self) -> RawCert {
        RawCert(match self.refused.take() {
            Some(why) => Err(why),
            None => Ok(self.start..self.bytes.len()),
        })
    }

    /// The open certificate closes and is not kept: its text goes.
    pub fn discard(&mut self) {
        self.bytes.truncate(self.start);
        self.refused = None;
    }

    /// The buffer, to go with the entities whose certificates it holds; the next one starts
    /// about as large. Only between certificates.
    pub fn take(&mut self) -> Vec<u8> {
        debug_assert!(self.entity_start.is_none(), "handed over inside an entity");
        let room = self.bytes.len();
        std::mem::replace(&mut self.bytes, Vec::with_capacity(room))
    }

    /// The buffer, to decode certificates in place.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Nothing refers to the texts held any more: start over, keeping the allocation.
    pub fn clear(&mut self) {
        self.bytes.clear();
        // Only an entity cut short by an error can be open now, and nothing more is read.
        self.entity_start = self.entity_start.map(|_| 0);
    }
}

/// Where a certificate's base64 is in the batch's [`CertTexts`], or why it was refused while
/// reading. Decoded and analysed off the reading thread.
pub(super) struct RawCert(Result<Range<usize>, CertError>);

impl RawCert {
    /// Decode the text (in `texts`, which loses its whitespace): its SHA-1 and the DER, or why
    /// it is not base64 (or was too long).
    fn decode(self, texts: &mut [u8]) -> Result<(Sha1, Vec<u8>), CertError> {
        let text = self.0.map(|range| drop_whitespace(&mut texts[range]))?;
        let der = cert::decode_base64(text)?;
        Ok((Sha1::of(&der), der))
    }

    /// Decode and analyse it now (with `cache`).
    pub fn analyse(self, texts: &mut [u8], cache: &mut CertCache) -> ParsedCert {
        ParsedCert::of(self.decode(texts), cache)
    }
}

/// Move the non-blank bytes of `text` to its front; that part.
///
/// Eight bytes at a time: a word with no byte below `!` (every XML blank is one) moves whole,
/// so a base64 line costs a handful of word moves and only the word holding its line break
/// and indentation is looked at byte by byte.
fn drop_whitespace(text: &mut [u8]) -> &[u8] {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut kept = 0;
    let mut at = 0;
    while let Some(&word) = text
        .get(at..at + 8)
        .and_then(|w| <&[u8; 8]>::try_from(w).ok())
    {
        let value = u64::from_ne_bytes(word);
        // Some byte is below 0x21 (exactly when this is non-zero: the "has less than" test).
        if value.wrapping_sub(ONES * 0x21) & !value & HIGH == 0 {
            text[kept..kept + 8].copy_from_slice(&word);
            kept += 8;
        } else {
            for byte in word {
                if !byte.is_ascii_whitespace() {
                    text[kept] = byte;
                    kept += 1;
                }
            }
        }
        at += 8;
    }
    for i in at..text.len() {
        let byte = text[i];
        if !byte.is_ascii_whitespace() {
            text[kept] = byte;
            kept += 1;
        }
    }
    &text[..kept]
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
    /// Decode every certificate (its text in `texts`), merge repeats (by SHA-1, keeping every
    /// placement) and analyse each distinct one once, through `cache`.
    pub fn resolve(mut self, texts: &mut [u8], cache: &mut CertCache) -> Entity {
        let certificates = &mut self.entity.certificates;
        for key in self.keys {
            let decoded = key.raw.decode(texts);
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
            self.entity.signed_by = Some(signer.analyse(texts, cache).into_signature_key());
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
#[allow(clippy::unwrap_used)]
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
    fn cert_texts_drop_whitespace_where_decoded() {
        let mut texts = CertTexts::default();
        texts.begin();
        texts.push(b" TU\r\n\tFO ");
        texts.push(b"Tg==\n");
        let first = texts.finish();
        texts.begin();
        texts.push(b"\n  TUFO\n  TUFO\n  ");
        let second = texts.finish();
        let bytes = texts.bytes_mut();
        assert_eq!(second.decode(bytes).unwrap().1, b"MANMAN");
        assert_eq!(first.decode(bytes).unwrap().1, b"MANN");
        assert_eq!(drop_whitespace(&mut b"\t\n \x0c".to_vec()), b"");
    }

    #[test]
    fn whitespace_dropped_word_by_word_as_byte_by_byte() {
        // Every length around the 8-byte words, blanks of each kind at every place, and the
        // bytes next to them (0x21, controls that are not blanks, high bytes) kept.
        let alphabet = b" \t\n\r\x0c!\x01\x1f\x7f\x80\xffAz+/=";
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        for len in 0..80 {
            for _ in 0..50 {
                let text: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[usize::try_from(seed % alphabet.len() as u64).unwrap()]
                    })
                    .collect();
                let want: Vec<u8> = text
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                assert_eq!(drop_whitespace(&mut text.clone()), want, "{text:?}");
            }
        }
        let mut line = b"MIIC8DCCAdigAwIBAgIQ\n            ".repeat(3);
        assert_eq!(
            drop_whitespace(&mut line),
            b"MIIC8DCCAdigAwIBAgIQ".repeat(3)
        );
    }

    #[test]
    fn cert_texts_cap_each_certificate_and_each_entity() {
        let mut texts = CertTexts::default();
        let chunk = "A".repeat(4096);
        texts.begin();
        for _ in 0..=(MAX_CERT_TEXT / 4096) {
            texts.push(chunk.as_bytes());
        }
        assert_eq!(texts.len(), 0, "a refused certificate keeps nothing");
        let raw = texts.finish();
        let parsed = raw.analyse(texts.bytes_mut(), &mut CertCache::default());
        assert_eq!(parsed.cert, Err(CertError::TooLarge(MAX_CERT_TEXT)));

        // Eight certificates of an entity fit; the ninth, as long, does not.
        texts.begin_entity();
        let almost = MAX_ENTITY_CERT_TEXT / 8;
        let mut results = Vec::new();
        for _ in 0..9 {
            texts.begin();
            for _ in 0..almost / 4096 {
                texts.push(chunk.as_bytes());
            }
            results.push(texts.finish().0.map(|range| range.len()));
        }
        assert_eq!(results[..8], vec![Ok(almost); 8]);
        assert_eq!(
            results[8],
            Err(CertError::EntityTooLarge(MAX_ENTITY_CERT_TEXT))
        );
        assert_eq!(texts.len(), MAX_ENTITY_CERT_TEXT);
        // A new entity counts from where it starts.
        texts.end_entity();
        texts.begin_entity();
        texts.begin();
        texts.push(chunk.as_bytes());
        assert_eq!(texts.finish().0.map(|range| range.len()), Ok(4096));
    }
}
