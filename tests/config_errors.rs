//! Config errors and secrets through the real binary: every refusal is one line naming the file,
//! line and column, the key and what is allowed, from `config check` and from `check` alike;
//! secret values never reach the output or the log; private key files readable by others are
//! refused, while the config itself may be world-readable.
#![allow(clippy::unwrap_used)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use support::child::{self, Finished};

const SECRET: &str = "hunter2-Sup3r-s3cret";
const GUID: &str = "00000000-0000-0000-0000-000000000000";

fn run(dir: &Path, config: &Path, args: &[&str], envs: &[(&str, &str)]) -> Finished {
    let mut all = vec!["--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    let done = child::run(dir, &all, envs);
    done.assert_sane("fedcert", Duration::from_secs(20));
    done
}

fn write_config(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("fedcert.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `config check` and `check` both refuse `text` with exactly `fedcert: <path>:<message>`.
fn assert_refused(text: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), text);
    let expected = format!("fedcert: {}:{message}", path.display());
    for args in [&["config", "check"][..], &["check"][..]] {
        let done = run(dir.path(), &path, args, &[]);
        assert_eq!(done.code, Some(65), "{args:?}: {}", done.stderr);
        assert_eq!(done.error_line(), expected, "{args:?} for:\n{text}");
        assert!(done.stdout.is_empty(), "{args:?}: {}", done.stdout);
    }
}

const DOMAIN: &str = "[[domain]]\nname = \"contoso.com\"\nmetadata_url = \"https://fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml\"\n";

#[test]
fn every_kind_of_config_mistake_is_one_line_with_file_line_and_column() {
    let order = "the thresholds must keep renew_now_days < manual_renew_days ≤ plan_days and promotion_days < generation_days";
    let cases: Vec<(String, String)> = vec![
        (
            "[settings]\nrefrsh = \"15m\"\n".into(),
            "2:1: unknown key `refrsh` in [settings]; did you mean `refresh`?".into(),
        ),
        (
            "[setings]\n".into(),
            "1:2: unknown table [setings]; did you mean [settings]?".into(),
        ),
        (
            format!("{DOMAIN}metadata_ulr = \"x\"\n"),
            "4:1: unknown key `metadata_ulr` in [[domain]]; did you mean `metadata_url`?".into(),
        ),
        (
            "[settings]\nconcurrency = \"16\"\n".into(),
            "2:15: `concurrency` must be a whole number from 1 to 256; found string \"16\"".into(),
        ),
        (
            format!("{DOMAIN}support_multiple_domain = 1\n"),
            "4:27: `support_multiple_domain` must be true or false; found integer 1".into(),
        ),
        (
            "[settings]\ntimeout = \"soon\"\n".into(),
            "2:11: timeout: \"soon\" is not a duration such as \"15m\", \"20s\", \"1h30m\" or \"300ms\" (units: ms, s, m, h, d)".into(),
        ),
        (
            "[settings]\nconnect_timeout = \"-5s\"\n".into(),
            "2:19: connect_timeout: \"-5s\" is not a duration such as \"15m\", \"20s\", \"1h30m\" or \"300ms\" (units: ms, s, m, h, d)".into(),
        ),
        (
            "[[domain]]\nname = \"contoso.com\"\nmetadata_url = \"ldap://fs.contoso.com/m\"\n".into(),
            "3:16: metadata_url = \"ldap://fs.contoso.com/m\" is refused: the `ldap:` scheme is not supported; use an https:// or http:// URL, a file:// URL or a plain file path".into(),
        ),
        (
            format!("{DOMAIN}\n[[domain]]\nname = \"CONTOSO.com\"\nmetadata_url = \"/srv/m.xml\"\n"),
            "6:8: domain \"CONTOSO.com\" is already configured at line 2 (names are compared case-insensitively); remove one of the two [[domain]] tables".into(),
        ),
        (
            "[settings]\nrenew_now_days = 40\n".into(),
            format!("2:18: renew_now_days = 40 conflicts with manual_renew_days = 35: {order}"),
        ),
        (
            format!("{DOMAIN}generation_days = 3\n"),
            format!("4:19: generation_days = 3 conflicts with promotion_days = 5: {order}"),
        ),
        (
            "[[domain]]\nmetadata_url = \"/srv/m.xml\"\n".into(),
            "1:1: [[domain]] is missing the required key `name` (a string: the federated domain, e.g. \"contoso.com\")".into(),
        ),
        (
            "[settings]\nrefresh = \"15m\"\nrefresh = \"1h\"\n".into(),
            "3:1: duplicate key `refresh` in [settings]: each key may appear once per table".into(),
        ),
        (
            "[settings\n".into(),
            "1:10: invalid TOML: unclosed table, expected `]`".into(),
        ),
    ];
    for (text, message) in &cases {
        assert_refused(text, message);
    }
}

#[test]
fn a_missing_config_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.toml");
    let done = run(dir.path(), &path, &["check"], &[]);
    assert_eq!(done.code, Some(65));
    assert_eq!(
        done.error_line(),
        format!(
            "fedcert: no config file at {} (run `fedcert config init` to write a commented sample)",
            path.display()
        )
    );
}

fn entra(credential: &str) -> String {
    format!(
        "[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"{GUID}\"\n{credential}"
    )
}

#[test]
fn secret_values_never_reach_the_output() {
    for (credential, message) in [
        (
            format!("client_secret = \"{SECRET}\"\n"),
            "4:17: `client_secret` is not allowed in the config file: put the secret in an environment variable and name it with client_secret_env = \"FEDCERT_CLIENT_SECRET\"",
        ),
        (
            format!("client_secrt = \"{SECRET}\"\n"),
            "4:1: unknown key `client_secrt` in [entra]; a secret never goes in the config file: put it in an environment variable and name it with client_secret_env = \"FEDCERT_CLIENT_SECRET\"",
        ),
        (
            format!("client_secret_env = \"{SECRET}\"\n"),
            "4:21: client_secret_env must be the NAME of an environment variable (letters, digits and _), such as \"FEDCERT_CLIENT_SECRET\", not the secret itself",
        ),
        (
            // Unquoted: a TOML error, and still not echoed.
            format!("client_secret = {SECRET}\n"),
            "4:17: invalid TOML: string values must be quoted, expected literal string",
        ),
    ] {
        let text = entra(&credential);
        assert_refused(&text, message);
    }

    // A valid secret reference: the variable's value appears nowhere, not even in a -vv log.
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        &format!(
            "{}{DOMAIN}",
            entra("client_secret_env = \"FEDCERT_CLIENT_SECRET\"\n")
        ),
    );
    let log = dir.path().join("fedcert.log");
    let done = run(
        dir.path(),
        &path,
        &[
            "-vv",
            "--log-file",
            log.to_str().unwrap(),
            "config",
            "check",
        ],
        &[("FEDCERT_CLIENT_SECRET", SECRET)],
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stdout
            .contains("entra: tenant contoso.onmicrosoft.com"),
        "{}",
        done.stdout
    );
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    for (what, text) in [
        ("stdout", &done.stdout),
        ("stderr", &done.stderr),
        ("log", &logged),
    ] {
        assert!(
            !text.contains(SECRET),
            "the secret leaked to {what}: {text}"
        );
    }
}

#[test]
fn a_private_key_readable_by_others_is_refused_and_the_config_may_be_world_readable() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("app.key");
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let cert = dir.path().join("app.crt");
    std::fs::write(&cert, "certificate").unwrap();
    let text = format!(
        "{}{DOMAIN}",
        entra(&format!(
            "client_certificate = \"{}\"\nclient_key = \"{}\"\n",
            cert.display(),
            key.display()
        ))
    );
    let path = write_config(dir.path(), &text);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let done = run(dir.path(), &path, &["config", "check"], &[]);
    assert_eq!(done.code, Some(65));
    assert_eq!(
        done.error_line(),
        format!(
            "fedcert: {}:5:14: client_key = \"{}\" is readable or writable by group or others (mode 640); a private key must be the owner's alone: run chmod 600 {}",
            path.display(),
            key.display(),
            key.display()
        )
    );

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let done = run(dir.path(), &path, &["config", "check"], &[]);
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stdout.contains("valid, 1 domain(s)"),
        "{}",
        done.stdout
    );
}
