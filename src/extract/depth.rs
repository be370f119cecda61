//! A nesting cap applied to HTML before it reaches the parser.
//!
//! html5ever builds any tree iteratively, but some of its per-tag checks scan the whole stack of
//! open elements, so 50,000 nested `<div>`s cost minutes of CPU. This module owns a cheap
//! tokenizer-light pass that drops start/end tags nested deeper than [`MAX_DEPTH`] (their text
//! stays). It must never alter a document that is not that deep (it then returns the input
//! unchanged and unallocated) and never drop text.

use std::borrow::Cow;
use std::ops::Range;

/// Elements nested deeper than this lose their tags (not their text).
pub const MAX_DEPTH: usize = 400;

/// Elements that never have content.
const VOID: &[&[u8]] = &[
    b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta",
    b"source", b"track", b"wbr", b"param", b"keygen",
];
/// Elements whose end tag is commonly omitted; they close implicitly and are not counted.
const IMPLICITLY_CLOSED: &[&[u8]] = &[
    b"p",
    b"li",
    b"dt",
    b"dd",
    b"option",
    b"optgroup",
    b"tr",
    b"td",
    b"th",
    b"tbody",
    b"thead",
    b"tfoot",
    b"colgroup",
    b"rb",
    b"rt",
    b"rp",
    b"rtc",
];
/// Elements whose content is raw text up to their end tag.
const RAW_TEXT: &[&[u8]] = &[
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
];

/// Elements whose children follow XML rules (`<x/>` closes itself).
const FOREIGN: &[&[u8]] = &[b"svg", b"math"];

/// Whether `name` is in `list`, ignoring ASCII case.
fn is_in(list: &[&[u8]], name: &[u8]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Returns `html` with tags beyond [`MAX_DEPTH`] removed, borrowing when nothing changed.
pub fn limit_nesting(html: &str) -> Cow<'_, str> {
    let dropped = too_deep_tags(html);
    if dropped.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for r in dropped {
        out.push_str(html.get(last..r.start).unwrap_or_default());
        last = r.end;
    }
    out.push_str(html.get(last..).unwrap_or_default());
    Cow::Owned(out)
}

/// Byte ranges of the tags to drop (always on ASCII `<`/`>` boundaries).
fn too_deep_tags(html: &str) -> Vec<Range<usize>> {
    let b = html.as_bytes();
    let mut dropped = Vec::new();
    let (mut depth, mut excess, mut foreign) = (0usize, 0usize, 0usize);
    let mut i = 0;
    // `str::find` with an ASCII char runs on memchr; `i` is always just past an ASCII byte, so
    // it is a char boundary (`get` returns `None` otherwise and the scan ends).
    while let Some(off) = html.get(i..).and_then(|r| r.find('<')) {
        let start = i + off;
        let Some(tag) = read_tag(b, start) else {
            i = start + 1;
            continue;
        };
        i = tag.end;
        if tag.name.is_empty() || is_in(VOID, tag.name) || is_in(IMPLICITLY_CLOSED, tag.name) {
            continue;
        }
        let is_foreign = is_in(FOREIGN, tag.name);
        if tag.closing {
            if excess > 0 {
                excess -= 1;
                dropped.push(start..tag.end);
            } else {
                depth = depth.saturating_sub(1);
                foreign = foreign.saturating_sub(usize::from(is_foreign));
            }
        } else if let Some(resume) = tag.raw_end {
            i = resume;
        } else if tag.self_closed && foreign > 0 {
            // `<path/>` closes itself inside SVG/MathML only; in HTML the slash is ignored.
        } else if depth >= MAX_DEPTH {
            excess += 1;
            dropped.push(start..tag.end);
        } else {
            depth += 1;
            foreign += usize::from(is_foreign);
        }
    }
    dropped
}

/// A tag found by [`read_tag`].
struct Tag<'a> {
    name: &'a [u8],
    closing: bool,
    self_closed: bool,
    /// End of the tag (after `>`).
    end: usize,
    /// For raw-text elements and comments: where scanning resumes (after the closing tag).
    raw_end: Option<usize>,
}

/// Reads the tag (or comment) starting at `b[start] == b'<'`; `None` if it is plain text.
fn read_tag(b: &[u8], start: usize) -> Option<Tag<'_>> {
    let rest = b.get(start + 1..)?;
    if rest.starts_with(b"!--") {
        let end = find(b, start + 4, b"-->").map_or(b.len(), |e| e + 3);
        return Some(Tag {
            name: b"",
            closing: false,
            self_closed: true,
            end,
            raw_end: None,
        });
    }
    let closing = rest.first() == Some(&b'/');
    let name_start = start + 1 + usize::from(closing);
    let first = *b.get(name_start)?;
    if first == b'!' || first == b'?' {
        let end = find(b, name_start, b">").map_or(b.len(), |e| e + 1);
        return Some(Tag {
            name: b"",
            closing,
            self_closed: true,
            end,
            raw_end: None,
        });
    }
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let name_len = b
        .get(name_start..)?
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
        .count();
    let name = b.get(name_start..name_start + name_len)?;
    let end = tag_end(b, name_start + name_len);
    let self_closed = end >= 2 && b.get(end - 2) == Some(&b'/');
    let raw_end = (!closing && is_in(RAW_TEXT, name)).then(|| raw_text_end(b, end, name));
    Some(Tag {
        name,
        closing,
        self_closed,
        end,
        raw_end,
    })
}

/// Position after the `>` that ends a tag, honouring quoted attribute values.
fn tag_end(b: &[u8], mut i: usize) -> usize {
    let mut quote: Option<u8> = None;
    while let Some(&c) = b.get(i) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'>') => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Position after `</name ...>` of a raw-text element, or the end of input.
fn raw_text_end(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(pos) = find(b, i, b"</") {
        let after = pos + 2;
        let matches = b
            .get(after..after + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name));
        if matches {
            return tag_end(b, after + name.len());
        }
        i = after;
    }
    b.len()
}

/// First index `>= from` where `needle` occurs.
fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_documents_are_untouched() {
        let html = "<html><body><div class=\"a>b\"><p>x<li>y<script>if (a<b) {}</script><!-- <div> --></div></body></html>";
        assert!(matches!(limit_nesting(html), Cow::Borrowed(_)));
        let many_siblings = "<div></div>".repeat(10_000);
        let icons = "<svg><path d=\"M0\"/><circle/></svg>".repeat(1_000);
        assert!(matches!(limit_nesting(&icons), Cow::Borrowed(_)));
        assert!(matches!(limit_nesting(&many_siblings), Cow::Borrowed(_)));
        let unclosed_items = format!("<ul>{}</ul>", "<li>x".repeat(5_000));
        assert!(matches!(limit_nesting(&unclosed_items), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_capped_and_text_kept() {
        let n = 50_000;
        let html = format!(
            "{}<p>Tief</p>{}",
            "<DIV class=x>".repeat(n),
            "</div>".repeat(n)
        );
        let out = limit_nesting(&html);
        assert_eq!(out.matches("<DIV").count(), MAX_DEPTH);
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
        assert!(out.contains("<p>Tief</p>"));
        let slashed = "<div/>".repeat(1_000);
        assert_eq!(limit_nesting(&slashed).matches("<div/>").count(), MAX_DEPTH);
    }

    #[test]
    fn broken_markup_never_panics() {
        for html in [
            "<",
            "</",
            "<!--",
            "<a href='",
            "<script>",
            "<x/>",
            "<ä>",
            "<\u{0}>",
            "</>",
            "<!",
        ] {
            let _ = limit_nesting(html);
        }
    }
}
