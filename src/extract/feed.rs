//! Feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into `Candidate`s, via feed-rs.
//!
//! Owns the mapping from feed entries to candidates: which link is the article, relative links
//! resolved against the feed URL, titles as plain text, summaries as plain text, categories as
//! tags, German or RFC dates. It must never return an entry without an http(s) link, the same
//! link twice, or markup in a title or summary.

use feed_rs::model::{Entry, Link};
use url::Url;

use super::canonical::clean;
use super::dom::{html_fragment_to_text, inline_text};
use super::feed_lenient::{self as lenient, RawEntry};
use super::feed_repair as repair;
use super::text::clean_line;
use super::{ExtractError, base_url, dates};
use crate::model::Candidate;

/// Longest tag (category) kept, in characters.
const MAX_TAG_CHARS: usize = 80;
/// Most tags kept per entry.
const MAX_TAGS: usize = 30;

/// Parses a feed's raw bytes into candidates, in feed order, de-duplicated by link.
/// Entries without any usable link are skipped. `published` falls back to `updated` (Atom
/// entries often carry only `updated`). Same as [`parse_feed_as`] without a Content-Type.
pub fn parse_feed(bytes: &[u8], feed_url: &str) -> Result<Vec<Candidate>, ExtractError> {
    parse_feed_as(bytes, feed_url, None)
}

/// Parses a feed served with `content_type` (the HTTP header, whose `charset` decodes a feed
/// whose XML declares none). The bytes are turned into UTF-8 first (UTF-16/32, 8-bit
/// charsets), read by feed-rs, and, when feed-rs refuses the document or loses entries'
/// links, by the [lenient reader](super::feed_lenient) as well; the reading with more linked
/// entries wins. A rejected document's error names what is wrong with it.
pub fn parse_feed_as(
    bytes: &[u8],
    feed_url: &str,
    content_type: Option<&str>,
) -> Result<Vec<Candidate>, ExtractError> {
    let base = base_url(feed_url)?;
    let utf8 = repair::to_utf8(bytes, content_type);
    // feed-rs drops some entries silently (RSS 1.0 items without <link>), so the lenient
    // reader always runs too; it is a single linear pass.
    let strict = read_leniently(&utf8, feed_url)
        .map(|feed| dedup(feed.entries.iter().filter_map(|e| candidate(e, &base))));
    let text = String::from_utf8_lossy(&utf8);
    if text.trim_start().starts_with('{') {
        // JSON Feed: feed-rs is the only reader.
        return strict.map_err(|reason| ExtractError::Feed {
            url: feed_url.to_string(),
            reason,
        });
    }
    let walk = lenient::walk(&text);
    let found = dedup(walk.entries.iter().filter_map(|r| raw_candidate(r, &base)));
    match strict {
        Ok(c) if c.len() >= found.len() => Ok(c),
        Ok(_) => Ok(found),
        Err(_) if !found.is_empty() => {
            tracing::debug!(url = feed_url, "feed read by the lenient reader");
            Ok(found)
        }
        Err(_) if walk.is_feed_root() && walk.error.is_none() => Ok(found),
        Err(e) => Err(ExtractError::Feed {
            url: feed_url.to_string(),
            // feed-rs's own complaint only where it adds something ("no root element" is
            // what it says about anything it cannot start to read).
            reason: if e.contains("no root element") {
                walk.diagnosis(&text)
            } else {
                format!("{} (feed-rs: {e})", walk.diagnosis(&text))
            },
        }),
    }
}

/// Whether `bytes` look like a feed by their content, whatever the Content-Type says: the
/// first element (after the XML declaration, comments and doctype; in any encoding and with
/// any namespace prefix) is `<rss>`, `<feed>`, `<rdf:RDF>` or `<channel>`, or the body is a
/// JSON Feed. Reads at most the first 8 KiB.
pub fn looks_like_feed(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8 << 10)];
    let utf8 = repair::to_utf8(head, None);
    let text = String::from_utf8_lossy(&utf8);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        return trimmed.contains("jsonfeed.org/version");
    }
    lenient::walk(trimmed).is_feed_root()
}

/// Candidates in order, the first of each link kept.
fn dedup(all: impl Iterator<Item = Candidate>) -> Vec<Candidate> {
    let mut seen = std::collections::HashSet::new();
    all.filter(|c| seen.insert(c.url.clone())).collect()
}

/// Parses with feed-rs; if that fails, retries on [`repair::repaired`] bytes the way lenient
/// readers recover (bare `&`, a download cut off mid-entry). The first error is reported when
/// no repair helps. A panic inside feed-rs counts as a failure.
fn read_leniently(bytes: &[u8], feed_url: &str) -> Result<feed_rs::model::Feed, String> {
    let parse = |b: &[u8]| {
        std::panic::catch_unwind(|| {
            feed_rs::parser::Builder::new()
                .base_uri(Some(feed_url))
                .timestamp_parser(dates::parse_date)
                .build()
                .parse(b)
                .map_err(|e| e.to_string())
        })
        .unwrap_or_else(|_| Err("feed-rs panicked".to_string()))
    };
    let bytes = repair::atom03_as_atom10(bytes);
    let first = match parse(&bytes) {
        Ok(feed) => return Ok(feed),
        Err(e) => e,
    };
    for fixed in repair::repaired(&bytes) {
        if let Ok(feed) = parse(&fixed) {
            tracing::debug!(url = feed_url, error = %first, "feed read after repair");
            return Ok(feed);
        }
    }
    Err(first)
}

/// An entry of the lenient reader as a candidate; `None` without an http(s) link. Links as
/// for feed-rs entries, then an `rdf:about` as the last resort.
fn raw_candidate(r: &RawEntry, base: &Url) -> Option<Candidate> {
    let itself = clean(base.clone()).to_string();
    let alternate = |rel: &Option<String>| {
        rel.as_deref()
            .is_none_or(|r| r.eq_ignore_ascii_case("alternate"))
    };
    let url = r
        .links
        .iter()
        .filter(|(rel, _)| alternate(rel))
        .chain(r.links.iter())
        .find_map(|(_, href)| resolve(href, base).filter(|u| *u != itself))
        .or_else(|| {
            let id = r.id.as_deref()?;
            Url::parse(id.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .map(|u| clean(u).to_string())
        })
        .or_else(|| resolve(r.about.as_deref()?, base).filter(|u| *u != itself))?;
    let published = r.published.as_deref().and_then(dates::parse_date);
    let updated = r.updated.as_deref().and_then(dates::parse_date);
    Some(Candidate {
        url,
        title: r
            .title
            .as_deref()
            .map(inline_text)
            .filter(|t| !t.is_empty()),
        published: published.or(updated),
        updated,
        summary: r
            .summary
            .as_deref()
            .map(html_fragment_to_text)
            .filter(|t| !t.is_empty()),
        content_html: r.content.clone().filter(|b| !b.trim().is_empty()),
        author: r
            .author
            .as_deref()
            .map(clean_line)
            .filter(|n| !n.is_empty()),
        tags: clean_tags(r.categories.iter().map(String::as_str)),
    })
}

/// One entry as a candidate; `None` without an http(s) link.
fn candidate(entry: &Entry, base: &Url) -> Option<Candidate> {
    let url = entry_link(entry, base)?;
    let title = entry
        .title
        .as_ref()
        .map(|t| inline_text(&t.content))
        .filter(|t| !t.is_empty());
    let summary = entry
        .summary
        .as_ref()
        .map(|t| html_fragment_to_text(&t.content))
        .filter(|t| !t.is_empty());
    let content_html = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .filter(|b| !b.trim().is_empty());
    let author = entry
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref())
        .map(clean_line)
        .find(|n| !n.is_empty());
    Some(Candidate {
        url,
        title,
        published: entry.published.or(entry.updated),
        updated: entry.updated,
        summary,
        content_html,
        author,
        tags: tags(entry),
    })
}

/// The article link: the first `alternate` (or rel-less) link, else any link, else an id that
/// is itself an http(s) URL (RSS `guid isPermaLink`). A link back to the feed URL itself
/// (what an empty `<link>` becomes) does not count.
fn entry_link(entry: &Entry, base: &Url) -> Option<String> {
    let is_alternate = |l: &&Link| {
        l.rel
            .as_deref()
            .is_none_or(|r| r.eq_ignore_ascii_case("alternate"))
    };
    let itself = clean(base.clone()).to_string();
    let from_links = entry
        .links
        .iter()
        .filter(is_alternate)
        .chain(entry.links.iter())
        // An empty or `.` link resolves to the feed itself, which is never the article.
        .find_map(|l| resolve(&l.href, base).filter(|u| *u != itself));
    from_links.or_else(|| {
        Url::parse(entry.id.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| clean(u).to_string())
    })
}

/// Resolves a possibly relative link; only http(s) results.
fn resolve(href: &str, base: &Url) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let u = base.join(href).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| clean(u).to_string())
}

/// Category labels (or terms) as tags, cleaned and de-duplicated by the one tag key
/// ([`crate::text::tag_key`]).
fn tags(entry: &Entry) -> Vec<String> {
    clean_tags(
        entry
            .categories
            .iter()
            .map(|c| c.label.as_deref().unwrap_or(&c.term)),
    )
}

/// Raw category texts as tags: plain text, not too long, de-duplicated case-insensitively.
fn clean_tags<'a>(raw: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in raw {
        let tag = inline_text(raw);
        if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS {
            continue;
        }
        let key = crate::text::tag_key(&tag);
        if !key.is_empty() && !out.iter().any(|t| crate::text::tag_key(t) == key) {
            out.push(tag);
        }
        if out.len() >= MAX_TAGS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Staatskanzlei</title><link>https://land.test/</link>
<description>Pressemitteilungen</description>
<item><title>Neue &lt;b&gt;Servicekonten&lt;/b&gt; für alle</title>
  <link>/presse/servicekonto.html?utm_source=rss</link>
  <description>&lt;p&gt;Erster Absatz.&lt;/p&gt;&lt;p&gt;Zweiter Absatz.&lt;/p&gt;</description>
  <category>Digitalisierung</category><category>digitalisierung</category><category>OZG</category>
  <pubDate>Wed, 03 Feb 2021 10:30:00 +0100</pubDate></item>
<item><title>Doppelt</title><link>https://land.test/presse/servicekonto.html</link></item>
<item><title>Ohne Link</title><description>Kein Link hier.</description></item>
<item><title>Deutsches Datum</title><link>relativ.html</link><pubDate>03.02.2021</pubDate></item>
<item><title>Nur GUID</title><guid isPermaLink="true">https://land.test/guid.html</guid></item>
<item><title>Schlechter Link</title><link>javascript:alert(1)</link></item>
</channel></rss>"#;

    #[test]
    fn atom_links_resolve_against_xml_base() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.land.test/presse/">
  <title>Presse</title><id>urn:x</id><updated>2031-03-01T10:00:00Z</updated>
  <entry><title>Relativ zur Feed-Basis</title><id>urn:1</id><updated>2031-03-01T10:00:00Z</updated>
    <link href="2031/eins.html"/></entry>
  <entry xml:base="https://www.land.test/archiv/"><title>Eigene Basis</title><id>urn:2</id>
    <updated>2031-03-02T10:00:00Z</updated><link href="zwei.html"/></entry>
</feed>"#;
        let got = parse_feed(atom.as_bytes(), "https://cdn.test/feeds/atom.xml").expect("parses");
        let urls: Vec<&str> = got.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://www.land.test/presse/2031/eins.html",
                "https://www.land.test/archiv/zwei.html"
            ]
        );
    }

    #[test]
    fn rss_entries_become_candidates() {
        let got =
            parse_feed(FEED.as_bytes(), "https://land.test/feed/rss.xml").expect("feed parses");
        let urls: Vec<&str> = got.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://land.test/presse/servicekonto.html",
                "https://land.test/feed/relativ.html",
                "https://land.test/guid.html"
            ]
        );
        let first = &got[0];
        assert_eq!(first.title.as_deref(), Some("Neue Servicekonten für alle"));
        assert_eq!(
            first.summary.as_deref(),
            Some("Erster Absatz.\n\nZweiter Absatz.")
        );
        assert_eq!(first.tags, ["Digitalisierung", "OZG"]);
        let pubd = first.published.map(|d| d.to_rfc3339());
        assert_eq!(pubd.as_deref(), Some("2021-02-03T09:30:00+00:00"));
        let german = got[1].published.map(|d| d.format("%Y-%m-%d").to_string());
        assert_eq!(german.as_deref(), Some("2021-02-03"));
    }

    #[test]
    fn atom_with_content_and_author() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id>
<updated>2021-02-03T10:00:00Z</updated>
<entry><title type="html">A &amp;amp; B</title><id>urn:1</id>
<link rel="alternate" href="https://bund.test/a"/><updated>2021-02-03T10:00:00Z</updated>
<author><name> Pressestelle </name></author>
<content type="html">&lt;p&gt;Voll&lt;/p&gt;</content></entry></feed>"#;
        let got = parse_feed(atom.as_bytes(), "https://bund.test/atom").expect("atom parses");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].title.as_deref(), Some("A & B"));
        assert_eq!(got[0].author.as_deref(), Some("Pressestelle"));
        assert_eq!(got[0].content_html.as_deref(), Some("<p>Voll</p>"));
        assert!(got[0].published.is_some(), "falls back to updated");
    }

    #[test]
    fn garbage_and_bad_urls_are_errors() {
        for bytes in [
            &b""[..],
            b"<html><body>no feed</body></html>",
            b"\xff\xfe\x00garbage",
        ] {
            assert!(matches!(
                parse_feed(bytes, "https://a.test/feed"),
                Err(ExtractError::Feed { .. })
            ));
        }
        assert!(matches!(
            parse_feed(FEED.as_bytes(), "feed.xml"),
            Err(ExtractError::BadUrl { .. })
        ));
    }

    #[test]
    fn hostile_entities_do_not_expand_or_leak() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hostile/");
        let xxe = std::fs::read(format!("{dir}external-entity.xml")).expect("fixture");
        if let Ok(items) = parse_feed(&xxe, "http://127.0.0.1/feed") {
            for c in items {
                let all = format!("{:?}", c);
                assert!(!all.contains("root:"), "local file leaked: {all}");
            }
        }
        let laughs = std::fs::read(format!("{dir}billion-laughs.xml")).expect("fixture");
        if let Ok(items) = parse_feed(&laughs, "http://127.0.0.1/feed") {
            for c in &items {
                let size = c.title.as_ref().map_or(0, String::len)
                    + c.summary.as_ref().map_or(0, String::len);
                assert!(size < 100_000, "entity expansion blew up");
            }
            assert!(
                items.iter().any(|c| c.url == "http://127.0.0.1/b"),
                "harmless item arrives"
            );
        }
    }
}
