//! Small, iterative helpers over scraper's document tree: block-aware text collection, tag
//! classes, attribute access.
//!
//! Owns the rules "which tags break a paragraph" and "which tags never hold readable text".
//! It must never recurse (documents can be nested arbitrarily deep) and never allocate per node
//! beyond the text it returns.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::Node;

use super::text::split_paragraphs;

/// A node of a parsed document.
pub(crate) type DomNode<'a> = NodeRef<'a, Node>;

/// Tags whose content is never readable text.
pub(crate) fn is_skipped_tag(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "embed"
            | "head"
            | "title"
            | "button"
            | "select"
            | "option"
            | "textarea"
            | "input"
            | "canvas"
            | "video"
            | "audio"
            | "picture"
            | "map"
    )
}

/// Tags that start and end a paragraph of text.
pub(crate) fn is_block_tag(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// Parses a whole document, with nesting capped first (see `depth`).
pub(crate) fn parse_document(html: &str) -> scraper::Html {
    scraper::Html::parse_document(&super::depth::limit_nesting(html))
}

/// Parses a fragment, with nesting capped first (see `depth`).
pub(crate) fn parse_fragment(html: &str) -> scraper::Html {
    scraper::Html::parse_fragment(&super::depth::limit_nesting(html))
}

/// The element's tag name, if the node is an element.
pub(crate) fn tag<'a>(node: DomNode<'a>) -> Option<&'a str> {
    node.value().as_element().map(|e| e.name())
}

/// An attribute of the node, if it is an element that has it.
/// Scans the element's few attributes by name: scraper's `Element::attr` interns `name` as an
/// atom (a hash) on every call, which cost more than the scan on these hot paths.
pub(crate) fn attr<'a>(node: DomNode<'a>, name: &str) -> Option<&'a str> {
    let e = node.value().as_element()?;
    e.attrs().find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// Collects the text under `root` as cleaned paragraphs, in document order. Block elements
/// break paragraphs, `<br>` breaks lines; subtrees for which `skip` returns true, and tags that
/// never hold readable text, are left out. Iterative: safe on any nesting depth.
pub(crate) fn paragraphs(root: DomNode<'_>, skip: &dyn Fn(DomNode<'_>) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    // Source line breaks are spaces in HTML; only `<br>` breaks a line.
                    Node::Text(t) => buf.extend(
                        t.chars()
                            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
                    ),
                    Node::Element(e) => {
                        let name = e.name();
                        if node.id() != root.id() && (is_skipped_tag(name) || skip(node)) {
                            skipping = Some(node.id());
                        } else if name == "br" {
                            buf.push('\n');
                        } else if is_block_tag(name) {
                            flush(&mut buf, &mut out);
                        } else if name == "img" {
                            buf.push(' ');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                } else if skipping.is_none() && tag(node).is_some_and(is_block_tag) {
                    flush(&mut buf, &mut out);
                }
            }
        }
    }
    flush(&mut buf, &mut out);
    out
}

/// Moves the buffered text into `out` as cleaned paragraphs.
fn flush(buf: &mut String, out: &mut Vec<String>) {
    if buf.trim().is_empty() {
        buf.clear();
        return;
    }
    out.extend(split_paragraphs(buf));
    buf.clear();
}

/// The node's text as one cleaned line (all descendants, skipped tags left out).
pub(crate) fn line_text(node: DomNode<'_>) -> String {
    let mut raw = String::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in node.traverse() {
        match edge {
            Edge::Open(n) if skipping.is_none() => match n.value() {
                Node::Text(t) => raw.push_str(t),
                Node::Element(e) if n.id() != node.id() && is_skipped_tag(e.name()) => {
                    skipping = Some(n.id());
                }
                Node::Element(e) if e.name() == "br" || is_block_tag(e.name()) => raw.push(' '),
                _ => {}
            },
            Edge::Close(n) if skipping == Some(n.id()) => skipping = None,
            _ => {}
        }
    }
    super::text::clean_line(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_follow_blocks_and_skip_scripts() {
        let doc = scraper::Html::parse_document(
            "<html><head><title>T</title></head><body><div>Eins <span>halb</span>\
             <p>Zwei</p>Drei<script>x()</script></div><table><tr><td>A</td><td>B</td></tr>\
             </table><p>Zeile\n  eins<br>\n  Zeile zwei</p></body></html>",
        );
        let got = paragraphs(doc.tree.root(), &|_| false);
        assert_eq!(
            got,
            [
                "Eins halb",
                "Zwei",
                "Drei",
                "A",
                "B",
                "Zeile eins\nZeile zwei"
            ]
        );
    }

    #[test]
    fn line_text_joins_blocks_with_spaces() {
        let doc =
            scraper::Html::parse_fragment("<h1>E-Government:<br>Bayern <b>kooperiert</b></h1>");
        assert_eq!(
            line_text(doc.tree.root()),
            "E-Government: Bayern kooperiert"
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // Parsed without the nesting cap, so the walk really meets a 5,000-deep tree.
        let n = 5_000;
        let html = format!(
            "{}<p>Tief verschachtelt.</p>{}",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        let doc = scraper::Html::parse_document(&html);
        assert_eq!(line_text(doc.tree.root()), "Tief verschachtelt.");
        assert_eq!(
            paragraphs(doc.tree.root(), &|_| false),
            ["Tief verschachtelt."]
        );
    }
}
