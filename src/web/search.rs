//! Search and trends for researchers: `/search` (HTML with snippets, facets and paging),
//! `/search.rss`, `/search.atom`, `/search.csv`, `/api/search` (JSON), `/trends` (a server-side
//! SVG line chart) and `/trends.csv`.
//!
//! This file owns reading the search parameters (with limits and German messages), running the
//! search on the blocking pool, and the view models of the two pages and the chart. A malformed
//! query is a 400 showing the parser's message, never a 500. Snippet HTML comes from
//! [`crate::search::mark`], which escapes everything and only adds its own `<b>`; it is the one
//! value the template does not escape again. Chart labels are escaped by the template.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};

use super::AppState;
use super::error::WebError;
use super::params::origin;
use super::templates::{ErrorPage, Layout};
use super::view::{Card, article_path, source_name};
use crate::model::{Article, Land};
use crate::search::export::{csv_header, csv_line, csv_row};
use crate::search::trends::{self, Period, Trend};
use crate::search::{Facets, Hits, Index, MAX_LIMIT, MAX_OFFSET, Query, SearchError, Sort, query};
use crate::syndication::{FeedMeta, atom, rss};

/// Hits per HTML page.
pub const PER_PAGE: usize = 20;
/// Items in a search feed.
pub const FEED_ITEMS: usize = 50;
/// Rows in a `/search.csv` (the CLI's `export` has no limit).
pub const CSV_ROWS: usize = 1000;
/// Facet values shown per group.
const FACET_ITEMS: usize = 12;
/// Longest a search waits for a slot before it is turned away with `503` and `Retry-After`.
/// A search is CPU work on the blocking pool: when requests arrive faster than the cores answer
/// them, an unbounded queue only makes every answer late (and the client gives up anyway);
/// answering the excess at once keeps the latency of the admitted ones bounded.
const QUEUE_WAIT: Duration = Duration::from_secs(1);
/// Most searches waiting for a slot; one more is turned away at once.
const MAX_WAITING: usize = 256;

/// Searches running at once: two per core (a search is mostly CPU, with some waiting on the
/// index files), at least 2 and at most 16; more wait their turn, so a burst of expensive
/// queries (exports, trends over everything) cannot occupy the whole blocking pool the store
/// reads share. Repeated searches do not count: the response cache answers them before this.
fn concurrent_searches() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get() * 2)
        .clamp(2, 16)
}

static SEARCH_SLOTS: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(concurrent_searches()));
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// The search and trend routes, to be merged into the main router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/search", get(page))
        .route("/search.rss", get(feed_rss))
        .route("/search.atom", get(feed_atom))
        .route("/search.csv", get(csv))
        .route("/api/search", get(api))
        .route("/trends", get(trends_page))
        .route("/trends.csv", get(trends_csv))
}

/// The request parameters shared by every route here.
#[derive(Debug, Clone, Default)]
struct Params {
    q: String,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    sort: Option<Sort>,
    page: usize,
    per_page: Option<usize>,
    by: Period,
}

impl Params {
    fn parse(raw: Option<&str>) -> Result<Params, WebError> {
        let mut p = Params {
            page: 1,
            ..Params::default()
        };
        let bad = |e: query::QueryError| WebError::BadRequest(e.to_string());
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let v = value.trim();
            match key.as_ref() {
                "q" => p.q = value.into_owned(),
                "from" if !v.is_empty() => p.from = Some(query::parse_date(v, false).map_err(bad)?),
                "to" if !v.is_empty() => p.to = Some(query::parse_date(v, true).map_err(bad)?),
                "sort" => p.sort = Some(Sort::parse(v).map_err(bad)?),
                "page" if !v.is_empty() => {
                    p.page = number(v, "Seitenzahl", 1, MAX_OFFSET / PER_PAGE + 1)?
                }
                "per_page" if !v.is_empty() => {
                    p.per_page = Some(number(v, "Anzahl pro Seite", 1, MAX_LIMIT)?)
                }
                "by" => {
                    p.by = Period::parse(v).ok_or_else(|| {
                        WebError::BadRequest("Zeitraster „by“: möglich sind week und month.".into())
                    })?
                }
                _ => {}
            }
        }
        Ok(p)
    }

    /// The parsed query with the form's dates (which win over `from:`/`to:` in the text).
    fn query(&self, default_sort: Sort) -> Result<Query, WebError> {
        let mut q = query::parse(&self.q).map_err(|e| WebError::BadRequest(e.to_string()))?;
        q.from = self.from.or(q.from);
        q.to = self.to.or(q.to);
        if let (Some(f), Some(t)) = (q.from, q.to)
            && f > t
        {
            return Err(WebError::BadRequest(
                query::QueryError::EmptyRange(f, t).to_string(),
            ));
        }
        q.sort = self.sort.unwrap_or(default_sort);
        Ok(q)
    }

    /// `path?q=…&from=…&to=…&sort=…[&page=n]` with only the non-default parameters.
    fn href(&self, path: &str, page: Option<usize>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &self.q);
        if let Some(f) = self.from {
            s.append_pair("from", &f.to_string());
        }
        if let Some(t) = self.to {
            s.append_pair("to", &t.to_string());
        }
        if let Some(sort) = self.sort {
            s.append_pair("sort", sort.as_str());
        }
        if let Some(n) = page.filter(|n| *n > 1) {
            s.append_pair("page", &n.to_string());
        }
        format!("{path}?{}", s.finish())
    }
}

/// The search cache's key for a GET of `route` with the query string `raw`: the route, then
/// every parameter that route reads, parsed (so spellings that give the same response share
/// one entry: `page=1` or none, `from=2020` or `from=2020-01-01`, parameters in any order or
/// unknown ones added). `None` for other routes and for parameters that do not parse (those
/// are a cheap 400). The query text stays as typed: the page shows it.
pub(super) fn cache_key(route: &str, raw: Option<&str>) -> Option<String> {
    let p = Params::parse(raw).ok()?;
    let dates = (p.from, p.to);
    Some(match route {
        "/search" => format!("{route} {:?}", (&p.q, dates, p.sort, p.page)),
        "/search.rss" | "/search.atom" => format!("{route} {:?}", (&p.q, dates, p.sort)),
        "/search.csv" => format!("{route} {:?}", (&p.q, dates)),
        "/api/search" => format!("{route} {:?}", (&p.q, dates, p.sort, p.page, p.per_page)),
        "/trends" | "/trends.csv" => format!("{route} {:?}", (&p.q, dates, p.by)),
        _ => return None,
    })
}

fn number(value: &str, what: &str, min: usize, max: usize) -> Result<usize, WebError> {
    match value.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(WebError::BadRequest(format!(
            "Ungültige {what}: erlaubt sind ganze Zahlen von {min} bis {max}."
        ))),
    }
}

/// What a handler here can fail with beyond [`WebError`].
enum Fail {
    Web(WebError),
    /// No index configured (the state has none).
    Unavailable,
    /// Too many searches waiting: try again in a second.
    Busy,
    /// The index is being built after start-up: (articles indexed, articles to index).
    Building(u64, u64),
    /// The index failed; logged, shown as a generic 500.
    Internal(String),
}

impl From<WebError> for Fail {
    fn from(e: WebError) -> Fail {
        Fail::Web(e)
    }
}

impl From<SearchError> for Fail {
    fn from(e: SearchError) -> Fail {
        if let SearchError::Building { done, total } = e {
            return Fail::Building(done, total);
        }
        if e.is_user_error() {
            Fail::Web(WebError::BadRequest(e.to_string()))
        } else {
            Fail::Internal(e.to_string())
        }
    }
}

impl From<askama::Error> for Fail {
    fn from(e: askama::Error) -> Fail {
        Fail::Web(WebError::Render(e))
    }
}

impl Fail {
    fn status_message(&self) -> (StatusCode, &'static str, String) {
        match self {
            Fail::Web(e) => {
                let (status, heading) = e.status();
                let msg = match e {
                    WebError::BadRequest(m) | WebError::NotFound(m) => m.clone(),
                    _ => INTERNAL.to_string(),
                };
                (status, heading, msg)
            }
            Fail::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Suche ausgelastet",
                "Gerade laufen zu viele Suchen gleichzeitig. Bitte in einer Sekunde erneut versuchen."
                    .to_string(),
            ),
            Fail::Building(done, total) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Suchindex wird aufgebaut",
                format!(
                    "Der Suchindex wird nach dem Start aus den gespeicherten Artikeln neu aufgebaut \
                     ({done} von {total} Artikeln). Alle anderen Seiten funktionieren schon; die \
                     Suche ist in Kürze verfügbar. Bitte in einigen Sekunden erneut versuchen."
                ),
            ),
            Fail::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Suche nicht verfügbar",
                "Die Volltextsuche ist auf diesem Server nicht eingerichtet.".to_string(),
            ),
            Fail::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Interner Fehler",
                INTERNAL.to_string(),
            ),
        }
    }

    /// The error as JSON (`{"error": "…"}`), for `/api/search`.
    fn into_json(self) -> Response {
        if let Fail::Internal(e) = &self {
            tracing::error!(error = %e, "search failed");
        }
        let retry = self.retry_after();
        let (status, _, message) = self.status_message();
        let mut r = (status, axum::Json(serde_json::json!({ "error": message }))).into_response();
        if let Some(secs) = retry {
            retry_after(&mut r, secs);
        }
        r
    }
}

const INTERNAL: &str =
    "Bei der Suche ist ein interner Fehler aufgetreten. Bitte versuchen Sie es später erneut.";

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        match self {
            Fail::Web(e) => e.into_response(),
            other => {
                if let Fail::Internal(e) = &other {
                    tracing::error!(error = %e, "search failed");
                }
                let retry = other.retry_after();
                let (status, heading, message) = other.status_message();
                let page = ErrorPage {
                    layout: Layout::new("govwire", heading, Some("")),
                    status: status.as_u16(),
                    heading,
                    message,
                };
                let mut r = match page.render() {
                    Ok(html) => (status, Html(html)).into_response(),
                    Err(_) => (status, heading).into_response(),
                };
                if let Some(secs) = retry {
                    retry_after(&mut r, secs);
                }
                r
            }
        }
    }
}

impl Fail {
    /// Seconds after which the request may succeed, for `Retry-After`: 1 when the searches are
    /// busy, 5 while the index is built; `None` for every other failure.
    fn retry_after(&self) -> Option<u32> {
        match self {
            Fail::Busy => Some(1),
            Fail::Building(..) => Some(BUILDING_RETRY_SECS),
            _ => None,
        }
    }
}

/// `Retry-After` while the index is built after start-up (100,000 articles take about a minute).
const BUILDING_RETRY_SECS: u32 = 5;

/// `Retry-After: secs` on a response turning a search away.
fn retry_after(r: &mut Response, secs: u32) {
    r.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
}

/// Waits for a search slot: at most [`QUEUE_WAIT`], and not at all when [`MAX_WAITING`]
/// searches are waiting already.
async fn slot() -> Result<tokio::sync::SemaphorePermit<'static>, Fail> {
    if let Ok(permit) = SEARCH_SLOTS.try_acquire() {
        return Ok(permit);
    }
    if WAITING.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
        WAITING.fetch_sub(1, Ordering::AcqRel);
        metrics::counter!(crate::telemetry::SEARCH_REJECTED).increment(1);
        return Err(Fail::Busy);
    }
    let waited = tokio::time::timeout(QUEUE_WAIT, SEARCH_SLOTS.acquire()).await;
    WAITING.fetch_sub(1, Ordering::AcqRel);
    match waited {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(e)) => Err(Fail::Internal(e.to_string())),
        Err(_) => {
            metrics::counter!(crate::telemetry::SEARCH_REJECTED).increment(1);
            Err(Fail::Busy)
        }
    }
}

/// Runs `f` on the index on the blocking pool, once a search slot is free.
async fn with_index<T, F>(state: &AppState, f: F) -> Result<T, Fail>
where
    T: Send + 'static,
    F: FnOnce(&Index) -> Result<T, SearchError> + Send + 'static,
{
    let index = state.search.clone().ok_or(Fail::Unavailable)?;
    // Turned away before taking a slot: nothing to wait for.
    if let Some((done, total)) = index.build_progress() {
        return Err(Fail::Building(done, total));
    }
    let _slot = slot().await?;
    match tokio::task::spawn_blocking(move || f(&index)).await {
        Ok(r) => Ok(r?),
        Err(e) => Err(Fail::Internal(e.to_string())),
    }
}

/// One hit on the results page.
pub struct HitView {
    /// Title, source, date, keywords, links.
    pub card: Card,
    /// Escaped text with `<b>` marks (safe to insert as HTML).
    pub snippet_html: String,
}

/// A facet value with its count and the link that narrows the search to it.
pub struct FacetLink {
    /// Shown name.
    pub label: String,
    /// Matching articles.
    pub count: u64,
    /// The current search plus this filter.
    pub href: String,
}

/// A group of facet values.
pub struct FacetGroup {
    /// Heading (`Quellen`).
    pub title: &'static str,
    /// Values, most frequent first.
    pub items: Vec<FacetLink>,
}

/// `/search`.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    /// Frame.
    pub layout: Layout,
    /// The query text as typed.
    pub q: String,
    /// The `from` form field.
    pub from: String,
    /// The `to` form field.
    pub to: String,
    /// True when sorted by date.
    pub by_date: bool,
    /// True when a search ran (not just the empty form).
    pub searched: bool,
    /// Matching articles.
    pub total: usize,
    /// This page's hits.
    pub hits: Vec<HitView>,
    /// Facet groups.
    pub facets: Vec<FacetGroup>,
    /// Previous page link.
    pub newer: Option<String>,
    /// Next page link.
    pub older: Option<String>,
    /// Current page.
    pub page: usize,
    /// Same search as RSS.
    pub rss_href: String,
    /// Same search as Atom.
    pub atom_href: String,
    /// Same search as CSV.
    pub csv_href: String,
    /// Same search as JSON.
    pub json_href: String,
    /// Same search as a trend chart.
    pub trends_href: String,
}

async fn page(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, Fail> {
    let p = Params::parse(raw.as_deref())?;
    let searched = !p.q.trim().is_empty() || p.from.is_some() || p.to.is_some();
    let q = p.query(Sort::Relevance)?;
    let offset = (p.page - 1) * PER_PAGE;
    let hits = if searched {
        with_index(&state, move |i| i.search(&q, offset, PER_PAGE)).await?
    } else {
        Hits {
            total: 0,
            items: Vec::new(),
            facets: Facets::default(),
        }
    };
    let mut layout = Layout::new(&state.site_title, &heading(&p.q), None);
    if searched {
        layout.feed_rss = Some(p.href("/search.rss", None));
        layout.feed_atom = Some(p.href("/search.atom", None));
    }
    let template = SearchPage {
        layout,
        q: p.q.clone(),
        from: p.from.map(|d| d.to_string()).unwrap_or_default(),
        to: p.to.map(|d| d.to_string()).unwrap_or_default(),
        by_date: p.sort == Some(Sort::Date),
        searched,
        total: hits.total,
        facets: facet_groups(&hits.facets, &p, &state),
        hits: hits
            .items
            .into_iter()
            .filter_map(|h| {
                let article = h.article?;
                Some(HitView {
                    card: Card::new(&article, &state.sources),
                    snippet_html: h.snippet_html,
                })
            })
            .collect(),
        newer: (p.page > 1).then(|| p.href("/search", Some(p.page - 1))),
        older: (offset + PER_PAGE < hits.total && offset + PER_PAGE <= MAX_OFFSET)
            .then(|| p.href("/search", Some(p.page + 1))),
        page: p.page,
        rss_href: p.href("/search.rss", None),
        atom_href: p.href("/search.atom", None),
        csv_href: p.href("/search.csv", None),
        json_href: p.href("/api/search", None),
        trends_href: trends_href(&p),
    };
    Ok(Html(template.render()?))
}

fn heading(q: &str) -> String {
    let q = q.trim();
    if q.is_empty() {
        "Suche".to_string()
    } else {
        format!("Suche: {}", q.chars().take(80).collect::<String>())
    }
}

fn trends_href(p: &Params) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", &p.q);
    format!("/trends?{}", s.finish())
}

fn facet_groups(f: &Facets, p: &Params, state: &AppState) -> Vec<FacetGroup> {
    let narrow = |filter: String| {
        let mut p = p.clone();
        p.q = format!("{} {filter}", p.q.trim()).trim().to_string();
        p.href("/search", None)
    };
    let quoted = |v: &str| {
        if v.contains(char::is_whitespace) || v.contains('"') {
            format!("\"{}\"", v.replace('"', ""))
        } else {
            v.to_string()
        }
    };
    let group =
        |title, counts: &[(String, u64)], label: &dyn Fn(&str) -> String, field: &str| FacetGroup {
            title,
            items: counts
                .iter()
                .take(FACET_ITEMS)
                .map(|(v, n)| FacetLink {
                    label: label(v),
                    count: *n,
                    href: narrow(format!("{field}:{}", quoted(v))),
                })
                .collect(),
        };
    vec![
        group(
            "Quellen",
            &f.sources,
            &|v| source_name(v, &state.sources),
            "source",
        ),
        group("Stichwörter", &f.keywords, &|v| v.to_string(), "keyword"),
        group(
            "Länder",
            &f.lands,
            &|v| Land::parse(v).map_or_else(|| v.to_string(), |l| l.name().to_string()),
            "land",
        ),
    ]
    .into_iter()
    .filter(|g| !g.items.is_empty())
    .collect()
}

async fn feed_rss(
    state: State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Fail> {
    feed(state, &headers, &uri, true).await
}

async fn feed_atom(
    state: State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Fail> {
    feed(state, &headers, &uri, false).await
}

/// The newest [`FEED_ITEMS`] matches (or the best, with `sort=relevance`) as a feed.
async fn feed(
    State(state): State<Arc<AppState>>,
    headers: &HeaderMap,
    uri: &Uri,
    is_rss: bool,
) -> Result<Response, Fail> {
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
    let body = if is_rss {
        rss(&meta, &articles, article_url)
    } else {
        atom(&meta, &articles, article_url)
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// Up to [`CSV_ROWS`] matches, newest first, as CSV.
async fn csv(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Fail> {
    let p = Params::parse(raw.as_deref())?;
    let q = p.query(Sort::Date)?;
    let body = with_index(&state, move |i| {
        let mut out = csv_header();
        for (_, id) in i.matches(&q)?.into_iter().take(CSV_ROWS) {
            if let Some(a) = i.store().get(id)? {
                out.push_str(&csv_row(&a));
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

/// `/api/search`: one page of hits and the facets as JSON; errors as `{"error": …}`.
async fn api(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    match api_inner(&state, raw.as_deref()).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_json(),
    }
}

async fn api_inner(state: &AppState, raw: Option<&str>) -> Result<serde_json::Value, Fail> {
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
                "published": a.sort_time().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
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

/// A tick on an axis: position and label.
pub struct Tick {
    /// Position in SVG units.
    pub at: f64,
    /// Text.
    pub label: String,
}

/// One series in the chart.
pub struct Line {
    /// The query.
    pub label: String,
    /// Stroke colour.
    pub color: &'static str,
    /// `x,y x,y …` for `<polyline points>`.
    pub points: String,
    /// Each point, for the markers.
    pub dots: Vec<(f64, f64)>,
    /// Sum over all periods.
    pub total: u64,
}

/// Geometry and content of the SVG chart.
pub struct Chart {
    /// SVG width.
    pub width: f64,
    /// SVG height.
    pub height: f64,
    /// Left edge of the plot area.
    pub left: f64,
    /// Right edge of the plot area.
    pub right: f64,
    /// Top edge of the plot area.
    pub top: f64,
    /// Bottom edge of the plot area (the x axis).
    pub bottom: f64,
    /// Value ticks.
    pub y_ticks: Vec<Tick>,
    /// Period ticks.
    pub x_ticks: Vec<Tick>,
    /// The series.
    pub lines: Vec<Line>,
    /// Accessible description.
    pub description: String,
}

const PALETTE: [&str; 8] = [
    "#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b7950b",
];

impl Chart {
    /// Lays out `trend` as a line chart.
    pub fn new(trend: &Trend) -> Chart {
        let (width, height) = (640.0, 300.0);
        let (left, right, top, bottom) = (52.0, 612.0, 16.0, 250.0);
        let n = trend.periods.len();
        let max = trend
            .series
            .iter()
            .flat_map(|s| s.counts.iter().copied())
            .max()
            .unwrap_or(0);
        let top_value = nice_ceiling(max);
        let x = |i: usize| {
            if n <= 1 {
                (left + right) / 2.0
            } else {
                left + (right - left) * i as f64 / (n - 1) as f64
            }
        };
        let y = |v: u64| bottom - (bottom - top) * v as f64 / top_value as f64;
        let y_ticks = (0..=4)
            .map(|k| {
                let v = top_value * k / 4;
                Tick {
                    at: round1(y(v)),
                    label: v.to_string(),
                }
            })
            .collect();
        let step = n.div_ceil(10).max(1);
        let x_ticks = (0..n)
            .step_by(step)
            .map(|i| Tick {
                at: round1(x(i)),
                label: trend.period.label(trend.periods[i]),
            })
            .collect();
        let lines = trend
            .series
            .iter()
            .zip(PALETTE.iter().cycle())
            .map(|(s, color)| {
                let dots: Vec<(f64, f64)> = s
                    .counts
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (round1(x(i)), round1(y(*v))))
                    .collect();
                Line {
                    label: s.label.clone(),
                    color,
                    points: dots
                        .iter()
                        .map(|(x, y)| format!("{x},{y}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    dots: if n <= 60 { dots } else { Vec::new() },
                    total: s.counts.iter().sum(),
                }
            })
            .collect();
        let description = format!(
            "Artikel pro {} für {}",
            if trend.period == Period::Week {
                "Woche"
            } else {
                "Monat"
            },
            trend
                .series
                .iter()
                .map(|s| s.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        Chart {
            width,
            height,
            left,
            right,
            top,
            bottom,
            y_ticks,
            x_ticks,
            lines,
            description,
        }
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The smallest of 4, 8, 20, 40, 80, 200, … (a multiple of 4 so the ticks are whole) ≥ `max`.
fn nice_ceiling(max: u64) -> u64 {
    let mut base = 1u64;
    loop {
        for m in [4, 8, 20] {
            let v = base.saturating_mul(m);
            if v >= max {
                return v;
            }
        }
        base = base.saturating_mul(10);
    }
}

/// `/trends`.
#[derive(Template)]
#[template(path = "trends.html")]
pub struct TrendsPage {
    /// Frame.
    pub layout: Layout,
    /// The comma-separated queries.
    pub q: String,
    /// True for weekly periods.
    pub weekly: bool,
    /// The `from` field.
    pub from: String,
    /// The `to` field.
    pub to: String,
    /// The chart, once there is something to draw.
    pub chart: Option<Chart>,
    /// Same numbers as CSV.
    pub csv_href: String,
}

async fn run_trend(state: &AppState, p: &Params) -> Result<Option<Trend>, Fail> {
    let series = trends::split_series(&p.q);
    if series.is_empty() {
        return Ok(None);
    }
    for s in &series {
        query::parse(s).map_err(|e| WebError::BadRequest(format!("„{s}“: {e}")))?;
    }
    let base = Params {
        q: String::new(),
        ..p.clone()
    }
    .query(Sort::Date)?;
    let period = p.by;
    let trend = with_index(state, move |i| trends::trend(i, &series, &base, period)).await?;
    Ok(Some(trend))
}

fn trend_href(p: &Params, path: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", &p.q);
    s.append_pair("by", p.by.as_str());
    if let Some(f) = p.from {
        s.append_pair("from", &f.to_string());
    }
    if let Some(t) = p.to {
        s.append_pair("to", &t.to_string());
    }
    format!("{path}?{}", s.finish())
}

async fn trends_page(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, Fail> {
    let p = Params::parse(raw.as_deref())?;
    let trend = run_trend(&state, &p).await?;
    let template = TrendsPage {
        layout: Layout::new(&state.site_title, "Trends", None),
        q: p.q.clone(),
        weekly: p.by == Period::Week,
        from: p.from.map(|d| d.to_string()).unwrap_or_default(),
        to: p.to.map(|d| d.to_string()).unwrap_or_default(),
        chart: trend.as_ref().map(Chart::new),
        csv_href: trend_href(&p, "/trends.csv"),
    };
    Ok(Html(template.render()?))
}

async fn trends_csv(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Fail> {
    let p = Params::parse(raw.as_deref())?;
    let trend = run_trend(&state, &p).await?;
    let mut out = String::new();
    if let Some(t) = trend {
        let mut header = vec!["period".to_string()];
        header.extend(t.series.iter().map(|s| s.label.clone()));
        out.push_str(&csv_line(header.iter().map(String::as_str)));
        for (i, start) in t.periods.iter().enumerate() {
            let mut row = vec![t.period.label(*start)];
            row.extend(t.series.iter().map(|s| s.counts[i].to_string()));
            out.push_str(&csv_line(row.iter().map(String::as_str)));
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"govwire-trends.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceiling_has_whole_quarter_ticks() {
        for (max, want) in [
            (0, 4),
            (3, 4),
            (5, 8),
            (9, 20),
            (21, 40),
            (150, 200),
            (801, 2000),
        ] {
            assert_eq!(nice_ceiling(max), want, "{max}");
            assert_eq!(nice_ceiling(max) % 4, 0);
        }
    }

    #[test]
    fn params_are_bounded() {
        assert!(Params::parse(Some("page=0")).is_err());
        assert!(Params::parse(Some("per_page=101")).is_err());
        assert!(Params::parse(Some("from=gestern")).is_err());
        assert!(Params::parse(Some("by=day")).is_err());
        assert!(Params::parse(Some("sort=size")).is_err());
        let p = Params::parse(Some("q=OZG&from=2020&to=2021-06&by=week&sort=date")).expect("ok");
        assert_eq!(p.by, Period::Week);
        assert_eq!(p.to.map(|d| d.to_string()).as_deref(), Some("2021-06-30"));
        assert!(p.query(Sort::Relevance).is_ok());
        let bad = Params::parse(Some("q=a&from=2022&to=2020")).expect("parses");
        assert!(bad.query(Sort::Date).is_err());
    }
}
