//! `fedcert inspect` reads its argument the way the config does: `file://` URLs (percent-escapes
//! included), plain paths, `-`; anything else is one line naming it.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/metadata");

fn some_fixture() -> std::path::PathBuf {
    std::fs::read_dir(FIXTURE)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "xml"))
        .unwrap()
}

fn inspect(source: &str) -> std::process::Output {
    Command::cargo_bin("fedcert")
        .unwrap()
        .args(["inspect", "--json", source])
        .output()
        .unwrap()
}

#[test]
fn a_file_url_with_escapes_a_plain_path_and_stdin_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let spaced = dir.path().join("with space.xml");
    std::fs::copy(some_fixture(), &spaced).unwrap();
    let by_path = inspect(spaced.to_str().unwrap());
    assert!(
        by_path.status.success(),
        "{}",
        String::from_utf8_lossy(&by_path.stderr)
    );
    let url = format!("file://{}", spaced.to_str().unwrap().replace(' ', "%20"));
    let by_url = inspect(&url);
    assert!(
        by_url.status.success(),
        "{}",
        String::from_utf8_lossy(&by_url.stderr)
    );
    let by_stdin = Command::cargo_bin("fedcert")
        .unwrap()
        .args(["inspect", "--json", "-"])
        .pipe_stdin(&spaced)
        .unwrap()
        .output()
        .unwrap();
    let entities = |o: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["entities"].clone()
    };
    assert_eq!(entities(&by_path), entities(&by_url));
    assert_eq!(entities(&by_path), entities(&by_stdin));
    assert!(entities(&by_path).as_array().is_some_and(|e| !e.is_empty()));
}

#[test]
fn an_unsupported_scheme_is_one_line_naming_it() {
    let output = inspect("ftp://idp.example/metadata.xml");
    assert_eq!(output.status.code(), Some(65));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("ftp://idp.example/metadata.xml") && stderr.contains("ftp:"),
        "{stderr}"
    );
}

const SIGNED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/signature");

/// `inspect --json` reports the signature's verdict next to `signed_by` (DESIGN.md §6.4), from
/// a file as from stdin (one read, verification alongside the parse).
#[test]
fn inspect_reports_the_signature_verdict() {
    let cases = [
        ("adfs_exc_rsa_sha256.xml", "valid"),
        ("aggregate_exc_inclusive_prefixes.xml", "untrusted"),
        ("signer_not_published.xml", "untrusted"),
        ("certificate_swapped.xml", "invalid"),
        ("wrapping_moved_id.xml", "invalid"),
        ("unsigned.xml", "unsigned"),
        ("xpath_transform.xml", "unsupported"),
    ];
    for (name, want) in cases {
        let path = format!("{SIGNED}/{name}");
        let by_path = inspect(&path);
        assert!(by_path.status.success(), "{name}");
        let json: serde_json::Value = serde_json::from_slice(&by_path.stdout).unwrap();
        assert_eq!(json["signature"], want, "{name}");
        let by_stdin = Command::cargo_bin("fedcert")
            .unwrap()
            .args(["inspect", "--json", "-"])
            .pipe_stdin(&path)
            .unwrap()
            .output()
            .unwrap();
        let mut streamed: serde_json::Value = serde_json::from_slice(&by_stdin.stdout).unwrap();
        streamed["source"] = json["source"].clone();
        assert_eq!(streamed, json, "{name}");
        let text = Command::cargo_bin("fedcert")
            .unwrap()
            .args(["inspect", &path])
            .output()
            .unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        let line: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("signature: "))
            .collect();
        assert_eq!(line.len(), 1, "{name}: {text}");
        assert!(
            line[0].starts_with(&format!("signature: {want}")),
            "{name}: {text}"
        );
    }
}

mod support;

use std::fmt::Write as _;
use std::io::Read as _;

use support::{Behaviour, Reply, Server};

/// The first certificate's base64 text in a fixture.
fn certificate_text() -> String {
    let xml = std::fs::read_to_string(some_fixture()).unwrap();
    let start = xml.find("X509Certificate>").unwrap() + "X509Certificate>".len();
    let end = start + xml[start..].find('<').unwrap();
    xml[start..end].split_whitespace().collect()
}

/// The start of an aggregate: its root and `count` entities `e0`, `e1`, …; no end.
fn aggregate_start(count: usize) -> String {
    let cert = certificate_text();
    let mut doc = String::from(
        r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
    );
    for i in 0..count {
        write!(
            doc,
            r#"<md:EntityDescriptor entityID="e{i}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>"#
        )
        .unwrap();
    }
    doc
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_is_inspected_as_its_body_arrives() {
    // The server sends the first 2,000 entities and then nothing: the body is not over (its
    // length says more is coming), yet their certificates are already on stdout.
    let part = aggregate_start(2_000);
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
        part.len() * 2
    );
    let bytes = [head.as_bytes(), part.as_bytes()].concat();
    let server = Server::http(move |_| Behaviour::Stall(bytes.clone())).await;
    let url = server.url("/aggregate.xml");
    let seen = tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fedcert"))
            .args(["inspect", "--json", &url])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut seen = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        // Until the 1,000th entity shows, or stdout ends (a fetch that waits for the whole
        // body gives up after its timeout with nothing written).
        while !String::from_utf8_lossy(&seen).contains(r#""e999""#) {
            match stdout.read(&mut buf).unwrap() {
                0 => break,
                n => seen.extend_from_slice(&buf[..n]),
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        String::from_utf8_lossy(&seen).into_owned()
    })
    .await
    .unwrap();
    assert!(seen.contains(r#""e999""#), "{seen:.400}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_body_over_max_body_is_one_line_naming_the_cap() {
    let body = aggregate_start(200) + "</md:EntitiesDescriptor>";
    assert!(body.len() > 64 * 1024);
    // Declared too long, and (chunked) found too long on the way.
    for reply in [Reply::ok(body.clone()), Reply::chunked(body.as_bytes())] {
        let server = Server::http(move |_| reply.clone().into()).await;
        let url = server.url("/aggregate.xml");
        let output = tokio::task::spawn_blocking(move || {
            Command::cargo_bin("fedcert")
                .unwrap()
                .args(["inspect", "--json", "--max-body", "64KiB", &url])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(output.status.code(), Some(65), "{output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("over the 64 KiB cap"), "{stderr}");
        // Big enough with the default cap.
        let url = server.url("/aggregate.xml");
        let output = tokio::task::spawn_blocking(move || inspect(&url))
            .await
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    }
}
