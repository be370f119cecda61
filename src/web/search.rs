//! Search and trends for researchers: `/search` (HTML with snippets, facets and paging),
//! `/search.rss`, `/search.atom`, `/search.csv`, `/api/search` (JSON), `/trends` (a server-side
//! SVG line chart) and `/trends.csv`.
//!
//! This module owns these routes; its files split the work by job: `params` reads the search
//! parameters (with limits and German messages), `slots` runs a search on the blocking pool once
//! a slot is free, `page` and `facets` build the results page, `export` the feeds, CSV and JSON,
//! `trends` the trend page and its CSV. A malformed query is a 400 showing the parser's message,
//! never a 500; a search that cannot run now is a 503 (see [`WebError`](super::WebError)).

mod export;
mod facets;
mod page;
pub(super) mod params;
mod slots;
mod trends;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use super::state::AppState;

pub use export::{CSV_ROWS, FEED_ITEMS};
pub use params::PER_PAGE;

/// The search and trend routes, to be merged into the main router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/search", get(page::page))
        .route("/search.rss", get(export::feed_rss))
        .route("/search.atom", get(export::feed_atom))
        .route("/search.csv", get(export::csv))
        .route("/search.xlsx", get(export::xlsx))
        .route("/api/search", get(export::api))
        .route("/trends", get(trends::trends_page))
        .route("/trends.csv", get(trends::trends_csv))
}
