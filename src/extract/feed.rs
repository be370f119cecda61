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
/// entries often carry only `updated`).
pub fn parse_feed(bytes: &[u8], feed_url: &str) -> Result<Vec<Candidate>, ExtractError> {
    let base = base_url(feed_url)?;
    let feed = read_leniently(bytes, feed_url)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(feed.entries.len());
    for entry in &feed.entries {
        let Some(candidate) = candidate(entry, &base) else {
            continue;
        };
        if seen.insert(candidate.url.clone()) {
            out.push(candidate);
        }
    }
    Ok(out)
}

/// Parses with feed-rs; if that fails, retries on [`repair::repaired`] bytes the way lenient
/// readers recover (bare `&`, a download cut off mid-entry). The first error is reported when
/// no repair helps.
fn read_leniently(bytes: &[u8], feed_url: &str) -> Result<feed_rs::model::Feed, ExtractError> {
    let parse = |b: &[u8]| {
        feed_rs::parser::Builder::new()
            .base_uri(Some(feed_url))
            .timestamp_parser(dates::parse_date)
            .build()
            .parse(b)
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
    Err(ExtractError::Feed {
        url: feed_url.to_string(),
        reason: first.to_string(),
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
    let mut out: Vec<String> = Vec::new();
    for c in &entry.categories {
        let raw = c.label.as_deref().unwrap_or(&c.term);
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
