//! `/metrics` and the request-timing middleware behind it.
//!
//! This file owns recording each web request (by its route pattern, never the raw path, so a
//! crawler of our own site cannot blow up the label set) and rendering the process's metrics.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::WebError;
use super::state::{AppState, read};
use crate::telemetry;

/// Longest request path accepted, in bytes (percent-encoded, as received).
pub const MAX_PATH_BYTES: usize = 2048;

/// Longest query string accepted, in bytes (a 500-character search in umlauts, percent-encoded,
/// still fits).
pub const MAX_QUERY_BYTES: usize = 4096;

/// Answers 414 before any handler runs when the path or the query is longer than we serve.
pub async fn limit_uri(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let too_long =
        uri.path().len() > MAX_PATH_BYTES || uri.query().is_some_and(|q| q.len() > MAX_QUERY_BYTES);
    if too_long {
        return (
            axum::http::StatusCode::URI_TOO_LONG,
            "Die Adresse ist zu lang.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Times every request and counts it by route and status.
pub async fn record(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(telemetry::HTTP_SECONDS, "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        telemetry::HTTP_REQUESTS,
        "route" => route,
        "status" => response.status().as_u16().to_string()
    )
    .increment(1);
    response
}

/// `/metrics`: Prometheus text format.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    let count = read(&state, |store| store.count()).await?;
    let body = telemetry::render(count);
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response())
}
