//! The `[[source]]` entries: reading and validating each into a [`Source`].
//!
//! This file owns the rules for one source (id syntax and uniqueness, URL, kind, level, Land,
//! selectors); it must never fetch anything or check that a URL is reachable.

use std::collections::HashMap;
use std::ops::Range;
use std::time::Duration;

use toml::de::DeTable;

use super::error::Report;
use super::values::{MAX_INTERVAL, bounded_duration_field, check_id, check_url, selector_field};
use super::walk::{At, Fields};
use crate::model::{
    ArticleSelectors, Land, Level, ListSelectors, Source, SourceEntries, SourceKind,
};

const KEYS: &[&str] = &[
    "id",
    "name",
    "url",
    "kind",
    "interval",
    "level",
    "land",
    "fetch_articles",
    "list",
    "article",
    "feeds",
    "lists",
    "sitemaps",
];
const LIST_KEYS: &[&str] = &["item", "link", "title", "date"];
const ARTICLE_KEYS: &[&str] = &[
    "title", "date", "body", "tags", "remove", "author", "kicker", "subtitle", "summary",
];

/// Reads every `[[source]]` table; ids must be unique across them.
pub(crate) fn read_all(
    tables: Vec<At<&DeTable<'_>>>,
    default_interval: Duration,
    r: &mut Report<'_>,
) -> Vec<Source> {
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (index, (span, table)) in tables.into_iter().enumerate() {
        let mut f = Fields::new(table, span, KEYS);
        f.set_context(format!("[[source]] #{}", index + 1));
        let id = read_id(&mut f, r, &mut first_line);
        if let Some(source) = read_one(&f, r, id, default_interval) {
            out.push(source);
        }
    }
    out
}

/// Reads and checks `id`, relabels the entry by it and reports a repeated id.
fn read_id(
    f: &mut Fields<'_, '_>,
    r: &mut Report<'_>,
    first_line: &mut HashMap<String, usize>,
) -> Option<String> {
    let (span, id) = f.required_string(r, "id")?;
    if let Err(m) = check_id(id) {
        f.problem(r, &span, "id", m);
        return None;
    }
    f.set_context(format!("[[source]] {id:?}"));
    let line = r.line_of(span.start);
    if let Some(first) = first_line.get(id) {
        let msg = format!("duplicate source id {id:?} (first used on line {first})");
        f.problem(r, &span, "id", msg);
    } else {
        first_line.insert(id.to_owned(), line);
    }
    Some(id.to_owned())
}

fn read_one(
    f: &Fields<'_, '_>,
    r: &mut Report<'_>,
    id: Option<String>,
    default_interval: Duration,
) -> Option<Source> {
    f.reject_unknown(r);
    let name = non_empty(f, r, "name").map(|(_, name)| name);
    let url = f
        .required_string(r, "url")
        .and_then(|(span, s)| check_url(s).map_err(|m| f.problem(r, &span, "url", m)).ok());
    let kind = read_kind(f, r);
    let interval =
        bounded_duration_field(f, r, "interval", MAX_INTERVAL).unwrap_or(default_interval);
    let level = read_level(f, r);
    let land = read_land(f, r);
    let fetch_articles = f.boolean(r, "fetch_articles").unwrap_or(true);
    let list = read_list(f, r, kind.clone());
    let article = read_article(f, r);
    let entries = read_entries(f, r, kind.as_ref().map(|(_, k)| *k));
    let (Some(id), Some(name), Some(url), Some((_, kind)), Some(level), Some(land)) =
        (id, name, url, kind, level, land)
    else {
        return None;
    };
    Some(Source {
        id,
        name,
        url,
        kind,
        interval,
        level,
        land,
        list: list?,
        article: article?,
        fetch_articles,
        entries: entries?,
    })
}

/// `feeds`, `lists`, `sitemaps`: absolute http(s) URLs of the site's entry points, read
/// besides those found automatically; only for automatic sources (no `kind`).
fn read_entries(
    f: &Fields<'_, '_>,
    r: &mut Report<'_>,
    kind: Option<SourceKind>,
) -> Option<SourceEntries> {
    let mut ok = true;
    let mut read = |key: &str| -> Vec<String> {
        let mut out = Vec::new();
        for (span, s) in f.strings(r, key) {
            if kind.is_some_and(|k| k != SourceKind::Auto) {
                let msg = "only for automatic sources (leave out `kind`)";
                f.problem(r, &span, key, msg);
                ok = false;
                continue;
            }
            match check_url(s) {
                Ok(u) => out.push(u),
                Err(m) => {
                    f.problem(r, &span, key, m);
                    ok = false;
                }
            }
        }
        out
    };
    let entries = SourceEntries {
        feeds: read("feeds"),
        lists: read("lists"),
        sitemaps: read("sitemaps"),
    };
    ok.then_some(entries)
}

/// A required string that must not be blank; returned trimmed, with its span.
pub(crate) fn non_empty(f: &Fields<'_, '_>, r: &mut Report<'_>, key: &str) -> Option<At<String>> {
    let (span, s) = f.required_string(r, key)?;
    if s.trim().is_empty() {
        f.problem(r, &span, key, "must not be empty");
        return None;
    }
    Some((span, s.trim().to_owned()))
}

/// `kind`; absent means [`SourceKind::Auto`] (told by what the URL serves).
fn read_kind(f: &Fields<'_, '_>, r: &mut Report<'_>) -> Option<At<SourceKind>> {
    if f.value("kind").is_none() {
        return Some((0..0, SourceKind::Auto));
    }
    let (span, s) = f.string(r, "kind")?;
    match s {
        "feed" => Some((span, SourceKind::Feed)),
        "html" => Some((span, SourceKind::Html)),
        other => {
            let msg = format!("unknown kind {other:?} (expected \"feed\" or \"html\")");
            f.problem(r, &span, "kind", msg);
            None
        }
    }
}

/// `level`; absent means `kommune`, the level of most public bodies.
fn read_level(f: &Fields<'_, '_>, r: &mut Report<'_>) -> Option<Level> {
    if f.value("level").is_none() {
        return Some(Level::Kommune);
    }
    let (span, s) = f.string(r, "level")?;
    let level = Level::parse(s);
    if level.is_none() {
        let all: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
        let msg = format!("unknown level {s:?} (expected one of {})", all.join(", "));
        f.problem(r, &span, "level", msg);
    }
    level
}

/// `Some(None)` when absent, `Some(Some(land))` when valid, `None` after a problem.
fn read_land(f: &Fields<'_, '_>, r: &mut Report<'_>) -> Option<Option<Land>> {
    if f.value("land").is_none() {
        return Some(None);
    }
    let (span, s) = f.string(r, "land")?;
    match Land::parse(s) {
        Some(land) => Some(Some(land)),
        None => {
            let all: Vec<&str> = Land::ALL.iter().map(|l| l.code()).collect();
            let msg = format!("unknown Land {s:?} (expected one of {})", all.join(", "));
            f.problem(r, &span, "land", msg);
            None
        }
    }
}

/// `[source.list]`: optional for html and automatic sources (without it the teasers are found
/// automatically), an error on feeds.
/// `Some(None)` when rightly absent, `None` after a problem.
fn read_list(
    f: &Fields<'_, '_>,
    r: &mut Report<'_>,
    kind: Option<At<SourceKind>>,
) -> Option<Option<ListSelectors>> {
    let table = if f.value("list").is_some() {
        Some(f.table(r, "list")?)
    } else {
        None
    };
    match (kind, table) {
        (Some((_, SourceKind::Feed)), Some((span, _))) => {
            let msg = "[source.list] is only for kind = \"html\"; remove it for feeds";
            f.problem(r, &span, "list", msg);
            None
        }
        (_, Some((span, table))) => read_list_table(f, r, table, span).map(Some),
        (_, None) => Some(None),
    }
}

fn read_list_table(
    parent: &Fields<'_, '_>,
    r: &mut Report<'_>,
    table: &DeTable<'_>,
    span: Range<usize>,
) -> Option<ListSelectors> {
    let f = Fields::new(table, span, LIST_KEYS).with_prefix(parent.context(), "list.");
    f.reject_unknown(r);
    let item = match f.required_string(r, "item") {
        Some(_) => selector_field(&f, r, "item"),
        None => None,
    };
    let link = selector_field(&f, r, "link");
    let title = selector_field(&f, r, "title");
    let date = selector_field(&f, r, "date");
    Some(ListSelectors {
        item: item?,
        link,
        title,
        date,
    })
}

/// `[source.article]`: optional; `None` only after a problem.
fn read_article(f: &Fields<'_, '_>, r: &mut Report<'_>) -> Option<ArticleSelectors> {
    if f.value("article").is_none() {
        return Some(ArticleSelectors::default());
    }
    let (span, table) = f.table(r, "article")?;
    let a = Fields::new(table, span, ARTICLE_KEYS).with_prefix(f.context(), "article.");
    a.reject_unknown(r);
    Some(ArticleSelectors {
        title: selector_field(&a, r, "title"),
        date: selector_field(&a, r, "date"),
        body: selector_field(&a, r, "body"),
        tags: selector_field(&a, r, "tags"),
        remove: selector_field(&a, r, "remove"),
        author: selector_field(&a, r, "author"),
        kicker: selector_field(&a, r, "kicker"),
        subtitle: selector_field(&a, r, "subtitle"),
        summary: selector_field(&a, r, "summary"),
    })
}
