//! Metadata signature verification (`fedcert::metadata::signature`) on documents that xmlsec1
//! signed (`tests/fixtures/signature/make.sh`), and on documents changed after signing: the
//! verdict of each, the same verdict streamed and in memory, agreement with `xmlsec1 --verify`
//! where it is installed, and hostile input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use fedcert::cert::Sha1;
use fedcert::metadata::signature::{
    self, Invalid, Outcome, SignatureStatus, Unsupported, Verification, XmlError,
};
use fedcert::metadata::{self, Document};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/signature")
        .join(name)
}

/// The signer may be one of the document's own IdP signing certificates (an aggregate has none).
fn trusted(document: &Document) -> Vec<Sha1> {
    if document.info.aggregate {
        return Vec::new();
    }
    document
        .entities
        .iter()
        .flat_map(signature::idp_signing_certificates)
        .collect()
}

/// Verify in memory and streamed (both must agree); the verification and the verdict.
fn verify(bytes: &[u8]) -> (Verification, SignatureStatus) {
    let document = metadata::parse_bytes(bytes).expect("the fixture parses");
    let verification = signature::verify_bytes(bytes);
    let (info, streamed) = signature::parse_and_verify(bytes, |e| e, |_| {}).unwrap();
    assert_eq!(streamed, verification, "streamed and in memory differ");
    assert_eq!(info, document.info);
    let status = verification.status(&trusted(&document));
    (verification, status)
}

/// The status each fixture must get, by the shape of its reason.
fn expected(name: &str) -> fn(&SignatureStatus) -> bool {
    match name {
        "adfs_exc_rsa_sha256.xml"
        | "adfs_full_70k.xml"
        | "shibboleth_c14n_rsa_sha1.xml"
        | "ecdsa_p256_sha256.xml"
        | "ecdsa_p256_sha1.xml"
        | "ecdsa_p384_sha256.xml"
        | "signature_last_c14n11.xml"
        | "whole_document_with_comments.xml" => |s| *s == SignatureStatus::Valid,
        "aggregate_exc_inclusive_prefixes.xml" | "signer_not_published.xml" => {
            |s| *s == SignatureStatus::Untrusted
        }
        "unsigned.xml" => |s| *s == SignatureStatus::Unsigned,
        "certificate_swapped.xml" => |s| *s == SignatureStatus::Invalid(Invalid::DigestMismatch),
        "signature_certificate_swapped.xml" => {
            |s| *s == SignatureStatus::Invalid(Invalid::SignatureMismatch)
        }
        "wrapping_moved_id.xml" | "wrapping_reference_to_child.xml" => {
            |s| matches!(s, SignatureStatus::Invalid(Invalid::NotTheDocument { .. }))
        }
        "wrapping_duplicated_id.xml" => {
            |s| matches!(s, SignatureStatus::Invalid(Invalid::DuplicateId(_)))
        }
        "wrapping_second_signature.xml" => {
            |s| *s == SignatureStatus::Invalid(Invalid::TwoSignatures)
        }
        "rsa1024_sha384.xml" => |s| {
            matches!(
                s,
                SignatureStatus::Unsupported(Unsupported::RsaKey { bits: 1024, .. })
            )
        },
        "xpath_transform.xml" => {
            |s| matches!(s, SignatureStatus::Unsupported(Unsupported::Transform(_)))
        }
        other => panic!("{other} has no expected verdict: add one"),
    }
}

/// Where fedcert is stricter than `xmlsec1 --verify`: it verifies *a* signature, whatever it
/// covers; fedcert requires the signature to cover the document.
const XMLSEC1_VERIFIES_BUT_NOT_THE_DOCUMENT: [&str; 1] = ["wrapping_moved_id.xml"];

fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| Path::new(name).extension().is_some_and(|e| e == "xml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 19, "{names:?}");
    names
}

#[test]
fn every_fixture_gets_its_verdict() {
    let mut problems = Vec::new();
    for name in fixtures() {
        let bytes = std::fs::read(fixture(&name)).unwrap();
        let (verification, status) = verify(&bytes);
        if !expected(&name)(&status) {
            problems.push(format!("{name}: {status:?}"));
        }
        // The signer is the certificate the parser reports as the document's signer.
        let document = metadata::parse_bytes(&bytes).unwrap();
        let parsed_signer = document.info.signed_by.and_then(|k| k.sha1);
        if verification.signer != parsed_signer {
            problems.push(format!(
                "{name}: signer {:?}, parser {parsed_signer:?}",
                verification.signer
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// DESIGN.md §6.4: a file `xmlsec1 --verify` verifies is `valid` or `untrusted`, one it
/// rejects is `invalid` (or `unsigned`); `unsupported` claims nothing.
#[test]
fn verdicts_agree_with_xmlsec1() {
    let mut problems = Vec::new();
    for name in fixtures() {
        let path = fixture(&name);
        let Some(verifies) = support::xmlsec1::verifies(&path) else {
            return;
        };
        let (_, status) = verify(&std::fs::read(&path).unwrap());
        let agrees = match status {
            SignatureStatus::Valid | SignatureStatus::Untrusted => verifies,
            SignatureStatus::Invalid(_)
                if XMLSEC1_VERIFIES_BUT_NOT_THE_DOCUMENT.contains(&name.as_str()) =>
            {
                verifies
            }
            SignatureStatus::Invalid(_) | SignatureStatus::Unsigned => !verifies,
            SignatureStatus::Unsupported(_) => true,
        };
        if !agrees {
            problems.push(format!(
                "{name}: fedcert says {status:?}, xmlsec1 {}",
                if verifies { "verifies" } else { "rejects" }
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_configured_signer_makes_an_aggregate_valid() {
    let bytes = std::fs::read(fixture("aggregate_exc_inclusive_prefixes.xml")).unwrap();
    let verification = signature::verify_bytes(&bytes);
    let signer = verification
        .signer
        .expect("the signature has a certificate");
    assert_eq!(verification.status(&[]), SignatureStatus::Untrusted);
    assert_eq!(verification.status(&[signer]), SignatureStatus::Valid);
    let algorithms = verification.algorithms.unwrap();
    assert_eq!(
        (
            algorithms.signature,
            algorithms.digest,
            algorithms.canonicalization
        ),
        ("rsa-sha256", "sha256", "exc-c14n")
    );
}

/// Any one byte changed after the XML declaration and the document is no longer valid: it does
/// not verify, or (a byte of the signature's certificate changed outside its key) it verifies
/// with a certificate the document does not publish. Blanks between the elements of the
/// signature's `KeyInfo` are the exception: nothing signs them, and they change nothing. On
/// each ECDSA curve and hash the fixtures have (the verifier that is not ring's).
#[test]
fn no_single_byte_change_is_valid() {
    for name in [
        "ecdsa_p256_sha256.xml",
        "ecdsa_p256_sha1.xml",
        "ecdsa_p384_sha256.xml",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        assert_eq!(verify(&bytes).1, SignatureStatus::Valid, "{name}");
        let text = String::from_utf8(bytes.clone()).unwrap();
        let key_info = text.find("<ds:KeyInfo>").unwrap()..text.find("</ds:KeyInfo>").unwrap();
        let declaration = text.find('\n').unwrap() + 1;
        let mut unsigned_blanks = 0;
        for at in declaration..bytes.len() {
            let mut changed = bytes.clone();
            changed[at] ^= 0x01;
            let verification = signature::verify_bytes(&changed);
            let Ok(document) = metadata::parse_bytes(&changed) else {
                assert_ne!(verification.outcome, Outcome::Verified, "{name}: byte {at}");
                continue;
            };
            if verification.status(&trusted(&document)) == SignatureStatus::Valid {
                assert!(
                    key_info.contains(&at) && bytes[at].is_ascii_whitespace(),
                    "{name}: byte {at} changed and the document is still valid"
                );
                unsigned_blanks += 1;
            }
        }
        assert!(
            unsigned_blanks <= 2,
            "{name}: {unsigned_blanks} blanks in KeyInfo"
        );
    }
}

/// Comments are not signed: a comment of 2 MiB before a signature that comes last leaves the
/// document valid in memory, and pushes the signature past what a stream keeps while looking
/// for it — unsupported then, never a wrong verdict.
#[test]
fn a_signature_far_into_a_stream_is_unsupported_not_unsigned() {
    let bytes = std::fs::read(fixture("signature_last_c14n11.xml")).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let root_end = text
        .find("entityID=\"https://okta.example.test/app/exk1\">")
        .unwrap()
        + "entityID=\"https://okta.example.test/app/exk1\">".len();
    let padded = format!(
        "{}<!--{}-->{}",
        &text[..root_end],
        "x".repeat(2 * signature::RECORD_LIMIT),
        &text[root_end..]
    );
    assert_eq!(
        signature::verify_bytes(padded.as_bytes()).outcome,
        Outcome::Verified
    );
    let (_, streamed) = signature::parse_and_verify(padded.as_bytes(), |e| e, |_| {}).unwrap();
    assert!(
        matches!(
            streamed.outcome,
            Outcome::Unsupported(Unsupported::SignatureLate { .. })
        ),
        "{streamed:?}"
    );
    // Without the signature, the same document is unsigned, though the stream gave up looking.
    let start = padded.find("<ds:Signature").unwrap();
    let end = padded.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &padded[..start], &padded[end..]);
    let (_, streamed) = signature::parse_and_verify(unsigned.as_bytes(), |e| e, |_| {}).unwrap();
    assert_eq!(streamed.outcome, Outcome::Unsigned);
}

/// The signed ID is the root's alone: a copy of it inside the signature's own `Object` (which
/// nothing signs, and which another reader might resolve the reference to) is wrapping too.
#[test]
fn the_signed_id_inside_the_signature_is_wrapping_too() {
    let signed =
        String::from_utf8(std::fs::read(fixture("adfs_exc_rsa_sha256.xml")).unwrap()).unwrap();
    let id_at = signed.find("ID=\"").unwrap() + 4;
    let id = &signed[id_at..id_at + signed[id_at..].find('"').unwrap()];
    let object = format!("<ds:Object><EntityDescriptor ID=\"{id}\"/></ds:Object></ds:Signature>");
    let wrapped = signed.replacen("</ds:Signature>", &object, 1);
    assert_eq!(
        signature::verify_bytes(wrapped.as_bytes()).outcome,
        Outcome::Invalid(Invalid::DuplicateId(id.to_owned()))
    );
}

/// Hostile documents get an answer, never a panic or unbounded memory.
#[test]
fn hostile_documents_are_refused_cleanly() {
    let signed =
        String::from_utf8(std::fs::read(fixture("adfs_exc_rsa_sha256.xml")).unwrap()).unwrap();
    let after_signature = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let insert = |what: &str| {
        format!(
            "{}{what}{}",
            &signed[..after_signature],
            &signed[after_signature..]
        )
    };
    let deep = insert(&format!("{}{}", "<a>".repeat(300), "</a>".repeat(300)));
    assert_eq!(
        signature::verify_bytes(deep.as_bytes()).outcome,
        Outcome::Invalid(Invalid::Xml(XmlError::TooDeep(metadata::MAX_DEPTH)))
    );
    let entity = insert("<a>&xxe;</a>");
    assert_eq!(
        signature::verify_bytes(entity.as_bytes()).outcome,
        Outcome::Invalid(Invalid::Xml(XmlError::Entity("xxe".into())))
    );
    let doctype = signed.replacen(
        "<EntityDescriptor",
        "<!DOCTYPE x [<!ENTITY y \"z\">]><EntityDescriptor",
        1,
    );
    assert_eq!(
        signature::verify_bytes(doctype.as_bytes()).outcome,
        Outcome::Invalid(Invalid::Xml(XmlError::Doctype))
    );
    // A prefix never declared: the document has no canonical form, so no verdict.
    let undeclared = insert("<x:a/>");
    assert_eq!(
        signature::verify_bytes(undeclared.as_bytes()).outcome,
        Outcome::Unsupported(Unsupported::UndeclaredPrefix("x".into()))
    );
    // A 16 MB attribute is not read whole: too large to canonicalize, no verdict.
    let huge = insert(&format!("<a b=\"{}\"/>", "x".repeat(16 << 20)));
    assert!(matches!(
        signature::verify_bytes(huge.as_bytes()).outcome,
        Outcome::Unsupported(Unsupported::TooLarge { .. })
    ));
    // 64 MB of text is read in pieces, and the document does not verify (it was changed).
    let text = insert(&format!("<a>{}</a>", "x\r\n".repeat(16 << 20)));
    assert_eq!(
        signature::verify_bytes(text.as_bytes()).outcome,
        Outcome::Invalid(Invalid::DigestMismatch)
    );
    // Nesting inside the signature is bounded separately.
    let deep_signature = signed.replacen(
        "<ds:SignatureValue>",
        &format!(
            "{}{}<ds:SignatureValue>",
            "<ds:Object>".repeat(40),
            "</ds:Object>".repeat(40)
        ),
        1,
    );
    assert!(matches!(
        signature::verify_bytes(deep_signature.as_bytes()).outcome,
        Outcome::Invalid(_)
    ));
    // Truncated anywhere: never verified, never a panic.
    for end in (0..signed.len()).step_by(97) {
        let outcome = signature::verify_bytes(&signed.as_bytes()[..end]).outcome;
        assert_ne!(outcome, Outcome::Verified, "truncated at {end}");
    }
}
