//! The large aggregate of the side-by-side benchmark (`bench/run.sh`): 40,000 entities, every
//! certificate distinct RSA-2048 (40,000 signing keys plus an encryption key for every third
//! entity: 53,334 certificates, ~110 MB).
//!
//! `cargo bench --bench aggregate -- generate PATH [ENTITIES]` writes it (kept when PATH
//! already holds a file of the same generation, since signing 53,000 certificates takes a
//! while); run without arguments it writes `target/bench-data/aggregate-40000.xml`.

mod support;

use std::path::PathBuf;
use std::time::Instant;

use support::aggregate::{AllDistinct, KeyMix, make_certificates, write_aggregate};

const DEFAULT_ENTITIES: usize = 40_000;
/// Bump when the generated document changes, so a cached file is regenerated.
const GENERATION: &str = "v1";

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (path, entities) = match args.first().map(String::as_str) {
        Some("generate") => (
            PathBuf::from(args.get(1).expect("generate PATH [ENTITIES]")),
            args.get(2).map_or(DEFAULT_ENTITIES, |n| {
                n.parse().expect("ENTITIES is a number")
            }),
        ),
        _ => (
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/bench-data")
                .join(format!("aggregate-{DEFAULT_ENTITIES}.xml")),
            DEFAULT_ENTITIES,
        ),
    };
    let stamp = path.with_extension(format!("xml.{GENERATION}-{entities}"));
    if path.exists() && stamp.exists() {
        eprintln!("{} is up to date", path.display());
        println!("{}", path.display());
        return;
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create the output directory");
    }
    let needed = AllDistinct::needed(entities);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    eprintln!("signing {needed} RSA-2048 certificates on {threads} threads …");
    let started = Instant::now();
    let certs = make_certificates(0, needed, KeyMix::RsaOnly, threads);
    eprintln!("… in {:.1} s", started.elapsed().as_secs_f64());
    let bytes = write_aggregate(
        &path,
        entities,
        &AllDistinct {
            certs: &certs,
            entities,
        },
    );
    std::fs::write(&stamp, b"").expect("write the generation stamp");
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    eprintln!(
        "wrote {} ({mb:.1} MB, {entities} entities, {needed} certificates)",
        path.display()
    );
    println!("{}", path.display());
}
