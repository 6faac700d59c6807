//! PowerShell imports feed the verdict end to end: `fedcert import …` then `fedcert check`.
//! `IsPrimary` decides the primary, an imported Entra side decides the sync state, and an
//! imported `Get-AdfsProperties` replaces AutoCertificateRollover and the thresholds. The
//! certificates are the import fixtures' own (tests/fixtures/imports/README.md).
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/imports");
/// The current certificate (91D7…, to 2027-12-01) and its successor (01A9…, to 2028-11-30).
const CURRENT: &str = "91D7AAD52141A3CF7D8C5BCC6B185D9EC6F2DD62";
const NEXT: &str = "01A9F57F57A71FCD8EB67E7D7251FDB7D0397360";
/// 21 days before the current certificate expires.
const NOW: &str = "2027-11-10T08:34:10Z";

fn pem_body(name: &str) -> String {
    let pem = std::fs::read_to_string(Path::new(FIXTURES).join("certs").join(name)).unwrap();
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// AD FS-shaped metadata publishing both certificates, its signature made with the successor —
/// so without an import fedcert would take the successor for the primary.
fn metadata() -> String {
    let current = pem_body("signing.pem");
    let next = pem_body("next.pem");
    let key = |b64: &str| {
        format!(
            r#"<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{b64}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"#
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor ID="_1" entityID="http://fs.contoso.test/adfs/services/trust" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
 <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{next}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>
 <RoleDescriptor xsi:type="fed:SecurityTokenServiceType" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706">{}{}</RoleDescriptor>
 <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{}{}<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://fs.contoso.test/adfs/ls/"/></IDPSSODescriptor>
</EntityDescriptor>"#,
        key(&current),
        key(&next),
        key(&current),
        key(&next)
    )
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("federationmetadata.xml");
        std::fs::write(&md, metadata()).unwrap();
        let config = format!(
            "[[domain]]\nname = \"contoso.test\"\nmetadata_url = \"file://{}\"\nauto_rollover = true\n",
            md.display()
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Self { dir }
    }

    fn fedcert(&self, args: &[&str]) -> std::process::Output {
        Command::cargo_bin("fedcert")
            .unwrap()
            .env("FEDCERT_DATA_DIR", self.dir.path().join("data"))
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(["--now", NOW])
            .args(args)
            .output()
            .unwrap()
    }

    fn import(&self, kind: &str, fixture: &str) {
        let file: PathBuf = Path::new(FIXTURES).join(fixture);
        let output = self.fedcert(&[
            "import",
            kind,
            file.to_str().unwrap(),
            "--domain",
            "contoso.test",
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn check(&self) -> Value {
        let output = self.fedcert(&["check", "--json"]);
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        report["domains"][0].clone()
    }
}

fn rules(d: &Value) -> Vec<&str> {
    d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

#[test]
fn without_imports_the_metadata_signature_names_the_primary() {
    let setup = Setup::new();
    let d = setup.check();
    assert_eq!(d["primary"]["sha1"], NEXT);
    assert_eq!(d["primary"]["identified_by"], "metadata_signature");
    assert_eq!(d["sync"], "unknown");
    assert_eq!(d["entra"]["source"], Value::Null);
}

#[test]
fn imported_is_primary_decides_the_primary() {
    let setup = Setup::new();
    setup.import(
        "adfs-certificates",
        "adfs-certificates.export.utf8-bom.json",
    );
    let d = setup.check();
    assert_eq!(d["primary"]["sha1"], CURRENT, "{d:#}");
    assert_eq!(d["primary"]["identified_by"], "adfs_import");
    assert_eq!(d["successor"]["sha1"], NEXT);
}

#[test]
fn an_imported_entra_side_decides_sync_and_shows_entras_update_status() {
    let setup = Setup::new();
    setup.import(
        "adfs-certificates",
        "adfs-certificates.export.utf8-bom.json",
    );
    setup.import("entra-federation", "entra-federation.ps7.json");
    let d = setup.check();
    assert_eq!(d["entra"]["source"], "import");
    assert_eq!(d["sync"], "in_sync", "{d:#}");
    assert_eq!(d["entra"]["update_result"], "couldNotAccessRemoteHost");
    assert_eq!(d["entra"]["last_run"], "2026-11-30T21:15:02Z");
    // Text mode says it in words, with the import's age.
    let text = String::from_utf8(setup.fedcert(&["check"]).stdout).unwrap();
    assert!(
        text.contains("Entra could not reach your metadata"),
        "{text}"
    );
    assert!(text.contains("Entra side imported"), "{text}");
}

#[test]
fn imported_adfs_properties_replace_auto_rollover_and_the_thresholds() {
    let setup = Setup::new();
    setup.import(
        "adfs-certificates",
        "adfs-certificates.export.utf8-bom.json",
    );
    setup.import("entra-federation", "entra-federation.ps7.json");
    setup.import("adfs-properties", "adfs-properties.manual.json");
    let d = setup.check();
    // The config says true; the imported Get-AdfsProperties says false and wins.
    assert_eq!(d["auto_rollover"], false, "{d:#}");
    // 21 days left, manual rollover, successor already in Entra: S3 softens to WARNING.
    let s3 = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "S3")
        .unwrap_or_else(|| panic!("{:?}", rules(&d)));
    assert_eq!(s3["severity"], "warning");
    // The fixture's signature is a stub (a certificate, no SignedInfo): it does not verify, and
    // X2 says so above everything else.
    assert_eq!(d["metadata"]["signature"], "invalid");
    assert_eq!(rules(&d)[0], "X2");
    assert_eq!(d["severity"], "critical");
    // CertificateGenerationThreshold 30 moves the generation milestone to T-30 d.
    let generation = d["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "generation")
        .unwrap();
    assert_eq!(generation["at"], "2027-11-01T08:34:10Z");
}

#[test]
fn a_broken_import_is_one_clear_line_and_changes_nothing() {
    let setup = Setup::new();
    let broken = Path::new(FIXTURES).join("broken");
    let file = std::fs::read_dir(&broken)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let output = setup.fedcert(&[
        "import",
        "entra-federation",
        file.to_str().unwrap(),
        "--domain",
        "contoso.test",
    ]);
    assert_eq!(output.status.code(), Some(65));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(file.file_name().unwrap().to_str().unwrap()),
        "{stderr}"
    );
    assert_eq!(setup.check()["entra"]["source"], Value::Null);
}

#[test]
fn a_corrupt_import_is_moved_aside_and_the_others_still_count() {
    let setup = Setup::new();
    setup.import(
        "adfs-certificates",
        "adfs-certificates.export.utf8-bom.json",
    );
    setup.import("entra-federation", "entra-federation.ps7.json");
    let data = setup.dir.path().join("data");
    let entra_file = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("import-entra-federation") && name.ends_with(".json")
        })
        .unwrap();
    std::fs::write(&entra_file, b"{ torn").unwrap();
    let output = setup.fedcert(&["check", "--json"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let d = &report["domains"][0];
    // The AD FS import still decides the primary; the broken Entra import is not used.
    assert_eq!(d["primary"]["identified_by"], "adfs_import", "{d:#}");
    assert_eq!(d["entra"]["source"], Value::Null);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("corrupt") && stderr.contains("moved it aside"),
        "{stderr}"
    );
}

// ---- another domain's or farm's file; the collection folder; the script ----

/// AD FS-shaped metadata for `host` publishing `certs` (PEM bodies) as signing certificates.
fn metadata_of(host: &str, certs: &[String]) -> String {
    let mut keys = String::new();
    for b64 in certs {
        write!(
            keys,
            r#"<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{b64}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"#
        )
        .unwrap();
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor ID="_1" entityID="http://{host}/adfs/services/trust" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
 <RoleDescriptor xsi:type="fed:SecurityTokenServiceType" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706">{keys}</RoleDescriptor>
 <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://{host}/adfs/ls/"/></IDPSSODescriptor>
</EntityDescriptor>"#
    )
}

/// A certificate of another farm (tests/fixtures/metadata).
fn other_farm_cert() -> String {
    let pem = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/metadata/certs/rsa_signing.pem"),
    )
    .unwrap();
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

impl Setup {
    /// Domains (name, metadata) in one config.
    fn with(domains: &[(&str, String)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = String::new();
        for (name, md) in domains {
            let path = dir.path().join(format!("{name}.xml"));
            std::fs::write(&path, md).unwrap();
            write!(
                config,
                "[[domain]]\nname = \"{name}\"\nmetadata_url = \"file://{}\"\nauto_rollover = true\n\n",
                path.display()
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Self { dir }
    }

    fn import_args(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        self.fedcert(&all)
    }

    fn stored(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("data")) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.starts_with("import-")
                    && Path::new(n)
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            })
            .collect();
        names.sort();
        names
    }
}

fn fixture_path(name: &str) -> String {
    Path::new(FIXTURES).join(name).display().to_string()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn another_farms_certificate_list_is_refused_and_force_imports_it_unused() {
    let setup = Setup::with(&[(
        "contoso.test",
        metadata_of("fs.contoso.test", &[other_farm_cert()]),
    )]);
    let export = fixture_path("adfs-certificates.export.utf8-bom.json");
    let args = [
        "adfs-certificates",
        export.as_str(),
        "--domain",
        "contoso.test",
    ];
    let output = setup.import_args(&args);
    assert_eq!(output.status.code(), Some(65), "{}", stdout(&output));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("none of its token-signing certificates (91D7AAD5…, 01A9F57F…) is in contoso.test's metadata (it publishes A7AB23FC…)")
            && err.contains("--force imports it anyway"),
        "{err}"
    );
    assert!(
        setup.stored().is_empty(),
        "nothing kept: {:?}",
        setup.stored()
    );

    let forced = setup.import_args(&[&args[..], &["--force"]].concat());
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        stdout(&forced).contains("imported although none of its"),
        "{}",
        stdout(&forced)
    );
    let d = setup.check();
    // Kept, shown, and not used: it decides nothing about this domain.
    assert_eq!(d["adfs"]["used"], false, "{d:#}");
    assert_eq!(d["adfs"]["certificates"][0]["published"], false);
    assert_ne!(d["primary"]["identified_by"], "adfs_import");
    let text = stdout(&setup.fedcert(&["check"]));
    assert!(
        text.contains("AD FS certificates imported") && text.contains("NOT USED"),
        "the status line says the import is not used: {text}"
    );
}

#[test]
fn another_idps_entra_export_from_windows_powershell_5_1_is_refused_and_force_imports_it() {
    let setup = Setup::new();
    let export = fixture_path("entra-federation.other-idp.ps5.utf16le-bom.json");
    let args = [
        "entra-federation",
        export.as_str(),
        "--domain",
        "contoso.test",
    ];
    let output = setup.import_args(&args);
    assert_eq!(output.status.code(), Some(65));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("passiveSignInUri https://fs.fabrikam-idp.test/adfs/ls/ names host fs.fabrikam-idp.test, but contoso.test's IdP is fs.contoso.test"),
        "{err}"
    );
    assert_eq!(
        setup.check()["entra"]["source"],
        Value::Null,
        "not imported"
    );

    let forced = setup.import_args(&[&args[..], &["--force"]].concat());
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(setup.check()["entra"]["source"], "import");
}

#[test]
fn the_domains_own_entra_export_from_windows_powershell_5_1_is_accepted() {
    // UTF-16 LE with BOM, CRLF, \/Date()\/, and a SupportMultipleDomain issuer: contoso.test's.
    let setup = Setup::new();
    setup.import("entra-federation", "entra-federation.ps5.utf16le-bom.json");
    assert_eq!(setup.check()["entra"]["source"], "import");
}

#[test]
fn the_script_is_printed_as_shipped() {
    let setup = Setup::new();
    let output = setup.import_args(&["--script"]);
    assert!(output.status.success());
    let asset =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fedcert-collect.ps1"))
            .unwrap();
    assert_eq!(output.stdout, asset);
    // Usage errors are one line, exit 64.
    for (args, says) in [
        (
            &["--script", "adfs-certificates"][..],
            "cannot be used with",
        ),
        (&["adfs-certificates"][..], "needs the FILE"),
        (
            &["no-such-kind-or-folder"][..],
            "is neither a kind of export",
        ),
    ] {
        let output = setup.import_args(args);
        assert_eq!(output.status.code(), Some(64), "{args:?}");
        assert!(
            stderr(&output).contains(says),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

fn farm_metadata() -> String {
    metadata_of(
        "fs.contoso.test",
        &[pem_body("signing.pem"), pem_body("next.pem")],
    )
}

#[test]
fn the_collection_folder_is_imported_for_every_domain_of_the_farm() {
    for folder in ["collection-ps51", "collection-ps7"] {
        let setup = Setup::with(&[
            ("contoso.test", farm_metadata()),
            ("fabrikam.test", farm_metadata()),
            (
                "other.test",
                metadata_of("fs.other.test", &[other_farm_cert()]),
            ),
        ]);
        let output = setup.import_args(&[&fixture_path(folder)]);
        assert!(output.status.success(), "{folder}: {}", stderr(&output));
        let out = stdout(&output);
        assert!(
            out.contains("(collected at 2027-11-10 07:30 UTC on ADFS01)"),
            "{out}"
        );
        assert!(
            out.contains("skipped ") && out.contains("tailspin.test is not in the config"),
            "{out}"
        );
        assert_eq!(
            setup.stored(),
            [
                "import-adfs-certificates-contoso.test.json",
                "import-adfs-certificates-fabrikam.test.json",
                "import-adfs-properties-contoso.test.json",
                "import-adfs-properties-fabrikam.test.json",
                "import-entra-federation-contoso.test.json",
                "import-entra-federation-fabrikam.test.json",
            ],
            "{folder}: the farm's files for its two domains, nothing for other.test"
        );
        let report: Value =
            serde_json::from_slice(&setup.fedcert(&["check", "--json"]).stdout).unwrap();
        let contoso = &report["domains"][0];
        assert_eq!(contoso["adfs"]["used"], true, "{contoso:#}");
        assert_eq!(contoso["entra"]["source"], "import");
        assert_eq!(
            contoso["idp"]["group"],
            serde_json::json!(["contoso.test", "fabrikam.test"])
        );
    }
}

#[test]
fn a_collection_of_another_farm_is_refused_whole_unless_forced_for_a_domain() {
    let setup = Setup::with(&[(
        "other.test",
        metadata_of("fs.other.test", &[other_farm_cert()]),
    )]);
    let folder = fixture_path("collection-ps7");
    let output = setup.import_args(&[&folder]);
    assert_eq!(output.status.code(), Some(65), "{}", stdout(&output));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("belong to no configured domain"), "{err}");
    assert!(setup.stored().is_empty());

    // Named and forced, they go where they are told.
    let output = setup.import_args(&[&folder, "--domain", "other.test", "--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("although"), "{}", stdout(&output));
    assert_eq!(
        setup.stored(),
        [
            "import-adfs-certificates-other.test.json",
            "import-adfs-properties-other.test.json",
        ]
    );
}
