//! The config file: the sample, valid configs, and the exact message (with line and column) of
//! every kind of refusal.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use fedcert::assess::Policy;
use fedcert::cert::Sha1;
use fedcert::config::keys::{Bindable, KeyBindings, KeyName, KeySpec, Mode};
use fedcert::config::theme::{Colour, ThemeConfig, ThemePreset};
use fedcert::config::{self, ConfigError, SAMPLE};

fn parse(text: &str) -> config::Config {
    config::parse_str(text, "fedcert.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> String {
    config::parse_str(text, "fedcert.toml")
        .unwrap_err()
        .to_string()
}

const DOMAIN: &str =
    "[[domain]]\nname = \"contoso.com\"\nmetadata_url = \"https://fs.contoso.com/m.xml\"\n";

/// The sample with every `#key = value` line (and `#[entra]`) switched on.
fn sample_uncommented() -> String {
    SAMPLE
        .lines()
        .map(|line| match line.strip_prefix('#') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase() || c == '[') => rest,
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_sample_parses_with_two_example_domains() {
    let config = parse(SAMPLE);
    assert_eq!(config.settings, config::Settings::default());
    assert_eq!(config.entra, None);
    let names: Vec<&str> = config.domains.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["contoso.com", "fabrikam.com"]);
    let contoso = &config.domains[0];
    assert_eq!(contoso.auto_rollover, Some(true));
    assert_eq!(
        contoso.adfs_primary_server.as_deref(),
        Some("adfs01.corp.contoso.com")
    );
    let okta = &config.domains[1];
    assert_eq!(okta.auto_rollover, Some(false));
    assert!(okta.metadata_url.contains("okta.com"));
    assert_eq!(
        okta.policy,
        Policy {
            plan_days: 90,
            ..Policy::default()
        }
    );
}

#[test]
fn every_optional_key_of_the_sample_is_valid_when_switched_on() {
    let config = parse(&sample_uncommented());
    let entra = config.entra.expect("[entra] switched on");
    assert_eq!(
        entra.client_secret_env.as_deref(),
        Some("FEDCERT_CLIENT_SECRET")
    );
    assert_eq!(
        entra.client_key,
        Some(PathBuf::from("/etc/fedcert/graph-app.key"))
    );
    let contoso = &config.domains[0];
    assert_eq!(contoso.refresh, Some(Duration::from_secs(30 * 60)));
    assert_eq!(
        contoso.ca_file,
        Some(PathBuf::from("/etc/ssl/certs/corp-root.pem"))
    );
    assert_eq!(
        contoso.entra_signing_thumbprint,
        Some(
            "3F4E5A6B7C8D9E0F1A2B3C4D5E6F7A8B9C0D1E2F"
                .parse::<Sha1>()
                .unwrap()
        )
    );
    assert_eq!(contoso.policy.renew_now_days, 10);
    assert_eq!(contoso.policy.tls_warn_days, 45);
    assert_eq!(
        contoso.metadata_signer,
        ["6AE54FBAE4797272DCF6548719DFCEDE7D05ECD0"
            .parse::<Sha1>()
            .unwrap()]
    );
    assert!(contoso.require_signature);
    assert_eq!(config.settings.policy.tls_warn_days, 30);
}

/// `metadata_signer` takes one thumbprint or an array; `require_signature` and
/// `tls_warn_days` are read; unset, nobody else may sign, unsigned metadata is fine, and TLS
/// warns at 30 days.
#[test]
fn metadata_signers_require_signature_and_tls_warn_days() {
    let a = "6AE54FBAE4797272DCF6548719DFCEDE7D05ECD0";
    let b = "00:bd:2e:5f:d3:53:78:1c:0c:63:5e:ca:99:17:7f:2e:f4:11:c5:de";
    let config = parse(&format!(
        "[settings]\ntls_warn_days = 21\n{DOMAIN}metadata_signer = \"{a}\"\nrequire_signature = true\n\n[[domain]]\nname = \"b.example\"\nmetadata_url = \"/srv/b.xml\"\nmetadata_signer = [\"{a}\", \"{b}\"]\ntls_warn_days = 0\n\n[[domain]]\nname = \"c.example\"\nmetadata_url = \"/srv/c.xml\"\n"
    ));
    let sha1 = |t: &str| t.parse::<Sha1>().unwrap();
    let [one, two, none] = &config.domains[..] else {
        panic!("three domains")
    };
    assert_eq!(one.metadata_signer, [sha1(a)]);
    assert!(one.require_signature);
    assert_eq!(one.policy.tls_warn_days, 21);
    assert_eq!(two.metadata_signer, [sha1(a), sha1(b)]);
    assert!(!two.require_signature);
    assert_eq!(two.policy.tls_warn_days, 0);
    assert!(none.metadata_signer.is_empty());
    assert!(!none.require_signature);
    assert_eq!(none.policy.tls_warn_days, 21);
}

#[test]
fn bad_metadata_signers_are_refused_where_they_are_written() {
    let good = "6AE54FBAE4797272DCF6548719DFCEDE7D05ECD0";
    assert_errors(&[
        (
            &format!("{DOMAIN}metadata_signer = \"6AE54F\"\n"),
            "fedcert.toml:4:19: metadata_signer: \"6AE54F\" is not a thumbprint: expected 40 hex digits (colons and spaces are allowed)",
        ),
        (
            // The second of two, pointed at by its column.
            &format!("{DOMAIN}metadata_signer = [\"{good}\", \"nope\"]\n"),
            "fedcert.toml:4:64: metadata_signer: \"nope\" is not a thumbprint: expected 40 hex digits (colons and spaces are allowed)",
        ),
        (
            &format!("{DOMAIN}metadata_signer = []\n"),
            "fedcert.toml:4:19: metadata_signer must be a SHA-1 thumbprint (40 hex digits; colons and spaces are allowed) or an array of them: the certificates trusted to sign the metadata",
        ),
        (
            &format!("{DOMAIN}metadata_signer = 42\n"),
            "fedcert.toml:4:19: metadata_signer must be a SHA-1 thumbprint (40 hex digits; colons and spaces are allowed) or an array of them: the certificates trusted to sign the metadata",
        ),
        (
            &format!("{DOMAIN}require_signature = \"yes\"\n"),
            "fedcert.toml:4:21: `require_signature` must be true or false; found string \"yes\"",
        ),
        (
            "[settings]\ntls_warn_days = -3\n",
            "fedcert.toml:2:17: tls_warn_days = -3 is out of range: tls_warn_days must be a whole number of days from 0 to 3650",
        ),
    ]);
}

#[test]
fn the_sample_documents_every_key() {
    let keys = [
        "refresh",
        "timeout",
        "connect_timeout",
        "max_body",
        "concurrency",
        "renew_now_days",
        "manual_renew_days",
        "entra_poll_days",
        "generation_days",
        "promotion_days",
        "plan_days",
        "tenant_id",
        "auth",
        "client_id",
        "client_secret_env",
        "client_certificate",
        "client_key",
        "authority",
        "graph",
        "name",
        "metadata_url",
        "entity_id",
        "auto_rollover",
        "adfs_primary_server",
        "support_multiple_domain",
        "entra_signing_thumbprint",
        "entra_next_signing_thumbprint",
        "ca_file",
        "tls_warn_days",
        "metadata_signer",
        "require_signature",
        "tenant",
    ];
    let text = sample_uncommented();
    for key in keys {
        let set = text
            .lines()
            .any(|line| line.starts_with(&format!("{key} = ")));
        assert!(set, "the sample does not show `{key} = …`");
    }
}

/// The thresholds the sample shows under `[settings]` and the README's reference lists are the
/// code's defaults (the current article: manual renewal and Entra's polling from 35 days).
#[test]
fn the_sample_and_the_readme_show_the_default_thresholds() {
    let shown = parse(&sample_uncommented()).settings.policy;
    let defaults = Policy::default();
    assert_eq!(shown, defaults, "the sample's [settings] thresholds");
    assert_eq!(
        (defaults.manual_renew_days, defaults.entra_poll_days),
        (35, 35)
    );
    let readme = include_str!("../README.md");
    for (key, days) in [
        ("renew_now_days", defaults.renew_now_days),
        ("manual_renew_days", defaults.manual_renew_days),
        ("entra_poll_days", defaults.entra_poll_days),
        ("generation_days", defaults.generation_days),
        ("promotion_days", defaults.promotion_days),
        ("plan_days", defaults.plan_days),
        ("critical_days", defaults.critical_days),
    ] {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{key}` |")))
            .unwrap_or_else(|| panic!("no README row for {key}"));
        let default = row.split('|').nth(3).unwrap().trim();
        assert_eq!(default, format!("`{days}`"), "README: {row}");
    }
}

#[test]
fn settings_and_domain_overrides_merge() {
    let config = parse(
        "[settings]\nrefresh = \"1h30m\"\ntimeout = \"300ms\"\nconnect_timeout = \"2s\"\nmax_body = \"512KiB\"\nconcurrency = 4\nmanual_renew_days = 35\nentra_poll_days = 35\n\
         [[domain]]\nname = \"a.com\"\nmetadata_url = \"file:///srv/a.xml\"\nrenew_now_days = 10\nrefresh = \"2m\"\n\
         [[domain]]\nname = \"b.com\"\nmetadata_url = \"/srv/b.xml\"\nentra_next_signing_thumbprint = \"a1:b2:c3:d4:e5:f6:07:18:29:3a:4b:5c:6d:7e:8f:90:11:22:33:44\"\nsupport_multiple_domain = true\n",
    );
    let s = &config.settings;
    assert_eq!(s.refresh, Duration::from_secs(5400));
    assert_eq!(s.timeout, Duration::from_millis(300));
    assert_eq!(s.connect_timeout, Duration::from_secs(2));
    assert_eq!(s.max_body, 512 * 1024);
    assert_eq!(s.concurrency, 4);
    let global = Policy {
        manual_renew_days: 35,
        entra_poll_days: 35,
        ..Policy::default()
    };
    assert_eq!(s.policy, global);
    assert_eq!(
        config.domains[0].policy,
        Policy {
            renew_now_days: 10,
            ..global
        }
    );
    assert_eq!(config.domains[0].refresh, Some(Duration::from_secs(120)));
    assert_eq!(config.domains[1].policy, global);
    assert!(config.domains[1].support_multiple_domain);
    assert_eq!(
        config.domains[1]
            .entra_next_signing_thumbprint
            .unwrap()
            .to_string(),
        "A1B2C3D4E5F60718293A4B5C6D7E8F9011223344"
    );
}

#[test]
fn max_body_takes_bytes_or_a_size() {
    assert_eq!(
        parse("[settings]\nmax_body = 4096\n").settings.max_body,
        4096
    );
    assert_eq!(
        parse("[settings]\nmax_body = \"2MiB\"\n").settings.max_body,
        2 << 20
    );
}

#[test]
fn entra_endpoints_default_and_can_be_overridden() {
    let base = "[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"00000000-0000-0000-0000-000000000000\"\nclient_secret_env = \"FEDCERT_CLIENT_SECRET\"\n";
    let entra = parse(base).entra.unwrap();
    assert_eq!(entra.authority, "https://login.microsoftonline.com");
    assert_eq!(entra.graph, "https://graph.microsoft.com");
    let local = parse(&format!(
        "{base}authority = \"http://127.0.0.1:8080/\"\ngraph = \"http://127.0.0.1:8081\"\n"
    ));
    let entra = local.entra.unwrap();
    assert_eq!(entra.authority, "http://127.0.0.1:8080");
    assert_eq!(entra.graph, "http://127.0.0.1:8081");
}

#[test]
fn an_empty_file_is_a_valid_config_without_domains() {
    let config = parse("");
    assert!(config.domains.is_empty());
    assert_eq!(config.settings, config::Settings::default());
}

/// Each refusal: (config text, exact message with file, line and column).
fn assert_errors(cases: &[(&str, &str)]) {
    for (text, expected) in cases {
        assert_eq!(error(text), *expected, "for config:\n{text}");
    }
}

#[test]
fn unknown_and_missing_keys_suggest_the_valid_one() {
    assert_errors(&[
        (
            "[settings]\nrefrsh = \"15m\"\n",
            "fedcert.toml:2:1: unknown key `refrsh` in [settings]; did you mean `refresh`?",
        ),
        (
            "[[domain]]\nname = \"contoso.com\"\nmetadata_ur = \"https://fs.contoso.com/m.xml\"\n",
            "fedcert.toml:3:1: unknown key `metadata_ur` in [[domain]]; did you mean `metadata_url`?",
        ),
        (
            "[settings]\ncolour = \"blue\"\n",
            "fedcert.toml:2:1: unknown key `colour` in [settings]; allowed: refresh, timeout, connect_timeout, max_body, concurrency, renew_now_days, manual_renew_days, entra_poll_days, generation_days, promotion_days, plan_days, critical_days, tls_warn_days",
        ),
        (
            "[setting]\n",
            "fedcert.toml:1:2: unknown table [setting]; did you mean [settings]?",
        ),
        (
            "[[domain]]\nname = \"contoso.com\"\n",
            "fedcert.toml:1:1: [[domain]] is missing the required key `metadata_url` (a string: an https:// or http:// URL, a file:// URL or a plain file path)",
        ),
    ]);
}

#[test]
fn wrong_types_say_what_the_key_takes() {
    assert_errors(&[
        (
            "[settings]\nconcurrency = \"16\"\n",
            "fedcert.toml:2:15: `concurrency` must be a whole number from 1 to 256; found string \"16\"",
        ),
        (
            "[settings]\nconcurrency = 257\n",
            "fedcert.toml:2:15: concurrency = 257 is out of range: concurrency must be a whole number from 1 to 256",
        ),
        (
            &format!("{DOMAIN}auto_rollover = \"yes\"\n"),
            "fedcert.toml:4:17: `auto_rollover` must be true or false; found string \"yes\"",
        ),
        (
            "[domain]\nname = \"contoso.com\"\n",
            "fedcert.toml:1:1: `domain` must be an array of tables: write [[domain]] (double brackets) for each domain; found a table",
        ),
    ]);
}

#[test]
fn bad_durations_and_sizes_say_what_is_allowed() {
    assert_errors(&[
        (
            "[settings]\nrefresh = \"5s\"\n",
            "fedcert.toml:2:11: refresh = \"5s\" is below the 1 minute minimum (federation metadata changes over days; \"15m\" is the default)",
        ),
        (
            "[settings]\ntimeout = \"15 minutes\"\n",
            "fedcert.toml:2:11: timeout: \"15 minutes\" is not a duration such as \"15m\", \"20s\", \"1h30m\" or \"300ms\" (units: ms, s, m, h, d)",
        ),
        (
            "[settings]\ntimeout = \"0s\"\n",
            "fedcert.toml:2:11: timeout = \"0s\" must be above zero, e.g. \"20s\"",
        ),
        (
            "[settings]\nrefresh = 15\n",
            "fedcert.toml:2:11: `refresh` must be a duration such as \"15m\", \"20s\", \"1h30m\" or \"300ms\" (units: ms, s, m, h, d), at least 1 minute; found integer 15",
        ),
        (
            "[settings]\nmax_body = \"32 parsecs\"\n",
            "fedcert.toml:2:12: max_body = \"32 parsecs\": max_body must be a size such as \"32MiB\", \"512KiB\" or a number of bytes (units: B, KB, MB, GB, KiB, MiB, GiB)",
        ),
    ]);
}

#[test]
fn bad_locations_duplicates_and_thumbprints_are_refused() {
    assert_errors(&[
        (
            "[[domain]]\nname = \"contoso.com\"\nmetadata_url = \"ftp://fs.contoso.com/m.xml\"\n",
            "fedcert.toml:3:16: metadata_url = \"ftp://fs.contoso.com/m.xml\" is refused: the `ftp:` scheme is not supported; use an https:// or http:// URL, a file:// URL or a plain file path",
        ),
        (
            "[[domain]]\nname = \"contoso.com\"\nmetadata_url = \"-\"\n",
            "fedcert.toml:3:16: metadata_url = \"-\" (stdin) only works with `fedcert inspect -`; give a URL or a file path",
        ),
        (
            &format!(
                "{DOMAIN}\n[[domain]]\nname = \"Contoso.COM\"\nmetadata_url = \"/srv/m.xml\"\n"
            ),
            "fedcert.toml:6:8: domain \"Contoso.COM\" is already configured at line 2 (names are compared case-insensitively); remove one of the two [[domain]] tables",
        ),
        (
            &format!("{DOMAIN}entra_signing_thumbprint = \"3F4E5A\"\n"),
            "fedcert.toml:4:28: entra_signing_thumbprint: \"3F4E5A\" is not a thumbprint: expected 40 hex digits (colons and spaces are allowed)",
        ),
    ]);
}

#[test]
fn thresholds_out_of_order_or_range_are_refused() {
    assert_errors(&[
        (
            // The domain's own value conflicts with the global one: point at the domain's.
            &format!("[settings]\nrenew_now_days = 20\n{DOMAIN}manual_renew_days = 18\n"),
            "fedcert.toml:6:21: manual_renew_days = 18 conflicts with renew_now_days = 20: the thresholds must keep renew_now_days < manual_renew_days ≤ plan_days and promotion_days < generation_days",
        ),
        (
            "[settings]\nrenew_now_days = 35\n",
            "fedcert.toml:2:18: renew_now_days = 35 conflicts with manual_renew_days = 35: the thresholds must keep renew_now_days < manual_renew_days ≤ plan_days and promotion_days < generation_days",
        ),
        (
            "[settings]\nplan_days = 20\n",
            "fedcert.toml:2:13: plan_days = 20 conflicts with manual_renew_days = 35: the thresholds must keep renew_now_days < manual_renew_days ≤ plan_days and promotion_days < generation_days",
        ),
        (
            &format!("{DOMAIN}promotion_days = 20\n"),
            "fedcert.toml:4:18: promotion_days = 20 conflicts with generation_days = 20: the thresholds must keep renew_now_days < manual_renew_days ≤ plan_days and promotion_days < generation_days",
        ),
        (
            "[settings]\nplan_days = -1\n",
            "fedcert.toml:2:13: plan_days = -1 is out of range: plan_days must be a whole number of days from 0 to 3650",
        ),
    ]);
}

#[test]
fn entra_settings_are_checked_and_secrets_kept_out() {
    assert_errors(&[
        (
            "[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"00000000-0000-0000-0000-000000000000\"\nclient_secret = \"hunter2\"\n",
            "fedcert.toml:4:17: `client_secret` is not allowed in the config file: put the secret in an environment variable and name it with client_secret_env = \"FEDCERT_CLIENT_SECRET\"",
        ),
        (
            "[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"00000000-0000-0000-0000-000000000000\"\nclient_secret_env = \"s3cr3t~value!\"\n",
            "fedcert.toml:4:21: client_secret_env must be the NAME of an environment variable (letters, digits and _), such as \"FEDCERT_CLIENT_SECRET\", not the secret itself",
        ),
        (
            "[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"my-app\"\nclient_secret_env = \"S\"\n",
            "fedcert.toml:3:13: client_id = \"my-app\" is not an application (client) ID: expected a GUID like 00000000-0000-0000-0000-000000000000",
        ),
        (
            // Without a credential the operator signs in (DESIGN.md §6.3); `auth = "secret"`
            // says the app's secret is meant, and then it must be named.
            "[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"00000000-0000-0000-0000-000000000000\"\nauth = \"secret\"\n",
            "fedcert.toml:4:8: [entra]: auth = \"secret\" needs client_secret_env = \"FEDCERT_CLIENT_SECRET\" (the name of the variable that holds the secret)",
        ),
        (
            "[entra]\ntenant_id = \"t\"\nclient_id = \"00000000-0000-0000-0000-000000000000\"\nclient_certificate = \"/etc/app.crt\"\n",
            "fedcert.toml:4:22: client_certificate needs client_key too (the PEM private key of that certificate)",
        ),
        (
            "[entra]\ntenant_id = \"t\"\nclient_id = \"00000000-0000-0000-0000-000000000000\"\nclient_secret_env = \"S\"\ngraph = \"graph.microsoft.com\"\n",
            "fedcert.toml:5:9: graph = \"graph.microsoft.com\" is refused: graph must be an https:// (or, for tests, http://) URL",
        ),
    ]);
}

#[test]
fn toml_syntax_errors_keep_their_position() {
    assert_errors(&[
        (
            "[settings\nrefresh = \"15m\"\n",
            "fedcert.toml:1:10: invalid TOML: unclosed table, expected `]`",
        ),
        (
            "[settings]\nrefresh = \"15m\"\nrefresh = \"20m\"\n",
            "fedcert.toml:3:1: duplicate key `refresh` in [settings]: each key may appear once per table",
        ),
    ]);
}

#[test]
fn load_reads_a_file_and_reports_missing_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fedcert.toml");
    std::fs::write(&path, DOMAIN).unwrap();
    let config = config::load(&path).unwrap();
    assert_eq!(config.path.as_deref(), Some(path.as_path()));
    assert_eq!(
        config.domains[0].metadata_url,
        "https://fs.contoso.com/m.xml"
    );

    let missing = dir.path().join("nope.toml");
    assert_eq!(
        config::load(&missing),
        Err(ConfigError::Missing(missing.display().to_string()))
    );

    std::fs::write(&path, b"name = \"\xff\"\n").unwrap();
    assert_eq!(
        config::load(&path).unwrap_err().to_string(),
        format!(
            "{}: cannot read: not UTF-8 text (a TOML file must be UTF-8)",
            path.display()
        )
    );

    std::fs::write(&path, "[settings]\nconcurrency = 0\n").unwrap();
    assert_eq!(
        config::load(&path).unwrap_err().to_string(),
        format!(
            "{}:2:15: concurrency = 0 is out of range: concurrency must be a whole number from 1 to 256",
            path.display()
        )
    );
}

#[test]
fn write_sample_creates_directories_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/fedcert/config.toml");
    config::write_sample(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SAMPLE);
    assert_eq!(config::load(&path).unwrap().domains.len(), 2);

    std::fs::write(&path, "# mine\n").unwrap();
    let err = config::write_sample(&path).unwrap_err();
    assert_eq!(err, ConfigError::Exists(path.display().to_string()));
    assert!(
        err.to_string()
            .contains("already exists; not overwriting it")
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
}

#[test]
fn locate_prefers_the_explicit_path() {
    assert_eq!(
        config::locate(Some(Path::new("/tmp/x.toml"))),
        PathBuf::from("/tmp/x.toml")
    );
    let default = config::locate(None);
    assert!(
        default.ends_with("fedcert/config.toml") || default == Path::new("config.toml"),
        "{}",
        default.display()
    );
}

// ---- [keys] and [theme] ----

/// The action (by its config name) a key runs in `mode` under the config's `[keys]`.
fn press(config: &config::Config, mode: Mode, key: KeySpec) -> Option<&'static str> {
    config.keys.action_in(mode, key).map(Bindable::name)
}

#[test]
fn keys_rebind_actions_in_every_view_they_work_in() {
    let config = parse(
        "[keys]\nquit = \"x\"\nrefresh_all = [\"R\", \"F5\"]\ndown = [\"Ctrl-n\", \"Down\"]\n",
    );
    assert_eq!(press(&config, Mode::List, KeySpec::char('x')), Some("quit"));
    assert_eq!(
        press(&config, Mode::Checklist, KeySpec::char('x')),
        Some("quit")
    );
    assert_eq!(
        press(&config, Mode::List, KeySpec::char('q')),
        None,
        "q is free now"
    );
    let f5 = KeySpec::plain(KeyName::F(5));
    assert_eq!(press(&config, Mode::List, f5), Some("refresh_all"));
    assert_eq!(
        press(&config, Mode::List, KeySpec::char('R')),
        Some("refresh_all")
    );
    assert_eq!(press(&config, Mode::List, KeySpec::char('j')), None);
    assert_eq!(press(&config, Mode::List, KeySpec::ctrl('n')), Some("down"));
    assert_eq!(
        press(&config, Mode::Checklist, KeySpec::ctrl('n')),
        Some("down"),
        "the checklist's down moves too"
    );
    assert_eq!(
        press(&config, Mode::List, KeySpec::ctrl('c')),
        Some("quit"),
        "Ctrl-C always quits"
    );
    // The keys as written, in order; unrebound actions keep their defaults.
    assert_eq!(
        config.keys.rebound(Bindable::RefreshAll),
        Some(&[KeySpec::char('R'), f5][..])
    );
    assert_eq!(
        config.keys.rebound(Bindable::Down),
        Some(&[KeySpec::ctrl('n'), KeySpec::plain(KeyName::Down)][..])
    );
    assert_eq!(config.keys.rebound(Bindable::Up), None);
    assert_eq!(press(&config, Mode::List, KeySpec::char('k')), Some("up"));
}

#[test]
fn an_unknown_action_is_refused_at_its_line_with_the_actions_allowed() {
    let message = error("[keys]\nquit = \"x\"\nrefesh_all = \"F5\"\n");
    assert!(
        message.starts_with(
            "fedcert.toml:3:1: [keys] unknown action `refesh_all`; did you mean `refresh_all`? (actions: down, up,"
        ),
        "{message}"
    );
}

#[test]
fn two_actions_on_one_key_in_one_view_are_refused_at_the_later_key() {
    // `r` is refresh's default key.
    let message = error("[keys]\nrefresh_all = [\"F5\", \"r\"]\n");
    assert_eq!(
        message,
        "fedcert.toml:2:22: [keys] refresh_all = \"r\": \"r\" already does refresh in the list view (one key, one action per view); pick another key, or rebind refresh too"
    );
    // Both rebound: the later line is blamed.
    let message = error("[keys]\nquit = \"z\"\ntoggle_help = \"z\"\n");
    assert!(
        message.starts_with("fedcert.toml:3:15: [keys] toggle_help = \"z\": \"z\" already does quit in the list view"),
        "{message}"
    );
    // Moving the other action away too makes it valid.
    parse("[keys]\nrefresh_all = \"r\"\nrefresh = \"F6\"\n");
    // The same key in different views is fine: `n` notes in the checklist, opens it in the list.
    parse("[keys]\nopen_checklist = \"n\"\n");
    // But `down` works in the checklist too, where `n` is taken.
    let message = error("[keys]\ndown = \"n\"\n");
    assert!(
        message.contains("\"n\" already does edit_note in the checklist view"),
        "{message}"
    );
}

#[test]
fn bad_keys_are_refused_with_what_a_key_is() {
    let message = error("[keys]\nrefresh_all = [\"R\", \"PgDown\"]\n");
    assert!(
        message.starts_with("fedcert.toml:2:21: [keys] refresh_all: \"PgDown\" is not a key name; did you mean PageDown? a key is a single character"),
        "{message}"
    );
    let message = error("[keys]\nquit = 5\n");
    assert!(
        message.starts_with("fedcert.toml:2:8: [keys] quit must be a key or an array of keys"),
        "{message}"
    );
    let message = error("[keys]\nquit = []\n");
    assert!(message.contains("quit needs at least one key"), "{message}");
    let message = error("[keys]\napply_filter = \"a\"\n");
    assert!(
        message.starts_with("fedcert.toml:2:16: [keys] apply_filter = \"a\": apply_filter works while typing (filter)"),
        "{message}"
    );
    parse("[keys]\napply_filter = [\"Enter\", \"Ctrl-j\"]\n");
}

#[test]
fn theme_presets_and_colours() {
    assert_eq!(parse(DOMAIN).theme, ThemeConfig::default());
    let config =
        parse("[theme]\npreset = \"high-contrast\"\ncritical = \"#ff5f00\"\ndim = \"White\"\n");
    assert_eq!(
        config.theme,
        ThemeConfig {
            preset: ThemePreset::HighContrast,
            critical: Some(Colour::Rgb(255, 95, 0)),
            dim: Some(Colour::White),
            ..ThemeConfig::default()
        }
    );
    let config = parse("[theme]\nok = \"dark_grey\"\naccent = \"default\"\n");
    assert_eq!(config.theme.preset, ThemePreset::Default);
    assert_eq!(config.theme.ok, Some(Colour::DarkGray));
    assert_eq!(config.theme.accent, Some(Colour::Reset));

    let message = error("[theme]\npreset = \"dark\"\n");
    assert_eq!(
        message,
        "fedcert.toml:2:10: [theme] preset = \"dark\" is not a preset; use \"default\" or \"high-contrast\""
    );
    let message = error("[theme]\nwarning = \"#ffff\"\n");
    assert!(
        message
            .starts_with("fedcert.toml:2:11: [theme] warning: \"#ffff\" is not a #rrggbb colour"),
        "{message}"
    );
    let message = error("[theme]\nacent = \"red\"\n");
    assert!(
        message.starts_with(
            "fedcert.toml:2:1: unknown key `acent` in [theme]; did you mean `accent`?"
        ),
        "{message}"
    );
}

#[test]
fn the_sample_documents_keys_and_theme_and_they_parse() {
    let config = parse(&sample_uncommented());
    assert_eq!(press(&config, Mode::List, KeySpec::char('x')), Some("quit"));
    assert_eq!(
        press(&config, Mode::List, KeySpec::plain(KeyName::F(5))),
        Some("refresh_all")
    );
    assert_eq!(config.theme.critical, Some(Colour::Rgb(0xff, 0x5f, 0x5f)));
    // The plain sample leaves both at their defaults.
    let plain = parse(SAMPLE);
    assert_eq!(plain.keys, KeyBindings::default());
    assert_eq!(plain.theme, ThemeConfig::default());
}

#[test]
fn keys_and_theme_must_be_tables() {
    let message = error("keys = 5\n");
    assert!(
        message.starts_with("fedcert.toml:1:8: `keys` must be a table: [keys]"),
        "{message}"
    );
    let message = error("theme = \"dark\"\n");
    assert!(
        message.starts_with("fedcert.toml:1:9: `theme` must be a table: [theme]"),
        "{message}"
    );
}

/// The sample's words for the promotion milestone are the code's: T − (generation − promotion).
#[test]
fn the_sample_says_when_ad_fs_promotes_as_the_code_computes_it() {
    let sample = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/config.sample.toml"),
    )
    .unwrap();
    let policy = fedcert::assess::Policy::default();
    let days = policy.generation_days - policy.promotion_days;
    assert!(
        sample.contains("T - (generation_days - promotion_days)")
            && sample.contains(&format!("T - {days} days with the defaults")),
        "{sample}"
    );
    let t: chrono::DateTime<chrono::Utc> = "2027-01-10T09:00:00Z".parse().unwrap();
    let cert = |id: u8| fedcert::cert::CertInfo {
        sha1: fedcert::cert::Sha1([id; 20]),
        sha256: fedcert::cert::Sha256([id; 32]),
        subject: "CN=x".into(),
        issuer: "CN=x".into(),
        serial: "01".into(),
        not_before: t - chrono::TimeDelta::days(365),
        not_after: t,
        key_algorithm: "RSA".into(),
        key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".into(),
        self_signed: true,
        der: std::sync::Arc::from(vec![id]),
    };
    let facts = fedcert::assess::IdpFacts {
        entity_id: "http://fs.contoso.com/adfs/services/trust".into(),
        kind: fedcert::assess::IdpKind::AdFs,
        signing: vec![cert(1)],
        encryption: Vec::new(),
        signed_by: None,
        unreadable: Vec::new(),
        sign_in_url: None,
        valid_until: None,
        ws_fed: true,
    };
    let a = fedcert::assess::assess(
        &fedcert::assess::AssessInput {
            idp: Some(&facts),
            fetch_error: None,
            entra: None,
            auto_rollover: Some(true),
            adfs: None,
            peers: fedcert::assess::IdpGroup::alone(),
            policy: &policy,
            clock_skew: None,
            posture: fedcert::assess::PostureInput::default(),
            endpoints: None,
        },
        t - chrono::TimeDelta::days(100),
    );
    let promotion = a
        .milestones
        .iter()
        .find(|m| m.kind == fedcert::assess::MilestoneKind::Promotion)
        .unwrap();
    assert_eq!(promotion.at, t - chrono::TimeDelta::days(i64::from(days)));
}

// ---- signing in as the operator, several tenants (DESIGN.md §6.3) ----

#[test]
fn without_a_credential_the_operator_signs_in_with_the_documented_public_client() {
    let entra = parse("[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\n")
        .entra
        .unwrap();
    assert_eq!(entra.auth(), config::Auth::Device);
    assert_eq!(entra.auth, None, "chosen, not written");
    assert_eq!(entra.client_id, config::DEFAULT_PUBLIC_CLIENT_ID);
    assert_eq!(
        config::DEFAULT_PUBLIC_CLIENT_ID,
        "14d82eec-204b-4c2f-b7e8-296a70dab67e"
    );
    assert!(entra.uses_default_client());
    assert_eq!(entra.label(), "contoso.onmicrosoft.com");

    // An app of one's own: its client id, and still the device flow.
    let own = parse(
        "[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\nauth = \"device\"\nclient_id = \"11111111-2222-3333-4444-555555555555\"\n",
    )
    .entra
    .unwrap();
    assert_eq!(own.auth(), config::Auth::Device);
    assert_eq!(own.client_id, "11111111-2222-3333-4444-555555555555");
    assert!(!own.uses_default_client());

    // The keys present choose when `auth` is not written.
    let secret = parse(
        "[entra]\ntenant_id = \"t.example\"\nclient_id = \"11111111-2222-3333-4444-555555555555\"\nclient_secret_env = \"S\"\n",
    );
    assert_eq!(secret.entra.unwrap().auth(), config::Auth::Secret);
}

const TENANTS: &str = r#"
[entra]
tenant_id = "contoso.onmicrosoft.com"

[[tenant]]
name = "fabrikam"
tenant_id = "fabrikam.onmicrosoft.com"

[[tenant]]
name = "adatum"
tenant_id = "00000000-1111-2222-3333-444444444444"
client_id = "11111111-2222-3333-4444-555555555555"
client_secret_env = "ADATUM_SECRET"

[[domain]]
name = "contoso.com"
metadata_url = "https://fs.contoso.com/m.xml"

[[domain]]
name = "fabrikam.com"
metadata_url = "https://fs.fabrikam.com/m.xml"
tenant = "Fabrikam"

[[domain]]
name = "adatum.com"
metadata_url = "https://fs.adatum.com/m.xml"
tenant = "00000000-1111-2222-3333-444444444444"
"#;

#[test]
fn each_domain_belongs_to_its_tenant_and_entra_is_the_default() {
    let config = parse(TENANTS);
    let tenants: Vec<(&str, config::Auth)> = config
        .all_tenants()
        .map(|t| (t.label(), t.auth()))
        .collect();
    assert_eq!(
        tenants,
        [
            ("contoso.onmicrosoft.com", config::Auth::Device),
            ("fabrikam", config::Auth::Device),
            ("adatum", config::Auth::Secret),
        ]
    );
    let of: Vec<Option<&str>> = config.domains.iter().map(|d| d.tenant.as_deref()).collect();
    assert_eq!(
        of,
        [
            Some("contoso.onmicrosoft.com"),
            Some("fabrikam"),
            Some("adatum")
        ],
        "names and tenant ids are both understood, case aside; [entra] is the default"
    );
    assert_eq!(
        config.tenant_of(&config.domains[1]).unwrap().tenant_id,
        "fabrikam.onmicrosoft.com"
    );
    assert_eq!(config.tenant("FABRIKAM").unwrap().label(), "fabrikam");
    assert_eq!(
        config.tenant("contoso.onmicrosoft.com").unwrap().label(),
        "contoso.onmicrosoft.com"
    );
    assert_eq!(
        config.tenant("nope").unwrap_err().to_string(),
        "no tenant \"nope\" in the config (configured: contoso.onmicrosoft.com, fabrikam, adatum)"
    );
    assert_eq!(
        config.default_tenant().unwrap().label(),
        "contoso.onmicrosoft.com"
    );

    // Without [entra], a domain without `tenant` has no Graph at all.
    let without = parse(&TENANTS.replace("[entra]\ntenant_id = \"contoso.onmicrosoft.com\"\n", ""));
    assert_eq!(without.domains[0].tenant, None);
    assert_eq!(
        without.default_tenant(),
        None,
        "two [[tenant]] tables: name one"
    );
}

#[test]
fn tenant_tables_are_checked_with_line_and_column() {
    assert_errors(&[
        (
            "[[tenant]]\ntenant_id = \"fabrikam.onmicrosoft.com\"\n",
            "fedcert.toml:2:13: [[tenant]] with tenant_id = \"fabrikam.onmicrosoft.com\" has no name: add name = \"…\" (how [[domain]] tenant = \"…\" and fedcert login --tenant call it)",
        ),
        (
            "[[tenant]]\nname = \"a\"\ntenant_id = \"a.example\"\n\n[[tenant]]\nname = \"A\"\ntenant_id = \"b.example\"\n",
            "fedcert.toml:6:8: tenant name \"A\" is already taken by another tenant (a) (names are compared case-insensitively); give each tenant its own name",
        ),
        (
            "[entra]\ntenant_id = \"a.example\"\n\n[[domain]]\nname = \"x.com\"\nmetadata_url = \"https://x/m.xml\"\ntenant = \"fabrikam\"\n",
            "fedcert.toml:7:10: tenant = \"fabrikam\" names no tenant (configured: a.example); add a [[tenant]] table with name = \"fabrikam\" and its tenant_id",
        ),
        (
            "[[domain]]\nname = \"x.com\"\nmetadata_url = \"https://x/m.xml\"\ntenant = \"fabrikam\"\n",
            "fedcert.toml:4:10: tenant = \"fabrikam\" names no tenant (none is configured); add a [[tenant]] table with name = \"fabrikam\" and its tenant_id",
        ),
        (
            "[entra]\ntenant_id = \"a.example\"\nauth = \"password\"\n",
            "fedcert.toml:3:8: auth = \"password\" is not a sign-in method: auth must be \"device\" (you sign in: fedcert login), \"secret\" or \"certificate\" (an app registration)",
        ),
        (
            "[entra]\ntenant_id = \"a.example\"\nauth = \"device\"\nclient_secret_env = \"S\"\n",
            "fedcert.toml:4:21: [entra]: auth = \"device\" signs you in as yourself, so client_secret_env is not used: remove it, or set auth = \"secret\"",
        ),
        (
            "[[tenant]]\nname = \"f\"\ntenant_id = \"a.example\"\nclient_secret_env = \"S\"\n",
            "fedcert.toml:3:13: [[tenant]] \"f\" has no client_id: auth = \"secret\" signs in as an app registration; set client_id to its application (client) ID, or use auth = \"device\" to sign in as yourself",
        ),
        (
            "[entra]\ntenant_id = \"common\"\n",
            "fedcert.toml:2:13: tenant_id = \"common\" is not one tenant: use the tenant's ID (a GUID) or its .onmicrosoft.com name",
        ),
        (
            "[[tenant]]\nname = \"two words\"\ntenant_id = \"a.example\"\n",
            "fedcert.toml:2:8: name = \"two words\" must not contain spaces: a tenant's name is a word such as \"contoso\"",
        ),
        (
            "[tenant]\nname = \"x\"\n",
            "fedcert.toml:1:1: `tenant` must be an array of tables: write [[tenant]] (double brackets) for each tenant; found a table",
        ),
    ]);
}
