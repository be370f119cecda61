//! Boilerplate: what is never article text (navigation, cookie banners, share bars, footers,
//! related-news blocks) and where an article's text ends.
//!
//! Owns the tag, role and class/id vocabulary of boilerplate, the class weights used by scoring,
//! and the paragraph-level tidy-up (end markers such as `Weitere Meldungen`, print/share lines,
//! tag lines). It must never remove an element that holds most of a page's paragraph text (a
//! `<div id="page" class="with-sidebar">` wrapper is not a sidebar).

use ego_tree::NodeId;
use scraper::Html;

use super::dom::{DomNode, attr, is_skipped_tag, tag};
use super::stats::{self, NodeMap, Stats, measure};
use super::tags::is_tag_line;

/// Class/id fragments that mark boilerplate wherever they occur in a token.
const BOILER_PARTS: &[&str] = &[
    "breadcrumb",
    "cookie",
    "consent",
    "social",
    "sidebar",
    "footer",
    "banner",
    "pagination",
    "pager",
    "comment",
    "kommentar",
    "druck",
    "newsletter",
    "related",
    "skiplink",
    "sharing",
    "shariff",
    "navigation",
    "navbar",
    "subnav",
    "topnav",
    "metanav",
    "servicenav",
    "advert",
    "werbung",
    "popup",
    "modal",
    "toolbar",
    "backtotop",
    "totop",
    "sitemap",
    "sronly",
    "visuallyhidden",
    "screenreader",
    "teaserlist",
    "socialmedia",
    "bookmark",
    "gdpr",
    "caption",
    "credit",
    "copyright",
    "byline",
    "author",
    "rating",
];
/// Class/id tokens that mark boilerplate when a token starts or ends with them.
const BOILER_AFFIXES: &[&str] = &["nav", "menu", "share", "widget"];
/// Class/id tokens that mark boilerplate when a token starts with them.
const BOILER_PREFIXES: &[&str] = &["print", "skip"];
/// Class/id tokens that mark boilerplate only as whole tokens (`page-tools`, not `ctools`).
const BOILER_TOKENS: &[&str] = &[
    "ad", "ads", "tags", "meta", "marginal", "aside", "infobox", "tools",
];
/// Whole class names that mark boilerplate (`hidden`, but not Drupal's `field--label-hidden`).
const BOILER_CLASSES: &[&str] = &["hidden", "invisible", "d-none", "hide"];
/// ARIA roles of boilerplate.
const BOILER_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "menu",
    "menubar",
    "dialog",
    "alertdialog",
    "toolbar",
];
/// Class/id fragments that suggest article content (scoring bonus).
const POSITIVE: &[&str] = &[
    "article", "artikel", "body", "content", "inhalt", "entry", "main", "post", "text", "story",
    "meldung", "beitrag", "press", "blog", "richtext", "copy",
];
/// Class/id fragments that suggest non-content (scoring penalty).
const NEGATIVE: &[&str] = &[
    "comment", "footer", "footnote", "masthead", "meta", "promo", "related", "scroll", "share",
    "sidebar", "sponsor", "shopping", "tags", "tool", "widget", "teaser", "marginal", "banner",
    "contact", "kontakt", "links", "nav", "menu", "service", "social",
];
/// Paragraph starts after which an article is over.
const END_MARKERS: &[&str] = &[
    "weitere meldungen",
    "weitere beiträge",
    "weitere artikel",
    "weitere nachrichten",
    "weitere pressemitteilungen",
    "weitere informationen zum thema",
    "das könnte sie auch interessieren",
    "das könnte dich auch interessieren",
    "mehr zum thema",
    "ähnliche artikel",
    "ähnliche meldungen",
    "verwandte artikel",
    "verwandte themen",
    "auch interessant",
    "related articles",
    "related posts",
    "more on this topic",
    "you might also like",
    "zum seitenanfang",
    "zum weiterlesen",
    "lesen sie auch",
    "mehr lesen:",
    "weiterlesen:",
    "redaktionstipp",
    "while you are here",
];
/// `Weitere …` headings that belong to the article (a section of contacts, links, details).
const NOT_RELATED: &[&str] = &[
    "weitere informationen",
    "weitere hinweise",
    "weitere details",
    "weitere fragen",
    "weitere auskünfte",
    "weitere angaben",
];
/// Words that label a date line (`Aktualisiert: 11.04.2020, 10:27`, `Publiziert am 03.04.2020`).
const DATE_LABELS: &[&str] = &[
    "aktualisiert",
    "publiziert",
    "veröffentlicht",
    "erstellt",
    "geändert",
    "stand",
    "zuletzt",
    "updated",
    "published",
];
/// Words that make up print/share/mail lines (`Druckversion | PDF | Link mailen`).
const SHARE_WORDS: &[&str] = &[
    "druckversion",
    "drucken",
    "seite",
    "artikel",
    "pdf",
    "link",
    "mailen",
    "e-mail",
    "email",
    "teilen",
    "versenden",
    "per",
    "facebook",
    "twitter",
    "x",
    "linkedin",
    "xing",
    "whatsapp",
    "mastodon",
    "threads",
    "bluesky",
    "instagram",
    "print",
    "share",
    "nach",
    "oben",
    "zurück",
    "merken",
    "empfehlen",
    "vorlesen",
    "|",
    "·",
    "•",
    "/",
];

/// Longest class/id part lowercased on the stack; longer ones (rare) use a heap buffer.
const TOKEN_BUF: usize = 64;

/// Whether a byte belongs to a class/id token: ASCII letters and digits, and any byte of a
/// non-ASCII character (umlauts in German class names).
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c >= 0x80
}

/// Whether `f` holds for any lowercased token of the element's class and id: every run of
/// letters and digits of each space-separated part (`nav-main` → `nav`, `main`), plus the part
/// with its punctuation removed (`navmain`). Works on the attribute bytes without allocating
/// (this runs for every element of every page).
fn any_token(node: DomNode<'_>, mut f: impl FnMut(&[u8]) -> bool) -> bool {
    [attr(node, "class"), attr(node, "id")]
        .into_iter()
        .flatten()
        .flat_map(str::split_ascii_whitespace)
        .any(|part| part_tokens(part.as_bytes(), &mut f))
}

/// [`any_token`] for one space-separated part of a class or id.
fn part_tokens(part: &[u8], f: &mut impl FnMut(&[u8]) -> bool) -> bool {
    let mut stack = [0u8; TOKEN_BUF];
    let mut heap = Vec::new();
    let buf: &mut [u8] = match stack.get_mut(..part.len()) {
        Some(b) => b,
        None => {
            heap.resize(part.len(), 0);
            &mut heap
        }
    };
    for (d, c) in buf.iter_mut().zip(part) {
        *d = c.to_ascii_lowercase();
    }
    // Each run of word bytes is a token; tokens are compacted to the front of `buf`, which
    // leaves the part without punctuation in `buf[..joined]`.
    let (mut i, mut joined, mut pieces, mut punct) = (0, 0, 0, false);
    while i < buf.len() {
        if !is_word_byte(buf[i]) {
            punct = true;
            i += 1;
            continue;
        }
        let start = i;
        while i < buf.len() && is_word_byte(buf[i]) {
            i += 1;
        }
        if f(&buf[start..i]) {
            return true;
        }
        pieces += 1;
        buf.copy_within(start..i, joined);
        joined += i - start;
    }
    punct && pieces > 0 && f(&buf[..joined])
}

/// Whether `part` occurs in the class token `t`. A naive window scan with a first-byte check:
/// tokens are a few bytes long, and a searcher's set-up (or a `memcmp` call per window) costs
/// more than the search itself here (it runs for every vocabulary word on every class token).
fn has_part(t: &[u8], part: &[u8]) -> bool {
    let Some(&first) = part.first() else {
        return true;
    };
    t.len() >= part.len()
        && t.windows(part.len())
            .any(|w| w[0] == first && w.iter().zip(part).all(|(a, b)| a == b))
}

/// Whether a lowercased class/id token says boilerplate.
fn boiler_token(t: &[u8]) -> bool {
    BOILER_PARTS.iter().any(|p| has_part(t, p.as_bytes()))
        || BOILER_AFFIXES
            .iter()
            .any(|p| t.starts_with(p.as_bytes()) || t.ends_with(p.as_bytes()))
        || BOILER_PREFIXES.iter().any(|p| t.starts_with(p.as_bytes()))
        || BOILER_TOKENS.iter().any(|p| t == p.as_bytes())
}

/// True if an element's class/id says boilerplate.
fn boiler_class(node: DomNode<'_>) -> bool {
    let whole = attr(node, "class")
        .unwrap_or_default()
        .split_ascii_whitespace()
        .any(|c| BOILER_CLASSES.iter().any(|b| c.eq_ignore_ascii_case(b)));
    whole || any_token(node, boiler_token)
}

/// Scoring weight from class/id: +25 for content-like names, -25 for boilerplate-like ones.
pub(crate) fn class_weight(node: DomNode<'_>) -> f64 {
    let mut w = 0.0;
    if any_token(node, |t| NEGATIVE.iter().any(|n| has_part(t, n.as_bytes()))) {
        w -= 25.0;
    }
    if any_token(node, |t| POSITIVE.iter().any(|p| has_part(t, p.as_bytes()))) {
        w += 25.0;
    }
    if attr(node, "itemprop") == Some("articleBody") || attr(node, "role") == Some("main") {
        w += 50.0;
    }
    w
}

/// Whether the element is hidden from readers.
fn hidden(node: DomNode<'_>) -> bool {
    if attr(node, "hidden").is_some() || attr(node, "aria-hidden") == Some("true") {
        return true;
    }
    attr(node, "style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// Why an element is boilerplate, if it is: `Some(true)` always, `Some(false)` unless it holds
/// most of the page's paragraph text.
fn verdict(node: DomNode<'_>) -> Option<bool> {
    let name = tag(node)?;
    if matches!(name, "html" | "body" | "main") || attr(node, "itemprop") == Some("articleBody") {
        return None;
    }
    if is_skipped_tag(name) || matches!(name, "nav" | "figcaption") || hidden(node) {
        return Some(true);
    }
    let role = attr(node, "role").map(str::to_ascii_lowercase);
    if role.as_deref().is_some_and(|r| BOILER_ROLES.contains(&r)) {
        return Some(true);
    }
    // An article's own `<header>` (headline, lead) is not the page header: it holds the h1.
    if name == "header" && !boiler_class(node) && node.descendants().any(|d| tag(d) == Some("h1")) {
        return None;
    }
    // A heading's id is often made from its own words (`nav_nur_die_folie`): class/id words
    // say nothing about headings, and the block holding a boilerplate heading is caught anyway.
    let heading = matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
    if matches!(name, "header" | "footer" | "aside" | "form" | "dialog")
        || (!heading && boiler_class(node))
    {
        return Some(false);
    }
    None
}

/// Detaches boilerplate elements from `doc` and returns the [`Stats`] of what remains (measured
/// once before stripping, then refreshed only along the ancestors of what was removed).
pub(crate) fn strip(doc: &mut Html) -> NodeMap<Stats> {
    let mut stats = measure(doc.tree.root());
    let total_p = stats.get(&doc.tree.root().id()).map_or(0, |s| s.p_text);
    let doomed = doomed(doc, &stats, total_p);
    let stale = {
        let nodes: Vec<DomNode<'_>> = doomed.iter().filter_map(|id| doc.tree.get(*id)).collect();
        stats::stale_ancestors(&nodes, &stats)
    };
    for id in doomed {
        if let Some(mut n) = doc.tree.get_mut(id) {
            n.detach();
        }
    }
    stats::refresh(doc, &mut stats, &stale);
    stats
}

/// The outermost boilerplate elements of `doc`.
fn doomed(doc: &Html, stats: &NodeMap<Stats>, total_p: u32) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut inside: Option<NodeId> = None;
    for edge in doc.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) if inside.is_none() => {
                let holds_most = || {
                    let p = stats.get(&node.id()).map_or(0, |s| s.p_text);
                    total_p > 0 && u64::from(p) * 2 >= u64::from(total_p)
                };
                let remove = match verdict(node) {
                    Some(true) => true,
                    Some(false) => !holds_most(),
                    None => false,
                };
                if remove {
                    out.push(node.id());
                    inside = Some(node.id());
                }
            }
            ego_tree::iter::Edge::Close(node) if inside == Some(node.id()) => inside = None,
            _ => {}
        }
    }
    out
}

/// Paragraph-level clean-up of extracted text: cuts at end markers and print/share lines once
/// some text was seen, drops them (and tag lines) before that.
pub(crate) fn tidy(paras: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(paras.len());
    let mut seen_chars = 0usize;
    for p in paras {
        let ends = is_end_marker(&p) || is_share_line(&p);
        if ends && seen_chars >= 150 {
            break;
        }
        if ends || is_tag_line(&p) || is_date_line(&p) {
            continue;
        }
        seen_chars += p.len();
        out.push(p);
    }
    out
}

/// `Weitere Meldungen …`, `Mehr zum Thema` and friends (short lines only); also any heading-like
/// line of at most four words starting `Weitere` (`Weitere Themen`, `Weitere Tourentipps in
/// Schweden`), which introduces a list of other articles — but not `Weitere Informationen` and
/// the like, which head the article's own last section.
pub(crate) fn is_end_marker(p: &str) -> bool {
    if p.chars().count() > 120 {
        return false;
    }
    let lower = p.to_lowercase();
    if p.starts_with("Weitere ")
        && !NOT_RELATED.iter().any(|w| lower.starts_with(w))
        && lower.split_whitespace().count() <= 4
        && !lower.ends_with(['.', '!', '?', ','])
    {
        return true;
    }
    END_MARKERS.iter().any(|m| lower.starts_with(m))
}

/// A short line that only labels a date (`Aktualisiert: 11.04.2020, 10:27`, `Publiziert am
/// 03.04.2020`): page furniture wherever it stands in the body.
pub(crate) fn is_date_line(p: &str) -> bool {
    if p.chars().count() > 60 {
        return false;
    }
    let lower = p.to_lowercase();
    DATE_LABELS.iter().any(|l| lower.starts_with(l)) && super::dates::find_date(p).is_some()
}

/// A line made only of print/share/mail words, e.g. `Druckversion | PDF | Link mailen`.
pub(crate) fn is_share_line(p: &str) -> bool {
    if p.chars().count() > 100 {
        return false;
    }
    let lower = p.to_lowercase();
    let mut words = lower.split_whitespace().peekable();
    words.peek().is_some()
        && words.all(|w| SHARE_WORDS.contains(&w.trim_matches(|c: char| c == ':' || c == ',')))
        && lower.split_whitespace().count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_vocabulary() {
        let cases = [
            (r#"<div class="navMain">x</div>"#, true),
            (r#"<div id="cookie-consent">x</div>"#, true),
            (r#"<div class="c-breadcrumb">x</div>"#, true),
            (r#"<div class="mainmenu">x</div>"#, true),
            (r#"<div class="canvas unavailable">x</div>"#, false),
            (r#"<div class="article-body">x</div>"#, false),
            (r#"<div class="teaser">x</div>"#, false),
            (r#"<div class="teaser-list">x</div>"#, true),
            (r#"<div class="shariff">x</div>"#, true),
            (r#"<div class="printversion">x</div>"#, true),
            (r#"<div class="sprint">x</div>"#, false),
            (r#"<div class="field field--label-hidden">x</div>"#, false),
            (r#"<div class="hidden">x</div>"#, true),
            (r#"<div class="block-ctools-block">x</div>"#, false),
            (r#"<div class="page-tools">x</div>"#, true),
        ];
        for (html, want) in cases {
            let doc = Html::parse_fragment(html);
            let div = doc
                .tree
                .root()
                .descendants()
                .find(|n| tag(*n) == Some("div"));
            assert_eq!(div.map(boiler_class), Some(want), "{html}");
        }
    }

    #[test]
    fn class_and_id_tokens() {
        let cases: [(&str, &[&str]); 5] = [
            (r#"<div class="navMain">x</div>"#, &["navmain"]),
            (
                r#"<div class="c-Breadcrumb x" id="top_Nav">x</div>"#,
                &[
                    "c",
                    "breadcrumb",
                    "cbreadcrumb",
                    "x",
                    "top",
                    "nav",
                    "topnav",
                ],
            ),
            (r#"<div class="-- a_b">x</div>"#, &["a", "b", "ab"]),
            (r#"<div id="Über-uns">x</div>"#, &["Über", "uns", "Überuns"]),
            (r#"<div>x</div>"#, &[]),
        ];
        for (html, want) in cases {
            let doc = Html::parse_fragment(html);
            let div = doc
                .tree
                .root()
                .descendants()
                .find(|n| tag(*n) == Some("div"));
            let mut got = Vec::new();
            if let Some(div) = div {
                any_token(div, |t| {
                    got.push(String::from_utf8_lossy(t).into_owned());
                    false
                });
            }
            assert_eq!(got, want, "{html}");
        }
    }

    #[test]
    fn headings_are_not_judged_by_their_id() {
        let doc = Html::parse_document(
            "<body><h3 id=\"nav_weiter_im_text\">Weiter im Text</h3><div class=\"nav\">x</div></body>",
        );
        let h3 = doc
            .tree
            .root()
            .descendants()
            .find(|n| tag(*n) == Some("h3"));
        let div = doc
            .tree
            .root()
            .descendants()
            .find(|n| tag(*n) == Some("div"));
        assert_eq!(h3.map(verdict), Some(None));
        assert_eq!(div.map(verdict), Some(Some(false)));
    }

    #[test]
    fn article_header_with_headline_is_not_boilerplate() {
        let doc = Html::parse_document(
            "<body><header><a href=\"/\">Logo</a></header><article><header><h1>Titel</h1>\
             <p>Vorspann.</p></header></article><header class=\"site-nav\"><h1>Logo</h1></header></body>",
        );
        let verdicts: Vec<Option<bool>> = doc
            .tree
            .root()
            .descendants()
            .filter(|n| tag(*n) == Some("header"))
            .map(verdict)
            .collect();
        assert_eq!(verdicts, [Some(false), None, Some(false)]);
    }

    #[test]
    fn tidy_cuts_and_drops() {
        let long = "Ein langer Absatz ".repeat(10);
        let paras = vec![
            "Drucken | Teilen".to_string(),
            long.clone(),
            "Stichwörter: A, B".into(),
            "Zweiter Absatz.".into(),
            "Druckversion PDF Link mailen".into(),
            "Weitere Meldungen und Beiträge aus dem Bereich Politik".into(),
            "Fremder Teaser".into(),
        ];
        assert_eq!(
            tidy(paras),
            vec![long.clone(), "Zweiter Absatz.".to_string()]
        );
        let reading = vec![long.clone(), "Zum Weiterlesen:".into(), "Buchtipp".into()];
        assert_eq!(tidy(reading), vec![long.clone()]);
        let marker_first = vec!["Mehr zum Thema".to_string(), "Text.".into()];
        assert_eq!(tidy(marker_first), ["Text."]);
        let related = vec![long.clone(), "Mehr lesen:".into(), "Anderer Artikel".into()];
        assert_eq!(tidy(related), vec![long.clone()]);
        let more = vec![
            long.clone(),
            "Weitere Tourentipps in Schweden".into(),
            "X".into(),
        ];
        assert_eq!(tidy(more), vec![long.clone()]);
        let own = vec![
            long.clone(),
            "Weitere Schritte folgen.".into(),
            "Weitere Informationen".into(),
            "weitere Nährwerte".into(),
        ];
        assert_eq!(tidy(own.clone()), own);
        let dated = vec![
            "Aktualisiert: 11.04.2020, 10:27".to_string(),
            long.clone(),
            "Publiziert am 3. April 2020".into(),
            "Stand der Technik ist das nicht.".into(),
        ];
        assert_eq!(
            tidy(dated),
            vec![long.clone(), "Stand der Technik ist das nicht.".to_string()]
        );
    }

    #[test]
    fn share_lines() {
        for (p, want) in [
            ("Druckversion    PDF     Link mailen", true),
            ("Seite drucken | Seite teilen", true),
            ("PDF", false),
            ("Der Link zur PDF-Datei folgt.", false),
        ] {
            assert_eq!(is_share_line(p), want, "{p}");
        }
    }
}
