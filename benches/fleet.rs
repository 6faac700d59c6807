//! The loopback fleet of the fleet-refresh benchmark (`bench/run.sh`): an HTTP/1.1 server
//! (hyper, keep-alive) serving 1,000 AD FS metadata documents, one per domain, and the config
//! and URL list to fetch them with.
//!
//! `cargo bench --bench fleet -- serve DIR [DOMAINS]` writes `DIR/fleet.toml` (one
//! `[[domain]]` per document) and `DIR/urls.txt`, prints `ready http://127.0.0.1:PORT`, and
//! serves until its standard input closes.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const DEFAULT_DOMAINS: usize = 1_000;
const TEMPLATE: &str = include_str!("../tests/fixtures/metadata/adfs_bom_crlf.xml");
const TEMPLATE_HOST: &str = "fs.fixture.test";

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some("serve") = args.first().map(String::as_str) else {
        eprintln!("usage: cargo bench --bench fleet -- serve DIR [DOMAINS]");
        return;
    };
    let dir = PathBuf::from(args.get(1).expect("serve DIR [DOMAINS]"));
    let domains = args
        .get(2)
        .map_or(DEFAULT_DOMAINS, |n| n.parse().expect("DOMAINS is a number"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        write_fleet(&dir, addr, domains);
        let documents: Arc<Vec<Bytes>> = Arc::new((0..domains).map(document).collect());
        tokio::spawn(serve(listener, documents));
        println!("ready http://{addr}");
        // Serve until the runner closes our standard input.
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        })
        .await
        .expect("stdin watcher");
    });
}

fn host(i: usize) -> String {
    format!("fs{i}.fleet.test")
}

fn url(addr: SocketAddr, i: usize) -> String {
    format!("http://{addr}/d{i}/FederationMetadata/2007-06/FederationMetadata.xml")
}

/// Domain `i`'s metadata: the AD FS fixture with its host names changed.
fn document(i: usize) -> Bytes {
    Bytes::from(TEMPLATE.replace(TEMPLATE_HOST, &host(i)))
}

fn write_fleet(dir: &std::path::Path, addr: SocketAddr, domains: usize) {
    std::fs::create_dir_all(dir).expect("create the fleet directory");
    let mut config = String::from("[settings]\nrefresh = \"6h\"\n\n");
    let mut urls = String::new();
    for i in 0..domains {
        let _ = write!(
            config,
            "[[domain]]\nname = \"d{i}.fleet.test\"\nmetadata_url = \"{}\"\nauto_rollover = true\n\n",
            url(addr, i)
        );
        let _ = writeln!(urls, "{}", url(addr, i));
    }
    std::fs::write(dir.join("fleet.toml"), config).expect("write fleet.toml");
    std::fs::write(dir.join("urls.txt"), urls).expect("write urls.txt");
}

async fn serve(listener: TcpListener, documents: Arc<Vec<Bytes>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let documents = Arc::clone(&documents);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let documents = Arc::clone(&documents);
                async move { Ok::<_, Infallible>(respond(&documents, request.uri().path())) }
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn respond(documents: &[Bytes], path: &str) -> Response<Full<Bytes>> {
    let index = path
        .strip_prefix("/d")
        .and_then(|rest| rest.split('/').next())
        .and_then(|n| n.parse::<usize>().ok());
    let Some(body) = index.and_then(|i| documents.get(i)) else {
        let mut response = Response::new(Full::new(Bytes::from_static(b"not found\n")));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    };
    let mut response = Response::new(Full::new(body.clone()));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/samlmetadata+xml"),
    );
    response
}
