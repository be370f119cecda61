//! The search's other formats: `/search.rss`, `/search.atom`, `/search.csv`, `/search.xlsx` and
//! `/api/search` (JSON).
//!
//! This file owns these handlers, their limits and content types. It must never write XML or CSV
//! itself; that is [`crate::syndication`]'s and [`crate::search::export`]'s job.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::params::{PER_PAGE, Params, heading};
use super::slots::with_index;
use crate::model::Article;
use crate::search::Sort;
use crate::search::export::Xlsx;
use crate::syndication::{FeedMeta, atom, rss};
use crate::web::error::WebError;
use crate::web::feeds::{feed_response, publisher};
use crate::web::params::origin;
use crate::web::paths::article_path;
use crate::web::state::AppState;
use crate::web::view::source_name;

/// Items in a search feed.
pub const FEED_ITEMS: usize = 50;
/// Rows in a `/search.csv` or `/search.xlsx` (the CLI's `export` has no limit).
pub const CSV_ROWS: usize = 1000;

/// `/search.rss`.
pub async fn feed_rss(
    state: State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    feed(state, &headers, &uri, true).await
}

/// `/search.atom`.
pub async fn feed_atom(
    state: State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    feed(state, &headers, &uri, false).await
}

/// The newest [`FEED_ITEMS`] matches (or the best, with `sort=relevance`) as a feed.
async fn feed(
    State(state): State<Arc<AppState>>,
    headers: &HeaderMap,
    uri: &Uri,
    is_rss: bool,
) -> Result<Response, WebError> {
    let p = Params::parse(uri.query())?;
    let q = p.query(Sort::Date)?;
    let hits = with_index(&state, move |i| i.search(&q, 0, FEED_ITEMS)).await?;
    let articles: Vec<Article> = hits.items.into_iter().filter_map(|h| h.article).collect();
    let origin = origin(headers, uri);
    let (path, content_type) = if is_rss {
        ("/search.rss", "application/rss+xml; charset=utf-8")
    } else {
        ("/search.atom", "application/atom+xml; charset=utf-8")
    };
    let meta = FeedMeta {
        title: format!("{} – {}", state.site_title, heading(&p.q)),
        self_url: format!("{origin}{}", p.href(path, None)),
        html_url: format!("{origin}{}", p.href("/search", None)),
        description: format!("Gespeicherte Suche „{}“", p.q.trim()),
        updated: articles
            .iter()
            .map(|a| a.updated.max(a.sort_time()))
            .max()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
    };
    let article_url = |a: &Article| format!("{origin}{}", article_path(a));
    let publisher = |a: &Article| publisher(&state, a);
    let body = if is_rss {
        rss(&meta, &articles, article_url, publisher)
    } else {
        atom(&meta, &articles, article_url, publisher)
    };
    Ok(feed_response(content_type, meta.updated, body))
}

/// Up to [`CSV_ROWS`] matches, newest first, as CSV (UTF-8 with byte order mark; `sep` and
/// `text` as in [`Params::csv_style`]).
pub async fn csv(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let p = Params::parse(raw.as_deref())?;
    let style = p.csv_style();
    let q = p.query(Sort::Date)?;
    let sources = state.sources.clone();
    let body = with_index(&state, move |i| {
        let mut out = style.header();
        for (_, id) in i.matches(&q)?.into_iter().take(CSV_ROWS) {
            if let Some(a) = i.store().get(id)? {
                out.push_str(&style.row(&a, &source_name(&a.source_id, &sources)));
            }
        }
        Ok(out)
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"govwire-suche.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// Up to [`CSV_ROWS`] matches, newest first, as an Excel workbook (`text=1` adds the text).
pub async fn xlsx(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let p = Params::parse(raw.as_deref())?;
    let with_text = p.text;
    let q = p.query(Sort::Date)?;
    let sources = state.sources.clone();
    let body = with_index(&state, move |i| {
        let mut book = Xlsx::new(with_text)?;
        for (_, id) in i.matches(&q)?.into_iter().take(CSV_ROWS) {
            if let Some(a) = i.store().get(id)? {
                book.push(&a, &source_name(&a.source_id, &sources))?;
            }
        }
        Ok(book.finish()?)
    })
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"govwire-suche.xlsx\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// `/api/search`: one page of hits and the facets as JSON; errors as `{"error": …}`.
pub async fn api(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    match api_inner(&state, raw.as_deref()).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_json(),
    }
}

async fn api_inner(state: &AppState, raw: Option<&str>) -> Result<serde_json::Value, WebError> {
    let p = Params::parse(raw)?;
    let q = p.query(Sort::Relevance)?;
    let per_page = p.per_page.unwrap_or(PER_PAGE);
    let offset = (p.page - 1) * per_page;
    let hits = with_index(state, move |i| i.search(&q, offset, per_page)).await?;
    let items: Vec<serde_json::Value> = hits
        .items
        .iter()
        .filter_map(|h| {
            let a = h.article.as_ref()?;
            Some(serde_json::json!({
                "id": a.id.to_string(),
                "url": a.url,
                "title": a.title,
                "kicker": a.kicker,
                "source": a.source_id,
                "published": crate::search::export::published_json(a),
                "keywords": a.keywords,
                "land": a.land.map(|l| l.code()),
                "lang": a.lang,
                "score": h.score,
                "snippet_html": h.snippet_html,
            }))
        })
        .collect();
    Ok(serde_json::json!({
        "query": p.q,
        "total": hits.total,
        "page": p.page,
        "per_page": per_page,
        "items": items,
        "facets": hits.facets,
    }))
}
