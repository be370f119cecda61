//! The lenient feed reader: a namespace-blind quick-xml walk that finds `<item>` and `<entry>`
//! elements wherever they are and reads their fields by local name, the way Python's
//! feedparser does. It reads what feed-rs refuses or reads without links: `<rss>` without a
//! version or with 0.93/0.94/2.01, RSS 2.0 in the UserLand namespace, RSS 1.0 items known
//! only by `rdf:about`, Atom `<link>` with the URL as element text, `<link href>` in RSS
//! items, unexpected attributes and foreign namespaces.
//!
//! Owns the walk, the field names it knows and the diagnosis of a document that is no feed
//! (a reason naming what is wrong, never "no root element"). It never expands entities other
//! than XML's five and character references (undeclared ones are kept as text for the HTML
//! clean-up to decode), reads no DTD, stops at the first XML error keeping the entries
//! completed before it, and is linear in the input.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Most entries read from one document (a far larger cap than any listing needs; the crawler
/// caps further with `max_items_per_source`).
const MAX_ENTRIES: usize = 50_000;
/// Longest text kept for one field, in bytes (bounds memory on hostile input).
const MAX_FIELD_BYTES: usize = 1 << 20;

/// One entry as found: raw field texts, XML entities resolved, HTML not yet cleaned.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct RawEntry {
    /// `<title>`.
    pub title: Option<String>,
    /// Links in document order: (`rel`, URL), from `href` attributes or element text.
    pub links: Vec<(Option<String>, String)>,
    /// The item's `rdf:about` (RSS 1.0), a link of last resort.
    pub about: Option<String>,
    /// `<guid>` or `<id>`.
    pub id: Option<String>,
    /// `<description>`, `<summary>`, `<abstract>`.
    pub summary: Option<String>,
    /// `<content>`, `<content:encoded>`, `<body>`.
    pub content: Option<String>,
    /// `<pubDate>`, `<published>`, `<issued>`, `<dc:date>`, `<created>`.
    pub published: Option<String>,
    /// `<updated>`, `<modified>`.
    pub updated: Option<String>,
    /// `<category>` text or `term`/`label`, `<dc:subject>`.
    pub categories: Vec<String>,
    /// `<author>` (its `<name>` if it has one), `<dc:creator>`.
    pub author: Option<String>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub(super) struct Walk {
    /// The entries, in document order.
    pub entries: Vec<RawEntry>,
    /// Local name of the root element, lowercased; `None` when there is no element.
    pub root: Option<String>,
    /// The XML error that stopped the walk, with its line.
    pub error: Option<String>,
}

impl Walk {
    /// Whether the root element is one a feed starts with.
    pub fn is_feed_root(&self) -> bool {
        self.root
            .as_deref()
            .is_some_and(|r| matches!(r, "rss" | "feed" | "rdf" | "channel" | "scriptingnews"))
    }

    /// Why the document is not a readable feed, naming what is wrong.
    pub fn diagnosis(&self, text: &str) -> String {
        match (&self.root, &self.error) {
            (None, Some(e)) => format!("not XML: {e}"),
            (None, None) if text.trim().is_empty() => "the document is empty".into(),
            (None, None) => {
                let start: String = text.trim_start().chars().take(40).collect();
                format!("no XML element found (the document starts with {start:?})")
            }
            (Some(r), _) if r == "html" => "an HTML page, not a feed".into(),
            (Some(r), _) if !self.is_feed_root() => {
                format!("the root element is <{r}>, not <rss>, <feed> or <rdf:RDF>")
            }
            (Some(_), Some(e)) => format!("XML error before the first entry: {e}"),
            (Some(r), None) => format!("<{r}> holds no <item> or <entry> elements"),
        }
    }
}

/// Which field an element of an entry fills, by lowercased local name.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    Title,
    Link,
    Id,
    Summary,
    Content,
    Published,
    Updated,
    Category,
    Author,
    Other,
}

fn field(local: &str) -> Field {
    match local {
        "title" => Field::Title,
        "link" => Field::Link,
        "guid" | "id" => Field::Id,
        "description" | "summary" | "abstract" => Field::Summary,
        "content" | "encoded" | "body" => Field::Content,
        "pubdate" | "published" | "issued" | "date" | "created" => Field::Published,
        "updated" | "modified" => Field::Updated,
        "category" | "subject" => Field::Category,
        "author" | "creator" => Field::Author,
        _ => Field::Other,
    }
}

/// The element of an entry being read (a direct child of `<item>`/`<entry>`).
struct Open {
    field: Field,
    /// Depth of the element in the document.
    depth: usize,
    text: String,
    /// `rel` and `href` of a `<link>`; `term`/`label` of a `<category>`.
    rel: Option<String>,
    href: Option<String>,
    /// The text of a nested `<name>` (Atom author).
    name: Option<String>,
    in_name: bool,
}

/// The walk's state between events.
#[derive(Default)]
struct State {
    out: Walk,
    depth: usize,
    /// Depth of the open `<item>`/`<entry>`, and what it has collected so far.
    entry: Option<(usize, RawEntry)>,
    /// The child element of the entry being read.
    open: Option<Open>,
}

impl State {
    /// An element starts (`empty`: `<x/>`, which has no end event).
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) {
        let local = local(e);
        if self.out.root.is_none() {
            self.out.root = Some(local.clone());
        }
        let here = self.depth + 1;
        if !empty {
            self.depth = here;
        }
        if let Some(o) = &mut self.open {
            if o.field == Field::Author && local == "name" && !empty {
                o.in_name = true;
            }
            return;
        }
        match &mut self.entry {
            None if matches!(local.as_str(), "item" | "entry") => {
                let raw = RawEntry {
                    about: attr(e, "about"),
                    ..RawEntry::default()
                };
                if empty {
                    self.out.entries.push(raw);
                } else {
                    self.entry = Some((here, raw));
                }
            }
            Some((entry_depth, raw)) if here == *entry_depth + 1 => {
                let href = attr(e, "href").or_else(|| {
                    attr(e, "term")
                        .filter(|_| local == "category")
                        .map(|t| attr(e, "label").unwrap_or(t))
                });
                let o = Open {
                    field: field(&local),
                    depth: here,
                    text: String::new(),
                    rel: attr(e, "rel"),
                    href,
                    name: None,
                    in_name: false,
                };
                if empty {
                    close(raw, o);
                } else {
                    self.open = Some(o);
                }
            }
            _ => {}
        }
    }

    /// An element ends.
    fn end(&mut self) {
        if let Some(o) = &mut self.open {
            o.in_name = false;
        }
        if self.open.as_ref().is_some_and(|o| o.depth == self.depth)
            && let (Some(o), Some((_, raw))) = (self.open.take(), &mut self.entry)
        {
            close(raw, o);
        }
        if self.entry.as_ref().is_some_and(|(d, _)| *d == self.depth)
            && let Some((_, raw)) = self.entry.take()
        {
            self.out.entries.push(raw);
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

/// Walks `text` and returns every entry with the root element and the error that stopped
/// the walk, if any.
pub(super) fn walk(text: &str) -> Walk {
    let mut reader = Reader::from_str(text);
    {
        let c = reader.config_mut();
        c.check_end_names = false;
        c.allow_unmatched_ends = true;
        c.check_comments = false;
    }
    let mut st = State::default();
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                st.out.error = Some(format!(
                    "line {}: {e}",
                    line_of(text, reader.error_position())
                ));
                break;
            }
        };
        match event {
            Event::Start(e) => st.start(&e, false),
            Event::Empty(e) => st.start(&e, true),
            Event::End(_) => {
                st.end();
                if st.out.entries.len() >= MAX_ENTRIES {
                    break;
                }
            }
            Event::Text(t) => {
                let t = t.xml10_content();
                if let Some(o) = &mut st.open {
                    push(o, &t);
                } else if st.out.root.is_none() && !t.trim().is_empty() {
                    // Text before any element: not XML that can be read as a feed.
                    break;
                }
            }
            Event::CData(t) => {
                if let Some(o) = &mut st.open {
                    push(o, &t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(o) = &mut st.open {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => push(o, c.encode_utf8(&mut [0; 4])),
                        _ => {
                            let name = r.xml10_content();
                            match name.as_ref() {
                                "amp" => push(o, "&"),
                                "lt" => push(o, "<"),
                                "gt" => push(o, ">"),
                                "quot" => push(o, "\""),
                                "apos" => push(o, "'"),
                                // An HTML entity (`&nbsp;`): kept for the HTML clean-up.
                                other => push(o, &format!("&{other};")),
                            }
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    st.out
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_ascii_lowercase()
}

/// The value of the attribute with this local name (any prefix), entities resolved where
/// possible, trimmed; `None` when absent or blank.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        if !a.key.local_name().as_ref().eq_ignore_ascii_case(name) {
            return None;
        }
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| a.value.to_string());
        let v = v.trim().to_string();
        (!v.is_empty()).then_some(v)
    })
}

fn push(o: &mut Open, s: &str) {
    let target = if o.in_name {
        o.name.get_or_insert_with(String::new)
    } else {
        &mut o.text
    };
    if target.len() + s.len() <= MAX_FIELD_BYTES {
        target.push_str(s);
    }
}

/// Stores a finished child element in its entry (first occurrence wins, except for links and
/// categories, which collect).
fn close(raw: &mut RawEntry, o: Open) {
    let text = o.text.trim().to_string();
    let text = (!text.is_empty()).then_some(text);
    let first = |slot: &mut Option<String>, v: Option<String>| {
        if slot.is_none() {
            *slot = v;
        }
    };
    match o.field {
        Field::Title => first(&mut raw.title, text),
        // The element text wins over `href` for RSS; Atom has only `href`.
        Field::Link => {
            if let Some(url) = text.or(o.href) {
                raw.links.push((o.rel, url));
            }
        }
        Field::Id => first(&mut raw.id, text),
        Field::Summary => first(&mut raw.summary, text),
        Field::Content => first(&mut raw.content, text),
        Field::Published => first(&mut raw.published, text),
        Field::Updated => first(&mut raw.updated, text),
        Field::Category => {
            if let Some(c) = o.href.or(text) {
                raw.categories.push(c);
            }
        }
        Field::Author => {
            let name = o
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty());
            first(&mut raw.author, name.or(text));
        }
        Field::Other => {}
    }
}

fn line_of(text: &str, pos: u64) -> usize {
    let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
    text.as_bytes()[..pos]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_by_local_name_in_any_namespace() {
        let w = walk(
            r#"<?xml version="1.0"?><rss xmlns:x="urn:x"><channel><title>c</title>
<item><title type="text/plain">A &amp; B &nbsp;&#228;</title><link href="https://a.test/1"/>
<x:foo><title>nested, ignored</title></x:foo><dc:creator>Amt</dc:creator>
<category term="t1"/><category>t2</category><pubDate>heute</pubDate></item>
<entry><author><name>N</name><email>e@x</email></author><link>https://a.test/2</link></entry>
<item rdf:about="https://a.test/3"><title><![CDATA[<b>C</b>]]></title></item>
</channel></rss>"#,
        );
        assert_eq!(w.root.as_deref(), Some("rss"));
        assert!(w.error.is_none(), "{:?}", w.error);
        assert_eq!(w.entries.len(), 3);
        let a = &w.entries[0];
        assert_eq!(a.title.as_deref(), Some("A & B &nbsp;ä"));
        assert_eq!(a.links, [(None, "https://a.test/1".to_string())]);
        assert_eq!(a.author.as_deref(), Some("Amt"));
        assert_eq!(a.categories, ["t1", "t2"]);
        assert_eq!(a.published.as_deref(), Some("heute"));
        assert_eq!(w.entries[1].author.as_deref(), Some("N"));
        assert_eq!(w.entries[1].links[0].1, "https://a.test/2");
        assert_eq!(w.entries[2].about.as_deref(), Some("https://a.test/3"));
        assert_eq!(w.entries[2].title.as_deref(), Some("<b>C</b>"));
    }

    #[test]
    fn a_broken_document_keeps_the_entries_before_the_break() {
        let w = walk(
            "<rss><channel><item><link>https://a.test/1</link></item><item><link>https://a.te",
        );
        assert_eq!(w.entries.len(), 1);
        let w = walk("<rss><channel><item><link>https://a.test/1</link></item><item a='1' a='2'>");
        assert_eq!(w.entries.len(), 1);
    }

    #[test]
    fn diagnoses_name_what_is_wrong() {
        let cases = [
            ("", "empty"),
            ("hello world", "no XML element"),
            ("<html><body>x</body></html>", "HTML page"),
            ("<opml><body/></opml>", "root element is <opml>"),
            (
                "<rss><channel><title>x</title></channel></rss>",
                "no <item> or <entry>",
            ),
        ];
        for (text, want) in cases {
            let d = walk(text).diagnosis(text);
            assert!(d.contains(want), "{text:?}: {d}");
        }
    }
}
