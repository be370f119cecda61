//! The daily digest on the web: `/digest` (today in Berlin), `/digest/{YYYY-MM-DD}` with links to
//! the previous and next day, and `/digest.rss` / `/digest.atom` with one item per day.
//!
//! This file owns these routes and the two small digest feeds. What a digest contains is
//! [`crate::digest`]'s job; this file only reads the day's articles (on the blocking pool, like
//! every handler) and renders. Feed items cover the 14 completed days before today, so an item
//! never changes once a reader has it; its GUID is `urn:govwire:digest:YYYY-MM-DD`. It must never
//! write to the store and never render stored text outside an escaping template or
//! [`crate::syndication::escape_text`].

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{Html, Response};
use axum::routing::get;
use chrono::{DateTime, Days, NaiveDate, SecondsFormat, Utc};

use super::error::WebError;
use super::feeds::{Format, feed_response};
use super::pages::path_param;
use super::params::origin;
use super::paths::digest_day_path;
use super::state::{AppState, read};
use super::templates::Layout;
use crate::digest::{Digest, berlin_date, build, day_window, german_date, render_html_fragment};
use crate::syndication::{element, escape_attr, escape_text, http_url};

/// Days in the digest feeds.
pub const FEED_DAYS: u64 = 14;

/// The digest routes; the main router merges them (they share [`AppState`]).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/digest", get(today))
        .route("/digest/{date}", get(day))
        .route("/digest.rss", get(rss))
        .route("/digest.atom", get(atom))
}

/// One day's digest page.
#[derive(Template)]
#[template(path = "digest_page.html")]
struct DigestPage {
    layout: Layout,
    digest: Digest,
    prev_href: String,
    prev_label: String,
    next_href: Option<String>,
    next_label: String,
}

/// `/digest`: today in Europe/Berlin, so far.
async fn today(State(state): State<Arc<AppState>>) -> Result<DigestHtml, WebError> {
    page(state, berlin_date(Utc::now())).await
}

/// `/digest/{YYYY-MM-DD}`: any day; a malformed date is a 400, a future day is simply empty.
async fn day(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<DigestHtml, WebError> {
    let raw = path_param(path)?;
    let date = parse_date(&raw).ok_or_else(|| {
        WebError::BadRequest(
            "Das Datum muss die Form JJJJ-MM-TT haben, zum Beispiel 2026-03-29.".to_string(),
        )
    })?;
    page(state, date).await
}

/// Strictly `YYYY-MM-DD` (ten characters, a real calendar day).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let b = raw.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()
}

/// A digest page (the site's strict default policy: its markup has no inline styles).
type DigestHtml = Html<String>;

async fn page(state: Arc<AppState>, date: NaiveDate) -> Result<DigestHtml, WebError> {
    let digest = digest_of(&state, date).await?;
    let today = berlin_date(Utc::now());
    let prev = date.pred_opt().unwrap_or(date);
    let next = date.succ_opt().filter(|n| *n <= today);
    let mut layout = Layout::new(
        &state.site_title,
        &format!("Tagesübersicht {}", date.format("%d.%m.%Y")),
        Some(""),
    );
    layout.feed_rss = Some("/digest.rss".to_string());
    layout.feed_atom = Some("/digest.atom".to_string());
    let template = DigestPage {
        layout,
        prev_href: digest_day_path(prev),
        prev_label: german_date(prev),
        next_href: next.map(digest_day_path),
        next_label: next.map(german_date).unwrap_or_default(),
        digest,
    };
    Ok(Html(template.render()?))
}

/// Reads the day's articles and builds its digest.
async fn digest_of(state: &Arc<AppState>, date: NaiveDate) -> Result<Digest, WebError> {
    let mut digests = digests(state, vec![date]).await?;
    digests
        .pop()
        .ok_or_else(|| WebError::NotFound("Diese Seite gibt es nicht.".to_string()))
}

/// The digests of `dates`, read and built on the blocking pool: matching the watchlist against
/// two weeks of article texts is CPU work that should not hold up the runtime.
async fn digests(state: &Arc<AppState>, dates: Vec<NaiveDate>) -> Result<Vec<Digest>, WebError> {
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return Ok(Vec::new());
    };
    let (from, to) = (day_window(*first).0, day_window(*last).1);
    let keywords = state.keywords.clone();
    let names = source_names(state);
    read(state, move |store| {
        let articles = store.between(from, to)?;
        Ok(dates
            .into_iter()
            .map(|date| build(date, &articles, &keywords, &names))
            .collect())
    })
    .await
}

fn source_names(state: &AppState) -> Vec<(String, String)> {
    state
        .sources
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect()
}

/// `/digest.rss`.
async fn rss(
    state: State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    feed(state, Format::Rss, &headers, &uri).await
}

/// `/digest.atom`.
async fn atom(
    state: State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, WebError> {
    feed(state, Format::Atom, &headers, &uri).await
}

/// One feed item: a completed day.
struct Item {
    date: NaiveDate,
    title: String,
    /// The end of the day (Berlin midnight after it): when the day's digest was complete.
    published: DateTime<Utc>,
    html: String,
}

async fn feed(
    State(state): State<Arc<AppState>>,
    format: Format,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Response, WebError> {
    let today = berlin_date(Utc::now());
    let days: Vec<NaiveDate> = (1..=FEED_DAYS)
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .collect();
    let mut items = Vec::with_capacity(days.len());
    for digest in digests(&state, days).await? {
        let count = match digest.stories {
            0 => "keine neuen Meldungen".to_string(),
            1 => "1 Meldung".to_string(),
            n => format!("{n} Meldungen"),
        };
        items.push(Item {
            date: digest.date,
            title: format!("Tagesübersicht für {} ({count})", digest.date_label),
            published: day_window(digest.date).1,
            html: render_html_fragment(&digest)?,
        });
    }
    let origin = origin(headers, uri);
    let body = match format {
        Format::Rss => write_rss(&state.site_title, &origin, &items),
        Format::Atom => write_atom(&state.site_title, &origin, &items),
    };
    // The newest item is yesterday's, complete at Berlin midnight: the feed's modification time
    // (its ETag comes from the conditional-request layer, since these feeds are not cached).
    let updated = items.first().map_or(DateTime::UNIX_EPOCH, |i| i.published);
    Ok(feed_response(format.content_type(), updated, body))
}

fn guid(date: NaiveDate) -> String {
    format!("urn:govwire:digest:{}", date.format("%Y-%m-%d"))
}

fn write_rss(site_title: &str, origin: &str, items: &[Item]) -> String {
    let mut out =
        String::with_capacity(4096 + items.iter().map(|i| i.html.len() + 512).sum::<usize>());
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    element(&mut out, "title", &format!("{site_title} – Tagesübersicht"));
    if let Some(link) = http_url(&format!("{origin}/digest")) {
        element(&mut out, "link", &link);
    }
    element(
        &mut out,
        "description",
        "Eine Übersicht pro Tag: die Meldungen nach Stichwort und Quelle",
    );
    element(&mut out, "language", "de");
    if let Some(url) = http_url(&format!("{origin}/digest.rss")) {
        out.push_str("<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"");
        escape_attr(&mut out, &url);
        out.push_str("\"/>\n");
    }
    if let Some(first) = items.first() {
        element(&mut out, "lastBuildDate", &first.published.to_rfc2822());
    }
    element(&mut out, "generator", "govwire");
    for item in items {
        out.push_str("<item>\n");
        element(&mut out, "title", &item.title);
        if let Some(link) = http_url(&format!("{origin}{}", digest_day_path(item.date))) {
            element(&mut out, "link", &link);
        }
        out.push_str("<guid isPermaLink=\"false\">");
        escape_text(&mut out, &guid(item.date));
        out.push_str("</guid>\n");
        element(&mut out, "pubDate", &item.published.to_rfc2822());
        element(&mut out, "description", &item.html);
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn write_atom(site_title: &str, origin: &str, items: &[Item]) -> String {
    let mut out =
        String::with_capacity(4096 + items.iter().map(|i| i.html.len() + 512).sum::<usize>());
    let rfc3339 = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">\n");
    element(&mut out, "id", "urn:govwire:digest");
    out.push_str("<title type=\"text\">");
    escape_text(&mut out, &format!("{site_title} – Tagesübersicht"));
    out.push_str("</title>\n");
    let updated = items.first().map_or(DateTime::UNIX_EPOCH, |i| i.published);
    element(&mut out, "updated", &rfc3339(updated));
    for (rel, kind, path) in [
        ("self", "application/atom+xml", "/digest.atom"),
        ("alternate", "text/html", "/digest"),
    ] {
        if let Some(url) = http_url(&format!("{origin}{path}")) {
            out.push_str(&format!("<link rel=\"{rel}\" type=\"{kind}\" href=\""));
            escape_attr(&mut out, &url);
            out.push_str("\"/>\n");
        }
    }
    out.push_str("<author><name>govwire</name></author>\n");
    element(&mut out, "generator", "govwire");
    for item in items {
        out.push_str("<entry>\n");
        element(&mut out, "id", &guid(item.date));
        out.push_str("<title type=\"text\">");
        escape_text(&mut out, &item.title);
        out.push_str("</title>\n");
        element(&mut out, "updated", &rfc3339(item.published));
        element(&mut out, "published", &rfc3339(item.published));
        if let Some(url) = http_url(&format!("{origin}{}", digest_day_path(item.date))) {
            out.push_str("<link rel=\"alternate\" type=\"text/html\" href=\"");
            escape_attr(&mut out, &url);
            out.push_str("\"/>\n");
        }
        out.push_str("<content type=\"html\">");
        escape_text(&mut out, &item.html);
        out.push_str("</content>\n</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_exactly_iso() {
        assert_eq!(
            parse_date("2026-03-29"),
            NaiveDate::from_ymd_opt(2026, 3, 29)
        );
        for bad in [
            "2026-3-29",
            "2026-02-30",
            "29.03.2026",
            "2026-03-29x",
            "+026-03-29",
            "",
            "2026-13-01",
            "２０２６-03-29",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }
}
