//! Errors of the web view and how each becomes an HTTP response.
//!
//! This file owns the mapping error → status → page: 404 and 400 show their German message, a
//! search that cannot run now (no index, index still being built, too many searches) is a 503
//! saying why (with `Retry-After` when waiting helps), everything else is logged with `tracing`
//! and shown as a generic 500 page. `/api/search` gets the same status and message as JSON
//! ([`WebError::into_json`]). It must never put internal details (paths, store or index errors)
//! into a response body.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::templates::{ErrorPage, Layout};
use crate::search::SearchError;
use crate::store::StoreError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The thing asked for does not exist (unknown id, keyword, source, path); German message.
    #[error("nicht gefunden: {0}")]
    NotFound(String),
    /// A parameter is malformed or out of range; German message saying what is allowed.
    #[error("ungültige Anfrage: {0}")]
    BadRequest(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A template failed to render.
    #[error("template: {0}")]
    Render(#[from] askama::Error),
    /// A blocking store read panicked or was cancelled.
    #[error("blocking task: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// No search index is configured (the state has none): search and trends are 503.
    #[error("search index not configured")]
    SearchUnavailable,
    /// Too many searches are waiting for a slot: 503, try again in a second.
    #[error("too many searches waiting")]
    SearchBusy,
    /// The index is being built after start-up: 503 with the progress, try again in seconds.
    #[error("search index building: {done} of {total}")]
    SearchBuilding {
        /// Articles indexed so far.
        done: u64,
        /// Articles to index.
        total: u64,
    },
    /// The index (or the search task) failed; logged, shown as a generic 500 about the search.
    #[error("search: {0}")]
    Search(String),
}

impl From<SearchError> for WebError {
    /// A malformed query is the reader's mistake (400 with the parser's message), an index still
    /// being built is a 503, anything else is an internal search failure.
    fn from(e: SearchError) -> WebError {
        if let SearchError::Building { done, total } = e {
            return WebError::SearchBuilding { done, total };
        }
        if e.is_user_error() {
            WebError::BadRequest(e.to_string())
        } else {
            WebError::Search(e.to_string())
        }
    }
}

/// Shown for every 500 instead of the real cause.
const INTERNAL_MESSAGE: &str = "Beim Laden dieser Seite ist ein interner Fehler aufgetreten. Bitte versuchen Sie es später erneut.";

/// Shown for a 500 of the search (and for every 500 of `/api/search`).
const SEARCH_INTERNAL_MESSAGE: &str =
    "Bei der Suche ist ein interner Fehler aufgetreten. Bitte versuchen Sie es später erneut.";

/// `Retry-After` while the index is built after start-up (100,000 articles take about a minute).
const BUILDING_RETRY_SECS: u32 = 5;

impl WebError {
    /// The status code and German heading of this error.
    pub fn status(&self) -> (StatusCode, &'static str) {
        match self {
            WebError::NotFound(_) => (StatusCode::NOT_FOUND, "Nicht gefunden"),
            WebError::BadRequest(_) => (StatusCode::BAD_REQUEST, "Ungültige Anfrage"),
            WebError::SearchBusy => (StatusCode::SERVICE_UNAVAILABLE, "Suche ausgelastet"),
            WebError::SearchBuilding { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "Suchindex wird aufgebaut")
            }
            WebError::SearchUnavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, "Suche nicht verfügbar")
            }
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "Interner Fehler"),
        }
    }

    /// The message a reader may see.
    fn public_message(&self) -> String {
        match self {
            WebError::NotFound(msg) | WebError::BadRequest(msg) => msg.clone(),
            WebError::SearchBusy => {
                "Gerade laufen zu viele Suchen gleichzeitig. Bitte in einer Sekunde erneut versuchen."
                    .to_string()
            }
            WebError::SearchBuilding { done, total } => format!(
                "Der Suchindex wird nach dem Start aus den gespeicherten Artikeln neu aufgebaut \
                 ({done} von {total} Artikeln). Alle anderen Seiten funktionieren schon; die \
                 Suche ist in Kürze verfügbar. Bitte in einigen Sekunden erneut versuchen."
            ),
            WebError::SearchUnavailable => {
                "Die Volltextsuche ist auf diesem Server nicht eingerichtet.".to_string()
            }
            WebError::Search(_) => SEARCH_INTERNAL_MESSAGE.to_string(),
            _ => INTERNAL_MESSAGE.to_string(),
        }
    }

    /// Seconds after which the request may succeed, for `Retry-After`: 1 when the searches are
    /// busy, 5 while the index is built; `None` for every other failure.
    fn retry_after(&self) -> Option<u32> {
        match self {
            WebError::SearchBusy => Some(1),
            WebError::SearchBuilding { .. } => Some(BUILDING_RETRY_SECS),
            _ => None,
        }
    }

    /// Logs a failure that is ours (a 500); the 4xx and the 503s are expected and not logged.
    fn log(&self) {
        match self {
            WebError::Search(e) => tracing::error!(error = %e, "search failed"),
            _ if self.status().0 == StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(error = %self, "request failed")
            }
            _ => {}
        }
    }

    /// The error as JSON (`{"error": "…"}`), for `/api/search`: the same status and
    /// `Retry-After` as the page; every 500 says the search failed.
    pub fn into_json(self) -> Response {
        if let WebError::Search(e) = &self {
            tracing::error!(error = %e, "search failed");
        }
        let (status, _) = self.status();
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            SEARCH_INTERNAL_MESSAGE.to_string()
        } else {
            self.public_message()
        };
        let mut r = (status, axum::Json(serde_json::json!({ "error": message }))).into_response();
        if let Some(secs) = self.retry_after() {
            set_retry_after(&mut r, secs);
        }
        r
    }
}

/// `Retry-After: secs` on a response turning a request away.
fn set_retry_after(r: &mut Response, secs: u32) {
    r.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, heading) = self.status();
        self.log();
        let page = ErrorPage {
            layout: Layout::new("govwire", heading, Some("")),
            status: status.as_u16(),
            heading,
            message: self.public_message(),
        };
        let mut r = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                (status, heading).into_response()
            }
        };
        if let Some(secs) = self.retry_after() {
            set_retry_after(&mut r, secs);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Status, `Retry-After` and body of `e` as a page and as JSON.
    async fn answers(e: fn() -> WebError) -> [(u16, Option<String>, String); 2] {
        let mut out = Vec::new();
        for r in [e().into_response(), e().into_json()] {
            let status = r.status().as_u16();
            let retry = r
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = axum::body::to_bytes(r.into_body(), 1 << 20)
                .await
                .expect("body");
            out.push((status, retry, String::from_utf8_lossy(&body).into_owned()));
        }
        [out.remove(0), out.remove(0)]
    }

    /// A failure, and the status, `Retry-After` and body text it must answer with.
    type Case = (fn() -> WebError, u16, Option<&'static str>, &'static str);

    #[tokio::test]
    async fn search_failures_keep_their_status_retry_and_message() {
        let cases: [Case; 5] = [
            (|| WebError::SearchBusy, 503, Some("1"), "zu viele Suchen"),
            (
                || WebError::SearchBuilding { done: 3, total: 9 },
                503,
                Some("5"),
                "(3 von 9 Artikeln)",
            ),
            (
                || WebError::SearchUnavailable,
                503,
                None,
                "nicht eingerichtet",
            ),
            (
                || WebError::Search("disk".into()),
                500,
                None,
                "Bei der Suche",
            ),
            (
                || WebError::BadRequest("Falsch.".into()),
                400,
                None,
                "Falsch.",
            ),
        ];
        for (e, status, retry, message) in cases {
            for (got_status, got_retry, body) in answers(e).await {
                assert_eq!(got_status, status, "{body}");
                assert_eq!(got_retry.as_deref(), retry, "{body}");
                assert!(body.contains(message), "{message}: {body}");
                assert!(!body.contains("disk"), "{body}");
            }
        }
    }

    #[tokio::test]
    async fn other_internal_errors_are_generic_but_the_search_api_speaks_of_the_search() {
        let [page, json] = answers(|| WebError::Render(askama::Error::Fmt)).await;
        assert_eq!((page.0, json.0), (500, 500));
        assert!(page.2.contains("Beim Laden dieser Seite"), "{}", page.2);
        assert!(json.2.contains("Bei der Suche"), "{}", json.2);
    }
}
