//! The daily digest: one calendar day (Europe/Berlin) of stored articles, grouped for reading.
//!
//! This module owns what goes into a digest and in which order: the day's window in UTC
//! ([`day_window`], 23 or 25 hours on DST change days), grouping under each article's strongest
//! watched keyword and then by source ([`build`]), collapsing story clusters into one entry that
//! names the other sources, and rendering as plain text and as self-contained HTML for e-mail
//! ([`render_text`], [`render_html`]). [`build`] and the renderers are pure: articles and config
//! in, values out; they never touch the store, the clock or the network. Sending by e-mail, once
//! per day, lives in [`mail`].

pub mod mail;
mod render;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::enrich::Watchlist;
use crate::model::{Article, ArticleId, Keyword, Teaser};
use crate::text::{Boundary, Tail, cut_at_word, http_url};

pub use mail::{
    MailError, MailStatus, Sent, mail_status, run_mailer, send_due, send_for_date, send_range,
};
pub use render::{
    MailLinks, render_html, render_html_fragment, render_mail_html, render_mail_text, render_text,
    subject,
};

/// Longest summary shown under an entry, in characters (about two lines), before the ellipsis.
pub const SUMMARY_CHARS: usize = 200;

/// One day's digest, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The calendar day in Europe/Berlin (the last day, when the digest covers several).
    pub date: NaiveDate,
    /// The first day covered: `date` itself, or an earlier day for a roll-up (Friday to Sunday
    /// in Monday's mail).
    pub first: NaiveDate,
    /// The day in German for headings (`Sonntag, 29. März 2026`), or the span of days
    /// (`Freitag, 4. bis Sonntag, 6. Dezember 2026`).
    pub date_label: String,
    /// One section per watched keyword that has stories, in watchlist order.
    pub by_keyword: Vec<Section>,
    /// The stories without any watched keyword, one section per source, in source order.
    pub by_source: Vec<Section>,
    /// Stories (entries) in the digest.
    pub stories: usize,
    /// Articles the stories were built from (a collapsed cluster counts each article).
    pub articles: usize,
}

impl Digest {
    /// True when the day has no articles at all.
    pub fn is_empty(&self) -> bool {
        self.stories == 0
    }

    /// True when the digest covers more than one day.
    pub fn is_range(&self) -> bool {
        self.first < self.date
    }

    /// Every section: keywords first, then sources.
    pub fn sections(&self) -> impl Iterator<Item = &Section> {
        self.by_keyword.iter().chain(&self.by_source)
    }
}

/// A group of entries under one heading (a keyword or a source name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The keyword's canonical name or the source's name.
    pub heading: String,
    /// The stories, newest first.
    pub entries: Vec<Entry>,
}

/// One story in the digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The id of the article shown (for links to this site's article page).
    pub id: ArticleId,
    /// Title with the kicker in front (`E-Government: Titel`).
    pub title: String,
    /// Name of the article's source (its id when the source is no longer configured).
    pub source: String,
    /// `29.03.2026, 23:30 Uhr` in the publisher's offset (else Europe/Berlin); `29.03.2026` for a
    /// date published without a time.
    pub time: String,
    /// RFC 3339 in UTC (`YYYY-MM-DD` for a day-only date), for `<time datetime>`.
    pub iso: String,
    /// About two lines: the summary, else the start of the text, cut at a word.
    pub summary: String,
    /// The original's URL, only if it is http(s).
    pub link: Option<String>,
    /// The article's language when it is not German ([`crate::text::foreign_lang`]).
    pub lang: Option<String>,
    /// Other sources that told the same story (collapsed cluster members), in order of time.
    pub also: Vec<Also>,
}

/// Another source's article on the same story, shown as "also reported by".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Also {
    /// The source's name.
    pub source: String,
    /// Its article's URL, only if it is http(s).
    pub link: Option<String>,
}

/// The start and end (exclusive) in UTC of calendar day `date` in Europe/Berlin: 24 hours,
/// or 23 / 25 hours on the days the clocks change.
pub fn day_window(date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = berlin_midnight(date);
    let end = date
        .succ_opt()
        .map_or(DateTime::<Utc>::MAX_UTC, berlin_midnight);
    (start, end)
}

/// The start of day `first` to the end of day `last` (Berlin), in UTC.
pub fn days_window(first: NaiveDate, last: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (day_window(first.min(last)).0, day_window(last).1)
}

pub use crate::days::berlin_date;
use crate::days::berlin_midnight;

/// Builds the digest of `date` from `articles` (any order; those outside the day's window are
/// ignored). `keywords` is the watchlist in configured order; `source_names` maps source ids
/// to display names in display order.
///
/// Each article is matched against the watchlist (title and text) and placed under its
/// strongest keyword: a keyword in the title beats one only in the text, ties go to the earlier
/// keyword in the watchlist. Articles sharing a [`Article::cluster`] become one entry (the
/// earliest of the day's members, or the cluster's first article when it is among them), placed
/// by the strongest keyword of any member, naming the other members' sources with their links
/// (one per source; a second article of the lead's own source is not repeated).
pub fn build(
    date: NaiveDate,
    articles: &[Article],
    keywords: &[Keyword],
    source_names: &[(String, String)],
) -> Digest {
    build_range(date, date, articles, keywords, source_names)
}

/// Like [`build`], for the days `first..=last` (Berlin) as one digest: the roll-up of several
/// days the mail sends after days without a mail (the weekend, in Monday's mail). A `first`
/// after `last` is treated as `last` alone.
pub fn build_range(
    first: NaiveDate,
    last: NaiveDate,
    articles: &[Article],
    keywords: &[Keyword],
    source_names: &[(String, String)],
) -> Digest {
    let date = last;
    let first = first.min(last);
    let (from, to) = days_window(first, last);
    let mut day: Vec<&Article> = articles
        .iter()
        .filter(|a| (from..to).contains(&a.sort_time()))
        .collect();
    day.sort_by_key(|a| (a.sort_time(), a.id));
    day.dedup_by_key(|a| a.id);
    let watchlist = Watchlist::new(keywords);
    let strongest: Vec<Option<Rank>> = day
        .iter()
        .map(|a| strongest_keyword(&watchlist, keywords, a))
        .collect();

    // Stories: the day's articles grouped by cluster, in order of their first article.
    let mut story_of: HashMap<ArticleId, usize> = HashMap::new();
    let mut stories: Vec<Vec<usize>> = Vec::new();
    for (i, a) in day.iter().enumerate() {
        let key = a.cluster.unwrap_or(a.id);
        match story_of.get(&key) {
            Some(&s) => stories[s].push(i),
            None => {
                story_of.insert(key, stories.len());
                stories.push(vec![i]);
            }
        }
    }

    let name_of = |id: &str| -> String {
        source_names
            .iter()
            .find(|(sid, _)| sid == id)
            .map_or_else(|| id.to_string(), |(_, name)| name.clone())
    };
    let mut keyword_entries: Vec<Vec<Timed>> = vec![Vec::new(); keywords.len()];
    let mut source_entries: Vec<(String, Vec<Timed>)> = Vec::new();
    for members in &stories {
        let lead = members
            .iter()
            .copied()
            .find(|&i| day[i].cluster == Some(day[i].id))
            .unwrap_or(members[0]);
        let article = day[lead];
        let mut also: Vec<Also> = Vec::new();
        let own = name_of(&article.source_id);
        for &i in members {
            let name = name_of(&day[i].source_id);
            if i != lead && name != own && !also.iter().any(|a| a.source == name) {
                also.push(Also {
                    source: name,
                    link: http_url(&day[i].url),
                });
            }
        }
        let entry = entry(article, own.clone(), also);
        let rank = members.iter().filter_map(|&i| strongest[i]).min();
        match rank {
            Some((_, kw)) => keyword_entries[kw].push((article.sort_time(), entry)),
            None => match source_entries
                .iter_mut()
                .find(|(id, _)| *id == article.source_id)
            {
                Some((_, list)) => list.push((article.sort_time(), entry)),
                None => source_entries.push((
                    article.source_id.clone(),
                    vec![(article.sort_time(), entry)],
                )),
            },
        }
    }

    let by_keyword = keywords
        .iter()
        .zip(keyword_entries)
        .filter(|(_, e)| !e.is_empty())
        .map(|(k, e)| section(k.name.clone(), e))
        .collect();
    let position = |id: &str| {
        source_names
            .iter()
            .position(|(sid, _)| sid == id)
            .unwrap_or(usize::MAX)
    };
    source_entries.sort_by(|(a, _), (b, _)| position(a).cmp(&position(b)).then(a.cmp(b)));
    let by_source = source_entries
        .into_iter()
        .map(|(id, e)| section(name_of(&id), e))
        .collect();
    Digest {
        date,
        first,
        date_label: german_span(first, date),
        by_keyword,
        by_source,
        stories: stories.len(),
        articles: day.len(),
    }
}

/// An entry with the time it is ordered by.
type Timed = (DateTime<Utc>, Entry);

/// (0 = in the title, 1 = text only; index in the watchlist): smaller is stronger.
type Rank = (u8, usize);

/// The article's strongest watched keyword, if it mentions any.
fn strongest_keyword(watchlist: &Watchlist, keywords: &[Keyword], a: &Article) -> Option<Rank> {
    let text = if a.text.trim().is_empty() {
        a.summary.as_deref().unwrap_or("")
    } else {
        &a.text
    };
    watchlist
        .find(&a.title, text)
        .into_iter()
        .filter_map(|m| {
            let index = keywords.iter().position(|k| k.name == m.name)?;
            Some((u8::from(!m.in_title), index))
        })
        .min()
}

/// A section with its entries newest first.
fn section(heading: String, mut entries: Vec<Timed>) -> Section {
    entries.sort_by(|(ta, a), (tb, b)| tb.cmp(ta).then(a.id.cmp(&b.id)));
    Section {
        heading,
        entries: entries.into_iter().map(|(_, e)| e).collect(),
    }
}

fn entry(a: &Article, source: String, also: Vec<Also>) -> Entry {
    let headline = match a.title.trim() {
        "" => "(ohne Titel)",
        t => t,
    };
    let title = match a.kicker.as_deref().map(str::trim) {
        Some(k) if !k.is_empty() => format!("{k}: {headline}"),
        _ => headline.to_string(),
    };
    let t = a.sort_time();
    // The publisher's day, and a time of day only when one was published.
    let (local, precision) = a.published_at_publisher();
    let day_only = precision == crate::model::DatePrecision::Day;
    Entry {
        id: a.id,
        title,
        source,
        time: if day_only {
            local.format("%d.%m.%Y").to_string()
        } else {
            local.format("%d.%m.%Y, %H:%M Uhr").to_string()
        },
        iso: if day_only {
            local.format("%Y-%m-%d").to_string()
        } else {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        },
        summary: summary(a),
        link: http_url(&a.url),
        lang: crate::text::foreign_lang(a.lang.as_deref()),
        also,
    }
}

/// The article's teaser (summary, else text), whitespace collapsed, cut at a word near
/// [`SUMMARY_CHARS`] without trailing punctuation.
fn summary(a: &Article) -> String {
    let source = a.teaser().map_or("", Teaser::as_str);
    let flat = source.split_whitespace().collect::<Vec<_>>().join(" ");
    cut_at_word(
        &flat,
        SUMMARY_CHARS,
        Boundary::LastSpace,
        Tail::SpacesAndPunctuation,
    )
}

const WEEKDAYS: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];
const MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// `Sonntag, 29. März 2026` for one day; for several `Freitag, 4. bis Sonntag, 6. Dezember
/// 2026` (month and year said once when shared).
pub fn german_span(first: NaiveDate, last: NaiveDate) -> String {
    if first >= last {
        return german_date(last);
    }
    let weekday = WEEKDAYS[first.weekday().num_days_from_monday() as usize];
    let month = MONTHS[first.month0() as usize];
    let start = if first.year() != last.year() {
        format!("{weekday}, {}. {month} {}", first.day(), first.year())
    } else if first.month() != last.month() {
        format!("{weekday}, {}. {month}", first.day())
    } else {
        format!("{weekday}, {}.", first.day())
    };
    format!("{start} bis {}", german_date(last))
}

/// `Sonntag, 29. März 2026`.
pub fn german_date(date: NaiveDate) -> String {
    let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
    let month = MONTHS[date.month0() as usize];
    format!("{weekday}, {}. {month} {}", date.day(), date.year())
}
