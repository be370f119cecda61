//! A response cache for the pages and feeds that depend on nothing but the stored articles.
//!
//! Feed readers poll `/feed.xml` and keyword feeds every few minutes, and the same front page is
//! asked for again and again; between two crawls none of it changes. This file keeps the last
//! rendered bytes of those responses, tagged with the store's write generation
//! ([`Store::generation`](crate::store::Store::generation)): an entry is served only while no
//! article was written since it was rendered, so a reader never sees a stale page. Each cached
//! response also carries an `ETag`, and a matching `If-None-Match` is answered with `304`.
//!
//! What is cached is decided by the matched route, never by the raw path: pages that show the
//! clock or crawl health (`/sources`, `/source/{id}`, the digest, `/healthz`, `/metrics`) and
//! search (which follows the index, not the store) always run their handler. Memory is bounded
//! by entry count and bytes; one entry's body is capped as well.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::store::Store;

/// Routes whose response is a function of the stored articles, the configuration and the
/// request URI only.
const CACHEABLE: &[&str] = &[
    "/",
    "/article/{id}",
    "/keywords",
    "/keyword/{name}",
    "/keyword/{name}/{file}",
    "/tag/{tag}",
    "/tag/{tag}/{file}",
    "/regions",
    "/land/{code}",
    "/land/{code}/{file}",
    "/mentions/{code}",
    "/mentions/{code}/{file}",
    "/level/{level}",
    "/level/{level}/{file}",
    "/source/{id}/{file}",
    "/feed.xml",
    "/atom.xml",
];

/// Most entries kept.
const MAX_ENTRIES: usize = 2048;
/// Most body bytes kept over all entries.
const MAX_BYTES: usize = 64 << 20;
/// Largest body worth keeping; bigger responses are served but not cached.
const MAX_ENTRY_BYTES: usize = 4 << 20;

/// The cache: one per router, so a configuration reload starts empty.
pub struct ResponseCache {
    store: Store,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    bytes: usize,
    tick: u64,
}

struct Entry {
    generation: u64,
    headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
    last_used: u64,
}

impl ResponseCache {
    /// An empty cache over `store`'s write generation.
    pub fn new(store: Store) -> Arc<ResponseCache> {
        Arc::new(ResponseCache {
            store,
            entries: Mutex::new(Entries::default()),
        })
    }

    /// The current entry for `key`, if it was rendered at `generation`.
    fn lookup(&self, key: &str, generation: u64) -> Option<(HeaderMap, Bytes, HeaderValue)> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.tick += 1;
        let tick = entries.tick;
        let entry = entries.map.get_mut(key)?;
        if entry.generation != generation {
            return None;
        }
        entry.last_used = tick;
        Some((
            entry.headers.clone(),
            entry.body.clone(),
            entry.etag.clone(),
        ))
    }

    /// Keeps `body` for `key`, evicting stale and then least recently used entries.
    fn insert(
        &self,
        key: String,
        generation: u64,
        headers: HeaderMap,
        body: Bytes,
        etag: HeaderValue,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.tick += 1;
        let entry = Entry {
            generation,
            headers,
            etag,
            last_used: entries.tick,
            body,
        };
        entries.bytes += entry.body.len();
        if let Some(old) = entries.map.insert(key, entry) {
            entries.bytes -= old.body.len();
        }
        if entries.map.len() > MAX_ENTRIES || entries.bytes > MAX_BYTES {
            entries.evict(generation);
        }
    }
}

impl Entries {
    /// Drops entries of older generations; if that is not enough, the least recently used
    /// until the cache is at three quarters of its limits (so eviction runs rarely).
    fn evict(&mut self, current: u64) {
        self.map.retain(|_, e| e.generation == current);
        if self.map.len() > MAX_ENTRIES * 3 / 4 || self.total() > MAX_BYTES * 3 / 4 {
            let mut ages: Vec<(u64, String)> = self
                .map
                .iter()
                .map(|(k, e)| (e.last_used, k.clone()))
                .collect();
            ages.sort_unstable();
            for (_, key) in ages {
                if self.map.len() <= MAX_ENTRIES * 3 / 4 && self.total() <= MAX_BYTES * 3 / 4 {
                    break;
                }
                self.map.remove(&key);
            }
        }
        self.bytes = self.total();
    }

    fn total(&self) -> usize {
        self.map.values().map(|e| e.body.len()).sum()
    }
}

/// Middleware: answers cacheable GETs from the cache while the store is unchanged, and keeps
/// fresh 200 responses of those routes.
pub async fn serve(
    State(cache): State<Arc<ResponseCache>>,
    request: Request,
    next: Next,
) -> Response {
    let cacheable = request.method() == Method::GET
        && request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|p| CACHEABLE.contains(&p.as_str()));
    if !cacheable {
        return next.run(request).await;
    }
    let key = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |pq| pq.as_str().to_owned(),
    );
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    // Read before rendering: a write during rendering leaves the entry tagged with the older
    // generation, so it is never served after that write.
    let generation = cache.store.generation();
    if let Some((headers, body, etag)) = cache.lookup(&key, generation) {
        return reply(headers, body, etag, if_none_match.as_ref());
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Handlers render into memory, so collecting the body costs no extra waiting.
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let etag = etag_of(&body);
    if body.len() <= MAX_ENTRY_BYTES {
        cache.insert(
            key,
            generation,
            parts.headers.clone(),
            body.clone(),
            etag.clone(),
        );
    }
    reply(parts.headers, body, etag, if_none_match.as_ref())
}

/// The response for a cached or freshly rendered body: `304` when the client has it already.
fn reply(
    mut headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
    if_none_match: Option<&HeaderValue>,
) -> Response {
    // Clients may keep a copy but must revalidate: the ETag makes that a cheap 304.
    let cache_control = HeaderValue::from_static("no-cache");
    if if_none_match.is_some_and(|v| matches_etag(v, &etag)) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, etag);
        r.headers_mut().insert(header::CACHE_CONTROL, cache_control);
        return r;
    }
    headers.insert(header::ETAG, etag);
    headers.insert(header::CACHE_CONTROL, cache_control);
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}

/// True if an `If-None-Match` value lists `etag` (or is `*`); weak comparison, as RFC 9110
/// asks for `If-None-Match`.
fn matches_etag(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = if_none_match.to_str() else {
        return false;
    };
    let ours = etag.as_bytes();
    list.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").as_bytes() == ours)
}

/// A strong validator for `body`: a hash of the bytes, so a page that a write elsewhere left
/// unchanged keeps its ETag and readers still get their `304`.
fn etag_of(body: &[u8]) -> HeaderValue {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    let value = format!("\"{:016x}\"", h.finish());
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}
