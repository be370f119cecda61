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
use crate::model::{Article, DatePrecision, Keyword, Source, SourceHealth};
use crate::store::Region;
use crate::syndication::http_url;
use crate::text::{Boundary, Tail, cut_at_word};

/// A date for display and for `<time datetime=…>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateView {
    /// `11.12.2020` in Europe/Berlin.
    pub day: String,
    /// `11.12.2020, 10:00 Uhr` in Europe/Berlin.
    pub day_time: String,
    /// RFC 3339 in UTC.
    pub iso: String,
    /// The calendar day in Europe/Berlin (for day separators).
    pub local_date: chrono::NaiveDate,
}

impl DateView {
    /// The article's publication date (else first seen) as its publisher wrote it: the calendar
    /// day in the publisher's offset, and a time of day only when one was published (a day-only
    /// date shows `11.12.2020` and `datetime="2020-12-11"`).
    pub fn of(article: &Article) -> DateView {
        let (local, precision) = article.published_at_publisher();
        let day = local.format("%d.%m.%Y").to_string();
        match precision {
            DatePrecision::Day => DateView {
                day_time: day.clone(),
                day,
                iso: local.format("%Y-%m-%d").to_string(),
                local_date: local.date_naive(),
            },
            DatePrecision::Time => DateView {
                day_time: local.format("%d.%m.%Y, %H:%M Uhr").to_string(),
                day,
                iso: local
                    .with_timezone(&Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                local_date: local.date_naive(),
            },
        }
    }

    /// Formats `t` in Europe/Berlin.
    pub fn new(t: DateTime<Utc>) -> DateView {
        let local = t.with_timezone(&Berlin);
        DateView {
            day: local.format("%d.%m.%Y").to_string(),
            day_time: local.format("%d.%m.%Y, %H:%M Uhr").to_string(),
            iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            local_date: local.date_naive(),
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
    /// The article's detected language when it is not German (for `lang` on its markup, so
    /// screen readers and hyphenation use the right language); a plain ISO 639 code only.
    pub lang: Option<String>,
    /// The Berlin day the card is listed under: its own date, or for a story led by an older
    /// original, the date of the newest report (which decides its place in the list).
    pub listed_day: chrono::NaiveDate,
    /// Set on the first card of each Berlin day in a date-ordered list: "Heute", "Gestern" or
    /// the German date (see [`mark_days`]).
    pub day_heading: Option<String>,
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
            date: DateView::of(article),
            summary: card_lead(article),
            keywords: article.keywords.iter().map(|k| Chip::keyword(k)).collect(),
            original: http_url(&article.url),
            also: Vec::new(),
            lang: crate::text::foreign_lang(article.lang.as_deref()),
            day_heading: None,
            listed_day: DateView::of(article).local_date,
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

/// Marks the first card of each day in `cards` (newest first) with a heading: "Heute" and
/// "Gestern" relative to `today` (in Europe/Berlin), else the German date ("Montag, 5. Oktober
/// 2026"), so a long list can be scanned by day.
pub fn mark_days(cards: &mut [Card], today: chrono::NaiveDate) {
    let mut previous = None;
    for card in cards {
        let day = card.listed_day;
        if previous == Some(day) {
            continue;
        }
        previous = Some(day);
        card.day_heading = Some(if day == today {
            "Heute".to_string()
        } else if today.pred_opt() == Some(day) {
            "Gestern".to_string()
        } else {
            crate::digest::german_date(day)
        });
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
    /// The author's role or office, if the byline names one.
    pub author_role: Option<String>,
    /// Subtitle (Unterzeile), if any.
    pub subtitle: Option<String>,
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
            author_role: non_blank(article.author_role.as_deref()),
            subtitle: non_blank(article.subtitle.as_deref()),
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
    /// Its error, in German words for the reader.
    pub last_error: Option<String>,
    /// The crawler's own (English, technical) error text, shown as detail.
    pub last_error_detail: Option<String>,
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
            last_error: non_blank(h.last_error.as_deref()).map(|e| german_error(&e)),
            last_error_detail: non_blank(h.last_error.as_deref()),
            consecutive_failures: h.consecutive_failures,
            broken: h.broken,
        }
    }
}

/// A German message for a stored crawl error. The crawler stores its errors' English `Display`
/// text (`FetchError`, `CrawlError`); the web view is German, so the kinds are recognised by
/// their fixed wording and named in German. Unknown texts get a generic message (the original
/// is shown beside it as detail).
pub fn german_error(text: &str) -> String {
    let t = text.trim();
    let number_after = |marker: &str| {
        t.find(marker).map(|i| {
            t[i + marker.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
    };
    if t.contains("list selectors matched no articles") {
        return "Die Liste wurde geladen, aber die Selektoren fanden keine Artikel (Seite umgestaltet? Die [source.list]-Selektoren prüfen).".into();
    }
    if let Some(status) = number_after("HTTP ").filter(|s| !s.is_empty())
        && t.starts_with("HTTP ")
    {
        return format!("Der Server antwortete mit dem HTTP-Status {status}.");
    }
    if t.starts_with("robots.txt disallows") {
        return "Die robots.txt der Seite verbietet den Abruf.".into();
    }
    if t.starts_with("robots.txt of") {
        return "Die robots.txt der Seite war nicht erreichbar; die Seite wird einige Minuten lang nicht abgerufen.".into();
    }
    if t.starts_with("invalid URL") {
        return "Die Adresse ist ungültig.".into();
    }
    if t.starts_with("body of") && t.contains("exceeds the limit") {
        return "Die Antwort war größer als erlaubt.".into();
    }
    if let Some(secs) = number_after("asks to retry after ").filter(|s| !s.is_empty()) {
        return format!("Der Server bat, es in {secs} Sekunden erneut zu versuchen.");
    }
    if t.starts_with("request to") {
        return "Der Server war nicht erreichbar (Verbindung fehlgeschlagen oder Zeitüberschreitung).".into();
    }
    if t.contains("store") || t.contains("sled") {
        return "Fehler beim Speichern.".into();
    }
    "Die Liste oder der Feed konnte nicht gelesen werden.".into()
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

/// Characters of lead text on a card: one line on a desktop, two on most phones, so a list of 20
/// stays scannable. The stylesheet clamps a card's text at three lines as a backstop only (its
/// ellipsis could follow a full stop; this cut never does).
pub const CARD_LEAD_CHARS: usize = 90;

/// A card's lead: the summary or the start of the text, on one line, cut at a word and ended
/// with a single `…` (never `.…`, never `……`).
pub fn card_lead(article: &Article) -> Option<String> {
    let teaser = match article.teaser()? {
        crate::model::Teaser::Summary(s) | crate::model::Teaser::Text(s) => s,
    };
    let flat = teaser.split_whitespace().collect::<Vec<_>>().join(" ");
    let already_cut = flat.ends_with('…') || flat.ends_with("...");
    let flat = flat.trim_end_matches(['…', '.']).trim_end();
    let cut = cut_at_word(
        flat,
        CARD_LEAD_CHARS,
        Boundary::LastSpace,
        Tail::SpacesAndPunctuation,
    );
    let lead = match cut.strip_suffix('…') {
        Some(head) => format!("{}…", head.trim_end_matches(['.', '!', '?', ' '])),
        None if already_cut => format!("{cut}…"),
        // Not cut: the sentence keeps its own full stop.
        None => teaser.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    (!lead.is_empty()).then_some(lead)
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
    fn crawl_errors_are_named_in_german() {
        let cases = [
            ("HTTP 503 for https://a.example/x", "HTTP-Status 503"),
            ("robots.txt disallows https://a.example/", "verbietet"),
            (
                "request to https://a.example/ failed: timeout",
                "nicht erreichbar",
            ),
            (
                "https://a.example/ asks to retry after 120 s",
                "120 Sekunden",
            ),
            (
                "https://a.example/: list selectors matched no articles (site redesigned? …)",
                "Selektoren",
            ),
            ("https://a.example/: not a feed", "nicht gelesen"),
        ];
        for (raw, want) in cases {
            let got = german_error(raw);
            assert!(got.contains(want), "{raw} -> {got}");
            assert!(!got.contains("for https"), "{got}");
        }
    }

    #[test]
    fn card_leads_are_short_and_end_in_one_ellipsis() {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 1, 9, 0, 0)
            .single()
            .expect("date");
        let mk = |summary: Option<&str>, text: &str| Article {
            published: Some(at),
            summary: summary.map(str::to_string),
            text: text.into(),
            ..sample()
        };
        let long = "Ende. ".repeat(60);
        let lead = card_lead(&mk(None, &long)).expect("lead");
        assert!(lead.chars().count() <= CARD_LEAD_CHARS + 1, "{lead}");
        assert!(
            lead.ends_with("Ende…"),
            "a cut after a full stop drops it: {lead}"
        );
        let cut = card_lead(&mk(Some("Ein vom Feed gekürzter Satz ..."), "")).expect("lead");
        assert_eq!(cut, "Ein vom Feed gekürzter Satz…");
        let whole = card_lead(&mk(None, "Kurz.\n\nZweiter Absatz.")).expect("lead");
        assert_eq!(whole, "Kurz. Zweiter Absatz.");
        assert_eq!(card_lead(&mk(None, "  ")), None);
    }

    #[test]
    fn days_are_marked_once_with_today_and_yesterday() {
        let day = |d: u32, h: u32| {
            let t = Utc
                .with_ymd_and_hms(2026, 10, d, h, 0, 0)
                .single()
                .expect("date");
            let mut c = Card::new(
                &crate::model::Article {
                    published: Some(t),
                    ..sample()
                },
                &[],
            );
            c.date = DateView::new(t);
            c
        };
        let mut cards = vec![day(5, 10), day(5, 8), day(4, 23), day(4, 9), day(2, 9)];
        let today = chrono::NaiveDate::from_ymd_opt(2026, 10, 5).expect("date");
        mark_days(&mut cards, today);
        let got: Vec<_> = cards.iter().map(|c| c.day_heading.clone()).collect();
        assert_eq!(got[0].as_deref(), Some("Heute"));
        assert_eq!(got[1], None);
        // 23:00 UTC on the 4th is already the 5th in Berlin.
        assert_eq!(got[2], None);
        assert_eq!(got[3].as_deref(), Some("Gestern"));
        assert!(
            got[4]
                .as_deref()
                .is_some_and(|d| d.contains("Oktober 2026")),
            "{got:?}"
        );
    }

    fn sample() -> Article {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 1, 9, 0, 0)
            .single()
            .expect("date");
        Article {
            id: crate::model::ArticleId(1),
            source_id: "s".into(),
            url: "https://a.example/".into(),
            title: "T".into(),
            kicker: None,
            published: Some(at),
            published_offset: None,
            published_precision: crate::model::DatePrecision::Time,
            subtitle: None,
            first_seen: at,
            updated: at,
            author: None,
            author_role: None,
            lang: None,
            summary: None,
            text: String::new(),
            tags: vec![],
            keywords: vec![],
            level: crate::model::Level::Bund,
            land: None,
            lands_mentioned: vec![],
            cluster: None,
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
