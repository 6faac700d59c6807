//! The fetcher against loopback servers this test starts: statuses, redirects, caps (plain and
//! gzip), timeouts, refused connections, files, the Date header, and TLS trust.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use fedcert::assess::TlsRefusal;
use fedcert::source::{FetchError, FetchErrorKind, FetchOptions, Fetched, Fetcher};
use support::pki::TestCa;
use support::{Behaviour, Reply, Server};

const METADATA: &str = "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"http://fs.contoso.com/adfs/services/trust\"/>";

fn fetcher() -> Fetcher {
    fetcher_with(|_| {})
}

fn fetcher_with(adjust: impl FnOnce(&mut FetchOptions)) -> Fetcher {
    let mut options = FetchOptions::default();
    adjust(&mut options);
    Fetcher::new(options)
}

async fn fetch_ok(fetcher: &Fetcher, location: &str) -> Fetched {
    fetcher
        .fetch(location, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn fetch_err(fetcher: &Fetcher, location: &str) -> FetchError {
    match fetcher.fetch(location, None).await {
        Ok(fetched) => panic!(
            "{location}: expected an error, got HTTP {} with {} bytes",
            fetched.status,
            fetched.body.len()
        ),
        Err(e) => e,
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn a_200_returns_body_type_date_and_sends_our_user_agent() {
    let server = Server::http(|_| {
        Reply::ok(METADATA)
            .header("Content-Type", "application/samlmetadata+xml")
            .header("Date", "Tue, 01 Dec 2026 08:00:00 GMT")
            .into()
    })
    .await;
    let fetched = fetch_ok(&fetcher(), &server.url("/federationmetadata.xml")).await;
    assert_eq!(fetched.body, METADATA.as_bytes());
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.location, server.url("/federationmetadata.xml"));
    assert_eq!(
        fetched.content_type.as_deref(),
        Some("application/samlmetadata+xml")
    );
    assert_eq!(
        fetched.http_date,
        Some(Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap())
    );

    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    let agent = request.header("user-agent").unwrap();
    assert!(
        agent.starts_with("fedcert/") && agent.contains("federation certificate monitor"),
        "{agent}"
    );
    assert!(
        request
            .header("accept")
            .unwrap()
            .starts_with("application/samlmetadata+xml")
    );
    assert!(request.header("accept-encoding").unwrap().contains("gzip"));
}

#[tokio::test]
async fn a_missing_or_bad_date_header_is_none() {
    let server = Server::http(|r| {
        let reply = Reply::ok(METADATA);
        if r.path == "/bad" {
            reply.header("Date", "yesterday-ish").into()
        } else {
            reply.into()
        }
    })
    .await;
    assert_eq!(
        fetch_ok(&fetcher(), &server.url("/none")).await.http_date,
        None
    );
    assert_eq!(
        fetch_ok(&fetcher(), &server.url("/bad")).await.http_date,
        None
    );
}

#[tokio::test]
async fn error_statuses_are_status_errors_naming_the_url() {
    let server = Server::http(|r| match r.path.as_str() {
        "/gone" => Reply::status(404, "Not Found").into(),
        _ => Reply::status(503, "Service Unavailable").into(),
    })
    .await;
    let fetcher = fetcher();
    let url = server.url("/gone");
    let err = fetch_err(&fetcher, &url).await;
    assert_eq!(err.kind(), FetchErrorKind::Status(404));
    assert_eq!(
        err.to_string(),
        format!("{url}: the server answered HTTP 404 Not Found")
    );
    assert_eq!(err.short(), "http 404");

    let err = fetch_err(&fetcher, &server.url("/busy")).await;
    assert_eq!(err.kind(), FetchErrorKind::Status(503));
    assert_eq!(
        err.message(),
        "the server answered HTTP 503 Service Unavailable"
    );
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    // /hop/N redirects to /hop/N-1; /hop/0 answers.
    let server = Server::http(|r| {
        let n: usize = r.path.trim_start_matches("/hop/").parse().unwrap();
        if n == 0 {
            Reply::ok(METADATA).into()
        } else {
            Reply::redirect(&format!("/hop/{}", n - 1)).into()
        }
    })
    .await;
    let fetcher = fetcher();
    let fetched = fetch_ok(&fetcher, &server.url("/hop/5")).await;
    assert_eq!(
        fetched.location,
        server.url("/hop/0"),
        "five redirects are allowed"
    );
    assert_eq!(fetched.body, METADATA.as_bytes());

    let url = server.url("/hop/6");
    let err = fetch_err(&fetcher, &url).await;
    assert_eq!(err.kind(), FetchErrorKind::TooManyRedirects);
    assert_eq!(
        err.to_string(),
        format!(
            "{url}: too many redirects (more than 5); the last one pointed to {}",
            server.url("/hop/0")
        )
    );
}

#[tokio::test]
async fn a_redirect_loop_is_reported_as_a_loop() {
    let server = Server::http(|r| match r.path.as_str() {
        "/a" => Reply::redirect("/b").into(),
        _ => Reply::redirect("/a").into(),
    })
    .await;
    let err = fetch_err(&fetcher(), &server.url("/a")).await;
    assert_eq!(err.kind(), FetchErrorKind::TooManyRedirects);
    assert_eq!(
        err.message(),
        format!(
            "redirect loop: {} redirects back to itself",
            server.url("/a")
        )
    );
    assert_eq!(
        server.requests().len(),
        2,
        "the loop is noticed before asking again"
    );
}

#[tokio::test]
async fn a_status_after_a_redirect_names_the_final_url() {
    let server = Server::http(|r| match r.path.as_str() {
        "/old" => Reply::redirect("/new").into(),
        _ => Reply::status(404, "Not Found").into(),
    })
    .await;
    let err = fetch_err(&fetcher(), &server.url("/old")).await;
    assert_eq!(
        err.message(),
        format!(
            "the server answered HTTP 404 Not Found at {}",
            server.url("/new")
        )
    );
}

#[tokio::test]
async fn the_body_cap_holds_exactly() {
    let server = Server::http(|r| match r.path.as_str() {
        "/at-cap" => Reply::ok(vec![b'x'; 1000]).into(),
        "/chunked-at-cap" => Reply::chunked(&[b'x'; 1000]).into(),
        // No Content-Length: the cap must hold while streaming.
        "/chunked-over" => Reply::chunked(&[b'x'; 1001]).into(),
        _ => Reply::ok(vec![b'x'; 1001]).into(),
    })
    .await;
    let fetcher = fetcher_with(|o| o.max_body = 1000);
    assert_eq!(
        fetch_ok(&fetcher, &server.url("/at-cap")).await.body.len(),
        1000
    );
    assert_eq!(
        fetch_ok(&fetcher, &server.url("/chunked-at-cap"))
            .await
            .body
            .len(),
        1000
    );
    for path in ["/over", "/chunked-over"] {
        let err = fetch_err(&fetcher, &server.url(path)).await;
        assert_eq!(err.kind(), FetchErrorKind::TooLarge, "{path}");
        assert_eq!(
            err.message(),
            "the body is over the 1000 bytes cap (max_body, counted after decompression); raise max_body in [settings] if the metadata really is that large"
        );
        assert_eq!(err.short(), "too large");
    }
}

#[tokio::test]
async fn gzip_is_decompressed_and_the_cap_applies_after_decompression() {
    let bomb = gzip(&vec![0u8; 8 << 20]);
    assert!(
        bomb.len() < 64 << 10,
        "the compressed bomb ({} bytes) is far below the cap",
        bomb.len()
    );
    let small = gzip(METADATA.as_bytes());
    let server = Server::http(move |r| {
        let body = if r.path == "/bomb" {
            bomb.clone()
        } else {
            small.clone()
        };
        Reply::ok(body).header("Content-Encoding", "gzip").into()
    })
    .await;
    let fetcher = fetcher_with(|o| o.max_body = 1 << 20);
    assert_eq!(
        fetch_ok(&fetcher, &server.url("/small")).await.body,
        METADATA.as_bytes()
    );
    let err = fetch_err(&fetcher, &server.url("/bomb")).await;
    assert_eq!(err.kind(), FetchErrorKind::TooLarge);
    assert!(
        err.message().starts_with("the body is over the 1 MiB cap"),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = Server::http(|_| Behaviour::Hang).await;
    let fetcher = fetcher_with(|o| o.timeout = Duration::from_millis(300));
    let url = server.url("/slow");
    // A guard far above the configured limit, so a fetcher without one fails instead of hanging.
    let err = tokio::time::timeout(Duration::from_secs(10), fetch_err(&fetcher, &url))
        .await
        .expect("the fetcher's own 300 ms timeout should have fired");
    assert_eq!(err.kind(), FetchErrorKind::Timeout);
    assert_eq!(
        err.to_string(),
        format!("{url}: timed out after 300 ms (timeout)")
    );
    assert_eq!(err.short(), "timeout");
}

#[tokio::test]
async fn the_timeout_covers_a_body_that_stops_halfway() {
    let server = Server::http(|_| {
        Behaviour::Stall(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<EntityDescriptor".to_vec(),
        )
    })
    .await;
    let fetcher = fetcher_with(|o| o.timeout = Duration::from_millis(300));
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        fetch_err(&fetcher, &server.url("/m.xml")),
    )
    .await
    .expect("the fetcher's own 300 ms timeout should have fired");
    assert_eq!(err.kind(), FetchErrorKind::Timeout);
    assert_eq!(err.message(), "timed out after 300 ms (timeout)");
}

/// The body of a [`Fetcher::stream`], read to its end on a thread that may block.
async fn read_streamed(fetcher: &Fetcher, url: &str) -> std::io::Result<Vec<u8>> {
    let streamed = fetcher.stream(url, None).await.unwrap();
    let mut body = streamed.body;
    tokio::task::spawn_blocking(move || {
        let mut read = Vec::new();
        std::io::Read::read_to_end(&mut body, &mut read).map(|_| read)
    })
    .await
    .unwrap()
}

/// `stream` (what `inspect <URL>` reads) gives the timeout to each wait on the body: an aggregate
/// that keeps coming may take longer than that in all (a domain's fetch may not), and one that
/// stalls fails with words that say so.
#[tokio::test]
async fn a_streamed_body_may_take_longer_than_the_timeout_but_not_stall_that_long() {
    let trickle = Server::http(|_| Behaviour::Trickle {
        head: format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            METADATA.len()
        )
        .into_bytes(),
        body: METADATA.as_bytes().to_vec(),
        every: Duration::from_millis(5),
    })
    .await;
    let fetcher = fetcher_with(|o| o.timeout = Duration::from_millis(300));
    let url = trickle.url("/m.xml");
    let body = tokio::time::timeout(Duration::from_secs(30), read_streamed(&fetcher, &url))
        .await
        .expect("the body arrives in about 0.7 s")
        .unwrap();
    assert_eq!(body, METADATA.as_bytes());
    let whole = fetch_err(&fetcher, &url).await;
    assert_eq!(whole.message(), "timed out after 300 ms (timeout)");

    let stall = Server::http(|_| {
        Behaviour::Stall(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<EntityDescriptor".to_vec(),
        )
    })
    .await;
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        read_streamed(&fetcher, &stall.url("/m.xml")),
    )
    .await
    .expect("the fetcher's own 300 ms timeout should have fired")
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the body stalled: nothing arrived for 300 ms (timeout)"
    );
}

#[tokio::test]
async fn a_server_that_hangs_up_says_so() {
    let server = Server::http(|_| Behaviour::Close).await;
    let err = fetch_err(&fetcher(), &server.url("/m.xml")).await;
    assert_eq!(err.kind(), FetchErrorKind::Connect);
    assert_eq!(
        err.message(),
        format!(
            "{} closed the connection before answering",
            server.url("").trim_start_matches("http://")
        )
    );
}

#[tokio::test]
async fn a_refused_connection_says_so() {
    let addr = support::refused_address().await;
    let url = format!("http://{addr}/federationmetadata.xml");
    let err = fetch_err(&fetcher(), &url).await;
    assert_eq!(err.kind(), FetchErrorKind::Connect);
    assert_eq!(
        err.to_string(),
        format!(
            "{url}: connection refused by {addr} (nothing listens there, or a firewall rejects it)"
        )
    );
}

#[test]
fn options_come_from_settings() {
    let config = fedcert::config::parse_str(
        "[settings]\ntimeout = \"300ms\"\nconnect_timeout = \"2s\"\nmax_body = \"1MiB\"\n",
        "test.toml",
    )
    .unwrap();
    let options = FetchOptions::from_settings(&config.settings);
    assert_eq!(options.timeout, Duration::from_millis(300));
    assert_eq!(options.connect_timeout, Duration::from_secs(2));
    assert_eq!(options.max_body, 1 << 20);
    assert_eq!(options.max_redirects, 5);
}

#[tokio::test]
async fn connections_are_reused_across_fetches() {
    let server = Server::http(|_| Reply::ok(METADATA).into()).await;
    let fetcher = fetcher();
    let copy = fetcher.clone();
    fetch_ok(&fetcher, &server.url("/one")).await;
    fetch_ok(&copy, &server.url("/two")).await;
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.connections(), 1, "clones share one keep-alive pool");
}

#[tokio::test]
async fn files_paths_and_file_urls_are_read_under_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("federation metadata.xml");
    std::fs::write(&path, METADATA).unwrap();
    let fetcher = fetcher();

    let plain = fetch_ok(&fetcher, path.to_str().unwrap()).await;
    assert_eq!(plain.body, METADATA.as_bytes());
    assert_eq!(plain.status, 200);
    assert_eq!(plain.location, path.display().to_string());

    let url = format!("file://{}", path.display()).replace(' ', "%20");
    assert_eq!(fetch_ok(&fetcher, &url).await.body, METADATA.as_bytes());

    let small = fetcher_with(|o| o.max_body = 10);
    let err = small.fetch(path.to_str().unwrap(), None).await.unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::TooLarge);
    assert!(
        err.message()
            .starts_with("the body is over the 10 bytes cap"),
        "{err}"
    );
}

#[tokio::test]
async fn missing_files_directories_and_bad_locations_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.xml");
    let missing = missing.to_str().unwrap();
    let fetcher = fetcher();

    let err = fetch_err(&fetcher, missing).await;
    assert_eq!(err.kind(), FetchErrorKind::NotFound);
    assert_eq!(err.to_string(), format!("{missing}: no such file"));

    let dir_path = dir.path().to_str().unwrap();
    let err = fetch_err(&fetcher, dir_path).await;
    assert_eq!(err.kind(), FetchErrorKind::Io);
    assert_eq!(
        err.to_string(),
        format!("{dir_path}: is a directory, not a metadata file")
    );

    let err = fetch_err(&fetcher, "gopher://fs.contoso.com/").await;
    assert_eq!(err.kind(), FetchErrorKind::InvalidLocation);
    assert_eq!(
        err.to_string(),
        "gopher://fs.contoso.com/: the `gopher:` scheme is not supported; use an https:// or http:// URL, a file:// URL or a plain file path"
    );
}

// --- TLS -----------------------------------------------------------------------------------

fn write_ca(ca: &TestCa) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corp-root.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    (dir, path)
}

#[tokio::test]
async fn an_unknown_ca_is_a_trust_error_and_ca_file_fixes_it() {
    let ca = TestCa::new();
    let server = Server::https(ca.server_config(&["127.0.0.1"]), |_| {
        Reply::ok(METADATA).into()
    })
    .await;
    let url = server.url("/federationmetadata.xml");
    let fetcher = fetcher();

    let err = fetch_err(&fetcher, &url).await;
    assert_eq!(err.kind(), FetchErrorKind::Tls, "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{url}: TLS: the server's certificate is not trusted (unknown CA); set ca_file for this domain to the PEM of the CA that issued it"
        )
    );

    // What the host presented, read by a handshake that only records it.
    let presented = err
        .presented()
        .expect("the presented certificate beside the error");
    assert_eq!(presented.cert.subject, "CN=fedcert test server");
    assert_eq!(presented.cert.issuer, "CN=fedcert test CA");
    assert_eq!(presented.dns_names, ["127.0.0.1"]);
    assert_eq!(presented.refused, Some(TlsRefusal::UnknownIssuer));

    let (_dir, ca_file) = write_ca(&ca);
    let before = server.connections();
    for _ in 0..2 {
        let fetched = fetcher
            .fetch(&url, Some(&ca_file))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fetched.body, METADATA.as_bytes());
        // The certificate of the session that carried the answer: trusted, same facts.
        let tls = fetched.tls.expect("the session's certificate");
        assert_eq!(tls.cert.sha1, presented.cert.sha1);
        assert_eq!(tls.refused, None);
        assert_eq!(tls.host, url.split('/').nth(2).unwrap());
    }
    assert_eq!(
        server.connections() - before,
        1,
        "the ca_file client is cached with its pool"
    );
    // The default client is unchanged by the ca_file one.
    assert_eq!(fetch_err(&fetcher, &url).await.kind(), FetchErrorKind::Tls);
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_name_mismatch() {
    let ca = TestCa::new();
    let server = Server::https(ca.server_config(&["fs.contoso.com"]), |_| {
        Reply::ok(METADATA).into()
    })
    .await;
    let (_dir, ca_file) = write_ca(&ca);
    let url = server.url("/federationmetadata.xml");
    let err = fetcher().fetch(&url, Some(&ca_file)).await.unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::Tls);
    assert_eq!(
        err.message(),
        "TLS: the server's certificate is not valid for 127.0.0.1 (name mismatch: it is issued for fs.contoso.com)"
    );
    let presented = err
        .presented()
        .expect("the presented certificate beside the error");
    assert_eq!(presented.dns_names, ["fs.contoso.com"]);
    assert_eq!(presented.refused, Some(TlsRefusal::NameMismatch));
}

#[tokio::test]
async fn an_expired_certificate_says_expired() {
    let ca = TestCa::new();
    let server = Server::https(ca.expired_server_config(&["127.0.0.1"]), |_| {
        Reply::ok(METADATA).into()
    })
    .await;
    let (_dir, ca_file) = write_ca(&ca);
    let err = fetcher()
        .fetch(&server.url("/m.xml"), Some(&ca_file))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::Tls);
    assert_eq!(
        err.message(),
        "TLS: the server's certificate has expired (the IdP must renew its TLS certificate)"
    );
    let presented = err
        .presented()
        .expect("the presented certificate beside the error");
    assert_eq!(
        presented.cert.not_after.to_rfc3339(),
        "2001-01-01T00:00:00+00:00"
    );
    assert_eq!(presented.refused, Some(TlsRefusal::Expired));
}

#[tokio::test]
async fn tls_to_a_plain_http_server_is_explained() {
    let (addr, server) =
        support::banner_server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
    let url = format!("https://{addr}/m.xml");
    let err = fetch_err(&fetcher(), &url).await;
    server.abort();
    assert_eq!(err.kind(), FetchErrorKind::Tls);
    assert!(
        err.message()
            .contains("the server does not speak TLS there (try http://?)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_bad_ca_file_is_named() {
    let server = Server::http(|_| Reply::ok(METADATA).into()).await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let err = fetcher()
        .fetch(&server.url("/m.xml"), Some(&missing))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::Tls);
    assert_eq!(
        err.message(),
        format!("cannot read ca_file {}: no such file", missing.display())
    );

    let empty = dir.path().join("empty.pem");
    std::fs::write(
        &empty,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let err = fetcher()
        .fetch(&server.url("/m.xml"), Some(&empty))
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        format!("ca_file {} holds no CERTIFICATE block", empty.display())
    );
}

/// What the child prints once it has checked, so the parent knows it really ran.
const CHILD_CHECKED: &str = "fedcert-child: outcome checked";

/// The child half of [`the_trust_store_comes_from_ssl_cert_file`]: fetches `FEDCERT_TEST_URL`
/// without `ca_file` and checks the outcome against `FEDCERT_TEST_EXPECT` ("ok" or a message).
#[tokio::test]
#[ignore = "run in a child process by the_trust_store_comes_from_ssl_cert_file"]
async fn child_fetch_with_the_environment_trust_store() {
    // `cargo test -- --ignored` runs this without a parent: nothing to check then.
    let (Ok(url), Ok(expect)) = (
        std::env::var("FEDCERT_TEST_URL"),
        std::env::var("FEDCERT_TEST_EXPECT"),
    ) else {
        return;
    };
    match fetcher().fetch(&url, None).await {
        Ok(fetched) => assert_eq!(expect, "ok", "got {} bytes", fetched.body.len()),
        Err(err) => assert_eq!(err.message(), expect),
    }
    println!("{CHILD_CHECKED}");
}

/// Run the child test with `SSL_CERT_FILE` / `SSL_CERT_DIR` set: the OS store is where they
/// say, and an empty store still lets `ca_file` and plain HTTP work (with a hint).
async fn run_child(url: &str, cert_file: &std::path::Path, expect: &str) {
    let (url, cert_file, expect) = (url.to_owned(), cert_file.to_owned(), expect.to_owned());
    let empty_dir = tempfile::tempdir().unwrap();
    let cert_dir = empty_dir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_fetch_with_the_environment_trust_store",
                "--ignored",
                "--nocapture",
            ])
            .env("SSL_CERT_FILE", cert_file)
            .env("SSL_CERT_DIR", cert_dir)
            .env("FEDCERT_TEST_URL", url)
            .env("FEDCERT_TEST_EXPECT", expect)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains(CHILD_CHECKED),
        "child failed or did not run:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_trust_store_comes_from_ssl_cert_file() {
    let ca = TestCa::new();
    let server = Server::https(ca.server_config(&["127.0.0.1"]), |_| {
        Reply::ok(METADATA).into()
    })
    .await;
    let url = server.url("/federationmetadata.xml");
    let (dir, ca_pem) = write_ca(&ca);
    run_child(&url, &ca_pem, "ok").await;

    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    run_child(
        &url,
        &empty,
        "TLS: the server's certificate is not trusted (unknown CA); set ca_file for this domain to the PEM of the CA that issued it (the system trust store is empty: install ca-certificates or set SSL_CERT_FILE)",
    )
    .await;
}

#[test]
fn fetches_can_run_on_spawned_tasks() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_shareable<T: Send + Sync + Clone>(_: &T) {}
    let fetcher = fetcher();
    let future = fetcher.fetch("https://fs.contoso.com/m.xml", None);
    assert_send(&future);
    assert_shareable(&fetcher);
}
