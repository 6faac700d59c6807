//! Shell integration: completion scripts and the manual page generated from the clap
//! definitions, `--help` that reads well (snapshots of the top level and `check`), and
//! `--version` with the commit.
#![allow(clippy::unwrap_used)]

use std::process::Output;

use assert_cmd::Command;

/// The binary with a fixed help width and no environment that shows in help text.
fn fedcert(args: &[&str]) -> Output {
    Command::cargo_bin("fedcert")
        .unwrap()
        .env("COLUMNS", "100")
        .env_remove("FEDCERT_CONFIG")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Every subcommand `fedcert --help` lists (except `help` itself).
fn subcommands() -> Vec<String> {
    let help = stdout(&fedcert(&["--help"]));
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn top_level_help_snapshot() {
    insta::assert_snapshot!("help", stdout(&fedcert(&["--help"])));
}

#[test]
fn check_help_snapshot() {
    insta::assert_snapshot!("check_help", stdout(&fedcert(&["check", "--help"])));
}

#[test]
fn bash_completions_snapshot() {
    insta::assert_snapshot!(
        "bash_completions",
        stdout(&fedcert(&["completions", "bash"]))
    );
}

#[test]
fn every_shell_gets_a_script_that_names_every_subcommand() {
    let commands = subcommands();
    assert!(
        [
            "check",
            "serve",
            "inspect",
            "checklist",
            "completions",
            "man"
        ]
        .iter()
        .all(|c| commands.iter().any(|k| k == c)),
        "{commands:?}"
    );
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&fedcert(&["completions", shell]));
        for command in &commands {
            assert!(script.contains(command.as_str()), "{shell}: no {command}");
        }
        // The formats and flags come along.
        assert!(
            script.contains("prometheus"),
            "{shell}: no --format prometheus"
        );
        assert!(script.contains("listen"), "{shell}: no serve --listen");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_naming_the_choices() {
    let output = fedcert(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(64));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("tcsh") && stderr.contains("bash"),
        "{stderr}"
    );
}

#[test]
fn every_subcommand_help_has_examples() {
    for command in &subcommands() {
        let help = stdout(&fedcert(&[command, "--help"]));
        assert!(
            help.contains("Examples:\n  fedcert ") || help.contains("Examples:\n  curl"),
            "{command} --help has no examples:\n{help}"
        );
    }
}

#[test]
fn the_man_page_is_roff_with_every_subcommand_and_the_examples() {
    let page = stdout(&fedcert(&["man"]));
    assert!(page.contains(".TH fedcert 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS"));
    assert!(page.contains(".SH SUBCOMMANDS"));
    for command in subcommands() {
        assert!(
            page.contains(&format!("fedcert\\-{command}(1)")),
            "no {command} in SUBCOMMANDS"
        );
    }
    // The examples (after_help) are part of the page, under EXAMPLES; clap's stray "EXTRA" is
    // not; and the page has the sections a manual page needs.
    assert!(page.contains(".SH EXAMPLES"), "{page}");
    assert!(page.contains("Exit codes"), "{page}");
    assert!(!page.contains(".SH EXTRA"), "{page}");
    for section in ["FILES", "ENVIRONMENT", "EXIT STATUS", "VERDICT RULES"] {
        assert!(
            page.contains(&format!(".SH \"{section}\""))
                || page.contains(&format!(".SH {section}")),
            "no {section}"
        );
    }
    for name in [
        "FEDCERT_CONFIG",
        "FEDCERT_DATA_DIR",
        "HTTPS_PROXY",
        "NO_PROXY",
        "NO_COLOR",
        "RUST_LOG",
        "MIMALLOC_PURGE_DELAY",
        "config.toml",
        "fedcert.log",
    ] {
        assert!(page.contains(name), "{name} missing");
    }
    for rule in fedcert::assess::Rule::ALL.map(fedcert::assess::Rule::id) {
        assert!(
            page.contains(&format!("\\fB{rule}\\fR")),
            "rule {rule} missing"
        );
    }
    for code in ["64", "65", "69", "73"] {
        assert!(
            page.contains(&format!("\\fB{code}\\fR")),
            "exit {code} missing"
        );
    }
    // `man` itself can read it, when installed.
    if let Ok(rendered) = std::process::Command::new("man")
        .args(["-l", "-"])
        .env("MANWIDTH", "100")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            std::io::Write::write_all(&mut child.stdin.take().unwrap(), page.as_bytes())?;
            child.wait_with_output()
        })
        && rendered.status.success()
    {
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(text.contains("SYNOPSIS"), "{text}");
    }
}

#[test]
fn man_dir_writes_a_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("man1");
    let output = fedcert(&["man", "--dir", target.to_str().unwrap()]);
    stdout(&output);
    let mut pages: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    for command in subcommands() {
        assert!(
            pages.contains(&format!("fedcert-{command}.1")),
            "no page for {command}: {pages:?}"
        );
    }
    assert!(pages.contains(&"fedcert.1".to_owned()), "{pages:?}");
    assert!(
        pages.contains(&"fedcert-config-init.1".to_owned()),
        "{pages:?}"
    );
    // The Debian package lists its files (packaging/deb/contents.txt, checked against the built
    // package in CI): every page written here, and no other.
    let contents = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packaging/deb/contents.txt"
    ))
    .unwrap();
    let mut packaged: Vec<String> = contents
        .lines()
        .filter_map(|l| l.strip_prefix("/usr/share/man/man1/"))
        .map(|page| page.trim_end_matches(".gz").to_owned())
        .collect();
    packaged.sort();
    assert_eq!(packaged, pages, "packaging/deb/contents.txt's manual pages");
    let check = std::fs::read_to_string(target.join("fedcert-check.1")).unwrap();
    assert!(check.contains("prometheus"), "{check}");
    assert!(
        check.contains(".SH EXAMPLES") && !check.contains(".SH EXTRA"),
        "{check}"
    );
}

#[test]
fn man_dir_that_cannot_be_created_is_one_line_and_exit_73() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let target = file.join("man1");
    let output = fedcert(&["man", "--dir", target.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(73));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("fedcert: man --dir {}:", target.display())),
        "{stderr}"
    );
}

#[test]
fn version_names_the_version_and_the_commit() {
    let version = stdout(&fedcert(&["--version"]));
    let expected_start = format!("fedcert {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(&expected_start), "{version}");
    let commit = version
        .trim_end()
        .strip_prefix(&expected_start)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{version:?}"));
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit:?}"
    );
    // In a git checkout (this test's usual home), it is HEAD's short id.
    if let Ok(head) = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        && head.status.success()
        && std::env::var_os("FEDCERT_COMMIT").is_none()
    {
        let head = String::from_utf8(head.stdout).unwrap();
        assert_eq!(commit, head.trim());
    }
}

/// `fedcert config domains` lists the configured names, and bash completes them after
/// `--domain` and as `checklist`'s domain (the script asks the binary on the PATH).
#[test]
fn completions_offer_the_configured_domain_names() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[domain]]\nname = \"contoso.com\"\nmetadata_url = \"https://fs.contoso.com/fm.xml\"\n\n[[domain]]\nname = \"fabrikam.com\"\nmetadata_url = \"https://fs.fabrikam.com/fm.xml\"\n",
    )
    .unwrap();
    let listed = Command::cargo_bin("fedcert")
        .unwrap()
        .env("FEDCERT_CONFIG", &config)
        .args(["config", "domains"])
        .output()
        .unwrap();
    assert_eq!(stdout(&listed), "contoso.com\nfabrikam.com\n");

    let script = dir.path().join("fedcert.bash");
    std::fs::write(&script, stdout(&fedcert(&["completions", "bash"]))).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("fedcert");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let complete = |words: &str| {
        let line = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); _fedcert_with_domains fedcert \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let Ok(output) = std::process::Command::new("bash")
            .args(["--norc", "-c", &line])
            .env("PATH", &path)
            .env("FEDCERT_CONFIG", &config)
            .output()
        else {
            return None;
        };
        Some(String::from_utf8(output.stdout).unwrap())
    };
    let Some(checklist) = complete("fedcert checklist con") else {
        eprintln!("bash is not installed: completion not exercised");
        return;
    };
    assert_eq!(checklist, "contoso.com\n");
    assert_eq!(
        complete("fedcert check --domain ''").unwrap(),
        "contoso.com\nfabrikam.com\n"
    );
    // Elsewhere the generated completion answers as before.
    assert!(
        complete("fedcert chec").unwrap().contains("check"),
        "subcommands still complete"
    );
    let fish = stdout(&fedcert(&["completions", "fish"]));
    assert!(fish.contains("(fedcert config domains 2>/dev/null)"));
    let zsh = stdout(&fedcert(&["completions", "zsh"]));
    assert!(zsh.contains(":NAME:_fedcert_domains"));
    assert!(
        zsh.find("_fedcert_domains() {").unwrap() < zsh.rfind("_fedcert \"$@\"").unwrap(),
        "defined before the script calls _fedcert"
    );
}

/// `fedcert config tenants` lists the tenants by the names `--tenant` takes, and the shells
/// complete them after `--tenant` (and never offer domain names there).
#[test]
fn completions_offer_the_configured_tenants_after_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\n\n[[tenant]]\nname = \"fabrikam\"\ntenant_id = \"fabrikam.onmicrosoft.com\"\n\n[[domain]]\nname = \"contoso.com\"\nmetadata_url = \"https://fs.contoso.com/fm.xml\"\n",
    )
    .unwrap();
    let listed = Command::cargo_bin("fedcert")
        .unwrap()
        .env("FEDCERT_CONFIG", &config)
        .args(["config", "tenants"])
        .output()
        .unwrap();
    assert_eq!(stdout(&listed), "contoso.onmicrosoft.com\nfabrikam\n");

    let zsh = stdout(&fedcert(&["completions", "zsh"]));
    assert!(zsh.contains(":TENANT:_fedcert_tenants"), "{zsh}");
    assert!(!zsh.contains(":TENANT:_fedcert_domains"));
    let fish = stdout(&fedcert(&["completions", "fish"]));
    assert!(fish.contains("-l tenant -r -f -a '(fedcert config tenants 2>/dev/null)'"));

    let script = dir.path().join("fedcert.bash");
    std::fs::write(&script, stdout(&fedcert(&["completions", "bash"]))).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("fedcert");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let line = format!(
        "source {}; COMP_WORDS=(fedcert login --tenant ''); COMP_CWORD=3; _fedcert_with_domains fedcert '' --tenant; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let Ok(output) = std::process::Command::new("bash")
        .args(["--norc", "-c", &line])
        .env("PATH", &path)
        .env("FEDCERT_CONFIG", &config)
        .output()
    else {
        eprintln!("bash is not installed: completion not exercised");
        return;
    };
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "contoso.onmicrosoft.com\nfabrikam\n"
    );
}
