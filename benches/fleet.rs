//! The loopback fleet of the fleet-refresh benchmark (`bench/run.sh`): an HTTP/1.1 server
//! (hyper, keep-alive) serving 1,000 AD FS metadata documents, one per domain, and the config
//! and URL list to fetch them with.
//!
//! `cargo bench --bench fleet -- serve DIR [DOMAINS] [BYTES]` writes `DIR/fleet.toml` (one
//! `[[domain]]` per document) and `DIR/urls.txt`, prints `ready http://127.0.0.1:PORT`, and
//! serves until its standard input closes. Without BYTES each document is the AD FS fixture
//! (16.7 KB); with it, the fixture's identity-provider roles alone (10.2 KB), grown to BYTES
//! with the claim types AD FS offers (`fed:ClaimTypesOffered`, as a real farm's metadata
//! lists them). Documents are written per request, so 10,000 large ones cost the server no
//! memory.

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
    let template = match args.get(3) {
        None => unsigned(TEMPLATE),
        Some(bytes) => unsigned(&sized(bytes.parse().expect("BYTES is a number"))),
    };
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
        let documents = Arc::new(Documents {
            parts: template.split(TEMPLATE_HOST).map(str::to_owned).collect(),
            count: domains,
        });
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

/// Every domain's metadata: the template with its host names changed.
struct Documents {
    /// The template, cut at its host names.
    parts: Vec<String>,
    count: usize,
}

impl Documents {
    /// Domain `i`'s metadata.
    fn get(&self, i: usize) -> Option<Bytes> {
        (i < self.count).then(|| Bytes::from(self.parts.join(&host(i))))
    }
}

/// `doc` without its XML signature: the host names change per domain, which a signature
/// would refuse (X2, CRITICAL), and fedcert would keep nothing from the document. What
/// verifying costs is measured on its own (`cargo bench --bench inspect -- refresh`).
fn unsigned(doc: &str) -> String {
    let mut doc = doc.to_owned();
    let start = doc.find("<ds:Signature ").expect("the fixture is signed");
    let close = "</ds:Signature>";
    let end = start + doc[start..].find(close).expect("closed") + close.len();
    doc.replace_range(start..end, "");
    doc
}

/// The fixture's identity-provider roles alone, with claim types offered until it holds
/// `bytes` bytes (or the roles alone, if they hold more).
fn sized(bytes: usize) -> String {
    let mut doc = TEMPLATE.to_owned();
    for (open, close) in [
        ("<SPSSODescriptor", "</SPSSODescriptor>"),
        (
            "<RoleDescriptor xsi:type=\"fed:ApplicationServiceType\"",
            "</RoleDescriptor>",
        ),
    ] {
        let start = doc.find(open).expect("the fixture has the SP roles");
        let end = start + doc[start..].find(close).expect("closed") + close.len();
        doc.replace_range(start..end, "");
    }
    let sts = doc
        .find("xsi:type=\"fed:SecurityTokenServiceType\"")
        .expect("the fixture has an STS role");
    let at = sts + doc[sts..].find("</RoleDescriptor>").expect("closed");
    let mut claims = String::from("<fed:ClaimTypesOffered>");
    let mut n = 0;
    while doc.len() + claims.len() + "</fed:ClaimTypesOffered>".len() < bytes {
        let _ = write!(
            claims,
            "\r\n      <auth:ClaimType Uri=\"http://schemas.example.com/ws/2008/06/identity/claims/attribute{n}\" Optional=\"true\" xmlns:auth=\"http://docs.oasis-open.org/wsfed/authorization/200706\"><auth:DisplayName>Attribute {n}</auth:DisplayName><auth:Description>Attribute {n} of the user, as the directory holds it</auth:Description></auth:ClaimType>"
        );
        n += 1;
    }
    if n > 0 {
        claims.push_str("</fed:ClaimTypesOffered>");
        doc.insert_str(at, &claims);
    }
    doc
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

async fn serve(listener: TcpListener, documents: Arc<Documents>) {
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

fn respond(documents: &Documents, path: &str) -> Response<Full<Bytes>> {
    let index = path
        .strip_prefix("/d")
        .and_then(|rest| rest.split('/').next())
        .and_then(|n| n.parse::<usize>().ok());
    let Some(body) = index.and_then(|i| documents.get(i)) else {
        let mut response = Response::new(Full::new(Bytes::from_static(b"not found\n")));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    };
    let mut response = Response::new(Full::new(body));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/samlmetadata+xml"),
    );
    response
}
