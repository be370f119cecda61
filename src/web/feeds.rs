//! Feed handlers: RSS and Atom for every listing scope.
//!
//! This file owns choosing the format from the file name, building the [`FeedMeta`] with absolute
//! URLs from the request origin, and the content types. It must never write XML itself; that is
//! [`crate::syndication`]'s job.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::conditional::last_modified;
use super::error::WebError;
use super::pages::bad_path;
use super::params::origin;
use super::paths::{article_path, feed_path};
use super::scope::Scope;
use super::state::{AppState, read};
use super::story;
use crate::model::Article;
use crate::syndication::{FeedMeta, Publisher, atom, rss};

/// Articles per feed.
pub const FEED_ITEMS: usize = 50;

/// The two feed formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RSS 2.0 (`feed.xml`).
    Rss,
    /// Atom 1.0 (`atom.xml`).
    Atom,
}

impl Format {
    /// The format served under `file`; 404 for any other file name.
    pub fn from_file(file: &str) -> Result<Format, WebError> {
        match file {
            "feed.xml" => Ok(Format::Rss),
            "atom.xml" => Ok(Format::Atom),
            _ => Err(WebError::NotFound("Diese Seite gibt es nicht.".to_string())),
        }
    }

    /// The file name (`feed.xml`, `atom.xml`).
    pub fn file(self) -> &'static str {
        match self {
            Format::Rss => "feed.xml",
            Format::Atom => "atom.xml",
        }
    }

    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
        }
    }
}

/// `/feed.xml`.
pub async fn latest_rss(
    state: State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    feed(state, Scope::Latest, Format::Rss, &headers, &uri).await
}

/// `/atom.xml`.
pub async fn latest_atom(
    state: State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    feed(state, Scope::Latest, Format::Atom, &headers, &uri).await
}

/// `/keyword/{name}/{file}`.
pub async fn keyword(
    state: State<Arc<AppState>>,
    path: FeedPath,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    scoped_feed(state, path, &headers, &uri, Scope::keyword).await
}

/// `/tag/{tag}/{file}`.
pub async fn tag(
    state: State<Arc<AppState>>,
    path: FeedPath,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    scoped_feed(state, path, &headers, &uri, |_, n| Scope::tag(n)).await
}

/// `/source/{id}/{file}`.
pub async fn source(
    state: State<Arc<AppState>>,
    path: FeedPath,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    scoped_feed(state, path, &headers, &uri, Scope::source).await
}

/// `/land/{code}/{file}`.
pub async fn land(
    state: State<Arc<AppState>>,
    path: FeedPath,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    scoped_feed(state, path, &headers, &uri, |_, n| Scope::land(n)).await
}

/// `/mentions/{code}/{file}`.
pub async fn mentions(
    state: State<Arc<AppState>>,
    path: FeedPath,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    scoped_feed(state, path, &headers, &uri, |_, n| Scope::mentions(n)).await
}

/// `/level/{level}/{file}`.
pub async fn level(
    state: State<Arc<AppState>>,
    path: FeedPath,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    scoped_feed(state, path, &headers, &uri, |_, n| Scope::level(n)).await
}

/// The path of a scoped feed: the scope's name and the feed's file name.
type FeedPath = Result<Path<(String, String)>, PathRejection>;

/// Serves `/{kind}/{name}/{file}`: `resolve` turns the name into the scope (or a 400/404).
async fn scoped_feed(
    state: State<Arc<AppState>>,
    path: FeedPath,
    headers: &HeaderMap,
    uri: &Uri,
    resolve: impl FnOnce(&AppState, &str) -> Result<Scope, WebError>,
) -> Result<Response, WebError> {
    let (name, format) = scoped(path)?;
    let scope = resolve(&state, &name)?;
    feed(state, scope, format, headers, uri).await
}

/// The scope name and format from `/{kind}/{name}/{file}`.
fn scoped(path: FeedPath) -> Result<(String, Format), WebError> {
    let Path((name, file)) = path.map_err(|_| bad_path())?;
    Ok((name, Format::from_file(&file)?))
}

async fn feed(
    State(state): State<Arc<AppState>>,
    scope: Scope,
    format: Format,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Response, WebError> {
    let fetch_scope = scope.clone();
    let mut page = read(&state, move |store| fetch_scope.fetch(store, 0, FEED_ITEMS)).await?;
    if collapse_requested(uri) {
        page.items = story::first_of_each(page.items);
    }
    let origin = origin(headers, uri);
    let base = scope.feed_base();
    let meta = FeedMeta {
        title: format!("{} – {}", state.site_title, scope.heading()),
        self_url: format!("{origin}{}", feed_path(&base, format.file())),
        html_url: format!("{origin}{}", scope.path()),
        description: format!("{}: die {FEED_ITEMS} neuesten Artikel", scope.heading()),
        updated: newest_update(&page.items),
    };
    let article_url = |a: &Article| format!("{origin}{}", article_path(a));
    let publisher = |a: &Article| publisher(&state, a);
    let body = match format {
        Format::Rss => rss(&meta, &page.items, article_url, publisher),
        Format::Atom => atom(&meta, &page.items, article_url, publisher),
    };
    Ok(feed_response(format.content_type(), meta.updated, body))
}

/// The configured source that published `article`, as feeds name it; `None` for an article of
/// a source no longer configured.
pub fn publisher(state: &AppState, article: &Article) -> Option<Publisher> {
    state
        .sources
        .iter()
        .find(|s| s.id == article.source_id)
        .map(|s| Publisher {
            id: s.id.clone(),
            name: s.name.clone(),
            url: s.url.clone(),
        })
}

/// A feed's response: its content type, and `Last-Modified` from the feed's `updated` (so that
/// readers can poll with `If-Modified-Since`; none for an empty feed).
pub fn feed_response(content_type: &'static str, updated: DateTime<Utc>, body: String) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some((name, value)) = last_modified(updated) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// `?collapse=1` (or `true`/`yes`/`stories`) asks for one item per story cluster.
fn collapse_requested(uri: &Uri) -> bool {
    uri.query().is_some_and(|q| {
        q.split('&').any(|pair| {
            matches!(
                pair,
                "collapse=1" | "collapse=true" | "collapse=yes" | "collapse=stories"
            )
        })
    })
}

/// The latest `updated` of `articles`, or the Unix epoch for an empty feed (so that rendering
/// stays deterministic).
fn newest_update(articles: &[Article]) -> DateTime<Utc> {
    articles
        .iter()
        .map(|a| a.updated.max(a.sort_time()))
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}
