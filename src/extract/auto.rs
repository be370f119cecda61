//! Automatic main-text detection for pages without a body selector (readability-like).
//!
//! Owns the pipeline: drop boilerplate (see `boiler`), measure text and link density of every
//! element (`stats`), score containers by the paragraphs they hold, take the best one plus
//! related siblings, clean it conditionally and return its blocks as paragraphs. It must never
//! recurse over the tree (all walks are iterative), never return navigation or footer text in
//! preference to paragraphs, and never fail: the worst case is the page's remaining text.

use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::Html;

use super::boiler::{self, class_weight};
use super::dom::{DomNode, line_text, paragraphs, tag};
use super::stats::{NodeMap, NodeSet, Stats};

/// Paragraph-like elements shorter than this do not vote for their containers.
const MIN_PARAGRAPH_CHARS: u32 = 25;
/// How many ancestors a paragraph's score reaches.
const ANCESTOR_LEVELS: usize = 5;

/// Main text of a whole HTML page, paragraphs separated by blank lines.
pub fn main_text(html: &str) -> String {
    let reads = super::dom::Reads::attrs(super::dom::ARTICLE_ATTRS).href_with_rel();
    let mut doc = super::dom::parse_document(html, &reads);
    super::text::join_paragraphs(body_paragraphs(&mut doc))
}

/// The main-text paragraphs of `doc`, in order. Detaches boilerplate from `doc` as a side effect.
pub(crate) fn body_paragraphs(doc: &mut Html) -> Vec<String> {
    let stats = boiler::strip(doc);
    let root = doc.tree.root();
    let (scores, prose) = score(root, &stats);
    let Some(top) = best(&scores, doc) else {
        return boiler::tidy(paragraphs(root, &|_| false));
    };
    let mut top = top;
    let mut chosen = promote(doc, top, &scores);
    let mut content = with_siblings(doc, chosen, &scores, &stats);
    if let Some(other) = reconsider(doc, chosen, &content, &scores, &stats, &prose) {
        // The rejected choice does not come back as a sibling of its replacement.
        let rejected = content.clone();
        top = other;
        chosen = other;
        content = with_siblings(doc, chosen, &scores, &stats);
        content.retain(|id| *id == chosen || !rejected.contains(id));
    }
    let mut removed = conditional_removals(doc, &content, &stats);
    // The best-scoring container stays, even when a promoted ancestor now holds it.
    if let Some(node) = doc.tree.get(top) {
        removed.remove(&top);
        for anc in node.ancestors() {
            removed.remove(&anc.id());
        }
    }
    let skip = |n: DomNode<'_>| removed.contains(&n.id());
    let mut out = Vec::new();
    let mut leads = leads_before(doc, &content, &stats);
    if leads.is_empty() {
        leads = lead_above(doc, &content, &stats);
    }
    for id in leads.into_iter().chain(content) {
        if let Some(node) = doc.tree.get(id) {
            out.extend(paragraphs(node, &skip));
        }
    }
    boiler::tidy(out)
}

/// Whether an element is a paragraph that votes for its ancestors, and its own text length.
fn paragraph_len(node: DomNode<'_>, stats: &NodeMap<Stats>) -> Option<u32> {
    let name = tag(node)?;
    let s = stats.get(&node.id())?;
    let votes = match name {
        "p" | "pre" | "td" | "blockquote" => s.text,
        "div" | "section" | "article" | "li" | "dd" if is_inline_block(node, s) => s.text,
        "div" | "section" | "article" | "li" | "dd" => s.own_text,
        _ => 0,
    };
    (votes >= MIN_PARAGRAPH_CHARS).then_some(votes)
}

/// Most text a block without block children may hold to count as one paragraph.
const MAX_INLINE_BLOCK_CHARS: u32 = 3_000;

/// A container whose text sits in inline elements only (`<div><span>Text …</span></div>`, as
/// WYSIWYG editors write it): a paragraph in all but name, so it votes with all its text
/// (readability turns such `<div>`s into `<p>`s). Checked only when its own text would not
/// vote, and for paragraph-sized text.
fn is_inline_block(node: DomNode<'_>, s: &Stats) -> bool {
    s.own_text < MIN_PARAGRAPH_CHARS
        && (MIN_PARAGRAPH_CHARS..=MAX_INLINE_BLOCK_CHARS).contains(&s.text)
        && !node
            .descendants()
            .skip(1)
            .any(|d| tag(d).is_some_and(super::dom::is_block_tag))
}

/// Readability-style content scores of container elements, and the article-like paragraphs
/// ("prose": voting paragraphs with little link text) with their lengths.
fn score(root: DomNode<'_>, stats: &NodeMap<Stats>) -> (NodeMap<f64>, Vec<(NodeId, u32)>) {
    let mut scores: NodeMap<f64> = NodeMap::default();
    let mut prose: Vec<(NodeId, u32)> = Vec::new();
    for node in root.descendants() {
        let Some(len) = paragraph_len(node, stats) else {
            continue;
        };
        let s = stats.get(&node.id()).copied().unwrap_or_default();
        let commas = s.commas;
        if s.link_density() < MAX_PROSE_LINK_DENSITY {
            prose.push((node.id(), len));
        }
        let own = 1.0 + f64::from(commas.min(50)) + (f64::from(len) / 100.0).min(3.0);
        // Text directly inside a container votes for the container itself, too.
        if matches!(tag(node), Some("div" | "section" | "article")) {
            *scores.entry(node.id()).or_insert_with(|| base_score(node)) += own;
        }
        for (level, anc) in node.ancestors().take(ANCESTOR_LEVELS).enumerate() {
            if tag(anc).is_none() {
                break;
            }
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                n => n as f64 * 3.0,
            };
            *scores.entry(anc.id()).or_insert_with(|| base_score(anc)) += own / divider;
        }
    }
    for (id, score) in scores.iter_mut() {
        let ld = stats.get(id).map_or(0.0, Stats::link_density);
        *score *= 1.0 - ld;
    }
    (scores, prose)
}

/// Most link text a voting paragraph may hold to count as article-like text (prose).
const MAX_PROSE_LINK_DENSITY: f64 = 0.25;

/// A container's starting score from its tag and class/id.
fn base_score(node: DomNode<'_>) -> f64 {
    let by_tag = match tag(node).unwrap_or_default() {
        "div" | "article" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    by_tag + class_weight(node)
}

/// The best-scoring container still attached to the document.
fn best(scores: &NodeMap<f64>, doc: &Html) -> Option<NodeId> {
    scores
        .iter()
        .filter(|(id, _)| {
            doc.tree
                .get(**id)
                .is_some_and(|n| !matches!(tag(n), Some("html" | "body")))
        })
        .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(id, _)| *id)
        .or_else(|| scores.keys().next().copied())
}

/// How many of the best containers may pull the choice up to an ancestor they share.
const TOP_CANDIDATES: usize = 5;

/// Moves the choice from `top` up to an ancestor when the article is spread over several
/// containers (readability's rules): an ancestor of `top` that also holds at least three other
/// near-best containers, else the first ancestor scoring higher than the one below it (before
/// scores fall under a third of `top`'s), and finally past wrappers that hold only `top`.
fn promote(doc: &Html, top: NodeId, scores: &NodeMap<f64>) -> NodeId {
    let Some(top_node) = doc.tree.get(top) else {
        return top;
    };
    let top_score = scores.get(&top).copied().unwrap_or(0.0);
    if top_score <= 0.0 {
        return top;
    }
    let is_root = |n: DomNode<'_>| !matches!(tag(n), Some(t) if t != "html" && t != "body");
    let mut ranked: Vec<(NodeId, f64)> = scores.iter().map(|(id, s)| (*id, *s)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let close: Vec<NodeId> = ranked
        .iter()
        .filter(|(id, s)| *id != top && *s >= top_score * 0.75)
        .take(TOP_CANDIDATES - 1)
        .map(|(id, _)| *id)
        .collect();
    let mut chosen = top_node;
    if close.len() >= 3 {
        for anc in top_node.ancestors() {
            if is_root(anc) {
                break;
            }
            let holding = close
                .iter()
                .filter(|id| {
                    doc.tree
                        .get(**id)
                        .is_some_and(|c| c.ancestors().any(|a| a.id() == anc.id()))
                })
                .count();
            if holding >= 3 {
                chosen = anc;
                break;
            }
        }
    }
    if chosen.id() == top {
        let threshold = top_score / 3.0;
        let mut last = top_score;
        for anc in top_node.ancestors() {
            if is_root(anc) {
                break;
            }
            let Some(&s) = scores.get(&anc.id()) else {
                continue;
            };
            if s < threshold {
                break;
            }
            if s > last {
                chosen = anc;
                break;
            }
            last = s;
        }
    }
    while let Some(parent) = chosen.parent() {
        if is_root(parent) || parent.children().filter(|c| tag(*c).is_some()).count() != 1 {
            break;
        }
        chosen = parent;
    }
    chosen.id()
}

/// Below this share of the page's prose, the chosen main text is reconsidered.
const MIN_PROSE_SHARE: f64 = 0.5;
/// How many times the chosen text's prose another candidate must hold to replace it.
const FAR_LONGER: u32 = 3;
/// How many times the chosen text's prose an ancestor must hold to take its place.
const ANCESTOR_GAIN: u32 = 2;
/// Most link density a replacement may have.
const MAX_REPLACEMENT_LINK_DENSITY: f64 = 0.25;

/// The safeguard against a wrong main node (an author box, a teaser, a comment, one box of
/// several): when the chosen text holds less than [`MIN_PROSE_SHARE`] of the page's prose,
/// another scored container that is far longer ([`FAR_LONGER`]) and article-like (little link
/// text) takes its place; else the nearest ancestor holding [`ANCESTOR_GAIN`] times as much
/// prose with little link text. `None` keeps the choice.
fn reconsider(
    doc: &Html,
    chosen: NodeId,
    content: &[NodeId],
    scores: &NodeMap<f64>,
    stats: &NodeMap<Stats>,
    paragraphs: &[(NodeId, u32)],
) -> Option<NodeId> {
    let total: u32 = paragraphs.iter().map(|(_, len)| *len).sum();
    let within = |id: NodeId| {
        doc.tree.get(id).is_some_and(|n| {
            std::iter::once(n)
                .chain(n.ancestors())
                .any(|a| content.contains(&a.id()))
        })
    };
    let have: u32 = paragraphs
        .iter()
        .filter(|(id, _)| within(*id))
        .map(|(_, len)| *len)
        .sum();
    if total == 0 || f64::from(have) >= f64::from(total) * MIN_PROSE_SHARE {
        return None;
    }
    // Rare (a small share): only now is the prose under every element summed.
    let mut prose: NodeMap<u32> = NodeMap::default();
    for (id, len) in paragraphs {
        let Some(node) = doc.tree.get(*id) else {
            continue;
        };
        for n in std::iter::once(node).chain(node.ancestors()) {
            let p = prose.entry(n.id()).or_insert(0);
            *p = p.saturating_add(*len);
        }
    }
    let node = doc.tree.get(chosen)?;
    let article_like = |id: &NodeId| {
        stats
            .get(id)
            .is_some_and(|s| s.link_density() < MAX_REPLACEMENT_LINK_DENSITY)
    };
    let related = |n: DomNode<'_>| {
        n.id() == chosen
            || n.ancestors().any(|a| a.id() == chosen)
            || node.ancestors().any(|a| a.id() == n.id())
    };
    let far = scores
        .iter()
        .filter(|(id, s)| **s > 0.0 && article_like(id))
        .filter_map(|(id, s)| {
            let p = prose.get(id).copied().unwrap_or(0);
            (p >= have.saturating_mul(FAR_LONGER)).then_some((*id, p, *s))
        })
        .filter(|(id, _, _)| {
            doc.tree
                .get(*id)
                .is_some_and(|n| !related(n) && !matches!(tag(n), Some("html" | "body")))
        })
        .max_by(|a, b| a.1.cmp(&b.1).then(a.2.total_cmp(&b.2)).then(b.0.cmp(&a.0)));
    if let Some((id, _, _)) = far {
        return Some(id);
    }
    node.ancestors()
        .take_while(|a| !matches!(tag(*a), Some("html" | "body") | None))
        .find(|a| {
            prose.get(&a.id()).copied().unwrap_or(0) >= have.saturating_mul(ANCESTOR_GAIN)
                && article_like(&a.id())
        })
        .map(|a| a.id())
}

/// The top container plus siblings that look like more of the same article.
fn with_siblings(
    doc: &Html,
    top: NodeId,
    scores: &NodeMap<f64>,
    stats: &NodeMap<Stats>,
) -> Vec<NodeId> {
    let Some(node) = doc.tree.get(top) else {
        return vec![top];
    };
    let Some(parent) = node.parent().filter(|p| tag(*p).is_some()) else {
        return vec![top];
    };
    let top_score = scores.get(&top).copied().unwrap_or(0.0);
    // Stricter than readability's 0.2: a sidebar column of prose must not ride along. Content
    // spread over sibling blocks is caught anyway, because their parent then scores highest.
    let threshold = (top_score * 0.5).max(10.0);
    let mut out = Vec::new();
    let mut before_top = true;
    let mut after_headline = false;
    for sib in parent.children() {
        if sib.id() == top {
            out.push(top);
            before_top = false;
            continue;
        }
        let Some(s) = stats.get(&sib.id()) else {
            continue;
        };
        let sib_score = wrapped_score(sib, scores);
        let ld = s.link_density();
        let is_p = tag(sib) == Some("p");
        let keep = sib_score >= threshold
            || (is_p && s.text > 80 && ld < 0.25)
            || (is_p && s.text > 0 && ld == 0.0 && s.ends_sentence);
        let holds_h1 = before_top && sib.descendants().any(|d| tag(d) == Some("h1"));
        if !keep && before_top && (holds_h1 || after_headline) && is_intro(s) {
            out.extend(lead_paragraphs(sib, stats));
        }
        after_headline |= holds_h1;
        if keep && tag(sib).is_some() {
            out.push(sib.id());
        }
    }
    out
}

/// A sibling's score for joining the main text: its own, or, when it only wraps one block
/// (`<div class="paragraph"><div class="text">…`), the best score down that chain. The main
/// container is compared after moving up past such wrappers (see [`promote`]), so its
/// siblings are judged the same way (Drupal's Paragraphs module wraps every text block).
fn wrapped_score(node: DomNode<'_>, scores: &NodeMap<f64>) -> f64 {
    let mut best = scores.get(&node.id()).copied().unwrap_or(0.0);
    let mut cur = node;
    loop {
        let mut elements = cur.children().filter(|c| tag(*c).is_some());
        let (Some(only), None) = (elements.next(), elements.next()) else {
            return best;
        };
        if let Some(s) = scores.get(&only.id()) {
            best = best.max(*s);
        }
        cur = only;
    }
}

/// Most text an article's intro block (headline, lead) may have.
const MAX_INTRO_CHARS: u32 = 1_000;

/// Whether a block before the main text, holding the `<h1>` or placed between it and the main
/// text, is short enough and has few enough links to be the article's intro (headline, lead).
fn is_intro(s: &Stats) -> bool {
    s.text > 0 && s.text <= MAX_INTRO_CHARS && s.link_density() < 0.25
}

/// The lead paragraphs of an intro block (`<p>`s that pass [`is_lead`]), so that datelines,
/// kickers and the headline (shown separately) stay out.
fn lead_paragraphs(intro: DomNode<'_>, stats: &NodeMap<Stats>) -> Vec<NodeId> {
    intro
        .descendants()
        .filter(|d| tag(*d) == Some("p") && stats.get(&d.id()).is_some_and(|s| is_lead(*d, s)))
        .map(|d| d.id())
        .collect()
}

/// How many levels above the main text the headline may sit for the text between them to count
/// as the article's lead.
const LEAD_LEVELS: usize = 4;

/// The lead between the headline and the main text when they sit in different branches (an
/// article `<header>` with the `<h1>` and a `<p class="intro">`, a lead block before the body
/// block): sentence-ending paragraphs without links, after the last `<h1>` before the content,
/// when that `<h1>` shares an ancestor with the content at most [`LEAD_LEVELS`] up and at most
/// [`MAX_INTRO_CHARS`] of text lie between them. A long sentence-ending `<h2>`…`<h6>` there is a
/// lead set as a heading, not a headline. A call to action is not a lead.
fn leads_before(doc: &Html, content: &[NodeId], stats: &NodeMap<Stats>) -> Vec<NodeId> {
    let Some(first) = content.first().and_then(|id| doc.tree.get(*id)) else {
        return Vec::new();
    };
    let mut h1: Option<DomNode<'_>> = None;
    let mut after_h1 = false;
    let mut between = 0u32;
    let mut out = Vec::new();
    let mut inside: Option<NodeId> = None;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(n) if n.id() == first.id() => break,
            Edge::Open(n) if tag(n) == Some("h1") => {
                h1 = Some(n);
                after_h1 = false;
                between = 0;
                out.clear();
            }
            Edge::Close(n) if h1.is_some_and(|h| h.id() == n.id()) => after_h1 = true,
            Edge::Close(n) if inside == Some(n.id()) => inside = None,
            Edge::Open(n) if after_h1 && inside.is_none() => {
                let Some(s) = stats.get(&n.id()) else {
                    continue;
                };
                if n.value().is_text() {
                    between = between.saturating_add(s.text);
                } else if is_lead(n, s) {
                    out.push(n.id());
                    inside = Some(n.id());
                }
            }
            _ => {}
        }
    }
    let Some(h1) = h1.filter(|_| after_h1 && between <= MAX_INTRO_CHARS) else {
        return Vec::new();
    };
    let near = first
        .ancestors()
        .take(LEAD_LEVELS)
        .any(|a| h1.ancestors().any(|b| b.id() == a.id()));
    if near { out } else { Vec::new() }
}

/// Least text of a lead in its own element just above the main text (one real sentence or more).
const MIN_TEASER_LEAD_CHARS: u32 = 80;
/// Most text (byline, date, image credit) that may stand between such a lead and the main text.
const MAX_LEAD_GAP_CHARS: u32 = 300;

/// Class/id fragments (lowercased) of elements whose paragraphs are never an article's lead:
/// captions, credits, bylines, date lines, kickers, breadcrumbs and teaser lists.
const NOT_LEAD_CLASSES: &[&str] = &[
    "caption",
    "credit",
    "byline",
    "author",
    "date",
    "kicker",
    "topline",
    "breadcrumb",
    "crumb",
    "subtitle",
    "subhead",
    "related",
    "list",
    "slider",
    "swiper",
    "carousel",
];

/// The lead in its own element just above the main text, when no headline anchors it (the
/// headline is a styled `<div>`, the page's `<h1>` is the breadcrumb's): the last run of `<p>`
/// leads ([`is_lead`], at least [`MIN_TEASER_LEAD_CHARS`]) within [`LEAD_LEVELS`] of the main
/// text, with at most [`MAX_LEAD_GAP_CHARS`] of other text after it and no link text at all
/// between it and the main text. Headings are subtitles, not leads (shown separately); a
/// paragraph inside a list item, a figure, a link or an element classed as a caption, byline,
/// date, kicker, breadcrumb or teaser list is never a lead, and a run of paragraphs with links
/// between them is a teaser list, not a lead.
fn lead_above(doc: &Html, content: &[NodeId], stats: &NodeMap<Stats>) -> Vec<NodeId> {
    let Some(first) = content.first().and_then(|id| doc.tree.get(*id)) else {
        return Vec::new();
    };
    let Some(scope) = first
        .ancestors()
        .take(LEAD_LEVELS)
        .take_while(|a| !matches!(tag(*a), Some("html" | "body") | None))
        .last()
    else {
        return Vec::new();
    };
    let in_content = |n: DomNode<'_>| n.ancestors().any(|a| content.contains(&a.id()));
    let mut out = Vec::new();
    let mut gap = 0u32;
    let mut linked = false;
    let mut inside: Option<NodeId> = None;
    for edge in scope.traverse() {
        match edge {
            Edge::Open(n) if n.id() == first.id() => break,
            Edge::Close(n) if inside == Some(n.id()) => inside = None,
            Edge::Open(n) if inside.is_none() => {
                let Some(s) = stats.get(&n.id()) else {
                    continue;
                };
                if n.value().is_text() {
                    gap = gap.saturating_add(s.text);
                    let in_link = n
                        .ancestors()
                        .take_while(|a| a.id() != scope.id())
                        .any(|a| tag(a) == Some("a"));
                    linked |= in_link && s.text > 0;
                } else if tag(n) == Some("p")
                    && s.text >= MIN_TEASER_LEAD_CHARS
                    && is_lead(n, s)
                    && may_be_lead(n, scope)
                    && !in_content(n)
                {
                    if gap > MAX_LEAD_GAP_CHARS || linked {
                        out.clear();
                    }
                    out.push(n.id());
                    gap = 0;
                    linked = false;
                    inside = Some(n.id());
                }
            }
            _ => {}
        }
    }
    if gap > MAX_LEAD_GAP_CHARS || linked {
        Vec::new()
    } else {
        out
    }
}

/// Whether a paragraph above the main text may be its lead by where it sits: not inside a list
/// item, figure, link or aside, nor in an element whose class or id names a caption, byline,
/// date, kicker, breadcrumb or list ([`NOT_LEAD_CLASSES`]), nor in a teaser card (an element
/// holding a heading with a link), up to `scope`.
fn may_be_lead(p: DomNode<'_>, scope: DomNode<'_>) -> bool {
    let linked_heading = |a: DomNode<'_>| {
        a.descendants().any(|d| {
            matches!(tag(d), Some("h2" | "h3" | "h4" | "h5" | "h6"))
                && d.descendants().any(|x| tag(x) == Some("a"))
        })
    };
    std::iter::once(p)
        .chain(p.ancestors().take_while(|a| a.id() != scope.id()))
        .all(|a| {
            if matches!(
                tag(a),
                Some("li" | "figure" | "figcaption" | "a" | "aside" | "nav" | "footer")
            ) {
                return false;
            }
            let Some(el) = a.value().as_element() else {
                return true;
            };
            if a.id() != p.id() && linked_heading(a) {
                return false;
            }
            let names = [el.attr("class"), el.attr("id")];
            !names.into_iter().flatten().any(|v| {
                let v = v.to_ascii_lowercase();
                NOT_LEAD_CLASSES.iter().any(|c| v.contains(c))
            })
        })
}

/// Whether an element between headline and main text is a lead paragraph: a sentence-ending
/// `<p>` (or long heading) with little link text.
fn is_lead(n: DomNode<'_>, s: &Stats) -> bool {
    let min = match tag(n) {
        Some("p") => MIN_PARAGRAPH_CHARS,
        Some("h2" | "h3" | "h4" | "h5" | "h6") => 80,
        _ => return false,
    };
    s.text >= min
        && (s.link == 0 || s.link_density() < MAX_LEAD_LINK_DENSITY)
        && s.ends_sentence
        && !is_call_to_action(&line_text(n))
}

/// Most of a lead's text that may be link text: a lead may link a term or two (`Die <a>E-Akte</a>
/// kommt …`), a teaser made of a link is not a lead.
const MAX_LEAD_LINK_DENSITY: f64 = 0.25;

/// One sentence ending in `!` (`Jetzt spenden!`, `Nutzen Sie unsere Tools!`): a call to action
/// next to the headline, not its lead (a lead of several sentences may well end in `!`).
fn is_call_to_action(text: &str) -> bool {
    text.ends_with('!') && !text.contains(". ") && !text.contains("! ") && !text.contains("? ")
}

/// Elements inside the content that look like link lists, forms or widgets rather than text.
fn conditional_removals(doc: &Html, content: &[NodeId], stats: &NodeMap<Stats>) -> NodeSet {
    let mut removed = NodeSet::default();
    for id in content {
        let Some(root) = doc.tree.get(*id) else {
            continue;
        };
        for node in root.descendants().skip(1) {
            if !matches!(
                tag(node),
                Some("div" | "section" | "ul" | "ol" | "table" | "dl" | "aside" | "figure")
            ) {
                continue;
            }
            let Some(s) = stats.get(&node.id()) else {
                continue;
            };
            if s.commas >= 10 {
                continue;
            }
            let weight = class_weight(node);
            let ld = s.link_density();
            let linky = (ld > 0.33 && weight < 25.0) || ld > 0.5;
            let widget = s.inputs > 0 && s.inputs * 3 > s.paragraphs.max(1);
            if weight < 0.0 || linky || widget {
                removed.insert(node.id());
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!(
            "<html><head><title>t</title><script>var x=1;</script></head><body>{body}</body></html>"
        )
    }

    const ARTICLE: &str = "<div class=\"article\"><h1>Titel</h1>\
        <p>Erster Absatz mit genug Text, damit er zählt, und einem Komma, oder zwei.</p>\
        <p>Zweiter Absatz, ebenfalls lang genug, um als Inhalt erkannt zu werden, sagt man.</p>\
        <ul class=\"links\"><li><a href=\"/a\">Link eins</a></li><li><a href=\"/b\">Link zwei</a></li></ul>\
        <p>Letzter Absatz, der Schluss des Artikels mit genügend Wörtern darin, so ist es.</p></div>";

    #[test]
    fn picks_article_and_drops_boilerplate() {
        let html = page(&format!(
            "<nav><ul><li><a href=\"/\">Startseite</a></li><li><a href=\"/themen\">Themen</a></li></ul></nav>\
             <div id=\"cookie-banner\"><p>Wir verwenden Cookies, um Ihnen, wie üblich, das beste Erlebnis zu bieten.</p></div>\
             {ARTICLE}\
             <div class=\"sidebar\"><p>Seitenleiste mit Text, der nicht zum Artikel gehört, sicher nicht.</p></div>\
             <footer><p>Impressum, Datenschutz, Kontakt, Barrierefreiheit und so weiter.</p></footer>"
        ));
        let text = main_text(&html);
        assert!(text.starts_with("Titel\n\nErster Absatz"), "{text}");
        assert!(text.ends_with("so ist es."), "{text}");
        for bad in [
            "Startseite",
            "Cookies",
            "Seitenleiste",
            "Impressum",
            "Link eins",
            "var x",
        ] {
            assert!(!text.contains(bad), "{bad} in {text}");
        }
    }

    #[test]
    fn text_directly_in_divs_counts() {
        let html = page(
            "<div class=\"menu\"><a href=\"/\">Menü</a></div><div>Ein langer Text ohne Absätze, \
            der direkt im div steht, wie bei alten Seiten.<br>Und eine zweite Zeile, ebenfalls lang genug.</div>",
        );
        let text = main_text(&html);
        assert_eq!(
            text,
            "Ein langer Text ohne Absätze, der direkt im div steht, wie bei alten Seiten.\nUnd eine zweite Zeile, ebenfalls lang genug."
        );
    }

    #[test]
    fn article_spread_over_sibling_blocks_is_kept_whole() {
        // Four sections, each in its own wrapper: each section scores best on its own, but
        // the region holding all four is the article.
        let para = |w: &str| {
            format!(
                "<p>{w} ist ein Absatz mit genug Text, Kommas, Wörtern und Sätzen, damit er zählt.</p>"
            )
        };
        let sections: String = ["Eins", "Zwei", "Drei", "Vier"]
            .iter()
            .map(|w| {
                format!(
                    "<div class=\"wrap\"><div class=\"block\">{}{}</div></div>",
                    para(w),
                    para(&format!("{w}b"))
                )
            })
            .collect();
        let html = page(&format!(
            "<div class=\"region\">{sections}</div><div class=\"other\"><p>Kurz.</p></div>"
        ));
        let text = main_text(&html);
        for w in ["Eins ist", "Zweib ist", "Drei ist", "Vierb ist"] {
            assert!(text.contains(w), "{w} missing in {text}");
        }
        assert!(!text.contains("Kurz."), "{text}");
    }

    #[test]
    fn lead_in_the_intro_block_before_the_body_is_kept() {
        let para = "<p>Ein Absatz mit genug Text, Kommas, Wörtern und Sätzen, der zählt.</p>";
        let html = page(&format!(
            "<div class=\"article\"><div class=\"intro\"><p class=\"dateline\">21.01.2022 Meldung</p>\
             <h1>Überschrift</h1><p class=\"lead\">Der Vorspann fasst die Meldung in einem \
             Satz zusammen.</p></div><div class=\"body\">{para}{para}{para}{para}</div></div>\
             <div class=\"after\"><h1>Anderes</h1><p>Nicht dazugehörig, steht danach.</p></div>"
        ));
        let text = main_text(&html);
        assert!(text.starts_with("Der Vorspann fasst"), "{text}");
        for bad in ["Meldung\n", "Überschrift", "Nicht dazugehörig"] {
            assert!(!text.contains(bad), "{bad} in {text}");
        }
    }

    #[test]
    fn lead_between_headline_block_and_body_is_kept() {
        let para = "<p>Ein Absatz mit genug Text, Kommas, Wörtern und Sätzen, der zählt.</p>";
        let html = page(&format!(
            "<div class=\"news\"><div class=\"vorher\"><p>Vor der Überschrift steht das, \
             was nicht dazugehört.</p></div><div class=\"kopf\"><h1>Überschrift</h1></div>\
             <div class=\"lead\"><p>Der Vorspann steht in einem eigenen Block.</p></div>\
             <div class=\"body\">{para}{para}{para}{para}</div></div>"
        ));
        let text = main_text(&html);
        assert!(text.starts_with("Der Vorspann steht"), "{text}");
        assert!(!text.contains("Vor der Überschrift"), "{text}");
    }

    #[test]
    fn lead_in_another_branch_between_headline_and_body_is_kept() {
        // The headline and lead sit in the article's header, the body two levels down in
        // another branch; a lead set as a long `<h2>` counts too, a call to action does not.
        let para = "<p>Ein Absatz mit genug Text, Kommas, Wörtern und Sätzen, der zählt.</p>";
        let html = page(&format!(
            "<div class=\"vorher\"><h1>Portal</h1><p>Ein Satz über das Portal, der nicht dazugehört.</p></div>\
             <article><header><h1>Überschrift</h1><span>21.01.2022</span>\
             <p class=\"intro\">Der Vorspann fasst die Meldung in einem Satz zusammen.</p>\
             <h2>Auch dieser lange Vorspann steht in einer Zwischenüberschrift, wie es manche Seiten tun, die ihn so gestalten.</h2>\
             <p>Jetzt spenden und helfen, jeder Euro zählt!</p>\
             <p>Wir freuen uns. Besuchen Sie uns bald!</p></header>\
             <div class=\"main\"><div class=\"wrap\"><div class=\"text\">{para}{para}{para}{para}</div></div>\
             <div class=\"foot\"><a href=\"/mehr\">Mehr</a></div></div></article>"
        ));
        let text = main_text(&html);
        assert!(text.starts_with("Der Vorspann fasst"), "{text}");
        assert!(text.contains("Auch dieser lange Vorspann"), "{text}");
        assert!(text.contains("Besuchen Sie uns bald!"), "{text}");
        for bad in ["Portal", "Überschrift", "Jetzt spenden", "21.01.2022"] {
            assert!(!text.contains(bad), "{bad} in {text}");
        }
    }

    #[test]
    fn wrapped_sibling_blocks_join_the_main_text() {
        let para = |w: &str| {
            format!(
                "<p>{w} ist ein Absatz mit genug Text, Kommas, Wörtern und Sätzen, damit er zählt.</p>"
            )
        };
        let block = |w: &str| {
            format!(
                "<div class=\"paragraph\"><div class=\"field\"><div class=\"text\">{}{}</div></div></div>",
                para(w),
                para(w)
            )
        };
        let html = page(&format!(
            "<div class=\"node\">{}<div class=\"paragraph\"><blockquote>Zitat</blockquote></div>{}</div>",
            block("Eins"),
            block("Zwei")
        ));
        let text = main_text(&html);
        assert!(
            text.contains("Eins ist") && text.contains("Zwei ist"),
            "{text}"
        );
    }

    #[test]
    fn text_in_spans_counts_as_paragraphs() {
        let line = |w: &str| {
            format!(
                "<div><span style=\"font-size: small\">{w} steht in einem span, mit Kommas, Wörtern und Sätzen.</span></div>"
            )
        };
        let body: String = ["Eins", "Zwei", "Drei", "Vier"]
            .iter()
            .map(|w| line(w))
            .collect();
        let html = page(&format!(
            "<div class=\"post\">{body}</div><div class=\"box\"><ul><li>Anderes</li></ul></div>"
        ));
        let text = main_text(&html);
        assert!(
            text.starts_with("Eins steht") && text.contains("Vier steht"),
            "{text}"
        );
        assert!(!text.contains("Anderes"), "{text}");
    }

    #[test]
    fn promotion_keeps_the_best_container_itself() {
        // The best block is wrapped in a teaser-classed box (conditionally removable); moving
        // up past the single-child wrappers must not drop the block itself.
        let para = "<p>Ein Absatz mit genug Text, Kommas, Wörtern und Sätzen, der zählt.</p>";
        let html = page(&format!(
            "<div class=\"wrap\"><div class=\"teaser-box\"><div class=\"desc\">{para}{para}</div></div></div>"
        ));
        assert!(main_text(&html).contains("Ein Absatz mit genug Text"));
    }

    /// A paragraph of about 300 characters with two commas.
    fn prose(word: &str) -> String {
        format!(
            "<p>{word} berichtet die Behörde über den Stand der Arbeiten an der neuen Plattform, \
             die im kommenden Jahr allen Ämtern des Landes zur Verfügung stehen soll. Die \
             Ausschreibung ist abgeschlossen, der Zuschlag erteilt und die ersten Module sind \
             in Betrieb genommen worden. Weitere Schritte folgen nach der Prüfung.</p>"
        )
    }

    /// The article's paragraphs each in its own section (as page builders write them), so no
    /// single container scores well.
    fn spread_article() -> String {
        let sections: String = ["Erstens", "Zweitens", "Drittens", "Viertens", "Fünftens", "Sechstens"]
            .iter()
            .map(|w| format!("<section class=\"row\"><div class=\"col\"><div class=\"rich\">{}</div></div></section>", prose(w)))
            .collect();
        format!("<div class=\"page-main\"><h1>Überschrift</h1>{sections}</div>")
    }

    /// A box of two comma-rich paragraphs that outscores each single section of the article.
    fn box_with(class: &str, text: &str) -> String {
        let p = format!(
            "<p>{text}, geboren in Kassel, studierte Recht, Politik, Geschichte, Philosophie, \
             Soziologie, Volkswirtschaft, Statistik und Informatik, arbeitete in Bonn, Berlin, \
             Brüssel, Hamburg und München, schreibt über Verwaltung, Digitalisierung, Recht.</p>"
        );
        format!("<div class=\"{class}\">{p}{p}</div>")
    }

    fn assert_whole_article(text: &str, bad: &str) {
        for w in ["Erstens", "Drittens", "Sechstens"] {
            assert!(
                text.contains(&format!("{w} berichtet")),
                "{w} missing in {text}"
            );
        }
        assert!(!text.contains(bad), "{bad} in {text}");
    }

    #[test]
    fn author_box_does_not_replace_the_article() {
        let html = page(&format!(
            "<div class=\"l\"><div class=\"col-main\">{}</div></div><div class=\"r\"><div class=\"col-side\">{}</div><p>Kontakt</p></div>",
            spread_article(),
            box_with("box-person", "Die Verfasserin")
        ));
        assert_whole_article(&main_text(&html), "Die Verfasserin");
    }

    #[test]
    fn teaser_does_not_replace_the_article() {
        let html = page(&format!(
            "<div class=\"l\"><div class=\"col-main\">{}</div></div><div class=\"r\"><div class=\"col-side\">{}<a href=\"/mehr\">Weiterlesen</a></div></div>",
            spread_article(),
            box_with("box-next", "Der nächste Beitrag")
        ));
        assert_whole_article(&main_text(&html), "Der nächste Beitrag");
    }

    #[test]
    fn comment_thread_does_not_replace_or_join_the_article() {
        // Unmarked comments (no "comment" class for the boilerplate pass to find) after an
        // article of one container: the article holds most of the page's prose and stays alone.
        let article: String = ["Erstens", "Zweitens", "Drittens", "Viertens"]
            .iter()
            .map(|w| prose(w))
            .collect();
        let comments: String = (1..=3)
            .map(|i| format!("<div class=\"entry\"><span>Leser {i}</span><p>Ein Leser meint, das habe aber lange gedauert, und fragt nach.</p></div>"))
            .collect();
        let html = page(&format!(
            "<div class=\"wrap\"><div class=\"text\"><h1>Überschrift</h1>{article}</div><div class=\"thread\">{comments}</div></div>"
        ));
        let text = main_text(&html);
        assert!(text.contains("Viertens berichtet"), "{text}");
        assert!(!text.contains("Ein Leser meint"), "{text}");
    }

    /// A page whose only `<h1>` is the breadcrumb's (stripped), with `header` above a body of
    /// three long paragraphs in `<div class="article-content">`.
    fn lead_page(header: &str) -> String {
        page(&format!(
            "<div class=\"breadcrumb\"><a href=\"/\">Start</a> <h1>Recht</h1></div>\
             <div id=\"content\"><div id=\"main\"><div class=\"post\">{header}\
             <div class=\"wrap\"><div class=\"row\"><div class=\"article-content\">{}{}{}</div>\
             <div class=\"share\"><a href=\"/teilen\">Teilen</a></div></div>\
             <div class=\"tags\"><a href=\"/t/kita\">Kita</a> <a href=\"/t/recht\">Recht</a></div>\
             </div></div></div></div>",
            prose("Erstens"),
            prose("Zweitens"),
            prose("Drittens")
        ))
    }

    const LEAD: &str = "Wie viele Tage dürfen Eltern zu Hause bleiben, wenn ihr Kind krank ist? \
                        Die wichtigsten Fragen und Antworten.";

    #[test]
    fn lead_above_the_main_text_without_a_headline_anchor() {
        // Each lead position: an excerpt paragraph in the article's header with byline and
        // date after it; a `<div class="lead">` before the body; a lead split from the body by
        // a figure; a lead with a link and bold text in it.
        let cases = [
            format!(
                "<div class=\"kopf\"><div class=\"headline\">Krankes Kind</div>\
                 <p class=\"article-excerpt\">{LEAD}</p>\
                 <div class=\"author\">Von Julia Müller</div><span>28. Dezember 2022</span></div>"
            ),
            format!(
                "<h2><span>Krankes Kind</span> <span>Was Eltern wissen müssen</span></h2>\
                 <div class=\"lead\"><p>{LEAD}</p></div><div class=\"info\">06.01.2022</div>"
            ),
            format!(
                "<div class=\"teaser-text\"><p><strong>{LEAD}</strong></p></div>\
                 <figure><img src=\"a.jpg\"><figcaption>Ein Kind im Bett. Foto: Agentur</figcaption></figure>"
            ),
            "<p class=\"intro\">Wie viele Tage dürfen Eltern zu Hause bleiben, wenn ihr \
             <a href=\"/kind\">Kind</a> krank ist? Die <b>wichtigsten</b> Fragen und Antworten.</p>"
                .to_string(),
        ];
        for header in cases {
            let text = main_text(&lead_page(&header));
            assert!(text.starts_with("Wie viele Tage"), "{header}\n{text}");
            assert!(text.contains("Drittens berichtet"), "{text}");
            for bad in [
                "Start",
                "Recht\n",
                "Julia Müller",
                "Dezember 2022",
                "06.01.2022",
                "Krankes Kind",
                "Was Eltern wissen",
                "Foto: Agentur",
            ] {
                assert!(!text.contains(bad), "{bad} in {text}");
            }
        }
    }

    #[test]
    fn teaser_lists_bylines_and_date_lines_above_the_main_text_are_no_lead() {
        let teaser = "Ein anderer Artikel über die Förderung von Kitas im ganzen Land, mit \
                      allen Zahlen und Terminen dieses Jahres.";
        let cases = [
            // A teaser list: items in a list, a link headline over each teaser sentence.
            format!(
                "<ul><li><a href=\"/a\">Kitas</a><p>{teaser}</p></li>\
                 <li><a href=\"/b\">Schulen</a><p>{teaser}</p></li></ul>"
            ),
            // Teaser cards as plain divs, each with a linked headline.
            format!(
                "<div class=\"card\"><h3><a href=\"/a\">Kitas im Land</a></h3><p>{teaser}</p></div>\
                 <div class=\"card\"><h3><a href=\"/b\">Schulen im Land</a></h3><p>{teaser}</p></div>"
            ),
            // A long byline and a long date line set as paragraphs.
            "<div class=\"meta\"><p class=\"byline\">Von Julia Müller, Referentin für Öffentlichkeitsarbeit im \
             Ministerium für Digitales und Verwaltung des Landes.</p>\
             <p class=\"article-date\">Veröffentlicht am 28. Dezember 2022 um 10:30 Uhr, \
             zuletzt geändert am 29. Dezember 2022 um 12:00 Uhr.</p></div>"
                .to_string(),
            // A kicker and a subtitle set as paragraphs.
            "<div class=\"kopf\"><p class=\"kicker\">Kind krank: was Arbeitgeber über die Rechte von Eltern wissen \
             müssen, und was nicht.</p><p>28.12.2022, 10:30 Uhr.</p></div>"
                .to_string(),
        ];
        for header in cases {
            let text = main_text(&lead_page(&header));
            assert!(text.starts_with("Erstens berichtet"), "{header}\n{text}");
        }
    }

    #[test]
    fn fifty_thousand_nested_divs() {
        let n = 50_000;
        let html = format!(
            "<html><body>{}<p>Tief verschachtelt.</p>{}</body></html>",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        assert_eq!(main_text(&html), "Tief verschachtelt.");
    }

    #[test]
    fn empty_and_garbage_pages() {
        for html in [
            "",
            "<html>",
            "\u{0}\u{1}<<<>>>",
            "<p>",
            "<body><nav>nur Navigation</nav></body>",
        ] {
            let _ = main_text(html);
        }
        assert_eq!(main_text(""), "");
    }
}
