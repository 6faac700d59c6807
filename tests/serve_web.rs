//! `fedcert serve --web-config` end to end: the real binary over loopback with a web config in
//! the exporter-toolkit format. Basic auth (none, wrong, unknown, right), plain HTTP refused
//! on the TLS port, client certificates (verified, from a stranger CA, without the allowed
//! SAN, none), and SIGHUP: a changed password takes effect on the same listener (and on a
//! connection kept alive from before), a broken file leaves the one in force. A bad web config
//! at start is an input error (65) with one line naming file, line and column.
//!
//! Nothing here waits on a clock: the test reads serve's own stderr lines.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

mod support;

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use openmetrics_parser::prometheus::parse_prometheus;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use support::pki::{PemPair, TestCa};
use support::serve::{PATIENCE, Serve};

/// bcrypt's lowest cost: the tests check behaviour, not bcrypt's strength.
const COST: u32 = 4;

/// What came back.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A TLS client configuration trusting `ca`, with a client certificate when given.
fn client(ca: &TestCa, identity: Option<&PemPair>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca.pem().as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        Some(pair) => {
            let chain = CertificateDer::pem_slice_iter(pair.cert.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_slice(pair.key.as_bytes()).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

/// One TLS connection; requests on it share it (keep-alive).
struct Connection(rustls::StreamOwned<rustls::ClientConnection, TcpStream>);

impl Connection {
    fn open(addr: SocketAddr, config: &Arc<rustls::ClientConfig>) -> io::Result<Self> {
        let socket = TcpStream::connect(addr)?;
        socket.set_read_timeout(Some(PATIENCE))?;
        let name = ServerName::IpAddress(addr.ip().into());
        let mut tls =
            rustls::ClientConnection::new(Arc::clone(config), name).map_err(io::Error::other)?;
        let mut socket = socket;
        while tls.is_handshaking() {
            tls.complete_io(&mut socket)?;
        }
        Ok(Self(rustls::StreamOwned::new(tls, socket)))
    }

    /// GET `path`, with basic auth when given.
    fn get(&mut self, path: &str, auth: Option<(&str, &str)>) -> io::Result<Response> {
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: fedcert.test\r\n");
        if let Some((user, password)) = auth {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            let _ = write!(request, "Authorization: Basic {encoded}\r\n");
        }
        request.push_str("\r\n");
        self.0.write_all(request.as_bytes())?;
        self.0.flush()?;
        read_response(&mut self.0)
    }
}

/// One response, framed by its Content-Length (so the connection can carry another).
fn read_response(stream: &mut impl Read) -> io::Result<Response> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Response {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    })
}

fn https_get(
    addr: SocketAddr,
    config: &Arc<rustls::ClientConfig>,
    auth: Option<(&str, &str)>,
) -> io::Result<Response> {
    Connection::open(addr, config)?.get("/metrics", auth)
}

/// A directory with an empty fedcert config (no domains: serve is ready at once), the server's
/// certificate and key, and `web-config.yml` with `web_config` in it.
fn setup(ca: &TestCa, web_config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let server = ca.server_pem(&["127.0.0.1", "localhost"]);
    std::fs::write(dir.path().join("server.crt"), &server.cert).unwrap();
    std::fs::write(dir.path().join("server.key"), &server.key).unwrap();
    std::fs::write(dir.path().join("ca.crt"), ca.pem()).unwrap();
    write_web_config(dir.path(), web_config);
    dir
}

fn write_web_config(dir: &Path, text: &str) {
    // Write and rename, as an operator's editor or config management would.
    let tmp = dir.join("web-config.yml.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, dir.join("web-config.yml")).unwrap();
}

fn web_config_path(dir: &tempfile::TempDir) -> String {
    dir.path()
        .join("web-config.yml")
        .to_str()
        .unwrap()
        .to_owned()
}

/// `tls_server_config` with relative paths (the toolkit takes them from the file's directory)
/// and one user.
fn basic_auth_config(user: &str, password: &str) -> String {
    let hash = bcrypt::hash(password, COST).unwrap();
    format!(
        "# fedcert serve --web-config\n\
         tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n\
         basic_auth_users:\n  {user}: {hash}\n\
         http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n"
    )
}

#[test]
fn basic_auth_over_tls_and_a_password_changed_by_sighup() {
    let ca = TestCa::new();
    let dir = setup(&ca, &basic_auth_config("prometheus", "wonderland"));
    let mut serve = Serve::start(
        dir.path(),
        &[
            "--listen",
            "127.0.0.1:0",
            "--web-config",
            &web_config_path(&dir),
        ],
    );
    let (scheme, addr) = serve.addr();
    assert_eq!(scheme, "https");
    let summary = serve.wait_for("--web-config");
    assert!(summary.ends_with(": TLS, basic auth (1 user)"), "{summary}");
    let tls = client(&ca, None);

    // No credentials, a wrong password, an unknown user: 401 with a Basic challenge, no metrics.
    for auth in [
        None,
        Some(("prometheus", "guess")),
        Some(("mallory", "wonderland")),
    ] {
        let response = https_get(addr, &tls, auth).unwrap();
        assert_eq!(response.status, 401, "{auth:?}: {response:?}");
        let challenge = response.header("www-authenticate").unwrap();
        assert!(challenge.starts_with("Basic "), "{challenge}");
        assert!(!response.body.contains("fedcert_"), "{response:?}");
    }
    // The right one: the metrics, with the configured header.
    let response = https_get(addr, &tls, Some(("prometheus", "wonderland"))).unwrap();
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    let exposition = parse_prometheus(&response.body).unwrap();
    assert!(exposition.families.contains_key("fedcert_build_info"));

    // Plain HTTP on the TLS port: a 400 that says why, and never the metrics.
    let mut plain = TcpStream::connect(addr).unwrap();
    plain.set_read_timeout(Some(PATIENCE)).unwrap();
    plain
        .write_all(format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap();
    let mut text = String::new();
    plain.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 400 "), "{text}");
    assert!(text.contains("HTTP request to an HTTPS server"), "{text}");
    assert!(!text.contains("fedcert_"), "{text}");

    // A connection kept alive across the reload.
    let mut kept = Connection::open(addr, &tls).unwrap();
    let before = kept
        .get("/metrics", Some(("prometheus", "wonderland")))
        .unwrap();
    assert_eq!(before.status, 200);

    // SIGHUP with a new password: the old one stops working at once, on the same listener.
    write_web_config(
        dir.path(),
        &basic_auth_config("prometheus", "looking-glass"),
    );
    serve.signal("HUP");
    let reloaded = serve.wait_for("SIGHUP");
    assert!(
        reloaded.contains("reloaded: TLS, basic auth (1 user)"),
        "{reloaded}"
    );
    let old = https_get(addr, &tls, Some(("prometheus", "wonderland"))).unwrap();
    assert_eq!(old.status, 401);
    let new = https_get(addr, &tls, Some(("prometheus", "looking-glass"))).unwrap();
    assert_eq!(new.status, 200);
    let after = kept
        .get("/metrics", Some(("prometheus", "wonderland")))
        .unwrap();
    assert_eq!(
        after.status, 401,
        "the kept-alive connection has the new config too"
    );

    // A broken file at SIGHUP: said, and the config in force stays.
    write_web_config(
        dir.path(),
        "tls_server_config:\n  cert_file: server.crt\n  key_fil: server.key\n",
    );
    serve.signal("HUP");
    let refused = serve.wait_for("SIGHUP");
    let file = web_config_path(&dir);
    assert!(
        refused.starts_with(&format!("fedcert: SIGHUP: --web-config {file}:3:3: ")),
        "{refused}"
    );
    assert!(refused.contains("unknown field `key_fil`"), "{refused}");
    assert!(
        refused.ends_with("; the web config in force stays"),
        "{refused}"
    );
    let still = https_get(addr, &tls, Some(("prometheus", "looking-glass"))).unwrap();
    assert_eq!(still.status, 200);

    let (code, stderr) = serve.stop("TERM");
    assert_eq!(code, Some(0), "{stderr:#?}");
    assert!(
        !stderr.iter().any(|l| l.contains("panicked")),
        "{stderr:#?}"
    );
}

#[test]
fn client_certificates_from_the_client_ca_with_an_allowed_name_get_in() {
    let ca = TestCa::new();
    let dir = setup(
        &ca,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  \
         client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  \
         client_allowed_sans: [prometheus.example]\n  min_version: TLS12\n",
    );
    let mut serve = Serve::start(
        dir.path(),
        &[
            "--listen",
            "127.0.0.1:0",
            "--web-config",
            &web_config_path(&dir),
        ],
    );
    let (_, addr) = serve.addr();
    let summary = serve.wait_for("--web-config");
    assert!(
        summary.ends_with(": TLS, client certificates required and verified"),
        "{summary}"
    );

    let scraper = ca.client_pem("prometheus", &["prometheus.example"]);
    let response = https_get(addr, &client(&ca, Some(&scraper)), None).unwrap();
    assert_eq!(response.status, 200, "{response:?}");
    assert!(response.body.contains("fedcert_build_info"));

    // No certificate, one from the same CA without the allowed name, one from a stranger CA:
    // the handshake fails (in TLS 1.3 the client learns it at its first read).
    let stranger = TestCa::new();
    let intruder = stranger.client_pem("prometheus", &["prometheus.example"]);
    let other_name = ca.client_pem("grafana", &["grafana.example"]);
    for (what, config) in [
        ("no certificate", client(&ca, None)),
        ("no allowed name", client(&ca, Some(&other_name))),
        ("a stranger CA", client(&ca, Some(&intruder))),
    ] {
        let result = https_get(addr, &config, None);
        assert!(result.is_err(), "{what}: {result:?}");
    }

    let (code, stderr) = serve.stop("INT");
    assert_eq!(code, Some(0), "{stderr:#?}");
}

#[test]
fn a_bad_web_config_at_start_is_an_input_error_naming_file_line_and_column() {
    let ca = TestCa::new();
    let run = |dir: &tempfile::TempDir, path: &str| {
        let config = dir.path().join("config.toml");
        std::process::Command::new(env!("CARGO_BIN_EXE_fedcert"))
            .args(["--config", config.to_str().unwrap()])
            .args(["serve", "--listen", "127.0.0.1:0", "--web-config", path])
            .env("FEDCERT_DATA_DIR", dir.path().join("data"))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let one_line = |output: &std::process::Output| {
        assert_eq!(output.status.code(), Some(65), "{output:?}");
        let stderr = String::from_utf8(output.stderr.clone()).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        stderr.trim_end().to_owned()
    };

    let dir = setup(
        &ca,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  \
         prometheus: hunter2\n",
    );
    let path = web_config_path(&dir);
    let line = one_line(&run(&dir, &path));
    assert!(
        line.starts_with(&format!("fedcert: --web-config {path}:5:")),
        "{line}"
    );
    assert!(line.contains("bcrypt hash"), "{line}");

    // Only basic auth: refused, since it would go over plain HTTP.
    write_web_config(
        dir.path(),
        &format!(
            "basic_auth_users:\n  prometheus: {}\n",
            bcrypt::hash("x", COST).unwrap()
        ),
    );
    let line = one_line(&run(&dir, &path));
    assert!(line.contains("no tls_server_config"), "{line}");

    // A key that is not the certificate's.
    let other = ca.server_pem(&["127.0.0.1"]);
    std::fs::write(dir.path().join("other.key"), &other.key).unwrap();
    write_web_config(
        dir.path(),
        "tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n",
    );
    let line = one_line(&run(&dir, &path));
    assert!(line.contains("do not make a TLS identity"), "{line}");

    // A missing file, named.
    let missing = dir.path().join("nowhere.yml");
    let line = one_line(&run(&dir, missing.to_str().unwrap()));
    assert!(
        line.starts_with(&format!(
            "fedcert: --web-config {}: cannot read it:",
            missing.display()
        )),
        "{line}"
    );
}

#[test]
fn without_a_web_config_sighup_rereads_nothing_and_serving_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let mut serve = Serve::start(dir.path(), &["--listen", "127.0.0.1:0"]);
    let (scheme, addr) = serve.addr();
    assert_eq!(scheme, "http");
    serve.signal("HUP");
    let line = serve.wait_for("SIGHUP");
    assert_eq!(
        line,
        "fedcert: SIGHUP: no --web-config to re-read; still serving (SIGTERM or Ctrl-C stops)"
    );
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: fedcert.test\r\n\r\n")
        .unwrap();
    let response = read_response(&mut stream).unwrap();
    assert_eq!(response.status, 200);
    let (code, stderr) = serve.stop("TERM");
    assert_eq!(code, Some(0), "{stderr:#?}");
}
