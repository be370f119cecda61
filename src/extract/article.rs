//! One article page into a `Draft`: selectors where the source gives them, automatic where not.
//!
//! Owns the order of fallbacks for every field (date, author, tags, summary, language, canonical
//! URL) and the final clean-up of the body (no duplicated title, kicker or date line at its top).
//! It must never fail because a field is missing (only invalid selectors and a non-http page URL
//! are errors) and never let page text flow into tags or the other way round.

use chrono::Utc;
use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{Html, Selector};

use super::dom::{attr, line_text, paragraphs};
use super::headline::{self, Headline};
use super::meta::PageMeta;
use super::text::{join_paragraphs, truncate_words};
use super::{
    ExtractError, auto, boiler, byline, canonical, dates, detect_language, page_base_url, pubdate,
    selector, tags,
};
use crate::model::{ArticleSelectors, Draft};

/// Summaries are cut to about this many characters.
const SUMMARY_CHARS: usize = 300;

/// Compiled article selectors.
#[derive(Default)]
struct Compiled {
    title: Option<Selector>,
    date: Option<Selector>,
    body: Option<Selector>,
    tags: Option<Selector>,
    remove: Option<Selector>,
    author: Option<Selector>,
    kicker: Option<Selector>,
    subtitle: Option<Selector>,
    summary: Option<Selector>,
}

impl Compiled {
    fn new(sel: &ArticleSelectors) -> Result<Self, ExtractError> {
        let opt = |field, s: &Option<String>| {
            s.as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| selector(field, s))
                .transpose()
        };
        Ok(Compiled {
            title: opt("title", &sel.title)?,
            date: opt("date", &sel.date)?,
            body: opt("body", &sel.body)?,
            tags: opt("tags", &sel.tags)?,
            remove: opt("remove", &sel.remove)?,
            author: opt("author", &sel.author)?,
            kicker: opt("kicker", &sel.kicker)?,
            subtitle: opt("subtitle", &sel.subtitle)?,
            summary: opt("summary", &sel.summary)?,
        })
    }
}

/// Extracts an article page. `page_url` is the URL the page was fetched from (after redirects).
pub fn extract_article(
    html: &str,
    page_url: &str,
    sel: &ArticleSelectors,
) -> Result<Draft, ExtractError> {
    let base = page_base_url(page_url)?;
    let c = Compiled::new(sel)?;
    let mut reads = super::dom::Reads::attrs(super::dom::ARTICLE_ATTRS).href_with_rel();
    for css in [
        &sel.title,
        &sel.date,
        &sel.body,
        &sel.tags,
        &sel.remove,
        &sel.author,
        &sel.kicker,
        &sel.subtitle,
        &sel.summary,
    ]
    .into_iter()
    .flatten()
    {
        reads = reads.with_selector(css);
    }
    let mut doc = super::dom::parse_document(html, &reads);
    if let Some(r) = &c.remove {
        remove_matches(&mut doc, r);
    }
    let meta = PageMeta::read(&doc);
    let mut head = headline::find(&doc, c.title.as_ref(), &meta);
    if let Some(k) = c.kicker.as_ref().and_then(|s| selected_line(&doc, s)) {
        head.kicker = Some(k.trim_end_matches(':').trim().to_string());
    }
    if let Some(s) = c.subtitle.as_ref().and_then(|s| selected_line(&doc, s)) {
        head.subtitle = Some(s);
    }
    let selected_summary = c
        .summary
        .as_ref()
        .and_then(|s| selected_line(&doc, s))
        .map(|s| truncate_words(&s, SUMMARY_CHARS));
    let published = find_published(&doc, &c, &meta, &head, page_url);
    let page_byline = byline(&doc).or_else(|| byline_after_headline(&doc, head.node));
    let tags = find_tags(&doc, &c, &meta);
    let declared: Vec<&str> = [meta.canonical.as_deref(), meta.og_url.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let doc_base = super::links::document_base(html, &base);
    let url = canonical::canonical_url_based(&base, &doc_base, &declared);
    let body = match &c.body {
        Some(b) => selected_body(&doc, b),
        None => auto::body_paragraphs(&mut doc),
    };
    let body = strip_leading_dupes(body, &head);
    let body = drop_subtitle(body, head.subtitle.as_deref());
    let subtitle = head.subtitle.clone();
    let (body, body_byline) = take_byline_lines(body);
    let split = |s: &Option<String>| s.as_deref().and_then(byline::Author::split);
    let selected_author = c.author.as_ref().and_then(|s| selected_author(&doc, s));
    let author = match selected_author {
        Some(a) => Some(a),
        None => byline::best_author([
            split(&meta.author),
            split(&meta.ld.author),
            split(&meta.rel_author),
            page_byline,
            body_byline,
        ]),
    };
    let text = join_paragraphs(&body);
    let lead = body
        .iter()
        .find(|p| p.chars().count() >= 40)
        .or(body.first())
        .map(|s| truncate_words(s, SUMMARY_CHARS));
    let summary = selected_summary.or_else(|| {
        meta.description
            .as_deref()
            .map(|s| truncate_words(s, SUMMARY_CHARS))
            .or_else(|| lead.clone())
    });
    let sample = if text.is_empty() {
        head.title.as_deref().unwrap_or_default()
    } else {
        &text
    };
    Ok(Draft {
        url,
        lang: detect_language(sample, meta.html_lang.as_deref()),
        title: head.title,
        kicker: head.kicker,
        published: published.map(|d| pubdate::stored(d).with_timezone(&Utc)),
        published_offset: published.map(|d| pubdate::stored(d).offset().local_minus_utc()),
        published_precision: published.map(|(_, p)| p).unwrap_or_default(),
        author_role: author.as_ref().and_then(|a| a.role.clone()),
        author: author.map(|a| a.name),
        subtitle,
        tags,
        summary,
        lead,
        text,
    })
}

/// The text of the first non-empty element `sel` matches, on one line.
fn selected_line(doc: &Html, sel: &Selector) -> Option<String> {
    doc.select(sel)
        .map(|e| line_text(*e))
        .find(|t| !t.trim().is_empty())
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// How many paragraphs at the body's start are looked at for the subtitle.
const SUBTITLE_PARAGRAPHS: usize = 5;

/// The body without the subtitle among its first paragraphs (a byline or date line may stand
/// before it, so it is not always at the very top).
fn drop_subtitle(mut body: Vec<String>, subtitle: Option<&str>) -> Vec<String> {
    let Some(sub) = subtitle else {
        return body;
    };
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let sub = norm(sub);
    if let Some(i) = body
        .iter()
        .take(SUBTITLE_PARAGRAPHS)
        .position(|p| norm(p) == sub)
    {
        body.remove(i);
    }
    body
}

/// Detaches every element matching the source's `remove` selector.
fn remove_matches(doc: &mut Html, sel: &Selector) {
    let ids: Vec<NodeId> = doc.select(sel).map(|e| e.id()).collect();
    for id in ids {
        if let Some(mut n) = doc.tree.get_mut(id) {
            n.detach();
        }
    }
}

/// The body from the configured selector: every match, in order, without picture captions and
/// credits, tidied.
fn selected_body(doc: &Html, sel: &Selector) -> Vec<String> {
    let captions = boiler::caption_nodes(doc);
    let skip = |n: super::dom::DomNode<'_>| captions.contains(&n.id());
    let mut out = Vec::new();
    for e in doc.select(sel) {
        out.extend(paragraphs(*e, &skip));
    }
    boiler::tidy(out)
}

/// Publication date in the page's own offset and its precision: the source's date selector,
/// else the best evidence on the page (see `pubdate`).
fn find_published(
    doc: &Html,
    c: &Compiled,
    meta: &PageMeta,
    head: &Headline,
    page_url: &str,
) -> Option<pubdate::Dated> {
    if let Some(s) = &c.date
        && let Some(d) = doc.select(s).find_map(|e| pubdate::element_date(*e))
    {
        return Some(d);
    }
    pubdate::find(doc, meta, head, page_url)
}

/// The author in the first element the source's `author` selector matches: a byline line
/// (`Von …`) or a bare name, role split off.
fn selected_author(doc: &Html, sel: &Selector) -> Option<byline::Author> {
    let text = doc
        .select(sel)
        .map(|e| line_text(*e))
        .find(|t| !t.is_empty())?;
    byline::parse_byline(&text).or_else(|| byline::Author::split(&text))
}

/// Text of the first element classed `author`/`byline`/`autor`, without a `Von`/`By` prefix
/// and with a role after the name split off.
fn byline(doc: &Html) -> Option<byline::Author> {
    doc.tree.root().descendants().find_map(|n| {
        // Case-insensitive without a lowercased copy of every class on the page.
        let class = attr(n, "class")?.as_bytes();
        if ![&b"byline"[..], b"author", b"autor", b"verfasser"]
            .iter()
            .any(|k| class.windows(k.len()).any(|w| w.eq_ignore_ascii_case(k)))
        {
            return None;
        }
        let text = line_text(n);
        if let Some(name) = byline::parse_byline(&text) {
            return Some(name);
        }
        byline::Author::split(&text).filter(|a| a.name.chars().count() <= 80)
    })
}

/// How much text after the headline is searched for a byline line.
const BYLINE_WINDOW: usize = 800;

/// A byline line (`Autorin: …`, `Von …`, `Ein Beitrag von …`) in one of the small blocks right
/// after the headline, wherever the layout put it (boilerplate stripping may take a
/// `<p class="meta">` out of the body before the body is read).
fn byline_after_headline(doc: &Html, head: Option<NodeId>) -> Option<byline::Author> {
    let head = head?;
    let mut after = false;
    let mut seen = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Close(n) if n.id() == head => after = true,
            Edge::Open(n) if after => {
                if let Some(t) = n.value().as_text() {
                    seen += t.len();
                    if seen > BYLINE_WINDOW {
                        return None;
                    }
                    continue;
                }
                let Some(name) = super::dom::tag(n) else {
                    continue;
                };
                if super::dom::is_skipped_tag(name) {
                    continue;
                }
                let leaf = !n
                    .descendants()
                    .skip(1)
                    .any(|d| super::dom::tag(d).is_some_and(super::dom::is_block_tag));
                if leaf
                    && matches!(
                        name,
                        "p" | "div" | "span" | "address" | "small" | "li" | "dd" | "em" | "strong"
                    )
                    && let Some(b) = byline::parse_byline(&line_text(n))
                {
                    return Some(b);
                }
            }
            _ => {}
        }
    }
    None
}

/// How many paragraphs at the start and at the end of the body are looked at for byline lines.
const BYLINE_PARAGRAPHS: usize = 3;

/// The body without byline lines among its first paragraphs, and the name of the first byline
/// at its start or end. A byline at the end stays in the text: there it closes the article
/// (`Autor: …, Landesanstalt für Landwirtschaft`) and readers and benchmarks count it as text.
fn take_byline_lines(body: Vec<String>) -> (Vec<String>, Option<byline::Author>) {
    let n = body.len();
    let mut top = None;
    let mut bottom = None;
    let mut out = Vec::with_capacity(n);
    for (i, p) in body.into_iter().enumerate() {
        if i < BYLINE_PARAGRAPHS
            && let Some(name) = byline::parse_byline(&p)
        {
            top = top.or(Some(name));
            continue;
        }
        if i + BYLINE_PARAGRAPHS >= n && bottom.is_none() {
            bottom = byline::parse_byline(&p);
        }
        out.push(p);
    }
    (out, top.or(bottom))
}

/// Tags: the configured selector, else labelled blocks, `article:tag` and `keywords` metas.
fn find_tags(doc: &Html, c: &Compiled, meta: &PageMeta) -> Vec<String> {
    if let Some(s) = &c.tags {
        return tags::selector_tags(doc, s);
    }
    let mut out = tags::block_tags(doc);
    tags::push_all(&mut out, meta.article_tags.iter().cloned());
    tags::push_all(&mut out, meta.keywords.iter().cloned());
    out
}

/// Drops title, kicker and date-only lines at the top of the body and a `[dd.mm.yyyy]` prefix
/// of the lede.
fn strip_leading_dupes(mut body: Vec<String>, head: &Headline) -> Vec<String> {
    let norm = |s: &str| s.trim().trim_end_matches(':').to_lowercase();
    let title = head.title.as_deref().map(norm);
    let kicker = head.kicker.as_deref().map(norm);
    let subtitle = head.subtitle.as_deref().map(norm);
    let mut drop = 0;
    for p in body.iter().take(4) {
        let n = norm(p);
        let is_head = Some(&n) == title.as_ref()
            || Some(&n) == kicker.as_ref()
            || Some(&n) == subtitle.as_ref()
            || matches!((&kicker, &title), (Some(k), Some(t)) if n == format!("{k}: {t}") || n == format!("{k} {t}") || n == format!("{k}:\n{t}"));
        let is_date_line = p.chars().count() <= 80
            && p.split_whitespace().count() <= 10
            && dates::find_date(p).is_some();
        if is_head || is_date_line {
            drop += 1;
        } else {
            break;
        }
    }
    body.drain(..drop);
    if let Some(first) = body.first_mut()
        && let Some(rest) = strip_bracket_date(first)
    {
        *first = rest;
    }
    body.retain(|p| !p.is_empty());
    body
}

/// `[11.12.2020] Text` → `Text`.
fn strip_bracket_date(p: &str) -> Option<String> {
    let inner = p.strip_prefix('[')?;
    let (date, rest) = inner.split_once(']')?;
    (date.len() <= 30 && dates::parse_date(date).is_some()).then(|| rest.trim().to_string())
}
