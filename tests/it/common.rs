//! A loopback fixture server for end-to-end tests: serves `tests/fixtures/` over real HTTP on
//! 127.0.0.1, with ETags and 304s, and counts every request by path and status.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Requests seen by the fixture server: (path, status) → count.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<HashMap<(String, u16), usize>>>);

impl Log {
    fn record(&self, path: &str, status: StatusCode) {
        if let Ok(mut m) = self.0.lock() {
            *m.entry((path.to_string(), status.as_u16())).or_default() += 1;
        }
    }

    /// Requests for `path` answered with `status`.
    pub fn count(&self, path: &str, status: u16) -> usize {
        self.0
            .lock()
            .map(|m| m.get(&(path.to_string(), status)).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Requests answered with `status`, over all paths.
    pub fn total(&self, status: u16) -> usize {
        self.0
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|((_, s), _)| *s == status)
                    .map(|(_, n)| n)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Forgets everything seen so far.
    pub fn clear(&self) {
        if let Ok(mut m) = self.0.lock() {
            m.clear();
        }
    }
}

/// A German article of a Land source (Brandenburg), published and first stored at `at`, with no
/// kicker, author, tags or keywords: the fields tests vary are parameters, the rest can be set
/// with struct update syntax (`Article { kicker: …, ..common::article(…) }`). One builder for
/// the integration tests, so a new `Article` field is added here once.
pub fn article(
    source_id: &str,
    url: &str,
    title: &str,
    text: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> govwire::model::Article {
    govwire::model::Article {
        id: govwire::model::ArticleId::from_url(url),
        source_id: source_id.into(),
        url: url.into(),
        title: title.into(),
        kicker: None,
        published: Some(at),
        published_offset: None,
        published_precision: govwire::model::DatePrecision::Time,
        subtitle: None,
        first_seen: at,
        updated: at,
        author: None,
        author_role: None,
        lang: Some("de".into()),
        summary: None,
        text: text.into(),
        tags: vec![],
        keywords: vec![],
        level: govwire::model::Level::Land,
        land: Some(govwire::model::Land::BB),
        lands_mentioned: vec![],
        cluster: None,
    }
}

/// The fixture folder of this crate.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Starts the server; returns its base URL (`http://127.0.0.1:PORT`) and the request log.
pub async fn start() -> (String, Log) {
    let log = Log::default();
    let l2 = log.clone();
    let app = Router::new().fallback(move |req: Request<Body>| {
        let log = l2.clone();
        async move {
            let path = req.uri().path().to_string();
            let resp = serve_file(&path, req.headers());
            log.record(&path, resp.status());
            resp
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), log)
}

fn serve_file(path: &str, headers: &HeaderMap) -> Response {
    if path.contains("..") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let file = fixtures().join(path.trim_start_matches('/'));
    let Ok(bytes) = std::fs::read(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{:x}\"", fnv(&bytes));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let ctype = match file.extension().and_then(|e| e.to_str()) {
        Some("xml") => "application/rss+xml",
        Some("json") => "application/feed+json",
        Some("txt") => "text/plain",
        // No charset here: pages declare their own (one fixture is ISO-8859-1).
        _ => "text/html",
    };
    (
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::ETAG, etag),
        ],
        bytes,
    )
        .into_response()
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// GETs `url` and returns status and body text.
pub async fn get(url: &str) -> (u16, String) {
    let resp = reqwest::get(url).await.expect("request to loopback");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

/// GETs `url` and returns status, content type and raw body.
pub async fn get_bytes(url: &str) -> (u16, String, Vec<u8>) {
    let resp = reqwest::get(url).await.expect("request to loopback");
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ctype, resp.bytes().await.expect("body").to_vec())
}

/// One canned response for [`start_routes`]: bytes served with a content type, optionally a
/// `Content-Encoding`, and optionally streamed in chunks without a `Content-Length`.
#[derive(Clone)]
pub struct Canned {
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// The `Content-Encoding` header (e.g. `gzip` for a pre-compressed body).
    pub content_encoding: Option<&'static str>,
    /// The body as sent on the wire.
    pub body: Arc<Vec<u8>>,
    /// Stream the body in 64 KiB chunks with no `Content-Length`, so a client cannot refuse
    /// it up front and has to count while reading.
    pub chunked: bool,
}

impl Canned {
    /// A plain response with a known length.
    pub fn new(content_type: &'static str, body: impl Into<Vec<u8>>) -> Canned {
        Canned {
            content_type,
            content_encoding: None,
            body: Arc::new(body.into()),
            chunked: false,
        }
    }
}

/// Starts a loopback server answering the given paths from memory (404 elsewhere, which also
/// means "no robots.txt"); returns its base URL and the request log.
pub async fn start_routes(routes: Vec<(String, Canned)>) -> (String, Log) {
    let routes: Arc<HashMap<String, Canned>> = Arc::new(routes.into_iter().collect());
    let log = Log::default();
    let l2 = log.clone();
    let app = Router::new().fallback(move |req: Request<Body>| {
        let log = l2.clone();
        let routes = routes.clone();
        async move {
            let path = req.uri().path().to_string();
            let resp = match routes.get(&path) {
                Some(c) => canned_response(c),
                None => StatusCode::NOT_FOUND.into_response(),
            };
            log.record(&path, resp.status());
            resp
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), log)
}

fn canned_response(c: &Canned) -> Response {
    let body = if c.chunked {
        let data = c.body.clone();
        let chunks = (0..data.len().div_ceil(64 << 10)).map(move |i| {
            let end = ((i + 1) * (64 << 10)).min(data.len());
            Ok::<_, std::io::Error>(data[i * (64 << 10)..end].to_vec())
        });
        Body::from_stream(futures_util::stream::iter(chunks))
    } else {
        Body::from(c.body.as_ref().clone())
    };
    let mut resp = ([(header::CONTENT_TYPE, c.content_type.to_string())], body).into_response();
    if let Some(enc) = c.content_encoding {
        resp.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static(enc),
        );
    }
    resp
}
