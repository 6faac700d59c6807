//! Throughput and memory of `metadata::parse_streaming` (XML + certificate analysis) on large
//! generated aggregates, the cost of parsing one small document, and of `cert::analyze` alone;
//! then the cost of signature verification: on an AD FS document, and alongside the parse of an
//! aggregate, unsigned and signed; and its share of one domain's refresh (`-- refresh`: fetch
//! over loopback HTTP and HTTPS, parse, verify, extract, as the poller does). Run with `cargo
//! bench --bench inspect` (`-- signature` for the signature tables only, `-- refresh` for the
//! refresh table alone); BENCHMARKS.md records results.
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
    if args.iter().any(|a| a == "refresh") {
        refresh_share(dir.path());
        return;
    }
    eprintln!("generating {DISTINCT_CERTS} certificates …");
    let certs = make_certificates(0, DISTINCT_CERTS, KeyMix::RsaAndEc, 2);
    if args.iter().any(|a| a == "signature") {
        signature_costs(dir.path(), &certs);
        refresh_share(dir.path());
        return;
    }
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
    signature_costs(dir.path(), &certs);
    refresh_share(dir.path());
}

/// Signature verification: on a signed AD FS document of real size (the cost per refresh, and
/// its share of parsing the same bytes), and alongside the parse of an aggregate read as a
/// stream (what `inspect` does): unsigned, where the scan gives up after `RECORD_LIMIT`, and
/// carrying a root signature, where the whole document is canonicalized and digested.
fn signature_costs(dir: &Path, certs: &[String]) {
    use fedcert::metadata::signature;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signature");
    println!();
    println!(
        "| fixture | size (KB) | µs per parse | µs per verify_bytes | verify / parse | µs per parse_and_verify (one read) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for name in ["adfs_full_70k.xml", "adfs_exc_rsa_sha256.xml"] {
        let bytes = std::fs::read(fixtures.join(name)).expect("fixture");
        assert_eq!(
            signature::verify_bytes(&bytes).outcome,
            signature::Outcome::Verified
        );
        let iterations = 1_000;
        let mean = |f: &dyn Fn()| {
            let started = Instant::now();
            for _ in 0..iterations {
                f();
            }
            started.elapsed().as_secs_f64() * 1e6 / f64::from(iterations)
        };
        let parse = mean(&|| {
            std::hint::black_box(fedcert::metadata::parse_bytes(std::hint::black_box(&bytes)).ok());
        });
        let verify = mean(&|| {
            std::hint::black_box(signature::verify_bytes(std::hint::black_box(&bytes)));
        });
        let both = mean(&|| {
            std::hint::black_box(
                signature::parse_and_verify(std::hint::black_box(&bytes[..]), |e| e, |_| {}).ok(),
            );
        });
        println!(
            "| {name} | {:.1} | {parse:.0} | {verify:.0} | {:.0} % | {both:.0} |",
            bytes.len() as f64 / 1e3,
            100.0 * verify / parse
        );
    }

    for entities in [10_000, 40_000] {
        signature_alongside_parse(dir, certs, entities, &fixtures);
    }
}

/// Signature verification's share of one domain's refresh, as the poller does it
/// (`poller::refresh_domain`: fetch, parse, verify the same bytes, extract the IdP's facts, read
/// the TLS certificate of the session): a loopback server holding one signed AD FS document,
/// over plain HTTP and over HTTPS (keep-alive: the handshake once), refreshed one after the
/// other; beside it, `verify_bytes` alone on the same bytes. The two are timed in alternating
/// rounds, and each column is its best round and its median round, so that a neighbour's burst
/// of CPU on a shared machine lands on both or shows as a gap between best and median.
fn refresh_share(dir: &Path) {
    use fedcert::config::DomainConfig;
    use fedcert::metadata::signature::{Outcome, verify_bytes};
    use fedcert::poller::{Sources, refresh_domain};
    const ROUNDS: usize = 21;
    const PER_ROUND: u32 = 40;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signature");
    fedcert::source::install_crypto_provider();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    println!();
    println!(
        "| fixture | size (KB) | transport | ms per refresh (best / median round) | ms per verify_bytes (best / median) | verify / refresh (best / median) |"
    );
    println!("|---|---:|---|---:|---:|---:|");
    for name in ["adfs_full_70k.xml", "adfs_exc_rsa_sha256.xml"] {
        let bytes = std::fs::read(fixtures.join(name)).expect("fixture");
        assert_eq!(verify_bytes(&bytes).outcome, Outcome::Verified);
        for tls in [false, true] {
            let (url, ca_file) = runtime.block_on(loopback::serve(bytes.clone(), tls, dir));
            let mut config = DomainConfig::new("bench.example", url);
            config.ca_file = ca_file;
            let sources = Sources::from_config(&fedcert::config::Config::default());
            let now = chrono::Utc::now();
            let (mut refresh, mut verify) = (Vec::new(), Vec::new());
            runtime.block_on(async {
                // The first refresh opens the connection (and the TLS session), and shows that
                // each refresh reads, verifies and keeps the session's certificate.
                let first = refresh_domain(&sources, &config, now).await;
                let snapshot = first.metadata.expect("the bench document reads");
                assert_eq!(snapshot.endpoints.tls.is_some(), tls);
                let signature = snapshot.endpoints.signature.expect("verified");
                assert_eq!(signature.verification.outcome, Outcome::Verified);
                for _ in 0..ROUNDS {
                    let started = Instant::now();
                    for _ in 0..PER_ROUND {
                        std::hint::black_box(verify_bytes(std::hint::black_box(&bytes)));
                    }
                    verify.push(started.elapsed().as_secs_f64() * 1e3 / f64::from(PER_ROUND));
                    let started = Instant::now();
                    for _ in 0..PER_ROUND {
                        std::hint::black_box(refresh_domain(&sources, &config, now).await);
                    }
                    refresh.push(started.elapsed().as_secs_f64() * 1e3 / f64::from(PER_ROUND));
                }
            });
            refresh.sort_by(f64::total_cmp);
            verify.sort_by(f64::total_cmp);
            let (refresh_best, refresh_median) = (refresh[0], refresh[ROUNDS / 2]);
            let (verify_best, verify_median) = (verify[0], verify[ROUNDS / 2]);
            println!(
                "| {name} | {:.1} | {} | {refresh_best:.3} / {refresh_median:.3} | {verify_best:.3} / {verify_median:.3} | {:.0} % / {:.0} % |",
                bytes.len() as f64 / 1e3,
                if tls { "https" } else { "http" },
                100.0 * verify_best / refresh_best,
                100.0 * verify_median / refresh_median,
            );
        }
    }
}

/// A keep-alive HTTP/1.1 server on 127.0.0.1 that answers every request with one document.
mod loopback {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Serve `body`; its URL, and the `ca_file` to trust when over TLS.
    pub async fn serve(body: Vec<u8>, tls: bool, dir: &Path) -> (String, Option<PathBuf>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let body = Arc::new(body);
        let (acceptor, ca_file) = if tls {
            let (acceptor, pem) = tls_acceptor();
            let path = dir.join(format!("bench-ca-{}.pem", addr.port()));
            std::fs::write(&path, pem).expect("write the CA");
            (Some(acceptor), Some(path))
        } else {
            (None, None)
        };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                // Answers go out whole, at once: no wait for a delayed ACK between pieces.
                let _ = stream.set_nodelay(true);
                let (body, acceptor) = (body.clone(), acceptor.clone());
                tokio::spawn(async move {
                    match acceptor {
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                answer(stream, &body).await;
                            }
                        }
                        None => answer(stream, &body).await,
                    }
                });
            }
        });
        let scheme = if tls { "https" } else { "http" };
        (format!("{scheme}://{addr}/federationmetadata.xml"), ca_file)
    }

    async fn answer(mut stream: impl AsyncRead + AsyncWrite + Unpin, body: &[u8]) {
        let mut reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        reply.extend_from_slice(body);
        let mut pending = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                pending.drain(..end + 4);
                if stream.write_all(&reply).await.is_err() || stream.flush().await.is_err() {
                    return;
                }
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => pending.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// A CA and a server certificate for 127.0.0.1 it signs: the acceptor and the CA's PEM.
    fn tls_acceptor() -> (tokio_rustls::TlsAcceptor, String) {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().expect("key"))
            .expect("CA");
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("server params");
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &ca).expect("server certificate");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(cert.der().to_vec())],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
        (tokio_rustls::TlsAcceptor::from(Arc::new(config)), ca.pem())
    }
}

/// `parse_streaming` against `parse_and_verify` on an aggregate of `entities`, unsigned and
/// signed, each in a child process (time and peak RSS), interleaved.
fn signature_alongside_parse(dir: &Path, certs: &[String], entities: usize, fixtures: &Path) {
    let unsigned = dir.join(format!("aggregate-{entities}.xml"));
    let bytes = write_aggregate(&unsigned, entities, &SharedPool(certs));
    let signed = dir.join(format!("aggregate-{entities}-signed.xml"));
    graft_signature(
        &unsigned,
        &signed,
        &fixtures.join("adfs_exc_rsa_sha256.xml"),
    );
    println!();
    println!(
        "| {entities}-entity aggregate ({:.1} MB), read as a stream | best (s) | median (s) | MB/s (best) | peak RSS (MiB) |",
        bytes as f64 / 1e6
    );
    println!("|---|---:|---:|---:|---:|");
    let cases = [
        ("parse only (`parse_streaming`)", "parse", &unsigned),
        (
            "unsigned: parse + verify (`parse_and_verify`)",
            "verify",
            &unsigned,
        ),
        (
            "signed: parse + verify, whole document digested",
            "verify",
            &signed,
        ),
    ];
    // Interleaved, so that the machine's drift falls on every case alike.
    let mut runs: Vec<Vec<ChildReport>> = cases.iter().map(|_| Vec::new()).collect();
    for _ in 0..RUNS {
        for (case, (_, mode, path)) in cases.iter().enumerate() {
            runs[case].push(run_child(mode, path));
        }
    }
    for ((label, _, _), mut reports) in cases.iter().zip(runs) {
        reports.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        println!(
            "| {label} | {:.3} | {:.3} | {:.0} | {:.1} |",
            reports[0].seconds,
            reports[RUNS / 2].seconds,
            bytes as f64 / 1e6 / reports[0].seconds,
            reports.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0,
        );
    }
    std::fs::remove_file(&unsigned).expect("remove the generated aggregate");
    std::fs::remove_file(&signed).expect("remove the generated aggregate");
}

/// `to`: the aggregate `from` with the signature of the signed document `signed_by` as its root's
/// first child and that signature's ID on the root. The signature value verifies (its
/// `SignedInfo` is unchanged), so verification reads the whole aggregate into the digest, which
/// then does not match: the full cost of verifying a signed aggregate.
fn graft_signature(from: &Path, to: &Path, signed_by: &Path) {
    use std::io::{BufWriter, Write};
    let signed = std::fs::read_to_string(signed_by).expect("signed fixture");
    let start = signed.find("<ds:Signature").expect("a signature");
    let end = signed.find("</ds:Signature>").expect("a signature") + "</ds:Signature>".len();
    let id_at = signed.find("ID=\"").expect("an ID") + 4;
    let id = &signed[id_at..id_at + signed[id_at..].find('"').expect("quoted")];
    let mut input = BufReader::new(File::open(from).expect("aggregate"));
    let mut out = BufWriter::new(File::create(to).expect("signed aggregate"));
    let mut line = String::new();
    for _ in 0..2 {
        line.clear();
        input.read_line(&mut line).expect("read");
        if line.starts_with("<md:EntitiesDescriptor") {
            let root_end = line.trim_end().len() - 1;
            line = format!(
                "{} ID=\"{id}\">{}\n",
                &line[..root_end],
                &signed[start..end]
            );
        }
        out.write_all(line.as_bytes()).expect("write");
    }
    std::io::copy(&mut input, &mut out).expect("copy");
    out.flush().expect("flush");
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
    let mut count = |entity: fedcert::metadata::Entity| {
        for key in &entity.certificates {
            assert!(key.cert.is_ok(), "bench certificates all analyse");
            certificates += 1;
            distinct.extend(key.sha1);
        }
    };
    if mode == "parse" {
        let info = fedcert::metadata::parse_streaming(reader, &mut count)
            .expect("the generated aggregate parses");
        assert!(info.entity_count > 0);
    } else if mode == "verify" {
        let (info, verification) =
            fedcert::metadata::signature::parse_and_verify(reader, |e| e, &mut count)
                .expect("the generated aggregate parses");
        assert!(info.entity_count > 0);
        // Unsigned, or (grafted) a signature that verifies over a digest that does not match.
        assert!(
            matches!(
                verification.outcome,
                fedcert::metadata::signature::Outcome::Unsigned
                    | fedcert::metadata::signature::Outcome::Invalid(
                        fedcert::metadata::signature::Invalid::DigestMismatch
                    )
            ),
            "{verification:?}"
        );
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
