//! Text folding: the one place that decides when two spellings of a word are "the same".
//!
//! Folding is NFC (only when combining marks are present), then lowercasing, then
//! `ä→ae, ö→oe, ü→ue, ß→ss`, dropping invisible characters (soft hyphen, zero-width space and
//! joiners, BOM). A case-keeping variant applies the same rules without lowercasing. Keywords,
//! text, tags and region names all pass through here, so both sides of a comparison always agree.
//! This file must never allocate per character and never panic on any input.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// True for characters that may sit inside a word but carry no letter (soft hyphen, ZWSP, ...).
pub(crate) fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// Appends the folded lowercase form of `word` to `out`.
pub(crate) fn fold_lower_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        if let Some(tail) = out.get_mut(start..) {
            tail.make_ascii_lowercase();
        }
    } else if word.chars().any(|c| c >= '\u{300}' && is_combining_mark(c)) {
        word.nfc().for_each(|c| push_lower(c, out));
    } else {
        word.chars().for_each(|c| push_lower(c, out));
    }
}

/// Appends the folded form of `word` to `out`, keeping letter case (`Ä` → `Ae`, but `AE` inside
/// an all-capitals word: `GRÜN` → `GRUEN`).
pub(crate) fn fold_cased_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        out.push_str(word);
        return;
    }
    let caps = is_all_caps(word);
    if word.chars().any(|c| c >= '\u{300}' && is_combining_mark(c)) {
        word.nfc().for_each(|c| push_cased(c, caps, out));
    } else {
        word.chars().for_each(|c| push_cased(c, caps, out));
    }
}

/// True if the word has at least two letters and all of them are capitals.
fn is_all_caps(word: &str) -> bool {
    let mut letters = word.chars().filter(|c| c.is_alphabetic());
    letters.clone().nth(1).is_some() && letters.all(char::is_uppercase)
}

/// The folded lowercase form of `text` as a new string.
pub(crate) fn fold_lower(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    fold_lower_into(text, &mut out);
    out
}

/// Pushes one character, lowercased and folded.
fn push_lower(c: char, out: &mut String) {
    match c {
        c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
        'ä' | 'Ä' => out.push_str("ae"),
        'ö' | 'Ö' => out.push_str("oe"),
        'ü' | 'Ü' => out.push_str("ue"),
        'ß' | 'ẞ' => out.push_str("ss"),
        c if is_ignorable(c) => {}
        c => out.extend(c.to_lowercase()),
    }
}

/// Pushes one character, folded but with its case kept (`caps`: inside an all-capitals word).
fn push_cased(c: char, caps: bool, out: &mut String) {
    match c {
        'ä' => out.push_str("ae"),
        'Ä' => out.push_str(if caps { "AE" } else { "Ae" }),
        'ö' => out.push_str("oe"),
        'Ö' => out.push_str(if caps { "OE" } else { "Oe" }),
        'ü' => out.push_str("ue"),
        'Ü' => out.push_str(if caps { "UE" } else { "Ue" }),
        'ß' => out.push_str("ss"),
        'ẞ' => out.push_str("SS"),
        c if is_ignorable(c) => {}
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_lowercase() {
        let cases = [
            ("OZG", "ozg"),
            ("Zuständigkeit", "zustaendigkeit"),
            ("Zustaendigkeit", "zustaendigkeit"),
            ("Straße", "strasse"),
            ("STRAẞE", "strasse"),
            ("Übersicht", "uebersicht"),
            // decomposed ü (u + U+0308) is composed first
            ("U\u{308}bersicht", "uebersicht"),
            ("Register\u{AD}modernisierung", "registermodernisierung"),
            ("Café", "café"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(fold_lower(input), want, "input {input:?}");
        }
    }

    #[test]
    fn folds_keeping_case() {
        let cases = [
            ("Ärger", "Aerger"),
            ("GRÜN", "GRUEN"),
            ("Ü", "Ue"),
            ("ÜBER-", "UEBER-"),
            ("EfA", "EfA"),
            ("a\u{308}", "ae"),
        ];
        for (input, want) in cases {
            let mut out = String::new();
            fold_cased_into(input, &mut out);
            assert_eq!(out, want, "input {input:?}");
        }
    }
}
