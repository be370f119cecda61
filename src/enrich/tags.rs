//! Site tags: cleaning the tags a source attaches to an article, and their URL/index keys.
//!
//! Normalisation trims, collapses whitespace (including NBSP and control characters), strips
//! surrounding punctuation and quotes (keeping a trailing `+` as in `C++` and balanced brackets
//! inside, as in `Onlinezugangsgesetz (OZG)`), drops empty and overlong tags, removes duplicates
//! by key keeping the first spelling, and caps the count. Keys are folded lowercase words joined by
//! `-`. This module must never do I/O and never panic on any text.

/// Longest tag kept, in characters.
pub const MAX_TAG_CHARS: usize = 60;

/// Most tags kept per article.
pub const MAX_TAGS: usize = 30;

/// Cleans site tags: trimmed, whitespace collapsed, surrounding punctuation and quotes stripped,
/// empty and overlong (> 60 chars) ones dropped, duplicates (same [`tag_key`]) removed keeping the
/// first spelling, at most 30 kept.
pub fn normalize_tags(tags: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for raw in tags {
        if out.len() >= MAX_TAGS {
            break;
        }
        let tag = clean(&raw);
        if tag.chars().count() > MAX_TAG_CHARS {
            continue;
        }
        let key = tag_key(&tag);
        if key.is_empty() || keys.contains(&key) {
            continue;
        }
        keys.push(key);
        out.push(tag);
    }
    out
}

/// The key of a tag for URLs and index entries: the one rule in [`crate::text::tag_key`], shared
/// with extraction, the store and the web paths.
pub use crate::text::tag_key;

/// Collapses whitespace and strips surrounding punctuation of one tag.
fn clean(raw: &str) -> String {
    let collapsed = raw
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    strip_surrounding(&collapsed).to_string()
}

/// Removes surrounding punctuation; brackets only when unbalanced or enclosing the whole tag.
fn strip_surrounding(mut s: &str) -> &str {
    loop {
        let before = s.len();
        s = s.trim_matches(|c: char| c.is_whitespace() || is_loose_punct(c));
        if let (Some(first), Some(last)) = (s.chars().next(), s.chars().next_back()) {
            if first == '<' && looks_like_markup(s) {
                // `<script>alert(1)</script>` is kept whole as text (and escaped wherever it is
                // shown): stripping its outer brackets would leave `script>alert(1)</script`.
                return s;
            }
            if closing_of(first) == Some(last) {
                s = s
                    .get(first.len_utf8()..s.len() - last.len_utf8())
                    .unwrap_or("");
            } else if closing_of(first).is_some_and(|close| !s.contains(close)) {
                s = s.get(first.len_utf8()..).unwrap_or("");
            } else if opening_of(last).is_some_and(|open| !s.contains(open)) {
                s = s.get(..s.len() - last.len_utf8()).unwrap_or("");
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

/// Whether a tag starting with `<` is markup rather than a bracketed word (`<KI>`): more angle
/// brackets, `=` or `/` inside.
fn looks_like_markup(s: &str) -> bool {
    let inner = s.get(1..).unwrap_or_default();
    let inner = inner.strip_suffix('>').unwrap_or(inner);
    inner.contains(['<', '>', '=', '/'])
}

/// Punctuation, quotes and symbols that never belong at a tag's edge (brackets are handled apart).
fn is_loose_punct(c: char) -> bool {
    !c.is_alphanumeric()
        && !c.is_whitespace()
        && closing_of(c).is_none()
        && opening_of(c).is_none()
        && !matches!(c, '§' | '+')
}

/// The closing bracket for an opening one.
fn closing_of(c: char) -> Option<char> {
    match c {
        '(' => Some(')'),
        '[' => Some(']'),
        '{' => Some('}'),
        '<' => Some('>'),
        _ => None,
    }
}

/// The opening bracket for a closing one.
fn opening_of(c: char) -> Option<char> {
    match c {
        ')' => Some('('),
        ']' => Some('['),
        '}' => Some('{'),
        '>' => Some('<'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(tags: &[&str]) -> Vec<String> {
        normalize_tags(tags.iter().map(|t| t.to_string()))
    }

    #[test]
    fn markup_is_kept_whole_not_half_stripped() {
        assert_eq!(
            norm(&[
                "<script>alert(30)</script>",
                "<svg onload=alert(24)>",
                "<KI>"
            ]),
            ["<script>alert(30)</script>", "<svg onload=alert(24)>", "KI"]
        );
    }

    #[test]
    fn cleans_single_tags() {
        let cases: &[(&str, Option<&str>)] = &[
            ("  OZG  ", Some("OZG")),
            ("E-Government", Some("E-Government")),
            (
                "Künstliche\u{A0}\n Intelligenz",
                Some("Künstliche Intelligenz"),
            ),
            ("„Digitalisierung“", Some("Digitalisierung")),
            ("\"Bayern\",", Some("Bayern")),
            ("#OZG", Some("OZG")),
            ("Politik;", Some("Politik")),
            ("– Kommunen –", Some("Kommunen")),
            (
                "Onlinezugangsgesetz (OZG)",
                Some("Onlinezugangsgesetz (OZG)"),
            ),
            ("(OZG)", Some("OZG")),
            ("Onlinezugangsgesetz (OZG", Some("Onlinezugangsgesetz (OZG")),
            ("OZG)", Some("OZG")),
            ("[Recht]", Some("Recht")),
            ("C++", Some("C++")),
            ("§ 5 OZG", Some("§ 5 OZG")),
            ("...", None),
            ("   ", None),
            ("", None),
            ("()", None),
        ];
        for (raw, want) in cases {
            let got = norm(&[raw]);
            let want: Vec<String> = want.iter().map(|w| w.to_string()).collect();
            assert_eq!(got, want, "raw {raw:?}");
        }
    }

    #[test]
    fn length_limit_counts_characters() {
        let sixty_umlauts = "ä".repeat(60);
        let sixty_one = "ä".repeat(61);
        assert_eq!(norm(&[&sixty_umlauts]), vec![sixty_umlauts.clone()]);
        assert!(norm(&[&sixty_one]).is_empty());
    }

    #[test]
    fn dedupes_by_key_keeping_first_spelling() {
        let got = norm(&[
            "OZG",
            "ozg",
            " OZG ",
            "Zuständigkeit",
            "Zustaendigkeit",
            "E Government",
            "e-government",
        ]);
        assert_eq!(got, vec!["OZG", "Zuständigkeit", "E Government"]);
    }

    #[test]
    fn caps_at_thirty() {
        let many: Vec<String> = (0..50).map(|i| format!("Tag {i}")).collect();
        let got = normalize_tags(many);
        assert_eq!(got.len(), MAX_TAGS);
        assert_eq!(got.first().map(String::as_str), Some("Tag 0"));
        assert_eq!(got.last().map(String::as_str), Some("Tag 29"));
    }

    #[test]
    fn keys() {
        let cases = [
            ("OZG", "ozg"),
            ("„Künstliche Intelligenz“", "kuenstliche-intelligenz"),
            ("E-Government", "e-government"),
            ("Straße & Verkehr", "strasse-verkehr"),
            ("Onlinezugangsgesetz (OZG)", "onlinezugangsgesetz-ozg"),
            ("C++", "c"),
            ("  --  ", ""),
            ("Ärzte", "aerzte"),
        ];
        for (tag, want) in cases {
            assert_eq!(tag_key(tag), want, "tag {tag:?}");
        }
    }
}
