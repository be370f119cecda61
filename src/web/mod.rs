//! The read-only web view: an axum router over the store, with HTML pages and feeds.
//!
//! This module owns routes, handlers, view models, templates and the mapping of errors to HTTP
//! responses. It reads from the store and writes nothing: every route answers GET (and HEAD)
//! only. Everything shown came from hostile servers, so all HTML goes through escaping askama
//! templates, only http(s) URLs become links, and request input is parsed with limits.
//!
//! Store reads run on tokio's blocking pool ([`state::read`]): sled reads are usually fast, but a
//! listing decodes up to 100 JSON articles and may hit the disk, and the crawler shares the
//! runtime; one `spawn_blocking` per request is cheap insurance.

mod assets;
mod cache;
mod conditional;
pub mod digest;
mod error;
mod feeds;
mod observe;
mod pages;
mod params;
mod paths;
mod scope;
pub mod search;
mod state;
mod story;
mod templates;
mod trends_chart;
mod view;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

pub use error::WebError;
pub use state::AppState;

/// The complete router: pages, feeds, stylesheet, health check, metrics, 404 fallback, and a
/// response cache in front of the pages that depend on the stored articles only and of the
/// search responses (which depend on the search index only). Outside the cache: validators and
/// `304`s for every GET and HEAD ([`conditional`]), then gzip or brotli for clients that accept
/// them (tower-http; the cache keeps identity bodies).
pub fn router(state: Arc<AppState>) -> Router {
    let cache = cache::ResponseCache::new(state.store.clone(), state.search.clone());
    Router::new()
        .route("/", get(pages::index))
        .route("/article/{id}", get(pages::article))
        .route("/keywords", get(pages::keywords))
        .route("/keyword/{name}", get(pages::keyword))
        .route("/keyword/{name}/{file}", get(feeds::keyword))
        .route("/tag/{tag}", get(pages::tag))
        .route("/tag/{tag}/{file}", get(feeds::tag))
        .route("/regions", get(pages::regions))
        .route("/land/{code}", get(pages::land))
        .route("/land/{code}/{file}", get(feeds::land))
        .route("/mentions/{code}", get(pages::mentions))
        .route("/mentions/{code}/{file}", get(feeds::mentions))
        .route("/level/{level}", get(pages::level))
        .route("/level/{level}/{file}", get(feeds::level))
        .route("/sources", get(pages::sources))
        .route("/source/{id}", get(pages::source))
        .route("/source/{id}/{file}", get(feeds::source))
        .route("/feed.xml", get(feeds::latest_rss))
        .route("/atom.xml", get(feeds::latest_atom))
        .route("/static/style.css", get(assets::style))
        .route("/static/favicon.svg", get(assets::favicon))
        .route("/favicon.ico", get(assets::favicon))
        .route("/healthz", get(pages::healthz))
        .route("/metrics", get(observe::metrics))
        .merge(digest::routes())
        .merge(search::routes())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(cache, cache::serve))
        .layer(axum::middleware::from_fn(conditional::conditional))
        .layer(axum::middleware::from_fn(observe::record))
        .layer(axum::middleware::from_fn(observe::limit_uri))
        .layer(axum::middleware::map_response(assets::harden))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::map_response(conditional::weaken_encoded))
        .with_state(state)
}
