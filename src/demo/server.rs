//! The demo's loopback HTTP server: a fixed map from path to document, plus the stand-in for
//! Entra's token endpoint and Microsoft Graph ([`super::entra`]), served with hyper on a tokio
//! task until shut down or dropped.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, HOST, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use super::entra::{MAX_FORM, Reply, Tenant};

/// One document the server hands out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub content_type: &'static str,
    pub body: Bytes,
}

/// Path (without query) → document.
pub(crate) type Pages = HashMap<String, Page>;

/// Everything the server answers: the documents and the demo tenant.
#[derive(Debug)]
pub(crate) struct Site {
    pub pages: Pages,
    pub tenant: Tenant,
}

/// A running server. Dropping it stops the server and closes every open connection.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Bind `127.0.0.1:0` and serve `site` on a tokio task.
    pub(crate) async fn start(site: Site) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, Arc::new(site), stopped));
        Ok(Self {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, close open connections and wait until the task has ended.
    pub(crate) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, site: Arc<Site>, mut stopped: oneshot::Receiver<()>) {
    // Owning the connection tasks here means they end with this task (dropping a JoinSet aborts
    // its tasks), so no keep-alive connection outlives the demo.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&site)));
                }
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "demo server: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, site: Arc<Site>) {
    let service = service_fn(move |request: Request<Incoming>| {
        let site = Arc::clone(&site);
        async move { Ok::<_, Infallible>(handle(&site, request).await) }
    });
    // No `Date` header: the demo may run at a rehearsal `--now`, and a real-clock date would then
    // read as clock skew between fedcert and the IdP.
    let result = http1::Builder::new()
        .auto_date_header(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(error) = result {
        tracing::debug!(%error, "demo server: connection ended with an error");
    }
}

/// One request: the token endpoint reads the form body (at most [`MAX_FORM`] bytes); everything
/// else is answered from the method, the URI and the headers.
async fn handle(site: &Site, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let form = if token_tenant(parts.uri.path()).is_some() && parts.method == Method::POST {
        match Limited::new(body, MAX_FORM).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => {
                return plain(
                    StatusCode::BAD_REQUEST,
                    format!("token request body unreadable or over {MAX_FORM} bytes: {error}\n"),
                );
            }
        }
    } else {
        Bytes::new()
    };
    route(site, &parts.method, &parts.uri, &parts.headers, &form)
}

/// `/{tenant}/oauth2/v2.0/token` → the tenant.
fn token_tenant(path: &str) -> Option<&str> {
    path.strip_suffix("/oauth2/v2.0/token")?
        .strip_prefix('/')
        .filter(|tenant| !tenant.is_empty() && !tenant.contains('/'))
}

/// The response to a request whose body (if it matters) has been read.
pub(crate) fn route(
    site: &Site,
    method: &Method,
    uri: &hyper::Uri,
    headers: &HeaderMap,
    form: &[u8],
) -> Response<Full<Bytes>> {
    let path = uri.path();
    if let Some(tenant) = token_tenant(path) {
        if method != Method::POST {
            return not_allowed(method, "POST");
        }
        return json(&site.tenant.token(tenant, form));
    }
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if path.starts_with("/v1.0/") && method != Method::GET {
        return not_allowed(method, "GET");
    }
    if let Some(reply) = site
        .tenant
        .graph(path, uri.query(), header(AUTHORIZATION), header(HOST))
    {
        return json(&reply);
    }
    respond(&site.pages, method, path)
}

fn json(reply: &Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body.to_string())));
    *response.status_mut() = reply.status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn not_allowed(method: &Method, allow: &'static str) -> Response<Full<Bytes>> {
    let mut response = plain(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not served here\n"),
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

/// The response for one request: the page at `path` for GET / HEAD, else 404 or 405.
pub(crate) fn respond(pages: &Pages, method: &Method, path: &str) -> Response<Full<Bytes>> {
    if method != Method::GET && method != Method::HEAD {
        return not_allowed(method, "GET, HEAD");
    }
    match pages.get(path) {
        Some(page) => {
            let mut response = Response::new(Full::new(page.body.clone()));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(page.content_type));
            response
        }
        None => plain(
            StatusCode::NOT_FOUND,
            format!("no demo document at {path}\n"),
        ),
    }
}

fn plain(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn pages() -> Pages {
        let page = Page {
            content_type: "text/xml",
            body: Bytes::from_static(b"<EntityDescriptor/>"),
        };
        HashMap::from([("/a/federationmetadata.xml".to_owned(), page)])
    }

    async fn body(response: Response<Full<Bytes>>) -> Bytes {
        response.into_body().collect().await.unwrap().to_bytes()
    }

    #[tokio::test]
    async fn serves_the_page_at_its_path_with_its_content_type() {
        let response = respond(&pages(), &Method::GET, "/a/federationmetadata.xml");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/xml");
        assert_eq!(body(response).await, "<EntityDescriptor/>");
    }

    #[tokio::test]
    async fn unknown_paths_are_404_naming_the_path() {
        let response = respond(&pages(), &Method::GET, "/b/federationmetadata.xml");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            body(response).await,
            "no demo document at /b/federationmetadata.xml\n"
        );
    }

    #[test]
    fn other_methods_are_405() {
        let response = respond(&pages(), &Method::POST, "/a/federationmetadata.xml");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[ALLOW], "GET, HEAD");
    }

    fn site() -> Site {
        Site {
            pages: pages(),
            tenant: Tenant::new(Vec::new()),
        }
    }

    fn uri(text: &str) -> hyper::Uri {
        text.parse().unwrap()
    }

    #[test]
    fn the_token_endpoint_is_post_only_and_answers_json() {
        let site = site();
        let path = format!("/{}/oauth2/v2.0/token", super::super::entra::TENANT);
        let get = route(&site, &Method::GET, &uri(&path), &HeaderMap::new(), b"");
        assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(get.headers()[ALLOW], "POST");
        let post = route(
            &site,
            &Method::POST,
            &uri(&path),
            &HeaderMap::new(),
            b"grant_type=password",
        );
        assert_eq!(post.status(), StatusCode::BAD_REQUEST);
        assert!(
            post.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert_eq!(token_tenant("/a/b/oauth2/v2.0/token"), None);
        assert_eq!(token_tenant("/oauth2/v2.0/token"), None);
    }

    #[test]
    fn graph_paths_go_to_the_tenant_and_the_rest_to_the_pages() {
        let site = site();
        let graph = route(
            &site,
            &Method::GET,
            &uri("/v1.0/domains"),
            &HeaderMap::new(),
            b"",
        );
        assert_eq!(graph.status(), StatusCode::UNAUTHORIZED, "no bearer token");
        let patch = route(
            &site,
            &Method::PATCH,
            &uri("/v1.0/domains"),
            &HeaderMap::new(),
            b"",
        );
        assert_eq!(patch.status(), StatusCode::METHOD_NOT_ALLOWED, "read-only");
        let page = route(
            &site,
            &Method::GET,
            &uri("/a/federationmetadata.xml?x=1"),
            &HeaderMap::new(),
            b"",
        );
        assert_eq!(page.status(), StatusCode::OK);
    }
}
