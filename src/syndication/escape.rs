//! XML escaping for hand-written feeds.
//!
//! This file owns the one rule for putting untrusted text into XML 1.0: the five markup
//! characters become entity references and characters that XML 1.0 forbids are dropped. It must
//! never decide *what* is written, only how a string becomes safe character data or attribute
//! content.

/// True if `c` may appear in an XML 1.0 document.
///
/// XML 1.0 allows tab, line feed, carriage return, U+0020–U+D7FF, U+E000–U+FFFD and
/// U+10000–U+10FFFF. Surrogates cannot occur in a Rust `char`, so only the C0 controls and
/// U+FFFE/U+FFFF need to go.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `text` to `out` as XML character data.
///
/// `&`, `<`, `>`, `"` and `'` become entity references (escaping all five makes the result
/// usable inside either kind of attribute quotes too); characters invalid in XML are dropped.
pub fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// Appends `value` to `out` as the content of a quoted XML attribute.
///
/// Like [`escape_text`], and additionally writes tab, line feed and carriage return as character
/// references, because a parser would otherwise normalise them to spaces.
pub fn escape_attr(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => {
                let mut buf = [0u8; 4];
                escape_text(out, c.encode_utf8(&mut buf));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::html_escape;

    fn text(s: &str) -> String {
        let mut out = String::new();
        escape_text(&mut out, s);
        out
    }

    fn attr(s: &str) -> String {
        let mut out = String::new();
        escape_attr(&mut out, s);
        out
    }

    #[test]
    fn escapes_the_five_markup_characters() {
        let cases = [
            ("a & b", "a &amp; b"),
            ("<script>", "&lt;script&gt;"),
            (r#"say "hi""#, "say &quot;hi&quot;"),
            ("it's", "it&apos;s"),
            ("&amp;", "&amp;amp;"),
            ("Grüße – ✓ 🦀", "Grüße – ✓ 🦀"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(text(input), want, "input {input:?}");
        }
    }

    #[test]
    fn drops_characters_xml_forbids_and_keeps_whitespace() {
        assert_eq!(text("a\u{0}b\u{1}c\u{8}d\u{B}e\u{C}f\u{1F}g"), "abcdefg");
        assert_eq!(text("x\u{FFFE}y\u{FFFF}z"), "xyz");
        assert_eq!(text("tab\tlf\ncr\r"), "tab\tlf\ncr\r");
        assert_eq!(
            text("\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}"),
            "\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}"
        );
    }

    #[test]
    fn attributes_keep_whitespace_as_character_references() {
        assert_eq!(attr("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        assert_eq!(attr(r#"x" onload="y"#), "x&quot; onload=&quot;y");
        assert_eq!(attr("\u{1}<'>"), "&lt;&apos;&gt;");
    }

    #[test]
    fn html_escape_then_xml_escape_is_a_double_escape() {
        let html = html_escape("<script>a & 'b'</script>");
        assert_eq!(html, "&lt;script&gt;a &amp; &#39;b&#39;&lt;/script&gt;");
        assert_eq!(
            text(&html),
            "&amp;lt;script&amp;gt;a &amp;amp; &amp;#39;b&amp;#39;&amp;lt;/script&amp;gt;"
        );
    }

    #[test]
    fn is_xml_char_matches_the_spec_boundaries() {
        for c in [
            '\t',
            '\n',
            '\r',
            ' ',
            '\u{D7FF}',
            '\u{E000}',
            '\u{FFFD}',
            '\u{10000}',
        ] {
            assert!(is_xml_char(c), "{c:?} is allowed");
        }
        for c in ['\u{0}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(!is_xml_char(c), "{c:?} is forbidden");
        }
    }
}
