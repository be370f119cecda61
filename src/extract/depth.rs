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

/// What the nesting count needs to know about a tag name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Never has content (`br`, `img`, ...).
    Void,
    /// End tag commonly omitted (`p`, `li`, `td`, ...): closes implicitly, not counted.
    ImplicitlyClosed,
    /// Content is raw text up to the end tag (`script`, `style`, ...).
    RawText,
    /// Children follow XML rules, `<x/>` closes itself (`svg`, `math`).
    Foreign,
    /// Any other element: counted.
    Other,
}

/// The [`Kind`] of a tag name, ignoring ASCII case: one `match` on a lowercased copy instead of
/// a case-insensitive comparison with every listed name (this runs for every tag of every page).
fn kind(name: &[u8]) -> Kind {
    let mut buf = [0u8; 8];
    let Some(lower) = buf.get_mut(..name.len()) else {
        return Kind::Other;
    };
    for (l, c) in lower.iter_mut().zip(name) {
        *l = c.to_ascii_lowercase();
    }
    match &*lower {
        b"area" | b"base" | b"br" | b"col" | b"embed" | b"hr" | b"img" | b"input" | b"link"
        | b"meta" | b"source" | b"track" | b"wbr" | b"param" | b"keygen" => Kind::Void,
        b"p" | b"li" | b"dt" | b"dd" | b"option" | b"optgroup" | b"tr" | b"td" | b"th"
        | b"tbody" | b"thead" | b"tfoot" | b"colgroup" | b"rb" | b"rt" | b"rp" | b"rtc" => {
            Kind::ImplicitlyClosed
        }
        b"script" | b"style" | b"textarea" | b"title" | b"xmp" | b"iframe" | b"noembed"
        | b"noframes" => Kind::RawText,
        b"svg" | b"math" => Kind::Foreign,
        _ => Kind::Other,
    }
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
    let mut dropped = Vec::new();
    let (mut depth, mut excess, mut foreign) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while let Some(start) = find_any(html.as_bytes(), i, [b'<'; 3]) {
        let Some(tag) = read_tag(html, start) else {
            i = start + 1;
            continue;
        };
        i = tag.end;
        let kind = kind(tag.name);
        if tag.name.is_empty() || matches!(kind, Kind::Void | Kind::ImplicitlyClosed) {
            continue;
        }
        let is_foreign = kind == Kind::Foreign;
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

/// Reads the tag (or comment) starting at `html[start] == '<'`; `None` if it is plain text.
fn read_tag(html: &str, start: usize) -> Option<Tag<'_>> {
    let b = html.as_bytes();
    let rest = b.get(start + 1..)?;
    if rest.starts_with(b"!--") {
        let end = html
            .get(start + 4..)
            .and_then(|r| r.find("-->"))
            .map_or(b.len(), |e| start + 4 + e + 3);
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
        let end = find_any(b, name_start, [b'>'; 3]).map_or(b.len(), |e| e + 1);
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
    let end = tag_end(html, name_start + name_len);
    let self_closed = end >= 2 && b.get(end - 2) == Some(&b'/');
    let raw_end = (!closing && kind(name) == Kind::RawText).then(|| raw_text_end(html, end, name));
    Some(Tag {
        name,
        closing,
        self_closed,
        end,
        raw_end,
    })
}

/// Position after the `>` that ends a tag, honouring quoted attribute values.
fn tag_end(html: &str, mut i: usize) -> usize {
    let b = html.as_bytes();
    loop {
        let Some(at) = find_any(b, i, [b'>', b'"', b'\'']) else {
            return b.len();
        };
        let c = b[at];
        if c == b'>' {
            return at + 1;
        }
        match find_any(b, at + 1, [c, c, c]) {
            Some(close) => i = close + 1,
            None => return b.len(),
        }
    }
}

/// Eight copies of a byte, for [`find_any`].
const fn splat(c: u8) -> u64 {
    u64::from_ne_bytes([c; 8])
}

/// The lowest byte of `x` that is zero, as a byte index, or `None` (exact: the classic
/// `(x - 0x01..) & !x & 0x80..` test, whose only false positives lie above a true zero byte).
fn zero_byte(x: u64) -> Option<usize> {
    let hit = x.wrapping_sub(splat(1)) & !x & splat(0x80);
    (hit != 0).then(|| (hit.trailing_zeros() / 8) as usize)
}

/// First index `>= from` of any of three bytes: eight bytes at a time in plain integer
/// arithmetic, the scan over tag attributes being the pre-pass's main cost (a `str::find` per
/// tag paid more for its set-up than for the few dozen bytes it searched).
fn find_any(b: &[u8], from: usize, needles: [u8; 3]) -> Option<usize> {
    let hay = b.get(from..)?;
    let mut chunks = hay.chunks_exact(8);
    let mut base = from;
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let hit = needles
            .iter()
            .filter_map(|n| zero_byte(x ^ splat(*n)))
            .min();
        if let Some(k) = hit {
            return Some(base + k);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|c| needles.contains(c))
        .map(|k| base + k)
}

/// Position after `</name ...>` of a raw-text element, or the end of input.
fn raw_text_end(html: &str, from: usize, name: &[u8]) -> usize {
    let b = html.as_bytes();
    let mut i = from;
    while let Some(pos) = find_any(b, i, [b'<'; 3]) {
        let after = pos + 2;
        let matches = b.get(pos + 1) == Some(&b'/')
            && b.get(after..after + name.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(name));
        if matches {
            return tag_end(html, after + name.len());
        }
        i = pos + 1;
    }
    b.len()
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
    fn find_any_matches_a_plain_scan() {
        let hay = b"abc<def\"ghijklmnop'qrstuvwxyz>0123456789\xc3\xa4\xff\x80>";
        for needles in [
            [b'<', b'>', b'"'],
            [b'\''; 3],
            [b'>'; 3],
            [b'#'; 3],
            [0xff, 0x80, b'9'],
        ] {
            for from in 0..=hay.len() + 1 {
                let want = hay
                    .get(from..)
                    .and_then(|r| r.iter().position(|c| needles.contains(c)))
                    .map(|k| k + from);
                assert_eq!(
                    find_any(hay, from, needles),
                    want,
                    "{needles:?} from {from}"
                );
            }
        }
    }

    #[test]
    fn tag_kinds() {
        for (name, want) in [
            (&b"BR"[..], Kind::Void),
            (b"img", Kind::Void),
            (b"Li", Kind::ImplicitlyClosed),
            (b"colgroup", Kind::ImplicitlyClosed),
            (b"SCRIPT", Kind::RawText),
            (b"noframes", Kind::RawText),
            (b"svg", Kind::Foreign),
            (b"div", Kind::Other),
            (b"brr", Kind::Other),
            (b"blockquote", Kind::Other),
            (b"", Kind::Other),
        ] {
            assert_eq!(kind(name), want, "{}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn quotes_scripts_and_comments_do_not_hide_tags() {
        // `>` inside quoted values, `</div>` inside scripts and comments: none of them close a
        // div, so the cap still applies to every level past MAX_DEPTH.
        let n = 1_000;
        let open = "<div title='a>b' data-x=\"c>'d\"><script>s = '</div>'; if (a<b) {}</script><!-- </div> -->";
        let html = format!("{}x{}", open.repeat(n), "</div>".repeat(n));
        let out = limit_nesting(&html);
        assert_eq!(out.matches("<div").count(), MAX_DEPTH);
        assert_eq!(out.matches("<script>").count(), n);
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH + 2 * n);
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
