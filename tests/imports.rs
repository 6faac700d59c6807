//! PowerShell imports: the three exports in the encodings PowerShell writes, and one clear line
//! for every broken file. Fixtures: tests/fixtures/imports (see its README for the facts).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use fedcert::assess::{EntraSource, Policy};
use fedcert::cert::Sha1;
use fedcert::source::graph::ReportedResult;
use fedcert::source::imports::{
    self, ImportKind, ImportedAdfsCertificates, ImportedAdfsProperties, ImportedEntra, decode_text,
};

const SIGNING: &str = "91D7AAD52141A3CF7D8C5BCC6B185D9EC6F2DD62";
const NEXT: &str = "01A9F57F57A71FCD8EB67E7D7251FDB7D0397360";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/imports")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn sha1(text: &str) -> Sha1 {
    text.parse().unwrap()
}

#[test]
fn entra_federation_from_powershell_7() {
    let now = at("2026-12-01T00:15:03Z");
    let import = ImportedEntra::parse(
        &bytes("entra-federation.ps7.json"),
        "fed.json",
        "contoso.test",
        now,
    )
    .unwrap();
    let f = &import.federation;
    assert_eq!(
        f.id.as_deref(),
        Some("6601d14b-d113-8f64-fda2-9b5ddda18ecc")
    );
    assert_eq!(
        f.issuer_uri.as_deref(),
        Some("http://fs.contoso.test/adfs/services/trust")
    );
    assert_eq!(
        f.passive_sign_in_uri.as_deref(),
        Some("https://fs.contoso.test/adfs/ls/")
    );
    assert_eq!(
        f.metadata_exchange_uri.as_deref(),
        Some("https://fs.contoso.test/adfs/services/trust/mex")
    );
    assert_eq!(f.signing_certificate.as_ref().unwrap().sha1, sha1(SIGNING));
    assert_eq!(
        f.next_signing_certificate.as_ref().unwrap().sha1,
        sha1(NEXT)
    );
    assert_eq!(
        f.update_result.as_ref().map(ReportedResult::as_str),
        Some("couldNotAccessRemoteHost")
    );
    assert_eq!(f.last_run, Some(at("2026-11-30T21:15:02.1234567Z")));
    assert_eq!(
        f.metadata_url().as_deref(),
        Some("https://fs.contoso.test/federationmetadata/2007-06/federationmetadata.xml")
    );
    assert!(!f.uses_multiple_domain_issuer("contoso.test"));

    let side = import.entra_side_with(|_| None);
    assert_eq!(side.source, Some(EntraSource::Import));
    assert_eq!(side.signing, Some(sha1(SIGNING)));
    assert_eq!(side.next_signing, Some(sha1(NEXT)));
    assert_eq!(
        side.federation_id.as_deref(),
        Some("6601d14b-d113-8f64-fda2-9b5ddda18ecc")
    );
    assert_eq!(side.as_of, Some(now));
    assert_eq!(
        fedcert::words::update_status(side.update_result.as_ref(), side.last_run, now),
        "Entra could not reach your metadata; last tried 3 hours ago"
    );
}

#[test]
fn entra_federation_from_windows_powershell_5_utf16_with_bom() {
    let raw = bytes("entra-federation.ps5.utf16le-bom.json");
    assert_eq!(&raw[..2], b"\xFF\xFE", "the fixture is UTF-16 LE with BOM");
    let now = at("2026-12-01T00:00:00Z");
    let import = ImportedEntra::parse(&raw, "fed.json", "contoso.test", now).unwrap();
    let f = &import.federation;
    assert_eq!(f.signing_certificate.as_ref().unwrap().sha1, sha1(SIGNING));
    assert_eq!(f.next_signing_certificate, None);
    assert_eq!(
        f.update_result.as_ref().map(ReportedResult::as_str),
        Some("Success")
    );
    assert_eq!(f.last_run, Some(at("2025-11-30T21:15:02Z")));
    assert!(f.uses_multiple_domain_issuer("contoso.test"));
}

#[test]
fn entra_federation_saved_from_a_graph_response() {
    let ps7 = String::from_utf8(bytes("entra-federation.ps7.json")).unwrap();
    let signing = ps7
        .split("\"SigningCertificate\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let graph = format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#domains('contoso.test')/federationConfiguration",
            "value":[{{"id":"abc","issuerUri":"http://fs.contoso.test/adfs/services/trust","signingCertificate":"{signing}",
            "nextSigningCertificate":null,
            "signingCertificateUpdateStatus":{{"certificateUpdateResult":"success","lastRunDateTime":"2026-11-30T07:44:46Z"}}}}]}}"#
    );
    let f = imports::parse_entra_federation(graph.as_bytes()).unwrap();
    assert_eq!(f.id.as_deref(), Some("abc"));
    assert_eq!(f.signing_certificate.unwrap().sha1, sha1(SIGNING));
    assert_eq!(
        f.update_result.as_ref().map(ReportedResult::as_str),
        Some("success")
    );
}

#[test]
fn adfs_certificates_from_the_export_command_utf8_with_bom() {
    let raw = bytes("adfs-certificates.export.utf8-bom.json");
    assert_eq!(&raw[..3], b"\xEF\xBB\xBF");
    let import = ImportedAdfsCertificates::parse(
        &raw,
        "certs.json",
        "contoso.test",
        at("2026-12-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(import.certificates.len(), 2);
    assert_eq!(import.primary(), Some(sha1(SIGNING)));
    let [primary, secondary] = import.certificates.as_slice() else {
        panic!()
    };
    assert!(primary.is_primary && !secondary.is_primary);
    assert_eq!(
        primary.not_after,
        Some(at("2027-12-01T08:34:10Z")),
        "the +01:00 offset is applied"
    );
    assert_eq!(primary.certificate.as_ref().unwrap().sha1, sha1(SIGNING));
    assert_eq!(secondary.thumbprint, sha1(NEXT));
    assert_eq!(secondary.certificate.as_ref().unwrap().sha1, sha1(NEXT));
}

#[test]
fn adfs_certificates_single_object() {
    let certs = imports::parse_adfs_certificates(&bytes("adfs-certificates.single.json")).unwrap();
    assert_eq!(certs.len(), 1);
    assert!(certs[0].is_primary);
    assert_eq!(certs[0].thumbprint, sha1(SIGNING));
}

#[test]
fn adfs_certificates_plain_convert_to_json_utf16_without_bom() {
    let raw = bytes("adfs-certificates.plain-ps5.utf16le.json");
    assert_eq!(&raw[..2], b"[\0", "the fixture is BOM-less UTF-16 LE");
    let certs = imports::parse_adfs_certificates(&raw).unwrap();
    assert_eq!(
        certs.len(),
        2,
        "the Token-Decrypting certificate is skipped: {certs:?}"
    );
    assert_eq!(certs[0].thumbprint, sha1(SIGNING));
    assert!(certs[0].is_primary);
    assert_eq!(certs[0].not_after, Some(at("2027-12-01T09:34:10Z")));
    assert_eq!(
        certs[0].certificate.as_ref().unwrap().sha1,
        sha1(SIGNING),
        "RawData as a byte list"
    );
    assert_eq!(certs[1].thumbprint, sha1(NEXT));
    assert_eq!(
        certs[1].not_after,
        Some(at("2028-11-30T09:34:10Z")),
        "the {{ value: /Date/ }} wrapper"
    );
    assert_eq!(
        certs[1].certificate, None,
        "\"System.Byte[]\" carries no certificate"
    );
}

#[test]
fn adfs_properties_utf16_big_endian_and_the_policy_they_set() {
    let raw = bytes("adfs-properties.utf16be-bom.json");
    assert_eq!(&raw[..2], b"\xFE\xFF");
    let import = ImportedAdfsProperties::parse(
        &raw,
        "props.json",
        "contoso.test",
        at("2026-12-01T00:00:00Z"),
    )
    .unwrap();
    let p = import.properties;
    assert!(p.auto_certificate_rollover);
    assert_eq!(p.certificate_generation_threshold, Some(20));
    assert_eq!(p.certificate_promotion_threshold, Some(5));
    assert_eq!(p.certificate_critical_threshold, Some(2));
    assert_eq!(p.certificate_duration, Some(365));
    assert_eq!(p.certificate_rollover_interval, Some(720));
    assert_eq!(p.certificate_threshold_multiplier, Some(1440));

    let manual = imports::parse_adfs_properties(&bytes("adfs-properties.manual.json")).unwrap();
    assert!(!manual.auto_certificate_rollover);
    let policy = manual.apply_to(Policy::default());
    assert_eq!((policy.generation_days, policy.promotion_days), (30, 5));
    assert_eq!(policy.renew_now_days, Policy::default().renew_now_days);
}

#[test]
fn threshold_multiplier_converts_units_to_days() {
    // A lab farm counting thresholds in hours: 48 × 60 min = 2 days, 24 × 60 min = 1 day.
    let text = br#"{"AutoCertificateRollover": true, "CertificateGenerationThreshold": 48,
                    "CertificatePromotionThreshold": 24, "CertificateThresholdMultiplier": 60}"#;
    let policy = imports::parse_adfs_properties(text)
        .unwrap()
        .apply_to(Policy::default());
    assert_eq!((policy.generation_days, policy.promotion_days), (2, 1));
}

/// Every good fixture reads the same in every encoding PowerShell may write.
#[test]
fn every_encoding_reads_the_same() {
    for name in [
        "entra-federation.ps7.json",
        "entra-federation.ps5.utf16le-bom.json",
        "adfs-certificates.export.utf8-bom.json",
        "adfs-certificates.plain-ps5.utf16le.json",
        "adfs-properties.utf16be-bom.json",
    ] {
        let text = decode_text(&bytes(name)).unwrap();
        let units: Vec<u16> = text.encode_utf16().collect();
        let le: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
        let variants: Vec<(&str, Vec<u8>)> = vec![
            ("utf-8", text.as_bytes().to_vec()),
            (
                "utf-8 bom",
                [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            ),
            ("utf-16le bom", [b"\xFF\xFE".as_slice(), &le].concat()),
            ("utf-16le", le.clone()),
            ("utf-16be bom", [b"\xFE\xFF".as_slice(), &be].concat()),
            ("utf-16be", be.clone()),
        ];
        for (encoding, variant) in variants {
            assert_eq!(decode_text(&variant).unwrap(), text, "{name} as {encoding}");
        }
        let parsed = match name {
            n if n.starts_with("entra") => format!("{:?}", imports::parse_entra_federation(&le)),
            n if n.starts_with("adfs-certificates") => {
                format!("{:?}", imports::parse_adfs_certificates(&be))
            }
            _ => format!("{:?}", imports::parse_adfs_properties(&le)),
        };
        assert!(parsed.starts_with("Ok("), "{name}: {parsed}");
    }
}

#[test]
fn broken_files_get_one_line_naming_the_file_and_the_problem() {
    let cases = [
        (
            "broken/truncated.json",
            ImportKind::EntraFederation,
            "not valid JSON: EOF while parsing",
        ),
        (
            "broken/html-page.json",
            ImportKind::AdfsCertificates,
            "not valid JSON",
        ),
        (
            "broken/two-primaries.json",
            ImportKind::AdfsCertificates,
            "2 certificates are marked IsPrimary",
        ),
        (
            "broken/rawdata-mismatch.json",
            ImportKind::AdfsCertificates,
            "certificate 1: RawData hashes to 01A9F57F57A71FCD8EB67E7D7251FDB7D0397360 but Thumbprint says 91D7AAD52141A3CF7D8C5BCC6B185D9EC6F2DD62",
        ),
        (
            "broken/short-thumbprint.json",
            ImportKind::AdfsCertificates,
            "\"91D7AAD5\" is not a thumbprint",
        ),
        (
            "broken/bad-signing-certificate.json",
            ImportKind::EntraFederation,
            "SigningCertificate: not base64",
        ),
        (
            "broken/odd-utf16.json",
            ImportKind::AdfsProperties,
            "UTF-16 LE text with an odd number of bytes",
        ),
        (
            "broken/latin1.json",
            ImportKind::EntraFederation,
            "not UTF-8 or UTF-16 text",
        ),
        (
            "broken/empty.json",
            ImportKind::AdfsProperties,
            "the file is empty",
        ),
        // The right file for the wrong command.
        (
            "adfs-properties.manual.json",
            ImportKind::EntraFederation,
            "not Get-MgDomainFederationConfiguration output",
        ),
        (
            "entra-federation.ps7.json",
            ImportKind::AdfsCertificates,
            "certificate 1: no Thumbprint: not Get-AdfsCertificate output",
        ),
        (
            "adfs-certificates.single.json",
            ImportKind::AdfsProperties,
            "not Get-AdfsProperties output: no AutoCertificateRollover",
        ),
        (
            "adfs-certificates.export.utf8-bom.json",
            ImportKind::AdfsProperties,
            "a list of 2 objects",
        ),
    ];
    let now = at("2026-12-01T00:00:00Z");
    for (name, kind, expected) in cases {
        let raw = bytes(name);
        let file = fixture(name).display().to_string();
        let error = match kind {
            ImportKind::EntraFederation => {
                ImportedEntra::parse(&raw, &file, "contoso.test", now).map(|_| ())
            }
            ImportKind::AdfsCertificates => {
                ImportedAdfsCertificates::parse(&raw, &file, "contoso.test", now).map(|_| ())
            }
            ImportKind::AdfsProperties => {
                ImportedAdfsProperties::parse(&raw, &file, "contoso.test", now).map(|_| ())
            }
        }
        .expect_err(name)
        .to_string();
        assert!(error.starts_with(&format!("{file}: ")), "{name}: {error}");
        assert!(
            error.contains(expected),
            "{name}: expected {expected:?} in {error:?}"
        );
        assert!(!error.contains('\n'), "{name}: one line: {error:?}");
    }
}

#[test]
fn a_missing_file_is_named() {
    let error = imports::read_file(&fixture("no-such-file.json"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("no-such-file.json: cannot read"), "{error}");
}

#[test]
fn imports_round_trip_through_json_as_the_store_keeps_them() {
    let now = at("2026-12-01T00:00:00Z");
    let entra = ImportedEntra::parse(
        &bytes("entra-federation.ps7.json"),
        "f",
        "contoso.test",
        now,
    )
    .unwrap();
    let certs = ImportedAdfsCertificates::parse(
        &bytes("adfs-certificates.export.utf8-bom.json"),
        "c",
        "contoso.test",
        now,
    )
    .unwrap();
    let props = ImportedAdfsProperties::parse(
        &bytes("adfs-properties.manual.json"),
        "p",
        "contoso.test",
        now,
    )
    .unwrap();
    let text = serde_json::to_string(&entra).unwrap();
    assert!(
        text.contains("\"imported_at\":\"2026-12-01T00:00:00Z\""),
        "{text}"
    );
    assert_eq!(serde_json::from_str::<ImportedEntra>(&text).unwrap(), entra);
    assert_eq!(
        serde_json::from_str::<ImportedAdfsCertificates>(&serde_json::to_string(&certs).unwrap())
            .unwrap(),
        certs
    );
    assert_eq!(
        serde_json::from_str::<ImportedAdfsProperties>(&serde_json::to_string(&props).unwrap())
            .unwrap(),
        props
    );
}

#[test]
fn store_names_are_per_kind_and_domain_and_safe() {
    assert_eq!(
        ImportKind::EntraFederation.store_name("Contoso.COM"),
        "import-entra-federation-contoso.com.json"
    );
    assert_eq!(
        ImportKind::AdfsCertificates.store_name("a/../b"),
        "import-adfs-certificates-a_.._b.json"
    );
    assert_eq!(
        ImportKind::AdfsProperties.store_name("x"),
        "import-adfs-properties-x.json"
    );
}

#[test]
fn imports_describe_their_age_and_feed_the_verdict() {
    let imported = at("2026-12-01T06:00:00Z");
    let all = imports::Imports {
        entra: Some(Box::new(
            ImportedEntra::parse(
                &bytes("entra-federation.ps7.json"),
                "fed.json",
                "contoso.test",
                imported,
            )
            .unwrap(),
        )),
        adfs_certificates: Some(Box::new(
            ImportedAdfsCertificates::parse(
                &bytes("adfs-certificates.single.json"),
                "certs.json",
                "contoso.test",
                imported,
            )
            .unwrap(),
        )),
        adfs_properties: Some(Box::new(
            ImportedAdfsProperties::parse(
                &bytes("adfs-properties.manual.json"),
                "props.json",
                "contoso.test",
                imported,
            )
            .unwrap(),
        )),
    };
    assert_eq!(
        fedcert::words::imports(&all, at("2026-12-01T08:00:00Z")),
        [
            "Entra side imported 2 hours ago from fed.json",
            "AD FS certificates imported 2 hours ago from certs.json",
            "AD FS properties imported 2 hours ago from props.json"
        ]
    );
    assert_eq!(all.auto_rollover(), Some(false));
    assert_eq!(all.primary(), Some(sha1(SIGNING)));
    assert_eq!(all.policy(Policy::default()).generation_days, 30);
    assert_eq!(
        imports::Imports::default().policy(Policy::default()),
        Policy::default()
    );
    assert!(fedcert::words::imports(&imports::Imports::default(), imported).is_empty());
}

// ---- the collection script's folder ----

use fedcert::source::collection::{self, Collection};

/// A collection as its facts, without where its files are.
fn facts_of(c: &Collection) -> String {
    let entra: Vec<String> = c
        .entra
        .iter()
        .map(|e| format!("{} {:?}", e.domain, e.federation))
        .collect();
    format!(
        "{:?}\n{:?}\n{entra:?}\n{:?}",
        c.adfs_certificates.as_ref().map(|(_, certs)| certs),
        c.adfs_properties.as_ref().map(|(_, p)| p),
        c.manifest
    )
}

#[test]
fn the_collection_reads_the_same_as_windows_powershell_5_1_and_powershell_7_write_it() {
    let ps51 = Collection::read(&fixture("collection-ps51")).unwrap();
    let ps7 = Collection::read(&fixture("collection-ps7")).unwrap();
    let raw = bytes("collection-ps51/entra-federation.contoso.test.json");
    assert!(
        raw.windows(2).any(|w| w == b"\r\n") && raw.windows(3).any(|w| w == b":  "),
        "the 5.1 fixture has CRLF and 5.1's two spaces after a colon"
    );
    assert_eq!(facts_of(&ps51), facts_of(&ps7));

    let (_, certs) = ps7.adfs_certificates.as_ref().unwrap();
    let thumbprints: Vec<(Sha1, bool)> =
        certs.iter().map(|c| (c.thumbprint, c.is_primary)).collect();
    assert_eq!(thumbprints, [(sha1(SIGNING), true), (sha1(NEXT), false)]);
    assert!(
        certs.iter().all(|c| c.certificate.is_some()),
        "RawData carries each certificate"
    );
    assert_eq!(certs[1].not_after, Some(at("2028-11-30T08:34:10Z")));
    let (_, properties) = ps7.adfs_properties.as_ref().unwrap();
    assert_eq!(
        properties.identifier.as_deref(),
        Some("http://fs.contoso.test/adfs/services/trust")
    );
    assert_eq!(properties.host_name.as_deref(), Some("fs.contoso.test"));
    assert!(properties.auto_certificate_rollover);
    let domains: Vec<&str> = ps7.entra.iter().map(|e| e.domain.as_str()).collect();
    assert_eq!(domains, ["contoso.test", "fabrikam.test", "tailspin.test"]);
    let contoso = &ps7.entra[0].federation;
    assert_eq!(
        contoso.signing_certificate.as_ref().unwrap().sha1,
        sha1(SIGNING)
    );
    assert_eq!(
        contoso.next_signing_certificate.as_ref().unwrap().sha1,
        sha1(NEXT)
    );
    assert_eq!(contoso.last_run, Some(at("2027-11-02T06:00:00Z")));
    let manifest = ps7.manifest.as_ref().unwrap();
    assert_eq!(manifest.collected_at, Some(at("2027-11-10T07:30:00Z")));
    assert_eq!(manifest.computer.as_deref(), Some("ADFS01"));
    assert!(ps7.skipped.is_empty(), "{:?}", ps7.skipped);
}

#[test]
fn a_collection_file_saved_again_with_windows_powershell_5_1_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("collection-ps7")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    // `Get-AdfsProperties | ConvertTo-Json > adfs-properties.json` in 5.1: UTF-16 LE with BOM.
    let text = decode_text(&bytes("collection-ps7/adfs-properties.json")).unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(dir.path().join("adfs-properties.json"), utf16).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "copied from ADFS01").unwrap();
    let again = Collection::read(dir.path()).unwrap();
    let ps7 = Collection::read(&fixture("collection-ps7")).unwrap();
    assert_eq!(facts_of(&again), facts_of(&ps7));
    assert_eq!(again.skipped.len(), 1, "{:?}", again.skipped);
    assert!(again.skipped[0].ends_with("notes.txt"));
}

#[test]
fn a_folder_that_is_no_collection_is_one_clear_line() {
    let empty = tempfile::tempdir().unwrap();
    let error = Collection::read(empty.path()).unwrap_err().to_string();
    assert!(
        error.contains("no file of the collection script"),
        "{error}"
    );
    assert!(error.contains("fedcert import --script"), "{error}");

    // A file named for one domain that says it is another's.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("collection-ps7/entra-federation.fabrikam.test.json"),
        dir.path().join("entra-federation.contoso.test.json"),
    )
    .unwrap();
    let error = Collection::read(dir.path()).unwrap_err().to_string();
    assert!(
        error.contains("its name says contoso.test but its DomainId says fabrikam.test"),
        "{error}"
    );
    assert!(!error.contains('\n'));

    // A broken file fails the folder, naming the file.
    std::fs::write(dir.path().join("adfs-certificates.json"), "{ torn").unwrap();
    let error = Collection::read(dir.path()).unwrap_err().to_string();
    assert!(
        error.contains("adfs-certificates.json: not valid JSON"),
        "{error}"
    );
}

/// The script `fedcert import --script` prints is the one in assets/, and it writes the files
/// the reader takes, in the format it reads, with Graph PowerShell and never MSOnline.
#[test]
fn the_collection_script_writes_what_the_reader_takes() {
    let asset = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/fedcert-collect.ps1"),
    )
    .unwrap();
    assert_eq!(collection::SCRIPT, asset);
    for written in [
        "'adfs-certificates.json'",
        "'adfs-properties.json'",
        "'entra-federation.{0}.json'",
        "'manifest.json'",
        collection::FORMAT,
        "UTF8Encoding $false",
        "Get-MgDomainFederationConfiguration",
        "[Convert]::ToBase64String($_.Certificate.RawData)",
    ] {
        assert!(asset.contains(written), "the script lacks {written}");
    }
    // The properties the reader checks a file against: each written as `Name = value`.
    for property in ["Identifier", "HostName", "DomainId", "IsPrimary", "RawData"] {
        assert!(
            asset.lines().any(|line| {
                line.trim_start()
                    .strip_prefix(property)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            }),
            "the script writes no {property}"
        );
    }
    for retired in ["Msol", "MSOnline\n", "Connect-MsolService"] {
        assert!(!asset.contains(retired), "the script uses {retired}");
    }
    assert!(
        asset.is_ascii(),
        "pasted into any console, it stays the same script"
    );
}
