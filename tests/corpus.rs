//! The shared corpus of real federation metadata, checked against the ground truth that
//! openssl and Python's XML parsers computed for it (`expected.json`, see its SOURCES.md).
//!
//! The corpus is not part of the repository: run with
//! `FEDCERT_CORPUS=<dir> cargo test --test corpus -- --include-ignored`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fedcert::metadata::{self, Document, KeyCert, KeyUse};
use serde::Deserialize;

/// One `ds:X509Certificate` element of a corpus file, as `expected.json` lists it.
#[derive(Deserialize)]
struct Expected {
    entity_id: Option<String>,
    role: String,
    #[serde(rename = "use")]
    key_use: Option<String>,
    signature_of: Option<String>,
    sha1: String,
    sha256: String,
    serial: String,
    not_before: String,
    not_after: String,
    key_algorithm: String,
    key_bits: Option<u32>,
}

/// The files that must yield no certificate at all: only a `KeyName` (#19), and xmldsig
/// elements in the wrong namespace (#20).
const CERTLESS: [&str; 2] = [
    "keyname_only_nested_entities.xml",
    "wrong_ds_namespace_samlify.xml",
];

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("FEDCERT_CORPUS").expect(
        "FEDCERT_CORPUS is not set: point it at the shared corpus directory \
         (the one holding expected.json), e.g. FEDCERT_CORPUS=../shared/corpus",
    );
    let dir = PathBuf::from(dir);
    if dir.is_absolute() {
        dir
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)
    }
}

fn openssl_key_algorithm(name: &str) -> &str {
    match name {
        "rsaEncryption" => "RSA",
        "id-ecPublicKey" => "EC",
        "dsaEncryption" => "DSA",
        "ED25519" => "Ed25519",
        "ED448" => "Ed448",
        "rsassaPss" => "RSA-PSS",
        other => other,
    }
}

fn expected_use(value: Option<&str>) -> KeyUse {
    match value {
        Some("signing") => KeyUse::Signing,
        Some("encryption") => KeyUse::Encryption,
        _ => KeyUse::Any,
    }
}

fn sha1_of(key: &KeyCert) -> String {
    key.sha1
        .map_or_else(|| "<undecodable>".into(), |s| s.to_string())
}

#[test]
#[ignore = "needs FEDCERT_CORPUS=<dir of the shared corpus>"]
fn every_corpus_file_matches_expected_json() {
    let dir = corpus_dir();
    let expected_path = dir.join("expected.json");
    let expected_text = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", expected_path.display()));
    let expected: BTreeMap<String, Vec<Expected>> = serde_json::from_str(&expected_text).unwrap();

    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| {
            Path::new(name)
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("xml"))
        })
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        20,
        "the corpus has 20 metadata files, found {files:?}"
    );
    assert_eq!(
        files.iter().collect::<BTreeSet<_>>(),
        expected.keys().collect::<BTreeSet<_>>(),
        "the .xml files and expected.json disagree"
    );

    let mut problems = Vec::new();
    for name in &files {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        match metadata::parse_bytes(&bytes) {
            Ok(document) => check_file(name, &document, &expected[name], &mut problems),
            Err(e) => problems.push(format!("{name}: failed to parse: {e}")),
        }
    }
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn check_file(name: &str, document: &Document, expected: &[Expected], problems: &mut Vec<String>) {
    let mut report = |message: String| problems.push(format!("{name}: {message}"));
    check_certificate_sets(name, document, expected, &mut report);
    check_certificate_facts(document, expected, &mut report);
    check_signers(document, expected, &mut report);
}

/// Per entity: SHA-1 → (combined use, role names).
type KeySets = BTreeMap<String, BTreeMap<String, (KeyUse, BTreeSet<String>)>>;

/// The distinct `KeyDescriptor` certificates of each entity, with their combined use and roles.
fn check_certificate_sets(
    name: &str,
    document: &Document,
    expected: &[Expected],
    report: &mut impl FnMut(String),
) {
    let mut want = KeySets::new();
    for e in expected.iter().filter(|e| e.role != "Signature") {
        let entity = e.entity_id.clone().unwrap_or_default();
        let use_here = expected_use(e.key_use.as_deref());
        let slot = want.entry(entity).or_default().entry(e.sha1.clone());
        let (key_use, roles) = slot.or_insert((use_here, BTreeSet::new()));
        *key_use = key_use.combine(use_here);
        roles.insert(e.role.clone());
    }
    let mut got = KeySets::new();
    for entity in &document.entities {
        for key in &entity.certificates {
            let roles = key
                .roles
                .iter()
                .map(fedcert::metadata::Role::name)
                .collect();
            got.entry(entity.entity_id.clone())
                .or_default()
                .insert(sha1_of(key), (key.key_use, roles));
        }
    }
    if want != got {
        report(format!(
            "certificates per entity differ:\n  expected {want:?}\n  got      {got:?}"
        ));
    }
    if CERTLESS.contains(&name) && !got.is_empty() {
        report(format!("must yield no certificates, got {got:?}"));
    }
}

/// The facts of every certificate we report, signature certificates included.
fn check_certificate_facts(
    document: &Document,
    expected: &[Expected],
    report: &mut impl FnMut(String),
) {
    let by_sha1: BTreeMap<&str, &Expected> =
        expected.iter().map(|e| (e.sha1.as_str(), e)).collect();
    let signature_keys = document
        .entities
        .iter()
        .filter_map(|e| e.signed_by.as_ref())
        .chain(document.info.signed_by.as_ref());
    for key in document
        .entities
        .iter()
        .flat_map(|e| &e.certificates)
        .chain(signature_keys)
    {
        let sha1 = sha1_of(key);
        let cert = match &key.cert {
            Ok(cert) => cert,
            Err(e) => {
                report(format!("certificate {sha1} did not analyse: {e}"));
                continue;
            }
        };
        let Some(want) = by_sha1.get(sha1.as_str()) else {
            report(format!("certificate {sha1} is not in expected.json"));
            continue;
        };
        let facts = [
            ("sha1", cert.sha1.to_string(), want.sha1.clone()),
            ("sha256", cert.sha256.to_string(), want.sha256.clone()),
            ("serial", cert.serial.clone(), want.serial.to_uppercase()),
            (
                "not_before",
                rfc3339(cert.not_before),
                want.not_before.clone(),
            ),
            ("not_after", rfc3339(cert.not_after), want.not_after.clone()),
            (
                "key_algorithm",
                cert.key_algorithm.clone(),
                openssl_key_algorithm(&want.key_algorithm).to_owned(),
            ),
            (
                "key_bits",
                format!("{:?}", cert.key_bits),
                format!("{:?}", want.key_bits),
            ),
        ];
        for (field, ours, theirs) in facts {
            if ours != theirs {
                report(format!(
                    "certificate {sha1}: {field} is {ours}, expected {theirs}"
                ));
            }
        }
    }
}

/// Who signed the document and each entity: the first certificate of each signature.
fn check_signers(document: &Document, expected: &[Expected], report: &mut impl FnMut(String)) {
    let first_signature = |of: &str, entity: Option<&str>| {
        expected
            .iter()
            .find(|e| {
                e.role == "Signature"
                    && e.signature_of.as_deref() == Some(of)
                    && e.entity_id.as_deref() == entity
            })
            .map(|e| e.sha1.clone())
    };
    let root_signature = if document.info.aggregate {
        first_signature("EntitiesDescriptor", None)
    } else {
        document
            .entities
            .first()
            .and_then(|e| first_signature("EntityDescriptor", Some(&e.entity_id)))
    };
    let ours = document.info.signed_by.as_ref().map(sha1_of);
    if ours != root_signature {
        report(format!(
            "document signed_by is {ours:?}, expected {root_signature:?}"
        ));
    }
    for entity in &document.entities {
        let want = first_signature("EntityDescriptor", Some(&entity.entity_id));
        let ours = entity.signed_by.as_ref().map(sha1_of);
        if ours != want {
            report(format!(
                "{} signed_by is {ours:?}, expected {want:?}",
                entity.entity_id
            ));
        }
    }
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Every corpus file gets the same answer from fedcert's verification as from `xmlsec1
/// --verify` (DESIGN.md §6.4): a file it verifies is `valid` or `untrusted`, one it rejects
/// is `invalid` or `unsigned`; none is `unsupported`. Each answer is also pinned, so that a
/// change in either shows.
#[test]
#[ignore = "needs FEDCERT_CORPUS=<dir of the shared corpus> and xmlsec1"]
fn every_corpus_signature_gets_xmlsec1s_answer() {
    use fedcert::metadata::signature::{self, SignatureStatus};
    // The verdicts, with the signer judged against the document's own IdP signing keys.
    let pinned: [(&str, &str); 20] = [
        // Real AD FS metadata whose line ends were changed to CRLF after signing.
        ("adfs_example_local_crlf.xml", "invalid"),
        ("adfs_ucar_signed_expired.xml", "valid"),
        // Aggregates have no IdP of their own: untrusted without a configured signer.
        ("aggregate_fccn_signed.xml", "untrusted"),
        ("aggregate_pyff_mixed6.xml", "unsigned"),
        // A signed SP: no IdP signing keys to trust.
        ("chain_in_x509data_signed_sp.xml", "untrusted"),
        ("dsa_sp_aggregate_2118.xml", "unsigned"),
        ("ec_p256_idp.xml", "unsigned"),
        ("entra_app_2signing_rollover.xml", "valid"),
        ("entra_common_4keys_2026.xml", "valid"),
        ("entra_tenant_3keys_bom_2017.xml", "valid"),
        ("google_workspace_2signing.xml", "unsigned"),
        ("keycloak_idp_dsig_keyname.xml", "unsigned"),
        ("keyname_only_nested_entities.xml", "unsigned"),
        ("okta_idp_md_prefix.xml", "unsigned"),
        // The signature comes after the RoleDescriptor: read through the bounded fallback.
        ("okta_wsfed_ns2_prefix_nouse.xml", "valid"),
        ("onelogin_idp.xml", "unsigned"),
        ("pingone_idp_wrapped.xml", "unsigned"),
        ("shibboleth_idp_v3_localhost.xml", "unsigned"),
        // Signed with a certificate the IdP descriptor does not publish.
        ("simplesamlphp_idp_signed.xml", "untrusted"),
        ("wrong_ds_namespace_samlify.xml", "unsigned"),
    ];
    let dir = corpus_dir();
    let mut problems = Vec::new();
    for (name, want) in pinned {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap();
        let document = metadata::parse_bytes(&bytes).unwrap();
        let trusted: Vec<_> = if document.info.aggregate {
            Vec::new()
        } else {
            document
                .entities
                .iter()
                .flat_map(signature::idp_signing_certificates)
                .collect()
        };
        let verification = signature::verify_bytes(&bytes);
        let status = verification.status(&trusted);
        // The streaming path gives the same answer as the in-memory one.
        let (_, streamed) = signature::parse_and_verify(bytes.as_slice(), |e| e, |_| {}).unwrap();
        if streamed != verification {
            problems.push(format!(
                "{name}: streamed {streamed:?} but in memory {verification:?}"
            ));
        }
        if status.name() != want {
            problems.push(format!("{name}: {status:?}, pinned {want}"));
        }
        if verification.signer.is_some()
            && verification.signer != document.info.signed_by.as_ref().and_then(|k| k.sha1)
        {
            problems.push(format!("{name}: the signer is not the parser's signed_by"));
        }
        if let Some(verifies) = support::xmlsec1::verifies(&path) {
            let agrees = match status {
                SignatureStatus::Valid | SignatureStatus::Untrusted => verifies,
                SignatureStatus::Invalid(_) | SignatureStatus::Unsigned => !verifies,
                SignatureStatus::Unsupported(_) => false,
            };
            if !agrees {
                problems.push(format!(
                    "{name}: fedcert says {status:?}, xmlsec1 {}",
                    if verifies { "verifies" } else { "rejects" }
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
