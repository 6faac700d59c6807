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

#[test]
fn every_mistake_of_a_file_is_reported_in_one_run_in_file_order() {
    let text = "\
[[domain]]
name = \"https://contoso.com\"
metadata_url = \"fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml\"
refresh = \"banana\"

[[domain]]
name = \"fabrikam.com\"
metadata_url = \"https://fs.fabrikam.com/federationmetadata/2007-06/federationmetadata.xml\"
warn_days = 4
colour = 3

[settings]
timeout = \"soon\"

[policy]
critical_days = 2
";
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), text);
    let file = path.display().to_string();
    for args in [&["config", "check"][..], &["check"][..]] {
        let done = run(dir.path(), &path, args, &[]);
        assert_eq!(done.code, Some(65), "{args:?}: {}", done.stderr);
        let (summary, lines) = done
            .stderr
            .trim_end()
            .rsplit_once('\n')
            .map(|(l, s)| (s, l))
            .unwrap();
        assert_eq!(
            summary,
            format!("fedcert: {file}: 7 errors; fix them, then run `fedcert config check`")
        );
        let places: Vec<&str> = lines
            .lines()
            .map(|l| {
                l.strip_prefix(&format!("fedcert: {file}:"))
                    .unwrap_or_else(|| panic!("{l}"))
            })
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            places,
            ["2:8:", "3:16:", "4:11:", "9:1:", "10:1:", "13:11:", "15:2:"],
            "{}",
            done.stderr
        );
        let stderr = &done.stderr;
        assert!(stderr.contains("name = \"https://contoso.com\" is a URL; name is the domain as Entra knows it: name = \"contoso.com\""), "{stderr}");
        assert!(stderr.contains("has no scheme") && stderr.contains("write metadata_url = \"https://fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml\""), "{stderr}");
    }
}

#[test]
fn only_the_errors_the_file_has_are_reported() {
    // A misspelt required key: not also "missing metadata_url"; a key over several lines and
    // a syntax error: what can be said, and nothing made up.
    let cases = [
        (
            "[[domain]]\nname = \"contoso.com\"\nmetadata_ur = \"https://fs.contoso.com/m.xml\"\n",
            1,
        ),
        (
            "[keys]\ndown = [\n  \"j\",\n  \"Ctrl-q-q\",\n]\nbogus = \"x\"\n[settings]\ntimeout = \"soon\"\n",
            2,
        ),
        ("[settings]\ntimeout = \"soon\"\n[[domain]\nname = 3\n", 1),
    ];
    for (text, count) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), text);
        let done = run(dir.path(), &path, &["config", "check"], &[]);
        assert_eq!(done.code, Some(65), "{}", done.stderr);
        let errors = done
            .stderr
            .lines()
            .filter(|l| !l.ends_with("then run `fedcert config check`"))
            .count();
        assert_eq!(errors, count, "for:\n{text}\n{}", done.stderr);
    }
    // A file wrong everywhere: the first fifty, said so.
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        &(0..60).fold(String::from("[settings]\n"), |text, i| {
            text + &format!("bad{i} = 1\n")
        }),
    );
    let done = run(dir.path(), &path, &["config", "check"], &[]);
    assert_eq!(done.stderr.lines().count(), 51, "{}", done.stderr);
    assert!(
        done.stderr.contains(": the first 50 errors; fix them"),
        "{}",
        done.stderr
    );
}

#[test]
fn metadata_urls_without_a_scheme_and_names_that_are_urls_are_refused_with_the_fix() {
    let domain = |name: &str, url: &str| {
        format!("[[domain]]\nname = \"{name}\"\nmetadata_url = \"{url}\"\n")
    };
    assert_refused(
        &domain(
            "contoso.com",
            "10.0.0.4/federationmetadata/2007-06/federationmetadata.xml",
        ),
        "3:16: metadata_url = \"10.0.0.4/federationmetadata/2007-06/federationmetadata.xml\" has no scheme, so it would be read as a file, and there is no such file; for the federation service write metadata_url = \"https://10.0.0.4/federationmetadata/2007-06/federationmetadata.xml\" (for a file in a directory named like a host, write ./10.0.0.4/federationmetadata/2007-06/federationmetadata.xml)",
    );
    assert_refused(
        &domain("fs.contoso.com/adfs", "https://fs.contoso.com/m.xml"),
        "2:8: name = \"fs.contoso.com/adfs\" must not contain '/': use the domain name, e.g. \"contoso.com\"",
    );
    assert_refused(
        &domain("HTTPS://Contoso.com:443/", "https://fs.contoso.com/m.xml"),
        "2:8: name = \"HTTPS://Contoso.com:443/\" is a URL; name is the domain as Entra knows it: name = \"Contoso.com\" (the URL goes in metadata_url)",
    );
    // A path without a host-like start, or a file that is there (paths are taken from the
    // working directory), is a file.
    let dir = tempfile::tempdir().unwrap();
    let here = tempfile::tempdir_in(".").unwrap();
    let named = here
        .path()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    std::fs::create_dir(here.path().join("fs.contoso.com")).unwrap();
    std::fs::write(here.path().join("fs.contoso.com/m.xml"), "x").unwrap();
    let existing = format!("{named}/fs.contoso.com/m.xml");
    for url in ["metadata/fm.xml", existing.as_str()] {
        let path = write_config(dir.path(), &domain("contoso.com", url));
        let done = run(dir.path(), &path, &["config", "check"], &[]);
        assert_eq!(done.code, Some(0), "{url}: {}", done.stderr);
    }
}
