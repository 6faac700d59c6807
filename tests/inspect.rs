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
