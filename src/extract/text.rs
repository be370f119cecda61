//! Text hygiene: the one place that decides what clean plain text looks like.
//!
//! Owns removal of soft hyphens and zero-width characters, whitespace collapsing (NBSP and the
//! other Unicode spaces count as spaces), Unicode NFC, paragraph joining (exactly one blank line
//! between paragraphs, none around) and word-boundary truncation. It must never reorder, drop or
//! invent words, and never allocate more than a small multiple of its input.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Characters that are invisible and only get in the way of search and display.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}'
    )
}

/// Cleans one line: invisibles removed, any run of whitespace (newlines included) turned into
/// one space, trimmed, NFC.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    nfc(out)
}

/// Returns `s` in Unicode NFC, without re-allocating when it already is.
fn nfc(s: String) -> String {
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s
    } else {
        s.nfc().collect()
    }
}

/// Cleans multi-line text: single line breaks stay inside a paragraph, blank lines separate
/// paragraphs (exactly one blank line between two paragraphs), spaces are collapsed per line.
pub fn clean_text(s: &str) -> String {
    join_paragraphs(split_paragraphs(s))
}

/// Splits text into cleaned paragraphs at blank lines; lines inside one paragraph keep a
/// single `\n` between them.
pub fn split_paragraphs(s: &str) -> Vec<String> {
    let mut paras = Vec::new();
    let mut current = String::new();
    for line in s.split('\n') {
        let line = clean_line(line);
        if line.is_empty() {
            if !current.is_empty() {
                paras.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&line);
    }
    if !current.is_empty() {
        paras.push(current);
    }
    paras
}

/// Joins paragraphs with exactly one blank line, skipping empty ones.
pub fn join_paragraphs<S: AsRef<str>>(paras: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for p in paras {
        let p = p.as_ref().trim();
        if p.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(p);
    }
    out
}

/// Shortens `s` to at most `max_chars` characters at a word boundary, adding `…` when cut.
pub fn truncate_words(s: &str, max_chars: usize) -> String {
    let s = s.trim();
    let Some((cut, _)) = s.char_indices().nth(max_chars) else {
        return s.to_string();
    };
    let head = &s[..cut];
    let head = match head.rfind(char::is_whitespace) {
        Some(i) if i > cut / 2 => &head[..i],
        _ => head,
    };
    let head = head.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–".contains(c));
    format!("{head}…")
}

/// Converts an HTML fragment (feed content, teaser markup) into plain text with paragraphs
/// separated by blank lines; scripts, styles and other non-text elements are dropped.
pub fn html_fragment_to_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return clean_text(html);
    }
    // No reader here looks at attributes.
    let doc = super::dom::parse_fragment(html, &super::dom::Reads::attrs(&[]));
    let paras = super::dom::paragraphs(doc.tree.root(), &|_| false);
    join_paragraphs(paras)
}

/// Converts a short piece of HTML or text (a title) into one clean line.
pub fn inline_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return clean_line(html);
    }
    // No reader here looks at attributes.
    let doc = super::dom::parse_fragment(html, &super::dom::Reads::attrs(&[]));
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
    fn clean_line_cases() {
        let cases = [
            ("  a \t b  ", "a b"),
            ("Verwal\u{00AD}tung", "Verwaltung"),
            ("a\u{00A0}b\u{202F}c", "a b c"),
            ("zero\u{200B}width\u{FEFF}", "zerowidth"),
            ("Mu\u{0308}nchen", "München"),
            ("line\nbreak", "line break"),
            ("", ""),
            ("\u{00A0}\u{00AD}", ""),
        ];
        for (input, want) in cases {
            assert_eq!(clean_line(input), want, "input {input:?}");
        }
    }

    #[test]
    fn paragraphs_get_exactly_one_blank_line() {
        let got = clean_text("\n\n  Erster  Absatz\n\n\n\nZweiter\nZeile  zwei \n\n \n");
        assert_eq!(got, "Erster Absatz\n\nZweiter\nZeile zwei");
    }

    #[test]
    fn truncation_at_word_boundary() {
        assert_eq!(truncate_words("kurz", 10), "kurz");
        assert_eq!(truncate_words("eins zwei drei vier", 12), "eins zwei…");
        let long = "ä".repeat(50);
        assert_eq!(truncate_words(&long, 10).chars().count(), 11);
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
}
