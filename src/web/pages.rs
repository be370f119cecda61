//! HTML handlers: listings, the article page, the keyword and source overviews, health check.
//!
//! This file owns turning a request into a rendered page. Store reads run through
//! [`super::state::read`] (on the blocking pool). It must never write to the store and never render
//! stored text outside an escaping template.

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Html;

use super::error::WebError;
use super::params::Paging;
use super::paths::region_path;
use super::scope::Scope;
use super::state::{AppState, read};
use super::story;
use super::templates::{ArticlePage, KeywordsPage, Layout, ListingPage, RegionsPage, SourcesPage};
use super::view::{ArticleView, Card, KeywordRow, SourceRow};
use super::view::{Chip, DateView};
use crate::model::{ArticleId, SourceHealth};
use crate::store::Region;

/// The path parameter, or a German 400 if it is not valid percent-encoded UTF-8.
pub fn path_param(path: Result<Path<String>, PathRejection>) -> Result<String, WebError> {
    path.map(|Path(value)| value).map_err(|_| bad_path())
}

/// The 400 for a path segment that does not decode to UTF-8.
pub fn bad_path() -> WebError {
    WebError::BadRequest("Die Adresse enthält ungültige Zeichen (kein gültiges UTF-8).".to_string())
}

/// `/`: newest articles.
pub async fn index(
    State(state): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, WebError> {
    listing(state, Scope::Latest, q).await
}

/// `/keyword/{name}`: articles with a watched keyword.
pub async fn keyword(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, WebError> {
    let scope = Scope::keyword(&state, &path_param(path)?)?;
    listing(state, scope, q).await
}

/// `/tag/{tag}`: articles with a site tag (an unknown tag is an empty list, not a 404).
pub async fn tag(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, WebError> {
    let scope = Scope::tag(&path_param(path)?)?;
    listing(state, scope, q).await
}

/// `/land/{code}`: articles from sources located in a Land.
pub async fn land(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, WebError> {
    let scope = Scope::land(&path_param(path)?)?;
    listing(state, scope, q).await
}

/// `/mentions/{code}`: articles whose text mentions a Land.
pub async fn mentions(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, WebError> {
    let scope = Scope::mentions(&path_param(path)?)?;
    listing(state, scope, q).await
}

/// `/level/{level}`: articles from sources of one administrative level.
pub async fn level(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, WebError> {
    let scope = Scope::level(&path_param(path)?)?;
    listing(state, scope, q).await
}

/// `/regions`: links to every level and Land, by source location and by mention.
pub async fn regions(State(state): State<Arc<AppState>>) -> Result<Html<String>, WebError> {
    let template = RegionsPage {
        layout: Layout::new(&state.site_title, "Regionen und Ebenen", Some("")),
        levels: crate::model::Level::ALL
            .iter()
            .map(|l| Chip {
                label: l.label().to_string(),
                href: region_path(Region::Level(*l)),
            })
            .collect(),
        lands: crate::model::Land::ALL
            .iter()
            .map(|l| {
                (
                    l.name().to_string(),
                    region_path(Region::From(*l)),
                    region_path(Region::Mentions(*l)),
                )
            })
            .collect(),
    };
    Ok(Html(template.render()?))
}

/// `/source/{id}`: one source's articles, with its health above the list.
pub async fn source(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, WebError> {
    let scope = Scope::source(&state, &path_param(path)?)?;
    listing(state, scope, q).await
}

async fn listing(
    state: Arc<AppState>,
    scope: Scope,
    query: Option<String>,
) -> Result<Html<String>, WebError> {
    let paging = Paging::from_query(query.as_deref())?;
    let fetch_scope = scope.clone();
    let (page, stories, health) = read(&state, move |store| {
        let mut page = fetch_scope.fetch(store, paging.offset(), paging.per_page)?;
        let stories = story::collapse(store, std::mem::take(&mut page.items))?;
        let health = match &fetch_scope {
            Scope::Source(s) => store.health(&s.id)?,
            _ => None,
        };
        Ok((page, stories, health))
    })
    .await?;
    let heading = scope.heading();
    let path = scope.path();
    let mut cards: Vec<Card> = stories
        .iter()
        .map(|(newest, members)| {
            let mut card = Card::with_story(story::lead(newest, members), members, &state.sources);
            card.listed_day = DateView::of(newest).local_date;
            card
        })
        .collect();
    super::view::mark_days(&mut cards, crate::digest::berlin_date(chrono::Utc::now()));
    let template = ListingPage {
        layout: Layout::new(&state.site_title, &heading, Some(&scope.feed_base())),
        source: match &scope {
            Scope::Source(s) => Some(SourceRow::new(s, health.as_ref())),
            _ => None,
        },
        cards,
        newer: (paging.page > 1).then(|| paging.href(&path, paging.page - 1)),
        older: page.has_more.then(|| paging.href(&path, paging.page + 1)),
        page: paging.page,
        heading,
    };
    Ok(Html(template.render()?))
}

/// `/article/{id}`: one article; 404 for malformed or unknown ids.
pub async fn article(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, WebError> {
    let raw = path_param(path)?;
    let not_found = || WebError::NotFound("Diesen Artikel gibt es hier nicht.".to_string());
    let id = parse_id(&raw).ok_or_else(not_found)?;
    let (article, members) = read(&state, move |store| {
        let Some(article) = store.get(id)? else {
            return Ok((None, Vec::new()));
        };
        let members = match article.cluster {
            Some(c) => store.cluster_members(c, story::MAX_MEMBERS)?,
            None => Vec::new(),
        };
        Ok((Some(article), members))
    })
    .await?;
    let article = article.ok_or_else(not_found)?;
    let view = ArticleView::new(&article, &members, &state.sources);
    let template = ArticlePage {
        layout: Layout::new(&state.site_title, &view.card.title, Some("")),
        article: view,
    };
    Ok(Html(template.render()?))
}

/// Exactly 16 hex digits (no sign, unlike `from_str_radix` alone).
fn parse_id(raw: &str) -> Option<ArticleId> {
    raw.bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then(|| ArticleId::parse(raw))
        .flatten()
}

/// `/keywords`: the watchlist, with the number of stored articles per keyword.
pub async fn keywords(State(state): State<Arc<AppState>>) -> Result<Html<String>, WebError> {
    let names: Vec<String> = state.keywords.iter().map(|k| k.name.clone()).collect();
    let counts: Vec<u64> = read(&state, move |store| {
        names.iter().map(|n| store.keyword_count(n)).collect()
    })
    .await?;
    let template = KeywordsPage {
        layout: Layout::new(&state.site_title, "Beobachtete Stichwörter", Some("")),
        keywords: state
            .keywords
            .iter()
            .zip(counts)
            .map(|(k, n)| KeywordRow::new(k, n))
            .collect(),
    };
    Ok(Html(template.render()?))
}

/// `/sources`: every configured source with its crawl health.
pub async fn sources(State(state): State<Arc<AppState>>) -> Result<Html<String>, WebError> {
    let ids: Vec<String> = state.sources.iter().map(|s| s.id.clone()).collect();
    let (health, mail) = read(&state, move |store| {
        let health: Vec<Option<SourceHealth>> = ids
            .iter()
            .map(|id| store.health(id))
            .collect::<Result<_, _>>()?;
        let mail = crate::digest::mail::mail_status(store, chrono::Utc::now())?;
        Ok((health, mail))
    })
    .await?;
    let rows = state
        .sources
        .iter()
        .zip(&health)
        .map(|(s, h)| SourceRow::new(s, h.as_ref()))
        .collect();
    let template = SourcesPage {
        layout: Layout::new(&state.site_title, "Quellen", Some("")),
        sources: rows,
        mail_sent: mail.last_sent.map(|(day, at)| {
            format!(
                "Übersicht vom {} am {}",
                day.format("%d.%m.%Y"),
                DateView::new(at).day_time
            )
        }),
        mail_error: mail.last_error.map(|f| {
            format!(
                "{} (Übersicht vom {}, {} Versuch(e), zuletzt {})",
                f.error,
                f.date.format("%d.%m.%Y"),
                f.attempts,
                DateView::new(f.at).day_time
            )
        }),
    };
    Ok(Html(template.render()?))
}

/// `/healthz`: `ok` if the store answers and the search index (when configured) opens a
/// searcher; otherwise a 500 naming what failed.
pub async fn healthz(State(state): State<Arc<AppState>>) -> Result<&'static str, WebError> {
    read(&state, |store| store.count()).await?;
    if let Some(index) = state.search.clone() {
        tokio::task::spawn_blocking(move || index.num_docs()).await?;
    }
    Ok("ok")
}

/// Fallback for every unknown path.
pub async fn not_found() -> WebError {
    WebError::NotFound("Diese Seite gibt es nicht.".to_string())
}
