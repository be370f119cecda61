//! Text statistics per element (text length, link text, commas, paragraphs, form inputs),
//! computed bottom-up in one iterative pass.
//!
//! Owns what "text length" means for scoring: non-whitespace characters outside script-like
//! elements. It must never recurse and never allocate more than one small record per node.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use ego_tree::NodeId;
use scraper::Node;

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

/// Stats of the text node `t`.
fn text_stats(t: &str) -> Stats {
    let mut s = Stats::default();
    for c in t.chars() {
        if !c.is_whitespace() {
            s.text = s.text.saturating_add(1);
        }
        if c == ',' {
            s.commas = s.commas.saturating_add(1);
        }
    }
    s.ends_sentence = t.trim_end().ends_with(['.', '!', '?', '"', '“', '”', ')']);
    s
}

/// Computes [`Stats`] for every node under `root` (inclusive), bottom-up, iteratively.
pub(crate) fn measure(root: DomNode<'_>) -> NodeMap<Stats> {
    let order: Vec<DomNode<'_>> = root.descendants().collect();
    let mut map: NodeMap<Stats> =
        NodeMap::with_capacity_and_hasher(order.len(), Default::default());
    for node in order.iter().rev() {
        let mut s = map.remove(&node.id()).unwrap_or_default();
        let mut is_text = false;
        match node.value() {
            Node::Text(t) => {
                s = text_stats(t);
                is_text = true;
            }
            Node::Element(e) => {
                let name = e.name();
                if is_skipped_tag(name) {
                    let control = matches!(name, "input" | "select" | "textarea" | "button");
                    s = Stats {
                        inputs: u32::from(control),
                        ..Stats::default()
                    };
                }
                match name {
                    "a" => s.link = s.text,
                    "p" => {
                        s.paragraphs = s.paragraphs.saturating_add(1);
                        s.p_text = s.text;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        if node.id() != root.id()
            && let Some(parent) = node.parent()
        {
            map.entry(parent.id()).or_default().add_child(&s, is_text);
        }
        map.insert(node.id(), s);
    }
    map
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
}
