//! The pre-pass applied to HTML before it reaches the parser: a nesting cap, and dropping what
//! no reader of the tree ever looks at.
//!
//! html5ever builds any tree iteratively, but some of its per-tag checks scan the whole stack of
//! open elements, so 50,000 nested `<div>`s cost minutes of CPU. This module owns a cheap
//! tokenizer-light pass that drops start/end tags nested deeper than [`MAX_DEPTH`] (their text
//! stays).
//!
//! The same pass drops the bodies of `<script>` (except JSON-LD, which `meta` reads),
//! `<style>` and `<noscript>` (a single text node, scripting being enabled in scraper), and
//! whole HTML comments: a quarter to a half of a news page's bytes that html5ever would
//! otherwise tokenise for nothing (every text reader skips these elements, see
//! `dom::is_skipped_tag`). The elements themselves stay, so the tree keeps its shape. A body is
//! only dropped where this scan agrees with html5ever's tokenizer on where it ends (script
//! escape states, `</style` followed by a delimiter, `--!>` and `<!-->` ending comments), and never inside
//! SVG/MathML, where these tags are not raw text. It must never drop visible text and never
//! alter a document that has nothing to drop (it then returns the input unallocated).

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
        | b"noframes" | b"noscript" => Kind::RawText,
        b"svg" | b"math" => Kind::Foreign,
        _ => Kind::Other,
    }
}

/// Returns `html` with tags beyond [`MAX_DEPTH`] and unread bodies (see the module doc) removed,
/// borrowing when nothing changed. One allocation, copying the kept slices.
pub fn limit_nesting(html: &str) -> Cow<'_, str> {
    let dropped = dropped_ranges(html);
    if dropped.is_empty() {
        return Cow::Borrowed(html);
    }
    let removed: usize = dropped.iter().map(|r| r.len()).sum();
    let mut out = String::with_capacity(html.len() - removed);
    let mut last = 0;
    for r in dropped {
        out.push_str(html.get(last..r.start).unwrap_or_default());
        last = r.end;
    }
    out.push_str(html.get(last..).unwrap_or_default());
    Cow::Owned(out)
}

/// Byte ranges to drop, in order and disjoint (always on ASCII boundaries): tags too deep, and
/// the bodies of unread elements and comments.
fn dropped_ranges(html: &str) -> Vec<Range<usize>> {
    let b = html.as_bytes();
    let mut dropped = Vec::new();
    let (mut depth, mut excess, mut foreign) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while let Some(start) = find_any(b, i, [b'<'; 3]) {
        let Some(tag) = read_tag(html, start) else {
            i = start + 1;
            continue;
        };
        i = tag.end;
        if tag.comment {
            dropped.push(start..tag.end);
            continue;
        }
        let kind = kind(tag.name);
        if tag.name.is_empty() || matches!(kind, Kind::Void | Kind::ImplicitlyClosed) {
            continue;
        }
        if tag.name.eq_ignore_ascii_case(b"plaintext") {
            // Everything after `<plaintext>` is text: nothing more may be dropped.
            break;
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
        } else if let Some((body_end, resume)) = tag.raw_end {
            i = resume;
            if foreign == 0 && body_end > tag.end && is_unread(tag.name, &b[start..tag.end]) {
                dropped.push(tag.end..body_end);
            }
        } else if tag.self_closed && (foreign > 0 || is_foreign) {
            // `<path/>` closes itself inside SVG/MathML only (and `<svg/>` itself); in HTML the
            // slash is ignored.
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

/// Whether the body of this raw-text element is never read: scripts other than JSON-LD (any
/// `ld+json` or `&` in the start tag keeps the body, quoted or not), styles and `<noscript>`.
fn is_unread(name: &[u8], start_tag: &[u8]) -> bool {
    if name.eq_ignore_ascii_case(b"script") {
        // A character reference may spell the type (`application&#x2F;ld&#x2B;json`, seen on a
        // real page): any `&` keeps the body (external scripts, whose `src` has them, have none).
        !(start_tag.contains(&b'&')
            || start_tag
                .windows(7)
                .any(|w| w.eq_ignore_ascii_case(b"ld+json")))
    } else {
        name.eq_ignore_ascii_case(b"style") || name.eq_ignore_ascii_case(b"noscript")
    }
}

/// Position after the comment whose body starts at `from` (after `<!--`), where html5ever ends
/// it: `<!-->` and `<!--->` are whole comments, and `--!>` ends one as `-->` does. An
/// unterminated comment runs to the end of input.
fn comment_end(b: &[u8], from: usize) -> usize {
    let body = b.get(from..).unwrap_or_default();
    if body.starts_with(b">") {
        return from + 1;
    }
    if body.starts_with(b"->") {
        return from + 2;
    }
    let mut i = from;
    while let Some(p) = find_any(b, i, [b'-'; 3]) {
        if b[p..].starts_with(b"-->") {
            return p + 3;
        }
        if b[p..].starts_with(b"--!>") {
            return p + 4;
        }
        i = p + 1;
    }
    b.len()
}

/// A tag found by [`read_tag`].
struct Tag<'a> {
    name: &'a [u8],
    /// An HTML comment (`<!--`); `name` is empty.
    comment: bool,
    closing: bool,
    self_closed: bool,
    /// End of the tag (after `>`).
    end: usize,
    /// For raw-text elements: where the body ends (the `<` of the end tag, or the end of input)
    /// and where scanning resumes (after the end tag).
    raw_end: Option<(usize, usize)>,
}

/// Reads the tag (or comment) starting at `html[start] == '<'`; `None` if it is plain text.
fn read_tag(html: &str, start: usize) -> Option<Tag<'_>> {
    let b = html.as_bytes();
    let rest = b.get(start + 1..)?;
    if rest.starts_with(b"!--") {
        let end = comment_end(b, start + 4);
        return Some(Tag {
            name: b"",
            comment: true,
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
            comment: false,
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
        .take_while(|c| !is_delimiter(**c))
        .count();
    let name = b.get(name_start..name_start + name_len)?;
    let end = tag_end(html, name_start + name_len);
    let self_closed = end >= 2 && b.get(end - 2) == Some(&b'/');
    let raw_end = (!closing && kind(name) == Kind::RawText).then(|| {
        let body_end = if name.eq_ignore_ascii_case(b"script") {
            script_end(b, end)
        } else {
            raw_text_end(b, end, name)
        };
        let resume = if body_end < b.len() {
            tag_end(html, body_end + 2 + name.len())
        } else {
            body_end
        };
        (body_end, resume)
    });
    Some(Tag {
        name,
        comment: false,
        closing,
        self_closed,
        end,
        raw_end,
    })
}

/// Whether `c` ends a tag name: HTML whitespace, `/` or `>`.
fn is_delimiter(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ' | b'/' | b'>')
}

/// Position after the `>` that ends a tag, honouring quoted attribute values (a quote only opens
/// one right after `=`, as in html5ever: in `<a b=x"y>` it is part of the value).
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
        let opens_value = b[i.min(at)..at]
            .iter()
            .rev()
            .find(|c| !c.is_ascii_whitespace())
            == Some(&b'=');
        if !opens_value {
            i = at + 1;
            continue;
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

/// Whether `b[at..]` is `<` + `/`? + `name` (any case) + a delimiter: a tag that html5ever
/// takes for that name inside raw text.
fn is_tag_at(b: &[u8], at: usize, closing: bool, name: &[u8]) -> bool {
    let n = at + 1 + usize::from(closing);
    (!closing || b.get(at + 1) == Some(&b'/'))
        && b.get(n..n + name.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(name))
        && b.get(n + name.len()).is_some_and(|c| is_delimiter(*c))
}

/// Where the body of a raw-text element ends: the `<` of its `</name` end tag, or the end of
/// input.
fn raw_text_end(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(pos) = find_any(b, i, [b'<'; 3]) {
        if is_tag_at(b, pos, true, name) {
            return pos;
        }
        i = pos + 1;
    }
    b.len()
}

/// Where a script's body ends, following html5ever's script-data states: after `<!--` a
/// `<script>` starts a "double escaped" part in which `</script>` does not end the script, until
/// `-->`.
fn script_end(b: &[u8], from: usize) -> usize {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let mut state = State::Data;
    let mut i = from;
    loop {
        let needles = if state == State::Data {
            [b'<'; 3]
        } else {
            [b'<', b'-', b'-']
        };
        let Some(at) = find_any(b, i, needles) else {
            return b.len();
        };
        i = at + 1;
        if b[at] == b'-' {
            if b[at..].starts_with(b"-->") {
                state = State::Data;
                i = at + 3;
            }
            continue;
        }
        match state {
            State::Data => {
                if is_tag_at(b, at, true, b"script") {
                    return at;
                }
                if b[at..].starts_with(b"<!--") {
                    // The dashes of `<!--` may also begin its `-->` (`<!-->`).
                    state = State::Escaped;
                    i = at + 2;
                }
            }
            State::Escaped => {
                if is_tag_at(b, at, true, b"script") {
                    return at;
                }
                if is_tag_at(b, at, false, b"script") {
                    state = State::DoubleEscaped;
                    i = at + 7;
                }
            }
            State::DoubleEscaped => {
                if is_tag_at(b, at, true, b"script") {
                    state = State::Escaped;
                    i = at + 8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_documents_are_untouched() {
        let html = "<html><body><div class=\"a>b\"><p>x<li>y<script type=application/ld+json>if (a<b) {}</script></div></body></html>";
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
        // div, so the cap still applies to every level past MAX_DEPTH. (The JSON-LD script is
        // kept whole, the comment dropped.)
        let n = 1_000;
        let open = "<div title='a>b' data-x=\"c>'d\"><script type=application/ld+json>s = '</div>'; if (a<b) {}</script><!-- </div> -->";
        let html = format!("{}x{}", open.repeat(n), "</div>".repeat(n));
        let out = limit_nesting(&html);
        assert_eq!(out.matches("<div").count(), MAX_DEPTH);
        assert_eq!(out.matches("<script").count(), n);
        assert_eq!(out.matches("<!--").count(), 0);
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH + n);
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
            "<!--",
            "<!-->",
            "<!--!",
            "<script><!--",
            "<script><!--<script>",
            "<script><!--<script></script",
            "<script>-",
            "<style",
            "<style>",
            "<style></style",
            "<a b=\"",
            "<a b= '",
            "<noscript><!--",
        ] {
            let _ = limit_nesting(html);
        }
    }

    /// The tree as html5ever builds it, minus what the pre-pass may drop (comments, text of
    /// non-JSON-LD scripts, styles and noscripts), as a string of open/close/text events.
    fn visible_tree(html: &str) -> String {
        let doc = scraper::Html::parse_document(html);
        let mut out = String::new();
        for edge in doc.tree.root().traverse() {
            match edge {
                ego_tree::iter::Edge::Open(n) => match n.value() {
                    scraper::Node::Element(e) => {
                        out.push_str(&format!("<{}", e.name()));
                        for (k, v) in e.attrs() {
                            out.push_str(&format!(" {k}={v:?}"));
                        }
                        out.push('>');
                    }
                    scraper::Node::Text(t) => {
                        let parent = n.parent().and_then(|p| {
                            let e = p.value().as_element()?;
                            Some((
                                e.name().to_string(),
                                e.attr("type").unwrap_or("").to_string(),
                            ))
                        });
                        let unread = parent.is_some_and(|(name, ty)| {
                            (name == "script" && !ty.eq_ignore_ascii_case("application/ld+json"))
                                || name == "style"
                                || name == "noscript"
                        });
                        // Raw, so that texts a dropped comment separated compare equal to the
                        // one text node html5ever makes when nothing separates them.
                        if !unread {
                            out.push_str(&t.replace('<', "&lt;"));
                        }
                    }
                    _ => {}
                },
                ego_tree::iter::Edge::Close(n) => {
                    if let Some(e) = n.value().as_element() {
                        out.push_str(&format!("</{}>", e.name()));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn unread_bodies_are_dropped_and_the_tree_is_unchanged() {
        let cases: &[(&str, &str)] = &[
            // Plain cases.
            (
                "<p>a</p><script>var x = '</p>';</script><p>b</p>",
                "<p>a</p><script></script><p>b</p>",
            ),
            (
                "<head><style>p{color:red}</style><noscript><img src=x></noscript></head><p>b",
                "<head><style></style><noscript></noscript></head><p>b",
            ),
            ("<p>a<!-- <p>c</p> -->b</p>", "<p>ab</p>"),
            // Unclosed script, style, comment: the body runs to the end of input.
            (
                "<p>a</p><script>var x = 1; <p>never</p>",
                "<p>a</p><script>",
            ),
            ("<p>a</p><style>p{} <p>never", "<p>a</p><style>"),
            ("<p>a</p><!-- unterminated <p>b</p>", "<p>a</p>"),
            // `</script` inside strings that html5ever does not take for an end tag.
            (
                "<script>s = '</scripts>'; t = '</script' + '>';</script><p>b",
                "<script></script><p>b",
            ),
            ("<style>a</styles>b</style><p>c", "<style></style><p>c"),
            // Script escape states: `</script>` inside `<!-- <script> ... -->` does not end it.
            (
                "<script><!-- document.write('<script>x</script>'); --></script><p>b",
                "<script></script><p>b",
            ),
            ("<script><!--></script><p>b", "<script></script><p>b"),
            // Uppercase tags.
            (
                "<SCRIPT TYPE=\"text/javascript\">x</SCRIPT><STYLE>p{}</Style><NoScript><b>n</b></NOSCRIPT><P>b",
                "<SCRIPT TYPE=\"text/javascript\"></SCRIPT><STYLE></Style><NoScript></NOSCRIPT><P>b",
            ),
            // JSON-LD is read by `meta`: kept, quoted or not, any case.
            (
                "<script type=application/ld+json>{\"a\":\"</p>\"}</script><p>b",
                "<script type=application/ld+json>{\"a\":\"</p>\"}</script><p>b",
            ),
            (
                "<script type=\"application&#x2F;ld&#x2B;json\">{}</script><script>x</script>",
                "<script type=\"application&#x2F;ld&#x2B;json\">{}</script><script></script>",
            ),
            (
                "<SCRIPT TYPE='APPLICATION/LD+JSON'>{}</SCRIPT><script>x</script>",
                "<SCRIPT TYPE='APPLICATION/LD+JSON'>{}</SCRIPT><script></script>",
            ),
            // Comments end where html5ever ends them.
            ("<!-->visible<!-- x -->", "visible"),
            ("<!--->visible", "visible"),
            ("<!-- a --!> visible -->", " visible -->"),
            ("<!---->x<!-- a -- b --->y", "xy"),
            // A quote that does not follow `=` opens no value.
            (
                "<a title=x\"y>t</a><script>z</script>",
                "<a title=x\"y>t</a><script></script>",
            ),
            (
                "<div title=\"<!-- x -->\">t</div>",
                "<div title=\"<!-- x -->\">t</div>",
            ),
            // Not raw text: other names, RCDATA, SVG, plaintext.
            (
                "<scripts>x</scripts><script:x>y</script:x>",
                "<scripts>x</scripts><script:x>y</script:x>",
            ),
            (
                "<textarea><!-- x --></textarea>",
                "<textarea><!-- x --></textarea>",
            ),
            ("<title><!-- x --></title>", "<title><!-- x --></title>"),
            (
                "<svg><style>a<b>c</b></style></svg>",
                "<svg><style>a<b>c</b></style></svg>",
            ),
            ("<svg/><script>x</script>", "<svg/><script></script>"),
            (
                "<plaintext><!-- x --><script>y</script>",
                "<plaintext><!-- x --><script>y</script>",
            ),
        ];
        for (input, want) in cases {
            let out = limit_nesting(input);
            assert_eq!(&*out, *want, "input {input:?}");
            assert_eq!(
                matches!(out, Cow::Borrowed(_)),
                input == want,
                "allocates only when it changed something: {input:?}"
            );
            assert_eq!(visible_tree(&out), visible_tree(input), "input {input:?}");
        }
    }
}
