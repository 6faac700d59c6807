//! Loopback servers for tests: a tiny HTTP/1.1 server (plain or TLS) whose answers the test
//! writes by hand, and a throwaway PKI (rcgen CA + server certificates).
#![allow(dead_code, clippy::unwrap_used)]

pub mod child;
pub mod config_toml;
pub mod entra;
pub mod pki;
pub mod pty;
pub mod serve;
pub mod xmlsec1;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body, as `Content-Length` announced it (empty for GET).
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
#[derive(Clone, Debug)]
pub enum Behaviour {
    Respond(Reply),
    /// Keep the connection open and never answer.
    Hang,
    /// Send these bytes (say, a head and part of a body), then go silent.
    Stall(Vec<u8>),
    /// Close the connection without a word.
    Close,
    /// Send these bytes exactly as they are (a head whose `Content-Length` lies, say), then close.
    Raw(Vec<u8>),
    /// Send this head, then body bytes for ever (until the client goes away).
    Endless(Vec<u8>),
    /// Send this head, then the body one byte per `every`.
    Trickle {
        head: Vec<u8>,
        body: Vec<u8>,
        every: std::time::Duration,
    },
}

/// A hand-written HTTP/1.1 response. `Content-Length` is added unless a header sets it.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub reason: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            reason: "OK",
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn status(status: u16, reason: &'static str) -> Self {
        Self {
            status,
            reason,
            headers: Vec::new(),
            body: reason.as_bytes().to_vec(),
        }
    }

    pub fn redirect(location: &str) -> Self {
        Self::status(302, "Found").header("Location", location)
    }

    /// A `Transfer-Encoding: chunked` reply (no `Content-Length`), in 256-byte chunks.
    pub fn chunked(body: &[u8]) -> Self {
        let mut encoded = Vec::new();
        for chunk in body.chunks(256) {
            encoded.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            encoded.extend_from_slice(chunk);
            encoded.extend_from_slice(b"\r\n");
        }
        encoded.extend_from_slice(b"0\r\n\r\n");
        Self {
            body: encoded,
            ..Self::ok(Vec::new())
        }
        .header("Transfer-Encoding", "chunked")
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        let mut has_length = false;
        for (name, value) in &self.headers {
            has_length |= name.eq_ignore_ascii_case("content-length")
                || name.eq_ignore_ascii_case("transfer-encoding");
            let _ = write!(head, "{name}: {value}\r\n");
        }
        if !has_length {
            let _ = write!(head, "Content-Length: {}\r\n", self.body.len());
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

impl From<Reply> for Behaviour {
    fn from(reply: Reply) -> Self {
        Self::Respond(reply)
    }
}

type Handler = dyn Fn(&Request) -> Behaviour + Send + Sync;

/// A loopback server on 127.0.0.1 and an ephemeral port; stops when dropped.
pub struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    requests: Arc<Mutex<Vec<Request>>>,
    connections: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Server {
    /// Plain HTTP.
    pub async fn http(handler: impl Fn(&Request) -> Behaviour + Send + Sync + 'static) -> Self {
        Self::start(None, Arc::new(handler)).await
    }

    /// HTTPS with this TLS configuration (see [`pki`]).
    pub async fn https(
        config: Arc<rustls::ServerConfig>,
        handler: impl Fn(&Request) -> Behaviour + Send + Sync + 'static,
    ) -> Self {
        Self::start(Some(TlsAcceptor::from(config)), Arc::new(handler)).await
    }

    async fn start(tls: Option<TlsAcceptor>, handler: Arc<Handler>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (log, count) = (requests.clone(), connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let (handler, log, tls) = (handler.clone(), log.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        // A failed handshake is what the TLS tests provoke: just drop it.
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve(stream, &*handler, &log).await;
                            }
                        }
                        None => serve(stream, &*handler, &log).await,
                    }
                });
            }
        });
        Self {
            addr,
            scheme,
            requests,
            connections,
            task,
        }
    }

    /// `http://127.0.0.1:PORT/path` (or `https://`).
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    /// The same URL with `host` instead of the IP address (for name checks).
    pub fn url_with_host(&self, host: &str, path: &str) -> String {
        format!("{}://{host}:{}{path}", self.scheme, self.addr.port())
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Answer requests on one connection (keep-alive) until the client closes it.
async fn serve(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    handler: &Handler,
    log: &Mutex<Vec<Request>>,
) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        log.lock().unwrap().push(request.clone());
        match handler(&request) {
            Behaviour::Respond(reply) => {
                if stream.write_all(&reply.to_bytes()).await.is_err()
                    || stream.flush().await.is_err()
                {
                    return;
                }
            }
            Behaviour::Hang => return wait_for_close(&mut stream).await,
            Behaviour::Close => return,
            Behaviour::Raw(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return;
            }
            Behaviour::Endless(head) => {
                let chunk = vec![b' '; 64 * 1024];
                if stream.write_all(&head).await.is_ok() {
                    while stream.write_all(&chunk).await.is_ok() {}
                }
                return;
            }
            Behaviour::Trickle { head, body, every } => {
                if stream.write_all(&head).await.is_err() || stream.flush().await.is_err() {
                    return;
                }
                for byte in body {
                    tokio::time::sleep(every).await;
                    if stream.write_all(&[byte]).await.is_err() || stream.flush().await.is_err() {
                        return;
                    }
                }
                return wait_for_close(&mut stream).await;
            }
            Behaviour::Stall(bytes) => {
                if stream.write_all(&bytes).await.is_ok() && stream.flush().await.is_ok() {
                    wait_for_close(&mut stream).await;
                }
                return;
            }
        }
    }
}

/// Read what the stream has next onto `buffer`; `false` at its end.
async fn read_more(stream: &mut (impl AsyncRead + Unpin), buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 4096];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

/// Wait for the client to give up and close.
async fn wait_for_close(stream: &mut (impl AsyncRead + Unpin)) {
    let mut sink = [0u8; 1024];
    while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
}

/// Read one request: its head and the body its `Content-Length` announces (a token request's
/// form; GET requests carry none). `None` at end of stream.
async fn read_request(
    stream: &mut (impl AsyncRead + Unpin),
    buffer: &mut Vec<u8>,
) -> Option<Request> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end + 4);
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
            let headers: Vec<(String, String)> = lines
                .filter_map(|line| line.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            while buffer.len() < length {
                if !read_more(stream, buffer).await {
                    return None;
                }
            }
            let body = buffer.drain(..length).collect();
            return Some(Request {
                method,
                path,
                headers,
                body,
            });
        }
        if !read_more(stream, buffer).await {
            return None;
        }
    }
}

/// A loopback address where nothing listens: bound, then released.
pub async fn refused_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// A server that writes `bytes` as soon as a client connects, whatever it sends, then closes:
/// for clients that expect another protocol (TLS to a plain HTTP port).
pub async fn banner_server(bytes: &'static [u8]) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(bytes).await;
            let _ = stream.shutdown().await;
        }
    });
    (addr, task)
}

/// An HTTP CONNECT proxy on loopback that tunnels to wherever it is asked and remembers each
/// `CONNECT host:port` it served.
pub struct ConnectProxy {
    addr: SocketAddr,
    targets: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl ConnectProxy {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let log = targets.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    let Some(request) = read_request(&mut client, &mut buffer).await else {
                        return;
                    };
                    if request.method != "CONNECT" {
                        let _ = client
                            .write_all(
                                b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n",
                            )
                            .await;
                        return;
                    }
                    log.lock().unwrap().push(request.path.clone());
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(&request.path).await
                    else {
                        let _ = client
                            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                            .await;
                        return;
                    };
                    if client
                        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                    // Bytes the client sent after the CONNECT head belong to the tunnel.
                    if !buffer.is_empty() && upstream.write_all(&buffer).await.is_err() {
                        return;
                    }
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
        Self {
            addr,
            targets,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `host:port` of every CONNECT served, in order.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
