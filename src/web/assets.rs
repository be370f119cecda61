//! The one embedded stylesheet and the security headers every response carries.
//!
//! This file owns static bytes and response hardening. It must never serve files from disk
//! (nothing here can be steered by a request path).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The stylesheet, compiled into the binary.
pub const STYLE_CSS: &str = include_str!("style.css");

/// `/static/style.css`: cached for a year (the link carries a version query).
pub async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        STYLE_CSS,
    )
}

/// The site icon (an SVG; browsers ask for `/favicon.ico` on their own, so it is served there
/// too, and pages link it with `<link rel=icon>`).
pub const FAVICON_SVG: &str = include_str!("favicon.svg");

/// `/favicon.ico` and `/static/favicon.svg`: the icon, cached for a day.
pub async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON_SVG,
    )
}

/// Content-Security-Policy: no scripts, no frames, styles and images only from this site, and
/// forms may submit only to this site (the search and trends forms; `'none'` blocked them).
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; \
                       form-action 'self'; frame-ancestors 'none'";

/// Adds defence-in-depth headers to every response (escaping remains the real protection). A
/// handler that set a stricter-or-specific policy itself keeps it.
pub async fn harden(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
