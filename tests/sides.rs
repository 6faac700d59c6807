//! The three sides end to end, as golden files: what `fedcert check --json` and `fedcert
//! checklist` say when AD FS holds a secondary the metadata does not publish, when two domains
//! share one AD FS farm, for a SAML IdP that publishes a twin (back-channel) key, for metadata
//! whose validUntil has passed, and either side of the 35-day marks. The real binary on
//! `file://` metadata made from the fixtures' certificates, imports made by `fedcert import`,
//! `--now` fixed: every output is the same on every run.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const IMPORTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/imports");
const SIDES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sides");
/// 21 days before the AD FS primary (91D7…, to 2027-12-01 08:34:10) expires.
const NOW: &str = "2027-11-10T08:34:10Z";

fn pem_body(path: &str) -> String {
    let pem = std::fs::read_to_string(path).unwrap();
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// The AD FS token-signing certificates: 91D7… (primary, to 2027-12-01) and 01A9… (to 2028-11-30).
fn adfs_cert(name: &str) -> String {
    pem_body(&format!("{IMPORTS}/certs/{name}"))
}

fn key(use_: Option<&str>, b64: &str) -> String {
    let attr = use_.map_or_else(String::new, |u| format!(r#" use="{u}""#));
    format!(
        r#"<md:KeyDescriptor{attr}><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
    )
}

/// AD FS metadata of fs.contoso.test publishing `certs` for signing.
fn adfs_metadata(certs: &[String]) -> String {
    let keys: String = certs.iter().map(|c| key(Some("signing"), c)).collect();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<md:EntityDescriptor ID="_1" entityID="http://fs.contoso.test/adfs/services/trust" xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">
 <md:RoleDescriptor xsi:type="fed:SecurityTokenServiceType" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706">{keys}<fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>https://fs.contoso.test/adfs/ls/</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint></md:RoleDescriptor>
 <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://fs.contoso.test/adfs/ls/"/></md:IDPSSODescriptor>
</md:EntityDescriptor>"#
    )
}

/// A Shibboleth-style SAML IdP (IDPSSODescriptor only) publishing its signing key and its
/// back-channel key, which expires one second later (tests/fixtures/sides).
fn saml_metadata(host: &str, valid_until: Option<&str>) -> String {
    let signing = pem_body(&format!("{SIDES}/certs/saml-signing.pem"));
    let back_channel = pem_body(&format!("{SIDES}/certs/saml-backchannel.pem"));
    let until = valid_until.map_or_else(String::new, |t| format!(r#" validUntil="{t}""#));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://{host}/idp/shibboleth"{until}>
 <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  {}
  {}
  <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://{host}/idp/profile/SAML2/Redirect/SSO"/>
 </md:IDPSSODescriptor>
</md:EntityDescriptor>"#,
        key(Some("signing"), &signing),
        key(None, &back_channel)
    )
}

/// One run of the binary: a config of domains with their metadata, imports, then the outputs.
struct Federation {
    dir: tempfile::TempDir,
}

impl Federation {
    /// `domains`: (name, metadata, extra config lines). Domains with the same metadata read
    /// one file, as the domains of one AD FS farm read one metadata URL.
    fn new(domains: &[(&str, String, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = String::new();
        for (name, metadata, extra) in domains {
            let first = domains.iter().find(|d| d.1 == *metadata).unwrap().0;
            let path = dir.path().join(format!("{first}.xml"));
            std::fs::write(&path, metadata).unwrap();
            writeln!(
                config,
                "[[domain]]\nname = \"{name}\"\nmetadata_url = \"file://{}\"\n{extra}",
                path.display()
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Self { dir }
    }

    fn run(&self, now: &str, args: &[&str]) -> std::process::Output {
        Command::cargo_bin("fedcert")
            .unwrap()
            .env("FEDCERT_DATA_DIR", self.dir.path().join("data"))
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(["--now", now])
            .args(args)
            .output()
            .unwrap()
    }

    fn import(&self, args: &[&str]) {
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        let output = self.run(NOW, &all);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Where the test's files are, in words the snapshots keep.
    fn normalize(&self, text: &str) -> String {
        text.replace(&self.dir.path().display().to_string(), "<DIR>")
            .replace(IMPORTS, "<IMPORTS>")
    }

    fn check(&self, now: &str) -> Value {
        let output = self.run(now, &["check", "--json"]);
        assert!(
            output.status.code().is_some_and(|c| c < 4),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_str(&self.normalize(&String::from_utf8(output.stdout).unwrap())).unwrap()
    }

    fn checklist(&self, now: &str, domain: &str, format: &str) -> String {
        let output = self.run(now, &["checklist", domain, "--format", format]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.normalize(&String::from_utf8(output.stdout).unwrap())
    }
}

fn domain<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap()
}

fn rules(d: &Value) -> Vec<(String, String)> {
    d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

const SIGNING: &str = "91D7AAD52141A3CF7D8C5BCC6B185D9EC6F2DD62";
const NEXT: &str = "01A9F57F57A71FCD8EB67E7D7251FDB7D0397360";

#[test]
fn a_secondary_ad_fs_holds_and_the_metadata_does_not_publish_is_the_successor() {
    let fed = Federation::new(&[(
        "contoso.test",
        adfs_metadata(&[adfs_cert("signing.pem")]),
        "auto_rollover = true\n",
    )]);
    fed.import(&[
        "adfs-certificates",
        &format!("{IMPORTS}/adfs-certificates.export.utf8-bom.json"),
        "--domain",
        "contoso.test",
    ]);
    fed.import(&[
        "entra-federation",
        &format!("{IMPORTS}/entra-federation.ps5.utf16le-bom.json"),
        "--domain",
        "contoso.test",
    ]);
    let report = fed.check(NOW);
    let d = domain(&report, "contoso.test");
    assert_eq!(d["successor"]["sha1"], NEXT);
    assert_eq!(d["successor"]["identified_by"], "adfs_import");
    assert_eq!(d["adfs"]["source"], "import");
    assert_eq!(
        d["adfs"]["certificates"],
        serde_json::json!([
            {"sha1": SIGNING, "is_primary": true, "not_after": "2027-12-01T08:34:10Z", "published": true},
            {"sha1": NEXT, "is_primary": false, "not_after": "2028-11-30T08:34:10Z", "published": false},
        ])
    );
    assert_eq!(
        rules(d),
        pairs(&[("R4", "warning"), ("A1", "warning")]),
        "{d:#}"
    );
    insta::assert_snapshot!("secondary_successor_check", pretty(d));
    let checklist = fed.checklist(NOW, "contoso.test", "text");
    // The Graph update carries the secondary from the import's RawData.
    assert!(
        checklist.contains(&format!(
            "-NextSigningCertificate {}",
            adfs_cert("next.pem")
        )),
        "{checklist}"
    );
    assert!(!checklist.contains("Update-AdfsCertificate -CertificateType Token-Signing\n"));
    insta::assert_snapshot!("secondary_successor_checklist", checklist);
}

#[test]
fn two_domains_on_one_farm_are_one_group_updated_together() {
    let fed = Federation::new(&[
        (
            "contoso.test",
            adfs_metadata(&[adfs_cert("signing.pem"), adfs_cert("next.pem")]),
            "support_multiple_domain = true\n",
        ),
        (
            "fabrikam.test",
            adfs_metadata(&[adfs_cert("signing.pem"), adfs_cert("next.pem")]),
            "support_multiple_domain = true\n",
        ),
    ]);
    fed.import(&[&format!("{IMPORTS}/collection-ps7")]);
    let report = fed.check(NOW);
    for name in ["contoso.test", "fabrikam.test"] {
        let d = domain(&report, name);
        assert_eq!(
            d["idp"],
            serde_json::json!({
                "kind": "adfs",
                "entity_id": "http://fs.contoso.test/adfs/services/trust",
                "group": ["contoso.test", "fabrikam.test"],
            })
        );
        assert!(rules(d).contains(&("A2".into(), "warning".into())), "{d:#}");
    }
    insta::assert_snapshot!("farm_group_check", pretty(&report["domains"]));
    for dialect in ["graph", "msonline"] {
        let output = fed.run(
            NOW,
            &[
                "checklist",
                "fabrikam.test",
                "--format",
                "text",
                "--dialect",
                dialect,
            ],
        );
        let checklist = fed.normalize(&String::from_utf8(output.stdout).unwrap());
        assert!(
            checklist.contains("foreach ($d in 'contoso.test', 'fabrikam.test')"),
            "{checklist}"
        );
        insta::assert_snapshot!(format!("farm_group_checklist_{dialect}"), checklist);
    }
}

#[test]
fn a_saml_idps_twin_key_is_no_successor_and_a_passed_valid_until_is_named() {
    // 51 days before the SAML key expires (2028-03-01 12:00): the renewal is being planned.
    let now = "2028-01-10T12:00:00Z";
    let fed = Federation::new(&[
        (
            "tailspin.test",
            saml_metadata("idp.tailspin.test", None),
            "entra_signing_thumbprint = \"F0C92589389A597C74DC5EE33F095798BAC7BDB2\"\n",
        ),
        (
            "northwind.test",
            saml_metadata("idp.northwind.test", Some("2028-01-01T00:00:00Z")),
            "entra_signing_thumbprint = \"F0C92589389A597C74DC5EE33F095798BAC7BDB2\"\n",
        ),
    ]);
    let report = fed.check(now);
    let twin = domain(&report, "tailspin.test");
    assert_eq!(twin["successor"], Value::Null, "{twin:#}");
    assert_eq!(twin["idp"]["kind"], "saml");
    let kinds: Vec<&str> = twin["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["plan", "renew_now", "expiry"],
        "no AD FS or Entra-poll milestones"
    );
    assert_eq!(rules(twin), pairs(&[("R5", "warning")]));
    let expired = domain(&report, "northwind.test");
    assert_eq!(
        rules(expired),
        pairs(&[("R5", "warning"), ("V1", "warning")])
    );
    let v1 = &expired["findings"][1]["message"];
    assert!(
        v1.as_str()
            .unwrap()
            .contains("validUntil (2028-01-01 00:00 UTC) has passed"),
        "{v1}"
    );
    insta::assert_snapshot!(
        "saml_twin_and_valid_until_check",
        pretty(&report["domains"])
    );
    insta::assert_snapshot!(
        "saml_twin_checklist",
        fed.checklist(now, "tailspin.test", "text")
    );
    // The Entra update copies its certificates from that metadata: it says they may be stale.
    let stale = fed.checklist(now, "northwind.test", "text");
    let update = stale.split("(update-entra)").nth(1).unwrap();
    assert!(
        update.contains("WARNING: The metadata's validUntil (2028-01-01 00:00 UTC) has passed"),
        "{stale}"
    );
    assert!(
        !fed.checklist(now, "tailspin.test", "text")
            .contains("validUntil")
    );
    insta::assert_snapshot!("valid_until_passed_checklist", stale);
}

#[test]
fn the_35_day_marks_of_the_current_article() {
    // T = 2027-12-01 08:34:10 UTC: 35.1 days before it, then 34.9.
    let fed = Federation::new(&[
        (
            "manual.test",
            adfs_metadata(&[adfs_cert("signing.pem")]),
            "auto_rollover = false\n",
        ),
        (
            "unknown.test",
            adfs_metadata(&[adfs_cert("signing.pem")]),
            "",
        ),
    ]);
    let before = fed.check("2027-10-27T06:10:10Z");
    let after = fed.check("2027-10-27T10:58:10Z");
    assert_eq!(domain(&before, "manual.test")["days_left"], 35.1);
    assert_eq!(domain(&after, "manual.test")["days_left"], 34.9);
    assert_eq!(
        rules(domain(&before, "manual.test")),
        pairs(&[("R5", "warning")])
    );
    assert_eq!(
        rules(domain(&after, "manual.test")),
        pairs(&[("S3", "critical"), ("R5", "warning"), ("R10", "warning")])
    );
    assert_eq!(
        rules(domain(&before, "unknown.test")),
        pairs(&[("R6", "ok")])
    );
    assert_eq!(
        rules(domain(&after, "unknown.test")),
        pairs(&[("R6", "warning"), ("R10", "warning")])
    );
    insta::assert_snapshot!("boundary_35_1_days_check", pretty(&before["domains"]));
    insta::assert_snapshot!("boundary_34_9_days_check", pretty(&after["domains"]));
    insta::assert_snapshot!(
        "boundary_35_1_days_checklist",
        fed.checklist("2027-10-27T06:10:10Z", "manual.test", "text")
    );
    insta::assert_snapshot!(
        "boundary_34_9_days_checklist",
        fed.checklist("2027-10-27T10:58:10Z", "manual.test", "text")
    );
    assert!(Path::new(SIDES).exists());
}
