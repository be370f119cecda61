//! Small shared text helpers: word-boundary cuts, shortening of echoed values, HTML escaping and
//! the http(s) URL check.
//!
//! These used to exist in several copies (`extract`, `digest`, `syndication`, `search`), each
//! drifting on its own. This module sits at the bottom of the module map next to `model`: it must
//! never use anything from the rest of the crate, so every module may use it. Each function is
//! pure: string in, string out.

/// Where [`cut_at_word`] may end a shortened text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// At the last whitespace after the first character; a hard cut only when the kept part is
    /// one long word.
    LastSpace,
    /// At the last whitespace in the second half of the kept part, else a hard cut: a text never
    /// shrinks to less than half its allowance (in bytes) for the sake of a whole word.
    LateSpace,
}

/// What [`cut_at_word`] trims from the end of the kept part before the `…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// Trailing whitespace only.
    Spaces,
    /// Trailing whitespace and the punctuation `,;:-–`, so a cut never ends in "Bund, …".
    SpacesAndPunctuation,
}

/// `text` cut to at most `max_chars` characters at a word boundary (see [`Boundary`]), with the
/// end trimmed (see [`Tail`]) and `…` appended; `text` unchanged (and without `…`) if it is not
/// longer than `max_chars`.
///
/// The callers choose the rule their output has always had: feed descriptions cut at the last
/// space, digest summaries also drop trailing punctuation, extracted summaries and previews keep
/// at least half of their allowance.
pub fn cut_at_word(text: &str, max_chars: usize, boundary: Boundary, tail: Tail) -> String {
    let Some((cut, _)) = text.char_indices().nth(max_chars) else {
        return text.to_string();
    };
    let head = &text[..cut];
    let min = match boundary {
        Boundary::LastSpace => 0,
        Boundary::LateSpace => cut / 2,
    };
    let head = match head.rfind(char::is_whitespace) {
        Some(space) if space > min => &head[..space],
        _ => head,
    };
    let head = match tail {
        Tail::Spaces => head.trim_end(),
        Tail::SpacesAndPunctuation => {
            head.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–".contains(c))
        }
    };
    format!("{head}…")
}

/// At most `max_chars` characters of `value`, plus `…` when it was longer: for echoing a user's
/// input back in an error message without letting a huge value flood it.
pub fn shorten(value: &str, max_chars: usize) -> String {
    let mut out: String = value.chars().take(max_chars).collect();
    if value.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

/// `text` as HTML-escaped plain text, for elements that readers treat as HTML (RSS
/// `<description>`, search snippets). Inside XML the result still needs XML escaping on top; the
/// double escape is what makes a stored `<script>` show up as text in a feed reader.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `url` normalised, if it is an absolute http or https URL; `None` for anything else
/// (`javascript:`, `data:`, relative or unparsable), so that no link we write can run script.
pub fn http_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// `lang` when it is a well-formed language code other than German, for a `lang` attribute on
/// an article's markup (screen readers, hyphenation); anything else stays under the page's
/// `lang="de"`, so no stored value can reach the attribute unchecked.
pub fn foreign_lang(lang: Option<&str>) -> Option<String> {
    let l = lang?.trim().to_ascii_lowercase();
    let ok = (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase());
    (ok && l != "de").then_some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_rules() {
        use Boundary::*;
        use Tail::*;
        let cases = [
            ("kurz", 10, LastSpace, Spaces, "kurz"),
            ("eins zwei drei", 14, LastSpace, Spaces, "eins zwei drei"),
            ("eins zwei drei", 11, LastSpace, Spaces, "eins zwei…"),
            ("ab cdefghijkl", 10, LastSpace, Spaces, "ab…"),
            ("ab cdefghijkl", 10, LateSpace, Spaces, "ab cdefghi…"),
            ("Bund, Länder", 8, LastSpace, Spaces, "Bund,…"),
            ("Bund, Länder", 8, LastSpace, SpacesAndPunctuation, "Bund…"),
            ("einlangeswort", 4, LastSpace, Spaces, "einl…"),
        ];
        for (text, max, boundary, tail, want) in cases {
            assert_eq!(
                cut_at_word(text, max, boundary, tail),
                want,
                "{text:?} {max} {boundary:?} {tail:?}"
            );
        }
        let long = "ä".repeat(50);
        assert_eq!(
            cut_at_word(&long, 10, Boundary::LateSpace, Tail::Spaces)
                .chars()
                .count(),
            11
        );
    }

    #[test]
    fn shorten_counts_characters() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(shorten("äöüß", 2), "äö…");
        assert_eq!(shorten("", 0), "");
    }

    #[test]
    fn html_escape_covers_the_five() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn http_url_accepts_only_http_and_https() {
        assert_eq!(
            http_url(" https://example.org/a ").as_deref(),
            Some("https://example.org/a")
        );
        assert_eq!(
            http_url("http://example.org").as_deref(),
            Some("http://example.org/")
        );
        assert_eq!(http_url("javascript:alert(1)"), None);
        assert_eq!(http_url("/relative"), None);
        assert_eq!(http_url("data:text/html,x"), None);
    }
}

/// The one key of a site tag, used by extraction and enrichment to tell duplicates, by the
/// store's tag index and by `/tag/…` URLs: lowercase, `ä→ae`, `ö→oe`, `ü→ue`, `ß→ss` (after NFC),
/// letters and digits kept, every other run of characters one `-`, none at the ends. So
/// `Künstliche Intelligenz` and `Kuenstliche Intelligenz` are `kuenstliche-intelligenz`, and
/// `E-Government` and `E Government` are `e-government`. Applying it to a key returns the key.
pub fn tag_key(tag: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut key = String::with_capacity(tag.len() + 4);
    let mut pending_dash = false;
    let mut push = |c: char, key: &mut String| {
        if c.is_alphanumeric() {
            if pending_dash && !key.is_empty() {
                key.push('-');
            }
            pending_dash = false;
            key.push(c);
        } else {
            pending_dash = true;
        }
    };
    for c in tag.nfc() {
        match c {
            'ä' | 'Ä' => "ae".chars().for_each(|c| push(c, &mut key)),
            'ö' | 'Ö' => "oe".chars().for_each(|c| push(c, &mut key)),
            'ü' | 'Ü' => "ue".chars().for_each(|c| push(c, &mut key)),
            'ß' | 'ẞ' => "ss".chars().for_each(|c| push(c, &mut key)),
            // Soft hyphen and zero-width characters sit inside words without separating them.
            '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            c => c.to_lowercase().for_each(|c| push(c, &mut key)),
        }
    }
    key
}

#[cfg(test)]
mod tag_key_tests {
    use super::tag_key;

    #[test]
    fn one_key_for_spellings_of_one_tag() {
        for (a, b) in [
            ("Künstliche Intelligenz", "Kuenstliche Intelligenz"),
            ("E-Government", "E Government"),
            ("  E-Government   Bayern ", "e government bayern"),
            ("ÖFFENTLICH", "oeffentlich"),
            ("Stra\u{00AD}ße", "Strasse"),
            ("Onlinezugangsgesetz (OZG)", "onlinezugangsgesetz ozg"),
        ] {
            assert_eq!(tag_key(a), tag_key(b), "{a} / {b}");
        }
        assert_eq!(tag_key("Künstliche Intelligenz"), "kuenstliche-intelligenz");
        for k in ["kuenstliche-intelligenz", "e-government", "x"] {
            assert_eq!(tag_key(k), k, "a key is its own key");
        }
        assert_eq!(tag_key("„–“"), "");
    }

    #[test]
    fn only_foreign_well_formed_languages_are_marked() {
        assert_eq!(super::foreign_lang(Some("en")), Some("en".into()));
        assert_eq!(super::foreign_lang(Some("FR")), Some("fr".into()));
        assert_eq!(super::foreign_lang(Some("de")), None);
        assert_eq!(super::foreign_lang(Some("\"><x")), None);
        assert_eq!(super::foreign_lang(None), None);
    }
}
