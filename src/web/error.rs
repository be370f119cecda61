//! Errors of the web view and how each becomes an HTTP response.
//!
//! This file owns the mapping error → status → page: 404 and 400 show their German message,
//! everything else is logged with `tracing` and shown as a generic 500 page. It must never put
//! internal details (paths, store errors) into a response body.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::templates::{ErrorPage, Layout};
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
}

/// Shown for every 500 instead of the real cause.
const INTERNAL_MESSAGE: &str = "Beim Laden dieser Seite ist ein interner Fehler aufgetreten. Bitte versuchen Sie es später erneut.";

impl WebError {
    /// The status code and German heading of this error.
    pub fn status(&self) -> (StatusCode, &'static str) {
        match self {
            WebError::NotFound(_) => (StatusCode::NOT_FOUND, "Nicht gefunden"),
            WebError::BadRequest(_) => (StatusCode::BAD_REQUEST, "Ungültige Anfrage"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "Interner Fehler"),
        }
    }

    /// The message a reader may see.
    fn public_message(&self) -> &str {
        match self {
            WebError::NotFound(msg) | WebError::BadRequest(msg) => msg,
            _ => INTERNAL_MESSAGE,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, heading) = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let page = ErrorPage {
            layout: Layout::new("govwire", heading, Some("")),
            status: status.as_u16(),
            heading,
            message: self.public_message().to_string(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                (status, heading).into_response()
            }
        }
    }
}
