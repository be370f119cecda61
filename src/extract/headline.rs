//! Headline and kicker (Dachzeile) of an article page.
//!
//! Owns the title fallbacks (configured selector, og:title / JSON-LD headline, the article's
//! `<h1>`, `<title>` minus the site name) and kicker detection (a kicker-classed element in or
//! right before the headline, a short `E-Government:` line before it). It must never split an
//! ordinary headline at a colon: a kicker needs its own element or its own line.

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Selector};

use super::dom::{DomNode, attr, line_text, paragraphs, tag};
use super::meta::PageMeta;

/// Class fragments of kicker elements.
const KICKER_CLASSES: &[&str] = &[
    "kicker",
    "dachzeile",
    "topline",
    "overline",
    "roofline",
    "spitzmarke",
];
/// A kicker line longer than this is not a kicker.
const MAX_KICKER_CHARS: usize = 60;

/// The headline as found on the page.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Headline {
    /// Headline without kicker.
    pub title: Option<String>,
    /// Kicker without trailing colon.
    pub kicker: Option<String>,
    /// The headline element, if the page has one.
    pub node: Option<NodeId>,
    /// A subtitle set right after the headline (an `<h2>` without sentence end, or a
    /// `subtitle`/`unterzeile`-classed element): shown with the headline, not body text.
    pub subtitle: Option<String>,
}

/// Finds title and kicker; `title_sel` is the source's configured title selector.
pub(crate) fn find(doc: &Html, title_sel: Option<&Selector>, meta: &PageMeta) -> Headline {
    let el = match title_sel {
        Some(s) => doc.select(s).next(),
        None => headline_element(doc),
    };
    let (h_title, kicker) = el.map(split_kicker).unwrap_or_default();
    // A configured title selector may pick the headline's text alone (`h1 .title`): the kicker
    // is then beside it, not in it.
    let kicker = kicker.or_else(|| {
        title_sel?;
        kicker_around(*el?)
    });
    let declared = meta
        .og_title
        .as_deref()
        .or(meta.ld.headline.as_deref())
        .map(strip_site_name)
        .map(|t| strip_kicker_prefix(&t, kicker.as_deref()))
        .filter(|t| !t.is_empty());
    let title = match (h_title.filter(|t| !t.is_empty()), declared) {
        (Some(h), _) if title_sel.is_some() => Some(h),
        (Some(h), Some(d)) if contains_ci(&d, &h) => Some(h),
        (_, Some(d)) => Some(d),
        (Some(h), None) => Some(h),
        (None, None) => document_title(doc),
    };
    Headline {
        title,
        kicker,
        subtitle: el.and_then(|e| subtitle_after(*e)),
        node: el.map(|e| e.id()),
    }
}

/// How many levels above a selected headline a kicker-classed element is looked for.
const KICKER_LEVELS: usize = 3;

/// A kicker-classed element near `el` but outside it: in its parent, grandparent or the level
/// above (`<h1><span class="kicker">…</span><span class="title">…</span></h1>` selected by
/// `.title`).
fn kicker_around(el: DomNode<'_>) -> Option<String> {
    el.ancestors()
        .take(KICKER_LEVELS)
        .find_map(|anc| {
            anc.descendants().find(|n| {
                n.id() != el.id()
                    && has_kicker_class(*n)
                    && !n.ancestors().any(|a| a.id() == el.id())
            })
        })
        .and_then(|k| clean_kicker(&line_text(k)))
}

/// Class fragments of subtitle elements (`teaser-subtitle` and `sub-title` included).
const SUBTITLE_CLASSES: &[&str] = &[
    "subtitle",
    "sub-title",
    "sub_title",
    "subline",
    "unterzeile",
    "untertitel",
    "subheadline",
    "sub-headline",
];
/// Fewest words of a subtitle that no class marks (`Pressemitteilung` alone is a label).
const MIN_SUBTITLE_WORDS: usize = 3;
/// A subtitle longer than this is a lead.
const MAX_SUBTITLE_CHARS: usize = 200;

/// The subtitle of the headline `head`: the element right after it (or after its wrapper when
/// the headline ends a wrapper of at most two elements, a kicker and itself) when it is a subtitle-classed element, a heading
/// or a wholly bold line that does not end a sentence (a sentence is a lead), or the next
/// heading or line in the headline's `<hgroup>`. Never a kicker.
fn subtitle_after(head: DomNode<'_>) -> Option<String> {
    if let Some(group) = head.parent().filter(|p| tag(*p) == Some("hgroup")) {
        let text = group
            .children()
            .skip_while(|c| c.id() != head.id())
            .skip(1)
            .filter(|c| tag(*c).is_some() && !has_kicker_class(*c))
            .map(line_text)
            .find(|t| !t.is_empty())?;
        return (text.chars().count() <= MAX_SUBTITLE_CHARS).then_some(text);
    }
    next_element(head).and_then(subtitle_element).or_else(|| {
        // A wrapper of the headline alone, or of a kicker and the headline after it.
        let wrapper = head
            .parent()
            .filter(|_| next_element(head).is_none())
            .filter(|p| p.children().filter(|c| tag(*c).is_some()).count() <= 2)
            .filter(|p| !matches!(tag(*p), Some("article" | "main" | "body" | "td")))?;
        next_element(wrapper).and_then(subtitle_element)
    })
}

/// The next sibling element, unless text stands between.
fn next_element(n: DomNode<'_>) -> Option<DomNode<'_>> {
    let next = n
        .next_siblings()
        .find(|n| tag(*n).is_some() || n.value().as_text().is_some_and(|t| !t.trim().is_empty()))?;
    tag(next).is_some().then_some(next)
}

/// `next`'s text when it is a subtitle by class, heading level or bold legacy markup.
fn subtitle_element(next: DomNode<'_>) -> Option<String> {
    let name = tag(next)?;
    if has_kicker_class(next) {
        return None;
    }
    let classed = attr(next, "class").is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        SUBTITLE_CLASSES.iter().any(|k| c.contains(k))
    });
    let heading = matches!(name, "h2" | "h3" | "h4");
    if !classed && !heading && !wholly_bold(next) {
        return None;
    }
    let text = line_text(next);
    // Unclassed, a line after the headline is a subtitle only if it reads like one: a few words
    // without a sentence end, no dateline (`Berlin, 11.12.2020`), no byline (`Von …`).
    let reads_like_one = || {
        !text.ends_with(['.', '!', '?', ':'])
            && text.split_whitespace().count() >= MIN_SUBTITLE_WORDS
            && super::dates::find_date(&text).is_none()
            && super::byline::parse_byline(&text).is_none()
    };
    let ok = !text.is_empty()
        && text.chars().count() <= MAX_SUBTITLE_CHARS
        && (classed || reads_like_one());
    ok.then_some(text)
}

/// A legacy bold line: `<b>…</b>`/`<strong>…</strong>` itself, or a `<p>`/`<div>` whose text is
/// all inside `<b>`/`<strong>`.
fn wholly_bold(n: DomNode<'_>) -> bool {
    let bold = |t: &str| matches!(t, "b" | "strong");
    match tag(n) {
        Some(t) if bold(t) => true,
        Some("p" | "div" | "font") => {
            let mut any = false;
            for d in n.descendants() {
                if let Some(t) = d.value().as_text() {
                    if t.trim().is_empty() {
                        continue;
                    }
                    if !d
                        .ancestors()
                        .take_while(|a| a.id() != n.id())
                        .any(|a| tag(a).is_some_and(bold))
                    {
                        return false;
                    }
                    any = true;
                }
            }
            any
        }
        _ => false,
    }
}

/// The article's `<h1>`: inside `<article>`/`<main>`/`[role=main]` first, else the first
/// non-empty one (the selectors `article h1, main h1, [role=main] h1`, then `h1`, in one walk
/// over the tree instead of two selector passes).
fn headline_element(doc: &Html) -> Option<ElementRef<'_>> {
    let h1s: Vec<ElementRef<'_>> = doc
        .tree
        .root()
        .descendants()
        .filter(|n| tag(*n) == Some("h1"))
        .filter_map(ElementRef::wrap)
        .collect();
    let scoped = |e: &&ElementRef<'_>| {
        e.ancestors()
            .any(|a| matches!(tag(a), Some("article" | "main")) || attr(a, "role") == Some("main"))
    };
    let non_empty = |e: &&ElementRef<'_>| !line_text(***e).is_empty();
    h1s.iter()
        .filter(scoped)
        .find(non_empty)
        .or_else(|| h1s.iter().find(non_empty))
        .copied()
}

/// Headline text and kicker of a headline element.
fn split_kicker(el: ElementRef<'_>) -> (Option<String>, Option<String>) {
    let inner = el.descendants().skip(1).find(|n| has_kicker_class(*n));
    if let Some(k) = inner {
        let kicker = clean_kicker(&line_text(k));
        let skip = |n: DomNode<'_>| n.id() == k.id();
        let title = paragraphs(*el, &skip).join(" ");
        return (Some(title), kicker);
    }
    let lines: Vec<String> = paragraphs(*el, &|_| false)
        .join("\n")
        .split('\n')
        .map(str::to_string)
        .collect();
    if let [first, rest @ ..] = lines.as_slice()
        && !rest.is_empty()
        && first.ends_with(':')
        && let Some(k) = clean_kicker(first)
    {
        return (Some(rest.join(" ")), Some(k));
    }
    (Some(line_text(*el)), kicker_before(*el))
}

/// A kicker element or short `Xyz:` line right before the headline (or its wrapper).
fn kicker_before(el: DomNode<'_>) -> Option<String> {
    let mut candidates = Vec::new();
    candidates.extend(prev_element(el));
    if let Some(p) = el
        .parent()
        .filter(|p| p.children().filter(|c| tag(*c).is_some()).count() == 1)
    {
        candidates.extend(prev_element(p));
    }
    candidates.into_iter().find_map(|c| {
        let text = line_text(c);
        if has_kicker_class(c) || (text.ends_with(':') && text.split_whitespace().count() <= 6) {
            clean_kicker(&text)
        } else {
            None
        }
    })
}

/// The previous sibling that is an element.
fn prev_element(n: DomNode<'_>) -> Option<DomNode<'_>> {
    let mut cur = n.prev_sibling();
    while let Some(c) = cur {
        if tag(c).is_some() {
            return Some(c);
        }
        if c.value().as_text().is_some_and(|t| !t.trim().is_empty()) {
            return None;
        }
        cur = c.prev_sibling();
    }
    None
}

fn has_kicker_class(n: DomNode<'_>) -> bool {
    attr(n, "class").is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        KICKER_CLASSES.iter().any(|k| c.contains(k))
    })
}

/// `E-Government:` → `E-Government`; empty or over-long kickers → `None`.
fn clean_kicker(s: &str) -> Option<String> {
    let k = s.trim().trim_end_matches(':').trim();
    (!k.is_empty() && k.chars().count() <= MAX_KICKER_CHARS).then(|| k.to_string())
}

/// `Kicker: Title` → `Title` when the kicker is known.
fn strip_kicker_prefix(title: &str, kicker: Option<&str>) -> String {
    if let Some(k) = kicker
        && let Some(rest) = title.strip_prefix(k)
        && let Some(rest) = rest.trim_start().strip_prefix(':')
    {
        return rest.trim().to_string();
    }
    title.to_string()
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

/// The `<title>` text without the site name.
fn document_title(doc: &Html) -> Option<String> {
    let sel = Selector::parse("title").ok()?;
    let t = doc.select(&sel).next().map(|e| line_text(*e))?;
    let t = strip_site_name(&t);
    (!t.is_empty()).then_some(t)
}

/// Removes a site name joined with ` | `, ` - `, ` – ` or ` — `:
/// for `|` the part with most words wins (the first on ties);
/// for dashes a short (≤ 3 words) last or first part is dropped.
pub(crate) fn strip_site_name(title: &str) -> String {
    let title = title.trim();
    if title.contains(" | ") {
        return title
            .split(" | ")
            .map(str::trim)
            .enumerate()
            .max_by_key(|(i, p)| (p.split_whitespace().count(), std::cmp::Reverse(*i)))
            .map_or(title, |(_, p)| p)
            .to_string();
    }
    for sep in [" – ", " — ", " - ", " :: "] {
        if let Some((head, tail)) = title.rsplit_once(sep)
            && tail.split_whitespace().count() <= 3
            && head.split_whitespace().count() >= 2
        {
            return head.trim().to_string();
        }
        if let Some((head, tail)) = title.split_once(sep)
            && head.split_whitespace().count() <= 3
            && tail.split_whitespace().count() >= 3
        {
            return tail.trim().to_string();
        }
    }
    title.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(html: &str) -> Headline {
        let doc = Html::parse_document(html);
        let meta = PageMeta::read(&doc);
        find(&doc, None, &meta)
    }

    #[test]
    fn titles_and_kickers_table() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            (
                "<h1>Bayern und Brandenburg kooperieren</h1>",
                Some("Bayern und Brandenburg kooperieren"),
                None,
            ),
            (
                "<p class=kicker>E-Government:</p><h1>Bayern kooperiert</h1>",
                Some("Bayern kooperiert"),
                Some("E-Government"),
            ),
            (
                "<div>E-Government:</div><h1>Bayern kooperiert</h1>",
                Some("Bayern kooperiert"),
                Some("E-Government"),
            ),
            (
                "<h1><span class=dachzeile>Digitales</span> Neue App</h1>",
                Some("Neue App"),
                Some("Digitales"),
            ),
            (
                "<h1>E-Government:<br>Bayern kooperiert</h1>",
                Some("Bayern kooperiert"),
                Some("E-Government"),
            ),
            (
                "<h1>Thüringen: Zwei OZG-Schwerpunkte</h1>",
                Some("Thüringen: Zwei OZG-Schwerpunkte"),
                None,
            ),
            (
                "<p>Ein ganz normaler langer Satz vor der Überschrift, der mit Doppelpunkt endet, aber kein Kicker ist:</p><h1>T</h1>",
                Some("T"),
                None,
            ),
            (
                "<head><title>Neue Servicekonten für alle | Staatskanzlei</title></head><body></body>",
                Some("Neue Servicekonten für alle"),
                None,
            ),
            (
                "<head><meta property=og:title content='E-Government: Bayern kooperiert | Kommune21'></head><h1><span class=kicker>E-Government:</span> Bayern kooperiert</h1>",
                Some("Bayern kooperiert"),
                Some("E-Government"),
            ),
            (
                "<head><meta property=og:title content='Echter Titel'></head><h1>Logo der Behörde</h1>",
                Some("Echter Titel"),
                None,
            ),
            (
                "<header><h1>Logo</h1></header><article><h1>Artikel</h1></article>",
                Some("Artikel"),
                None,
            ),
            ("", None, None),
        ];
        for (html, title, kicker) in cases {
            let h = head(html);
            assert_eq!(h.title.as_deref(), *title, "title of {html}");
            assert_eq!(h.kicker.as_deref(), *kicker, "kicker of {html}");
        }
    }

    #[test]
    fn site_names_table() {
        let cases = [
            ("Titel | Kommune21", "Titel"),
            (
                "BMI | Pressemitteilungen | Bund und Länder einig",
                "Bund und Länder einig",
            ),
            ("Bund und Länder einig - BMI", "Bund und Länder einig"),
            (
                "BMI - Bund und Länder sind sich einig",
                "Bund und Länder sind sich einig",
            ),
            ("Nord-Süd-Dialog", "Nord-Süd-Dialog"),
            ("Ein - Zwei", "Ein - Zwei"),
        ];
        for (input, want) in cases {
            assert_eq!(strip_site_name(input), want, "{input}");
        }
    }
}
