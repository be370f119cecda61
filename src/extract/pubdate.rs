//! The publication date of an article page, from the best evidence on it, ranked.
//!
//! Owns the ranking: structured data (JSON-LD `datePublished`, `article:published_time`, Dublin
//! Core, `itemprop="datePublished"`, parsely/sailthru metas), then a `<time>` or date line near
//! the headline, then plain `date` metas, then a date in the URL path, then the first date
//! anywhere else in the page. It must never take a modified, comment, related-teaser, sidebar or
//! copyright date for the publication date, and keeps the offset the page wrote, so that the
//! calendar day is the publisher's (`2020-12-11T00:30:00+01:00` is 11 December).

use chrono::{DateTime, Datelike, FixedOffset};
use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use super::dates;
use super::dom::{DomNode, attr, is_skipped_tag, line_text, tag};
use super::headline::Headline;
use super::meta::PageMeta;
use crate::model::DatePrecision;

/// How far (bytes of page text) after the headline a date line still belongs to it.
const AFTER_HEADLINE: usize = 1500;
/// How far before the headline (kicker, byline above it) a date line still belongs to it.
const BEFORE_HEADLINE: usize = 400;
/// A date in the page text before this year is a historical reference (a law of 1990, a
/// founding in 1949), not when a web page was published.
const OLDEST_WEB_YEAR: i32 = 1995;
/// A block of text longer than this (bytes) around a date is running text, not a date line
/// (`Von Jane Doe | 14.02.2022 | 3 Min. Lesezeit` is a line; a lead paragraph is not).
const PROSE_BLOCK: usize = 160;
/// At most this much page text is searched for dates.
const MAX_TEXT: usize = 512 * 1024;
/// Class or id fragments of blocks whose dates are never the page's publication date.
const FOREIGN_BLOCKS: &[&str] = &[
    "comment",
    "kommentar",
    "reply",
    "respond",
    "disqus",
    "sidebar",
    "related",
    "teaser",
    "widget",
    "recommend",
    "empfehl",
    "weitere",
    "popular",
    "newsticker",
    "latest",
    "footer",
];
/// Class or id fragments of comment blocks (their dates are never the article's).
const COMMENT_BLOCKS: &[&str] = &["comment", "kommentar", "reply", "respond", "disqus"];
/// Class or id fragments of blocks that list other articles: their dates are never this
/// article's, not even right by the headline (unlike a `teaser` or `sidebar` class, which is
/// there more often the article's own intro or meta block).
const OTHER_ARTICLES: &[&str] = &["related", "recommend", "empfehl", "weitere", "popular"];
/// Words right before a date that make it something else than the publication date.
const FOREIGN_LABELS: &[&str] = &[
    "aktualisiert",
    "geändert",
    "bearbeitet",
    "editiert",
    "update",
    "modified",
    "last edit",
    "zuletzt",
];
/// Words right before a date, in the same block, that make it the date of an event or a
/// deadline: what the text is about, not when it was published. Only in the date's own block,
/// since these are ordinary words (`Leistungen sollen bis 2026 digital sein` in a subtitle
/// says nothing about the date line under it).
const EVENT_LABELS: &[&str] = &[
    "termin",
    "veranstaltung",
    "event date",
    "frist:",
    "deadline",
    "bis zum",
    "bis ",
];
/// Copyright marks: they label a date only in the same block (a `© Name` credit line under a
/// picture says nothing about the date line after it).
const COPYRIGHT_LABELS: &[&str] = &["©", "copyright", "(c)"];
/// Put into the collected page text where a block element begins or ends.
const BLOCK_BREAK: char = '\u{2029}';

/// One date seen in the page text.
struct Seen {
    /// Byte position in the collected page text.
    pos: usize,
    date: DateTime<FixedOffset>,
    /// Whether the date text stated a time of day.
    precision: DatePrecision,
    /// In a comment, sidebar, teaser or footer block, or labelled as an edit or copyright.
    foreign: bool,
    /// Labelled as an edit, copyright, event or deadline, or in a comment or a list of other
    /// articles: wrong even right by the headline
    /// (a sidebar or teaser class there is more often the article's own intro block).
    never: bool,
    /// Inside a long block of running text (a sentence of the article), not on a date line of
    /// its own: such a date is more often what the text is about than when it was published.
    prose: bool,
    /// Inside an `<article>`, `<main>` or `role="main"` element.
    main: bool,
}

/// A publication date and whether its evidence stated a time of day.
pub(crate) type Dated = (DateTime<FixedOffset>, DatePrecision);

/// The publication date of `doc` (see the module doc for the ranking), and its precision.
pub(crate) fn find(doc: &Html, meta: &PageMeta, head: &Headline, page_url: &str) -> Option<Dated> {
    let structured: Vec<Dated> = meta
        .published
        .iter()
        .chain(meta.ld.date_published.iter())
        .filter_map(|s| dates::parse_date_precise(s))
        .chain(itemprop_published(doc))
        .chain(
            // An article's `dateCreated` stands in only when no publication stamp is there.
            meta.ld
                .date_created
                .iter()
                .filter(|_| meta.published.is_empty() && meta.ld.date_published.is_none())
                .filter_map(|s| dates::parse_date_precise(s)),
        )
        .collect();
    let in_url = dates::url_date(page_url).map(|d| (d, DatePrecision::Day));
    let head = head
        .node
        .or_else(|| title_heading(doc, head.title.as_deref()));
    let (seen, span) = collect(doc, head);
    let usable = || seen.iter().filter(|s| !s.foreign);
    // Near the headline: a date outside foreign blocks first, then one in a sidebar- or
    // teaser-classed block (often the article's own intro block there). Of those, the one
    // closest to the headline's text: leading it (a topline date), right after it, or right
    // before it (a date line above the headline); a date further away belongs to something
    // else more often than to the headline.
    let near_in = |pick: &dyn Fn(&&Seen) -> bool| {
        let (start, end) = span?;
        seen.iter()
            .filter(pick)
            .filter_map(|s| {
                let gap = if s.pos >= end {
                    (s.pos - end <= AFTER_HEADLINE).then(|| s.pos - end)
                } else if s.pos >= start {
                    // A topline date leads the headline; one in its words (`Ergebnisse vom
                    // 19.5.2007`) names what the article is about.
                    (s.pos - start <= 2).then_some(0)
                } else {
                    (start - s.pos <= BEFORE_HEADLINE).then(|| start - s.pos)
                }?;
                Some((gap, s))
            })
            .min_by_key(|(gap, _)| *gap)
            .map(|(_, s)| s)
    };
    // A date line (its own short block, or a `<time>`) before a date in a sentence: the line
    // is where a template states the publication date, a sentence names what it is about.
    let visible = near_in(&|s| !s.foreign && !s.prose).or_else(|| near_in(&|s| !s.foreign));
    if let Some(&first) = structured.first() {
        // Structured data and the date line a reader sees by the headline are independent
        // evidence. When they name neighbouring days, the visible line wins: the stamp is a
        // UTC or another zone's time, or a release time set the evening before, while the line
        // is the day the publisher shows. A structured stamp on the visible day still gives the
        // time, in the visible offset. Further apart, the line by the headline is more often
        // something else (an event, an update, a teaser) than the metadata is wrong.
        let by_line = visible.filter(|v| {
            (first.0.date_naive() - v.date.date_naive())
                .num_days()
                .abs()
                == 1
        });
        if let Some(v) = by_line {
            return Some(
                structured
                    .iter()
                    .map(|(s, p)| (s.with_timezone(v.date.offset()), *p))
                    .find(|(s, _)| s.date_naive() == v.date.date_naive())
                    .unwrap_or((v.date, v.precision)),
            );
        }
        // A stamp written in UTC (or another zone) can fall on the day after or before the
        // publisher's: the day in the URL path is the publisher's own. (The date line a reader
        // sees outranks the path: a path is the day a draft was made.)
        return Some(match in_url {
            Some(u) if (u.0.date_naive() - first.0.date_naive()).num_days().abs() == 1 => u,
            _ => first,
        });
    }
    let near = near_in(&|s| !s.foreign && !s.prose)
        .or_else(|| near_in(&|s| !s.never && !s.prose))
        .or(visible)
        .or_else(|| near_in(&|s| !s.never));
    near.map(|s| (s.date, s.precision))
        .or_else(|| meta.dated.iter().find_map(|s| dates::parse_date_precise(s)))
        .or(in_url)
        .or_else(|| {
            // The last resort: a date in the article/main element when there is one, and of
            // those the one closest to the headline (when there is one), else the first. The
            // first date of the page is more often a header's today-clock or a navigation
            // teaser than the article's.
            let in_main = usable().any(|s| s.main);
            let pool = || usable().filter(move |s| s.main || !in_main);
            match span {
                Some((start, _)) => pool().min_by_key(|s| s.pos.abs_diff(start)),
                None => pool().next(),
            }
            .map(|s| (s.date, s.precision))
        })
}

/// Fewest characters of a heading that stands in for a missing `<h1>`: shorter ones
/// (`News`, `Aktuelles`) name a section, not the article.
const MIN_TITLE_HEADING: usize = 12;

/// On a page without an `<h1>`, the `<h2>`–`<h4>` whose text is the page's title (the first
/// equal one, else the first that contains the title or that the title contains): templates
/// that set the article's headline a level lower (blog posts in `<h3 class="post-title">`,
/// magazines in `<h2>`) still have a date line by it. A heading in or around a link is a
/// teaser of another page, never taken (the parsed page keeps no plain `href`s, see
/// `prepass::Reads`, so a permalink to this page cannot be told from it: precision first).
/// Only an anchor for dates; the headline itself is `headline.rs`'s.
fn title_heading(doc: &Html, title: Option<&str>) -> Option<NodeId> {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let title = norm(title?);
    if title.chars().count() < MIN_TITLE_HEADING {
        return None;
    }
    let headings: Vec<(DomNode<'_>, String)> = doc
        .tree
        .root()
        .descendants()
        .filter(|n| matches!(tag(*n), Some("h2" | "h3" | "h4")))
        .filter(|n| {
            !n.descendants()
                .chain(n.ancestors())
                .any(|a| tag(a) == Some("a"))
        })
        .map(|n| (n, norm(&line_text(n))))
        .filter(|(_, h)| h.chars().count() >= MIN_TITLE_HEADING)
        .collect();
    headings
        .iter()
        .find(|(_, h)| *h == title)
        .or_else(|| {
            headings
                .iter()
                .find(|(_, h)| title.contains(h.as_str()) || h.contains(title.as_str()))
        })
        .map(|(n, _)| n.id())
}

/// A non-`<meta>` element marked `itemprop="datePublished"`: its `datetime`, `content` or text.
fn itemprop_published(doc: &Html) -> Option<Dated> {
    doc.tree
        .root()
        .descendants()
        .filter(|n| attr(*n, "itemprop").is_some_and(|p| p.eq_ignore_ascii_case("datepublished")))
        .find_map(|n| {
            attr(n, "datetime")
                .or_else(|| attr(n, "content"))
                .and_then(dates::parse_date_precise)
                .or_else(|| dates::parse_date_precise(&line_text(n)))
        })
}

/// The date a source's configured date selector matched: its `datetime` or `content`
/// attribute, else its text (the whole text as a date, else the first date in it), keeping the
/// offset and precision the page wrote.
pub(crate) fn element_date(n: DomNode<'_>) -> Option<Dated> {
    attr(n, "datetime")
        .or_else(|| attr(n, "content"))
        .and_then(dates::parse_date_precise)
        .or_else(|| {
            let text = line_text(n);
            dates::parse_date_precise(&text)
                .or_else(|| dates::find_date_span_precise(&text).map(|(d, _, p)| (d, p)))
        })
}

/// Whether an element's class or id names a block of foreign dates (comments, sidebars …).
fn is_foreign_block(n: DomNode<'_>) -> bool {
    if matches!(tag(n), Some("aside" | "nav")) {
        return true;
    }
    if tag(n) == Some("footer") && !n.ancestors().any(|a| tag(a) == Some("article")) {
        return true;
    }
    class_has(n, FOREIGN_BLOCKS)
}

/// Whether a part of `n`'s class or id (split at spaces, `-` and `_`) starts with one of
/// `words`: `comment-list`, `teasernews` and `sidebar` do, `layoutTwoColumnsRightSidebar` (a
/// page wrapper) does not.
fn class_has(n: DomNode<'_>, words: &[&str]) -> bool {
    [attr(n, "class"), attr(n, "id")]
        .into_iter()
        .flatten()
        .flat_map(|v| v.split(|c: char| c.is_ascii_whitespace() || c == '-' || c == '_'))
        .any(|part| {
            words.iter().any(|k| {
                part.get(..k.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(k))
            })
        })
}

/// Whether the text right before a date labels it as an edit (also from the block before), a
/// copyright, an event or a deadline (in its own block).
fn has_foreign_label(before: &str) -> bool {
    let lower = before.to_lowercase();
    let block = lower.rsplit(BLOCK_BREAK).next().unwrap_or_default();
    FOREIGN_LABELS.iter().any(|l| lower.contains(l))
        || COPYRIGHT_LABELS.iter().any(|l| block.contains(l))
        || EVENT_LABELS.iter().any(|l| block.contains(l))
}

/// Every date in the page text in document order, and where the headline's text starts and ends.
fn collect(doc: &Html, head: Option<NodeId>) -> (Vec<Seen>, Option<(usize, usize)>) {
    let head_line: Vec<NodeId> = head
        .and_then(|id| doc.tree.get(id))
        .map(|h| h.ancestors().map(|a| a.id()).collect())
        .unwrap_or_default();
    let mut text = String::new();
    // (start in `text`, foreign, in a comment, in the main content) for every run of text.
    let mut runs: Vec<(usize, bool, bool, bool)> = Vec::new();
    let mut main: Option<NodeId> = None;
    let mut seen = Vec::new();
    let mut foreign: Option<NodeId> = None;
    let mut comment: Option<NodeId> = None;
    let mut skipping: Option<NodeId> = None;
    let (mut start, mut end) = (None, None);
    for edge in doc.tree.root().traverse() {
        if text.len() >= MAX_TEXT {
            break;
        }
        match edge {
            Edge::Open(n) => {
                if Some(n.id()) == head {
                    start = Some(text.len());
                }
                if skipping.is_some() {
                    continue;
                }
                match n.value() {
                    Node::Text(t) => {
                        runs.push((
                            text.len(),
                            foreign.is_some(),
                            comment.is_some(),
                            main.is_some(),
                        ));
                        text.push_str(t);
                        text.push(' ');
                    }
                    Node::Element(e) => {
                        if is_skipped_tag(e.name()) {
                            skipping = Some(n.id());
                            continue;
                        }
                        if foreign.is_none() && !head_line.contains(&n.id()) && is_foreign_block(n)
                        {
                            foreign = Some(n.id());
                        }
                        if main.is_none()
                            && (matches!(e.name(), "article" | "main")
                                || attr(n, "role") == Some("main"))
                        {
                            main = Some(n.id());
                        }
                        if comment.is_none()
                            && !head_line.contains(&n.id())
                            && (class_has(n, COMMENT_BLOCKS) || class_has(n, OTHER_ARTICLES))
                        {
                            comment = Some(n.id());
                        }
                        if e.name() == "time"
                            && let Some((d, precision)) =
                                attr(n, "datetime").and_then(dates::parse_date_precise)
                        {
                            let label = attr(n, "class").unwrap_or_default().to_string()
                                + attr(n, "itemprop").unwrap_or_default()
                                + tail(&text, 40);
                            let never = comment.is_some() || has_foreign_label(&label);
                            seen.push(Seen {
                                pos: text.len(),
                                date: d,
                                precision,
                                foreign: foreign.is_some() || never,
                                never,
                                main: main.is_some(),
                                prose: false,
                            });
                        }
                        if super::dom::is_block_tag(e.name()) || e.name() == "br" {
                            text.push(BLOCK_BREAK);
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(n) => {
                if Some(n.id()) == head {
                    end = Some(text.len());
                }
                if Some(n.id()) == skipping {
                    skipping = None;
                }
                if Some(n.id()) == foreign {
                    foreign = None;
                }
                if Some(n.id()) == comment {
                    comment = None;
                }
                if Some(n.id()) == main {
                    main = None;
                }
            }
        }
    }
    let mut off = 0;
    while off < text.len() {
        let rest = text.get(off..).unwrap_or_default();
        match dates::find_date_span_precise(rest) {
            Some((d, r, _)) if d.year() < OLDEST_WEB_YEAR => off += r.end.max(1),
            Some((d, r, precision)) => {
                let pos = off + r.start;
                let run = runs.partition_point(|(s, _, _, _)| *s <= pos);
                let (in_foreign, in_comment, in_main) = run
                    .checked_sub(1)
                    .and_then(|k| runs.get(k))
                    .map_or((false, false, false), |(_, f, c, m)| (*f, *c, *m));
                let before = tail(text.get(..pos).unwrap_or_default(), 40);
                let never = in_comment || has_foreign_label(before);
                seen.push(Seen {
                    pos,
                    date: d,
                    precision,
                    foreign: in_foreign || never,
                    never,
                    main: in_main,
                    prose: block_len(&text, pos, off + r.end) > PROSE_BLOCK,
                });
                off += r.end.max(1);
            }
            None if rest.len() > dates::MAX_SCAN => off += dates::MAX_SCAN - 64,
            None => break,
        }
        while off < text.len() && !text.is_char_boundary(off) {
            off += 1;
        }
    }
    seen.sort_by_key(|s| s.pos);
    (seen, start.zip(end))
}

/// The instant to store for a publication date: a day-only date becomes the start of that
/// day in Europe/Berlin (its offset recorded), so that no time of day is invented and the day
/// stays the publisher's; a date with a time is kept as written.
pub(crate) fn stored((d, precision): Dated) -> DateTime<FixedOffset> {
    match precision {
        DatePrecision::Time => d,
        DatePrecision::Day => dates::day_start(d.date_naive()).unwrap_or(d),
    }
}

/// Bytes of the block (text between two block breaks) around `start..end` of `text`, trimmed.
fn block_len(text: &str, start: usize, end: usize) -> usize {
    let from = text
        .get(..start)
        .and_then(|t| t.rfind(BLOCK_BREAK))
        .map_or(0, |k| k + BLOCK_BREAK.len_utf8());
    let to = text
        .get(end..)
        .and_then(|t| t.find(BLOCK_BREAK))
        .map_or(text.len(), |k| end + k);
    text.get(from..to).map_or(0, |b| b.trim().len())
}

/// The last `max` bytes of `s` (fewer, to stay on a char boundary).
fn tail(s: &str, max: usize) -> &str {
    let mut k = s.len().saturating_sub(max);
    while !s.is_char_boundary(k) {
        k += 1;
    }
    s.get(k..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::extract::extract_article;
    use crate::model::{ArticleSelectors, DatePrecision};

    /// The publication day (and offset) `extract_article` reads from `html` at `url`.
    fn day(html: &str, url: &str) -> Option<String> {
        let d = extract_article(html, url, &ArticleSelectors::default()).ok()?;
        d.published_local()
            .map(|d| d.format("%Y-%m-%d %:z").to_string())
    }

    const URL: &str = "https://example.org/aktuelles/meldung.html";

    fn page(head: &str, body: &str) -> String {
        format!(
            "<html lang=\"de\"><head><title>Meldung</title>{head}</head><body>\
             <nav><a href=\"/\">Start</a></nav>\
             <main><article>{body}</article></main>\
             <footer>Copyright © 19.12.2019 Beispiel GmbH</footer></body></html>"
        )
    }

    const TEXT: &str = "<p>Das Land fördert die Digitalisierung der Verwaltung mit einem neuen \
                        Programm für Kommunen und Kreise.</p>";

    #[test]
    fn publication_day_by_class_of_evidence() {
        let cases: &[(&str, String, &str, Option<&str>)] = &[
            (
                "JSON-LD in @graph, not the WebPage's dateModified",
                page(
                    r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
                      {"@type":"WebPage","dateModified":"2021-03-09T08:00:00+01:00"},
                      {"@type":"NewsArticle","datePublished":"2021-03-01T09:00:00+01:00",
                       "dateModified":"2021-03-09T08:00:00+01:00"}]}</script>"#,
                    &format!("<h1>Förderung</h1>{TEXT}"),
                ),
                URL,
                Some("2021-03-01 +01:00"),
            ),
            (
                "article:published_time, not article:modified_time",
                page(
                    r#"<meta property="article:modified_time" content="2022-05-02T10:00:00+02:00">
                       <meta property="article:published_time" content="2022-04-28T10:00:00+02:00">"#,
                    &format!("<h1>Förderung</h1>{TEXT}"),
                ),
                URL,
                Some("2022-04-28 +02:00"),
            ),
            (
                "Dublin Core",
                page(
                    r#"<meta name="DC.date.issued" content="2020-06-30">"#,
                    &format!("<h1>Förderung</h1>{TEXT}"),
                ),
                URL,
                Some("2020-06-30 +02:00"),
            ),
            (
                "itemprop=datePublished on a visible element",
                page(
                    "",
                    &format!(
                        "<h1>Förderung</h1><span itemprop=\"datePublished\" \
                         content=\"2019-11-05\">5. November</span>{TEXT}"
                    ),
                ),
                URL,
                Some("2019-11-05 +01:00"),
            ),
            (
                "<time> right after the headline",
                page(
                    "",
                    &format!(
                        "<h1>Förderung</h1><time datetime=\"2021-07-14T16:30:00+02:00\">\
                         14. Juli</time>{TEXT}"
                    ),
                ),
                URL,
                Some("2021-07-14 +02:00"),
            ),
            (
                "German date line after the headline",
                page(
                    "",
                    &format!("<h1>Förderung</h1><p class=\"date\">11. Dezember 2020</p>{TEXT}"),
                ),
                URL,
                Some("2020-12-11 +01:00"),
            ),
            (
                "bracketed numeric date line",
                page(
                    "",
                    &format!("<h1>Förderung</h1><p>[11.12.2020] Mainz</p>{TEXT}"),
                ),
                URL,
                Some("2020-12-11 +01:00"),
            ),
            (
                "English byline above the headline",
                page(
                    "",
                    &format!(
                        "<p class=\"byline\">By Jane Doe, Dec 11, 2020</p><h1>Förderung</h1>{TEXT}"
                    ),
                ),
                URL,
                Some("2020-12-11 +01:00"),
            ),
            (
                "URL path date when the page has none",
                page("", &format!("<h1>Förderung</h1>{TEXT}")),
                "https://example.org/2014/05/18/foerderung/",
                Some("2014-05-18 +02:00"),
            ),
            (
                "URL path with month and day split differently",
                page("", &format!("<h1>Förderung</h1>{TEXT}")),
                "https://example.org/news/2020-02/19/foerderung.html",
                Some("2020-02-19 +01:00"),
            ),
            (
                "an updated line is no publication date",
                page(
                    "",
                    &format!(
                        "<h1>Förderung</h1><p>Aktualisiert am 03.05.2021</p>{TEXT}\
                         <p>Veröffentlicht: 28.04.2021</p>"
                    ),
                ),
                URL,
                Some("2021-04-28 +02:00"),
            ),
            (
                "a modified <time> is skipped",
                page(
                    "",
                    &format!(
                        "<h1>Förderung</h1><time class=\"updated\" datetime=\"2021-05-03\">\
                         3. Mai</time> <time class=\"published\" datetime=\"2021-04-28\">\
                         28. April</time>{TEXT}"
                    ),
                ),
                URL,
                Some("2021-04-28 +02:00"),
            ),
            (
                "comment dates are never the publication date",
                page(
                    "",
                    &format!(
                        "<h1>Förderung</h1>{TEXT}<div class=\"comments\"><p>Erika, \
                         12.01.2021: Gute Sache!</p></div>"
                    ),
                ),
                URL,
                None,
            ),
            (
                "sidebar and teaser dates are skipped for the article's own date",
                page(
                    "",
                    &format!(
                        "<h1>Förderung</h1>{TEXT}<div class=\"sidebar\"><p>Termin 01.02.2021</p>\
                         </div><div class=\"related-teaser\"><p>15.01.2021 Andere Meldung</p>\
                         </div><p>Stand: 20.01.2021</p>"
                    ),
                ),
                URL,
                Some("2021-01-20 +01:00"),
            ),
            (
                "a copyright date alone is no publication date",
                page(
                    "",
                    &format!("<h1>Förderung</h1>{TEXT}<p>© 05.05.2020 Beispiel</p>"),
                ),
                URL,
                None,
            ),
            (
                "the page's offset is kept: 00:30 +01:00 is the 11th, not the 10th",
                page(
                    r#"<meta property="article:published_time" content="2020-12-11T00:30:00+01:00">"#,
                    &format!("<h1>Förderung</h1>{TEXT}"),
                ),
                URL,
                Some("2020-12-11 +01:00"),
            ),
            (
                "a US stamp late in the evening stays on its day",
                page(
                    r#"<meta property="article:published_time" content="2023-11-08T20:30:00-05:00">"#,
                    &format!("<h1>Förderung</h1>{TEXT}"),
                ),
                URL,
                Some("2023-11-08 -05:00"),
            ),
            (
                "a UTC stamp a day off the URL's day takes the URL's day",
                page(
                    r#"<meta property="article:published_time" content="2023-11-09T03:30:00Z">"#,
                    &format!("<h1>Förderung</h1>{TEXT}"),
                ),
                "https://example.com/2023/11/08/story/",
                Some("2023-11-08 +01:00"),
            ),
        ];
        for (what, html, url, want) in cases {
            assert_eq!(day(html, url).as_deref(), *want, "{what}");
        }
    }

    /// Pages without an `<h1>` (the headline a level lower, found by the page's title) and date
    /// lines before dates in sentences: the date by the headline is the template's date line.
    #[test]
    fn title_heading_and_date_line_over_sentence() {
        let lead = "<p>Ab dem 15. Januar 2022 gelten neue Regeln für Anträge, die das Land \
                    gemeinsam mit den Kommunen und Kreisen nach langen Beratungen im Ausschuss \
                    beschlossen hat und die alle Ämter umsetzen.</p>";
        let cases: &[(&str, String, Option<&str>)] = &[
            (
                "magazine: headline in <h2> equal to og:title, teaser-classed meta line above, \
                 a date in the lead below",
                format!(
                    "<html><head><meta property=\"og:title\" content=\"Nach dem Abend im \
                     Kanzleramt\"></head><body><div class=\"beitrag\">\
                     <div class=\"teaser_text_meta\"><a href=\"/autor/x\">Max Muster</a> / \
                     26.01.2022 / 09:30</div><h2>Nach dem Abend im Kanzleramt</h2>{lead}\
                     </div><div class=\"related\"><h3><a href=\"/artikel/anderes\">Nach dem \
                     Abend im Kanzleramt: die Folgen</a></h3><p>03.02.2022</p></div>\
                     </body></html>"
                ),
                Some("2022-01-26 +01:00"),
            ),
            (
                "blog: the post title an <h3> inside a widget, the date header above it",
                "<html><head><title>Mein Blog: Ein neues Interview im Oktober</title></head>\
                 <body><div class=\"widget Blog\"><h2 class=\"date-header\"><span>Samstag, \
                 5. Oktober 2013</span></h2><div class=\"post\"><h3 class=\"post-title\">\
                 Ein neues Interview im Oktober</h3><p>Heute gibt es ein Interview.</p></div>\
                 </div></body></html>"
                    .to_string(),
                Some("2013-10-05 +02:00"),
            ),
            (
                "a date line after the lead beats a date in the lead's sentence",
                page(
                    "",
                    &format!("<h1>Neue Regeln</h1>{lead}<p class=\"meta\">26.01.2022</p>{TEXT}"),
                ),
                Some("2022-01-26 +01:00"),
            ),
        ];
        for (what, html, want) in cases {
            assert_eq!(day(html, URL).as_deref(), *want, "{what}");
        }
    }

    /// With no date by the headline, the last resort is the date closest to it, not the first
    /// on the page (a header's clock showing the day the page was viewed).
    #[test]
    fn last_resort_closest_to_headline() {
        let filler = "<p>Das Land fördert die Digitalisierung der Verwaltung mit einem neuen \
                      Programm für Kommunen und Kreise, und die Kreise berichten darüber in \
                      ihren Ausschüssen und Räten, die im ganzen Land tagen und beraten.</p>";
        let html = format!(
            "<html><head><title>Meldung</title></head><body><div class=\"kopf\">\
             <span id=\"uhr\">Donnerstag, 16. Februar 2012</span></div>{filler}{filler}\
             {filler}<div class=\"box\"><span>14. Februar 2012</span></div>{filler}{filler}\
             {filler}<h1>Gericht verwirft Antrag</h1>{filler}</body></html>"
        );
        assert_eq!(day(&html, URL).as_deref(), Some("2012-02-14 +01:00"));
    }

    /// JSON-LD in an untyped script or one typed with parameters reaches `meta` through the
    /// extractor's pre-pass (which drops other script bodies), and an article's `dateCreated`
    /// stands in for a missing `datePublished`.
    #[test]
    fn jsonld_untyped_parameterised_and_date_created_end_to_end() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "untyped",
                r#"<script>{"@context":"https://schema.org","@type":"NewsArticle","datePublished":"2021-03-01T09:00:00+01:00"}</script>"#,
                "2021-03-01 +01:00",
            ),
            (
                "typed with a charset",
                r#"<script type="application/ld+json; charset=utf-8">{"@context":"https://schema.org","@type":"NewsArticle","datePublished":"2021-03-02T09:00:00+01:00"}</script>"#,
                "2021-03-02 +01:00",
            ),
            (
                "dateCreated of the article",
                r#"<script type="application/ld+json">{"@context":"https://schema.org","@type":"Article","dateCreated":"2021-03-03T09:00:00+01:00","dateModified":"2021-04-01T09:00:00+02:00"}</script>"#,
                "2021-03-03 +01:00",
            ),
        ];
        for (what, head, want) in cases {
            let html = page(head, &format!("<h1>Förderung</h1>{TEXT}"));
            assert_eq!(day(&html, URL).as_deref(), Some(*want), "{what}");
        }
    }

    /// A heading in or around a link is a teaser of another page, not this page's headline.
    #[test]
    fn title_heading_skips_linked_headings() {
        let title = Some("Bericht zur Lage im Land");
        let doc = |body: &str| {
            scraper::Html::parse_document(&format!("<html><body>{body}</body></html>"))
        };
        let linked = doc("<h3><a href=\"/andere-seite\">Bericht zur Lage im Land</a></h3>");
        assert!(super::title_heading(&linked, title).is_none());
        let wrapped = doc("<a href=\"/x\"><div><h2>Bericht zur Lage im Land</h2></div></a>");
        assert!(super::title_heading(&wrapped, title).is_none());
        let plain = doc("<h2>Bericht zur Lage im Land</h2>");
        assert!(super::title_heading(&plain, title).is_some());
        assert!(super::title_heading(&plain, Some("Bericht")).is_none());
    }

    /// Day, offset and precision `extract_article` gives for `html` at `url`.
    fn dated(html: &str, url: &str) -> Option<String> {
        let d = extract_article(html, url, &ArticleSelectors::default()).ok()?;
        let p = match d.published_precision {
            DatePrecision::Day => "day",
            DatePrecision::Time => "time",
        };
        d.published_local()
            .map(|t| format!("{} {p}", t.format("%Y-%m-%d %H:%M %:z")))
    }

    /// One page per class of evidence and of mistake (issue 22), written for this test: the
    /// publication day, its offset and precision, or `None` where the page states no
    /// publication date (a modified, comment, teaser, copyright or event date is never one).
    #[test]
    fn classes_of_pages_with_day_offset_and_precision() {
        let cases: &[(&str, String, &str, Option<&str>)] = &[
            (
                "a topline date leading the headline",
                page(
                    "",
                    &format!(
                        "<h1><span class=\"date\">27.01.2022</span> Mineralölbericht November</h1>{TEXT}"
                    ),
                ),
                URL,
                Some("2022-01-27 00:00 +01:00 day"),
            ),
            (
                "a date in the headline's words is what it is about: the URL's day",
                page(
                    "",
                    &format!("<h1>Ergebnisse der Meisterschaft vom 19.5.2007</h1>{TEXT}"),
                ),
                "https://example.org/2007/05/20/ergebnisse/",
                Some("2007-05-20 00:00 +02:00 day"),
            ),
            (
                "the date line above the headline, not a list of other articles below it",
                page(
                    "",
                    &format!(
                        "<p>02.02.2022 10:16 Uhr - Liga - Pressemitteilung</p><h1>Neuer Spieler</h1>\
                     {TEXT}<ul><li>30.01.2022 Andere Meldung</li><li>29.01.2022 Noch eine</li></ul>"
                    ),
                ),
                URL,
                Some("2022-02-02 10:16 +01:00 time"),
            ),
            (
                "a UTC stamp on the next day yields to the visible line with its own offset",
                page(
                    r#"<meta property="article:published_time" content="2023-11-09T02:11:03+00:00">"#,
                    &format!(
                        "<h1>Police investigating</h1><time datetime=\"2023-11-08T21:11:03-05:00\">\
                         November 8, 2023</time>{TEXT}"
                    ),
                ),
                "https://example.com/news/police-investigating/",
                Some("2023-11-08 21:11 -05:00 time"),
            ),
            (
                "an evening release stamp the day before the visible day-only line",
                page(
                    r#"<meta itemprop="datePublished" content="2021-10-27T20:35:36+01:00">"#,
                    &format!(
                        "<h1>Klimawandel</h1><p class=\"meta\">Berlin, 28.10.2021, 058/21</p>{TEXT}"
                    ),
                ),
                URL,
                Some("2021-10-28 00:00 +02:00 day"),
            ),
            (
                "structured data wins over a line by the headline far from it (an event)",
                page(
                    r#"<meta property="article:published_time" content="2021-01-05T10:00:00+01:00">"#,
                    &format!("<h1>Tag der offenen Tür</h1><p>Am 12.03.2021 im Rathaus</p>{TEXT}"),
                ),
                URL,
                Some("2021-01-05 10:00 +01:00 time"),
            ),
            (
                "an image credit above the date line does not make it a copyright date",
                page(
                    "",
                    &format!(
                        "<figure><img src=\"a.jpg\" alt=\"\"><div class=\"credit\">© Erika Muster</div>\
                     </figure><div><time datetime=\"2022-02-01\">01.02.2022</time> | Meeting\
                     <h1>Ein Rekord</h1></div>{TEXT}"
                    ),
                ),
                URL,
                Some("2022-02-01 00:00 +01:00 day"),
            ),
            (
                "a day-first date in the URL path",
                page("", &format!("<h1>Zehn Jahre Einbruchschutz</h1>{TEXT}")),
                "https://example.org/meldungen/29-10-2021",
                Some("2021-10-29 00:00 +02:00 day"),
            ),
            (
                "German month name",
                page("", &format!("<h1>Förderung</h1><p>18. Mai 2014</p>{TEXT}")),
                URL,
                Some("2014-05-18 00:00 +02:00 day"),
            ),
            (
                "English ordinal",
                page(
                    "",
                    &format!("<h1>Förderung</h1><p>May 18th, 2014</p>{TEXT}"),
                ),
                URL,
                Some("2014-05-18 00:00 +02:00 day"),
            ),
            (
                "two-digit year",
                page("", &format!("<h1>Förderung</h1><p>18.05.14</p>{TEXT}")),
                URL,
                Some("2014-05-18 00:00 +02:00 day"),
            ),
            (
                "year first with slashes",
                page("", &format!("<h1>Förderung</h1><p>2014/05/18</p>{TEXT}")),
                URL,
                Some("2014-05-18 00:00 +02:00 day"),
            ),
            (
                "a US month-first date is not read (no swapped day and month)",
                page(
                    "",
                    &format!("<h1>Förderung</h1><p>Posted 05/11/2014</p>{TEXT}"),
                ),
                URL,
                None,
            ),
            (
                "12-hour clock",
                page(
                    "",
                    &format!("<h1>Debate</h1><div>November 8, 2023, 11:15 PM</div>{TEXT}"),
                ),
                URL,
                Some("2023-11-08 23:15 +01:00 time"),
            ),
            (
                "a structured stamp in UTC keeps the offset it was written in",
                page(
                    r#"<meta property="article:published_time" content="2021-11-04T23:00Z">"#,
                    &format!("<h1>Kommunalwahlen</h1>{TEXT}"),
                ),
                URL,
                Some("2021-11-04 23:00 +00:00 time"),
            ),
            (
                "modified only: no publication date",
                page(
                    "",
                    &format!("<h1>Förderung</h1>{TEXT}<p>Zuletzt geändert am 03.05.2021</p>"),
                ),
                URL,
                None,
            ),
            (
                "comment only: no publication date",
                page(
                    "",
                    &format!(
                        "<h1>Förderung</h1>{TEXT}<section id=\"comments\"><p>Max schrieb am \
                     04.05.2021: Danke!</p></section>"
                    ),
                ),
                URL,
                None,
            ),
            (
                "related teasers only: no publication date",
                page(
                    "",
                    &format!(
                        "<h1>Förderung</h1>{TEXT}<div class=\"related-articles\"><p>02.05.2021 \
                     Andere Meldung</p></div>"
                    ),
                ),
                URL,
                None,
            ),
            (
                "copyright only: no publication date",
                page(
                    "",
                    &format!("<h1>Förderung</h1>{TEXT}<p>Copyright 01.01.2021 Land</p>"),
                ),
                URL,
                None,
            ),
            (
                "event date only: no publication date",
                page(
                    "",
                    &format!(
                        "<h1>Bürgerdialog</h1><p>Termin: 12.03.2021, 18:00 Uhr, Rathaus</p>{TEXT}"
                    ),
                ),
                URL,
                None,
            ),
            (
                "a date before the web is a historical reference, not a publication date",
                page(
                    "",
                    &format!("<h1>Jubiläum</h1><p>Gegründet am 03.10.1990 in Berlin</p>{TEXT}"),
                ),
                URL,
                None,
            ),
            (
                "a deadline word in the subtitle does not label the date line under it",
                page(
                    "",
                    &format!(
                        "<h1>Kabinett billigt Digitalgesetz</h1><h2>Leistungen sollen bis 2026 digital sein</h2>\
<div class=\"news-list-date\"><time datetime=\"2020-12-08T13:15:00+01:00\">08.12.2020, 13:15 Uhr</time></div>{TEXT}"
                    ),
                ),
                URL,
                Some("2020-12-08 13:15 +01:00 time"),
            ),
            (
                "a deadline is no publication date",
                page(
                    "",
                    &format!(
                        "<h1>Förderaufruf</h1><p>Anträge bis zum 30.06.2021 einreichen</p>{TEXT}"
                    ),
                ),
                URL,
                None,
            ),
        ];
        for (what, html, url, want) in cases {
            assert_eq!(dated(html, url).as_deref(), *want, "{what}");
        }
    }
}
