//! The systemd units in `assets/systemd/`: `fedcert.service` (serve) and the timer-driven
//! `fedcert-textfile.service` (check for node_exporter's textfile collector). Each is parsed
//! and checked for the hardening distribution exporters use; the textfile service's command
//! line is run as it is written (against an empty config); and `systemd-analyze verify` and
//! `systemd-analyze security --offline` judge them when installed (with
//! FEDCERT_REQUIRE_SYSTEMD_ANALYZE set, as CI sets it, a missing systemd-analyze fails).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A unit file: section → key → every value it is given (in order; an empty value resets).
type Unit = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn units_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/systemd")
}

fn parse(name: &str) -> Unit {
    let text = std::fs::read_to_string(units_dir().join(name)).unwrap();
    let mut unit = Unit::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            name.clone_into(&mut section);
            continue;
        }
        assert!(
            !line.ends_with('\\'),
            "{name}: keep each directive on one line: {line}"
        );
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{name}: not key=value: {line}"));
        assert!(!section.is_empty(), "{name}: {line} before any section");
        unit.entry(section.clone())
            .or_default()
            .entry(key.trim().to_owned())
            .or_default()
            .push(value.trim().to_owned());
    }
    unit
}

fn one<'a>(unit: &'a Unit, section: &str, key: &str) -> &'a str {
    let values = unit
        .get(section)
        .and_then(|s| s.get(key))
        .unwrap_or_else(|| panic!("no {key}= in [{section}]"));
    assert_eq!(values.len(), 1, "{key}= given {} times", values.len());
    &values[0]
}

/// What every fedcert service must say, as distribution exporters harden theirs.
fn assert_hardened(name: &str, unit: &Unit, state: &str) {
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("CapabilityBoundingSet", ""),
        ("StateDirectory", state),
    ] {
        assert_eq!(one(unit, "Service", key), value, "{name}: {key}");
    }
    // The data dir fedcert uses is the state directory systemd gives it.
    let environment = &unit["Service"]["Environment"];
    assert!(
        environment.contains(&format!("FEDCERT_DATA_DIR=/var/lib/{state}")),
        "{name}: {environment:?}"
    );
    assert!(
        environment.contains(&"FEDCERT_CONFIG=/etc/fedcert/config.toml".to_owned()),
        "{name}: {environment:?}"
    );
}

#[test]
fn the_serve_unit_is_hardened_and_reloads_with_sighup() {
    let unit = parse("fedcert.service");
    assert_hardened("fedcert.service", &unit, "fedcert");
    assert_eq!(
        one(&unit, "Service", "ExecStart"),
        "/usr/bin/fedcert serve $FEDCERT_SERVE_ARGS"
    );
    assert_eq!(
        one(&unit, "Service", "ExecReload"),
        "/bin/kill -HUP $MAINPID"
    );
    assert_eq!(one(&unit, "Service", "Type"), "exec");
    assert_eq!(one(&unit, "Service", "UMask"), "0077");
    assert_eq!(one(&unit, "Install", "WantedBy"), "multi-user.target");
}

#[test]
fn the_textfile_service_runs_check_with_output_and_its_timer_every_15_minutes() {
    let unit = parse("fedcert-textfile.service");
    assert_hardened("fedcert-textfile.service", &unit, "fedcert-textfile");
    assert_eq!(one(&unit, "Service", "Type"), "oneshot");
    assert_eq!(one(&unit, "Service", "SuccessExitStatus"), "1 2 3");
    assert!(
        !unit.contains_key("Install"),
        "the timer is what one enables"
    );
    let exec = one(&unit, "Service", "ExecStart");
    let post = one(&unit, "Service", "ExecStartPost");
    assert!(
        post.starts_with("+/bin/mv -f /var/lib/fedcert-textfile/fedcert.prom ${TEXTFILE_DIR}/"),
        "{post}"
    );

    // The command line works as written: run it with the state directory in a temporary one.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().to_str().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let command = exec.replace("/var/lib/fedcert-textfile", state);
    let mut words = command.split(' ');
    assert_eq!(words.next(), Some("/usr/bin/fedcert"));
    let output = Command::new(env!("CARGO_BIN_EXE_fedcert"))
        .args(words)
        .env("FEDCERT_CONFIG", dir.path().join("config.toml"))
        .env("FEDCERT_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    // An empty config is UNKNOWN (3), which the unit counts as success: the file is written,
    // and says that nothing is watched.
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let written = std::fs::read_to_string(dir.path().join("fedcert.prom")).unwrap();
    assert!(
        written.contains("# TYPE fedcert_build_info gauge"),
        "{written}"
    );
    assert!(
        written.lines().any(|l| l == "fedcert_domains 0"),
        "{written}"
    );

    let timer = parse("fedcert-textfile.timer");
    assert_eq!(one(&timer, "Timer", "OnUnitActiveSec"), "15min");
    assert_eq!(one(&timer, "Install", "WantedBy"), "timers.target");
}

fn systemd_analyze() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("systemd-analyze"))
            .find(|path| path.is_file())
    })
}

#[test]
fn systemd_analyze_verifies_the_units_and_rates_them_well_protected() {
    let Some(analyze) = systemd_analyze() else {
        eprintln!("systemd-analyze is not installed (apt-get install systemd): skipped");
        assert!(
            std::env::var_os("FEDCERT_REQUIRE_SYSTEMD_ANALYZE").is_none(),
            "FEDCERT_REQUIRE_SYSTEMD_ANALYZE is set but systemd-analyze is not on PATH"
        );
        return;
    };
    // verify wants the commands to exist: the units point at the binary under test.
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "fedcert.service",
        "fedcert-textfile.service",
        "fedcert-textfile.timer",
    ];
    for name in names {
        let text = std::fs::read_to_string(units_dir().join(name)).unwrap();
        let text = text.replace("/usr/bin/fedcert", env!("CARGO_BIN_EXE_fedcert"));
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let verified = Command::new(&analyze)
        .args(["verify", "--man=no"])
        .args(names.map(|n| dir.path().join(n)))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    // An unknown or misspelt directive is only a warning to systemd: any output is a failure.
    assert!(
        verified.status.success() && said.trim().is_empty(),
        "systemd-analyze verify:\n{said}"
    );
    for service in ["fedcert.service", "fedcert-textfile.service"] {
        // Exposure on systemd's 0-100 scale (it prints it as 0.0-10.0): 20 is "OK" and better.
        let rated = Command::new(&analyze)
            .args(["security", "--offline=yes", "--threshold=20"])
            .arg(dir.path().join(service))
            .output()
            .unwrap();
        assert!(
            rated.status.success(),
            "systemd-analyze security {service}:\n{}",
            String::from_utf8_lossy(&rated.stdout)
        );
    }
}
