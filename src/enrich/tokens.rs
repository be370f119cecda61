//! Splitting plain text into folded word parts, each remembering how it joins the part before.
//!
//! A *part* is a maximal run of letters and digits; `E-Government-Servicekonto` gives three parts
//! joined by hyphens, `Einer für Alle` three parts joined by spaces, `(OZG).` one part. Chunks that
//! look like links (`https://…`, `www.…`, `name@host.de`, `ozg.de/…`) are skipped whole, so link
//! text never matches anything. The buffers are reused across calls; filling allocates only when
//! a text is longer than any seen before. This file must never panic on any input.

use std::ops::Range;

use unicode_normalization::char::is_combining_mark;

use super::fold::{fold_cased_into, fold_lower_into, is_ignorable};

/// How a part is attached to the part before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Join {
    /// Directly after a hyphen between two words (`E-Government`).
    Hyphen,
    /// After whitespace only (`Einer für`).
    Space,
    /// After punctuation, a skipped link, or at the start of the text.
    Punct,
}

/// Where one part's folded forms live in the buffers.
#[derive(Debug, Clone)]
struct Span {
    /// Range in the lowercase buffer.
    lower: Range<usize>,
    /// Range in the case-keeping buffer (empty when case is not kept).
    cased: Range<usize>,
    /// Attachment to the previous part.
    join: Join,
}

/// The parts of one text, folded, with reusable buffers.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    /// All lowercase folded parts, back to back.
    lower: String,
    /// All case-keeping folded parts, back to back (only when `keep_case`).
    cased: String,
    /// One span per part.
    spans: Vec<Span>,
    /// Whether to fill the case-keeping buffer as well.
    keep_case: bool,
}

impl Parts {
    /// Empty buffers; `keep_case` also records case-keeping folded forms.
    pub(crate) fn new(keep_case: bool) -> Parts {
        Parts {
            keep_case,
            ..Parts::default()
        }
    }

    /// Replaces the contents with the parts of `text`.
    pub(crate) fn fill(&mut self, text: &str) {
        self.lower.clear();
        self.cased.clear();
        self.spans.clear();
        self.lower.reserve(text.len() + 8);
        if self.keep_case {
            self.cased.reserve(text.len() + 8);
        }
        self.spans.reserve(text.len() / 6 + 1);
        let mut join = Join::Punct;
        let mut pos = 0;
        loop {
            let start = position(text, pos, |c| !c.is_whitespace());
            if start >= text.len() {
                break;
            }
            let end = position(text, start, char::is_whitespace);
            pos = end;
            let chunk = text.get(start..end).unwrap_or("");
            join = if is_link_like(chunk) {
                Join::Punct
            } else {
                self.scan_chunk(chunk, join)
            };
        }
    }

    /// Number of parts.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The lowercase folded form of part `i` (empty if out of range).
    pub(crate) fn lower(&self, i: usize) -> &str {
        self.spans
            .get(i)
            .and_then(|s| self.lower.get(s.lower.clone()))
            .unwrap_or("")
    }

    /// The case-keeping folded form of part `i` (empty if out of range or case not kept).
    pub(crate) fn cased(&self, i: usize) -> &str {
        self.spans
            .get(i)
            .and_then(|s| self.cased.get(s.cased.clone()))
            .unwrap_or("")
    }

    /// How part `i` attaches to part `i - 1` (`Punct` if out of range).
    pub(crate) fn join(&self, i: usize) -> Join {
        self.spans.get(i).map_or(Join::Punct, |s| s.join)
    }

    /// Splits one whitespace-free chunk into parts; returns the join for the next chunk's first part.
    fn scan_chunk(&mut self, chunk: &str, join_in: Join) -> Join {
        let mut pos = 0;
        let mut had_word = false;
        loop {
            let start = position(chunk, pos, is_word_char);
            if start >= chunk.len() {
                return if had_word && pos == chunk.len() {
                    Join::Space
                } else {
                    Join::Punct
                };
            }
            let separator = chunk.get(pos..start).unwrap_or("?");
            let join = match (had_word, separator.is_empty()) {
                (false, true) => join_in,
                (true, false) if is_single_hyphen(separator) => Join::Hyphen,
                _ => Join::Punct,
            };
            let end = position(chunk, start, |c| !is_word_char(c));
            self.push(chunk.get(start..end).unwrap_or(""), join);
            had_word = true;
            pos = end;
        }
    }

    /// Folds and records one part; parts that fold to nothing are dropped.
    fn push(&mut self, word: &str, join: Join) {
        let lower_start = self.lower.len();
        fold_lower_into(word, &mut self.lower);
        if self.lower.len() == lower_start {
            return;
        }
        let cased_start = self.cased.len();
        if self.keep_case {
            fold_cased_into(word, &mut self.cased);
        }
        self.spans.push(Span {
            lower: lower_start..self.lower.len(),
            cased: cased_start..self.cased.len(),
            join,
        });
    }
}

/// The byte index of the first char at or after `from` for which `pred` holds, else `s.len()`.
/// ASCII bytes are tested without decoding.
#[inline]
fn position(s: &str, from: usize, pred: impl Fn(char) -> bool) -> usize {
    let bytes = s.as_bytes();
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            if pred(char::from(b)) {
                return i;
            }
            i += 1;
            continue;
        }
        match s.get(i..).and_then(|t| t.chars().next()) {
            Some(c) if pred(c) => return i,
            Some(c) => i += c.len_utf8(),
            None => return s.len(),
        }
    }
    s.len()
}

/// Letters, digits, combining marks and invisible in-word characters.
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    // Latin-1 letters and Latin Extended-A/B (umlauts, ß, accents) without a table lookup.
    if ('\u{C0}'..='\u{24F}').contains(&c) {
        return c != '\u{D7}' && c != '\u{F7}';
    }
    c.is_alphanumeric() || is_ignorable(c) || (c >= '\u{300}' && is_combining_mark(c))
}

/// True if the separator is exactly one hyphen-minus, Unicode hyphen or non-breaking hyphen
/// (dashes do not join words).
fn is_single_hyphen(separator: &str) -> bool {
    let mut chars = separator.chars();
    matches!(
        (chars.next(), chars.next()),
        (Some('-' | '\u{2010}' | '\u{2011}'), None)
    )
}

/// True if a whitespace-free chunk is a URL, a bare domain (`ozg.de/x`) or an e-mail address.
pub(crate) fn is_link_like(chunk: &str) -> bool {
    if !chunk.bytes().any(|b| matches!(b, b'.' | b':' | b'@')) {
        return false;
    }
    let t = chunk.trim_start_matches(|c: char| !c.is_alphanumeric());
    if t.contains("://") || t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www.")) {
        return true;
    }
    if let Some((user, host)) = t.split_once('@')
        && user.chars().any(char::is_alphanumeric)
        && host.contains('.')
    {
        return true;
    }
    has_domain_suffix(t.as_bytes())
}

/// True if the bytes contain `label.tld` where `tld` is 2–6 lowercase ASCII letters ending the
/// chunk or followed by a non-letter (`ozg.de`, `bund.de/x`), but not `z.B.` or `OZG.Die`.
fn has_domain_suffix(bytes: &[u8]) -> bool {
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'.' || i == 0 {
            continue;
        }
        let before_ok = bytes.get(i - 1).is_some_and(u8::is_ascii_alphanumeric);
        let tail = bytes.get(i + 1..).unwrap_or(&[]);
        let run = tail.iter().take_while(|c| c.is_ascii_lowercase()).count();
        let after = tail.get(run);
        let ends_ok = after.is_none_or(|c| !c.is_ascii_alphanumeric() && c.is_ascii());
        if before_ok && (2..=6).contains(&run) && ends_ok {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts_of(text: &str) -> Vec<(String, Join)> {
        let mut p = Parts::new(true);
        p.fill(text);
        (0..p.len())
            .map(|i| (p.lower(i).to_string(), p.join(i)))
            .collect()
    }

    #[test]
    fn splits_into_parts_with_joins() {
        use Join::*;
        let cases: &[(&str, &[(&str, Join)])] = &[
            ("OZG-Umsetzung", &[("ozg", Punct), ("umsetzung", Hyphen)]),
            ("„OZG“ und", &[("ozg", Punct), ("und", Punct)]),
            (
                "Einer für Alle",
                &[("einer", Punct), ("fuer", Space), ("alle", Space)],
            ),
            (
                "Ein- und Aus",
                &[("ein", Punct), ("und", Punct), ("aus", Space)],
            ),
            ("Bund/Länder", &[("bund", Punct), ("laender", Punct)]),
            ("a--b", &[("a", Punct), ("b", Punct)]),
            ("Bayern – Hessen", &[("bayern", Punct), ("hessen", Punct)]),
            (
                "Register\u{AD}modernisierung",
                &[("registermodernisierung", Punct)],
            ),
            ("  ", &[]),
            ("", &[]),
        ];
        for (text, want) in cases {
            let want: Vec<(String, Join)> = want.iter().map(|(s, j)| (s.to_string(), *j)).collect();
            assert_eq!(parts_of(text), want, "text {text:?}");
        }
    }

    #[test]
    fn link_like_chunks_are_skipped() {
        let cases = [
            ("https://www.ozg.de/umsetzung", true),
            ("(https://www.ozg.de/umsetzung).", true),
            ("www.OZG.de", true),
            ("ozg.de/leistungen", true),
            ("presse@bmi.bund.de", true),
            ("presse@bmi.bund.de.", true),
            ("OZG.", false),
            ("OZG.Die", false),
            ("z.B.", false),
            ("d.h.", false),
            ("@bmi", false),
            ("2.0", false),
            ("OZG-Umsetzung", false),
        ];
        for (chunk, want) in cases {
            assert_eq!(is_link_like(chunk), want, "chunk {chunk:?}");
        }
        assert_eq!(
            parts_of("siehe https://www.ozg.de/x OZG"),
            vec![
                ("siehe".to_string(), Join::Punct),
                ("ozg".to_string(), Join::Punct)
            ]
        );
    }

    #[test]
    fn keeps_case_when_asked() {
        let mut p = Parts::new(true);
        p.fill("Die EfA-Leistung");
        assert_eq!(p.cased(1), "EfA");
        assert_eq!(p.cased(2), "Leistung");
        assert_eq!(p.cased(9), "");
        let mut q = Parts::new(false);
        q.fill("EfA");
        assert_eq!(q.cased(0), "");
        assert_eq!(q.lower(0), "efa");
    }
}
