//! Text statistics per element (text length, link text, commas, paragraphs, form inputs),
//! computed bottom-up in one iterative pass.
//!
//! Owns what "text length" means for scoring: non-whitespace characters outside script-like
//! elements. It must never recurse and never allocate more than one small record per node.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use super::dom::{DomNode, is_skipped_tag};

/// Hasher for node ids: an id is a small distinct integer, so one multiplication spreads it well
/// enough, and SipHash (the std default, built against flooding) costs more than the lookups it
/// serves. Node-keyed maps are looked up several times per node on every page.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9e_37_79_b9_7f_4a_7c_15);
    }
}

/// A map keyed by node id.
pub(crate) type NodeMap<V> = HashMap<NodeId, V, BuildHasherDefault<IdHasher>>;
/// A set of node ids.
pub(crate) type NodeSet = HashSet<NodeId, BuildHasherDefault<IdHasher>>;

/// Counts for one element and everything under it.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Stats {
    /// Non-whitespace characters of readable text.
    pub text: u32,
    /// Of those, characters in text nodes that are direct children.
    pub own_text: u32,
    /// Of those, characters inside `<a>` elements.
    pub link: u32,
    /// Commas in the text (a sign of prose).
    pub commas: u32,
    /// `<p>` elements.
    pub paragraphs: u32,
    /// Characters inside `<p>` elements.
    pub p_text: u32,
    /// Form controls (`input`, `select`, `textarea`, `button`).
    pub inputs: u32,
    /// Whether the last non-empty text ends like a sentence.
    pub ends_sentence: bool,
    /// Whether `ends_sentence` has been decided (the last text was seen).
    last_seen: bool,
}

impl Stats {
    /// Share of the text that is link text, 0.0 for no text.
    pub(crate) fn link_density(&self) -> f64 {
        if self.text == 0 {
            0.0
        } else {
            f64::from(self.link) / f64::from(self.text)
        }
    }

    fn add_child(&mut self, c: &Stats, is_text: bool) {
        self.text = self.text.saturating_add(c.text);
        self.link = self.link.saturating_add(c.link);
        self.commas = self.commas.saturating_add(c.commas);
        self.paragraphs = self.paragraphs.saturating_add(c.paragraphs);
        self.p_text = self.p_text.saturating_add(c.p_text);
        self.inputs = self.inputs.saturating_add(c.inputs);
        if is_text {
            self.own_text = self.own_text.saturating_add(c.text);
        }
        // Children arrive last-first, so the first child with text decides.
        if !self.last_seen && c.text > 0 {
            self.ends_sentence = c.ends_sentence;
            self.last_seen = true;
        }
    }
}

/// Stats of the text node `t`. Works on bytes: only lead bytes of the few multi-byte
/// characters that can be whitespace (U+0085, U+00A0, U+1680, U+2000–U+205F, U+3000) are
/// decoded, so the count equals `t.chars().filter(|c| !c.is_whitespace()).count()` at a
/// fraction of the cost.
fn text_stats(t: &str) -> Stats {
    let (mut text, mut commas) = (0usize, 0usize);
    for (i, &b) in t.as_bytes().iter().enumerate() {
        match b {
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | 0x80..=0xBF => {}
            b',' => {
                text += 1;
                commas += 1;
            }
            0xC2 | 0xE1 | 0xE2 | 0xE3 => {
                let ws = t.get(i..).and_then(|r| r.chars().next());
                text += usize::from(!ws.is_some_and(char::is_whitespace));
            }
            _ => text += 1,
        }
    }
    let sat = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Stats {
        text: sat(text),
        commas: sat(commas),
        ends_sentence: t.trim_end().ends_with(['.', '!', '?', '"', '“', '”', ')']),
        ..Stats::default()
    }
}

/// Stats of one node from its own content and its children's entries in `map` (children
/// without an entry count as empty). Script-like elements count only as form controls.
fn node_stats(node: DomNode<'_>, map: &NodeMap<Stats>) -> Stats {
    let name = match node.value() {
        Node::Text(t) => return text_stats(t),
        Node::Element(e) => Some(e.name()),
        _ => None,
    };
    if let Some(name) = name.filter(|n| is_skipped_tag(n)) {
        let control = matches!(name, "input" | "select" | "textarea" | "button");
        return Stats {
            inputs: u32::from(control),
            ..Stats::default()
        };
    }
    let mut s = Stats::default();
    // Last child first: the last child holding text decides `ends_sentence`.
    for child in node.children().rev() {
        if let Some(c) = map.get(&child.id()) {
            s.add_child(c, child.value().is_text());
        }
    }
    match name {
        Some("a") => s.link = s.text,
        Some("p") => {
            s.paragraphs = s.paragraphs.saturating_add(1);
            s.p_text = s.text;
        }
        _ => {}
    }
    s
}

/// `root` and its descendants in document order, without the insides of script-like elements
/// (their text never counts, and scripts and styles are a large share of a page's bytes).
fn readable_nodes(root: DomNode<'_>) -> Vec<DomNode<'_>> {
    let mut out = Vec::new();
    let mut skipping: Option<NodeId> = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(n) if skipping.is_none() => {
                out.push(n);
                if n.value()
                    .as_element()
                    .is_some_and(|e| is_skipped_tag(e.name()))
                {
                    skipping = Some(n.id());
                }
            }
            Edge::Close(n) if skipping == Some(n.id()) => skipping = None,
            _ => {}
        }
    }
    out
}

/// Computes [`Stats`] for every node under `root` (inclusive), bottom-up, iteratively. Nodes
/// inside script-like elements get no entry.
pub(crate) fn measure(root: DomNode<'_>) -> NodeMap<Stats> {
    let order = readable_nodes(root);
    let mut map: NodeMap<Stats> =
        NodeMap::with_capacity_and_hasher(order.len(), Default::default());
    // Reverse document order visits every node after all of its descendants.
    for node in order.iter().rev() {
        let s = node_stats(*node, &map);
        map.insert(node.id(), s);
    }
    map
}

/// Whether removing a subtree with these stats changes its ancestors' stats.
fn matters(s: &Stats) -> bool {
    s.text > 0 || s.paragraphs > 0 || s.inputs > 0
}

/// The ancestors whose stats change when `doomed` (still attached) are detached, deepest first,
/// for [`refresh`]. Call before detaching.
pub(crate) fn stale_ancestors(doomed: &[DomNode<'_>], map: &NodeMap<Stats>) -> Vec<NodeId> {
    let mut depth: NodeMap<usize> = NodeMap::default();
    for node in doomed {
        if !map.get(&node.id()).is_some_and(matters) {
            continue;
        }
        let mut chain = Vec::new();
        let mut known = None;
        for anc in node.ancestors() {
            if let Some(d) = depth.get(&anc.id()) {
                known = Some(*d);
                break;
            }
            chain.push(anc.id());
        }
        // The chain runs upwards from the parent; its top sits just under `known`.
        let top = known.map_or(0, |d| d + 1);
        let len = chain.len();
        for (k, id) in chain.into_iter().enumerate() {
            depth.insert(id, top + (len - 1 - k));
        }
    }
    let mut out: Vec<(usize, NodeId)> = depth.into_iter().map(|(id, d)| (d, id)).collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.into_iter().map(|(_, id)| id).collect()
}

/// Re-derives the stats of `stale` (deepest first, from [`stale_ancestors`]) after subtrees
/// under them were detached: cheaper than measuring the page again, since only the ancestors of
/// removed text change.
pub(crate) fn refresh(doc: &Html, map: &mut NodeMap<Stats>, stale: &[NodeId]) {
    for id in stale {
        if let Some(node) = doc.tree.get(*id) {
            let s = node_stats(node, map);
            map.insert(*id, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    #[test]
    fn counts_text_links_and_paragraphs() {
        let doc = Html::parse_fragment(
            "<div id=d>Direkt, <p>Absatz <a href=#>Link</a>.</p><script>x,y</script><input></div>",
        );
        let stats = measure(doc.tree.root());
        let sel = Selector::parse("#d").expect("selector");
        let div = doc.select(&sel).next().expect("div");
        let s = stats.get(&div.id()).copied().unwrap_or_default();
        assert_eq!(
            s.text,
            "Direkt,Absatz Link.".replace(' ', "").chars().count() as u32
        );
        assert_eq!(s.own_text, 7);
        assert_eq!(s.link, 4);
        assert_eq!(s.commas, 1);
        assert_eq!(s.paragraphs, 1);
        assert_eq!(s.inputs, 1);
        assert!(s.ends_sentence);
    }

    #[test]
    fn text_stats_match_char_counting() {
        for t in [
            "",
            "  \n\t",
            "Grüße, Welt.",
            "a\u{a0}b\u{2009}c\u{3000}d\u{85}e\u{1680}",
            "€ 5,00 – „Zitat“",
            "x\u{b}y\u{c}z\u{1c}",
            "日本語, テキスト!",
        ] {
            let s = text_stats(t);
            let want = t.chars().filter(|c| !c.is_whitespace()).count() as u32;
            assert_eq!(s.text, want, "{t:?}");
            assert_eq!(s.commas, t.matches(',').count() as u32, "{t:?}");
        }
    }

    #[test]
    fn refresh_after_detaching_equals_measuring_again() {
        let cases = [
            (
                "<div id=a><p>Eins, zwei.</p><nav><a href=#>Menü</a></nav><p>Drei</p></div>",
                "nav",
            ),
            (
                "<main><div><p>Text.</p><div class=x><p>Weg, weg!</p><input></div></div></main>",
                ".x",
            ),
            (
                "<div><span>a</span><footer>Fuß.</footer></div><div><aside><p>b</p></aside></div>",
                "footer, aside",
            ),
            (
                "<div><p></p><p>Satz ohne Ende</p><section><p>Letzter Satz.</p></section></div>",
                "section, p:empty",
            ),
        ];
        for (html, doomed) in cases {
            let mut doc = Html::parse_document(html);
            let mut map = measure(doc.tree.root());
            let sel = Selector::parse(doomed).expect("selector");
            let ids: Vec<NodeId> = doc.select(&sel).map(|e| e.id()).collect();
            let nodes: Vec<DomNode<'_>> = ids.iter().filter_map(|id| doc.tree.get(*id)).collect();
            let stale = stale_ancestors(&nodes, &map);
            for id in &ids {
                if let Some(mut n) = doc.tree.get_mut(*id) {
                    n.detach();
                }
            }
            refresh(&doc, &mut map, &stale);
            let fresh = measure(doc.tree.root());
            for node in doc.tree.root().descendants() {
                assert_eq!(map.get(&node.id()), fresh.get(&node.id()), "{html}");
            }
        }
    }
}
