//! Conditional requests: validators on every GET and HEAD, and `304 Not Modified`.
//!
//! Feed readers poll every few minutes; most polls should cost a 304 and no body. The response
//! cache ([`super::cache`]) gives the pages and feeds it keeps an `ETag`; this file gives one to
//! every other `200` answer to a GET or HEAD too (a hash of the body, which handlers render into
//! memory anyway: the digest feeds, `/sources`, search responses not cached), and answers
//! `If-None-Match` and, when that is absent, `If-Modified-Since` (against the `Last-Modified` a
//! feed handler set, see [`last_modified`]) with a 304. A HEAD request runs as a GET inside this
//! layer, so it gets the same validators (and cache entry) as the GET; axum drops the body on the
//! way out. Behind the compression layer, [`weaken_encoded`] marks the `ETag` of a compressed
//! body weak, as nginx does: the bytes differ from the identity body, the meaning does not.
//! It must never change a response's body or any status but `200`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::cache::{etag_of, matches_etag};

/// Largest body this layer reads to hash it; bigger bodies (none are rendered today) pass on
/// without a validator.
const MAX_HASHED_BYTES: u64 = 16 << 20;

/// `t` as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Parses an HTTP date (the IMF-fixdate form every client sends today); `None` otherwise.
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The `Last-Modified` header for content last changed at `t`, or `None` for the Unix epoch
/// (the `updated` of an empty feed, which has no modification time worth stating).
pub fn last_modified(t: DateTime<Utc>) -> Option<(HeaderName, HeaderValue)> {
    if t <= DateTime::UNIX_EPOCH {
        return None;
    }
    let value = HeaderValue::from_str(&http_date(t)).ok()?;
    Some((header::LAST_MODIFIED, value))
}

/// Middleware: validators on every `200` to a GET or HEAD, and a `304` when the client's copy is
/// current.
pub async fn conditional(mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return next.run(request).await;
    }
    if method == Method::HEAD {
        // Render as a GET so the validators describe the body a GET would get.
        *request.method_mut() = Method::GET;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let if_modified_since = request
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let response = match response.headers().get(header::ETAG) {
        Some(_) => response,
        None => with_etag(response).await,
    };
    if not_modified(
        response.headers(),
        if_none_match.as_ref(),
        if_modified_since,
    ) {
        return not_modified_response(response.headers());
    }
    response
}

/// `response` with an `ETag` hashed from its body (read into memory; it is one already).
async fn with_etag(response: Response) -> Response {
    use axum::body::HttpBody;
    let fits = response
        .body()
        .size_hint()
        .upper()
        .is_some_and(|n| n <= MAX_HASHED_BYTES);
    if !fits {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts.headers.insert(header::ETAG, etag_of(&bytes));
    Response::from_parts(parts, Body::from(bytes))
}

/// RFC 9110 §13.2.2: `If-None-Match` decides when present; otherwise `If-Modified-Since`
/// against `Last-Modified` (whole seconds, as the header has them).
fn not_modified(
    headers: &HeaderMap,
    if_none_match: Option<&HeaderValue>,
    if_modified_since: Option<DateTime<Utc>>,
) -> bool {
    if let Some(inm) = if_none_match {
        return headers
            .get(header::ETAG)
            .is_some_and(|etag| matches_etag(inm, etag));
    }
    let Some(since) = if_modified_since else {
        return false;
    };
    headers
        .get(header::LAST_MODIFIED)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
        .is_some_and(|modified| modified <= since)
}

/// A body-less 304 with the validators and caching headers of the full response.
fn not_modified_response(full: &HeaderMap) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    for name in [
        header::ETAG,
        header::LAST_MODIFIED,
        header::CACHE_CONTROL,
        header::VARY,
    ] {
        if let Some(v) = full.get(&name) {
            r.headers_mut().insert(name, v.clone());
        }
    }
    r
}

/// Outermost: a compressed body's `ETag` becomes weak (`W/"…"`). Matching ignores the `W/`, so
/// a reader revalidating a gzip copy still gets its 304.
pub async fn weaken_encoded(mut response: Response) -> Response {
    if !response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let weak = response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.starts_with("W/"))
        .and_then(|v| HeaderValue::from_str(&format!("W/{v}")).ok());
    if let Some(weak) = weak {
        response.headers_mut().insert(header::ETAG, weak);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn http_dates_round_trip_in_whole_seconds() {
        let t = Utc
            .with_ymd_and_hms(2026, 3, 29, 8, 49, 37)
            .single()
            .expect("date");
        assert_eq!(http_date(t), "Sun, 29 Mar 2026 08:49:37 GMT");
        assert_eq!(parse_http_date("Sun, 29 Mar 2026 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("gestern"), None);
        assert_eq!(last_modified(DateTime::UNIX_EPOCH), None);
    }

    #[test]
    fn if_none_match_decides_before_if_modified_since() {
        let t = Utc
            .with_ymd_and_hms(2026, 3, 29, 8, 0, 0)
            .single()
            .expect("date");
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_static("\"abc\""));
        let (name, value) = last_modified(t).expect("header");
        headers.insert(name, value);
        let later = Some(t + chrono::Duration::seconds(1));
        let earlier = Some(t - chrono::Duration::seconds(1));
        let other = HeaderValue::from_static("\"xyz\"");
        let ours = HeaderValue::from_static("W/\"abc\"");
        assert!(not_modified(&headers, None, later));
        assert!(not_modified(&headers, None, Some(t)));
        assert!(!not_modified(&headers, None, earlier));
        assert!(!not_modified(&headers, None, None));
        assert!(!not_modified(&headers, Some(&other), later), "ETag wins");
        assert!(not_modified(&headers, Some(&ours), earlier), "ETag wins");
    }
}
