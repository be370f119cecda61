//! Boilerplate: what is never article text (navigation, cookie banners, share bars, footers,
//! related-news blocks) and where an article's text ends.
//!
//! Owns the tag, role and class/id vocabulary of boilerplate, the class weights used by scoring,
//! and the paragraph-level tidy-up (end markers such as `Weitere Meldungen`, print/share lines,
//! tag lines). It must never remove an element that holds most of a page's paragraph text (a
//! `<div id="page" class="with-sidebar">` wrapper is not a sidebar).

use ego_tree::NodeId;
use scraper::Html;

use super::dom::{DomNode, attr, is_skipped_tag, tag};
use super::stats::{self, NodeMap, NodeSet, Stats, measure};
use super::tags::is_tag_line;

/// Class/id fragments that mark boilerplate wherever they occur in a token.
const BOILER_PARTS: &[&str] = &[
    "breadcrumb",
    "cookie",
    "consent",
    "social",
    "sidebar",
    "footer",
    "banner",
    "pagination",
    "pager",
    "comment",
    "kommentar",
    "druck",
    "newsletter",
    "related",
    "skiplink",
    "sharing",
    "shariff",
    "navigation",
    "navbar",
    "subnav",
    "topnav",
    "metanav",
    "servicenav",
    "advert",
    "werbung",
    "popup",
    "modal",
    "toolbar",
    "backtotop",
    "totop",
    "sitemap",
    "sronly",
    "visuallyhidden",
    "screenreader",
    "teaserlist",
    "socialmedia",
    "bookmark",
    "gdpr",
    "caption",
    "bildunterschrift",
    "bildunterzeile",
    "bildtext",
    "bildbeschreibung",
    "bildnachweis",
    "fotonachweis",
    "credit",
    "copyright",
    "byline",
    "author",
    "rating",
];
/// Class/id tokens that mark boilerplate when a token starts or ends with them.
const BOILER_AFFIXES: &[&str] = &["nav", "menu", "share", "widget"];
/// Class/id tokens that mark boilerplate when a token starts with them.
const BOILER_PREFIXES: &[&str] = &["print", "skip"];
/// Class/id tokens that mark boilerplate only as whole tokens (`page-tools`, not `ctools`).
const BOILER_TOKENS: &[&str] = &[
    "ad", "ads", "tags", "meta", "marginal", "aside", "infobox", "tools",
];
/// Whole class names that mark boilerplate (`hidden`, but not Drupal's `field--label-hidden`).
const BOILER_CLASSES: &[&str] = &["hidden", "invisible", "d-none", "hide"];
/// ARIA roles of boilerplate.
const BOILER_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "menu",
    "menubar",
    "dialog",
    "alertdialog",
    "toolbar",
];
/// Class/id fragments that suggest article content (scoring bonus).
const POSITIVE: &[&str] = &[
    "article", "artikel", "body", "content", "inhalt", "entry", "main", "post", "text", "story",
    "meldung", "beitrag", "press", "blog", "richtext", "copy",
];
/// Class/id fragments that suggest non-content (scoring penalty).
const NEGATIVE: &[&str] = &[
    "comment", "footer", "footnote", "masthead", "meta", "promo", "related", "scroll", "share",
    "sidebar", "sponsor", "shopping", "tags", "tool", "widget", "teaser", "marginal", "banner",
    "contact", "kontakt", "links", "nav", "menu", "service", "social",
];
/// Paragraph starts after which an article is over.
const END_MARKERS: &[&str] = &[
    "weitere meldungen",
    "weitere beiträge",
    "weitere artikel",
    "weitere nachrichten",
    "weitere pressemitteilungen",
    "weitere informationen zum thema",
    "das könnte sie auch interessieren",
    "das könnte dich auch interessieren",
    "mehr zum thema",
    "ähnliche artikel",
    "ähnliche meldungen",
    "verwandte artikel",
    "verwandte themen",
    "auch interessant",
    "related articles",
    "related posts",
    "more on this topic",
    "you might also like",
    "zum seitenanfang",
    "zum weiterlesen",
    "lesen sie auch",
    "mehr lesen:",
    "weiterlesen:",
    "redaktionstipp",
    "while you are here",
    "über den autor",
    "über die autorin",
    "über die autoren",
    "about the author",
];
/// Longest comment heading (and longer than every [`POST_FOOTERS`] start).
const MAX_COMMENT_HEADING_CHARS: usize = 40;
/// Whole lines (lowercased, counts and colons aside) that head a comment section.
const COMMENT_HEADINGS: &[&str] = &[
    "kommentare",
    "kommentar",
    "comments",
    "comment",
    "kommentar schreiben",
    "kommentar verfassen",
    "schreibe einen kommentar",
    "einen kommentar schreiben",
    "kommentare schreiben",
    "leave a comment",
    "leave a reply",
    "antwort hinterlassen",
];
/// Starts of the line blog software puts under a post (`This entry was posted in …`, WordPress'
/// German `Der Beitrag wurde am … veröffentlicht und wurde unter … abgelegt`).
const POST_FOOTERS: &[&str] = &[
    "this entry was posted",
    "der beitrag wurde am ",
    "dieser beitrag wurde am ",
    "dieser eintrag wurde am ",
    "this article was posted",
];
/// Whole lines that navigate rather than say something (`zurück`, `nach oben`).
const NAV_LINES: &[&str] = &[
    "zurück",
    "zurück zur übersicht",
    "zur übersicht",
    "nach oben",
    "seitenanfang",
    "back",
    "back to top",
    "top",
];
/// Labels that mark an advertisement (German law requires `Anzeige` on paid content).
const AD_LABELS: &[&str] = &["anzeige", "werbung", "advertisement", "sponsored"];
/// Starts of a short line that credits the article's picture (`Titelbild: …`).
const CREDIT_STARTS: &[&str] = &[
    "titelbild",
    "beitragsbild",
    "headerbild",
    "aufmacherbild",
    "vorschaubild",
    "bildnachweis",
    "bildquelle",
];
/// Photo agencies, as the last part of a `Photographer/Agency` credit line.
const PHOTO_AGENCIES: &[&str] = &[
    "getty images",
    "afp",
    "dpa",
    "reuters",
    "ap",
    "epa",
    "imago",
    "imago images",
    "picture alliance",
    "picture-alliance",
    "wenn.com",
    "shutterstock",
    "istock",
    "istockphoto",
    "unsplash",
    "keystone",
    "ddp",
];
/// Longest caption line with a `©` credit that is taken for furniture.
const MAX_CREDIT_CHARS: usize = 200;
/// Labels of a link to another article set inside the text (`Auch lesen: …`).
const TEASER_LABELS: &[&str] = &["auch lesen:", "lies auch:", "ebenfalls lesenswert:"];
/// File types of download links (`Bericht PDF | 38 KB | Datei ist nicht barrierefrei`).
const DOWNLOAD_TYPES: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "zip", "ppt", "pptx",
];
/// `Weitere …` headings that belong to the article (a section of contacts, links, details).
const NOT_RELATED: &[&str] = &[
    "weitere informationen",
    "weitere hinweise",
    "weitere details",
    "weitere fragen",
    "weitere auskünfte",
    "weitere angaben",
];
/// Words that label a date line (`Aktualisiert: 11.04.2020, 10:27`, `Publiziert am 03.04.2020`).
const DATE_LABELS: &[&str] = &[
    "aktualisiert",
    "publiziert",
    "veröffentlicht",
    "erstellt",
    "geändert",
    "stand",
    "zuletzt",
    "updated",
    "published",
];
/// Words that make up print/share/mail lines (`Druckversion | PDF | Link mailen`).
const SHARE_WORDS: &[&str] = &[
    "druckversion",
    "drucken",
    "seite",
    "artikel",
    "pdf",
    "link",
    "mailen",
    "e-mail",
    "email",
    "teilen",
    "versenden",
    "per",
    "facebook",
    "twitter",
    "x",
    "linkedin",
    "xing",
    "whatsapp",
    "mastodon",
    "threads",
    "bluesky",
    "instagram",
    "print",
    "share",
    "nach",
    "oben",
    "zurück",
    "merken",
    "empfehlen",
    "vorlesen",
    "|",
    "·",
    "•",
    "/",
];

/// Longest class/id part lowercased on the stack; longer ones (rare) use a heap buffer.
const TOKEN_BUF: usize = 64;

/// Whether a byte belongs to a class/id token: ASCII letters and digits, and any byte of a
/// non-ASCII character (umlauts in German class names).
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c >= 0x80
}

/// Whether `f` holds for any lowercased token of the element's class and id: every run of
/// letters and digits of each space-separated part (`nav-main` → `nav`, `main`), plus the part
/// with its punctuation removed (`navmain`). Works on the attribute bytes without allocating
/// (this runs for every element of every page).
fn any_token(node: DomNode<'_>, mut f: impl FnMut(&[u8]) -> bool) -> bool {
    [attr(node, "class"), attr(node, "id")]
        .into_iter()
        .flatten()
        .flat_map(str::split_ascii_whitespace)
        .any(|part| part_tokens(part.as_bytes(), &mut f))
}

/// Page-builder class prefixes and a word that, inside their class names, names a layout box
/// rather than a sidebar widget: Elementor wraps every block of a page, the article's text
/// included, in `elementor-widget elementor-widget-text-editor` and
/// `elementor-widget-container`. The other words still count (`elementor-widget-nav-menu`).
const BUILDER_LAYOUT_WORDS: &[(&str, &str)] = &[("elementor", "widget")];

/// [`any_token`] for one space-separated part of a class or id.
fn part_tokens(part: &[u8], f: &mut impl FnMut(&[u8]) -> bool) -> bool {
    let mut stack = [0u8; TOKEN_BUF];
    let mut heap = Vec::new();
    let buf: &mut [u8] = match stack.get_mut(..part.len()) {
        Some(b) => b,
        None => {
            heap.resize(part.len(), 0);
            &mut heap
        }
    };
    for (d, c) in buf.iter_mut().zip(part) {
        *d = c.to_ascii_lowercase();
    }
    let layout = BUILDER_LAYOUT_WORDS
        .iter()
        .find(|(prefix, _)| buf.starts_with(prefix.as_bytes()))
        .map(|(_, word)| word.as_bytes());
    // Each run of word bytes is a token; the kept ones are compacted to the front of `buf`,
    // which leaves the part without punctuation (and layout words) in `buf[..joined]`.
    let (mut i, mut joined, mut pieces, mut punct) = (0, 0, 0, false);
    while i < buf.len() {
        if !is_word_byte(buf[i]) {
            punct = true;
            i += 1;
            continue;
        }
        let start = i;
        while i < buf.len() && is_word_byte(buf[i]) {
            i += 1;
        }
        if layout == Some(&buf[start..i]) {
            punct = true;
            continue;
        }
        if f(&buf[start..i]) {
            return true;
        }
        pieces += 1;
        buf.copy_within(start..i, joined);
        joined += i - start;
    }
    punct && pieces > 0 && f(&buf[..joined])
}

/// For each byte, the vocabulary words (as bits of their index) that start with it: one pass
/// over a token then finds every word occurring in it, instead of one pass per word (this runs
/// for every class and id token of every element).
struct Vocabulary {
    words: &'static [&'static str],
    by_first: [u64; 256],
}

impl Vocabulary {
    const fn new(words: &'static [&'static str]) -> Self {
        assert!(words.len() <= 64, "one bit per word");
        let mut by_first = [0u64; 256];
        let mut k = 0;
        while k < words.len() {
            let w = words[k].as_bytes();
            assert!(!w.is_empty(), "empty words would match everything");
            by_first[w[0] as usize] |= 1 << k;
            k += 1;
        }
        Vocabulary { words, by_first }
    }

    /// Whether any word occurs in the token `t`.
    fn occurs_in(&self, t: &[u8]) -> bool {
        for (i, c) in t.iter().enumerate() {
            let mut bits = self.by_first[usize::from(*c)];
            while bits != 0 {
                let k = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if t[i..].starts_with(self.words[k].as_bytes()) {
                    return true;
                }
            }
        }
        false
    }
}

/// [`BOILER_PARTS`], [`NEGATIVE`] and [`POSITIVE`] indexed by first byte.
static BOILER_VOCAB: Vocabulary = Vocabulary::new(BOILER_PARTS);
static NEGATIVE_VOCAB: Vocabulary = Vocabulary::new(NEGATIVE);
static POSITIVE_VOCAB: Vocabulary = Vocabulary::new(POSITIVE);

/// Whether a lowercased class/id token says boilerplate.
fn boiler_token(t: &[u8]) -> bool {
    BOILER_VOCAB.occurs_in(t)
        || BOILER_AFFIXES
            .iter()
            .any(|p| t.starts_with(p.as_bytes()) || t.ends_with(p.as_bytes()))
        || BOILER_PREFIXES.iter().any(|p| t.starts_with(p.as_bytes()))
        || BOILER_TOKENS.iter().any(|p| t == p.as_bytes())
}

/// True if an element's class/id says boilerplate.
fn boiler_class(node: DomNode<'_>) -> bool {
    let whole = attr(node, "class")
        .unwrap_or_default()
        .split_ascii_whitespace()
        .any(|c| BOILER_CLASSES.iter().any(|b| c.eq_ignore_ascii_case(b)));
    whole || any_token(node, boiler_token)
}

/// Scoring weight from class/id: +25 for content-like names, -25 for boilerplate-like ones.
pub(crate) fn class_weight(node: DomNode<'_>) -> f64 {
    let mut w = 0.0;
    if any_token(node, |t| NEGATIVE_VOCAB.occurs_in(t)) {
        w -= 25.0;
    }
    if any_token(node, |t| POSITIVE_VOCAB.occurs_in(t)) {
        w += 25.0;
    }
    if attr(node, "itemprop") == Some("articleBody") || attr(node, "role") == Some("main") {
        w += 50.0;
    }
    w
}

/// Whether the element is hidden from readers.
fn hidden(node: DomNode<'_>) -> bool {
    if attr(node, "hidden").is_some() || attr(node, "aria-hidden") == Some("true") {
        return true;
    }
    attr(node, "style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// Classes that mark a post or its text by a web-wide convention (microformats' `hentry` and
/// `h-entry`, WordPress's `entry-content`): the article, whatever else its classes say
/// (`enable-pin-share`).
const ENTRY_CLASSES: &[&str] = &["hentry", "h-entry", "entry-content"];

/// Classes that mark a post's text by convention: WordPress's and hAtom's `entry-content`,
/// Blogger's (and many themes') `post-body`.
const POST_TEXT_CLASSES: &[&str] = &["entry-content", "post-body"];

/// Whether a block holds a post's text as marked by convention ([`POST_TEXT_CLASSES`], or
/// `itemprop="articleBody"`): Blogger's main column is `<div class="widget Blog">`, and that
/// widget is the page's article.
fn holds_post_text(node: DomNode<'_>) -> bool {
    node.descendants().skip(1).any(|d| {
        attr(d, "itemprop") == Some("articleBody")
            || attr(d, "class").is_some_and(|c| {
                c.split_ascii_whitespace()
                    .any(|c| POST_TEXT_CLASSES.iter().any(|p| c.eq_ignore_ascii_case(p)))
            })
    })
}

/// Whether the element is a post or a post's text by its class (see [`ENTRY_CLASSES`]).
fn is_entry(node: DomNode<'_>) -> bool {
    attr(node, "class")
        .unwrap_or_default()
        .split_ascii_whitespace()
        .any(|c| ENTRY_CLASSES.iter().any(|e| c.eq_ignore_ascii_case(e)))
}

/// Why an element is boilerplate, if it is: `Some(true)` always, `Some(false)` unless it holds
/// most of the page's paragraph text.
fn verdict(node: DomNode<'_>) -> Option<bool> {
    let name = tag(node)?;
    if matches!(name, "html" | "body" | "main")
        || attr(node, "itemprop") == Some("articleBody")
        || is_entry(node)
    {
        return None;
    }
    if is_skipped_tag(name) || matches!(name, "nav" | "figcaption") || hidden(node) {
        return Some(true);
    }
    // A figure is a picture with its caption and credit, never running text; one that holds a
    // table, a quotation or code is content set as a figure.
    if name == "figure"
        && !node
            .descendants()
            .any(|d| matches!(tag(d), Some("table" | "blockquote" | "pre" | "code")))
    {
        return Some(true);
    }
    let role = attr(node, "role").map(str::to_ascii_lowercase);
    if role.as_deref().is_some_and(|r| BOILER_ROLES.contains(&r)) {
        return Some(true);
    }
    // An article's own `<header>` (headline, lead) is not the page header: it holds the h1.
    if name == "header" && !boiler_class(node) && node.descendants().any(|d| tag(d) == Some("h1")) {
        return None;
    }
    // A heading's id is often made from its own words (`nav_nur_die_folie`): class/id words
    // say nothing about headings, and the block holding a boilerplate heading is caught anyway.
    let heading = matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
    if matches!(name, "header" | "footer" | "aside" | "form" | "dialog")
        || (!heading && boiler_class(node))
    {
        return Some(false);
    }
    None
}

/// Detaches boilerplate elements from `doc` and returns the [`Stats`] of what remains (measured
/// once before stripping, then refreshed only along the ancestors of what was removed).
pub(crate) fn strip(doc: &mut Html) -> NodeMap<Stats> {
    let mut stats = measure(doc.tree.root());
    let page = stats
        .get(&doc.tree.root().id())
        .copied()
        .unwrap_or_default();
    let doomed = doomed(doc, &stats, page);
    let stale = {
        let nodes: Vec<DomNode<'_>> = doomed.iter().filter_map(|id| doc.tree.get(*id)).collect();
        stats::stale_ancestors(&nodes, &stats)
    };
    for id in doomed {
        if let Some(mut n) = doc.tree.get_mut(id) {
            n.detach();
        }
    }
    stats::refresh(doc, &mut stats, &stale);
    stats
}

/// The outermost boilerplate elements of `doc`.
fn doomed(doc: &Html, stats: &NodeMap<Stats>, page: Stats) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut inside: Option<NodeId> = None;
    for edge in doc.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) if inside.is_none() => {
                let s = stats.get(&node.id()).copied().unwrap_or_default();
                let remove = match verdict(node) {
                    Some(true) => true,
                    Some(false) => {
                        !holds_most(&s, &page)
                            && !is_prose_header(node, &s)
                            && !holds_post_text(node)
                    }
                    None => false,
                };
                if remove {
                    out.push(node.id());
                    inside = Some(node.id());
                }
            }
            ego_tree::iter::Edge::Close(node) if inside == Some(node.id()) => inside = None,
            _ => {}
        }
    }
    let doomed: NodeSet = out.iter().copied().collect();
    for id in image_captions(doc) {
        let gone = doc
            .tree
            .get(id)
            .is_some_and(|n| n.ancestors().any(|a| doomed.contains(&a.id())));
        if !gone && !doomed.contains(&id) && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// Longest text of an element taken for an image's caption or credit line.
const MAX_IMAGE_CAPTION_CHARS: usize = 250;

/// Elements that caption or credit an image without saying so by tag or class: a credit line
/// (`Foto: …`, `Bild: …`, `Symbolbild: …`, `Quelle: …`, `© …`) in the image's own block or right
/// before or after it, and the one short text element beside an image in a wrapper of its own
/// (`<div><img><p>caption</p></div>`). Found from the images, which are few, so that the
/// paragraphs of the page are not all measured again.
fn image_captions(doc: &Html) -> Vec<NodeId> {
    let mut out = Vec::new();
    let short = |n: DomNode<'_>| {
        let t = super::dom::line_text(n);
        (!t.is_empty() && t.chars().count() <= MAX_IMAGE_CAPTION_CHARS).then_some(t)
    };
    let is_text_block = |n: DomNode<'_>| {
        matches!(
            tag(n),
            Some("p" | "div" | "span" | "small" | "em" | "i" | "cite" | "figcaption")
        )
    };
    for img in doc.tree.root().descendants() {
        if !matches!(tag(img), Some("img" | "picture")) {
            continue;
        }
        // The image itself, or the link or picture element that wraps it alone.
        let mut pic = img;
        while let Some(p) = pic.parent()
            && matches!(tag(p), Some("a" | "picture" | "span"))
            && p.children().filter(|c| tag(*c).is_some()).count() == 1
        {
            pic = p;
        }
        let Some(parent) = pic.parent() else {
            continue;
        };
        // `<p><img><br>Foto: …</p>`: the image's own block is a credit line.
        if matches!(tag(parent), Some("p" | "div" | "span"))
            && short(parent).is_some_and(|t| is_credit_line(&t, true))
        {
            out.push(parent.id());
            continue;
        }
        let siblings: Vec<DomNode<'_>> = parent.children().filter(|c| tag(*c).is_some()).collect();
        let element = |c: &DomNode<'_>| tag(*c).is_some();
        let near = pic
            .prev_siblings()
            .filter(element)
            .take(1)
            .chain(pic.next_siblings().filter(element).take(1));
        for s in near.filter(|s| is_text_block(*s)) {
            let Some(t) = short(s) else { continue };
            let alone = siblings.len() == 2
                && !matches!(tag(parent), Some("body" | "main" | "article" | "section"))
                && tag(s) != Some("span")
                && (names_a_picture(parent) || !t.ends_with(['.', '!', '?', ':', '"', '“']));
            if is_credit_line(&t, true) || alone {
                out.push(s.id());
            }
        }
    }
    out
}

/// Class/id fragments of picture captions and credits (lowercased).
const CAPTION_FRAGMENTS: &[&str] = &[
    "caption",
    "bildunterschrift",
    "bildunterzeile",
    "bildtext",
    "bildbeschreibung",
    "bildnachweis",
    "fotonachweis",
];

/// Picture captions and credits anywhere in `doc`: `<figcaption>`, a `<figure>` that holds no
/// table, quotation or code, caption-classed elements and the credit lines beside images. A
/// source's `body` selector may pick a block that holds them; they are never text there either.
pub(crate) fn caption_nodes(doc: &Html) -> std::collections::HashSet<NodeId> {
    let mut out: std::collections::HashSet<NodeId> = image_captions(doc).into_iter().collect();
    for n in doc.tree.root().descendants() {
        let caption = match tag(n) {
            Some("figcaption") => true,
            Some("figure") => !n
                .descendants()
                .any(|d| matches!(tag(d), Some("table" | "blockquote" | "pre" | "code"))),
            Some(_) => [attr(n, "class"), attr(n, "id")]
                .into_iter()
                .flatten()
                .any(|v| {
                    let v = v.to_ascii_lowercase();
                    CAPTION_FRAGMENTS.iter().any(|f| v.contains(f))
                }),
            None => false,
        };
        if caption {
            out.insert(n.id());
        }
    }
    out
}

/// Class/id fragments of a block that holds a picture (lowercased).
const PICTURE_BLOCKS: &[&str] = &["image", "img", "bild", "foto", "photo", "picture", "media"];

/// Whether a block's class or id says it holds a picture (`ce-image`, `bildbox`, `media`): only
/// then is a sentence beside the image its caption (a lead beside a teaser image in a
/// `<div class="intro">` is not); a label without a sentence end beside an image is a caption
/// or an image link's text wherever it is.
fn names_a_picture(node: DomNode<'_>) -> bool {
    [attr(node, "class"), attr(node, "id")]
        .into_iter()
        .flatten()
        .any(|v| {
            let v = v.to_ascii_lowercase();
            PICTURE_BLOCKS.iter().any(|p| v.contains(p))
        })
}

/// Starts of a line that credits or captions a picture (lowercased).
const CREDIT_LINE_STARTS: &[&str] = &[
    "foto:",
    "fotos:",
    "foto ©",
    "fotos ©",
    "foto (c)",
    "bild:",
    "bilder:",
    "bild ©",
    "symbolbild",
    "symbolfoto",
    "archivbild",
    "archivfoto",
    "fotograf:",
    "fotografin:",
    "photo:",
    "photos:",
    "image:",
    "credit:",
];

/// Starts of a credit line that are furniture only next to an image: in the text, a line such
/// as `© Reuters` is the article's own copyright notice.
const IMAGE_CREDIT_STARTS: &[&str] = &["quelle:", "bildquelle", "©", "(c) ", "copyright:"];

/// A picture's caption or credit line (`Foto: dpa`, `Symbolbild: …`); `Quelle: …` and
/// `© Land Brandenburg` too when `by_image` (next to an image they name the picture's source; in
/// the text a statistic's, or the article's copyright).
pub(crate) fn is_credit_line(p: &str, by_image: bool) -> bool {
    let lower = p.trim_start().to_lowercase();
    CREDIT_LINE_STARTS.iter().any(|c| lower.starts_with(c))
        || CREDIT_STARTS.iter().any(|c| lower.starts_with(c))
        || (by_image && IMAGE_CREDIT_STARTS.iter().any(|c| lower.starts_with(c)))
}

/// Whether an element holds at least half of the page's prose: of its `<p>` text, or, on pages
/// that set their prose without `<p>` (forums, `<br>`-separated text: less than a quarter of the
/// text in paragraphs), of all its text. Such an element is the page's content whatever its
/// class says (`p-body-main--withSidebar`).
fn holds_most(s: &Stats, page: &Stats) -> bool {
    let half = |part: u32, whole: u32| whole > 0 && u64::from(part) * 2 >= u64::from(whole);
    let without_p = u64::from(page.p_text) * 4 < u64::from(page.text);
    half(s.p_text, page.p_text) || (without_p && half(s.text, page.text))
}

/// Least paragraph text of a `<header>` that is an article's introduction rather than the page
/// header (logo, navigation and search hold links and short labels, not paragraphs).
const PROSE_HEADER_CHARS: u32 = 200;

/// A `<header>` made of paragraphs with few links (an article's or section's introduction,
/// which HTML allows a header to hold), not the page's header.
fn is_prose_header(node: DomNode<'_>, s: &Stats) -> bool {
    tag(node) == Some("header")
        && s.p_text >= PROSE_HEADER_CHARS
        && s.link_density() < 0.25
        && !boiler_class(node)
}

/// Paragraph-level clean-up of extracted text: cuts at end markers and print/share lines once
/// some text was seen, drops them (and tag lines) before that.
pub(crate) fn tidy(paras: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(paras.len());
    let mut seen_chars = 0usize;
    for p in paras {
        let ends = is_end_marker(&p) || is_share_line(&p) || is_post_footer(&p);
        if ends && seen_chars >= 150 {
            break;
        }
        if ends || is_tag_line(&p) || is_date_line(&p) || is_furniture_line(&p) {
            continue;
        }
        seen_chars += p.len();
        out.push(p);
    }
    out
}

/// Longest line the furniture rules below look at: furniture is short.
const MAX_FURNITURE_CHARS: usize = 150;

/// A line that is page furniture wherever it stands: an ad label, a navigation link, a
/// picture credit, a `read also` teaser or a download link.
pub(crate) fn is_furniture_line(p: &str) -> bool {
    let chars = p.chars().count();
    if chars <= MAX_CREDIT_CHARS && is_captioned_credit(p) {
        return true;
    }
    if chars > MAX_FURNITURE_CHARS {
        return false;
    }
    let lower = p.trim().to_lowercase();
    NAV_LINES.contains(&lower.as_str())
        || is_ad_label(&lower)
        || CREDIT_STARTS.iter().any(|c| lower.starts_with(c))
        || is_credit_line(&lower, false)
        || TEASER_LABELS.iter().any(|t| lower.starts_with(t))
        || is_download_line(&lower)
        || is_agency_credit(&lower)
}

/// A picture caption that ends in its credit (`Ski-Star aus der Schweiz. © AFP / M. Bertorello`,
/// `… gesegnet. | © Augusta National/Getty Images`): text, then `©` and a short credit.
fn is_captioned_credit(p: &str) -> bool {
    p.split_once('©').is_some_and(|(caption, credit)| {
        !caption.trim().is_empty() && credit.chars().count() <= 60 && !credit.contains(". ")
    })
}

/// `Judy Eddy/WENN.com`, `AFP / Marco Bertorello` (lowercased): a short line without a
/// sentence end, one of whose `/`-separated parts is a photo agency.
fn is_agency_credit(lower: &str) -> bool {
    lower.chars().count() <= 60
        && lower.contains('/')
        && !lower.ends_with(['.', '!', '?'])
        && lower
            .split('/')
            .any(|part| PHOTO_AGENCIES.contains(&part.trim()))
}

/// `Anzeige`, `ANZEIGE - …`, `Anzeige, enthält Affiliate Links` (lowercased): the label alone or
/// followed by punctuation. Not `Anzeige gegen Unbekannt wurde erstattet` (a police report).
fn is_ad_label(lower: &str) -> bool {
    AD_LABELS.iter().any(|label| {
        lower.strip_prefix(label).is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.is_empty() || rest.starts_with([',', ':', '-', '–', '|', '(', '*'])
        })
    })
}

/// A download link as Government Site Builder and many CMS print it (lowercased):
/// `… pdf | 38 kb | datei ist nicht barrierefrei`, `(pdf, 1,2 mb)`.
fn is_download_line(lower: &str) -> bool {
    let sized = |rest: &str| {
        let rest = rest.trim_start_matches([' ', '|', ',', '(']);
        let digits = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == ',' || c == '.');
        digits.len() < rest.len() && {
            let unit = digits.trim_start();
            unit.starts_with("kb") || unit.starts_with("mb") || unit.starts_with("byte")
        }
    };
    DOWNLOAD_TYPES.iter().any(|t| {
        lower
            .match_indices(t)
            .any(|(i, _)| sized(&lower[i + t.len()..]))
    })
}

/// The line blog software prints under a post (see [`POST_FOOTERS`]), or a comment
/// section's heading (`Kommentare`, `3 Kommentare`, `Leave a Reply`).
fn is_post_footer(p: &str) -> bool {
    // Only the start of a line can match: lowercase that, not the whole paragraph.
    let trimmed = p.trim();
    let head = trimmed
        .chars()
        .take(MAX_COMMENT_HEADING_CHARS)
        .collect::<String>()
        .to_lowercase();
    if POST_FOOTERS.iter().any(|f| head.starts_with(f)) {
        return true;
    }
    let bare =
        head.trim_matches(|c: char| c.is_ascii_digit() || c.is_whitespace() || "():".contains(c));
    trimmed.chars().count() <= MAX_COMMENT_HEADING_CHARS && COMMENT_HEADINGS.contains(&bare)
}

/// `Weitere Meldungen …`, `Mehr zum Thema` and friends (short lines only); also any heading-like
/// line of at most four words starting `Weitere` (`Weitere Themen`, `Weitere Tourentipps in
/// Schweden`), which introduces a list of other articles — but not `Weitere Informationen` and
/// the like, which head the article's own last section.
pub(crate) fn is_end_marker(p: &str) -> bool {
    if p.chars().count() > 120 {
        return false;
    }
    let lower = p.to_lowercase();
    if p.starts_with("Weitere ")
        && !NOT_RELATED.iter().any(|w| lower.starts_with(w))
        && lower.split_whitespace().count() <= 4
        && !lower.ends_with(['.', '!', '?', ','])
    {
        return true;
    }
    END_MARKERS.iter().any(|m| lower.starts_with(m))
}

/// A short line that only labels a date (`Aktualisiert: 11.04.2020, 10:27`, `Publiziert am
/// 03.04.2020`): page furniture wherever it stands in the body.
pub(crate) fn is_date_line(p: &str) -> bool {
    if p.chars().count() > 60 {
        return false;
    }
    let lower = p.to_lowercase();
    DATE_LABELS.iter().any(|l| lower.starts_with(l)) && super::dates::find_date(p).is_some()
}

/// A line made only of print/share/mail words, e.g. `Druckversion | PDF | Link mailen`.
pub(crate) fn is_share_line(p: &str) -> bool {
    if p.chars().count() > 100 {
        return false;
    }
    let lower = p.to_lowercase();
    let mut words = lower.split_whitespace().peekable();
    words.peek().is_some()
        && words.all(|w| SHARE_WORDS.contains(&w.trim_matches(|c: char| c == ':' || c == ',')))
        && lower.split_whitespace().count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_finds_what_a_plain_search_finds() {
        let tokens = [
            "",
            "a",
            "nav",
            "navmain",
            "mainnav",
            "sidebarleft",
            "xcookiex",
            "commentsx",
            "breadcrum",
            "autho",
            "author",
            "gdp",
            "gdpr",
            "contentinfo",
            "richtextcopy",
            "ödnav",
        ];
        for vocab in [&BOILER_VOCAB, &NEGATIVE_VOCAB, &POSITIVE_VOCAB] {
            for t in tokens {
                let plain = vocab.words.iter().any(|w| t.contains(w));
                assert_eq!(vocab.occurs_in(t.as_bytes()), plain, "{t}");
            }
            for w in vocab.words {
                assert!(vocab.occurs_in(format!("x{w}y").as_bytes()), "{w}");
            }
        }
    }

    #[test]
    fn class_vocabulary() {
        let cases = [
            (r#"<div class="navMain">x</div>"#, true),
            (r#"<div id="cookie-consent">x</div>"#, true),
            (r#"<div class="c-breadcrumb">x</div>"#, true),
            (r#"<div class="mainmenu">x</div>"#, true),
            (r#"<div class="canvas unavailable">x</div>"#, false),
            (r#"<div class="article-body">x</div>"#, false),
            (r#"<div class="teaser">x</div>"#, false),
            (r#"<div class="teaser-list">x</div>"#, true),
            (r#"<div class="shariff">x</div>"#, true),
            (r#"<div class="printversion">x</div>"#, true),
            (r#"<div class="sprint">x</div>"#, false),
            (r#"<div class="field field--label-hidden">x</div>"#, false),
            (r#"<div class="hidden">x</div>"#, true),
            (r#"<div class="block-ctools-block">x</div>"#, false),
            (r#"<div class="page-tools">x</div>"#, true),
            (
                r#"<div class="elementor-widget elementor-widget-text-editor">x</div>"#,
                false,
            ),
            (r#"<div class="elementor-widget-container">x</div>"#, false),
            (
                r#"<div class="elementor-widget elementor-widget-nav-menu">x</div>"#,
                true,
            ),
            (r#"<div class="widget widget_text">x</div>"#, true),
        ];
        for (html, want) in cases {
            let doc = Html::parse_fragment(html);
            let div = doc
                .tree
                .root()
                .descendants()
                .find(|n| tag(*n) == Some("div"));
            assert_eq!(div.map(boiler_class), Some(want), "{html}");
        }
    }

    #[test]
    fn class_and_id_tokens() {
        let cases: [(&str, &[&str]); 6] = [
            (r#"<div class="navMain">x</div>"#, &["navmain"]),
            (
                r#"<div class="c-Breadcrumb x" id="top_Nav">x</div>"#,
                &[
                    "c",
                    "breadcrumb",
                    "cbreadcrumb",
                    "x",
                    "top",
                    "nav",
                    "topnav",
                ],
            ),
            (r#"<div class="-- a_b">x</div>"#, &["a", "b", "ab"]),
            (r#"<div id="Über-uns">x</div>"#, &["Über", "uns", "Überuns"]),
            (r#"<div>x</div>"#, &[]),
            (
                r#"<div class="elementor-widget-container Elementor-Widget">x</div>"#,
                &[
                    "elementor",
                    "container",
                    "elementorcontainer",
                    "elementor",
                    "elementor",
                ],
            ),
        ];
        for (html, want) in cases {
            let doc = Html::parse_fragment(html);
            let div = doc
                .tree
                .root()
                .descendants()
                .find(|n| tag(*n) == Some("div"));
            let mut got = Vec::new();
            if let Some(div) = div {
                any_token(div, |t| {
                    got.push(String::from_utf8_lossy(t).into_owned());
                    false
                });
            }
            assert_eq!(got, want, "{html}");
        }
    }

    #[test]
    fn headings_are_not_judged_by_their_id() {
        let doc = Html::parse_document(
            "<body><h3 id=\"nav_weiter_im_text\">Weiter im Text</h3><div class=\"nav\">x</div></body>",
        );
        let h3 = doc
            .tree
            .root()
            .descendants()
            .find(|n| tag(*n) == Some("h3"));
        let div = doc
            .tree
            .root()
            .descendants()
            .find(|n| tag(*n) == Some("div"));
        assert_eq!(h3.map(verdict), Some(None));
        assert_eq!(div.map(verdict), Some(Some(false)));
    }

    #[test]
    fn article_header_with_headline_is_not_boilerplate() {
        let doc = Html::parse_document(
            "<body><header><a href=\"/\">Logo</a></header><article><header><h1>Titel</h1>\
             <p>Vorspann.</p></header></article><header class=\"site-nav\"><h1>Logo</h1></header></body>",
        );
        let verdicts: Vec<Option<bool>> = doc
            .tree
            .root()
            .descendants()
            .filter(|n| tag(*n) == Some("header"))
            .map(verdict)
            .collect();
        assert_eq!(verdicts, [Some(false), None, Some(false)]);
    }

    #[test]
    fn content_survives_misleading_classes() {
        let prose =
            "<p>Ein Satz, der lang genug ist, um als Absatz zu zählen, und mehr.</p>".repeat(5);
        let lines = "Eine Zeile Text ohne Absatz, getrennt durch Umbrüche.<br>".repeat(8);
        // (page, text that must survive stripping, text that must go)
        let cases = [
            (
                format!(
                    "<div class=\"p-body-main p-body-main--withSidebar\">{lines}</div><p>Fuß.</p>"
                ),
                "Eine Zeile Text",
                "",
            ),
            (
                format!(
                    "<article class=\"post hentry enable-pin-share\">{prose}</article><ol class=\"commentlist\">{prose}{prose}</ol>"
                ),
                "Ein Satz",
                "",
            ),
            (
                format!(
                    "<header class=\"intro\">{prose}</header><div>{prose}{prose}</div><header><a href=\"/\">Logo</a><p>Kurz.</p></header>"
                ),
                "Ein Satz",
                "Logo",
            ),
            (
                format!(
                    "<div class=\"sidebar\"><p>Seitenleiste mit etwas Text.</p></div><div>{prose}</div>"
                ),
                "Ein Satz",
                "Seitenleiste",
            ),
        ];
        for (body, keep, gone) in cases {
            let mut doc = Html::parse_document(&format!("<html><body>{body}</body></html>"));
            strip(&mut doc);
            let text: String = doc.root_element().text().collect();
            assert!(text.contains(keep), "{keep} lost in {body}");
            assert!(
                gone.is_empty() || !text.contains(gone),
                "{gone} kept in {body}"
            );
        }
    }

    #[test]
    fn tidy_cuts_and_drops() {
        let long = "Ein langer Absatz ".repeat(10);
        let paras = vec![
            "Drucken | Teilen".to_string(),
            long.clone(),
            "Stichwörter: A, B".into(),
            "Zweiter Absatz.".into(),
            "Druckversion PDF Link mailen".into(),
            "Weitere Meldungen und Beiträge aus dem Bereich Politik".into(),
            "Fremder Teaser".into(),
        ];
        assert_eq!(
            tidy(paras),
            vec![long.clone(), "Zweiter Absatz.".to_string()]
        );
        let reading = vec![long.clone(), "Zum Weiterlesen:".into(), "Buchtipp".into()];
        assert_eq!(tidy(reading), vec![long.clone()]);
        let marker_first = vec!["Mehr zum Thema".to_string(), "Text.".into()];
        assert_eq!(tidy(marker_first), ["Text."]);
        let related = vec![long.clone(), "Mehr lesen:".into(), "Anderer Artikel".into()];
        assert_eq!(tidy(related), vec![long.clone()]);
        let more = vec![
            long.clone(),
            "Weitere Tourentipps in Schweden".into(),
            "X".into(),
        ];
        assert_eq!(tidy(more), vec![long.clone()]);
        let own = vec![
            long.clone(),
            "Weitere Schritte folgen.".into(),
            "Weitere Informationen".into(),
            "weitere Nährwerte".into(),
        ];
        assert_eq!(tidy(own.clone()), own);
        let dated = vec![
            "Aktualisiert: 11.04.2020, 10:27".to_string(),
            long.clone(),
            "Publiziert am 3. April 2020".into(),
            "Stand der Technik ist das nicht.".into(),
        ];
        assert_eq!(
            tidy(dated),
            vec![long.clone(), "Stand der Technik ist das nicht.".to_string()]
        );
    }

    #[test]
    fn furniture_lines() {
        for (p, want) in [
            ("Anzeige", true),
            ("ANZEIGE - Heute mal ausgehen? Wie wäre es mit:", true),
            ("Anzeige, enthält Affiliate Links", true),
            ("Anzeige gegen Unbekannt wurde erstattet.", false),
            ("Werbung", true),
            (
                "Werbung ist ein Wirtschaftszweig, der viele Menschen beschäftigt.",
                false,
            ),
            ("zurück", true),
            ("Zurück zur Übersicht", true),
            ("Zurück nach Hause ging es erst am Abend.", false),
            ("Titelbild: Max Muster / Unsplash", true),
            ("Beitragsbild via Unsplash.", true),
            (
                "Auch lesen: Diese 3 Sternzeichen verschenken ihr Herz",
                true,
            ),
            ("Wir sollten auch lesen: Bücher, Zeitungen, Briefe.", false),
            (
                "Informationsschreiben vom 14. Oktober 2021PDF | 38 KB | Datei ist nicht barrierefrei",
                true,
            ),
            ("Jahresbericht 2020 (PDF, 1,2 MB)", true),
            ("Das PDF hat 38 Seiten.", false),
            (
                "Marco Odermatt, Ski-Star aus der Schweiz. © AFP / MARCO BERTORELLO",
                true,
            ),
            ("Judy Eddy/WENN.com", true),
            ("© Reuters", false),
            ("AFP / Marco Bertorello", true),
            (
                "Die Zahl stieg auf 3/4 der Befragten, meldet AFP / dpa.",
                false,
            ),
            ("Ein/e Mitarbeiter/in", false),
            ("Der Bericht steht als PDF zum Download bereit.", false),
        ] {
            assert_eq!(is_furniture_line(p), want, "{p}");
        }
    }

    #[test]
    fn post_footers_and_comment_headings() {
        for (p, want) in [
            (
                "This entry was posted in Allgemein. Bookmark the permalink.",
                true,
            ),
            (
                "Der Beitrag wurde am Mittwoch, den 27. November 2019 um 15:21 Uhr veröffentlicht und wurde unter Allgemein abgelegt. Du kannst die Kommentare verfolgen.",
                true,
            ),
            ("Der Beitrag wurde gut aufgenommen.", false),
            ("Kommentare", true),
            ("3 Kommentare", true),
            ("Kommentare (12)", true),
            ("Leave a Reply", true),
            ("Kommentare sind Meinungen, keine Fakten.", false),
        ] {
            assert_eq!(is_post_footer(p), want, "{p}");
        }
        let long = "Ein langer Absatz ".repeat(10);
        let paras = vec![
            long.clone(),
            "Über den Autor".into(),
            "Max schreibt.".into(),
        ];
        assert_eq!(tidy(paras), vec![long.clone()]);
        let paras = vec![
            long.clone(),
            "Auch lesen: Anderes".into(),
            "Weiter im Text.".into(),
        ];
        assert_eq!(tidy(paras), vec![long, "Weiter im Text.".to_string()]);
    }

    #[test]
    fn share_lines() {
        for (p, want) in [
            ("Druckversion    PDF     Link mailen", true),
            ("Seite drucken | Seite teilen", true),
            ("PDF", false),
            ("Der Link zur PDF-Datei folgt.", false),
        ] {
            assert_eq!(is_share_line(p), want, "{p}");
        }
    }
}
