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
//! HTML comments (or their bodies, where a comment separates two texts): a quarter to a half of
//! a news page's bytes that html5ever would otherwise tokenise for nothing (every text reader
//! skips these elements, see `dom::is_skipped_tag`). The elements themselves stay, so the tree
//! keeps its shape. A body is only dropped where this scan agrees with html5ever's tokenizer on
//! where it ends (script escape states, `</style` followed by a delimiter, `--!>` and `<!-->`
//! ending comments), and never inside SVG/MathML, where these tags are not raw text.
//!
//! It also drops the attributes that the caller does not read ([`Reads`]): half of what is left
//! of a page is attributes, which html5ever tokenises one character at a time and scraper copies
//! and sorts per element. Tags are read with html5ever's attribute states (unquoted values, `>`
//! inside quotes, `a="x"b`, stray `/`), so the kept attributes reach the parser with the same
//! names, values and order. The pass must never drop visible text, never change the tree beyond
//! what it drops, and never alter a document that has nothing to drop (it then returns the input
//! unallocated).

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

/// Attributes html5ever's tree builder itself looks at, always kept so that the tree is built
/// the same: `<input type=hidden>` in tables, `<font color|face|size>` leaving SVG/MathML,
/// `<annotation-xml encoding>`, form owners, declarative shadow roots and `<meta charset>` /
/// `http-equiv` / `content`.
const PARSER_ATTRS: &[&str] = &[
    "type",
    "color",
    "face",
    "size",
    "encoding",
    "form",
    "shadowrootmode",
    "charset",
    "http-equiv",
    "content",
];

/// Every attribute name a reader of the tree may look at, as a bit of [`Reads`]: a `match` on
/// the lowercased name, the cheapest test for each of a page's tens of thousands of
/// attributes. Names a configured selector tests go to [`Reads`]' list instead.
fn known_bit(lower: &[u8]) -> u64 {
    let k = match lower {
        b"type" => 0,
        b"color" => 1,
        b"face" => 2,
        b"size" => 3,
        b"encoding" => 4,
        b"form" => 5,
        b"shadowrootmode" => 6,
        b"charset" => 7,
        b"http-equiv" => 8,
        b"content" => 9,
        b"class" => 10,
        b"id" => 11,
        b"itemprop" => 12,
        b"role" => 13,
        b"hidden" => 14,
        b"aria-hidden" => 15,
        b"style" => 16,
        b"datetime" => 17,
        b"property" => 18,
        b"name" => 19,
        b"lang" => 20,
        b"href" => 21,
        b"rel" => 22,
        b"title" => 23,
        _ => return 0,
    };
    1 << k
}

/// Longest name [`known_bit`] knows (`shadowrootmode`).
const MAX_KNOWN: usize = 14;

/// What the reader of a parsed document looks at, so that the pre-pass may drop the attributes
/// it never reads (a quarter of a news page's bytes, and the part html5ever tokenises one
/// character at a time). Attributes in [`PARSER_ATTRS`] are always kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reads {
    /// `None`: every attribute is kept.
    attrs: Option<AttrNames>,
}

/// The attribute names a [`Reads`] keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AttrNames {
    /// Bits of [`known_bit`].
    known: u64,
    /// Other names (lowercase), from configured selectors.
    extra: Vec<Box<[u8]>>,
    /// `href` (when not in `known`) is kept on elements that have a `rel`.
    href_with_rel: bool,
}

/// What becomes of one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Keep,
    Drop,
    /// An `href` that is kept only if the element has a `rel`.
    IfRel,
}

impl Reads {
    /// Keeps every attribute.
    #[cfg(test)]
    pub(crate) const ALL: Reads = Reads { attrs: None };

    /// Keeps the named attributes (lowercase) and [`PARSER_ATTRS`].
    pub(crate) fn attrs(names: &[&str]) -> Reads {
        let mut r = Reads {
            attrs: Some(AttrNames {
                known: 0,
                extra: Vec::new(),
                href_with_rel: false,
            }),
        };
        for n in PARSER_ATTRS.iter().chain(names) {
            r.add(n);
        }
        r
    }

    fn add(&mut self, name: &str) {
        let Some(a) = &mut self.attrs else {
            return;
        };
        let lower = name.to_ascii_lowercase();
        match known_bit(lower.as_bytes()) {
            0 => a.extra.push(lower.into_bytes().into_boxed_slice()),
            bit => a.known |= bit,
        }
    }

    /// Also keeps `href` on elements with a `rel` (all that `<link rel=canonical>` and
    /// `<a rel=author>` need): most of a page's `href`s are on plain links, which nothing
    /// follows during article extraction.
    pub(crate) fn href_with_rel(mut self) -> Reads {
        if let Some(a) = &mut self.attrs {
            a.href_with_rel = true;
        }
        self
    }

    /// Also keeps every attribute a configured CSS selector tests (`a[data-date]`); keeps all
    /// attributes when the selector text is beyond this simple scan (escapes). `.class` and `#id`
    /// need `class` and `id`, which every caller with selectors keeps anyway.
    pub(crate) fn with_selector(mut self, css: &str) -> Reads {
        match selector_attr_names(css) {
            Some(names) => {
                for n in names {
                    self.add(n);
                }
            }
            None => self.attrs = None,
        }
        self
    }

    /// What becomes of an attribute with this name (as written, any case), and whether it is a
    /// `rel`. SVG's `xlink:href` and `xml:lang` are read under their local name (`href`,
    /// `lang`), so they count as that.
    fn verdict(&self, name: &[u8]) -> (Verdict, bool) {
        let Some(a) = &self.attrs else {
            return (Verdict::Keep, false);
        };
        let local = if matches!(name.first(), Some(b'x' | b'X')) {
            [&b"xlink:"[..], b"xml:"]
                .iter()
                .find_map(|p| {
                    name.get(..p.len())
                        .filter(|h| h.eq_ignore_ascii_case(p))
                        .map(|_| &name[p.len()..])
                })
                .unwrap_or(name)
        } else {
            name
        };
        let mut buf = [0u8; MAX_KNOWN];
        if let Some(lower) = buf.get_mut(..local.len()) {
            for (l, c) in lower.iter_mut().zip(local) {
                *l = c.to_ascii_lowercase();
            }
            let bit = known_bit(lower);
            let is_rel = bit == known_bit(b"rel");
            if a.known & bit != 0 {
                return (Verdict::Keep, is_rel);
            }
            if a.href_with_rel && bit == known_bit(b"href") {
                return (Verdict::IfRel, false);
            }
            if bit != 0 {
                return (Verdict::Drop, is_rel);
            }
        }
        let kept = a.extra.iter().any(|e| e.eq_ignore_ascii_case(local));
        (if kept { Verdict::Keep } else { Verdict::Drop }, false)
    }
}

/// The attribute names a CSS selector tests (every `[name`, `[ns|name`, `[*|name`), lowercased;
/// `None` when it holds a backslash escape, which this scan does not decode. A `[` inside a
/// quoted value may add a bogus name: harmless, it only keeps more.
pub(super) fn selector_attr_names(css: &str) -> Option<Vec<&str>> {
    if css.contains('\\') {
        return None;
    }
    let b = css.as_bytes();
    let ident_end = |mut j: usize| {
        while b
            .get(j)
            .is_some_and(|c| !c.is_ascii_whitespace() && !b"]=~|^$*!\"'[".contains(c))
        {
            j += 1;
        }
        j
    };
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'[') {
        let mut s = i + p + 1;
        while b.get(s).is_some_and(u8::is_ascii_whitespace) {
            s += 1;
        }
        let mut e = ident_end(s);
        if e == s && b.get(e) == Some(&b'*') && b.get(e + 1) == Some(&b'|') {
            s = e + 2;
            e = ident_end(s);
        } else if b.get(e) == Some(&b'|') && b.get(e + 1) != Some(&b'=') {
            s = e + 1;
            e = ident_end(s);
        }
        if e == s {
            return None;
        }
        out.push(css.get(s..e)?);
        i = e;
    }
    Some(out)
}

/// Returns `html` with tags beyond [`MAX_DEPTH`] and unread bodies (see the module doc) removed,
/// borrowing when nothing changed. Keeps every attribute (see [`prepare`]).
#[cfg(test)]
pub fn limit_nesting(html: &str) -> Cow<'_, str> {
    prepare(html, &Reads::ALL)
}

/// Returns `html` with tags beyond [`MAX_DEPTH`], unread bodies (see the module doc) and the
/// attributes `reads` does not keep removed, borrowing when nothing changed. One allocation,
/// copying the kept slices.
pub(crate) fn prepare<'a>(html: &'a str, reads: &Reads) -> Cow<'a, str> {
    let dropped = dropped_ranges(html, reads);
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

/// Byte ranges to drop, in order and disjoint (always next to ASCII bytes, so on character
/// boundaries): tags too deep, the bodies of unread elements, comments and unread attributes.
fn dropped_ranges(html: &str, reads: &Reads) -> Vec<Range<usize>> {
    let b = html.as_bytes();
    let mut dropped = Vec::new();
    let (mut depth, mut excess) = (0usize, 0usize);
    let mut foreign = Foreign::default();
    // Up to here a `<![CDATA[` section may run (in SVG/MathML html5ever reads one as text up to
    // `]]>`, in HTML as a bogus comment up to `>`; which one depends on the tree): nothing
    // before it is dropped but tags too deep.
    let mut cdata_until = 0;
    let mut attrs = AttrDrops::new(reads);
    // End of the last tag or comment: a comment right after one separates no texts.
    let mut last_end = 0;
    let mut i = 0;
    while let Some(start) = find_any(b, i, [b'<']) {
        // Once html5ever may read SVG/MathML differently from this scan, where a tag is (or a
        // raw body ends) is no longer sure either: nothing more is dropped but tags too deep.
        let may_drop = start >= cdata_until && !foreign.sticky;
        let mark = dropped.len();
        attrs.begin(may_drop);
        let Some(tag) = read_tag(html, start, &mut |a| attrs.attr(a)) else {
            i = start + 1;
            continue;
        };
        if tag.terminated {
            attrs.finish(&tag, b, &mut dropped);
        } else {
            // html5ever drops a tag the input ends in: nothing in it needs dropping.
            dropped.truncate(mark);
        }
        i = tag.end;
        let after_tag = start == last_end;
        last_end = tag.end;
        if tag.cdata {
            cdata_until =
                cdata_until.max(memchr_str(b, start + 9, b"]]>").map_or(b.len(), |e| e + 3));
            continue;
        }
        if tag.comment {
            if may_drop && let Some(r) = comment_drop(b, start, tag.end, after_tag) {
                dropped.push(r);
            }
            continue;
        }
        if foreign.inside() && !tag.name.is_empty() {
            foreign.tag(&tag, b);
        }
        let kind = tag.kind;
        if tag.name.is_empty() || matches!(kind, Kind::Void | Kind::ImplicitlyClosed) {
            continue;
        }
        if tag.name.eq_ignore_ascii_case(b"plaintext") {
            // Everything after `<plaintext>` is text: nothing more may be dropped.
            break;
        }
        let is_foreign = kind == Kind::Foreign;
        let is_svg = tag.name.eq_ignore_ascii_case(b"svg");
        if tag.closing {
            if excess > 0 {
                excess -= 1;
                dropped.push(start..tag.end);
            } else {
                depth = depth.saturating_sub(1);
                if is_foreign {
                    foreign.close_root(is_svg);
                }
            }
        } else if let Some((body_end, resume)) = tag.raw_end {
            i = resume;
            last_end = resume;
            if may_drop
                && !foreign.inside()
                && body_end > tag.end
                && is_unread(tag.name, &b[start..tag.end], &b[tag.end..body_end])
            {
                dropped.push(tag.end..body_end);
            }
        } else if tag.self_closed && (foreign.inside() || is_foreign) {
            // `<path/>` closes itself inside SVG/MathML only (and `<svg/>` itself); in HTML the
            // slash is ignored.
        } else if depth >= MAX_DEPTH {
            excess += 1;
            // The whole tag goes, its attribute drops with it.
            dropped.truncate(mark);
            dropped.push(start..tag.end);
        } else {
            depth += 1;
            if is_foreign {
                foreign.roots.push(is_svg);
            }
        }
    }
    dropped
}

/// Whether html5ever may be inside SVG or MathML, where `<style>` and `<script>` are not raw
/// text (so their bodies must stay), judged conservatively: a root counts as open from its
/// start tag until a matching `</svg>` or `</math>` closes the innermost root, unless HTML may
/// have been opened inside it (an HTML integration point such as `<foreignObject>`, `<desc>` or
/// `<mi>` with tags in it, or a `<title>`/`<style>` body holding tags): then html5ever's end tag
/// rules depend on a tree this scan does not build, and the roots stay open for the rest of the
/// document (a `<style>` body in SVG is markup to html5ever but skipped as raw text here, so
/// the scan may also have lost track of where tags are: [`dropped_ranges`] then stops
/// dropping). An `</svg>` inside `<math>` closes nothing, for html5ever as here.
#[derive(Default)]
struct Foreign {
    /// Open roots, innermost last: `true` for `<svg>`, `false` for `<math>`.
    roots: Vec<bool>,
    /// Open integration points.
    integration: usize,
    /// Set once HTML may have been opened inside a root.
    sticky: bool,
}

impl Foreign {
    fn inside(&self) -> bool {
        !self.roots.is_empty()
    }

    /// A tag inside a root.
    fn tag(&mut self, tag: &Tag<'_>, b: &[u8]) {
        let point = [
            &b"foreignobject"[..],
            b"desc",
            b"mi",
            b"mo",
            b"mn",
            b"ms",
            b"mtext",
            b"annotation-xml",
        ]
        .iter()
        .any(|p| tag.name.eq_ignore_ascii_case(p));
        if tag.closing {
            if point {
                self.integration = self.integration.saturating_sub(1);
            }
            return;
        }
        if self.integration > 0 {
            self.sticky = true;
        }
        if point && !tag.self_closed {
            self.integration += 1;
        }
        if let Some((body_end, _)) = tag.raw_end
            && b.get(tag.end..body_end).is_some_and(has_markup)
        {
            self.sticky = true;
        }
    }

    /// An `</svg>` (`svg` true) or `</math>`.
    fn close_root(&mut self, svg: bool) {
        if !self.sticky && self.integration == 0 && self.roots.last() == Some(&svg) {
            self.roots.pop();
        }
    }
}

/// Whether text holds something html5ever could take for markup (`<` before a letter, `/`, `!`
/// or `?`).
fn has_markup(text: &[u8]) -> bool {
    text.windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?')))
}

/// What to drop of the comment `b[start..end]`: all of it where it separates no two texts
/// (right after a tag or comment, right before one, at the end of input), else its body only,
/// keeping an empty comment: html5ever would join the texts around a dropped comment into one,
/// and in a table a text run with a letter in it moves out of the table whole, whitespace
/// included, where the whitespace after the comment would have stayed inside.
fn comment_drop(b: &[u8], start: usize, end: usize, after_tag: bool) -> Option<Range<usize>> {
    let before_tag = match b.get(end..) {
        None | Some([]) => true,
        Some([b'<', c, ..]) => c.is_ascii_alphabetic() || matches!(c, b'/' | b'!'),
        Some(_) => false,
    };
    if after_tag || before_tag {
        return Some(start..end);
    }
    let body = start + 4;
    let closing = if b[..end].ends_with(b"--!>") {
        4
    } else if b[..end].ends_with(b"-->") {
        3
    } else {
        // Unterminated: it runs to the end of input, so no text follows it.
        return Some(start..end);
    };
    // `<!-->`, `<!--->` and `<!---->` have no body to drop.
    (end - closing > body).then(|| body..end - closing)
}

/// First index `>= from` where `needle` (at least one byte) starts.
fn memchr_str(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while let Some(p) = find_any(b, i, [first]) {
        if b[p..].starts_with(needle) {
            return Some(p);
        }
        i = p + 1;
    }
    None
}

/// Turns the attributes of one start tag that [`Reads`] does not keep into dropped ranges.
///
/// A run of consecutive dropped attributes goes from the first one's name to the start of the
/// next kept attribute or of the tag's end (`>` or `/>`), taking the whitespace after each
/// along: what stays before the run (whitespace, a `/`, a closing quote or the tag name's
/// delimiter) still separates what follows, so html5ever reads the kept attributes, with the
/// same values, in the same order. The one join that would mean something else is a `/` before
/// the run and a plain `>` after it (`<div/data-x=1>` → `<div/>`, self-closing): there the run
/// takes the slashes along.
struct AttrDrops<'r> {
    reads: &'r Reads,
    active: bool,
    /// The current tag's attributes: where each starts, and its verdict.
    seen: Vec<(usize, Verdict)>,
    /// Whether the current tag has a `rel`.
    has_rel: bool,
}

impl<'r> AttrDrops<'r> {
    fn new(reads: &'r Reads) -> Self {
        AttrDrops {
            reads,
            active: false,
            seen: Vec::new(),
            has_rel: false,
        }
    }

    /// Starts a tag; `may_drop` false keeps all its attributes.
    fn begin(&mut self, may_drop: bool) {
        self.active = may_drop && self.reads.attrs.is_some();
        self.seen.clear();
        self.has_rel = false;
    }

    /// One attribute: its name and where it starts.
    fn attr(&mut self, (name, start): (&[u8], usize)) {
        if self.active {
            let (verdict, is_rel) = self.reads.verdict(name);
            self.has_rel |= is_rel;
            self.seen.push((start, verdict));
        }
    }

    /// Pushes the runs of dropped attributes of the (terminated) tag.
    fn finish(&self, tag: &Tag<'_>, b: &[u8], dropped: &mut Vec<Range<usize>>) {
        // Every `<html>` and `<body>` tag adds its attributes to the one element: a `rel` on
        // another tag may count for this one's `href`.
        let merged = [&b"html"[..], b"body"]
            .iter()
            .any(|n| tag.name.eq_ignore_ascii_case(n));
        let mut run = None;
        for &(start, verdict) in &self.seen {
            let keep = match verdict {
                Verdict::Keep => true,
                Verdict::Drop => false,
                Verdict::IfRel => self.has_rel || merged,
            };
            if keep {
                if let Some(r) = run.take() {
                    dropped.push(r..start);
                }
            } else if run.is_none() {
                run = Some(start);
            }
        }
        let Some(mut r) = run else {
            return;
        };
        let end = tag.end - if tag.self_closed { 2 } else { 1 };
        if !tag.self_closed {
            while r > 0 && b[r - 1] == b'/' {
                r -= 1;
            }
        }
        dropped.push(r..end);
    }
}

/// Whether the body of this raw-text element is never read: scripts other than JSON-LD (any
/// `ld+json` or `&` in the start tag keeps the body, quoted or not, and so does a body that
/// starts with a JSON object or array naming `"@context"`, JSON-LD in an untyped script, which
/// `meta` reads too), styles and `<noscript>`.
fn is_unread(name: &[u8], start_tag: &[u8], body: &[u8]) -> bool {
    if name.eq_ignore_ascii_case(b"script") {
        // A character reference may spell the type (`application&#x2F;ld&#x2B;json`, seen on a
        // real page): any `&` keeps the body (external scripts, whose `src` has them, have none).
        !(start_tag.contains(&b'&')
            || start_tag
                .windows(7)
                .any(|w| w.eq_ignore_ascii_case(b"ld+json"))
            || untyped_jsonld(body))
    } else {
        name.eq_ignore_ascii_case(b"style") || name.eq_ignore_ascii_case(b"noscript")
    }
}

/// Whether a script body is JSON-LD by its start: `{` or `[` after white space, and
/// `"@context"` within its first 200 bytes (JavaScript never starts so).
fn untyped_jsonld(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head = body
        .get(start..body.len().min(start + 200))
        .unwrap_or_default();
    matches!(head.first(), Some(b'{' | b'[')) && head.windows(10).any(|w| w == b"\"@context\"")
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
    while let Some(p) = find_any(b, i, [b'-']) {
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

/// Called with the name and start of each attribute of a start tag.
type OnAttr<'f> = dyn FnMut((&[u8], usize)) + 'f;

/// A tag found by [`read_tag`].
struct Tag<'a> {
    name: &'a [u8],
    /// The [`Kind`] of `name`.
    kind: Kind,
    /// An HTML comment (`<!--`); `name` is empty.
    comment: bool,
    /// A `<![CDATA[` (see [`dropped_ranges`]); `name` is empty, `end` after the first `>`.
    cdata: bool,
    closing: bool,
    /// Ended by `/>` (html5ever's self-closing flag).
    self_closed: bool,
    /// Whether the tag's `>` was found: html5ever drops a tag that the input ends in.
    terminated: bool,
    /// End of the tag (after `>`).
    end: usize,
    /// For raw-text elements: where the body ends (the `<` of the end tag, or the end of input)
    /// and where scanning resumes (after the end tag).
    raw_end: Option<(usize, usize)>,
}

impl Tag<'_> {
    /// A markup declaration or bogus comment ending at `end`.
    fn other(end: usize, closing: bool) -> Self {
        Tag {
            name: b"",
            kind: Kind::Other,
            comment: false,
            cdata: false,
            closing,
            self_closed: true,
            terminated: true,
            end,
            raw_end: None,
        }
    }
}

/// Reads the tag (or comment) starting at `html[start] == '<'`; `None` if it is plain text.
/// `on_attr` gets the name and start of each attribute of a start tag.
fn read_tag<'a>(html: &'a str, start: usize, on_attr: &mut OnAttr<'_>) -> Option<Tag<'a>> {
    let b = html.as_bytes();
    let rest = b.get(start + 1..)?;
    if rest.starts_with(b"!--") {
        return Some(Tag {
            comment: true,
            ..Tag::other(comment_end(b, start + 4), false)
        });
    }
    let closing = rest.first() == Some(&b'/');
    let name_start = start + 1 + usize::from(closing);
    let first = *b.get(name_start)?;
    let up_to_gt = || find_any(b, name_start, [b'>']).map_or(b.len(), |e| e + 1);
    if !closing && rest.starts_with(b"![CDATA[") {
        return Some(Tag {
            cdata: true,
            ..Tag::other(up_to_gt(), false)
        });
    }
    if closing && first == b'>' {
        // `</>` is dropped by html5ever.
        return Some(Tag::other(name_start + 1, true));
    }
    if first == b'!' || first == b'?' || (closing && !first.is_ascii_alphabetic()) {
        // A doctype or a bogus comment (`<?xml …>`, `</ x>`): up to the first `>`.
        return Some(Tag::other(up_to_gt(), closing));
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
    let mut ignore = |_: (&[u8], usize)| {};
    let attrs: &mut OnAttr<'_> = if closing { &mut ignore } else { on_attr };
    let (end, self_closed, terminated) = match scan_attrs(b, name_start + name_len, attrs) {
        Some((end, self_closed)) => (end, self_closed, true),
        None => (b.len(), false, false),
    };
    let kind = kind(name);
    let raw_end = (!closing && kind == Kind::RawText).then(|| {
        let body_end = if name.eq_ignore_ascii_case(b"script") {
            script_end(b, end)
        } else {
            raw_text_end(b, end, name)
        };
        let resume = if body_end < b.len() {
            scan_attrs(b, body_end + 2 + name.len(), &mut |_| {}).map_or(b.len(), |(e, _)| e)
        } else {
            body_end
        };
        (body_end, resume)
    });
    Some(Tag {
        name,
        kind,
        comment: false,
        cdata: false,
        closing,
        self_closed,
        terminated,
        end,
        raw_end,
    })
}

/// Whether `c` ends a tag name: HTML whitespace, `/` or `>`.
fn is_delimiter(c: u8) -> bool {
    is_space(c) || c == b'/' || c == b'>'
}

/// HTML whitespace as html5ever's tokenizer sees it (a CR becomes a LF before it).
fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// html5ever's attribute states (before/after attribute name, attribute name and value,
/// self-closing start tag) over one tag, from `i` just after its name: calls `on_attr` with the
/// name and start of every attribute and returns the position after the `>` that ends the tag
/// and whether it was `/>`, or `None` if the input ends inside the tag. An attribute name may
/// start with `=` and hold quotes; a quote opens a value only right after `=` (and whitespace);
/// an unquoted value runs to whitespace or `>` (`/` included); `a="x"b` is two attributes; a `/`
/// not followed by `>` is a separator.
fn scan_attrs(b: &[u8], mut i: usize, on_attr: &mut OnAttr<'_>) -> Option<(usize, bool)> {
    loop {
        // Before attribute name (also after a quoted value and after a lone `/`).
        while is_space(*b.get(i)?) {
            i += 1;
        }
        match b[i] {
            b'>' => return Some((i + 1, false)),
            b'/' => {
                if *b.get(i + 1)? == b'>' {
                    return Some((i + 2, true));
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        // Attribute name: its first character is taken whatever it is (`=` too).
        let start = i;
        i += 1;
        while b.get(i).is_some_and(|c| !is_delimiter(*c) && *c != b'=') {
            i += 1;
        }
        on_attr((&b[start..i], start));
        // After attribute name.
        while is_space(*b.get(i)?) {
            i += 1;
        }
        if b[i] != b'=' {
            continue;
        }
        // Before attribute value.
        i += 1;
        while is_space(*b.get(i)?) {
            i += 1;
        }
        match b[i] {
            q @ (b'"' | b'\'') => i = find_any(b, i + 1, [q])? + 1,
            b'>' => return Some((i + 1, false)),
            _ => {
                while !matches!(*b.get(i)?, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ' | b'>') {
                    i += 1;
                }
            }
        }
    }
}

/// Eight copies of a byte, for [`find_any`].
const fn splat(c: u8) -> u64 {
    u64::from_ne_bytes([c; 8])
}

/// The high bit of every zero byte of `x`, plus possibly false ones, but only above the lowest
/// true zero byte (the classic `(x - 0x01..) & !x & 0x80..` test): the lowest set bit is exact.
const fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(splat(1)) & !x & splat(0x80)
}

/// First index `>= from` of any of `N` bytes: eight bytes at a time in plain integer arithmetic,
/// the scans of the pre-pass being its main cost (a `str::find` per tag paid more for its
/// set-up than for the few dozen bytes it searched). The masks of all needles are or-ed: the
/// lowest bit of the union is the lowest of some needle's exact lowest bit.
fn find_any<const N: usize>(b: &[u8], from: usize, needles: [u8; N]) -> Option<usize> {
    let hay = b.get(from..)?;
    let mut chunks = hay.chunks_exact(8);
    let mut base = from;
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let mut hit = 0;
        for n in needles {
            hit |= zero_bytes(x ^ splat(n));
        }
        if hit != 0 {
            return Some(base + (hit.trailing_zeros() / 8) as usize);
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
    while let Some(pos) = find_any(b, i, [b'<']) {
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
        let found = if state == State::Data {
            find_any(b, i, [b'<'])
        } else {
            find_any(b, i, [b'<', b'-'])
        };
        let Some(at) = found else {
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
        let hay = b"abc<def\"ghijklmnop'qrstuvwxyz>0123456789\xc3\xa4\xff\x80>\x01\x00\x01<<";
        let plain = |from: usize, needles: &[u8]| {
            hay.get(from..)
                .and_then(|r| r.iter().position(|c| needles.contains(c)))
                .map(|k| k + from)
        };
        for from in 0..=hay.len() + 1 {
            for needles in [
                [b'<', b'>', b'"'],
                [b'\''; 3],
                [0xff, 0x80, b'9'],
                [0, 1, 2],
            ] {
                assert_eq!(find_any(hay, from, needles), plain(from, &needles));
            }
            for needles in [[b'<', b'-'], [b'>', b'"'], [1, 0]] {
                assert_eq!(find_any(hay, from, needles), plain(from, &needles));
            }
            for n in [b'<', b'>', b'#', 0x80, 0, 1, b'z'] {
                assert_eq!(
                    find_any(hay, from, [n]),
                    plain(from, &[n]),
                    "{n} from {from}"
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
        visible_tree_reading(html, &Reads::ALL)
    }

    /// [`visible_tree`] with only the attributes `reads` keeps (element and attribute names
    /// with their namespace, so that SVG and MathML elements show as such).
    fn visible_tree_reading(html: &str, reads: &Reads) -> String {
        let doc = scraper::Html::parse_document(html);
        let mut out = String::new();
        for edge in doc.tree.root().traverse() {
            match edge {
                ego_tree::iter::Edge::Open(n) => match n.value() {
                    scraper::Node::Element(e) => {
                        out.push_str(&format!("<{}:{}", e.name.ns, e.name.local));
                        let has_rel = e.attrs().any(|(k, _)| k == "rel");
                        for (k, v) in e.attrs.iter() {
                            let keep = match reads.verdict(k.local.as_bytes()).0 {
                                Verdict::Keep => true,
                                Verdict::Drop => false,
                                Verdict::IfRel => has_rel,
                            };
                            if keep {
                                out.push_str(&format!(" {}:{}={:?}", k.ns, k.local, &**v));
                            }
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
            ("<p>a<!-- <p>c</p> -->b</p>", "<p>a<!---->b</p>"),
            (
                "<p>a<!-- x --!>b<!---->c<!--->d<!-->e",
                "<p>a<!----!>b<!---->c<!--->d<!-->e",
            ),
            ("<p>a <!-- x --><b>b</b><!-- y -->c", "<p>a <b>b</b>c"),
            (
                "<table> x <!-- c --> <tr><td>y</td></tr></table>",
                "<table> x <!----> <tr><td>y</td></tr></table>",
            ),
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
            ("<!---->x<!-- a -- b --->y", "x<!---->y"),
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

    /// What the attribute tests read: `class`, `id`, `rel`, `title`, `href` only with `rel`.
    fn test_reads() -> Reads {
        Reads::attrs(&["class", "id", "rel", "title"]).href_with_rel()
    }

    #[test]
    fn unread_attributes_are_dropped_and_kept_ones_unchanged() {
        let cases: &[(&str, &str)] = &[
            // Plain cases: the run takes the whitespace after it along.
            (
                "<div class=\"a\" data-x=\"y\" id=z>t</div>",
                "<div class=\"a\" id=z>t</div>",
            ),
            ("<div data-x=\"y\" class=a>t</div>", "<div class=a>t</div>"),
            ("<div class=a data-x=\"y\">t</div>", "<div class=a >t</div>"),
            (
                "<DIV Data-X=1 CLASS=\"a\" onclick='f(\"x\")' ID=b Style=\"c\">t</DIV>",
                "<DIV CLASS=\"a\" ID=b >t</DIV>",
            ),
            (
                "<div\nclass=\"a\"\tdata-x=\"b\"\r\nid=\"c\"\x0c>t</div>",
                "<div\nclass=\"a\"\tid=\"c\"\x0c>t</div>",
            ),
            // No whitespace between attributes.
            (
                "<div data-x=\"y\"class=\"a\">t</div>",
                "<div class=\"a\">t</div>",
            ),
            (
                "<div class=\"a\"data-x=\"y\">t</div>",
                "<div class=\"a\">t</div>",
            ),
            (
                "<div class='a'data-x='y'id='b'>t</div>",
                "<div class='a'id='b'>t</div>",
            ),
            // `>` and quotes inside values, unquoted values up to whitespace or `>`.
            (
                "<p data-x='a>b' class=\"c>d\" data-y=\"e'f\">t</p>",
                "<p class=\"c>d\" >t</p>",
            ),
            ("<p data-x=a>b class=c>t</p>", "<p >b class=c>t</p>"),
            (
                "<p class=a\"b data-x=c'd id=e=f>t</p>",
                "<p class=a\"b id=e=f>t</p>",
            ),
            // Slashes: inside an unquoted value, a separator, or the self-closing flag.
            ("<a href=/x/ title=y>t</a>", "<a title=y>t</a>"),
            ("<div data-x=a/>t</div>", "<div >t</div>"),
            ("<div class=x data-y=z/>t</div>", "<div class=x >t</div>"),
            ("<div/data-x=1>t</div>", "<div>t</div>"),
            ("<div//data-x=1>t</div>", "<div>t</div>"),
            ("<div/data-x=1 class=a>t</div>", "<div/class=a>t</div>"),
            (
                "<div data-a=1 data-b=2 / class=c>t</div>",
                "<div class=c>t</div>",
            ),
            ("<div data-x=\"1\"/>t</div>", "<div />t</div>"),
            ("<br data-x=1/><img src=a alt=b/>", "<br ><img >"),
            ("<br data-x=1 /><img src=a alt=\"b\"/>", "<br /><img />"),
            // In SVG the self-closing flag closes the element: it must survive, and must not
            // appear where it was not.
            (
                "<svg><path d=\"M0 0\" fill=\"red\"/><g class=x data-y=1>t</g></svg>",
                "<svg><path /><g class=x >t</g></svg>",
            ),
            (
                "<svg><g/data-x=1>t<circle/>u</g>v</svg>",
                "<svg><g>t<circle/>u</g>v</svg>",
            ),
            ("<svg><g/d=\"x\"/>t</svg>", "<svg><g//>t</svg>"),
            (
                "<svg><use xlink:href=\"#i\" width=2></use></svg>",
                "<svg><use ></use></svg>",
            ),
            // Duplicates: the first one wins, kept names keep every occurrence.
            (
                "<div data-x=1 class=a CLASS=b data-x=2 class=c>t</div>",
                "<div class=a CLASS=b class=c>t</div>",
            ),
            // Odd names: `=` starts one, quotes are part of one.
            ("<div =x class=a>t</div>", "<div class=a>t</div>"),
            ("<div a=\"x\"=\"y\" class=b>t</div>", "<div class=b>t</div>"),
            ("<div \"a\"=b class=c>t</div>", "<div class=c>t</div>"),
            (
                "<div hidden data-x=1 class=a>t</div>",
                "<div class=a>t</div>",
            ),
            ("<div class data-x=1 =y id>t</div>", "<div class id>t</div>"),
            // Character references stay as written.
            (
                "<div class=a&amp data-x=1 title=\"&lt;b&gt;\">t</div>",
                "<div class=a&amp title=\"&lt;b&gt;\">t</div>",
            ),
            (
                "<div title=\"x&notit;\" data-x=\"&amp;>\">t</div>",
                "<div title=\"x&notit;\" >t</div>",
            ),
            // `href` only with `rel`, whatever the order and case.
            (
                "<a rel=author href=\"/p/x\" data-track=1>N</a><a href=/x>p</a>",
                "<a rel=author href=\"/p/x\" >N</a><a >p</a>",
            ),
            (
                "<A HREF=x Class=c REL=canonical>t</A>",
                "<A HREF=x Class=c REL=canonical>t</A>",
            ),
            // Attributes the tree builder reads are kept.
            (
                "<table><input type=hidden data-x=1><tr><td>x</td></tr></table>",
                "<table><input type=hidden ><tr><td>x</td></tr></table>",
            ),
            (
                "<table><input type=text data-x=1><tr><td>x</td></tr></table>",
                "<table><input type=text ><tr><td>x</td></tr></table>",
            ),
            (
                "<svg><font color=red data-x=1>t</font></svg>",
                "<svg><font color=red >t</font></svg>",
            ),
            (
                "<math><annotation-xml encoding=text/html data-x=1><p>t</p></annotation-xml></math>",
                "<math><annotation-xml encoding=text/html ><p>t</p></annotation-xml></math>",
            ),
            (
                "<p>a<html lang=de data-theme=x><body data-x=1 class=b>c",
                "<p>a<html ><body class=b>c",
            ),
            // Raw text: the tag loses attributes, the body is untouched or dropped as before.
            (
                "<script src=a.js async>x</script><textarea data-x=1><b data-y=2></textarea>",
                "<script ></script><textarea ><b data-y=2></textarea>",
            ),
            (
                "<script type=application/ld+json data-x=1>{}</script>",
                "<script type=application/ld+json >{}</script>",
            ),
            // Not tags, or not start tags: untouched.
            ("<div class=a data-x=\"b", "<div class=a data-x=\"b"),
            ("<div class=a data-x=b", "<div class=a data-x=b"),
            ("</div data-x=1>t", "</div data-x=1>t"),
            ("</ <a data-x=1>t", "</ <a data-x=1>t"),
            (
                "<?xml data-x=\"1\"?><p data-x=1>t",
                "<?xml data-x=\"1\"?><p >t",
            ),
            ("a < b data-x=1 > c", "a < b data-x=1 > c"),
            // A CDATA section in SVG is text up to `]]>`: nothing in it is touched.
            (
                "<svg><![CDATA[ x > <a data-x=1 class=b> <!-- c --> ]]></svg><p data-x=1>t",
                "<svg><![CDATA[ x > <a data-x=1 class=b> <!-- c --> ]]></svg><p >t",
            ),
            (
                "<![CDATA[ x > <a data-x=1 class=b> ]]><p data-x=1>t",
                "<![CDATA[ x > <a data-x=1 class=b> ]]><p >t",
            ),
            // Comments still go.
            (
                "<p data-x=1 class=a>t</p><!-- c --><p>u</p>",
                "<p class=a>t</p><p>u</p>",
            ),
        ];
        let reads = test_reads();
        for (input, want) in cases {
            let out = prepare(input, &reads);
            assert_eq!(&*out, *want, "input {input:?}");
            assert_eq!(
                matches!(out, Cow::Borrowed(_)),
                input == want,
                "allocates only when it changed something: {input:?}"
            );
            assert_eq!(
                visible_tree_reading(&out, &reads),
                visible_tree_reading(input, &reads),
                "input {input:?}"
            );
            // Nothing else changes: with every attribute kept, the trees agree as well.
            assert_eq!(
                visible_tree(&prepare(input, &Reads::ALL)),
                visible_tree(input),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn attributes_of_deep_tags_go_with_them() {
        let n = MAX_DEPTH + 5;
        let html = format!(
            "{}t{}",
            "<div data-x=1 class=a>".repeat(n),
            "</div>".repeat(n)
        );
        let out = prepare(&html, &test_reads());
        assert_eq!(out.matches("<div class=a>").count(), MAX_DEPTH);
        assert!(!out.contains("data-x"));
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
    }

    #[test]
    fn verdicts() {
        let r = test_reads().with_selector("a[data-date], li[ Data-Kind = 'x[y' ]");
        let v = |n: &str| r.verdict(n.as_bytes()).0;
        for keep in [
            "class",
            "CLASS",
            "id",
            "title",
            "type",
            "color",
            "encoding",
            "data-date",
            "DATA-DATE",
            "data-kind",
            "xlink:title",
            "XML:lang",
        ] {
            if keep == "XML:lang" {
                assert_eq!(v(keep), Verdict::Drop, "lang is not in test_reads");
            } else {
                assert_eq!(v(keep), Verdict::Keep, "{keep}");
            }
        }
        for drop in [
            "data-x", "style", "onclick", "src", "classes", "c", "=x", "\"a\"", "idd",
        ] {
            assert_eq!(v(drop), Verdict::Drop, "{drop}");
        }
        assert_eq!(v("href"), Verdict::IfRel);
        assert_eq!(v("xlink:HREF"), Verdict::IfRel);
        assert_eq!(r.verdict(b"REL"), (Verdict::Keep, true));
        // A selector naming `href` keeps it everywhere; an escape keeps everything.
        assert_eq!(
            test_reads()
                .with_selector("a[href^=http]")
                .verdict(b"href")
                .0,
            Verdict::Keep
        );
        assert_eq!(
            test_reads().with_selector("a.b\\:c").verdict(b"data-x").0,
            Verdict::Keep
        );
        assert_eq!(Reads::ALL.verdict(b"data-x").0, Verdict::Keep);
    }

    #[test]
    fn attribute_names_in_selectors() {
        for (css, want) in [
            ("div.teaser", Some(vec![])),
            ("a[href*='/detail/']", Some(vec!["href"])),
            ("time, .date, [data-date]", Some(vec!["data-date"])),
            (
                "li[ Data-Kind = \"x\" ] a[title]",
                Some(vec!["Data-Kind", "title"]),
            ),
            (
                "[xlink|href], [*|lang], [|id]",
                Some(vec!["href", "lang", "id"]),
            ),
            (
                "[lang|=de] [a~=b][c^=d][e$=f][g*=h][i!=j]",
                Some(vec!["lang", "a", "c", "e", "g", "i"]),
            ),
            (
                "p:not([hidden]):has([data-x])",
                Some(vec!["hidden", "data-x"]),
            ),
            ("a.b\\:c", None),
            ("div[", None),
            ("div[]", None),
        ] {
            assert_eq!(selector_attr_names(css), want, "{css}");
        }
    }

    /// Random tag soup from hostile pieces: the pre-pass must never change the tree beyond
    /// what it drops, whatever the pieces make (a cheap differential fuzzer; the `article` fuzz
    /// target runs the same pass on arbitrary bytes).
    #[test]
    fn random_tag_soup_keeps_the_tree() {
        const PIECES: &[&str] = &[
            "<div",
            "<p",
            "<a",
            "<svg",
            "<path",
            "<g",
            "<math",
            "<mi",
            "<table",
            "<tr",
            "<td",
            "<input",
            "<font",
            "<script",
            "<style",
            "<title",
            "<textarea",
            "<select",
            "<br",
            "<template",
            "<html",
            "<body",
            "<pre",
            "</div>",
            "</p>",
            "</a>",
            "</svg>",
            "</g>",
            "</math>",
            "</table>",
            "</script>",
            "</style>",
            "</title>",
            "</font>",
            "</select>",
            "</",
            ">",
            "/>",
            "/",
            " ",
            "\n",
            "\t",
            "=",
            "\"",
            "'",
            " class=a",
            " class=\"b c\"",
            " data-x=1",
            " data-y=\"q>r\"",
            " data-z='s\"t'",
            " href=/h",
            " rel=author",
            " id=i",
            " type=hidden",
            " color=red",
            " hidden",
            " style=\"display:none\"",
            " CLASS=D",
            "=x",
            " xlink:href=#u",
            "text",
            "Wort ",
            "&amp;",
            "&amp",
            "&lt",
            "<!--",
            "-->",
            "--!>",
            "<![CDATA[",
            "]]>",
            "<!DOCTYPE html>",
            "<?x ",
            "<!x",
            "<plaintext>",
            "\u{e4}",
            "\0",
        ];
        let mut seed = 0x1234_5678_9abc_def1_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let reads = test_reads();
        for _ in 0..3_000 {
            let len = 3 + next() % 80;
            let html: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            assert_eq!(
                visible_tree_reading(&prepare(&html, &reads), &reads),
                visible_tree_reading(&html, &reads),
                "input {html:?}"
            );
        }
    }
}
