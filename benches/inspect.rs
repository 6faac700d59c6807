//! Throughput and memory of `metadata::parse_streaming` (XML + certificate analysis) on large
//! generated aggregates, the cost of parsing one small document, and of `cert::analyze` alone.
//! Run with `cargo bench --bench inspect`; BENCHMARKS.md records results.
//!
//! Each measurement runs in a child process (this binary again, with `--child`), so the peak RSS
//! it reports (`VmHWM` in /proc/self/status) is the parse's alone, not the generator's.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

mod support;

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use support::aggregate::{KeyMix, SharedPool, make_certificates, write_aggregate};
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
    let certs = make_certificates(0, DISTINCT_CERTS, KeyMix::RsaAndEc, 2);
    println!(
        "| entities | size (MB) | certificates | distinct | best (s) | median (s) | MB/s (best) | peak RSS (MiB) | RSS reading only (MiB) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for entities in SIZES {
        let path = dir.path().join(format!("aggregate-{entities}.xml"));
        let bytes = write_aggregate(&path, entities, &SharedPool(&certs));
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
    analysis(&certs);
}

/// `cert::analyze` alone (X.509 parse, SHA-1, SHA-256, names, key, self-signed check) on the
/// generated certificates' DER, by key type: the per-certificate cost inside every parse.
fn analysis(certs: &[String]) {
    use base64::Engine;
    let ders: Vec<Vec<u8>> = certs
        .iter()
        .map(|text| {
            let b64: String = text.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("generated base64")
        })
        .collect();
    println!();
    println!(
        "| certificates | key | DER bytes (mean) | µs per `cert::analyze` (mean of 20 passes) |"
    );
    println!("|---:|---|---:|---:|");
    for key in ["RSA", "EC"] {
        let chosen: Vec<&[u8]> = ders
            .iter()
            .filter(|der| fedcert::cert::analyze(der).is_ok_and(|c| c.key_algorithm == key))
            .map(Vec::as_slice)
            .collect();
        let passes = 20;
        let started = Instant::now();
        for _ in 0..passes {
            for der in &chosen {
                std::hint::black_box(fedcert::cert::analyze(std::hint::black_box(der)).ok());
            }
        }
        let micros = started.elapsed().as_secs_f64() * 1e6 / (passes * chosen.len()) as f64;
        let mean_bytes = chosen.iter().map(|d| d.len()).sum::<usize>() / chosen.len().max(1);
        println!("| {} | {key} | {mean_bytes} | {micros:.2} |", chosen.len());
    }
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
