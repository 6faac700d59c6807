//! Throughput and memory of `metadata::parse_streaming` (XML + certificate analysis) on large
//! generated aggregates. Run with `cargo bench --bench inspect`; BENCHMARKS.md records results.
//!
//! Each measurement runs in a child process (this binary again, with `--child`), so the peak RSS
//! it reports (`VmHWM` in /proc/self/status) is the parse's alone, not the generator's.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use base64::Engine;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256,
    SerialNumber, date_time_ymd,
};

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Distinct certificates shared by all entities (as in a real federation, where one key often
/// serves several entities of an institution).
const DISTINCT_CERTS: usize = 3_000;
const SIZES: [usize; 3] = [2_500, 10_000, 40_000];
const RUNS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        child(&args[at + 1], &args[at + 2]);
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    eprintln!("generating {DISTINCT_CERTS} certificates …");
    let certs = make_certificates(DISTINCT_CERTS);
    println!(
        "| entities | size (MB) | certificates | distinct | best (s) | median (s) | MB/s (best) | peak RSS (MiB) | RSS reading only (MiB) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for entities in SIZES {
        let path = dir.path().join(format!("aggregate-{entities}.xml"));
        let bytes = write_aggregate(&path, entities, &certs);
        let baseline = run_child("read", &path);
        let mut runs: Vec<ChildReport> = (0..RUNS).map(|_| run_child("parse", &path)).collect();
        runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        let best = &runs[0];
        let median = &runs[RUNS / 2];
        println!(
            "| {entities} | {:.1} | {} | {} | {:.3} | {:.3} | {:.0} | {:.1} | {:.1} |",
            bytes as f64 / 1e6,
            best.certificates,
            best.distinct,
            best.seconds,
            median.seconds,
            bytes as f64 / 1e6 / best.seconds,
            runs.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0,
            baseline.peak_kib as f64 / 1024.0,
        );
        std::fs::remove_file(&path).expect("remove the generated aggregate");
    }
    single_documents();
}

/// Small documents parsed many times: the cost of one AD FS metadata refresh.
fn single_documents() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/metadata");
    println!();
    println!("| fixture | size (KB) | µs per parse (mean of 2,000) |");
    println!("|---|---:|---:|");
    for name in ["adfs_bom_crlf.xml", "nested_aggregate.xml"] {
        let bytes = std::fs::read(fixtures.join(name)).expect("fixture");
        let iterations = 2_000;
        let started = Instant::now();
        for _ in 0..iterations {
            let doc = fedcert::metadata::parse_bytes(std::hint::black_box(&bytes)).expect("parses");
            std::hint::black_box(doc);
        }
        let micros = started.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
        println!("| {name} | {:.1} | {micros:.0} |", bytes.len() as f64 / 1e3);
    }
}

struct ChildReport {
    seconds: f64,
    certificates: usize,
    distinct: usize,
    peak_kib: u64,
}

fn run_child(mode: &str, path: &Path) -> ChildReport {
    let exe = std::env::current_exe().expect("own path");
    let output = Command::new(exe)
        .args(["--child", mode])
        .arg(path)
        .output()
        .expect("run the measuring child");
    assert!(
        output.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = String::from_utf8(output.stdout).expect("child output is UTF-8");
    let field = |name: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("child output lacks {name}: {line}"))
    };
    ChildReport {
        seconds: field("seconds"),
        certificates: field("certificates") as usize,
        distinct: field("distinct") as usize,
        peak_kib: field("peak_kib") as u64,
    }
}

/// In the child: read (or parse) the file once and report time, counts and peak RSS.
fn child(mode: &str, path: &str) {
    let reader = BufReader::with_capacity(64 * 1024, File::open(path).expect("open aggregate"));
    let started = Instant::now();
    let (mut certificates, mut distinct) = (0usize, HashSet::new());
    if mode == "parse" {
        let info = fedcert::metadata::parse_streaming(reader, |entity| {
            for key in &entity.certificates {
                assert!(key.cert.is_ok(), "bench certificates all analyse");
                certificates += 1;
                distinct.extend(key.sha1);
            }
        })
        .expect("the generated aggregate parses");
        assert!(info.entity_count > 0);
    } else {
        let mut reader = reader;
        loop {
            let n = reader.fill_buf().expect("read").len();
            if n == 0 {
                break;
            }
            reader.consume(n);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "seconds={seconds} certificates={certificates} distinct={} peak_kib={}",
        distinct.len(),
        peak_rss_kib()
    );
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `n` distinct certificates as base64 wrapped at 64 columns: two thirds RSA-2048 (one
/// throw-away key signs them all; rcgen cannot make RSA keys on ring), one third EC P-256.
fn make_certificates(n: usize) -> Vec<String> {
    let rsa_pem = include_str!("../tests/fixtures/metadata/bench/rsa2048_bench_only.key.pem");
    let rsa = KeyPair::from_pem_and_sign_algo(rsa_pem, &PKCS_RSA_SHA256).expect("bench RSA key");
    (0..n)
        .map(|i| {
            let mut params = CertificateParams::new(Vec::new()).expect("no SANs");
            let mut name = DistinguishedName::new();
            name.push(DnType::CountryName, "SE");
            name.push(DnType::OrganizationName, format!("Bench Member {}", i / 3));
            name.push(DnType::CommonName, format!("sp{i}.bench.example.org"));
            params.distinguished_name = name;
            params.serial_number = Some(SerialNumber::from(i as u64 + 1));
            params.not_before = date_time_ymd(2024, 1 + (i % 12) as u8, 1 + (i % 28) as u8);
            params.not_after = date_time_ymd(2027 + (i % 20) as i32, 1 + (i % 12) as u8, 1);
            let cert = if i % 3 == 2 {
                let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("EC key");
                params.self_signed(&key)
            } else {
                params.self_signed(&rsa)
            }
            .expect("self-signed certificate");
            let b64 = base64::engine::general_purpose::STANDARD.encode(cert.der());
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
                .collect();
            lines.join("\n")
        })
        .collect()
}

/// Write an `eduGAIN`-like aggregate: service providers and (every fourth) identity providers with registration info, entity
/// attributes, mdui, organisation, two contacts, and a signing + an encryption key each.
fn write_aggregate(path: &Path, entities: usize, certs: &[String]) -> u64 {
    let mut out = BufWriter::new(File::create(path).expect("create aggregate"));
    let mut entity = String::new();
    write!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntitiesDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" xmlns:mdrpi="urn:oasis:names:tc:SAML:metadata:rpi" xmlns:mdattr="urn:oasis:names:tc:SAML:metadata:attribute" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" Name="urn:bench:federation" validUntil="2027-01-01T00:00:00Z" cacheDuration="PT6H">
"#
    )
    .expect("write");
    for i in 0..entities {
        entity.clear();
        let signing = &certs[i % certs.len()];
        let encryption = &certs[(i * 7 + 3) % certs.len()];
        let idp = i % 4 == 0;
        let (role, endpoint) = if idp {
            (
                "IDPSSODescriptor",
                format!(
                    r#"<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp{i}.bench.example.org/idp/profile/SAML2/Redirect/SSO"/>"#
                ),
            )
        } else {
            (
                "SPSSODescriptor",
                format!(
                    r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp{i}.bench.example.org/Shibboleth.sso/SAML2/POST" index="1"/>"#
                ),
            )
        };
        let _ = write!(
            entity,
            r#"  <md:EntityDescriptor entityID="https://sp{i}.bench.example.org/shibboleth">
    <md:Extensions>
      <mdrpi:RegistrationInfo registrationAuthority="https://federation.bench.example.org" registrationInstant="2020-01-01T00:00:00Z"/>
      <mdattr:EntityAttributes><saml:Attribute Name="http://macedir.org/entity-category" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue>http://refeds.org/category/research-and-scholarship</saml:AttributeValue></saml:Attribute></mdattr:EntityAttributes>
    </md:Extensions>
    <md:{role} protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
      <md:Extensions>
        <shibmd:Scope regexp="false">bench{i}.example.org</shibmd:Scope>
        <mdui:UIInfo>
          <mdui:DisplayName xml:lang="en">Bench service number {i}</mdui:DisplayName>
          <mdui:Description xml:lang="en">A research &amp; education service used to measure fedcert, entity {i}.</mdui:Description>
          <mdui:Logo height="64" width="64">https://sp{i}.bench.example.org/logo.png</mdui:Logo>
        </mdui:UIInfo>
      </md:Extensions>
      <md:KeyDescriptor use="signing">
        <ds:KeyInfo>
          <ds:X509Data>
            <ds:X509Certificate>
{signing}
            </ds:X509Certificate>
          </ds:X509Data>
        </ds:KeyInfo>
      </md:KeyDescriptor>
      <md:KeyDescriptor use="encryption">
        <ds:KeyInfo>
          <ds:X509Data>
            <ds:X509Certificate>
{encryption}
            </ds:X509Certificate>
          </ds:X509Data>
        </ds:KeyInfo>
      </md:KeyDescriptor>
      {endpoint}
    </md:{role}>
    <md:Organization>
      <md:OrganizationName xml:lang="en">Bench Member {i}</md:OrganizationName>
      <md:OrganizationDisplayName xml:lang="en">Bench Member {i}</md:OrganizationDisplayName>
      <md:OrganizationURL xml:lang="en">https://www.bench{i}.example.org/</md:OrganizationURL>
    </md:Organization>
    <md:ContactPerson contactType="technical"><md:GivenName>Tech</md:GivenName><md:SurName>Support</md:SurName><md:EmailAddress>mailto:tech@bench{i}.example.org</md:EmailAddress></md:ContactPerson>
    <md:ContactPerson contactType="support"><md:GivenName>Help</md:GivenName><md:EmailAddress>mailto:help@bench{i}.example.org</md:EmailAddress></md:ContactPerson>
  </md:EntityDescriptor>
"#
        );
        out.write_all(entity.as_bytes()).expect("write");
    }
    out.write_all(b"</md:EntitiesDescriptor>\n").expect("write");
    out.flush().expect("flush");
    std::fs::metadata(path).expect("size").len()
}
