//! Small, iterative helpers over scraper's document tree: block-aware text collection, tag
//! classes, attribute access.
//!
//! Owns the rules "which tags break a paragraph" and "which tags never hold readable text".
//! It must never recurse (documents can be nested arbitrarily deep) and never allocate per node
//! beyond the text it returns.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::Node;

use super::text::{clean_line, clean_text, join_paragraphs, split_paragraphs};

/// A node of a parsed document.
pub(crate) type DomNode<'a> = NodeRef<'a, Node>;

/// Tags whose content is never readable text.
pub(crate) fn is_skipped_tag(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "embed"
            | "head"
            | "title"
            | "button"
            | "select"
            | "option"
            | "textarea"
            | "input"
            | "canvas"
            | "video"
            | "audio"
            | "picture"
            | "map"
    )
}

/// Tags that start and end a paragraph of text.
pub(crate) fn is_block_tag(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

pub(crate) use super::prepass::Reads;

/// Every attribute article extraction reads: `class`/`id` (boilerplate and scoring words,
/// bylines, kickers, selectors), `itemprop`/`role` (main content marks), `hidden`/`aria-hidden`/
/// `style` (hidden blocks), `datetime`/`content` (dates, meta values), `property`/`name`
/// (meta keys), `lang` (`<html lang>`), `rel`/`type` (canonical, author links, JSON-LD), and
/// `href` on elements with a `rel` (see `Reads::href_with_rel`).
/// A test checks that every attribute named in this module's sources is listed here or in the
/// lists below.
pub(crate) const ARTICLE_ATTRS: &[&str] = &[
    "class",
    "id",
    "itemprop",
    "role",
    "hidden",
    "aria-hidden",
    "style",
    "datetime",
    "content",
    "property",
    "name",
    "lang",
    "rel",
    "type",
];

/// Every attribute list pages read: `class`/`id` for the configured selectors, the link's `href`
/// and `title`, a date's `datetime`/`content`.
pub(crate) const LISTING_ATTRS: &[&str] = &["class", "id", "href", "title", "datetime", "content"];

/// Every attribute feed discovery reads (`<link rel=alternate type=… href=…>`).
pub(crate) const DISCOVERY_ATTRS: &[&str] =
    &["href", "rel", "type", "title", "property", "content"];

/// Parses a whole document after the pre-pass (see `prepass`): nesting capped, unread bodies and
/// the attributes `reads` does not keep dropped.
pub(crate) fn parse_document(html: &str, reads: &Reads) -> scraper::Html {
    let html = without_control_runs(html);
    let html = super::prepass::prepare(&html, reads);
    // After the pre-pass, which already dropped tags nested too deep to matter.
    scraper::Html::parse_document(within_tag_cap(&html))
}

/// Parses a fragment after the pre-pass (see `prepass`).
pub(crate) fn parse_fragment(html: &str, reads: &Reads) -> scraper::Html {
    let html = without_control_runs(html);
    let html = super::prepass::prepare(&html, reads);
    // After the pre-pass, which already dropped tags nested too deep to matter.
    scraper::Html::parse_fragment(within_tag_cap(&html))
}

/// Tags every page may have, however small: a tree of this many nodes costs about 35 MB, a
/// fixed amount that pathological 20,000-level table nests still fit in.
const MIN_TAG_CAP: usize = 150_000;
/// Beyond [`MIN_TAG_CAP`], a page may have one tag per this many bytes: a tree node costs
/// about 200 bytes, so the tree stays within about 10 times the page's size.
const BYTES_PER_TAG: usize = 24;

/// `html` cut before the tag that exceeds the page's tag budget (see [`BYTES_PER_TAG`]):
/// pages made of nothing but tiny elements (`<br><br>…`, `<p>a</p>…`) cost 60 times their size
/// as a tree. Normal pages, even 10 MB ones, stay far below the budget and are untouched; the
/// parser closes what the cut leaves open.
pub(crate) fn within_tag_cap(html: &str) -> &str {
    let cap = (html.len() / BYTES_PER_TAG).max(MIN_TAG_CAP);
    // A tag takes at least three bytes.
    if html.len() / 3 <= cap {
        return html;
    }
    let b = html.as_bytes();
    let mut tags = 0usize;
    for (i, _) in b.iter().enumerate().filter(|(_, c)| **c == b'<') {
        if b.get(i + 1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/')
        {
            tags += 1;
            if tags > cap {
                tracing::warn!(
                    tags = cap,
                    kept_bytes = i,
                    bytes = html.len(),
                    "page has more tags than its budget; the rest is not read"
                );
                return html.get(..i).unwrap_or(html);
            }
        }
    }
    html
}

/// Whether `c` is a control character no page shows: C0 controls other than tab, line feed,
/// form feed and carriage return, DEL, and the C1 controls.
fn is_invisible_control(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\x0c' | '\r')) || ('\u{7f}'..='\u{9f}').contains(&c)
}

/// Bytes that may start an invisible control character in UTF-8 (see [`without_control_runs`]):
/// C0 controls other than tab, line feed, form feed and carriage return; DEL; 0xC2, the lead
/// byte of the C1 controls.
const SUSPECT: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = !matches!(c, 0x09 | 0x0a | 0x0c | 0x0d);
        c += 1;
    }
    t[0x7f] = true;
    t[0xc2] = true;
    t
};

/// `html` without its invisible control characters (NUL above all), before the parser sees
/// them. They are removed, not replaced by a space: a browser shows nothing for them, so
/// `Förder\u{1b}programm` reads "Förderprogramm", and stored text carries none of them. Done
/// before parsing because html5ever turns each NUL into a U+FFFD of its own and keeps them
/// as text, so a page of NULs cost about 100 times its size in memory. Borrowed when there are
/// none (the usual case; one byte scan).
pub(crate) fn without_control_runs(html: &str) -> std::borrow::Cow<'_, str> {
    let b = html.as_bytes();
    // One table lookup per byte finds the few candidates (the other C0 controls, DEL, and the
    // lead byte 0xC2 of U+0080..U+00BF, which also starts NBSP, `§`, `«`); only those are looked
    // at closely (the scan was 4 % of the extraction bench's profile when it tested every byte).
    let has_any = b
        .iter()
        .enumerate()
        .filter(|&(_, &c)| SUSPECT[usize::from(c)])
        .any(|(i, &c)| c != 0xc2 || b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)));
    if !has_any {
        return std::borrow::Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len().min(1 << 20));
    out.extend(html.chars().filter(|&c| !is_invisible_control(c)));
    std::borrow::Cow::Owned(out)
}

/// The element's tag name, if the node is an element.
pub(crate) fn tag<'a>(node: DomNode<'a>) -> Option<&'a str> {
    node.value().as_element().map(|e| e.name())
}

/// An attribute of the node, if it is an element that has it.
/// Scans the element's few attributes by name: scraper's `Element::attr` interns `name` as an
/// atom (a hash) on every call, which cost more than the scan on these hot paths.
pub(crate) fn attr<'a>(node: DomNode<'a>, name: &str) -> Option<&'a str> {
    let e = node.value().as_element()?;
    e.attrs().find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// Collects the text under `root` as cleaned paragraphs, in document order. Block elements
/// break paragraphs, `<br>` breaks lines; subtrees for which `skip` returns true, and tags that
/// never hold readable text, are left out. Iterative: safe on any nesting depth.
pub(crate) fn paragraphs(root: DomNode<'_>, skip: &dyn Fn(DomNode<'_>) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    // Source line breaks are spaces in HTML; only `<br>` breaks a line.
                    Node::Text(t) => buf.extend(
                        t.chars()
                            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
                    ),
                    Node::Element(e) => {
                        let name = e.name();
                        if node.id() != root.id() && (is_skipped_tag(name) || skip(node)) {
                            skipping = Some(node.id());
                        } else if name == "br" {
                            buf.push('\n');
                        } else if is_block_tag(name) {
                            flush(&mut buf, &mut out);
                        } else if name == "img" {
                            buf.push(' ');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                } else if skipping.is_none() && tag(node).is_some_and(is_block_tag) {
                    flush(&mut buf, &mut out);
                }
            }
        }
    }
    flush(&mut buf, &mut out);
    out
}

/// Moves the buffered text into `out` as cleaned paragraphs.
fn flush(buf: &mut String, out: &mut Vec<String>) {
    if buf.trim().is_empty() {
        buf.clear();
        return;
    }
    out.extend(split_paragraphs(buf));
    buf.clear();
}

/// The node's text as one cleaned line (all descendants, skipped tags left out).
pub(crate) fn line_text(node: DomNode<'_>) -> String {
    let mut raw = String::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in node.traverse() {
        match edge {
            Edge::Open(n) if skipping.is_none() => match n.value() {
                Node::Text(t) => raw.push_str(t),
                Node::Element(e) if n.id() != node.id() && is_skipped_tag(e.name()) => {
                    skipping = Some(n.id());
                }
                Node::Element(e) if e.name() == "br" || is_block_tag(e.name()) => raw.push(' '),
                _ => {}
            },
            Edge::Close(n) if skipping == Some(n.id()) => skipping = None,
            _ => {}
        }
    }
    clean_line(&raw)
}

/// Converts an HTML fragment (feed content, teaser markup) into plain text with paragraphs
/// separated by blank lines; scripts, styles and other non-text elements are dropped.
pub fn html_fragment_to_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return clean_text(html);
    }
    // No reader here looks at attributes.
    let doc = parse_fragment(html, &Reads::attrs(&[]));
    let paras = super::dom::paragraphs(doc.tree.root(), &|_| false);
    join_paragraphs(paras)
}

/// Converts a short piece of HTML or text (a title) into one clean line.
pub(crate) fn inline_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return clean_line(html);
    }
    // No reader here looks at attributes.
    let doc = parse_fragment(html, &Reads::attrs(&[]));
    // Text inside scripts, styles and the like is code, not words: a title such as
    // `&lt;script&gt;alert(1)&lt;/script&gt;Neu` reads "Neu", as in a browser.
    let raw: String = doc
        .root_element()
        .descendants()
        .filter_map(|n| {
            let text = n.value().as_text()?;
            let hidden = n.ancestors().any(|a| {
                a.value()
                    .as_element()
                    .is_some_and(|e| NON_TEXT.contains(&e.name()))
            });
            (!hidden).then_some(&**text)
        })
        .collect();
    clean_line(&raw)
}

/// Elements whose content never shows as text.
const NON_TEXT: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_follow_blocks_and_skip_scripts() {
        let doc = scraper::Html::parse_document(
            "<html><head><title>T</title></head><body><div>Eins <span>halb</span>\
             <p>Zwei</p>Drei<script>x()</script></div><table><tr><td>A</td><td>B</td></tr>\
             </table><p>Zeile\n  eins<br>\n  Zeile zwei</p></body></html>",
        );
        let got = paragraphs(doc.tree.root(), &|_| false);
        assert_eq!(
            got,
            [
                "Eins halb",
                "Zwei",
                "Drei",
                "A",
                "B",
                "Zeile eins\nZeile zwei"
            ]
        );
    }

    #[test]
    fn line_text_joins_blocks_with_spaces() {
        let doc =
            scraper::Html::parse_fragment("<h1>E-Government:<br>Bayern <b>kooperiert</b></h1>");
        assert_eq!(
            line_text(doc.tree.root()),
            "E-Government: Bayern kooperiert"
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // Parsed without the nesting cap, so the walk really meets a 5,000-deep tree.
        let n = 5_000;
        let html = format!(
            "{}<p>Tief verschachtelt.</p>{}",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        let doc = scraper::Html::parse_document(&html);
        assert_eq!(line_text(doc.tree.root()), "Tief verschachtelt.");
        assert_eq!(
            paragraphs(doc.tree.root(), &|_| false),
            ["Tief verschachtelt."]
        );
    }

    /// The attribute names a module's code (tests left out) reads: the string after every
    /// `attr(`, and every `[name` in string literals given to `Selector::parse` or `selector`.
    fn names_read(src: &str) -> Vec<String> {
        let code = src.split("#[cfg(test)]").next().unwrap_or_default();
        let mut out = Vec::new();
        for (at, _) in code.match_indices("attr(") {
            let args = &code[at + 5..];
            let args = &args[..args.find(')').unwrap_or(args.len())];
            if let Some(q) = args.find('"') {
                let name = &args[q + 1..];
                out.push(name[..name.find('"').unwrap_or(0)].to_string());
            }
        }
        for line in code.lines() {
            if !(line.contains("Selector::parse(") || line.contains("selector(")) {
                continue;
            }
            for lit in line.split('"').skip(1).step_by(2) {
                let names = super::super::prepass::selector_attr_names(lit).unwrap_or_default();
                out.extend(names.into_iter().map(str::to_string));
            }
        }
        out
    }

    #[test]
    fn every_attribute_read_is_kept() {
        let article_reads: &[(&str, &str)] = &[
            ("article.rs", include_str!("article.rs")),
            ("auto.rs", include_str!("auto.rs")),
            ("boiler.rs", include_str!("boiler.rs")),
            ("canonical.rs", include_str!("canonical.rs")),
            ("dates.rs", include_str!("dates.rs")),
            ("dom.rs", include_str!("dom.rs")),
            ("headline.rs", include_str!("headline.rs")),
            ("lang.rs", include_str!("lang.rs")),
            ("meta.rs", include_str!("meta.rs")),
            ("pubdate.rs", include_str!("pubdate.rs")),
            ("stats.rs", include_str!("stats.rs")),
            ("tags.rs", include_str!("tags.rs")),
            ("text.rs", include_str!("text.rs")),
        ];
        let mut seen = Vec::new();
        for (file, src) in article_reads {
            for name in names_read(src) {
                // `href` is read only together with `rel` (`meta::take_link`).
                assert!(
                    ARTICLE_ATTRS.contains(&name.as_str()) || name == "href",
                    "{file} reads `{name}`, which ARTICLE_ATTRS lacks"
                );
                seen.push(name);
            }
        }
        for must in [
            "class", "id", "itemprop", "style", "datetime", "rel", "type", "lang",
        ] {
            assert!(seen.iter().any(|n| n == must), "the scan missed `{must}`");
        }
        let listing = include_str!("listing.rs");
        for name in names_read(listing) {
            assert!(
                LISTING_ATTRS.contains(&name.as_str()),
                "listing.rs reads `{name}`"
            );
        }
        // `element_date` serves article pages too.
        let element_date = listing
            .split("fn element_date")
            .nth(1)
            .and_then(|f| f.split("\n}\n").next())
            .unwrap_or_default();
        assert!(element_date.contains("attr("));
        for name in names_read(element_date) {
            assert!(
                ARTICLE_ATTRS.contains(&name.as_str()),
                "element_date reads `{name}`"
            );
        }
        for name in names_read(include_str!("discovery.rs")) {
            assert!(
                DISCOVERY_ATTRS.contains(&name.as_str()),
                "discovery.rs reads `{name}`"
            );
        }
    }

    /// Attributes named by configured selectors survive the pre-pass: an article whose body,
    /// date and removal selectors test `data-*` attributes, and a list page whose items do.
    #[test]
    fn configured_selectors_see_their_attributes() {
        let html = r#"<html><body><nav data-role="menu"><p>Startseite Themen Presse Kontakt Impressum</p></nav>
            <div data-role="share">Teilen auf allen Kanälen, bitte sehr gern und oft.</div>
            <span data-kind="date">4. März 2021</span>
            <div data-role="text"><p>Der eigentliche Text dieser Meldung steht hier im Absatz.</p></div>
            <div class="other"><p>Ein langer anderer Absatz, der automatisch gewählt werden könnte, weil er länger ist als der Text der Meldung selbst und viele Kommas, Wörter, Sätze hat.</p></div>
            </body></html>"#;
        let sel = crate::model::ArticleSelectors {
            body: Some("[data-role=text]".into()),
            date: Some("span[data-kind=date]".into()),
            remove: Some("[data-role=share]".into()),
            ..Default::default()
        };
        let d = super::super::extract_article(html, "https://k.test/a", &sel).expect("extracts");
        assert_eq!(
            d.text,
            "Der eigentliche Text dieser Meldung steht hier im Absatz."
        );
        assert_eq!(
            d.published_local()
                .map(|t| t.format("%Y-%m-%d").to_string())
                .as_deref(),
            Some("2021-03-04")
        );
        let list = r#"<ul><li data-kind="news"><a href="/a" data-id="1">Erste Meldung</a></li>
            <li data-kind="ad"><a href="/b">Werbung</a></li></ul>"#;
        let s = crate::model::ListSelectors {
            item: "li[data-kind=news]".into(),
            link: Some("a[data-id]".into()),
            title: None,
            date: None,
        };
        let got = super::super::parse_listing(list, "https://k.test/", &s).expect("parses");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].url, "https://k.test/a");
    }

    #[test]
    fn fragment_to_text_separates_blocks() {
        let html = "<p>Erster&nbsp;Absatz mit <b>fett</b>.</p><script>evil()</script>\
                    <ul><li>Punkt eins</li><li>Punkt zwei</li></ul>Zeile<br>zwei";
        assert_eq!(
            html_fragment_to_text(html),
            "Erster Absatz mit fett.\n\nPunkt eins\n\nPunkt zwei\n\nZeile\nzwei"
        );
        assert_eq!(
            html_fragment_to_text("plain &amp; simple"),
            "plain & simple"
        );
        assert_eq!(html_fragment_to_text(""), "");
    }

    #[test]
    fn inline_text_strips_markup() {
        assert_eq!(
            inline_text("Bund &amp; <b>Länder</b>\n einig"),
            "Bund & Länder einig"
        );
        assert_eq!(inline_text("a < b"), "a < b");
        assert_eq!(
            inline_text(
                "<script>alert(1)</script>Neu<style>b{}</style> <svg><text>x</text></svg>da"
            ),
            "Neu da"
        );
    }

    #[test]
    fn control_characters_are_removed_before_parsing() {
        assert!(matches!(
            without_control_runs("<p>a\tb\r\nc</p>"),
            std::borrow::Cow::Borrowed(_)
        ));
        let nul = format!("<p>a{}b</p>", "\0".repeat(10_000));
        assert_eq!(without_control_runs(&nul), "<p>ab</p>");
        assert_eq!(without_control_runs("x\u{1}\u{85}\u{7f}y\u{9f}z"), "xyz");
        assert_eq!(without_control_runs("Größe €"), "Größe €");
    }

    #[test]
    fn tag_floods_are_cut_at_the_budget() {
        let normal = "<p>Ein normaler Absatz mit etwas Text darin.</p>".repeat(50_000);
        assert_eq!(within_tag_cap(&normal).len(), normal.len());
        let flood = "<br>".repeat(2_000_000);
        let kept = within_tag_cap(&flood);
        assert_eq!(kept.len(), 4 * (flood.len() / BYTES_PER_TAG));
        assert!(flood.starts_with(kept));
        let small = "<b>".repeat(MIN_TAG_CAP);
        assert_eq!(within_tag_cap(&small), small);
    }
}
