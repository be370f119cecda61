//! Snippets: the piece of an article's text shown under a search hit, with the matched words
//! marked.
//!
//! Analysing a whole article (tokenising, folding and stemming every word) to find the query's
//! terms cost about half of a broad search with 20 hits per page. So this file finds the first
//! match with a cheap scan instead, and only confirms candidates with the real analyser:
//!
//! 1. The query's terms are analysed once per search, per language ([`Highlighter::new`]).
//! 2. The text is cut into words exactly as the index's tokenizer cuts it (runs of alphanumeric
//!    characters), at most [`SCAN_BYTES`] of it. A word can only analyse to a term if its first
//!    letter (lowercased, umlauts folded) is the term's first letter and, for an ASCII word, it
//!    is at least as long as the term (folding and stemming never lengthen an ASCII word); only
//!    such candidates go through the analyser. The unit tests check both conditions over a word
//!    list, so a real match is never skipped.
//! 3. The window is the sentence holding the first match (or a little context before it when
//!    the sentence started long before), [`SNIPPET_CHARS`] characters long and cut at a word
//!    boundary; every confirmed match inside it is marked.
//!
//! Without a match in the scanned part (only the title matched, or a filter-only query) the
//! snippet is the start of the text, unmarked. Everything is HTML-escaped by [`mark`]; the only
//! markup in a snippet is its own `<b>`. This file is pure: no index, no store, no I/O.

use std::ops::Range;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::query::{Expr, Query};
use super::schema::{Lang, analyser, fold_accent, terms};
use super::{SNIPPET_CHARS, mark};
use crate::model::Article;

/// Bytes of text scanned for a first match (summary and text together). An article's main
/// text is a few KiB; law texts and reports can be far longer, and a match deep inside them is
/// not worth scanning megabytes for.
pub const SCAN_BYTES: usize = 64 << 10;
/// Characters a sentence may start before the match and still be shown from its beginning.
const SENTENCE_LOOKBACK: usize = SNIPPET_CHARS / 2;
/// Characters of context before the match when the sentence started further back.
const CONTEXT_BEFORE: usize = 40;

/// The query terms of one language with the analyser that confirms candidates.
struct Matcher {
    /// Analysed terms, deduplicated.
    terms: Vec<String>,
    /// Per term: the cheap filter's key.
    keys: Vec<Key>,
    analyser: TextAnalyzer,
}

/// What the cheap filter knows of one term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    /// The term's first character.
    first: char,
    /// German only: the term's second character. The German stemmer only removes suffixes from
    /// the lowercased, folded word, so its stem starts with the word's first two letters, except
    /// where it rewrites the start: `ae`/`oe`/`ue` become `a`/`o`/`u` and `ß` becomes `ss`
    /// ([`Key::admits`] lets those through). The English stemmer rewrites more (`dying` →
    /// `die`), so English terms are filtered by their first letter only.
    second: Option<char>,
    /// The term's length in bytes.
    len: usize,
}

impl Key {
    fn of(lang: Lang, term: &str) -> Option<Key> {
        let mut chars = term.chars();
        let first = chars.next()?;
        Some(Key {
            first,
            second: if lang == Lang::De { chars.next() } else { None },
            len: term.len(),
        })
    }

    /// True when a word whose first letter folds to `first` (`raw_first` as written), whose
    /// second folds to `second` (`None` when it has none or it does not fold), that is ASCII or
    /// not and `len` bytes long, could analyse to this key's term.
    fn admits(
        &self,
        raw_first: char,
        first: char,
        second: Option<char>,
        ascii: bool,
        len: usize,
    ) -> bool {
        if first != self.first || (ascii && len < self.len) {
            return false;
        }
        match (self.second, second) {
            (Some(want), Some(got)) => {
                want == got
                    || raw_first == 'ß'
                    || raw_first == 'ẞ'
                    || (got == 'e' && matches!(first, 'a' | 'o' | 'u'))
            }
            _ => true,
        }
    }
}

impl Matcher {
    fn new(lang: Lang, q: &Query) -> Matcher {
        let mut words = Vec::new();
        if let Some(expr) = &q.expr {
            positive_texts(expr, &mut words);
        }
        let mut found: Vec<String> = Vec::new();
        for w in words {
            for (_, t) in terms(lang, w) {
                if !found.contains(&t) {
                    found.push(t);
                }
            }
        }
        let keys = found.iter().filter_map(|t| Key::of(lang, t)).collect();
        Matcher {
            terms: found,
            keys,
            analyser: analyser(lang),
        }
    }

    /// True when `word` (one tokenizer word) could analyse to one of the terms.
    fn candidate(&self, word: &str) -> bool {
        let mut chars = word.chars();
        let Some(raw_first) = chars.next() else {
            return false;
        };
        let Some(first) = fold_first(raw_first) else {
            // A first letter the filter cannot fold: let the analyser decide.
            return !self.terms.is_empty();
        };
        // A second letter that does not fold to one letter is not compared.
        let second = chars.next().and_then(fold_first);
        let ascii = word.is_ascii();
        self.keys
            .iter()
            .any(|k| k.admits(raw_first, first, second, ascii, word.len()))
    }

    /// True when `word` analyses to one of the terms.
    fn confirm(&mut self, word: &str) -> bool {
        let mut stream = self.analyser.token_stream(word);
        let mut hit = false;
        while stream.advance() {
            hit |= self.terms.iter().any(|t| *t == stream.token().text);
        }
        hit
    }

    /// The byte ranges of the words in `text[from..to]` that analyse to a term, in order; with
    /// `first_only`, at most one.
    fn find(&mut self, text: &str, from: usize, to: usize, first_only: bool) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        if self.terms.is_empty() {
            return out;
        }
        for w in words(text, from, to) {
            let word = &text[w.clone()];
            if self.candidate(word) && self.confirm(word) {
                out.push(w);
                if first_only {
                    break;
                }
            }
        }
        out
    }
}

/// The texts of the words and phrases `expr` asks for, leaving out negated ones (an article
/// that matches does not contain them).
fn positive_texts<'a>(expr: &'a Expr, out: &mut Vec<&'a str>) {
    match expr {
        Expr::Word(t) | Expr::Phrase(t) => out.push(t),
        Expr::And(parts) | Expr::Or(parts) => {
            for p in parts {
                positive_texts(p, out);
            }
        }
        Expr::Not(_) | Expr::Field(..) => {}
    }
}

/// The first letter of a word as the analysers begin its term: lowercased, with the umlauts
/// and accents both analysers fold; `None` for a letter outside that table (the caller then
/// asks the analyser).
fn fold_first(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    let mut lower = c.to_lowercase();
    let l = lower.next()?;
    if lower.next().is_some() {
        return None;
    }
    if l == 'ß' {
        return Some('s');
    }
    fold_accent(l)
}

/// The words of `text[from..to]` as the index's tokenizer cuts them (maximal runs of
/// alphanumeric characters), as byte ranges of `text`. `from` and `to` must be character
/// boundaries; a word running over `to` is cut there.
fn words(text: &str, from: usize, to: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let slice = &text[from..to];
    let mut chars = slice.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break i;
            }
        };
        let mut end = slice.len();
        while let Some(&(i, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                end = i;
                break;
            }
            chars.next();
        }
        Some(from + start..from + end)
    })
}

/// Builds the snippets of one search's hits.
pub struct Highlighter {
    de: Matcher,
    en: Matcher,
}

impl Highlighter {
    /// The highlighter for `q`: its words and phrases (not the negated ones) analysed in both
    /// languages.
    pub fn new(q: &Query) -> Highlighter {
        Highlighter {
            de: Matcher::new(Lang::De, q),
            en: Matcher::new(Lang::En, q),
        }
    }

    /// The snippet of `article` as HTML: escaped text with the matched words in `<b>`, or the
    /// start of its text when no query word is in the first [`SCAN_BYTES`].
    pub fn html(&mut self, article: &Article) -> String {
        let summary = article.summary.as_deref().filter(|s| !s.trim().is_empty());
        let segments: Vec<&str> = summary.into_iter().chain([article.text.as_str()]).collect();
        self.html_of(Lang::of(article.lang.as_deref()), &segments, SCAN_BYTES)
    }

    /// The snippet over `segments` (summary, text) scanning at most `budget` bytes.
    fn html_of(&mut self, lang: Lang, segments: &[&str], mut budget: usize) -> String {
        let matcher = match lang {
            Lang::De => &mut self.de,
            Lang::En => &mut self.en,
        };
        for seg in segments {
            let limit = floor_boundary(seg, seg.len().min(budget));
            if let Some(first) = matcher.find(seg, 0, limit, true).pop() {
                let w = window(seg, first.clone());
                let mut ranges = vec![first.clone()];
                let end = floor_boundary(seg, w.end);
                if first.end < end {
                    ranges.extend(matcher.find(seg, first.end, end, false));
                }
                return render(seg, &w, &ranges);
            }
            budget -= limit;
            if budget == 0 {
                break;
            }
        }
        // The start of summary and text; a prefix of each is enough for SNIPPET_CHARS
        // characters (and a cut one is longer than that, so `head` marks the cut).
        let joined: String = segments
            .iter()
            .map(|s| &s[..floor_boundary(s, s.len().min(SNIPPET_CHARS * 4 + 4))])
            .collect::<Vec<_>>()
            .join("\n\n");
        let all = Window {
            start: 0,
            end: joined.len(),
            cut_before: false,
            cut_after: false,
        };
        render(&joined, &head(&joined, all, 0), &[])
    }
}

/// A part of a text: byte range, and whether text was left out before or after it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Window {
    start: usize,
    end: usize,
    cut_before: bool,
    cut_after: bool,
}

/// The window shown for a match at `m`: from the start of its sentence if that is at most
/// [`SENTENCE_LOOKBACK`] characters before it, else from a word [`CONTEXT_BEFORE`] characters
/// before it; [`SNIPPET_CHARS`] characters long, ending at a word boundary.
fn window(text: &str, m: Range<usize>) -> Window {
    let before = &text[..m.start];
    let mut start = None;
    let mut steps = 0;
    let mut next_is_space = false;
    for (i, c) in before.char_indices().rev() {
        if c == '\n' || (matches!(c, '.' | '!' | '?' | ':' | ';') && next_is_space) {
            start = Some(i + c.len_utf8());
            break;
        }
        steps += 1;
        if steps > SENTENCE_LOOKBACK {
            break;
        }
        next_is_space = c.is_whitespace();
    }
    let (start, cut_before) = match start {
        Some(s) => (s, false),
        None if steps <= SENTENCE_LOOKBACK => (0, false),
        None => {
            // Mid-sentence: a few words of context, starting after a space.
            let back = before
                .char_indices()
                .rev()
                .nth(CONTEXT_BEFORE - 1)
                .map_or(0, |(i, _)| i);
            let s = before[back..]
                .find(char::is_whitespace)
                .map_or(m.start, |k| back + k);
            (s, true)
        }
    };
    let start = skip_space(text, start);
    head(
        text,
        Window {
            start,
            end: text.len(),
            cut_before,
            cut_after: false,
        },
        m.end,
    )
}

/// `w` shortened to at most [`SNIPPET_CHARS`] characters from its start, cut after the last
/// whole word when it is shortened, but never before the byte `keep` (the end of the match).
fn head(text: &str, w: Window, keep: usize) -> Window {
    let part = &text[w.start..w.end];
    let Some((cut, _)) = part.char_indices().nth(SNIPPET_CHARS) else {
        return w;
    };
    let keep = keep.saturating_sub(w.start);
    let end = part[..cut]
        .rfind(char::is_whitespace)
        .filter(|&k| k > 0 && k >= keep)
        .unwrap_or(cut.max(keep));
    Window {
        end: w.start + part[..end].trim_end().len(),
        cut_after: true,
        ..w
    }
}

fn skip_space(text: &str, at: usize) -> usize {
    at + text[at..].len() - text[at..].trim_start().len()
}

/// The largest character boundary of `text` at or below `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `text[w]` escaped, the `ranges` inside it marked, with `…` where text was left out.
fn render(text: &str, w: &Window, ranges: &[Range<usize>]) -> String {
    let local: Vec<Range<usize>> = ranges
        .iter()
        .filter(|r| r.start >= w.start && r.end <= w.end)
        .map(|r| r.start - w.start..r.end - w.start)
        .collect();
    let body = mark(&text[w.start..w.end], &local);
    let mut out = String::with_capacity(body.len() + 8);
    if w.cut_before {
        out.push_str("… ");
    }
    out.push_str(&body);
    if w.cut_after {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::parse;

    fn snippet(q: &str, text: &str) -> String {
        snippet_lang(q, Lang::De, text)
    }

    fn snippet_lang(q: &str, lang: Lang, text: &str) -> String {
        let mut h = Highlighter::new(&parse(q).expect("query parses"));
        h.html_of(lang, &[text], SCAN_BYTES)
    }

    fn marked(html: &str) -> Vec<&str> {
        html.split("<b>")
            .skip(1)
            .filter_map(|s| s.split_once("</b>").map(|(m, _)| m))
            .collect()
    }

    fn filler(sentences: usize) -> String {
        "Die Kommune berichtet über neue Vorhaben im Landkreis. ".repeat(sentences)
    }

    #[test]
    fn match_at_the_start() {
        let text = format!("Breitband für alle Schulen. {}", filler(20));
        let html = snippet("Breitband", &text);
        assert!(
            html.starts_with("<b>Breitband</b> für alle Schulen."),
            "{html}"
        );
        assert!(html.ends_with(" …"), "{html}");
        assert!(
            html.chars().count() <= SNIPPET_CHARS + 2 + "<b></b>".len(),
            "{html}"
        );
    }

    #[test]
    fn match_in_the_middle_starts_at_its_sentence() {
        let text = format!(
            "{}Der Ausbau der Breitbandnetze kommt voran, sagt das Amt. {}",
            filler(10),
            filler(10)
        );
        let html = snippet("Breitbandnetz", &text);
        assert!(
            html.starts_with("Der Ausbau der <b>Breitbandnetze</b> kommt voran"),
            "{html}"
        );
        assert!(html.ends_with(" …"), "{html}");
    }

    #[test]
    fn match_deep_in_a_long_sentence_gets_context_and_ellipses() {
        let long = "wort ".repeat(100);
        let text = format!("Anfang {long}Breitband {long}Ende.");
        let html = snippet("Breitband", &text);
        assert!(html.starts_with("… wort"), "{html}");
        assert!(html.contains("<b>Breitband</b>"), "{html}");
        let before = html.split("<b>").next().unwrap_or("");
        assert!(before.chars().count() <= CONTEXT_BEFORE + 2, "{html}");
        assert!(html.ends_with("wort …"), "cut at a word: {html}");
    }

    #[test]
    fn match_at_the_end() {
        let text = format!("{}Zuletzt: die Verwaltungen", filler(10));
        let html = snippet("Verwaltung", &text);
        assert!(html.ends_with("die <b>Verwaltungen</b>"), "{html}");
        assert!(!html.starts_with('…'), "a sentence start after ':': {html}");
    }

    #[test]
    fn every_match_in_the_window_is_marked_and_only_real_matches() {
        // `Verwaltungen`, `VERWALTUNG` and `Verwaltung` analyse to the query's term; the
        // compound `Verwaltungsgericht` and `Verwahrung` share letters with it but are other
        // terms (the index would not match them either).
        let text =
            "Die Verwaltungen und die VERWALTUNG: Verwaltungsgericht, Verwahrung, Verwaltung.";
        let html = snippet("Verwaltung", text);
        assert_eq!(
            marked(&html),
            ["Verwaltungen", "VERWALTUNG", "Verwaltung"],
            "{html}"
        );
        let text = "Registermodernisierung und OZG, dann Onlinezugangsgesetz.";
        let html = snippet("OZG OR Registermodernisierung", text);
        assert_eq!(marked(&html), ["Registermodernisierung", "OZG"], "{html}");
        // Negated words are not marked, phrases mark their words.
        let html = snippet("Register -OZG", text);
        assert!(marked(&html).is_empty(), "{html}");
        let html = snippet("\"und OZG\"", text);
        assert_eq!(marked(&html), ["und", "OZG"], "{html}");
    }

    #[test]
    fn no_match_in_the_scanned_slice_shows_the_start_unmarked() {
        let text = format!("{}Breitband am Ende.", filler(30));
        let mut h = Highlighter::new(&parse("Breitband").expect("parses"));
        // The match lies beyond a budget of 500 bytes: not found, the start is shown.
        let html = h.html_of(Lang::De, &[&text], 500);
        assert!(marked(&html).is_empty(), "{html}");
        assert!(html.starts_with("Die Kommune berichtet"), "{html}");
        assert!(html.ends_with(" …"), "{html}");
        // With the whole text in budget it is found.
        let html = h.html_of(Lang::De, &[&text], SCAN_BYTES);
        assert_eq!(marked(&html), ["Breitband"], "{html}");
        // A query with no words (filters only) shows the start too.
        let html = snippet("land:BB", "Kurz.");
        assert_eq!(html, "Kurz.");
    }

    #[test]
    fn summary_is_searched_before_the_text() {
        let mut h = Highlighter::new(&parse("Glasfaser").expect("parses"));
        let html = h.html_of(
            Lang::De,
            &["Kurzfassung ohne Treffer.", "Der Text nennt Glasfaser."],
            SCAN_BYTES,
        );
        assert!(
            html.starts_with("Der Text nennt <b>Glasfaser</b>"),
            "{html}"
        );
        let html = h.html_of(Lang::De, &["Nichts.", "Auch nichts."], SCAN_BYTES);
        assert_eq!(html, "Nichts.\n\nAuch nichts.");
    }

    #[test]
    fn multibyte_text_is_cut_on_character_boundaries() {
        // Umlauts, ß, transliterations and 4-byte characters around and inside the match.
        let text = format!(
            "{}Über die Zuständigkeiten für Straßen 🚧 entscheidet die Behörde. {}",
            "Ärger über Öffnungszeiten 🙂 äöü ß. ".repeat(12),
            "Größere Maßnahmen 🚧 folgen. ".repeat(12)
        );
        for q in ["Zustaendigkeit", "Zuständigkeit", "Strasse", "Behoerde"] {
            let html = snippet(q, &text);
            assert_eq!(marked(&html).len(), 1, "{q}: {html}");
            assert!(
                html.starts_with("Über die <b>Zuständigkeiten</b>")
                    || html.starts_with("Über die Zuständigkeiten"),
                "{q}: {html}"
            );
        }
        let html = snippet("Über", &text);
        assert_eq!(marked(&html).first(), Some(&"über"), "{html}");
        // A match near a budget that falls inside a multibyte character.
        let mut h = Highlighter::new(&parse("Öffnungszeit").expect("parses"));
        for budget in 1..40 {
            let _ = h.html_of(Lang::De, &[&text], budget);
        }
        // English articles use the English analyser.
        let html = snippet_lang("administration", Lang::En, "The administrations agree.");
        assert_eq!(marked(&html), ["administrations"], "{html}");
    }

    #[test]
    fn everything_is_escaped_and_only_our_b_is_markup() {
        let text = "Warnung: <script>alert(1)</script> & \"Verwaltung\" <b>fett</b>.";
        let html = snippet("Verwaltung", text);
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("&amp;"), "{html}");
        assert!(html.contains("&lt;b&gt;fett&lt;/b&gt;"), "{html}");
        assert_eq!(marked(&html), ["Verwaltung"], "{html}");
        assert_eq!(html.matches("<b>").count(), 1, "{html}");
        let html = snippet("script", text);
        assert_eq!(marked(&html), ["script", "script"], "{html}");
    }

    #[test]
    fn the_cheap_filter_never_drops_a_real_match() {
        // For every word w and both analysers: if w analyses to the term t, then the filter
        // built from t must let w through. Words: a German and English list with the cases the
        // stemmers and folders rewrite (umlauts, ae/oe/ue, ß, y→i, dying→die, ligatures).
        let list = "Verwaltung Verwaltungen Zuständigkeit Zustaendigkeiten Öl Oel Oelfeld Übung \
            Uebungen Ärzte Aerzte Straße Strasse Straßen Größe Groesse Maße Quelle Quellen neue \
            Steuer Bauer Israel Poesie Behörde Behoerden Wirtschaftlichkeit wandeln wandelns \
            Systeme ärgerlich OZG Onlinezugangsgesetz Registermodernisierung E-Akte 2024 3D \
            happy happily dying lying tying skies skis hoping hopped agreed idly gently ugly \
            early only singly news atlas relational generously administrations Æther œuvre \
            Ǆemal İstanbul ﬁnanz Ñandú Çatal façade café naïve résumé Ålesund Øresund \
            Ueberweisung Aenderung Oeffnung ßig ẞE Broadband Breitbandausbau Bürgerämter \
            Abend Ebene Ufer Yacht Ypsilon Qualle Quader Äpfel ÄNDERUNG ÜBER Öde Ei Au eu";
        for lang in [Lang::De, Lang::En] {
            for word in list.split(|c: char| !c.is_alphanumeric()) {
                if word.is_empty() {
                    continue;
                }
                for (_, term) in terms(lang, word) {
                    let q = Query {
                        expr: Some(Expr::Word(term.clone())),
                        ..Query::default()
                    };
                    let mut m = Matcher::new(lang, &q);
                    // The term analyses to itself for these words; the filter is built from it.
                    m.terms = vec![term.clone()];
                    m.keys = vec![Key::of(lang, &term).expect("term")];
                    assert!(m.candidate(word), "{lang:?}: {word} -> {term}");
                    assert!(m.confirm(word), "{lang:?}: {word} -> {term}");
                }
            }
        }
    }

    #[test]
    fn words_are_cut_like_the_tokenizer() {
        let text = "OZG-Umsetzung, 2024: Grüße!";
        let got: Vec<&str> = words(text, 0, text.len()).map(|r| &text[r]).collect();
        assert_eq!(got, ["OZG", "Umsetzung", "2024", "Grüße"]);
        let cut: Vec<&str> = words(text, 4, 8).map(|r| &text[r]).collect();
        assert_eq!(cut, ["Umse"]);
    }
}
