//! From a parsed metadata document to the facts the verdict needs about one IdP: which entity,
//! which certificates sign, which decrypt, who signed the document, and what kind of IdP it is.

use std::borrow::Borrow;
use std::collections::HashSet;

use crate::cert::{CertInfo, Sha1};
use crate::metadata::{Document, DocumentInfo, Entity, KeyCert, KeyUse, Role};

use super::{FactsError, IdpFacts, IdpKind};

/// How many entity IDs an [`FactsError::Ambiguous`] message lists before it says "and N more":
/// an aggregate can hold thousands.
const LISTED_IDS: usize = 5;

/// See [`super::idp_facts`].
pub fn idp_facts(doc: &Document, entity_id: Option<&str>) -> Result<IdpFacts, FactsError> {
    let mut picker = EntityPicker::new(entity_id);
    for entity in &doc.entities {
        picker.offer(entity);
    }
    let entity = picker.finish()?;
    facts_of(entity, &doc.info)
}

/// The facts of the chosen `entity` of a document whose root is `info`; it must have an IdP
/// role.
pub fn facts_of(entity: &Entity, info: &DocumentInfo) -> Result<IdpFacts, FactsError> {
    if !is_idp(entity) {
        return Err(FactsError::NotAnIdp(entity.entity_id.clone()));
    }
    let mut unreadable = Vec::new();
    let signing = distinct_certs(
        entity.certificates.iter().filter(|k| is_signing_key(k)),
        &mut unreadable,
    );
    let encryption = distinct_certs(
        entity
            .certificates
            .iter()
            .filter(|k| k.chain_position == 0 && k.key_use == KeyUse::Encryption),
        &mut unreadable,
    );
    let signed_by = signature_cert(entity, info, &mut unreadable);
    Ok(IdpFacts {
        entity_id: entity.entity_id.clone(),
        kind: idp_kind(entity),
        signing,
        encryption,
        signed_by,
        unreadable,
        sign_in_url: entity.sign_in_urls.first().cloned(),
        valid_until: entity.valid_until.or(info.valid_until),
        ws_fed: entity.roles.contains(&Role::SecurityTokenService),
    })
}

/// Chooses a domain's IdP entity from a document's entities as they stream past, keeping only
/// the candidates and what an error would name, so that an aggregate of 40,000 entities costs
/// no more than one: the given `entity_id`; else the only IdP; else the only entity (so that
/// the error names it). `E` is an entity or a reference to one.
pub struct EntityPicker<'w, E> {
    wanted: Option<&'w str>,
    entities: usize,
    /// The first entity, while it is the only one.
    only: Option<E>,
    /// With `wanted`: the first entity with that id, and how many have it.
    matching: Option<E>,
    matches: usize,
    /// With `wanted` not (yet) found: the IdP whose id is closest to it, and how close.
    closest: Option<(usize, String)>,
    /// Without: the first IdP, how many there are, whether they all share its id, and the
    /// first few ids for the message.
    first_idp: Option<E>,
    idps: usize,
    idps_share_an_id: bool,
    idp_ids: Vec<String>,
}

impl<'w, E: Borrow<Entity>> EntityPicker<'w, E> {
    pub fn new(wanted: Option<&'w str>) -> Self {
        Self {
            wanted,
            entities: 0,
            only: None,
            matching: None,
            matches: 0,
            closest: None,
            first_idp: None,
            idps: 0,
            idps_share_an_id: true,
            idp_ids: Vec::new(),
        }
    }

    /// The next entity of the document.
    pub fn offer(&mut self, entity: E) {
        self.entities += 1;
        if self.entities > 1 {
            self.only = None;
        }
        let e = entity.borrow();
        if let Some(wanted) = self.wanted {
            // Two entities with one entityID: taking the first could show the wrong IdP's keys.
            if e.entity_id == wanted {
                self.matches += 1;
                if self.matching.is_none() {
                    self.matching = Some(entity);
                }
            } else if self.matches == 0 && is_idp(e) {
                self.consider(wanted, &e.entity_id);
            }
            return;
        }
        if is_idp(e) {
            self.idps += 1;
            if self.idp_ids.len() < LISTED_IDS {
                self.idp_ids.push(e.entity_id.clone());
            }
            match &self.first_idp {
                Some(first) => self.idps_share_an_id &= first.borrow().entity_id == e.entity_id,
                None => self.first_idp = Some(entity),
            }
        } else if self.entities == 1 {
            self.only = Some(entity);
        }
    }

    /// Keep `id` as the suggestion for a mistyped `wanted` when it is the closest IdP so far
    /// and close enough to be what was meant: the same but for a trailing slash, case or
    /// http/https; or a few characters apart.
    fn consider(&mut self, wanted: &str, id: &str) {
        let limit = (wanted.chars().count() / 10).max(2);
        if self.closest.as_ref().is_some_and(|(best, _)| *best == 0)
            || wanted.len().abs_diff(id.len()) > limit + "https://".len()
        {
            return;
        }
        let distance = if comparable(wanted) == comparable(id) {
            0
        } else {
            strsim::levenshtein(wanted, id)
        };
        if distance <= limit
            && self
                .closest
                .as_ref()
                .is_none_or(|(best, _)| distance < *best)
        {
            self.closest = Some((distance, id.to_owned()));
        }
    }

    /// The chosen entity, or why there is none.
    pub fn finish(self) -> Result<E, FactsError> {
        if self.entities == 0 {
            return Err(FactsError::NoEntity);
        }
        if let Some(wanted) = self.wanted {
            return match (self.matching, self.matches) {
                (Some(entity), 1) => Ok(entity),
                (Some(_), count) => Err(FactsError::DuplicateEntityId {
                    id: wanted.to_owned(),
                    count,
                }),
                (None, _) => Err(FactsError::EntityNotFound {
                    wanted: wanted.to_owned(),
                    closest: self.closest.map(|(_, id)| id),
                }),
            };
        }
        match (self.first_idp, self.idps) {
            (Some(only), 1) => Ok(only),
            (None, _) => match self.only {
                Some(only) => Ok(only),
                None => Err(FactsError::NoIdp {
                    count: self.entities,
                }),
            },
            (Some(first), count) if self.idps_share_an_id => Err(FactsError::DuplicateEntityId {
                id: first.borrow().entity_id.clone(),
                count,
            }),
            (Some(_), count) => Err(FactsError::Ambiguous {
                count,
                ids: list_ids(&self.idp_ids, count),
            }),
        }
    }
}

/// An entityID as a person might mistype it: without its scheme and trailing slashes, in
/// lower case.
fn comparable(id: &str) -> String {
    let id = id.trim().to_lowercase();
    let bare = id
        .strip_prefix("https://")
        .or_else(|| id.strip_prefix("http://"))
        .unwrap_or(&id);
    bare.trim_end_matches('/').to_owned()
}

/// The first ids, and how many more there are.
fn list_ids(ids: &[String], count: usize) -> String {
    let more = count.saturating_sub(ids.len());
    let more = (more > 0).then(|| format!(" and {more} more"));
    format!("{}{}", ids.join(", "), more.unwrap_or_default())
}

fn is_idp(entity: &Entity) -> bool {
    entity.roles.iter().any(Role::is_idp)
}

/// A key (not a chain certificate) that may sign tokens, published in an IdP role.
fn is_signing_key(key: &KeyCert) -> bool {
    key.chain_position == 0 && key.key_use.can_sign() && key.roles.iter().any(Role::is_idp)
}

/// The readable certificates among `keys`, first occurrence of each SHA-1 only, in document
/// order; the unreadable ones become one-line messages.
fn distinct_certs<'k>(
    keys: impl Iterator<Item = &'k KeyCert>,
    unreadable: &mut Vec<String>,
) -> Vec<CertInfo> {
    let mut seen: HashSet<Sha1> = HashSet::new();
    let mut certs = Vec::new();
    for key in keys {
        match &key.cert {
            Ok(cert) if seen.insert(cert.sha1) => certs.push(cert.clone()),
            Ok(_) => {}
            Err(error) => unreadable.push(describe_unreadable(key, error)),
        }
    }
    // Kept for as long as the domain is watched, one set per domain of a fleet: no spare room.
    certs.shrink_to_fit();
    certs
}

fn describe_unreadable(key: &KeyCert, error: &impl std::fmt::Display) -> String {
    let which = key.sha1.map_or_else(
        || "a certificate".to_owned(),
        |sha1| format!("certificate {sha1}"),
    );
    let roles: Vec<String> = key.roles.iter().map(Role::name).collect();
    let place = if roles.is_empty() {
        String::new()
    } else {
        format!(" in {}", roles.join(", "))
    };
    format!("{which}{place} cannot be read: {error}")
}

/// The entity's own signature certificate, else the document root's (an aggregate is signed
/// once, at the top).
fn signature_cert(
    entity: &Entity,
    info: &DocumentInfo,
    unreadable: &mut Vec<String>,
) -> Option<CertInfo> {
    let mut first_readable = None;
    for (whose, key) in [("entity", &entity.signed_by), ("document", &info.signed_by)] {
        let Some(key) = key else { continue };
        match &key.cert {
            Ok(cert) => {
                first_readable.get_or_insert_with(|| cert.clone());
            }
            Err(error) => unreadable.push(format!(
                "the {whose} signature's certificate cannot be read: {error}"
            )),
        }
    }
    first_readable
}

/// AD FS names itself `http(s)://<fs>/adfs/services/trust` and serves sign-in under `/adfs/`.
fn idp_kind(entity: &Entity) -> IdpKind {
    let id = entity.entity_id.to_ascii_lowercase();
    let trust_path = id
        .strip_suffix('/')
        .unwrap_or(&id)
        .ends_with("/adfs/services/trust");
    let url_shaped = id.starts_with("http://") || id.starts_with("https://");
    let adfs_sign_in = entity
        .sign_in_urls
        .iter()
        .any(|url| url.to_ascii_lowercase().contains("/adfs/"));
    if (url_shaped && trust_path) || adfs_sign_in {
        IdpKind::AdFs
    } else {
        IdpKind::ThirdParty
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::cert::{CertError, Sha256};

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    fn cert(id: u8) -> CertInfo {
        CertInfo {
            sha1: Sha1([id; 20]),
            sha256: Sha256([id; 32]),
            subject: format!("CN=cert {id}"),
            issuer: format!("CN=cert {id}"),
            serial: format!("{id:02X}"),
            not_before: at(2026, 1, 1),
            not_after: at(2027, 1, 1),
            key_algorithm: "RSA".into(),
            key_bits: Some(2048),
            signature_algorithm: "sha256WithRSAEncryption".into(),
            self_signed: true,
            der: Arc::from(vec![id]),
        }
    }

    fn key(id: u8, key_use: KeyUse, roles: &[Role]) -> KeyCert {
        KeyCert {
            sha1: Some(Sha1([id; 20])),
            cert: Ok(cert(id)),
            key_use,
            roles: roles.to_vec(),
            chain_position: 0,
        }
    }

    fn broken_key(roles: &[Role]) -> KeyCert {
        KeyCert {
            sha1: None,
            cert: Err(CertError::Base64("invalid byte 0x21".into())),
            key_use: KeyUse::Signing,
            roles: roles.to_vec(),
            chain_position: 0,
        }
    }

    fn entity(id: &str, roles: &[Role], certificates: Vec<KeyCert>) -> Entity {
        Entity {
            entity_id: id.into(),
            roles: roles.to_vec(),
            certificates,
            ..Entity::default()
        }
    }

    fn doc(entities: Vec<Entity>) -> Document {
        Document {
            info: DocumentInfo {
                entity_count: entities.len(),
                ..DocumentInfo::default()
            },
            entities,
        }
    }

    const IDP: &[Role] = &[Role::IdpSso];
    const STS: &[Role] = &[Role::SecurityTokenService];
    const SP: &[Role] = &[Role::SpSso];

    type SelectionCase<'a> = (
        &'a str,
        Document,
        Option<&'a str>,
        Result<&'a str, FactsError>,
    );

    #[test]
    fn entity_selection() {
        let idp_a = || entity("https://a/idp", IDP, vec![key(1, KeyUse::Signing, IDP)]);
        let idp_b = || entity("https://b/idp", STS, vec![key(2, KeyUse::Signing, STS)]);
        let sp = || entity("https://sp", SP, vec![key(3, KeyUse::Signing, SP)]);
        let cases: Vec<SelectionCase> = vec![
            (
                "empty document",
                doc(vec![]),
                None,
                Err(FactsError::NoEntity),
            ),
            ("only entity", doc(vec![idp_a()]), None, Ok("https://a/idp")),
            (
                "only idp among SPs",
                doc(vec![sp(), idp_b(), sp()]),
                None,
                Ok("https://b/idp"),
            ),
            (
                "named entity",
                doc(vec![idp_a(), idp_b()]),
                Some("https://b/idp"),
                Ok("https://b/idp"),
            ),
            (
                "named entity missing",
                doc(vec![idp_a()]),
                Some("https://zzz"),
                Err(FactsError::EntityNotFound {
                    wanted: "https://zzz".into(),
                    closest: None,
                }),
            ),
            (
                "named entity with a trailing slash: the IdP offered",
                doc(vec![idp_a(), sp(), idp_b()]),
                Some("HTTPS://b/idp/"),
                Err(FactsError::EntityNotFound {
                    wanted: "HTTPS://b/idp/".into(),
                    closest: Some("https://b/idp".into()),
                }),
            ),
            (
                "named entity a character off: the closest IdP offered",
                doc(vec![idp_a(), sp(), idp_b()]),
                Some("https://b/idq"),
                Err(FactsError::EntityNotFound {
                    wanted: "https://b/idq".into(),
                    closest: Some("https://b/idp".into()),
                }),
            ),
            (
                "named entity close only to an SP: nothing offered",
                doc(vec![idp_a(), sp()]),
                Some("https://sp/"),
                Err(FactsError::EntityNotFound {
                    wanted: "https://sp/".into(),
                    closest: None,
                }),
            ),
            (
                "named entity is an SP",
                doc(vec![idp_a(), sp()]),
                Some("https://sp"),
                Err(FactsError::NotAnIdp("https://sp".into())),
            ),
            (
                "only entity is an SP",
                doc(vec![sp()]),
                None,
                Err(FactsError::NotAnIdp("https://sp".into())),
            ),
            (
                "several SPs, no IdP",
                doc(vec![sp(), sp()]),
                None,
                Err(FactsError::NoIdp { count: 2 }),
            ),
            (
                "two IdPs",
                doc(vec![idp_a(), sp(), idp_b()]),
                None,
                Err(FactsError::Ambiguous {
                    count: 2,
                    ids: "https://a/idp, https://b/idp".into(),
                }),
            ),
        ];
        for (name, doc, wanted, expected) in cases {
            let got = idp_facts(&doc, wanted).map(|f| f.entity_id);
            assert_eq!(got, expected.map(str::to_owned), "{name}");
        }
    }

    #[test]
    fn ambiguous_lists_at_most_five_ids() {
        let many: Vec<Entity> = (0..8)
            .map(|i| entity(&format!("urn:idp:{i}"), IDP, vec![]))
            .collect();
        let error = idp_facts(&doc(many), None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the metadata holds 8 identity providers; set entity_id to one of: \
             urn:idp:0, urn:idp:1, urn:idp:2, urn:idp:3, urn:idp:4 and 3 more"
        );
    }

    #[test]
    fn signing_and_encryption_certs() {
        let chain = KeyCert {
            chain_position: 1,
            ..key(9, KeyUse::Signing, IDP)
        };
        let roles = [
            Role::ApplicationService,
            Role::SecurityTokenService,
            Role::SpSso,
            Role::IdpSso,
        ];
        let e = entity(
            "http://fs.contoso.com/adfs/services/trust",
            &roles,
            vec![
                key(
                    1,
                    KeyUse::Encryption,
                    &[Role::ApplicationService, Role::IdpSso],
                ),
                key(
                    2,
                    KeyUse::Signing,
                    &[Role::SecurityTokenService, Role::SpSso, Role::IdpSso],
                ),
                key(3, KeyUse::Signing, &[Role::SpSso]), // SP-only: never a token-signing cert
                key(4, KeyUse::Any, IDP),                // no `use`: signs too
                chain,                                   // chain certificates are never keys
                key(2, KeyUse::Signing, IDP),            // repeated: counted once
                key(5, KeyUse::Encryption, SP),
                broken_key(IDP),
            ],
        );
        let facts = idp_facts(&doc(vec![e]), None).unwrap();
        let ids = |certs: &[CertInfo]| certs.iter().map(|c| c.sha1.0[0]).collect::<Vec<_>>();
        assert_eq!(ids(&facts.signing), [2, 4]);
        assert_eq!(ids(&facts.encryption), [1, 5]);
        assert_eq!(
            facts.unreadable,
            [
                "a certificate in IDPSSODescriptor cannot be read: certificate is not valid base64: invalid byte 0x21"
            ]
        );
    }

    #[test]
    fn signed_by_prefers_the_entity_signature() {
        let mut e = entity("https://idp", IDP, vec![key(1, KeyUse::Signing, IDP)]);
        let mut d = doc(vec![e.clone()]);
        assert_eq!(idp_facts(&d, None).unwrap().signed_by, None);

        d.info.signed_by = Some(key(7, KeyUse::Signing, &[]));
        assert_eq!(
            idp_facts(&d, None).unwrap().signed_by.unwrap().sha1,
            Sha1([7; 20])
        );

        e.signed_by = Some(key(1, KeyUse::Signing, &[]));
        d.entities = vec![e.clone()];
        assert_eq!(
            idp_facts(&d, None).unwrap().signed_by.unwrap().sha1,
            Sha1([1; 20])
        );

        e.signed_by = Some(broken_key(&[]));
        d.entities = vec![e];
        let facts = idp_facts(&d, None).unwrap();
        assert_eq!(
            facts.signed_by.unwrap().sha1,
            Sha1([7; 20]),
            "falls back to the root's"
        );
        assert_eq!(facts.unreadable.len(), 1);
        assert!(
            facts.unreadable[0].starts_with("the entity signature's certificate cannot be read")
        );
    }

    #[test]
    fn kind_and_host() {
        let cases = [
            (
                "http://fs.contoso.com/adfs/services/trust",
                None,
                IdpKind::AdFs,
                Some("fs.contoso.com"),
            ),
            (
                "https://sts.ucar.edu/adfs/services/trust/",
                None,
                IdpKind::AdFs,
                Some("sts.ucar.edu"),
            ),
            (
                "HTTPS://FS.EXAMPLE/ADFS/SERVICES/TRUST",
                None,
                IdpKind::AdFs,
                Some("FS.EXAMPLE"),
            ),
            (
                "urn:uri:o365",
                Some("https://fs.fabrikam.com/adfs/ls/"),
                IdpKind::AdFs,
                Some("fs.fabrikam.com"),
            ),
            ("urn:adfs/services/trust", None, IdpKind::ThirdParty, None),
            (
                "http://www.okta.com/exk1",
                Some("https://contoso.okta.com/app/o365/sso/wsfed/passive"),
                IdpKind::ThirdParty,
                Some("contoso.okta.com"),
            ),
            (
                "https://idp.example.org/idp/shibboleth",
                None,
                IdpKind::ThirdParty,
                Some("idp.example.org"),
            ),
            (
                "https://idp.example.org/adfs/services/trust/mex",
                None,
                IdpKind::ThirdParty,
                Some("idp.example.org"),
            ),
        ];
        for (entity_id, sign_in, kind, host) in cases {
            let mut e = entity(entity_id, IDP, vec![]);
            // A second sign-in URL never decides the host.
            e.sign_in_urls = sign_in.into_iter().map(str::to_owned).collect();
            if !e.sign_in_urls.is_empty() {
                e.sign_in_urls.push("https://second.example/sso".into());
            }
            let facts = idp_facts(&doc(vec![e]), None).unwrap();
            assert_eq!(facts.kind, kind, "{entity_id}");
            assert_eq!(facts.host().as_deref(), host, "{entity_id}");
            assert_eq!(
                facts.sign_in_url.as_deref(),
                sign_in,
                "first sign-in URL, {entity_id}"
            );
        }
    }

    #[test]
    fn valid_until_falls_back_to_the_root() {
        let mut d = doc(vec![entity("https://idp", IDP, vec![])]);
        d.info.valid_until = Some(at(2027, 6, 1));
        assert_eq!(
            idp_facts(&d, None).unwrap().valid_until,
            Some(at(2027, 6, 1))
        );
        d.entities[0].valid_until = Some(at(2027, 3, 1));
        assert_eq!(
            idp_facts(&d, None).unwrap().valid_until,
            Some(at(2027, 3, 1))
        );
    }
}
