//! Hostile documents through the real binary: `fedcert inspect <file>` and `fedcert check` with a
//! `file://` domain per document. Every case: the exact one-line error (or the correct safe
//! result), no panic, bounded time, peak RSS under 256 MB (measured on the child).
//!
//! Small fixtures live in tests/fixtures/hostile/ (made by make_hostile.py with the openssl CLI)
//! and tests/fixtures/metadata/hostile/; the big ones (300 MB of whitespace, 200k-deep nesting,
//! 10 MB attributes, a 1 MB certificate) are generated here, the largest streamed through a FIFO.
#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::child::{self, Finished};

const NOW: &str = "2026-12-01T09:00:00Z";
const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Generous for a debug build on a loaded 2-core machine; a hang would blow far past it.
const MAX_TIME: Duration = Duration::from_secs(20);

/// What a document must produce.
#[derive(Clone, Debug)]
enum Expect {
    /// `inspect` exits 65 with exactly `fedcert: <path>: <message>`; `check` carries
    /// `<path>: <message>` as the domain's metadata error (R8, UNKNOWN).
    Refused(String),
    /// `inspect` exits 0 and prints all of these; `check` gives this severity and first rule.
    Reads {
        shows: Vec<String>,
        check: (&'static str, &'static str),
    },
}

struct Case {
    label: &'static str,
    path: PathBuf,
    expect: Expect,
}

fn refused(label: &'static str, path: PathBuf, message: impl Into<String>) -> Case {
    Case {
        label,
        path,
        expect: Expect::Refused(message.into()),
    }
}

fn reads(
    label: &'static str,
    path: PathBuf,
    shows: &[&str],
    check: (&'static str, &'static str),
) -> Case {
    Case {
        label,
        path,
        expect: Expect::Reads {
            shows: shows.iter().map(|s| (*s).to_owned()).collect(),
            check,
        },
    }
}

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

fn hostile(name: &str) -> PathBuf {
    fixture(&format!("hostile/{name}"))
}

fn old_hostile(name: &str) -> PathBuf {
    fixture(&format!("metadata/hostile/{name}"))
}

fn base64_of_pem(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// An IdP entity with one signing key per base64 text, `extra` inside the role.
fn entity_doc(keys: &[&str], extra: &str) -> String {
    let mut doc = format!(
        "<EntityDescriptor xmlns=\"{MD}\" xmlns:ds=\"{DS}\" entityID=\"https://gen.fixture.test\">\n\
         <IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
    );
    for key in keys {
        writeln!(
            doc,
            "<KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{key}\
             </ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"
        )
        .unwrap();
    }
    doc.push_str(extra);
    doc.push_str("</IDPSSODescriptor>\n</EntityDescriptor>\n");
    doc
}

fn plain_signing_b64() -> String {
    base64_of_pem(&std::fs::read_to_string(hostile("certs/plain_signing.pem")).unwrap())
}

/// A self-signed certificate of about 1 MB: one private extension holding a megabyte of zeros.
fn one_megabyte_certificate() -> (String, usize) {
    const SIZE: usize = 1024 * 1024;
    let mut params = rcgen::CertificateParams::new(vec!["big.fixture.test".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "big.fixture.test");
    // OCTET STRING, long-form length in 3 bytes.
    let mut content = vec![0x04, 0x83];
    content.extend_from_slice(&u32::try_from(SIZE).unwrap().to_be_bytes()[1..]);
    content.resize(content.len() + SIZE, 0);
    params
        .custom_extensions
        .push(rcgen::CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 55555, 1],
            content,
        ));
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), cert.der().len())
}

/// The documents generated for this run (kept in `dir`).
fn generated_cases(dir: &Path) -> Vec<Case> {
    let good = plain_signing_b64();
    let mut cases = Vec::new();

    // 200 000 nested elements: refused at the depth limit, long before the end.
    let head = format!("<EntityDescriptor xmlns=\"{MD}\" entityID=\"https://deep.fixture.test\">");
    let mut deep = head.clone().into_bytes();
    deep.extend(b"<a>".repeat(200_000));
    deep.extend(b"</a>".repeat(200_000));
    deep.extend(b"</EntityDescriptor>");
    let path = dir.join("deep_200k.xml");
    std::fs::write(&path, deep).unwrap();
    let offset = head.len() + 3 * (fedcert::metadata::MAX_DEPTH - 1);
    cases.push(refused(
        "deep-nesting",
        path,
        format!("elements nested deeper than 256 levels at byte {offset}"),
    ));

    // 10 MB attributes: one on an element we skip, one we read (`use`, unescaped and compared).
    let big = "x".repeat(10 * 1024 * 1024);
    let doc = entity_doc(&[&good], &format!("<Extensions huge=\"{big}\"/>\n"))
        .replace("use=\"signing\"", &format!("use=\"{big}\""));
    let path = dir.join("attributes_10mb.xml");
    std::fs::write(&path, doc).unwrap();
    cases.push(reads(
        "attributes-10mb",
        path,
        &["https://gen.fixture.test", "any (IDPSSODescriptor)"],
        // No AD FS markers: a third-party IdP, renewed by hand.
        ("ok", "R5"),
    ));

    // gzip-compressed metadata saved as-is.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(entity_doc(&[&good], "").as_bytes()).unwrap();
    let path = dir.join("metadata.xml.gz");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    cases.push(refused(
        "gzip",
        path,
        "not XML: the data looks gzip-compressed (starts with byte 0x1F); decompress it first",
    ));

    // 2 000 namespace declarations on one element.
    let mut declarations = String::new();
    for i in 0..2000 {
        write!(declarations, " xmlns:p{i}=\"urn:p{i}\"").unwrap();
    }
    let doc = entity_doc(&[&good], &format!("<Extensions{declarations}/>\n"));
    let at = doc.find("<Extensions").unwrap();
    let path = dir.join("namespaces_2000.xml");
    std::fs::write(&path, doc).unwrap();
    cases.push(refused(
        "namespaces",
        path,
        format!(
            "malformed XML at byte {at}: more than 1024 namespace declarations in scope (real metadata declares a handful)"
        ),
    ));

    // A 1 MB certificate: readable as a file, over the per-certificate cap inside metadata.
    let (pem, der_len) = one_megabyte_certificate();
    assert!(der_len > 1024 * 1024, "{der_len}");
    let path = dir.join("one_megabyte.pem");
    std::fs::write(&path, &pem).unwrap();
    cases.push(reads(
        "one-megabyte-pem",
        path,
        &["1 certificate(s)", "CN=big.fixture.test", "EC 256"],
        ("unknown", "R8"),
    ));
    let path = dir.join("one_megabyte.xml");
    std::fs::write(&path, entity_doc(&[&base64_of_pem(&pem)], "")).unwrap();
    cases.push(reads(
        "one-megabyte-in-metadata",
        path,
        &["unreadable certificate: certificate text is longer than the 1048576-byte limit"],
        ("critical", "R11"),
    ));
    cases
}

/// The committed fixtures and their expected results.
fn fixture_cases() -> Vec<Case> {
    let mut cases = refused_fixture_cases();
    cases.extend(refused_structure_cases());
    cases.extend(readable_fixture_cases());
    cases.extend(certificate_file_cases());
    cases
}

/// Fixtures refused for their markup or encoding, each with its message.
fn refused_fixture_cases() -> Vec<Case> {
    let doctype = "refused a DOCTYPE declaration at byte 22 (DTDs and entities are never expanded)";
    let truncated = "the document ends before its root element closes";
    let utf16 = |endian: &str| {
        format!(
            "not XML: the document is UTF-16 ({endian}); only UTF-8 is supported (convert it, e.g. `iconv -f UTF-16 -t UTF-8`)"
        )
    };
    vec![
        refused("billion-laughs", old_hostile("billion_laughs.xml"), doctype),
        refused("xxe-passwd", old_hostile("xxe_file_passwd.xml"), doctype),
        refused("parameter-entity", hostile("parameter_entity.xml"), doctype),
        refused(
            "plain-doctype",
            hostile("plain_doctype.xml"),
            "refused a DOCTYPE declaration at byte 0 (DTDs and entities are never expanded)",
        ),
        refused(
            "entity-without-dtd",
            old_hostile("entity_reference_without_dtd.xml"),
            "refused the entity reference &xxe; at byte 0 (entities are never expanded)",
        ),
        refused(
            "truncated-certificate",
            old_hostile("truncated_in_certificate.xml"),
            truncated,
        ),
        refused(
            "truncated-tag",
            old_hostile("truncated_in_tag.xml"),
            truncated,
        ),
        refused("prolog-only", old_hostile("prolog_only.xml"), truncated),
        refused("empty", old_hostile("empty.xml"), "the document is empty"),
        refused(
            "whitespace-only",
            hostile("whitespace_only.xml"),
            "the document is empty",
        ),
        refused(
            "binary",
            old_hostile("binary.bin"),
            "not XML: binary data (starts with byte 0x89), not an XML document",
        ),
        refused(
            "invalid-utf8",
            hostile("invalid_utf8_attribute.xml"),
            "not XML: invalid UTF-8 in the text or markup starting at byte 0 (cannot decode input using UTF-8: invalid utf-8 sequence of 1 bytes from index 135); the document is binary or not UTF-8",
        ),
        refused(
            "latin1",
            old_hostile("latin1_declared.xml"),
            "not XML: the document declares encoding \"ISO-8859-1\" and holds bytes that are not UTF-8 after byte 204; only UTF-8 is supported (convert it, e.g. `iconv -f ISO-8859-1 -t UTF-8`)",
        ),
        refused(
            "utf16le-bom",
            old_hostile("utf16_bom.xml"),
            utf16("little-endian"),
        ),
        refused(
            "utf16le-no-bom",
            hostile("utf16le_no_bom.xml"),
            utf16("little-endian"),
        ),
        refused(
            "utf16be-bom",
            hostile("utf16be_bom.xml"),
            utf16("big-endian"),
        ),
        refused(
            "utf16be-no-bom",
            hostile("utf16be_no_bom.xml"),
            utf16("big-endian"),
        ),
    ]
}

/// Fixtures that are XML of the wrong shape, or not XML at all.
fn refused_structure_cases() -> Vec<Case> {
    vec![
        refused(
            "json",
            hostile("json.xml"),
            "not XML: the document looks like JSON, not XML",
        ),
        refused(
            "html-sign-in",
            old_hostile("html_sign_in.html"),
            "got an HTML page, probably a sign-in or proxy page — check the URL from outside the network",
        ),
        refused(
            "duplicate-attribute",
            hostile("duplicate_attribute.xml"),
            "malformed XML at byte 122: a duplicated attribute (first declared at byte 109)",
        ),
        refused(
            "two-roots",
            old_hostile("two_roots.xml"),
            "malformed XML at byte 157: a second root element <md:EntityDescriptor> after the first one closed",
        ),
        refused(
            "mismatched-end",
            old_hostile("mismatched_end.xml"),
            "malformed XML at byte 102: ill-formed document: expected `</md:SPSSODescriptor>`, but `</md:IDPSSODescriptor>` was found",
        ),
        refused(
            "not-metadata",
            old_hostile("not_metadata.xml"),
            "the root element is <rss>, not a SAML metadata EntityDescriptor or EntitiesDescriptor",
        ),
        refused(
            "saml1-root",
            old_hostile("saml1_namespace_root.xml"),
            "the root element is <EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:1.0:metadata\">, not a SAML metadata EntityDescriptor or EntitiesDescriptor",
        ),
        refused(
            "no-entity",
            old_hostile("no_entity.xml"),
            "the metadata holds no EntityDescriptor",
        ),
    ]
}

/// Fixtures that read, with the odd part shown or set aside.
fn readable_fixture_cases() -> Vec<Case> {
    vec![
        reads(
            "bad-base64",
            hostile("bad_base64.xml"),
            &[
                "unreadable certificate: certificate is not valid base64: Invalid symbol 63, offset 24.",
                "subject   CN=hostile.fixture.test",
            ],
            ("ok", "R6"),
        ),
        reads(
            "not-a-certificate",
            hostile("not_a_certificate.xml"),
            &[
                "unreadable certificate: not an X.509 certificate: invalid algorithm identifier",
                "subject   CN=hostile.fixture.test",
            ],
            ("ok", "R6"),
        ),
        reads(
            "trailing-garbage",
            hostile("trailing_garbage.xml"),
            &["unreadable certificate: certificate has 8 bytes after its end"],
            ("critical", "R11"),
        ),
        reads(
            "dates-1950-9999",
            hostile("dates_1950_9999.xml"),
            &["valid     1950-01-01T00:00:00Z → 9999-12-31T23:59:59Z"],
            ("ok", "R6"),
        ),
        // Windows shows a negative serial as its two's-complement bytes (-0x1234 is EDCC), and
        // that is what an operator compares with `Get-AdfsCertificate`.
        reads(
            "serial-negative",
            hostile("serial_negative.xml"),
            &["serial    EDCC\n"],
            ("ok", "R6"),
        ),
        reads(
            "serial-40-bytes",
            hostile("serial_40_bytes.xml"),
            &[&format!("serial    {}\n", "A5".repeat(40))],
            ("ok", "R6"),
        ),
        reads(
            "unknown-key-type",
            hostile("key_x25519.xml"),
            &["key       1.3.101.110, signed with sha256WithRSAEncryption"],
            ("ok", "R6"),
        ),
        reads(
            "chain-in-one-x509data",
            hostile("chain_in_one_x509data.xml"),
            &["CN=hostile.fixture.test", "CN=someone else entirely"],
            ("ok", "R6"),
        ),
        reads(
            "signed-by-a-stranger",
            hostile("signed_by_a_stranger.xml"),
            &[
                "(CN=someone else entirely)",
                "subject   CN=hostile.fixture.test",
            ],
            // Its signature is made up: it does not verify (X2).
            ("critical", "X2"),
        ),
        reads(
            "xsi-type-undeclared-prefix",
            hostile("xsi_type_undeclared_prefix.xml"),
            &["roles: RoleDescriptor(nope:SecurityTokenServiceType)"],
            ("unknown", "R8"),
        ),
        reads(
            "undeclared-element-prefix",
            hostile("undeclared_element_prefix.xml"),
            &["no certificates"],
            ("unknown", "R8"),
        ),
        reads(
            "duplicate-entity-ids",
            hostile("duplicate_entity_ids.xml"),
            &["aggregate, 2 entities"],
            ("unknown", "R8"),
        ),
    ]
}

/// Certificate files (`inspect` reads them as certificates, `check` refuses them as metadata).
fn certificate_file_cases() -> Vec<Case> {
    vec![
        refused(
            "certificate-trailing-garbage-file",
            hostile("trailing_garbage.der"),
            "certificate has 9 bytes after its end",
        ),
        refused(
            "pem-bad-base64",
            hostile("bad_base64.pem"),
            "certificate is not valid base64: CERTIFICATE block at line 1: Invalid symbol 33, offset 4.",
        ),
        refused(
            "pem-empty-armour",
            hostile("empty_armour.pem"),
            "no certificate found in the input (expected PEM or DER)",
        ),
        refused(
            "der-not-a-certificate",
            hostile("certs/request.der"),
            "not an X.509 certificate: invalid algorithm identifier",
        ),
    ]
}

fn inspect(data: &Path, path: &Path) -> Finished {
    child::run(
        data,
        &["--now", NOW, "inspect", path.to_str().unwrap()],
        &[],
    )
}

fn assert_inspect(case: &Case, data: &Path) {
    let shown = case.path.display().to_string();
    let done = inspect(data, &case.path);
    done.assert_sane(case.label, MAX_TIME);
    match &case.expect {
        Expect::Refused(message) => {
            assert_eq!(done.code, Some(65), "{}: {}", case.label, done.stderr);
            assert_eq!(
                done.error_line(),
                format!("fedcert: {shown}: {message}"),
                "{}",
                case.label
            );
            assert!(done.stdout.is_empty(), "{}: {}", case.label, done.stdout);
        }
        Expect::Reads { shows, .. } => {
            assert_eq!(done.code, Some(0), "{}: {}", case.label, done.stderr);
            assert!(done.stderr.is_empty(), "{}: {}", case.label, done.stderr);
            for text in shows {
                assert!(
                    done.stdout.contains(text.as_str()),
                    "{}: no {text:?} in\n{}",
                    case.label,
                    &done.stdout[..done.stdout.len().min(4000)]
                );
            }
        }
    }
}

#[test]
fn every_hostile_document_gets_its_clear_error_or_its_safe_result_from_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases = fixture_cases();
    cases.extend(generated_cases(dir.path()));
    assert!(cases.len() >= 40, "{}", cases.len());
    for case in &cases {
        assert_inspect(case, dir.path());
    }
}

#[test]
fn every_hostile_document_gets_its_own_error_or_verdict_from_check() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases = fixture_cases();
    cases.extend(generated_cases(dir.path()));
    let mut config = String::from("[settings]\ntimeout = \"2s\"\n");
    for case in &cases {
        writeln!(
            config,
            "\n[[domain]]\nname = \"{}.example\"\nmetadata_url = \"file://{}\"",
            case.label,
            case.path.display()
        )
        .unwrap();
    }
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    let done = child::run(
        dir.path(),
        &[
            "--config",
            config_path.to_str().unwrap(),
            "--now",
            NOW,
            "check",
            "--json",
        ],
        &[],
    );
    done.assert_sane("check", MAX_TIME);
    assert_eq!(done.code, Some(2), "worst is CRITICAL: {}", done.stderr);
    let report: Value = serde_json::from_str(&done.stdout).unwrap();
    let domains = report["domains"].as_array().unwrap();
    assert_eq!(domains.len(), cases.len());
    for (case, domain) in cases.iter().zip(domains) {
        let label = case.label;
        assert_eq!(domain["name"], format!("{label}.example"));
        let error = domain["metadata"]["error"].as_str();
        let first_rule = domain["findings"][0]["rule"].as_str().unwrap();
        match &case.expect {
            Expect::Refused(message) => {
                let certificate_file = matches!(
                    case.path.extension().and_then(|e| e.to_str()),
                    Some("der" | "pem")
                );
                let error = error.unwrap_or_else(|| panic!("{label}: no error"));
                assert!(!error.contains('\n'), "{label}: {error}");
                if certificate_file {
                    // A certificate is not metadata: check says so instead of reading it.
                    assert!(
                        error.contains("not XML") || error.contains("starts with"),
                        "{label}: {error}"
                    );
                } else {
                    assert_eq!(
                        error,
                        format!("{}: {message}", case.path.display()),
                        "{label}"
                    );
                }
                assert_eq!(domain["severity"], "unknown", "{label}");
                assert_eq!(first_rule, "R8", "{label}");
            }
            Expect::Reads { check, .. } => {
                assert_eq!(
                    (domain["severity"].as_str().unwrap(), first_rule),
                    *check,
                    "{label}: {domain:#}"
                );
            }
        }
    }
}

/// Specific facts `check` must get right on the odd-but-readable documents.
#[test]
fn check_reports_the_right_reason_for_ambiguous_or_foreign_documents() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "dup",
            hostile("duplicate_entity_ids.xml"),
            Some("https://dup.fixture.test"),
        ),
        ("dup-unset", hostile("duplicate_entity_ids.xml"), None),
        ("stranger", hostile("signed_by_a_stranger.xml"), None),
        (
            "sts-undeclared",
            hostile("xsi_type_undeclared_prefix.xml"),
            None,
        ),
        // Typed by hand from a browser's address bar: a trailing slash, and http for https.
        (
            "slash",
            hostile("signed_by_a_stranger.xml"),
            Some("http://hostile.fixture.test/adfs/services/trust/"),
        ),
    ];
    let mut config = String::new();
    for (name, path, entity) in &cases {
        writeln!(
            config,
            "[[domain]]\nname = \"{name}.example\"\nmetadata_url = \"file://{}\"",
            path.display()
        )
        .unwrap();
        if let Some(id) = entity {
            writeln!(config, "entity_id = \"{id}\"").unwrap();
        }
    }
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    let done = child::run(
        dir.path(),
        &[
            "--config",
            config_path.to_str().unwrap(),
            "--now",
            NOW,
            "check",
            "--json",
        ],
        &[],
    );
    done.assert_sane("check", MAX_TIME);
    let report: Value = serde_json::from_str(&done.stdout).unwrap();
    let error = |i: usize| {
        report["domains"][i]["metadata"]["error"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let dup = format!(
        "{}: the metadata holds 2 entities with entityID \"https://dup.fixture.test\"; an entityID must be unique, so fedcert cannot tell which one is the IdP: fix the metadata (or its publisher)",
        hostile("duplicate_entity_ids.xml").display()
    );
    assert_eq!(error(0), dup, "entity_id naming a duplicated ID");
    assert_eq!(error(1), dup, "two IdPs sharing one ID, entity_id unset");
    // The signature's certificate is not a key: the primary is the published key, inferred.
    let stranger = &report["domains"][2];
    assert_eq!(stranger["primary"]["subject"], "CN=hostile.fixture.test");
    assert_eq!(
        stranger["primary"]["identified_by"], "inferred",
        "{stranger:#}"
    );
    assert!(
        error(3).ends_with(
            "entity \"https://sts.fixture.test\" has no identity-provider role (IDPSSODescriptor or fed:SecurityTokenServiceType)"
        ),
        "{}",
        error(3)
    );
    assert_eq!(
        error(4),
        format!(
            "{}: no entity \"http://hostile.fixture.test/adfs/services/trust/\" in the metadata; did you mean \"https://hostile.fixture.test/adfs/services/trust\"? (set entity_id to it)",
            hostile("signed_by_a_stranger.xml").display()
        )
    );
}

/// An external entity pointing at a loopback server: refused before anything is fetched, and
/// nothing of /etc/passwd appears anywhere.
#[test]
fn external_entities_are_never_fetched_or_read() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("xxe_http.xml");
    std::fs::write(
        &path,
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"http://127.0.0.1:{port}/evil.dtd\">]>\n\
             <EntityDescriptor xmlns=\"{MD}\" entityID=\"&x;\"/>\n"
        ),
    )
    .unwrap();
    let done = inspect(dir.path(), &path);
    done.assert_sane("xxe over http", MAX_TIME);
    assert_eq!(
        done.error_line(),
        format!(
            "fedcert: {}: refused a DOCTYPE declaration at byte 22 (DTDs and entities are never expanded)",
            path.display()
        )
    );
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the parser connected to the entity's URL"
    );
    let passwd = inspect(dir.path(), &old_hostile("xxe_file_passwd.xml"));
    assert!(!passwd.stdout.contains("root:") && !passwd.stderr.contains("root:"));
}

/// A FIFO fed by a thread: the reader sees a stream, never a file it could measure.
fn feed_fifo(path: &Path, head: &[u8], blanks: usize, tail: &[u8]) -> std::thread::JoinHandle<()> {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
    let (path, head, tail) = (path.to_owned(), head.to_vec(), tail.to_vec());
    std::thread::spawn(move || {
        // The reader may stop early (a cap): a broken pipe then ends the writer, not the test.
        let Ok(mut fifo) = std::fs::OpenOptions::new().write(true).open(&path) else {
            return;
        };
        let chunk = vec![b' '; 1 << 20];
        let _ = (|| -> std::io::Result<()> {
            fifo.write_all(&head)?;
            for _ in 0..blanks / chunk.len() {
                fifo.write_all(&chunk)?;
            }
            fifo.write_all(&chunk[..blanks % chunk.len()])?;
            fifo.write_all(&tail)
        })();
    })
}

#[test]
fn three_hundred_megabytes_of_whitespace_inside_the_root_stream_in_bounded_memory() {
    const BLANKS: usize = 300 * 1000 * 1000;
    let doc = entity_doc(&[&plain_signing_b64()], "");
    let split = doc.find("<IDPSSODescriptor").unwrap();
    let (head, tail) = doc.split_at(split);
    let dir = tempfile::tempdir().unwrap();

    // inspect streams a file (here a pipe): all of it is read, in little memory.
    let fifo = dir.path().join("blanks.xml");
    let writer = feed_fifo(&fifo, head.as_bytes(), BLANKS, tail.as_bytes());
    let done = inspect(dir.path(), &fifo);
    writer.join().unwrap();
    done.assert_sane("300 MB of whitespace", Duration::from_secs(25));
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stdout.contains("subject   CN=hostile.fixture.test"),
        "{}",
        done.stdout
    );
    assert!(
        done.peak_kb < 64 * 1024,
        "whitespace is skipped, not buffered: peak {} KB",
        done.peak_kb
    );

    // Through stdin (`inspect -`) too; 100 MB is enough to tell streaming from reading it whole.
    let (head_bytes, tail_bytes) = (head.as_bytes().to_vec(), tail.as_bytes().to_vec());
    let feed: child::Feeder = Box::new(move |mut stdin| {
        let chunk = vec![b' '; 1 << 20];
        let _ = (|| -> std::io::Result<()> {
            stdin.write_all(&head_bytes)?;
            for _ in 0..100 {
                stdin.write_all(&chunk)?;
            }
            stdin.write_all(&tail_bytes)
        })();
    });
    let done = child::run_with_input(dir.path(), &["--now", NOW, "inspect", "-"], &[], Some(feed));
    done.assert_sane("100 MB of whitespace on stdin", Duration::from_secs(25));
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stdout.starts_with("-: entity, 1 entity"),
        "{}",
        done.stdout
    );
    assert!(
        done.peak_kb < 64 * 1024,
        "stdin is streamed, not read whole: peak {} KB",
        done.peak_kb
    );

    // check reads metadata under max_body (32 MiB by default): the cap ends it early.
    let fifo = dir.path().join("blanks-check.xml");
    let writer = feed_fifo(&fifo, head.as_bytes(), BLANKS, tail.as_bytes());
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[domain]]\nname = \"blanks.example\"\nmetadata_url = \"file://{}\"\n",
            fifo.display()
        ),
    )
    .unwrap();
    let done = child::run(
        dir.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "--now",
            NOW,
            "check",
            "--json",
        ],
        &[],
    );
    writer.join().unwrap();
    done.assert_sane("check of 300 MB", MAX_TIME);
    let report: Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(
        report["domains"][0]["metadata"]["error"],
        format!(
            "file://{}: the body is over the 32 MiB cap (max_body, counted after decompression); raise max_body in [settings] if the metadata really is that large",
            fifo.display()
        )
    );
}
