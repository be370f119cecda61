//! Writing RSS 2.0 and Atom 1.0 feeds of stored articles.
//!
//! This module owns the feed formats: stable GUIDs (`urn:govwire:article:{id}`, derived from
//! the canonical URL, so a re-crawl never changes them), valid dates (RFC 2822 for RSS, RFC 3339
//! for Atom), escaping of everything that came from a crawled server, and what an item carries:
//! the summary as description, the full text as sanitised HTML (`content`, with ammonia) and the
//! publishing source ([`Publisher`]). Feeds are written by hand
//! into one pre-sized `String`; output depends only on the arguments, so rendering the same
//! articles twice gives byte-identical feeds. It must never read the store, the clock or the
//! network, and it must never emit a link whose scheme is not http or https.

mod atom;
mod content;
mod escape;
mod rss;

#[cfg(test)]
mod tests;

use chrono::{DateTime, FixedOffset, Utc};

use crate::model::{Article, DatePrecision, Teaser};
use crate::text::{Boundary, Tail, cut_at_word};

pub use crate::text::{html_escape, http_url};
pub use atom::{atom, feed_id};
pub use content::{CONTENT_CHARS, article_html, sanitise, text_to_html};
pub use escape::{escape_attr, escape_text, is_xml_char};
pub use rss::rss;

/// What a feed says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedMeta {
    /// Feed title.
    pub title: String,
    /// Absolute URL of the feed itself (`rel="self"`).
    pub self_url: String,
    /// Absolute URL of the matching HTML page.
    pub html_url: String,
    /// One-sentence description of what the feed contains.
    pub description: String,
    /// When the feed's content last changed.
    pub updated: DateTime<Utc>,
}

/// The body that published an article (its configured source), as every feed item names it:
/// RSS `<source url>` and `dc:creator`, Atom `<source>` and `<author>` (when no person is named).
/// Readers of a keyword or search feed see items of many sources; this says whose each one is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    /// The configured source id (`bmi`), for the Atom source id `urn:govwire:source:{id}`.
    pub id: String,
    /// The source's name (`Bundesministerium des Innern`).
    pub name: String,
    /// The source's own URL (its feed or list page); written only when it is http(s).
    pub url: String,
}

/// Name written as generator and as the feed-level Atom author.
pub const GENERATOR: &str = "govwire";

/// Longest description taken from an article's text, in characters (before the ellipsis).
pub const DESCRIPTION_CHARS: usize = 500;

/// Title used when a stored article has an empty title.
const UNTITLED: &str = "(ohne Titel)";

/// The item's publication date as feeds write it: the exact instant (in UTC) when a time was
/// published; for a date published without a time, the start of that day in the publisher's
/// offset (Europe/Berlin unless the page wrote another), so a reader's calendar day is the
/// publisher's and no time of day is invented beyond the day's start that RSS and Atom require.
pub fn feed_published(article: &Article) -> DateTime<FixedOffset> {
    match article.published_at_publisher() {
        (start, DatePrecision::Day) => start,
        (_, DatePrecision::Time) => article.sort_time().fixed_offset(),
    }
}

/// The stable, non-URL identifier of an article in every feed.
pub fn guid(article: &Article) -> String {
    format!("urn:govwire:article:{}", article.id)
}

/// The article's title, or a placeholder when it is blank.
fn title(article: &Article) -> &str {
    let t = article.title.trim();
    if t.is_empty() { UNTITLED } else { t }
}

/// Where an item links: the original if it is http(s), else our own page if that is http(s).
fn item_link(article: &Article, own_page: &str) -> Option<String> {
    http_url(&article.url).or_else(|| http_url(own_page))
}

/// The summary whole, or the start of the text cut at a word boundary; `None` if both are blank.
pub fn description(article: &Article) -> Option<String> {
    let teaser = match article.teaser()? {
        Teaser::Summary(summary) => summary.to_string(),
        Teaser::Text(text) => {
            cut_at_word(text, DESCRIPTION_CHARS, Boundary::LastSpace, Tail::Spaces)
        }
    };
    // The subtitle leads the description, as it leads the article page.
    Some(match article.subtitle.as_deref().map(str::trim) {
        Some(sub) if !sub.is_empty() && !teaser.starts_with(sub) => format!("{sub} – {teaser}"),
        _ => teaser,
    })
}

/// The person named as the article's author, if any (trimmed, never blank).
fn person(article: &Article) -> Option<&str> {
    article
        .author
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
}

/// Keywords, then site tags, without duplicates or blanks, in a stable order.
fn categories(article: &Article) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::with_capacity(article.keywords.len() + article.tags.len());
    for c in article.keywords.iter().chain(&article.tags) {
        let c = c.trim();
        if !c.is_empty() && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// A rough size for the output buffer, so a feed is written without re-allocating.
fn size_hint(articles: &[Article]) -> usize {
    1024 + articles
        .iter()
        .map(|a| {
            800 + a.title.len()
                + a.url.len()
                + a.summary.as_ref().map_or(0, String::len)
                + (a.text.len() + a.text.len() / 4).min(CONTENT_CHARS * 2)
        })
        .sum::<usize>()
}

/// Appends `<name>escaped text</name>` and a newline (for every XML feed we write).
pub fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_text(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}
