//! Turning a candidate (and its fetched page, if any) into a stored [`Article`]: the article
//! page's fields win, the listing's fill the gaps, `enrich` adds keywords and regions.

use chrono::{DateTime, Utc};
use url::Url;

use super::CrawlError;
use crate::enrich::{self, Signature, Watchlist};
use crate::extract;
use crate::fetch::Page;
use crate::model::{Article, ArticleId, Candidate, DatePrecision, Draft, Source};

/// Extracts the draft from the page, or builds it from the feed content when there is none.
pub fn draft(source: &Source, c: &Candidate, page: Option<&Page>) -> Result<Draft, CrawlError> {
    let mut draft = match page {
        Some(page) => {
            let mut d = extract::extract_article(&page.text(), &page.url, &source.article)
                .map_err(|e| CrawlError::Extract {
                    url: page.url.clone(),
                    source: e,
                })?;
            d.url = trusted_canonical(&d.url, &page.url, &source.url);
            if d.text.trim().is_empty() {
                d.text = extract::candidate_text(c);
            }
            if d.text.trim().is_empty() {
                return Err(CrawlError::EmptyArticle {
                    url: page.url.clone(),
                });
            }
            d
        }
        None => from_candidate(c),
    };
    fill_from_candidate(&mut draft, c);
    Ok(draft)
}

/// A draft made only of what the feed or teaser said.
fn from_candidate(c: &Candidate) -> Draft {
    let text = extract::candidate_text(c);
    Draft {
        url: c.url.clone(),
        lang: extract::detect_language(&text, None),
        text,
        ..Draft::default()
    }
}

/// The publication time from the page (in `d`) and the feed or teaser (`listed`): the more
/// precise wins. A page date with a time wins; a page date without one (precision
/// [`DatePrecision::Day`], or noon Berlin time as [`extract::dates`] reads a bare day) gives
/// way to the feed's exact time on the same calendar day of the publisher, so no invented
/// 00:00 or 12:00 replaces a time the feed stated. Without a page date the listed one is kept.
/// A teaser's bare day (read as noon Berlin) is stored as the day's start with precision
/// [`DatePrecision::Day`], without a time nobody published.
fn merge_published(d: &mut Draft, listed: Option<DateTime<Utc>>) {
    let Some(l) = listed else {
        return;
    };
    if let Some(p) = d.published {
        let day_only =
            d.published_precision == DatePrecision::Day || extract::dates::is_noon_berlin(p);
        if !day_only || publisher_day(p, d.published_offset) != publisher_day(l, d.published_offset)
        {
            return;
        }
    }
    d.published = Some(l);
    d.published_offset = None;
    d.published_precision = DatePrecision::Time;
    if extract::dates::is_noon_berlin(l)
        && let Some(start) =
            extract::dates::day_start(l.with_timezone(&chrono_tz::Europe::Berlin).date_naive())
    {
        d.published = Some(start.with_timezone(&Utc));
        d.published_offset = Some(start.offset().local_minus_utc());
        d.published_precision = DatePrecision::Day;
    }
}

/// The calendar day of `t` at the publisher ([`crate::model::at_publisher`]).
fn publisher_day(t: DateTime<Utc>, offset: Option<i32>) -> chrono::NaiveDate {
    crate::model::at_publisher(t, offset).date_naive()
}

/// Fills what the page lacks from the listing entry (feed facts: time, author, summary, tags).
fn fill_from_candidate(d: &mut Draft, c: &Candidate) {
    if d.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        d.title = c.title.clone();
    }
    merge_published(d, c.published);
    // A person named by the feed beats an organisation named by the page, and the other way round.
    let page_author = d.author.take().map(|name| extract::Author {
        name,
        role: d.author_role.take(),
    });
    let author = extract::prefer_author(page_author, c.author.clone());
    d.author_role = author.as_ref().and_then(|a| a.role.clone());
    d.author = author.map(|a| a.name);
    if d.summary.is_none() {
        d.summary = c.summary.clone();
    }
    d.tags.extend(c.tags.iter().cloned());
}

/// Accepts the page's canonical URL only if it is on the same host and is not the site root
/// or the listing itself (some CMS point every page's canonical at the home page, which
/// would fold all articles into one).
fn trusted_canonical(canonical: &str, fetched: &str, listing: &str) -> String {
    let (Ok(c), Ok(f)) = (Url::parse(canonical), Url::parse(fetched)) else {
        return fetched.to_string();
    };
    let same_host = c.host_str() == f.host_str();
    let trivial = c.path() == "/" || c.path().is_empty() || canonical == listing;
    if same_host && !trivial && matches!(c.scheme(), "http" | "https") {
        canonical.to_string()
    } else {
        fetched.to_string()
    }
}

/// Longest summary kept, in characters (a few lines; the text holds the rest).
const MAX_SUMMARY_CHARS: usize = 600;

/// The summary worth storing: none when it merely repeats the start of the text (feeds often
/// send the whole text as the description; readers then show the text's start anyway), else
/// the summary cut at a word boundary.
fn summary(summary: Option<String>, text: &str) -> Option<String> {
    let summary = summary?;
    // A feed's shortened description ("… Text…") repeats the text up to its cut last word.
    let cut = summary
        .trim_end()
        .trim_end_matches(['…', '.', ' ', '[', ']']);
    let shortened = cut.len() < summary.trim_end().len();
    let mut words = cut.split_whitespace().peekable();
    let mut text_words = text.split_whitespace();
    let repeats = std::iter::from_fn(|| {
        let word = words.next()?;
        let last = words.peek().is_none();
        Some(match text_words.next() {
            Some(t) if shortened && last => t.starts_with(word),
            Some(t) => t == word,
            None => false,
        })
    })
    .all(|same| same);
    (!repeats).then(|| extract::truncate_words(&summary, MAX_SUMMARY_CHARS))
}

/// The article to store (draft plus source facts, keywords and regions) and its near-duplicate
/// signature, all from one pass of `enrich` over title and text.
pub(super) fn build(
    source: &Source,
    c: &Candidate,
    d: Draft,
    watch: &Watchlist,
    now: DateTime<Utc>,
) -> (Article, Signature) {
    let url = if d.url.is_empty() {
        c.url.clone()
    } else {
        d.url
    };
    let title = d
        .title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| url.clone());
    // Keywords are matched in the subtitle too: it is kept out of the text, not out of the
    // article.
    let found = match d.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(sub) => enrich::enrich(watch, &title, &format!("{sub}\n\n{}", d.text)),
        None => enrich::enrich(watch, &title, &d.text),
    };
    let article = Article {
        id: ArticleId::from_url(&url),
        source_id: source.id.clone(),
        url,
        title,
        kicker: d.kicker,
        published: d.published,
        published_offset: d.published_offset,
        published_precision: d.published_precision,
        subtitle: d.subtitle,
        first_seen: now,
        updated: now,
        author: d.author,
        author_role: d.author_role,
        lang: d.lang,
        summary: summary(d.summary, &d.text),
        text: d.text,
        tags: enrich::normalize_tags(d.tags),
        keywords: found.keyword_names(),
        level: source.level,
        land: source.land,
        lands_mentioned: found.lands,
        cluster: None,
    };
    (article, found.signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_is_trusted_only_when_specific_and_same_host() {
        let f = "https://a.test/news/1?x=1";
        let l = "https://a.test/news/";
        let cases = [
            ("https://a.test/news/1", "https://a.test/news/1"),
            ("https://a.test/", f),
            ("https://other.test/news/1", f),
            ("https://a.test/news/", f),
            ("not a url", f),
            ("javascript:alert(1)", f),
        ];
        for (canonical, want) in cases {
            assert_eq!(trusted_canonical(canonical, f, l), want, "{canonical}");
        }
    }

    #[test]
    fn the_more_precise_of_feed_and_page_date_wins() {
        use chrono::TimeZone;
        let utc = |d, h, m| Utc.with_ymd_and_hms(2020, 12, d, h, m, 0).unwrap();
        let day = |at, offset| Draft {
            published: Some(at),
            published_offset: offset,
            published_precision: DatePrecision::Day,
            ..Draft::default()
        };
        // A day-only page date (11 Dec, Berlin start of day) and the feed's 09:30 that day.
        let mut d = day(utc(10, 23, 0), Some(3600));
        merge_published(&mut d, Some(utc(11, 8, 30)));
        assert_eq!(d.published, Some(utc(11, 8, 30)));
        assert_eq!(d.published_precision, DatePrecision::Time);
        // The feed's 00:30 Berlin (23:30 UTC the day before) is the same publisher day.
        let mut d = day(utc(10, 23, 0), None);
        merge_published(&mut d, Some(utc(10, 23, 30)));
        assert_eq!(d.published, Some(utc(10, 23, 30)));
        // Another day in the feed: the page's day stays, still without a time.
        let mut d = day(utc(10, 23, 0), None);
        merge_published(&mut d, Some(utc(12, 8, 30)));
        assert_eq!(d.published, Some(utc(10, 23, 0)));
        assert_eq!(d.published_precision, DatePrecision::Day);
        // A page time wins over the feed's.
        let mut d = Draft {
            published: Some(utc(11, 7, 0)),
            ..Draft::default()
        };
        merge_published(&mut d, Some(utc(11, 8, 30)));
        assert_eq!(d.published, Some(utc(11, 7, 0)));
        // No page date: the feed's time.
        let mut d = Draft::default();
        merge_published(&mut d, Some(utc(11, 8, 30)));
        assert_eq!(d.published, Some(utc(11, 8, 30)));
        assert_eq!(d.published_precision, DatePrecision::Time);
        // A day-only page date without a feed date stays a day.
        let mut d = day(utc(10, 23, 0), None);
        merge_published(&mut d, None);
        assert_eq!(d.published_precision, DatePrecision::Day);
    }

    #[test]
    fn a_summary_is_kept_only_when_it_adds_something() {
        let text = "Das Land startet ein Portal.\n\nAlle Kommunen werden angeschlossen.";
        let cases: [(&str, Option<&str>, Option<&str>); 7] = [
            ("none", None, None),
            ("blank", Some("  "), None),
            ("the whole text", Some(text), None),
            (
                "the first paragraph",
                Some("Das Land startet ein Portal."),
                None,
            ),
            (
                "shortened with an ellipsis",
                Some("Das Land startet ein Por…"),
                None,
            ),
            (
                "its own words",
                Some("Neues Antragsportal für alle Kommunen"),
                Some("Neues Antragsportal für alle Kommunen"),
            ),
            (
                "longer than the text",
                Some("Das Land startet ein Portal. Alle Kommunen werden angeschlossen. Mehr."),
                Some("Das Land startet ein Portal. Alle Kommunen werden angeschlossen. Mehr."),
            ),
        ];
        for (name, given, want) in cases {
            let got = summary(given.map(str::to_string), text);
            assert_eq!(got.as_deref(), want, "{name}");
        }
        let long = "Wort ".repeat(400);
        let cut = summary(Some(long), text).expect("kept");
        assert!(
            cut.chars().count() <= MAX_SUMMARY_CHARS + 1 && cut.ends_with('…'),
            "{cut}"
        );
    }
}
