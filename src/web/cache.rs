//! A response cache for the pages and feeds that depend on nothing but the stored articles,
//! and for search results, which depend on nothing but the search index.
//!
//! Feed readers poll `/feed.xml` and keyword feeds every few minutes, and the same front page is
//! asked for again and again; between two crawls none of it changes. This file keeps the last
//! rendered bytes of those responses, tagged with the store's write generation
//! ([`Store::generation`](crate::store::Store::generation)): an entry is served only while no
//! article was written since it was rendered, so a reader never sees a stale page.
//!
//! Search responses (`/search`, its feeds, CSV and JSON, `/trends`) are kept in a second,
//! separately bounded part, keyed by the *normalised* request (route, then every parameter the
//! route reads, parsed: so `page=1` and no `page`, or a tracking parameter, share an entry) and
//! tagged with the index generation ([`Index::generation`]): an entry is served only while the
//! index answers from the same snapshot, so results are never staler than the index itself
//! (which takes up new articles at each commit). Identical searches that miss at the same time
//! are computed once: the others wait for the first and take its entry.
//!
//! A client that accepts brotli or gzip gets a compressed copy of the entry, made the first time
//! one is asked for and kept with it ([`Encoded`]): compressing a 250 KB feed costs milliseconds,
//! serving the kept copy microseconds. The compression layer outside leaves such a response
//! alone (it has a `Content-Encoding`) and compresses everything else on the fly.
//!
//! Each cached response also carries an `ETag`, and a matching `If-None-Match` is answered with
//! `304` (`If-Modified-Since` and HEAD requests are [`super::conditional`]'s job, which runs
//! outside this layer and hands a HEAD on as a GET). Keys include what the request's origin is made of (`Host`, `X-Forwarded-Proto`),
//! since feeds contain absolute URLs built from them. What is cached is decided by the matched
//! route, never by the raw path: pages that show the clock or crawl health (`/sources`,
//! `/source/{id}`, the digest, `/healthz`, `/metrics`) always run their handler. Memory is
//! bounded by entry count and bytes in each part; one entry's body is capped as well.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::search::Index;
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

/// Bytes an entry costs beyond its key and body, counted against [`Limits::bytes`]: the entry
/// and its map slot, the validator, and the header map (an estimate: `http`'s `HeaderMap`
/// reserves room for several headers at its first insert, about 100 bytes each).
const ENTRY_OVERHEAD: usize = 1024;

/// Bounds of one part of the cache.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most entries kept.
    pub entries: usize,
    /// Most bytes (bodies, keys and [`ENTRY_OVERHEAD`] per entry) kept over all entries.
    pub bytes: usize,
    /// Largest body worth keeping; bigger responses are served but not cached.
    pub entry_bytes: usize,
}

/// Bounds of the pages and feeds.
pub const PAGE_LIMITS: Limits = Limits {
    entries: 2048,
    bytes: 64 << 20,
    entry_bytes: 4 << 20,
};

/// Bounds of the search responses: distinct queries are many, so they get their own budget
/// and cannot push the front page and the feeds out.
pub const SEARCH_LIMITS: Limits = Limits {
    entries: 4096,
    bytes: 32 << 20,
    entry_bytes: 2 << 20,
};

/// What kind of response a request asks for, as far as caching goes.
enum Kind {
    /// Depends on the store: keyed by URI, tagged with the store generation.
    Page,
    /// Depends on the search index: keyed by the normalised parameters, tagged with the index
    /// generation.
    Search(Arc<Index>),
}

/// The cache: one per router, so a configuration reload starts empty.
pub struct ResponseCache {
    store: Store,
    search: Option<Arc<Index>>,
    pages: Mutex<Entries>,
    searches: Mutex<Entries>,
    /// Searches being computed, by key: later identical requests wait on the lock.
    inflight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// One part of the cache.
struct Entries {
    limits: Limits,
    map: HashMap<String, Entry>,
    bytes: usize,
    tick: u64,
}

struct Entry {
    generation: u64,
    headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
    encoded: Arc<Encoded>,
    last_used: u64,
}

/// A cached response: headers, body, validator and its compressed copies.
type Hit = (HeaderMap, Bytes, HeaderValue, Arc<Encoded>);

/// Bodies shorter than this are sent as they are: compression would gain a few bytes at most.
const MIN_COMPRESSED_BYTES: usize = 1024;

/// Brotli quality of the kept copies: made once per entry, so better than the quality 4 that
/// on-the-fly compression uses, yet fast (a 250 KB feed in a few milliseconds).
const BROTLI_QUALITY: i32 = 6;

/// The compressed copies of one cached body, each made when a client first asks for it. `None`
/// inside means compressing failed or did not make the body smaller: the identity body is sent.
#[derive(Default)]
pub struct Encoded {
    gzip: OnceLock<Option<Bytes>>,
    br: OnceLock<Option<Bytes>>,
}

/// A content coding a client accepts and the cache can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The best coding `Accept-Encoding` allows: brotli, then gzip (by q-value; brotli on a tie,
    /// as tower-http chooses), else none.
    fn accepted(headers: &HeaderMap) -> Coding {
        let (mut br, mut gzip) = (0.0f32, 0.0f32);
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim();
                let q = parts
                    .find_map(|p| {
                        let p = p.trim();
                        p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))
                    })
                    .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
                if name.eq_ignore_ascii_case("br") {
                    br = q;
                } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                    gzip = q;
                }
            }
        }
        if br > 0.0 && br >= gzip {
            Coding::Brotli
        } else if gzip > 0.0 {
            Coding::Gzip
        } else {
            Coding::Identity
        }
    }
}

impl Encoded {
    /// `body` in `coding` (compressed now if this is the first request for it), with the
    /// `Content-Encoding` value; `None` for identity or when compression does not pay.
    fn get(&self, coding: Coding, body: &Bytes) -> Option<(Bytes, &'static str)> {
        if body.len() < MIN_COMPRESSED_BYTES {
            return None;
        }
        let (slot, name) = match coding {
            Coding::Identity => return None,
            Coding::Gzip => (&self.gzip, "gzip"),
            Coding::Brotli => (&self.br, "br"),
        };
        let copy = slot.get_or_init(|| {
            let out = match coding {
                Coding::Gzip => gzip(body),
                _ => brotli(body),
            };
            out.filter(|c| c.len() < body.len()).map(Bytes::from)
        });
        copy.clone().map(|c| (c, name))
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::default(),
    );
    enc.write_all(body).ok()?;
    enc.finish().ok()
}

fn brotli(body: &[u8]) -> Option<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(body.len() / 3);
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(out)
}

impl ResponseCache {
    /// An empty cache over `store`'s write generation and, for search routes, `search`'s index
    /// generation (without an index, search responses are not cached).
    pub fn new(store: Store, search: Option<Arc<Index>>) -> Arc<ResponseCache> {
        ResponseCache::with_limits(store, search, PAGE_LIMITS, SEARCH_LIMITS)
    }

    /// Like [`ResponseCache::new`] with other bounds.
    pub fn with_limits(
        store: Store,
        search: Option<Arc<Index>>,
        pages: Limits,
        searches: Limits,
    ) -> Arc<ResponseCache> {
        Arc::new(ResponseCache {
            store,
            search,
            pages: Mutex::new(Entries::new(pages)),
            searches: Mutex::new(Entries::new(searches)),
            inflight: Mutex::new(HashMap::new()),
        })
    }

    fn part(&self, kind: &Kind) -> &Mutex<Entries> {
        match kind {
            Kind::Page => &self.pages,
            Kind::Search(_) => &self.searches,
        }
    }

    fn generation(&self, kind: &Kind) -> u64 {
        match kind {
            Kind::Page => self.store.generation(),
            Kind::Search(index) => index.generation(),
        }
    }

    /// The lock that identical concurrent misses of `key` queue on.
    fn flight(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key.to_owned()).or_default().clone()
    }

    /// Forgets the lock of `key` when no other request holds a handle to it.
    fn land(&self, key: &str, flight: Arc<tokio::sync::Mutex<()>>) {
        let mut map = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        // Handles are only cloned under this lock: two means the map's and ours.
        if Arc::strong_count(&flight) <= 2 {
            map.remove(key);
        }
    }
}

impl Entries {
    fn new(limits: Limits) -> Entries {
        Entries {
            limits,
            map: HashMap::new(),
            bytes: 0,
            tick: 0,
        }
    }

    /// The current entry for `key`, if it was rendered at `generation`.
    fn lookup(&mut self, key: &str, generation: u64) -> Option<Hit> {
        self.tick += 1;
        let tick = self.tick;
        let entry = self.map.get_mut(key)?;
        if entry.generation != generation {
            return None;
        }
        entry.last_used = tick;
        Some((
            entry.headers.clone(),
            entry.body.clone(),
            entry.etag.clone(),
            entry.encoded.clone(),
        ))
    }

    /// Keeps `body` for `key`, evicting stale and then least recently used entries.
    ///
    /// The body must own exactly its bytes (see [`compact`]): a rendered page is a `String`
    /// grown by doubling, and `Bytes` made from it keeps the whole allocation, so counting
    /// `len()` alone let the search part hold 1.8 times its budget (heaptrack: 58.7 MB of
    /// rendered search pages kept under a 32 MiB limit).
    ///
    /// Compressed copies are counted at a fixed half of the body, made or not (text compresses
    /// to a quarter or less in either coding): a copy is made outside the lock, after insertion,
    /// and the count must not change behind the part's back.
    fn insert(&mut self, key: String, generation: u64, (headers, body, etag, encoded): Hit) {
        if body.len() > self.limits.entry_bytes {
            return;
        }
        self.tick += 1;
        let key_len = key.len() + ENTRY_OVERHEAD;
        self.bytes += key_len + cost(&body);
        let entry = Entry {
            generation,
            headers,
            etag,
            encoded,
            last_used: self.tick,
            body,
        };
        if let Some(old) = self.map.insert(key, entry) {
            self.bytes -= key_len + cost(&old.body);
        }
        if self.map.len() > self.limits.entries || self.bytes > self.limits.bytes {
            self.evict(generation);
        }
    }

    /// Drops entries of older generations; if that is not enough, the least recently used
    /// until the part is at three quarters of its limits (so eviction runs rarely).
    fn evict(&mut self, current: u64) {
        let (max_entries, max_bytes) = (self.limits.entries * 3 / 4, self.limits.bytes * 3 / 4);
        self.map.retain(|_, e| e.generation == current);
        self.bytes = self.total();
        if self.map.len() > max_entries || self.bytes > max_bytes {
            let mut ages: Vec<(u64, String)> = self
                .map
                .iter()
                .map(|(k, e)| (e.last_used, k.clone()))
                .collect();
            ages.sort_unstable();
            for (_, key) in ages {
                if self.map.len() <= max_entries && self.bytes <= max_bytes {
                    break;
                }
                if let Some(e) = self.map.remove(&key) {
                    self.bytes -= key.len() + ENTRY_OVERHEAD + cost(&e.body);
                }
            }
        }
    }

    /// Bytes held: keys, bodies and the overhead of each entry.
    fn total(&self) -> usize {
        self.map
            .iter()
            .map(|(k, e)| k.len() + ENTRY_OVERHEAD + cost(&e.body))
            .sum()
    }
}

/// What an entry's body costs: itself and an allowance of half its size for its compressed
/// copies (see [`Entries::insert`]).
fn cost(body: &Bytes) -> usize {
    body.len() + body.len() / 2
}

/// Middleware: answers cacheable GETs from the cache while what they depend on is unchanged,
/// and keeps fresh 200 responses of those routes.
pub async fn serve(
    State(cache): State<Arc<ResponseCache>>,
    request: Request,
    next: Next,
) -> Response {
    let Some((kind, key)) = classify(&cache, &request) else {
        return next.run(request).await;
    };
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let coding = Coding::accepted(request.headers());
    let part = cache.part(&kind);
    // Read before rendering: a change during rendering leaves the entry tagged with the older
    // generation, so it is never served after that change.
    let generation = cache.generation(&kind);
    if let Some(hit) = lock(part).lookup(&key, generation) {
        return reply(hit, if_none_match.as_ref(), coding);
    }
    // Identical searches missing together run once: the first (the leader) renders while
    // holding the key's lock; the others wait for it, then take its entry. Should the leader
    // not leave one (an error, a newer generation), each renders on its own, in parallel.
    // Pages are cheap enough to render twice.
    let mut flight = matches!(kind, Kind::Search(_)).then(|| cache.flight(&key));
    let mut leader = None;
    if let Some(f) = flight.take() {
        match f.clone().try_lock_owned() {
            Ok(guard) => {
                leader = Some(guard);
                flight = Some(f);
            }
            Err(_) => {
                drop(f.lock().await);
                let hit = lock(part).lookup(&key, cache.generation(&kind));
                cache.land(&key, f);
                if let Some(hit) = hit {
                    return reply(hit, if_none_match.as_ref(), coding);
                }
            }
        }
    }
    let generation = cache.generation(&kind);
    let response = render(part, key.clone(), generation, next.run(request).await).await;
    drop(leader);
    if let Some(f) = flight {
        cache.land(&key, f);
    }
    match response {
        Ok(hit) => reply(hit, if_none_match.as_ref(), coding),
        Err(response) => response,
    }
}

fn lock(part: &Mutex<Entries>) -> std::sync::MutexGuard<'_, Entries> {
    part.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether and how `request` is cached, with its key.
fn classify(cache: &ResponseCache, request: &Request) -> Option<(Kind, String)> {
    if request.method() != Method::GET {
        return None;
    }
    let route = request.extensions().get::<MatchedPath>()?.as_str();
    if CACHEABLE.contains(&route) {
        let pq = request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path(), |pq| pq.as_str());
        return Some((Kind::Page, key(request, pq)));
    }
    let index = cache.search.clone()?;
    let normalised = super::search::params::cache_key(route, request.uri().query())?;
    Some((Kind::Search(index), key(request, &normalised)))
}

/// `rest` prefixed with what the request's origin is made of ([`origin`](super::params::origin): the `Host` header
/// or the URI's authority, and `X-Forwarded-Proto`), taken as sent: cheaper than building the
/// origin, and requests with the same origin share entries all the same.
fn key(request: &Request, rest: &str) -> String {
    let headers = request.headers();
    let host = header_text(headers.get(header::HOST));
    let authority = request.uri().authority().map_or("", |a| a.as_str());
    let proto = header_text(headers.get("x-forwarded-proto"));
    let mut key =
        String::with_capacity(host.len() + authority.len() + proto.len() + rest.len() + 3);
    for part in [host, authority, proto] {
        key.push_str(part);
        key.push(' ');
    }
    key.push_str(rest);
    key
}

fn header_text(v: Option<&HeaderValue>) -> &str {
    v.and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// Collects a freshly rendered `response` and keeps it when it is a 200; any other response is
/// handed back as it is.
async fn render(
    part: &Mutex<Entries>,
    key: String,
    generation: u64,
    response: Response,
) -> Result<Hit, Response> {
    if response.status() != StatusCode::OK {
        return Err(response);
    }
    let (parts, body) = response.into_parts();
    // Handlers render into memory, so collecting the body costs no extra waiting.
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    let etag = etag_of(&body);
    let hit = (parts.headers, compact(body), etag, Arc::default());
    lock(part).insert(key, generation, hit.clone());
    Ok(hit)
}

/// `body` in an allocation of exactly its length. A handler's `String` (and the `Bytes` made
/// from it) keeps the capacity it grew to, up to twice the length; a kept entry must cost what
/// the cache counts. One copy of a page per miss, against keeping up to twice its size.
fn compact(body: Bytes) -> Bytes {
    Bytes::copy_from_slice(&body)
}

/// The response for a cached or freshly rendered body: `304` when the client has it already,
/// else the body in the best coding the client accepts (a kept compressed copy).
fn reply(
    (mut headers, body, etag, encoded): Hit,
    if_none_match: Option<&HeaderValue>,
    coding: Coding,
) -> Response {
    // Clients may keep a copy but must revalidate: the ETag makes that a cheap 304.
    let cache_control = HeaderValue::from_static("no-cache");
    let vary = HeaderValue::from_static("accept-encoding");
    if if_none_match.is_some_and(|v| matches_etag(v, &etag)) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, etag);
        r.headers_mut().insert(header::CACHE_CONTROL, cache_control);
        r.headers_mut().insert(header::VARY, vary);
        return r;
    }
    headers.insert(header::ETAG, etag);
    headers.insert(header::CACHE_CONTROL, cache_control);
    headers.insert(header::VARY, vary);
    let body = match encoded.get(coding, &body) {
        Some((compressed, name)) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(compressed.len()));
            compressed
        }
        None => body,
    };
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}

/// True if an `If-None-Match` value lists `etag` (or is `*`); weak comparison, as RFC 9110
/// asks for `If-None-Match`.
pub(super) fn matches_etag(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
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
pub(super) fn etag_of(body: &[u8]) -> HeaderValue {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    let value = format!("\"{:016x}\"", h.finish());
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(body: &str) -> Hit {
        (
            HeaderMap::new(),
            Bytes::from(body.to_owned()),
            etag_of(body.as_bytes()),
            Arc::default(),
        )
    }

    fn body(e: &mut Entries, key: &str, generation: u64) -> Option<String> {
        e.lookup(key, generation)
            .map(|(_, b, _, _)| String::from_utf8_lossy(&b).into_owned())
    }

    const SMALL: Limits = Limits {
        entries: 8,
        bytes: 1000 + 8 * ENTRY_OVERHEAD,
        entry_bytes: 300,
    };

    #[test]
    fn an_entry_is_served_only_at_its_generation() {
        let mut e = Entries::new(SMALL);
        e.insert("k".into(), 7, hit("sieben"));
        assert_eq!(body(&mut e, "k", 7).as_deref(), Some("sieben"));
        assert_eq!(body(&mut e, "k", 8), None, "a newer generation misses");
        assert_eq!(body(&mut e, "other", 7), None);
        e.insert("k".into(), 8, hit("acht"));
        assert_eq!(body(&mut e, "k", 8).as_deref(), Some("acht"));
        assert_eq!(e.bytes, e.total(), "replacing keeps the byte count exact");
    }

    #[test]
    fn entries_and_bytes_stay_within_the_limits() {
        let mut e = Entries::new(SMALL);
        for i in 0..100 {
            e.insert(format!("key{i}"), 1, hit(&"x".repeat(50 + i)));
            assert!(e.map.len() <= SMALL.entries, "{i}: {} entries", e.map.len());
            assert!(e.bytes <= SMALL.bytes, "{i}: {} bytes", e.bytes);
            assert_eq!(e.bytes, e.total(), "{i}");
        }
        // The newest entry survives eviction.
        assert!(body(&mut e, "key99", 1).is_some());
        // A body over the per-entry cap is not kept at all.
        e.insert("big".into(), 1, hit(&"y".repeat(301)));
        assert_eq!(body(&mut e, "big", 1), None);
    }

    #[test]
    fn eviction_drops_stale_generations_first_then_the_least_recently_used() {
        let mut e = Entries::new(SMALL);
        for i in 0..4 {
            e.insert(format!("old{i}"), 1, hit("alt"));
        }
        for i in 0..4 {
            e.insert(format!("new{i}"), 2, hit("neu"));
        }
        // Touch new0 so that it is the most recently used of generation 2.
        assert!(body(&mut e, "new0", 2).is_some());
        e.insert("new4".into(), 2, hit("neu"));
        assert!(
            e.map.keys().all(|k| k.starts_with("new")),
            "stale gone first"
        );
        assert_eq!(e.map.len(), 5);
        for i in 5..9 {
            e.insert(format!("new{i}"), 2, hit("neu"));
        }
        // Over the entry limit: back to three quarters, least recently used out first.
        assert!(e.map.len() <= SMALL.entries * 3 / 4 + 1, "{}", e.map.len());
        assert!(body(&mut e, "new0", 2).is_some(), "recently used kept");
        assert!(
            body(&mut e, "new1", 2).is_none(),
            "least recently used dropped"
        );
    }

    #[test]
    fn kept_bodies_own_exactly_their_bytes() {
        // A rendered page: a String that grew past its length.
        let mut page = String::with_capacity(4096);
        page.push_str("<html>kurz</html>");
        let body = Bytes::from(page);
        assert!(Vec::from(body.clone()).capacity() >= 17);
        let kept = compact(body.clone());
        assert_eq!(kept, body);
        drop(body);
        assert_eq!(
            Vec::from(kept).capacity(),
            17,
            "the kept copy holds no spare capacity the byte count would miss"
        );
    }

    #[test]
    fn every_entry_counts_its_overhead() {
        let mut e = Entries::new(SMALL);
        e.insert("k".into(), 1, hit("x"));
        assert_eq!(e.bytes, 1 + 1 + ENTRY_OVERHEAD);
        assert_eq!(e.bytes, e.total());
    }

    #[test]
    fn the_accepted_coding_follows_q_values_and_prefers_brotli() {
        let accepts = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(v).expect("header"),
            );
            Coding::accepted(&h)
        };
        assert_eq!(Coding::accepted(&HeaderMap::new()), Coding::Identity);
        assert_eq!(accepts("gzip"), Coding::Gzip);
        assert_eq!(accepts("gzip, deflate, br"), Coding::Brotli);
        assert_eq!(accepts("br;q=0.5, gzip"), Coding::Gzip);
        assert_eq!(accepts("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(accepts("identity, deflate"), Coding::Identity);
        assert_eq!(accepts("GZIP;Q=0.8"), Coding::Gzip);
    }

    #[test]
    fn compressed_copies_are_made_once_and_decode_to_the_body() {
        use std::io::Read;
        let body = Bytes::from("<item>Bundesministerium des Innern</item>\n".repeat(100));
        let encoded = Encoded::default();
        let (gz, name) = encoded.get(Coding::Gzip, &body).expect("gzip copy");
        assert_eq!(name, "gzip");
        assert!(gz.len() * 4 < body.len(), "{}", gz.len());
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut plain)
            .expect("gunzip");
        assert_eq!(plain, body);
        let (again, _) = encoded.get(Coding::Gzip, &body).expect("kept");
        assert_eq!(again.as_ptr(), gz.as_ptr(), "the kept copy, not a new one");
        let (br, name) = encoded.get(Coding::Brotli, &body).expect("brotli copy");
        assert_eq!(name, "br");
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut plain).expect("unbrotli");
        assert_eq!(plain, body);
        assert!(encoded.get(Coding::Identity, &body).is_none());
        assert!(
            Encoded::default()
                .get(Coding::Gzip, &Bytes::from_static(b"kurz"))
                .is_none(),
            "small bodies go as they are"
        );
    }

    #[test]
    fn etags_match_lists_weak_forms_and_star() {
        let etag = etag_of(b"body");
        let v = |s: &str| HeaderValue::from_str(s).expect("header");
        let ours = etag.to_str().expect("ascii").to_owned();
        assert!(matches_etag(&v(&ours), &etag));
        assert!(matches_etag(&v(&format!("\"a\", W/{ours}")), &etag));
        assert!(matches_etag(&v("*"), &etag));
        assert!(!matches_etag(&v("\"other\""), &etag));
        assert_ne!(etag_of(b"body"), etag_of(b"bodx"));
    }
}
