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

/// Content-Security-Policy: no scripts, no frames, styles only from this site.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; \
                       form-action 'none'; frame-ancestors 'none'";

/// The policy of pages that embed the e-mail digest markup, whose inline `style` attributes
/// (written by our own templates; fetched text never reaches them) e-mail clients need. Scripts
/// stay forbidden.
pub const CSP_INLINE_STYLES: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; \
                                     img-src 'self'; base-uri 'none'; form-action 'none'; \
                                     frame-ancestors 'none'";

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
