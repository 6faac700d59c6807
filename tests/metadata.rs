//! The metadata parser on our own fixtures (`tests/fixtures/metadata`, made by `make_certs.sh` and
//! `make_fixtures.py`). Every SHA-1 / SHA-256 / date below was computed independently with
//! `openssl x509 -noout -fingerprint -sha1 -sha256 -serial -dates`, never by fedcert.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::io::{BufReader, Read};

use chrono::{DateTime, Utc};
use fedcert::cert::{CertError, CertInfo, Sha1};
use fedcert::metadata::{self, Document, Entity, KeyCert, KeyUse, MAX_DEPTH, MetadataError, Role};

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

// openssl x509 -fingerprint -sha1 of tests/fixtures/metadata/certs/*.pem
const RSA_SIGNING: &str = "A7AB23FC55160364F200313B66C9D20A0F4D487F";
const RSA_ENCRYPTION: &str = "F479D7E96C097F2A4707E9A8F38C16557DBF9614";
const RSA_NEXT: &str = "65777AB7F0CE4D771B9BBD94896D95C0616FE6F4";
const RSA_1024: &str = "E118A8F0198E95A4F74E133155099BB6BEF15454";
const EC_P256: &str = "87B7CC18D6D82F34109EC689A47AAACF52FB9EA9";
const EC_P384: &str = "62158E2C63ED8A42ECA8A9FF4985E6463EF75596";
const ED25519: &str = "FE18475A578C7C898320C91FA54A0BEEAF64E60B";
const DSA_2048: &str = "E18B11A696EF27F637F79639610B7A20A6A78BCA";
const FAR_FUTURE: &str = "7EB756D1B46E78373B3DD6D48A47B09AC1FB2E4F";
const CHAIN_LEAF: &str = "F64AA04B35BFABE136C3783E3D21E41E4265FF14";
const CHAIN_CA: &str = "439D34ADCE220ABC1F907E496B6384B162EC4739";

fn fixture_bytes(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/metadata/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn parse_fixture(name: &str) -> Document {
    metadata::parse_bytes(&fixture_bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse_error(bytes: &[u8]) -> MetadataError {
    match metadata::parse_bytes(bytes) {
        Ok(doc) => panic!("expected an error, parsed {} entities", doc.entities.len()),
        Err(e) => {
            let message = e.to_string();
            assert!(
                !message.contains('\n'),
                "error message is not one line: {message:?}"
            );
            e
        }
    }
}

fn hostile(name: &str) -> MetadataError {
    parse_error(&fixture_bytes(&format!("hostile/{name}")))
}

fn ts(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

fn sha1(key: &KeyCert) -> String {
    key.sha1.expect("certificate decoded").to_string()
}

fn info(key: &KeyCert) -> &CertInfo {
    key.cert
        .as_ref()
        .unwrap_or_else(|e| panic!("certificate did not analyse: {e}"))
}

/// (SHA-1, use, role names, chain position) of each certificate, in document order.
fn keys(entity: &Entity) -> Vec<(String, KeyUse, Vec<String>, usize)> {
    entity
        .certificates
        .iter()
        .map(|k| {
            (
                sha1(k),
                k.key_use,
                k.roles.iter().map(Role::name).collect(),
                k.chain_position,
            )
        })
        .collect()
}

fn names(roles: &[&str]) -> Vec<String> {
    roles.iter().map(|r| (*r).to_owned()).collect()
}

fn only_entity(doc: &Document) -> &Entity {
    assert_eq!(doc.entities.len(), 1, "expected exactly one entity");
    &doc.entities[0]
}

#[test]
fn adfs_with_bom_and_crlf_during_a_rollover() {
    let doc = parse_fixture("adfs_bom_crlf.xml");
    assert!(!doc.info.aggregate);
    assert_eq!(doc.info.entity_count, 1);
    let entity = only_entity(&doc);
    assert_eq!(
        entity.entity_id,
        "http://fs.fixture.test/adfs/services/trust"
    );
    assert_eq!(
        entity.roles,
        [
            Role::ApplicationService,
            Role::SecurityTokenService,
            Role::SpSso,
            Role::IdpSso
        ]
    );
    let all_three = [
        "fed:ApplicationServiceType",
        "SPSSODescriptor",
        "IDPSSODescriptor",
    ];
    let signing = [
        "fed:SecurityTokenServiceType",
        "SPSSODescriptor",
        "IDPSSODescriptor",
    ];
    assert_eq!(
        keys(entity),
        [
            (
                RSA_ENCRYPTION.into(),
                KeyUse::Encryption,
                names(&all_three),
                0
            ),
            (RSA_SIGNING.into(), KeyUse::Signing, names(&signing), 0),
            (RSA_NEXT.into(), KeyUse::Signing, names(&signing), 0),
        ]
    );
    assert_eq!(
        entity.signed_by.as_ref().map(sha1).as_deref(),
        Some(RSA_SIGNING)
    );
    assert_eq!(
        doc.info.signed_by.as_ref().map(sha1).as_deref(),
        Some(RSA_SIGNING)
    );
    assert_eq!(doc.info.signed_by.as_ref().unwrap().roles, []);
    // The STS's passive endpoint and the IdP's SSO locations, without repeats; the
    // ApplicationService endpoint is the relying party's, not a sign-in URL.
    assert_eq!(
        entity.sign_in_urls,
        [
            "https://fs.fixture.test/adfs/ls/",
            "https://fs.fixture.test/adfs/ls/post"
        ]
    );
    assert_eq!(
        (entity.valid_until, entity.cache_duration.as_deref()),
        (None, None)
    );

    let primary = info(&entity.certificates[1]);
    assert_eq!(primary.subject, "CN=ADFS Signing - fs.fixture.test");
    assert_eq!(primary.issuer, primary.subject);
    assert_eq!(primary.serial, "4C602A166736B007E8872777BC165F1FF7876913");
    assert_eq!(
        primary.sha256.to_string(),
        "4E137A02BBE0BEBB34CCC3A1A21EBFEA5BF553B8ACD7A7B78810DC30C299BE80"
    );
    assert_eq!(primary.not_before, ts("2026-12-01T08:29:26Z"));
    assert_eq!(primary.not_after, ts("2028-11-30T08:29:26Z"));
    assert_eq!(
        (primary.key_algorithm.as_str(), primary.key_bits),
        ("RSA", Some(2048))
    );
    assert_eq!(primary.signature_algorithm, "sha256WithRSAEncryption");
    assert!(primary.self_signed);

    let successor = info(&entity.certificates[2]);
    assert_eq!(
        successor.subject,
        r"C=NL, O=Fixture Org\, Inc., CN=ADFS Signing - fs.fixture.test"
    );
    assert_eq!(successor.key_bits, Some(3072));
    assert_eq!(successor.not_after, ts("2029-11-30T08:29:26Z"));
}

#[test]
fn one_line_okta_file_with_md_prefix_and_ec_key() {
    let doc = parse_fixture("okta_one_line.xml");
    let entity = only_entity(&doc);
    assert_eq!(entity.entity_id, "http://www.okta.fixture.test/exk1");
    assert_eq!(
        keys(entity),
        [(
            EC_P256.into(),
            KeyUse::Signing,
            names(&["IDPSSODescriptor"]),
            0
        )]
    );
    let ec = info(&entity.certificates[0]);
    assert_eq!((ec.key_algorithm.as_str(), ec.key_bits), ("EC", Some(256)));
    assert_eq!(ec.signature_algorithm, "ecdsa-with-SHA256");
    assert_eq!(ec.serial, "6F3033DBA401C7AA2B6740F617FF0DF190E6D3C8");
    assert!(ec.self_signed);
    assert_eq!(
        entity.sign_in_urls,
        ["https://dev.okta.fixture.test/app/sso/saml?a=1&b=2"]
    );
    assert_eq!(entity.valid_until, Some(ts("2027-06-01T00:00:00Z")));
    assert_eq!(entity.cache_duration.as_deref(), Some("PT6H"));
    // A lone EntityDescriptor's validity is the document's.
    assert_eq!(doc.info.valid_until, entity.valid_until);
    assert_eq!(doc.info.cache_duration.as_deref(), Some("PT6H"));
    assert!(doc.info.signed_by.is_none() && entity.signed_by.is_none());
}

#[test]
fn wrapped_indented_crlf_and_character_references_in_base64() {
    let doc = parse_fixture("wrapped_indented.xml");
    let entity = only_entity(&doc);
    let idp = names(&["IDPSSODescriptor"]);
    assert_eq!(
        keys(entity),
        [
            (RSA_1024.into(), KeyUse::Signing, idp.clone(), 0),
            (FAR_FUTURE.into(), KeyUse::Signing, idp.clone(), 0),
            (ED25519.into(), KeyUse::Encryption, idp, 0),
        ]
    );
    // ring cannot verify RSA-1024 with SHA-256: subject == issuer decides.
    let legacy = info(&entity.certificates[0]);
    assert_eq!((legacy.key_bits, legacy.self_signed), (Some(1024), true));

    let far = info(&entity.certificates[1]);
    assert_eq!(far.not_before, ts("1949-12-31T23:59:59Z"));
    assert_eq!(far.not_after, ts("3023-10-25T17:45:49Z"));
    assert_eq!(far.serial, "1000");
    assert!(far.self_signed);

    let ed = info(&entity.certificates[2]);
    assert_eq!((ed.key_algorithm.as_str(), ed.key_bits), ("Ed25519", None));
    assert_eq!(ed.signature_algorithm, "ED25519");
    assert!(ed.self_signed);
    assert_eq!(
        entity.sign_in_urls,
        ["https://idp.wrapped.fixture.test/sso"]
    );
}

#[test]
fn comments_inside_a_certificate_are_not_base64_and_cdata_is() {
    let doc = parse_fixture("comment_inside_certificate.xml");
    assert!(doc.info.aggregate);
    let sp = names(&["SPSSODescriptor"]);
    assert_eq!(
        keys(only_entity(&doc)),
        [
            (RSA_SIGNING.into(), KeyUse::Signing, sp.clone(), 0),
            (RSA_ENCRYPTION.into(), KeyUse::Encryption, sp, 0),
        ]
    );
}

#[test]
fn jaxb_prefixes_resolve_by_namespace_and_xsi_type_as_a_qname() {
    let doc = parse_fixture("jaxb_ns2_default_dsig.xml");
    let entity = only_entity(&doc);
    assert_eq!(
        entity.roles,
        [
            Role::SecurityTokenService,
            Role::OtherRole("{urn:example:roles}CustomRoleType".into()),
            // An undeclared prefix is kept as written rather than failing the document.
            Role::OtherRole("zz:UndeclaredType".into()),
            Role::OtherRole(String::new()),
        ]
    );
    assert_eq!(
        keys(entity),
        [(
            RSA_NEXT.into(),
            KeyUse::Any,
            names(&["fed:SecurityTokenServiceType"]),
            0
        )]
    );
    // The signature sits after the RoleDescriptor, in the default (xmldsig) namespace.
    assert_eq!(
        entity.signed_by.as_ref().map(sha1).as_deref(),
        Some(RSA_NEXT)
    );
    assert_eq!(
        doc.info.signed_by.as_ref().map(sha1).as_deref(),
        Some(RSA_NEXT)
    );
    assert_eq!(
        entity.sign_in_urls,
        ["https://dev.okta.fixture.test/app/wsfed/passive"]
    );
}

#[test]
fn a_chain_in_one_x509data_is_the_key_then_chain_certificates() {
    let doc = parse_fixture("chain_in_x509data.xml");
    let entity = only_entity(&doc);
    let sp = names(&["SPSSODescriptor"]);
    assert_eq!(
        keys(entity),
        [
            (CHAIN_LEAF.into(), KeyUse::Any, sp.clone(), 0),
            (CHAIN_CA.into(), KeyUse::Any, sp, 1)
        ]
    );
    // Only the first certificate of the signature's KeyInfo signed the document.
    assert_eq!(
        doc.info.signed_by.as_ref().map(sha1).as_deref(),
        Some(CHAIN_LEAF)
    );
    let leaf = info(&entity.certificates[0]);
    assert_eq!(leaf.serial, "C0FFEE");
    assert_eq!(leaf.issuer, "O=Fixture Trust, CN=Fixture Issuing CA");
    assert!(!leaf.self_signed);
    assert!(info(&entity.certificates[1]).self_signed);
}

#[test]
fn nested_aggregate_with_dsa_far_future_and_keyname_only_keys() {
    let doc = parse_fixture("nested_aggregate.xml");
    assert!(doc.info.aggregate);
    assert_eq!(doc.info.entity_count, 3);
    assert_eq!(doc.info.valid_until, Some(ts("2027-01-15T12:00:00Z")));
    assert_eq!(doc.info.cache_duration.as_deref(), Some("P1D"));
    let root_signer = doc.info.signed_by.as_ref().unwrap();
    assert_eq!(sha1(root_signer), EC_P384);
    assert_eq!(info(root_signer).key_bits, Some(384));
    assert_eq!(info(root_signer).signature_algorithm, "ecdsa-with-SHA384");

    let ids: Vec<&str> = doc.entities.iter().map(|e| e.entity_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "https://sp.dsa.fixture.test/sp",
            "https://aa.fixture.test/idp",
            "https://keyname.fixture.test/sp"
        ]
    );

    let [dsa_sp, aa, keyname] = &doc.entities[..] else {
        unreachable!()
    };
    let sp = names(&["SPSSODescriptor"]);
    assert_eq!(
        keys(dsa_sp),
        [
            (DSA_2048.into(), KeyUse::Signing, sp.clone(), 0),
            (FAR_FUTURE.into(), KeyUse::Encryption, sp, 0),
        ]
    );
    let dsa = info(&dsa_sp.certificates[0]);
    assert_eq!(
        (dsa.key_algorithm.as_str(), dsa.key_bits),
        ("DSA", Some(2048))
    );
    assert_eq!(dsa.signature_algorithm, "dsa_with_SHA256");
    assert!(
        dsa.self_signed,
        "ring cannot verify DSA: subject == issuer decides"
    );
    assert!(dsa_sp.signed_by.is_none());

    assert_eq!(
        aa.roles,
        [
            Role::IdpSso,
            Role::AttributeAuthority,
            Role::AuthnAuthority,
            Role::Pdp
        ]
    );
    assert_eq!(
        keys(aa),
        [(
            ED25519.into(),
            KeyUse::Any,
            names(&["AttributeAuthorityDescriptor", "AuthnAuthorityDescriptor"]),
            0
        )]
    );
    assert_eq!(aa.signed_by.as_ref().map(sha1).as_deref(), Some(RSA_1024));
    assert_eq!(aa.valid_until, Some(ts("2026-12-24T18:30:00Z")));
    assert_eq!(aa.cache_duration.as_deref(), Some("PT12H"));
    assert_eq!(aa.sign_in_urls, ["https://aa.fixture.test/idp/sso"]);

    assert_eq!(keyname.roles, [Role::SpSso]);
    assert!(
        keyname.certificates.is_empty(),
        "a KeyName-only key has no certificate"
    );
}

#[test]
fn xmldsig_elements_in_the_wrong_namespace_are_not_certificates() {
    let doc = parse_fixture("wrong_namespaces.xml");
    let entity = only_entity(&doc);
    assert_eq!(entity.roles, [Role::IdpSso]);
    assert_eq!(keys(entity), []);
}

#[test]
fn unreadable_certificates_stay_in_place_and_the_rest_still_reads() {
    let doc = parse_fixture("bad_certificates.xml");
    let certs = &only_entity(&doc).certificates;
    assert_eq!(certs.len(), 5);
    assert!(
        matches!(certs[0].cert, Err(CertError::Base64(_))),
        "{:?}",
        certs[0].cert
    );
    assert_eq!(certs[0].sha1, None);
    assert!(
        matches!(certs[1].cert, Err(CertError::Der(_))),
        "{:?}",
        certs[1].cert
    );
    assert!(
        certs[1].sha1.is_some(),
        "decoded bytes have a thumbprint even when not a cert"
    );
    assert_eq!(certs[2].cert, Err(CertError::TrailingData(2)));
    assert_eq!(certs[3].cert, Err(CertError::Empty));
    assert_eq!(sha1(&certs[4]), RSA_ENCRYPTION);
    assert!(certs[4].cert.is_ok());
}

#[test]
fn a_certificate_text_over_the_cap_is_an_error_in_its_place() {
    let huge = "QUFB".repeat(600_000); // 2.4 MB of base64
    let doc = format!(
        r#"<EntityDescriptor xmlns="{MD}" entityID="x"><IDPSSODescriptor protocolSupportEnumeration="p">
        <KeyDescriptor><KeyInfo xmlns="{DS}"><X509Data><X509Certificate>{huge}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
        </IDPSSODescriptor></EntityDescriptor>"#
    );
    let parsed = metadata::parse_bytes(doc.as_bytes()).unwrap();
    let certs = &only_entity(&parsed).certificates;
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].cert, Err(CertError::TooLarge(1 << 20)));
}

#[test]
fn doctypes_are_refused_billion_laughs_and_external_entities_included() {
    assert_eq!(
        hostile("billion_laughs.xml"),
        MetadataError::Doctype { offset: 22 }
    );
    assert_eq!(
        hostile("xxe_file_passwd.xml"),
        MetadataError::Doctype { offset: 22 }
    );
}

#[test]
fn entity_references_without_a_dtd_are_refused_in_attributes_and_text() {
    assert!(matches!(
        hostile("entity_reference_without_dtd.xml"),
        MetadataError::EntityReference { ref name, .. } if name == "xxe"
    ));
    let in_text = format!(
        r#"<md:EntityDescriptor xmlns:md="{MD}" entityID="x"><md:Organization>&ext;</md:Organization></md:EntityDescriptor>"#
    );
    assert!(matches!(
        parse_error(in_text.as_bytes()),
        MetadataError::EntityReference { ref name, offset } if name == "ext" && offset > 0
    ));
}

#[test]
fn truncated_documents_are_truncated() {
    assert_eq!(
        hostile("truncated_in_certificate.xml"),
        MetadataError::Truncated
    );
    assert_eq!(hostile("truncated_in_tag.xml"), MetadataError::Truncated);
    assert_eq!(hostile("prolog_only.xml"), MetadataError::Truncated);
}

#[test]
fn binary_and_foreign_encodings_get_a_clear_error() {
    let binary = hostile("binary.bin");
    assert!(
        matches!(&binary, MetadataError::NotXml(m) if m.contains("binary")),
        "{binary}"
    );
    let utf16 = hostile("utf16_bom.xml");
    assert!(
        matches!(&utf16, MetadataError::NotXml(m) if m.contains("UTF-16")),
        "{utf16}"
    );
    let latin1 = hostile("latin1_declared.xml");
    assert!(
        matches!(&latin1, MetadataError::NotXml(m) if m.contains("ISO-8859-1")),
        "{latin1}"
    );
    let gzip = parse_error(&[0x1F, 0x8B, 0x08, 0x00, 0x00]);
    assert!(
        matches!(&gzip, MetadataError::NotXml(m) if m.contains("gzip")),
        "{gzip}"
    );
    let json = parse_error(br#"{"error": "not found"}"#);
    assert!(
        matches!(&json, MetadataError::NotXml(m) if m.contains("JSON")),
        "{json}"
    );
    let mut invalid_utf8 =
        format!(r#"<md:EntityDescriptor xmlns:md="{MD}" entityID=""#).into_bytes();
    invalid_utf8.extend_from_slice(b"\xC3\x28\"/>");
    assert!(matches!(
        parse_error(&invalid_utf8),
        MetadataError::NotXml(_)
    ));
}

#[test]
fn html_pages_are_recognised() {
    assert_eq!(hostile("html_sign_in.html"), MetadataError::Html);
    assert_eq!(hostile("html_no_doctype.html"), MetadataError::Html);
    assert_eq!(
        parse_error(b"\n<!doctype html><title>x</title>"),
        MetadataError::Html
    );
}

#[test]
fn documents_that_are_not_metadata() {
    assert_eq!(
        hostile("not_metadata.xml"),
        MetadataError::NotMetadata {
            found: "rss".into()
        }
    );
    assert_eq!(
        hostile("saml1_namespace_root.xml"),
        MetadataError::NotMetadata {
            found: r#"EntityDescriptor xmlns="urn:oasis:names:tc:SAML:1.0:metadata""#.into()
        }
    );
    assert_eq!(hostile("no_entity.xml"), MetadataError::NoEntity);
}

#[test]
fn empty_inputs() {
    assert_eq!(hostile("empty.xml"), MetadataError::Empty);
    assert_eq!(parse_error(b" \r\n\t "), MetadataError::Empty);
    assert_eq!(parse_error(b"\xEF\xBB\xBF\n"), MetadataError::Empty);
}

#[test]
fn malformed_documents() {
    assert!(matches!(
        hostile("two_roots.xml"),
        MetadataError::Malformed { .. }
    ));
    assert!(matches!(
        hostile("mismatched_end.xml"),
        MetadataError::Malformed { .. }
    ));
    let text_after_root = format!(r#"<md:EntityDescriptor xmlns:md="{MD}" entityID="x"/>trailing"#);
    assert!(matches!(
        parse_error(text_after_root.as_bytes()),
        MetadataError::Malformed { .. }
    ));
}

#[test]
fn hundred_thousand_deep_nesting_is_a_clean_error() {
    let depth = 100_000;
    let mut doc = format!(r#"<md:EntitiesDescriptor xmlns:md="{MD}">"#);
    doc.push_str(&"<a>".repeat(depth));
    doc.push_str(&"</a>".repeat(depth));
    doc.push_str("</md:EntitiesDescriptor>");
    match parse_error(doc.as_bytes()) {
        MetadataError::TooDeep { limit, offset } => {
            assert_eq!(limit, MAX_DEPTH);
            // The element that crossed the limit: the root plus MAX_DEPTH - 1 <a>s before it.
            let root_len = doc.find("<a>").unwrap();
            assert_eq!(offset, (root_len + 3 * (MAX_DEPTH - 1)) as u64);
        }
        other => panic!("expected TooDeep, got {other}"),
    }
}

#[test]
fn nesting_within_the_limit_reads() {
    let depth = MAX_DEPTH - 10;
    let doc = format!(
        r#"<md:EntityDescriptor xmlns:md="{MD}" entityID="deep"><md:Extensions>{}{}</md:Extensions></md:EntityDescriptor>"#,
        "<x:e xmlns:x=\"urn:x\">".repeat(depth),
        "</x:e>".repeat(depth)
    );
    let parsed = metadata::parse_bytes(doc.as_bytes()).unwrap();
    assert_eq!(only_entity(&parsed).entity_id, "deep");
}

/// Produces an aggregate of `total` entities on the fly, never holding the document, and
/// counts the bytes handed out.
struct GeneratedAggregate {
    total: usize,
    next: usize,
    pending: Vec<u8>,
    served: std::rc::Rc<std::cell::Cell<usize>>,
    cert: String,
}

impl Read for GeneratedAggregate {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            let chunk = if self.next == 0 {
                format!(r#"<md:EntitiesDescriptor xmlns:md="{MD}" xmlns:ds="{DS}">"#)
            } else if self.next <= self.total {
                format!(
                    r#"<md:EntityDescriptor entityID="https://sp{}.fixture.test"><md:SPSSODescriptor protocolSupportEnumeration="p"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor></md:SPSSODescriptor></md:EntityDescriptor>"#,
                    self.next, self.cert
                )
            } else if self.next == self.total + 1 {
                "</md:EntitiesDescriptor>".to_owned()
            } else {
                return Ok(0);
            };
            self.next += 1;
            self.pending = chunk.into_bytes();
        }
        let n = out.len().min(self.pending.len());
        out[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        self.served.set(self.served.get() + n);
        Ok(n)
    }
}

#[test]
fn entities_arrive_one_by_one_while_the_document_is_still_being_read() {
    let pem = fixture_bytes("certs/rsa_signing.pem");
    let der = fedcert::cert::read_certificates(&pem).unwrap().remove(0);
    let cert = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(der)
    };
    let served = std::rc::Rc::new(std::cell::Cell::new(0));
    let total = 2_000;
    let source = GeneratedAggregate {
        total,
        next: 0,
        pending: Vec::new(),
        served: served.clone(),
        cert,
    };
    let mut seen = Vec::new();
    let mut served_at_first = None;
    let info = metadata::parse_streaming(BufReader::with_capacity(8 * 1024, source), |entity| {
        served_at_first.get_or_insert(served.get());
        assert_eq!(entity.certificates.len(), 1);
        seen.push(entity.entity_id);
    })
    .unwrap();
    assert_eq!(info.entity_count, total);
    assert_eq!(seen.len(), total);
    assert_eq!(seen[0], "https://sp1.fixture.test");
    assert_eq!(seen[total - 1], format!("https://sp{total}.fixture.test"));
    let first = served_at_first.unwrap();
    assert!(
        first < 64 * 1024,
        "first entity only after {first} of {} bytes",
        served.get()
    );
    assert!(served.get() > 2_000_000);
}

#[test]
fn thumbprints_parse_back() {
    let parsed: Sha1 = "a7:ab:23:fc:55:16:03:64:f2:00:31:3b:66:c9:d2:0a:0f:4d:48:7f"
        .parse()
        .unwrap();
    assert_eq!(parsed.to_string(), RSA_SIGNING);
}

#[test]
fn every_truncation_is_an_error_never_a_panic_or_a_partial_success() {
    for name in [
        "okta_one_line.xml",
        "wrong_namespaces.xml",
        "chain_in_x509data.xml",
    ] {
        let bytes = fixture_bytes(name);
        let end = bytes.iter().rposition(|&b| b == b'>').unwrap() + 1;
        for cut in 0..end {
            let result = metadata::parse_bytes(&bytes[..cut]);
            assert!(result.is_err(), "{name} cut at byte {cut} parsed");
        }
        assert!(
            metadata::parse_bytes(&bytes[..end]).is_ok(),
            "{name} complete"
        );
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    // A fixed xorshift sequence: the same mutations on every run.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let original = fixture_bytes("adfs_bom_crlf.xml");
    for _ in 0..400 {
        let mut bytes = original.clone();
        for _ in 0..=(next() % 4) {
            let at = usize::try_from(next() % bytes.len() as u64).unwrap();
            bytes[at] = next().to_le_bytes()[0];
        }
        // Ok or Err are both fine (a flipped byte inside base64 may still decode); a panic is not.
        if let Err(e) = metadata::parse_bytes(&bytes) {
            assert!(!e.to_string().is_empty());
        }
    }
}

fn rsa_signing_base64() -> String {
    use base64::Engine;
    let pem = fixture_bytes("certs/rsa_signing.pem");
    let der = fedcert::cert::read_certificates(&pem).unwrap().remove(0);
    base64::engine::general_purpose::STANDARD.encode(der)
}

#[test]
fn declarations_inside_skipped_elements_never_reach_the_elements_read() {
    let cert = rsa_signing_base64();
    // `md` is rebound inside the skipped Extensions (to a foreign namespace, and by a child
    // that declares `k`); after it closes, `md` is the metadata namespace again and `k` is
    // unbound, so only the second IDPSSODescriptor (declared on itself) counts.
    let doc = format!(
        r#"<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="https://ns.fixture.test">
  <md:Extensions xmlns:md="urn:not:metadata">
    <md:IDPSSODescriptor xmlns:k="{MD}"><k:KeyDescriptor/></md:IDPSSODescriptor>
  </md:Extensions>
  <k:IDPSSODescriptor xmlns:k="urn:elsewhere"><k:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></k:KeyDescriptor></k:IDPSSODescriptor>
  <m:IDPSSODescriptor xmlns:m="{MD}"><m:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></m:KeyDescriptor></m:IDPSSODescriptor>
  <md:SPSSODescriptor/>
</md:EntityDescriptor>"#
    );
    let parsed = metadata::parse_bytes(doc.as_bytes()).unwrap();
    let entity = &parsed.entities[0];
    assert_eq!(entity.roles, vec![Role::IdpSso, Role::SpSso]);
    assert_eq!(entity.certificates.len(), 1);
    let key = &entity.certificates[0];
    assert_eq!(key.sha1.unwrap().to_string(), RSA_SIGNING);
    assert_eq!(
        (key.key_use, key.roles.clone()),
        (KeyUse::Signing, vec![Role::IdpSso])
    );
    // An undeclared prefix inside a skipped element is not an error (nothing there is read);
    // on an element that is read, it is the document's problem to report.
    let skipped = format!(
        r#"<EntityDescriptor xmlns="{MD}" entityID="e"><Extensions><u:x/></Extensions></EntityDescriptor>"#
    );
    assert_eq!(
        metadata::parse_bytes(skipped.as_bytes())
            .unwrap()
            .entities
            .len(),
        1
    );
}

#[test]
fn parse_streaming_map_prepares_on_the_analysing_threads_and_keeps_document_order() {
    let total = 1_000;
    let doc = aggregate_of(total);
    let reader = std::thread::current().id();
    let mut seen = Vec::new();
    let info = metadata::parse_streaming_map(
        doc.as_bytes(),
        |entity| {
            let sha1 = entity.certificates[0]
                .cert
                .as_ref()
                .map(|c| c.sha1.to_string())
                .ok();
            (entity.entity_id, sha1, std::thread::current().id())
        },
        |item| seen.push(item),
    )
    .unwrap();
    assert_eq!(info.entity_count, total);
    let ids: Vec<String> = seen.iter().map(|(id, _, _)| id.clone()).collect();
    let want: Vec<String> = (0..total).map(|i| format!("e{i}")).collect();
    assert_eq!(ids, want);
    assert!(
        seen.iter()
            .all(|(_, sha1, _)| sha1.as_deref() == Some(RSA_SIGNING))
    );
    // The first entities are prepared on the reading thread; the first batch after them always
    // goes to a worker (how many more do depends on which side is faster).
    assert_eq!(seen[0].2, reader);
    let elsewhere = seen
        .iter()
        .filter(|(_, _, thread)| *thread != reader)
        .count();
    assert!(
        elsewhere >= 16,
        "{elsewhere} of {total} prepared off the reading thread"
    );
}

/// An aggregate of `total` entities `e0`, `e1`, … each with the RSA signing certificate.
fn aggregate_of(total: usize) -> String {
    let cert = rsa_signing_base64();
    let mut doc = format!(r#"<EntitiesDescriptor xmlns="{MD}" xmlns:ds="{DS}">"#);
    for i in 0..total {
        write!(
            doc,
            r#"<EntityDescriptor entityID="e{i}"><SPSSODescriptor><KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor></SPSSODescriptor></EntityDescriptor>"#
        )
        .unwrap();
    }
    doc.push_str("</EntitiesDescriptor>");
    doc
}

#[test]
fn the_reading_thread_analyses_batches_itself_while_every_worker_is_busy() {
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;
    // Workers hold their first entity until the reading thread has prepared one past those it
    // always does itself (the first sixteen). Only a reader that lends a hand once every
    // worker has its share gets there; one that waited for the workers would leave them
    // waiting out the timeout (once; then the test fails).
    let total = 1_000;
    let doc = aggregate_of(total);
    let reader = std::thread::current().id();
    let helped = (Mutex::new(false), Condvar::new());
    let timed_out = std::sync::atomic::AtomicBool::new(false);
    let mut seen = Vec::new();
    metadata::parse_streaming_map(
        doc.as_bytes(),
        |entity| {
            let on_reader = std::thread::current().id() == reader;
            let index: usize = entity.entity_id[1..].parse().unwrap();
            let (lock, signal) = &helped;
            if on_reader && index >= 16 {
                *lock.lock().unwrap() = true;
                signal.notify_all();
            } else if !on_reader && !timed_out.load(std::sync::atomic::Ordering::Relaxed) {
                let guard = lock.lock().unwrap();
                let (_guard, wait) = signal
                    .wait_timeout_while(guard, Duration::from_secs(10), |helped| !*helped)
                    .unwrap();
                if wait.timed_out() {
                    timed_out.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            (entity.entity_id, on_reader)
        },
        |item| seen.push(item),
    )
    .unwrap();
    assert!(
        !timed_out.into_inner(),
        "the workers waited out the timeout"
    );
    let ids: Vec<String> = seen.iter().map(|(id, _)| id.clone()).collect();
    let want: Vec<String> = (0..total).map(|i| format!("e{i}")).collect();
    assert_eq!(ids, want, "delivered in document order all the same");
    assert!(seen.iter().any(|&(_, on_reader)| !on_reader));
}

/// One entity whose `X509Certificate` holds `text`, then markup that is not closed properly.
fn certificate_text_then_bad_markup(text: &[u8]) -> Vec<u8> {
    let mut doc = format!(
        r#"<EntityDescriptor xmlns="{MD}" entityID="x"><IDPSSODescriptor protocolSupportEnumeration="p"><KeyDescriptor><KeyInfo xmlns="{DS}"><X509Data><X509Certificate>"#
    )
    .into_bytes();
    doc.extend_from_slice(text);
    doc.extend_from_slice(
        b"</X509Certificate></X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor><bad></EntityDescriptor>",
    );
    doc
}

#[test]
fn certificate_text_keeps_offsets_and_utf8_checks_of_the_input() {
    let cert = rsa_signing_base64();
    let mut wrapped = String::new();
    for line in cert.as_bytes().chunks(64) {
        write!(wrapped, "\n      {}", std::str::from_utf8(line).unwrap()).unwrap();
    }
    // Offsets after certificate text are those of the input.
    let doc = certificate_text_then_bad_markup(format!("{wrapped}\n    ").as_bytes());
    let end = String::from_utf8_lossy(&doc)
        .find("</EntityDescriptor>")
        .unwrap() as u64;
    match parse_error(&doc) {
        MetadataError::Malformed { offset, .. } => assert_eq!(offset, end),
        other => panic!("expected malformed XML, got {other}"),
    }
    // A byte that is not UTF-8 inside certificate text is the document's problem, found where
    // it is.
    let doc = certificate_text_then_bad_markup(b"\n  MIIB\xffAAAA\n");
    let bad = doc.iter().position(|&b| b == 0xff).unwrap();
    match parse_error(&doc) {
        MetadataError::NotXml(message) => assert!(
            message.contains(&format!("byte {bad} ")),
            "{message} (the bad byte is at {bad})"
        ),
        other => panic!("expected not XML, got {other}"),
    }
    // Well-formed but not base64 (a letter outside it, a reference): that certificate's error.
    for text in ["MIIBé==".as_bytes(), b"MII&amp;B"] {
        let mut doc = certificate_text_then_bad_markup(text);
        let bad = doc.windows(5).position(|w| w == b"<bad>").unwrap();
        doc.drain(bad..bad + 5);
        let parsed = metadata::parse_bytes(&doc).unwrap();
        let certs = &only_entity(&parsed).certificates;
        assert!(
            matches!(certs[0].cert, Err(CertError::Base64(_))),
            "{:?}",
            certs[0].cert
        );
    }
}

#[test]
fn an_entity_with_too_much_certificate_text_keeps_memory_bounded_and_the_rest_reads() {
    // Eight certificates of 1 MiB (base64 of zeros: not DER) fill the entity's 8 MiB; the
    // ninth is refused in its place; the next entity is read as usual.
    let mebibyte = "AAAA".repeat(1 << 18);
    let key = |text: &str| {
        format!(
            "<KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{text}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"
        )
    };
    let big: String = (0..9).map(|_| key(&mebibyte)).collect();
    let doc = format!(
        r#"<EntitiesDescriptor xmlns="{MD}" xmlns:ds="{DS}"><EntityDescriptor entityID="big"><SPSSODescriptor>{big}</SPSSODescriptor></EntityDescriptor><EntityDescriptor entityID="next"><SPSSODescriptor>{}</SPSSODescriptor></EntityDescriptor></EntitiesDescriptor>"#,
        key(&rsa_signing_base64())
    );
    let parsed = metadata::parse_bytes(doc.as_bytes()).unwrap();
    let big = &parsed.entities[0].certificates;
    // The eight decode to the same bytes: one certificate with its placements merged.
    assert_eq!(big.len(), 2, "{big:?}");
    assert!(matches!(big[0].cert, Err(CertError::Der(_))));
    assert_eq!(big[1].cert, Err(CertError::EntityTooLarge(8 << 20)));
    assert_eq!(
        keys(&parsed.entities[1]),
        [(
            RSA_SIGNING.into(),
            KeyUse::Any,
            names(&["SPSSODescriptor"]),
            0
        )]
    );
}
