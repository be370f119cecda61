//! Reading request input: the page query, path segments and the request's origin.
//!
//! This file owns every conversion from untrusted request text to typed values, with limits and
//! German error messages. It must never panic on input, and it must never trust the `Host`
//! header beyond a strict character check.

use axum::http::{HeaderMap, Uri, header};

use super::error::WebError;

/// Articles per page when `per_page` is not given.
pub const PER_PAGE: usize = 20;
/// Largest accepted `per_page`.
pub const MAX_PER_PAGE: usize = 100;
/// Largest accepted page number (keeps store scans bounded).
pub const MAX_PAGE: usize = 500;
/// Origin used when the request carries no usable `Host`.
pub const FALLBACK_ORIGIN: &str = "http://127.0.0.1";

/// Which slice of a listing a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based page number.
    pub page: usize,
    /// Articles per page.
    pub per_page: usize,
}

impl Default for Paging {
    fn default() -> Paging {
        Paging {
            page: 1,
            per_page: PER_PAGE,
        }
    }
}

impl Paging {
    /// Parses `page` and `per_page` from a raw query string; other parameters are ignored.
    ///
    /// A missing or empty value means the default; anything else that is not a whole number in
    /// range is a [`WebError::BadRequest`] with a German explanation.
    pub fn from_query(query: Option<&str>) -> Result<Paging, WebError> {
        let mut paging = Paging::default();
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "page" => paging.page = number(&value, "Seitenzahl", 1, MAX_PAGE)?.unwrap_or(1),
                "per_page" => {
                    paging.per_page =
                        number(&value, "Anzahl pro Seite", 1, MAX_PER_PAGE)?.unwrap_or(PER_PAGE)
                }
                _ => {}
            }
        }
        Ok(paging)
    }

    /// Number of articles before this page.
    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per_page
    }

    /// Link to page `page` of the listing at `path`, keeping a non-default `per_page`.
    pub fn href(&self, path: &str, page: usize) -> String {
        if self.per_page == PER_PAGE {
            format!("{path}?page={page}")
        } else {
            format!("{path}?page={page}&per_page={}", self.per_page)
        }
    }
}

/// Parses a whole number in `min..=max`; `Ok(None)` for an empty value.
fn number(value: &str, what: &str, min: usize, max: usize) -> Result<Option<usize>, WebError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(WebError::BadRequest(format!(
            "Ungültige {what} „{}“: erlaubt sind ganze Zahlen von {min} bis {max}.",
            crate::text::shorten(value, 40)
        ))),
    }
}

/// `scheme://host[:port]` of the request, for absolute URLs in feeds.
///
/// Uses the `Host` header (or the URI authority, as in HTTP/2) only if it consists of
/// host-name characters; `https` only when `X-Forwarded-Proto: https` says so.
pub fn origin(headers: &HeaderMap, uri: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .filter(|h| is_host(h));
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    match host {
        Some(host) => format!("{}://{host}", if https { "https" } else { "http" }),
        None => FALLBACK_ORIGIN.to_string(),
    }
}

/// True for `name`, `name:port`, `1.2.3.4:port` and `[v6]:port` shapes (characters only).
fn is_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn paging_defaults_and_limits() {
        let ok = [
            (None, 1, 20),
            (Some(""), 1, 20),
            (Some("page="), 1, 20),
            (Some("page=3"), 3, 20),
            (Some("page=2&per_page=100"), 2, 100),
            (Some("x=1&page=500"), 500, 20),
        ];
        for (query, page, per_page) in ok {
            assert_eq!(
                Paging::from_query(query).ok(),
                Some(Paging { page, per_page }),
                "{query:?}"
            );
        }
        for bad in [
            "page=abc",
            "page=0",
            "page=-1",
            "page=501",
            "per_page=101",
            "per_page=0",
            "page=1e3",
        ] {
            let err = Paging::from_query(Some(bad));
            assert!(
                matches!(err, Err(WebError::BadRequest(_))),
                "{bad}: {err:?}"
            );
        }
        let huge = format!("page={}", "9".repeat(100));
        match Paging::from_query(Some(&huge)) {
            Err(WebError::BadRequest(msg)) => {
                assert!(msg.contains("Seitenzahl") && msg.len() < 200, "{msg}")
            }
            other => panic!("expected BadRequest, got {other:?}"),
        }
    }

    #[test]
    fn paging_offsets_and_links() {
        let p = Paging {
            page: 3,
            per_page: 20,
        };
        assert_eq!(p.offset(), 40);
        assert_eq!(p.href("/tag/x", 4), "/tag/x?page=4");
        let p = Paging {
            page: 1,
            per_page: 50,
        };
        assert_eq!(p.href("/", 2), "/?page=2&per_page=50");
    }

    #[test]
    fn origin_trusts_only_plain_host_names() {
        let uri = Uri::from_static("/feed.xml");
        let mut h = HeaderMap::new();
        assert_eq!(origin(&h, &uri), FALLBACK_ORIGIN);
        h.insert(
            header::HOST,
            HeaderValue::from_static("news.example.org:8080"),
        );
        assert_eq!(origin(&h, &uri), "http://news.example.org:8080");
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(origin(&h, &uri), "https://news.example.org:8080");
        h.insert(header::HOST, HeaderValue::from_static("evil\"><x"));
        assert_eq!(origin(&h, &uri), FALLBACK_ORIGIN);
        let h2 = HeaderMap::new();
        assert_eq!(
            origin(&h2, &Uri::from_static("http://[::1]:3000/x")),
            "http://[::1]:3000"
        );
    }
}
