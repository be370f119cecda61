//! Feed discovery: the `<link rel="alternate" type="application/rss+xml">` elements of a page.
//!
//! Owns which link types count as feeds. It must never return a non-http(s) URL or the same URL
//! twice.

use scraper::Selector;

/// MIME types of syndication feeds.
fn is_feed_type(t: &str) -> bool {
    let t = t.trim().to_ascii_lowercase();
    let t = t.split(';').next().unwrap_or_default().trim();
    matches!(
        t,
        "application/rss+xml"
            | "application/atom+xml"
            | "application/rdf+xml"
            | "application/feed+json"
            | "application/json"
            | "text/xml"
            | "application/xml"
    )
}

/// Absolute feed URLs advertised by the page at `page_url`, in document order, de-duplicated.
pub fn feed_links(html: &str, page_url: &str) -> Vec<String> {
    let Ok(page) = url::Url::parse(page_url) else {
        return Vec::new();
    };
    let base = super::links::document_base(html, &page);
    let Ok(sel) = Selector::parse("link[href]") else {
        return Vec::new();
    };
    let reads = super::dom::Reads::attrs(super::dom::DISCOVERY_ATTRS);
    let doc = super::dom::parse_document(html, &reads);
    let mut out: Vec<String> = Vec::new();
    for link in doc.select(&sel) {
        let rel = link.attr("rel").unwrap_or_default();
        let is_alternate = rel
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("alternate"));
        if !is_alternate || !link.attr("type").is_some_and(is_feed_type) {
            continue;
        }
        let Some(href) = link.attr("href") else {
            continue;
        };
        let Ok(u) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(u.scheme(), "http" | "https") {
            continue;
        }
        let s = u.to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rss_atom_and_json_feeds() {
        let html = r#"<html><head>
            <link rel="alternate" type="application/rss+xml" href="/feed/rss.xml">
            <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="atom.xml">
            <link rel="alternate" type="application/feed+json" href="https://cdn.test/f.json">
            <link rel="alternate" type="application/rss+xml" href="/feed/rss.xml">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link rel="alternate" hreflang="en" href="/en/">
            <link rel="stylesheet" type="text/css" href="/s.css">
            </head><body></body></html>"#;
        assert_eq!(
            feed_links(html, "https://land.test/presse/index.html"),
            [
                "https://land.test/feed/rss.xml",
                "https://land.test/presse/atom.xml",
                "https://cdn.test/f.json"
            ]
        );
        assert!(feed_links(html, "not a url").is_empty());
        assert!(feed_links("", "https://a.test/").is_empty());
    }
}
