//! View models: stored articles and sources turned into plain strings for the templates.
//!
//! This file owns every presentation decision that is not markup: German dates in
//! Europe/Berlin, paragraph splitting, chip links, and which URLs may become links (only http and
//! https, via [`crate::syndication::http_url`]). It must never produce HTML; escaping is the
//! templates' job.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;

use super::paths::{
    article_path, keyword_path, keyword_trend_path, region_path, source_path, tag_path,
};
use crate::model::{Article, Keyword, Source, SourceHealth};
use crate::store::Region;
use crate::syndication::{description, http_url};

/// A date for display and for `<time datetime=…>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateView {
    /// `11.12.2020` in Europe/Berlin.
    pub day: String,
    /// `11.12.2020, 10:00 Uhr` in Europe/Berlin.
    pub day_time: String,
    /// RFC 3339 in UTC.
    pub iso: String,
}

impl DateView {
    /// Formats `t` in Europe/Berlin.
    pub fn new(t: DateTime<Utc>) -> DateView {
        let local = t.with_timezone(&Berlin);
        DateView {
            day: local.format("%d.%m.%Y").to_string(),
            day_time: local.format("%d.%m.%Y, %H:%M Uhr").to_string(),
            iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// A labelled link (keyword, tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    /// Text shown.
    pub label: String,
    /// Site-relative link.
    pub href: String,
}

impl Chip {
    /// Chip for a watched keyword.
    pub fn keyword(name: &str) -> Chip {
        Chip {
            label: name.to_string(),
            href: keyword_path(name),
        }
    }

    /// Chip for a site tag.
    pub fn tag(tag: &str) -> Chip {
        Chip {
            label: tag.to_string(),
            href: tag_path(tag),
        }
    }
}

/// An article in a list.
#[derive(Debug, Clone)]
pub struct Card {
    /// Link to our article page.
    pub href: String,
    /// Kicker / Dachzeile.
    pub kicker: Option<String>,
    /// Headline.
    pub title: String,
    /// Source name.
    pub source_name: String,
    /// Link to the source page.
    pub source_href: String,
    /// Publication (or first-seen) date.
    pub date: DateView,
    /// Summary or start of the text.
    pub summary: Option<String>,
    /// Watched keywords.
    pub keywords: Vec<Chip>,
    /// The original article, only if its URL is http(s).
    pub original: Option<String>,
    /// The same story from other sources ("auch berichtet von"), linking to our pages.
    pub also: Vec<Chip>,
}

impl Card {
    /// The card for `article`, naming its source from `sources`.
    pub fn new(article: &Article, sources: &[Source]) -> Card {
        let source_name = source_name(&article.source_id, sources);
        let title = article.title.trim();
        Card {
            href: article_path(article),
            kicker: non_blank(article.kicker.as_deref()),
            title: if title.is_empty() {
                "(ohne Titel)".to_string()
            } else {
                title.to_string()
            },
            source_name,
            source_href: source_path(&article.source_id),
            date: DateView::new(article.sort_time()),
            summary: description(article),
            keywords: article.keywords.iter().map(|k| Chip::keyword(k)).collect(),
            original: http_url(&article.url),
            also: Vec::new(),
        }
    }

    /// The card with the other members of its story cluster listed as "also reported by" (one
    /// chip per other source, newest report first; the article's own source is not repeated).
    pub fn with_story(article: &Article, members: &[Article], sources: &[Source]) -> Card {
        let mut card = Card::new(article, sources);
        let mut seen = vec![article.source_id.as_str()];
        for m in members {
            if m.id == article.id || seen.contains(&m.source_id.as_str()) {
                continue;
            }
            seen.push(&m.source_id);
            card.also.push(Chip {
                label: source_name(&m.source_id, sources),
                href: article_path(m),
            });
        }
        card
    }
}

/// The display name of source `id` (the id itself for a source no longer configured).
pub fn source_name(id: &str, sources: &[Source]) -> String {
    sources
        .iter()
        .find(|s| s.id == id)
        .map_or_else(|| id.to_string(), |s| s.name.clone())
}

/// Everything the article page shows.
#[derive(Debug, Clone)]
pub struct ArticleView {
    /// The card fields (title, kicker, source, date, keywords, original link).
    pub card: Card,
    /// Author, if named.
    pub author: Option<String>,
    /// The site's own tags.
    pub tags: Vec<Chip>,
    /// The Länder mentioned, linking to their "mentions" listing.
    pub lands: Vec<Chip>,
    /// The source's level and Land, linking to their listings.
    pub region: Vec<Chip>,
    /// Body paragraphs (plain text).
    pub paragraphs: Vec<String>,
    /// The original URL as text when it is not a usable link (shown, never linked).
    pub unlinkable_url: Option<String>,
}

impl ArticleView {
    /// The view of `article`; `members` are the other reports of its story (may be empty).
    pub fn new(article: &Article, members: &[Article], sources: &[Source]) -> ArticleView {
        let card = Card::with_story(article, members, sources);
        let unlinkable_url = card.original.is_none().then(|| article.url.clone());
        ArticleView {
            card,
            author: non_blank(article.author.as_deref()),
            tags: article.tags.iter().map(|t| Chip::tag(t)).collect(),
            lands: article
                .lands_mentioned
                .iter()
                .map(|l| Chip {
                    label: l.name().to_string(),
                    href: region_path(Region::Mentions(*l)),
                })
                .collect(),
            region: region_chips(article),
            paragraphs: paragraphs(&article.text),
            unlinkable_url,
        }
    }
}

/// Chips for the article's level and its source's Land.
fn region_chips(article: &Article) -> Vec<Chip> {
    let mut chips = vec![Chip {
        label: article.level.label().to_string(),
        href: region_path(Region::Level(article.level)),
    }];
    if let Some(land) = article.land {
        chips.push(Chip {
            label: land.name().to_string(),
            href: region_path(Region::From(land)),
        });
    }
    chips
}

/// A watched keyword on the watchlist page.
#[derive(Debug, Clone)]
pub struct KeywordRow {
    /// Chip for the keyword page.
    pub chip: Chip,
    /// Aliases, comma-separated (may be empty).
    pub aliases: String,
    /// Stored articles carrying the keyword.
    pub count: u64,
    /// Its trend chart (`/trends?q=keyword:…`).
    pub trend_href: String,
}

impl KeywordRow {
    /// The row of `keyword` with `count` stored articles.
    pub fn new(keyword: &Keyword, count: u64) -> KeywordRow {
        KeywordRow {
            chip: Chip::keyword(&keyword.name),
            aliases: keyword.aliases.join(", "),
            count,
            trend_href: keyword_trend_path(&keyword.name),
        }
    }
}

/// A source with its health.
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// Display name.
    pub name: String,
    /// Link to the source page.
    pub href: String,
    /// German level label.
    pub level: String,
    /// German Land name.
    pub land: Option<String>,
    /// The configured URL as text.
    pub url: String,
    /// The configured URL as a link, only if http(s).
    pub url_href: Option<String>,
    /// Crawl health, if the source was ever crawled.
    pub health: Option<HealthView>,
}

impl SourceRow {
    /// The row of `source` with its stored `health`.
    pub fn new(source: &Source, health: Option<&SourceHealth>) -> SourceRow {
        SourceRow {
            name: source.name.clone(),
            href: source_path(&source.id),
            level: source.level.label().to_string(),
            land: source.land.map(|l| l.name().to_string()),
            url: source.url.clone(),
            url_href: http_url(&source.url),
            health: health.map(HealthView::new),
        }
    }
}

/// A source's crawl state for display.
#[derive(Debug, Clone)]
pub struct HealthView {
    /// Last successful crawl.
    pub last_success: Option<String>,
    /// Last failed crawl.
    pub last_error_at: Option<String>,
    /// Its error text.
    pub last_error: Option<String>,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// Listing yields nothing although it did before.
    pub broken: bool,
}

impl HealthView {
    /// The view of `h`.
    pub fn new(h: &SourceHealth) -> HealthView {
        HealthView {
            last_success: h.last_success.map(|t| DateView::new(t).day_time),
            last_error_at: h.last_error_at.map(|t| DateView::new(t).day_time),
            last_error: non_blank(h.last_error.as_deref()),
            consecutive_failures: h.consecutive_failures,
            broken: h.broken,
        }
    }
}

/// Splits `text` into paragraphs at blank lines; lines inside a paragraph keep their breaks.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn non_blank(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_are_shown_in_berlin_time() {
        let winter = Utc
            .with_ymd_and_hms(2020, 12, 10, 23, 30, 0)
            .single()
            .expect("date");
        let d = DateView::new(winter);
        assert_eq!(
            d.day, "11.12.2020",
            "23:30 UTC is already the next day in Berlin"
        );
        assert_eq!(d.day_time, "11.12.2020, 00:30 Uhr");
        assert_eq!(d.iso, "2020-12-10T23:30:00Z");
        let summer = Utc
            .with_ymd_and_hms(2021, 7, 1, 10, 0, 0)
            .single()
            .expect("date");
        assert_eq!(DateView::new(summer).day_time, "01.07.2021, 12:00 Uhr");
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        let cases: [(&str, &[&str]); 4] = [
            ("Eins.\n\nZwei.", &["Eins.", "Zwei."]),
            ("  \n\nA\nB\n \t\n\n\nC  \r\n", &["A\nB", "C"]),
            ("", &[]),
            ("<p>nur Text</p>", &["<p>nur Text</p>"]),
        ];
        for (text, want) in cases {
            assert_eq!(paragraphs(text), want, "{text:?}");
        }
    }

    #[test]
    fn chip_links_are_encoded_and_tags_normalised() {
        assert_eq!(Chip::keyword("E-Akte Bund").href, "/keyword/E-Akte%20Bund");
        assert_eq!(
            Chip::tag("  Digitale   Verwaltung ").href,
            "/tag/digitale-verwaltung"
        );
    }
}
