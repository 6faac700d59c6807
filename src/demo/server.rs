//! The demo's loopback HTTP server: a fixed map from path to document, served with hyper on a
//! tokio task until shut down or dropped.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// One document the server hands out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub content_type: &'static str,
    pub body: Bytes,
}

/// Path (without query) → document.
pub(crate) type Pages = HashMap<String, Page>;

/// A running server. Dropping it stops the server and closes every open connection.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Bind `127.0.0.1:0` and serve `pages` on a tokio task.
    pub(crate) async fn start(pages: Pages) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, Arc::new(pages), stopped));
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

async fn accept_loop(listener: TcpListener, pages: Arc<Pages>, mut stopped: oneshot::Receiver<()>) {
    // Owning the connection tasks here means they end with this task (dropping a JoinSet aborts
    // its tasks), so no keep-alive connection outlives the demo.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&pages)));
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

async fn serve_connection(stream: TcpStream, pages: Arc<Pages>) {
    let service = service_fn(move |request: Request<Incoming>| {
        let response = respond(&pages, request.method(), request.uri().path());
        async move { Ok::<_, Infallible>(response) }
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

/// The response for one request: the page at `path` for GET / HEAD, else 404 or 405.
pub(crate) fn respond(pages: &Pages, method: &Method, path: &str) -> Response<Full<Bytes>> {
    if method != Method::GET && method != Method::HEAD {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not served here\n"),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
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
}
