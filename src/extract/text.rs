//! Text hygiene: the one place that decides what clean plain text looks like.
//!
//! Owns removal of soft hyphens and zero-width characters, whitespace collapsing (NBSP and the
//! other Unicode spaces count as spaces), Unicode NFC, paragraph joining (exactly one blank line
//! between paragraphs, none around) and word-boundary truncation. It never parses HTML (that is
//! `dom`'s job, which builds on this file). It must never reorder, drop or
//! invent words, and never allocate more than a small multiple of its input.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::text::{Boundary, Tail, cut_at_word};

/// Characters that are invisible and only get in the way of search and display.
/// Control characters other than whitespace (NUL, BEL, ESC, DEL, the C1 range) count as
/// invisible too: they are never text, and terminals, feeds and XML choke on them.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}'
    ) || (c.is_control() && !c.is_whitespace())
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

/// Shortens `s` (trimmed) to at most `max_chars` characters at a word boundary in the second
/// half of the allowance, without trailing punctuation, adding `…` when cut (the rule
/// extracted summaries and previews use; see [`crate::text::cut_at_word`]).
pub fn truncate_words(s: &str, max_chars: usize) -> String {
    cut_at_word(
        s.trim(),
        max_chars,
        Boundary::LateSpace,
        Tail::SpacesAndPunctuation,
    )
}

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
}
