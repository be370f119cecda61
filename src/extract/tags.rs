//! The site's own tags: `Stichwörter: Politik, Bayern` lines, tag link lists, `keywords` and
//! `article:tag` meta values, or a configured tag selector.
//!
//! Owns the tag labels, splitting and normalisation (trimmed, de-duplicated case-insensitively,
//! bounded count and length). It must never turn ordinary body text into tags: a block counts
//! only when it starts with a known label followed by a colon.

use scraper::{ElementRef, Html, Selector};

use super::dom::{DomNode, is_block_tag, line_text, tag};
use super::meta::split_list;

/// Labels that introduce a tag line (compared case-insensitively, before a colon).
const LABELS: &[&str] = &[
    "stichwörter",
    "stichworte",
    "stichwort",
    "schlagwörter",
    "schlagworte",
    "schlagwort",
    "schlüsselwörter",
    "themen",
    "tags",
    "keywords",
];
/// Most tags kept per article.
const MAX_TAGS: usize = 40;
/// Longest tag kept, in characters.
const MAX_TAG_CHARS: usize = 80;
/// Tag blocks longer than this are not tag blocks.
const MAX_BLOCK_CHARS: usize = 2000;
/// At most this many label hits are examined per page.
const MAX_HITS: usize = 20;

/// If `text` starts with a tag label and a colon, the byte length of `label:` (with spaces).
pub(crate) fn label_len(text: &str) -> Option<usize> {
    let trimmed = text.trim_start();
    let lead = text.len() - trimmed.len();
    let word_end = trimmed
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(trimmed.len());
    // Cheap tests first (this runs for every text node): a label is at most 15 characters, so
    // at most 60 bytes, and a colon must follow; only then is the word lowercased.
    if word_end == 0 || word_end > 60 {
        return None;
    }
    let rest = trimmed.get(word_end..)?;
    let after_spaces = rest.trim_start();
    let colon = after_spaces.strip_prefix(':')?;
    let word = trimmed.get(..word_end)?.to_lowercase();
    if !LABELS.contains(&word.as_str()) {
        return None;
    }
    Some(
        lead + word_end
            + (rest.len() - after_spaces.len())
            + 1
            + (colon.len() - colon.trim_start().len()),
    )
}

/// True for a paragraph that is a tag line (`Stichwörter: a, b`), which belongs in tags, not body.
pub(crate) fn is_tag_line(paragraph: &str) -> bool {
    (label_len(paragraph).is_some() && paragraph.chars().count() <= MAX_BLOCK_CHARS)
        || is_bare_label(paragraph)
}

/// Tags from labelled blocks anywhere in the document: `Label: a, b` lines and link lists, a
/// label heading followed by a list (`<h2>Schlagworte</h2><ul>…`, `<dt>Themen</dt><dd>…`), and
/// CMS tag fields (Drupal's `field--name-field-tags`).
pub(crate) fn block_tags(doc: &Html) -> Vec<String> {
    let mut out = Vec::new();
    let mut hits = 0;
    for node in doc.tree.root().descendants() {
        if node.value().is_element() {
            if let Some(items) = heading_list(node).or_else(|| cms_field(node)) {
                push_all(&mut out, items);
            }
            continue;
        }
        let Some(t) = node.value().as_text() else {
            continue;
        };
        // A label needs its colon: most texts have none, and `contains` finds that fast.
        if !t.contains(':') || label_len(t).is_none() {
            continue;
        }
        hits += 1;
        if hits > MAX_HITS {
            break;
        }
        if let Some(block) = tag_block(node) {
            push_all(&mut out, block_items(block));
        }
    }
    out
}

/// Class fragments of CMS tag fields: Drupal 8+ (`field--name-field-tags`), Drupal 7
/// (`field-name-field-tags`), and their German-named siblings.
const CMS_TAG_FIELDS: &[&str] = &[
    "field-tags",
    "field--tags",
    "field-schlagworte",
    "field-schlagwoerter",
    "field-stichworte",
    "field-themen",
];
/// Most items of a list taken for a tag list.
const MAX_LIST_ITEMS: usize = 30;

/// A label heading (`<h2>`…`<h6>` or `<dt>` whose whole text is a tag label, with or without a
/// colon) followed by a list (`<ul>`, `<ol>`, `<dd>`, or a block of links): the list's items.
fn heading_list(node: DomNode<'_>) -> Option<Vec<String>> {
    if !matches!(tag(node), Some("h2" | "h3" | "h4" | "h5" | "h6" | "dt")) {
        return None;
    }
    if !is_bare_label(&line_text(node)) {
        return None;
    }
    let list = node.next_siblings().find(|n| tag(*n).is_some())?;
    let items: Vec<String> = match tag(list) {
        Some("ul" | "ol") => list
            .children()
            .filter(|c| tag(*c) == Some("li"))
            .map(line_text)
            .collect(),
        Some("dd") => {
            let links = block_items(list);
            if links.is_empty() {
                split_list(&line_text(list)).collect()
            } else {
                links
            }
        }
        _ if only_links(list) => block_items(list),
        _ => return None,
    };
    let short = items
        .iter()
        .all(|t| t.chars().count() <= MAX_TAG_CHARS && !t.ends_with('.'));
    (short && !items.is_empty() && items.len() <= MAX_LIST_ITEMS).then_some(items)
}

/// Whether `text` is a tag label alone (`Schlagworte`, `Themen:`).
pub(crate) fn is_bare_label(text: &str) -> bool {
    let word = text.trim().trim_end_matches(':').trim_end();
    word.chars().count() <= 15 && LABELS.contains(&word.to_lowercase().as_str())
}

/// A CMS tag field ([`CMS_TAG_FIELDS`]): its link texts, else its items' texts.
fn cms_field(node: DomNode<'_>) -> Option<Vec<String>> {
    let class = super::dom::attr(node, "class")?;
    if !CMS_TAG_FIELDS.iter().any(|f| class.contains(f)) {
        return None;
    }
    let links = block_items(node);
    if !links.is_empty() {
        return Some(links);
    }
    let items: Vec<String> = node
        .descendants()
        .filter(|d| {
            super::dom::attr(*d, "class").is_some_and(|c| {
                c.split_ascii_whitespace()
                    .any(|c| c == "field__item" || c == "field-item")
            })
        })
        .map(line_text)
        .filter(|t| !t.is_empty())
        .collect();
    (!items.is_empty()).then_some(items)
}

/// The element holding a label text node and its items: climbs past elements that hold only
/// the label (`<strong>Stichwörter:</strong>`), at most three inline levels.
fn tag_block(text_node: DomNode<'_>) -> Option<DomNode<'_>> {
    let mut el = text_node.parent()?;
    for _ in 0..3 {
        let text = line_text(el);
        if text.chars().count() > MAX_BLOCK_CHARS {
            return None;
        }
        let rest = label_len(&text)
            .and_then(|n| text.get(n..))
            .unwrap_or_default();
        if !rest.trim().is_empty() {
            return Some(el);
        }
        if tag(el).is_none_or(is_block_tag) {
            // A block holding only the label (Drupal's `field__label`): its items are the next
            // block only when that is nothing but links (`field__items`); plain text after a
            // label is not ours to guess.
            return el
                .next_siblings()
                .find(|n| tag(*n).is_some())
                .filter(|n| only_links(*n));
        }
        el = el.parent()?;
    }
    None
}

/// Whether an element has links and no text outside them (a short link list).
fn only_links(n: DomNode<'_>) -> bool {
    let all = line_text(n);
    if all.is_empty() || all.chars().count() > MAX_BLOCK_CHARS {
        return false;
    }
    let links: usize = n
        .descendants()
        .filter(|d| tag(*d) == Some("a"))
        .map(|a| line_text(a).chars().filter(|c| !c.is_whitespace()).count())
        .sum();
    links > 0 && links == all.chars().filter(|c| !c.is_whitespace()).count()
}

/// The items of a tag block: its link texts if it has links, else its comma list.
fn block_items(block: DomNode<'_>) -> Vec<String> {
    let links: Vec<String> = block
        .descendants()
        .filter(|n| tag(*n) == Some("a"))
        .map(line_text)
        .filter(|t| !t.is_empty() && label_len(t).is_none())
        .collect();
    if !links.is_empty() {
        return links;
    }
    let text = line_text(block);
    let rest = label_len(&text)
        .and_then(|n| text.get(n..))
        .unwrap_or_default();
    split_list(rest).collect()
}

/// Tags from a configured selector: each match is one tag, a labelled line, or a link list.
pub(crate) fn selector_tags(doc: &Html, sel: &Selector) -> Vec<String> {
    let mut out = Vec::new();
    for e in doc.select(sel) {
        let text = line_text(*e);
        if label_len(&text).is_some() || has_links(e) {
            push_all(&mut out, block_items(*e));
        } else {
            push_all(&mut out, std::iter::once(text));
        }
    }
    out
}

fn has_links(e: ElementRef<'_>) -> bool {
    e.descendants().skip(1).any(|n| tag(n) == Some("a"))
}

/// Appends normalised tags that are not yet present (by [`crate::text::tag_key`]), up to
/// [`MAX_TAGS`].
pub(crate) fn push_all(out: &mut Vec<String>, tags: impl IntoIterator<Item = String>) {
    for t in tags {
        if out.len() >= MAX_TAGS {
            return;
        }
        let t = t
            .trim()
            .trim_end_matches(['.', ',', ';'])
            .trim()
            .to_string();
        if t.is_empty() || t.chars().count() > MAX_TAG_CHARS {
            continue;
        }
        // One key decides duplicates everywhere (`E-Government` = `E Government`).
        let key = crate::text::tag_key(&t);
        if !key.is_empty() && !out.iter().any(|o| crate::text::tag_key(o) == key) {
            out.push(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fit_the_length_bound_of_label_len() {
        for l in LABELS {
            assert!(l.chars().count() <= 15, "{l}");
        }
        assert_eq!(label_len("  Stichwörter : a, b"), Some(17));
        assert_eq!(label_len("SCHLÜSSELWÖRTER: x"), Some(19));
        assert_eq!(label_len("Themenwelt: x"), None);
        assert_eq!(label_len(&format!("{}: x", "a".repeat(70))), None);
    }

    #[test]
    fn label_detection() {
        let cases = [
            ("Stichwörter: Politik", Some("Stichwörter: ".len())),
            ("  Schlagworte : A", Some("  Schlagworte : ".len())),
            ("TAGS:A", Some(5)),
            ("Themen:", Some(7)),
            ("Themen der Woche: A", None),
            ("Stichwörter Politik", None),
            ("Die Themen: Wichtig", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(label_len(input), want, "input {input:?}");
        }
    }

    #[test]
    fn tag_blocks_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "<p>Stichwörter: Politik, Bayern, Brandenburg, Hessen, OZG, BayernPortal</p>",
                &[
                    "Politik",
                    "Bayern",
                    "Brandenburg",
                    "Hessen",
                    "OZG",
                    "BayernPortal",
                ],
            ),
            (
                "<div class=tags><strong>Schlagwörter:</strong> <a href=/t/a>Digitales</a> \
              <a href=/t/b>OZG</a> <a href=/t/c>ozg</a></div>",
                &["Digitales", "OZG"],
            ),
            ("<p><span>Themen:</span></p><ul><li>Nicht</li></ul>", &[]),
            (
                "<div class=field><div class=field__label>Themen:</div><div class=field__items>\
                 <div><a href=/t/u>Umwelt</a></div><div><a href=/t/s>Stadtgrün</a></div></div></div>",
                &["Umwelt", "Stadtgrün"],
            ),
            (
                "<div><h3>Themen:</h3><p>Ein Satz mit <a href=/x>Link</a> ist kein Tag.</p></div>",
                &[],
            ),
            ("<p>Wir sprechen über Themen: nein, das ist Text.</p>", &[]),
            ("<p>Tags: Eins; Zwei | Drei.</p>", &["Eins", "Zwei", "Drei"]),
            (
                "<h2>Schlagworte</h2><ul><li><a href=/t/1>E-Government</a></li><li>Künstliche Intelligenz</li></ul>",
                &["E-Government", "Künstliche Intelligenz"],
            ),
            (
                "<dl><dt>Stichwörter:</dt><dd><a href=/t/1>OZG</a> <a href=/t/2>BundID</a></dd></dl>",
                &["OZG", "BundID"],
            ),
            (
                "<dl><dt>Themen</dt><dd>Umwelt, Verkehr</dd></dl>",
                &["Umwelt", "Verkehr"],
            ),
            (
                "<h3>Tags</h3><div><a href=/t/1>E Government</a> <a href=/t/2>E-Government</a></div>",
                &["E Government"],
            ),
            (
                "<div class=\"field field--name-field-tags field--type-entity-reference\"><div class=field__label>Tags</div>\
                 <div class=field__items><div class=field__item><a href=/t/1>Digitalisierung</a></div>\
                 <div class=field__item><a href=/t/2>Breitband</a></div></div></div>",
                &["Digitalisierung", "Breitband"],
            ),
            (
                "<div class=\"field field-name-field-tags\"><div class=field-items><div class=field-item>Verwaltung</div></div></div>",
                &["Verwaltung"],
            ),
            (
                "<h2>Themen</h2><ul><li>Die Landesregierung fördert den Ausbau digitaler Verwaltungsleistungen in allen Kommunen.</li></ul>",
                &[],
            ),
            ("<h2>Themen der Woche</h2><ul><li>Umwelt</li></ul>", &[]),
        ];
        for (html, want) in cases {
            let doc = Html::parse_fragment(html);
            assert_eq!(block_tags(&doc), *want, "html {html}");
        }
    }

    #[test]
    fn push_all_bounds_and_dedupes() {
        let mut out = Vec::new();
        push_all(
            &mut out,
            ["A".to_string(), "a".into(), " ".into(), "x".repeat(81)],
        );
        push_all(&mut out, (0..100).map(|i| format!("t{i}")));
        assert_eq!(out.len(), MAX_TAGS);
        assert_eq!(out[0], "A");
    }
}
