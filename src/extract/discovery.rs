//! Entry point discovery on a site: the feeds a page advertises (`<link rel="alternate"
//! type="application/rss+xml">`), the news list pages its navigation and "Aktuelles" boxes link
//! to, and the sitemaps of its robots.txt and their contents.
//!
//! Owns which link types count as feeds, which link texts and paths mean "the news list", and
//! how a sitemap is read (index, news sitemap, `lastmod`, bounded). It must never return a
//! non-http(s) URL or the same URL twice. Pure: text in, URLs out; fetching is `crawl`'s.

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

/// The site's name as its page gives it: `og:site_name`, else the `<title>` (its last part
/// after " | ", " – " or " - " when there is one, since pages title themselves "Page – Site").
pub fn site_name(html: &str) -> Option<String> {
    let reads = super::dom::Reads::attrs(super::dom::DISCOVERY_ATTRS);
    let doc = super::dom::parse_document(html, &reads);
    let meta = Selector::parse("meta[property][content]").ok()?;
    let og = doc
        .select(&meta)
        .find(|m| m.attr("property") == Some("og:site_name"))
        .and_then(|m| m.attr("content"))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if og.is_some() {
        return og;
    }
    let title = Selector::parse("title").ok()?;
    let t: String = doc.select(&title).next()?.text().collect();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let last = [" | ", " – ", " - ", " :: "]
        .iter()
        .find_map(|sep| t.rsplit_once(sep).map(|(_, last)| last.trim().to_string()))
        .filter(|l| l.chars().count() >= 3);
    last.or(Some(t)).filter(|t| !t.is_empty())
}

/// Words (link texts, last path segments) that name a news list, best first.
const NEWS_WORDS: &[&str] = &[
    "pressemitteilungen",
    "pressemeldungen",
    "medieninformationen",
    "meldungen",
    "aktuelle meldungen",
    "nachrichten",
    "aktuelles",
    "neuigkeiten",
    "news",
    "presse",
    "alle meldungen",
    "alle nachrichten",
    "alle pressemitteilungen",
    "weitere meldungen",
    "weitere nachrichten",
    "mehr meldungen",
    "mehr nachrichten",
    "zum archiv",
    "newsarchiv",
    "pressearchiv",
];

/// List pages linked from one page that are kept at most.
pub const MAX_NEWS_LISTS: usize = 2;

/// How well `text` names a news list: the index of the first matching [`NEWS_WORDS`] entry.
fn news_rank(text: &str) -> Option<usize> {
    let t = text
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    NEWS_WORDS.iter().position(|w| *w == t)
}

/// The news list pages the page at `page_url` links to (navigation, "Aktuelles" boxes, "alle
/// Meldungen" links): same-site links whose text or last path segment is a news word
/// ("Pressemitteilungen", "Aktuelles", "Meldungen", "Nachrichten", "News", "Presse", …), best
/// named first, at most [`MAX_NEWS_LISTS`], never the page itself or another page of its pager.
pub fn news_list_links(html: &str, page_url: &str) -> Vec<String> {
    let Ok(page) = url::Url::parse(page_url) else {
        return Vec::new();
    };
    let base = super::links::document_base(html, &page);
    let Ok(sel) = Selector::parse("a[href]") else {
        return Vec::new();
    };
    let reads = super::dom::Reads::attrs(super::dom::DISCOVERY_ATTRS);
    let doc = super::dom::parse_document(html, &reads);
    let mut ranked: Vec<(usize, usize, String)> = Vec::new();
    for (n, a) in doc.select(&sel).enumerate() {
        if n >= super::autolist::MAX_LINKS {
            break;
        }
        let Some(u) = a.attr("href").and_then(|h| base.join(h.trim()).ok()) else {
            continue;
        };
        if !matches!(u.scheme(), "http" | "https")
            || super::links::site(&u) != super::links::site(&page)
            || super::links::is_pager_link(&u, &page)
        {
            continue;
        }
        let text: String = a.text().collect();
        let segment = u
            .path_segments()
            .and_then(|mut s| s.rfind(|x| !x.is_empty()))
            .unwrap_or_default()
            .split(['.', ';'])
            .next()
            .unwrap_or_default()
            .replace(['-', '_'], " ");
        let Some(rank) = news_rank(&text)
            .or_else(|| a.attr("title").and_then(news_rank))
            .or_else(|| news_rank(&segment))
        else {
            continue;
        };
        let mut u = u;
        u.set_fragment(None);
        let s = u.to_string();
        if !ranked.iter().any(|(_, _, x)| *x == s) {
            ranked.push((rank, n, s));
        }
    }
    ranked.sort();
    ranked
        .into_iter()
        .take(MAX_NEWS_LISTS)
        .map(|(_, _, s)| s)
        .collect()
}

/// The `Sitemap:` lines of a robots.txt, as absolute http(s) URLs (at most 20).
pub fn robots_sitemaps(robots: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in robots.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("sitemap") {
            continue;
        }
        let Ok(u) = url::Url::parse(value.trim()) else {
            continue;
        };
        let s = u.to_string();
        if matches!(u.scheme(), "http" | "https") && !out.contains(&s) && out.len() < 20 {
            out.push(s);
        }
    }
    out
}

/// Page URLs read from one sitemap at most; the rest are left (and [`Sitemap::truncated`] says
/// so).
pub const MAX_SITEMAP_URLS: usize = 5000;

/// Bytes a gzip sitemap may inflate to; a larger one (a "gzip bomb") is cut there and warned
/// about.
pub const MAX_SITEMAP_BYTES: u64 = 16 * 1024 * 1024;

/// One page named by a sitemap.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SitemapUrl {
    /// The page.
    pub loc: String,
    /// Its `lastmod`, or a news sitemap's `publication_date`.
    pub lastmod: Option<chrono::DateTime<chrono::Utc>>,
    /// A news sitemap's `news:title`.
    pub title: Option<String>,
    /// True for an entry of a news sitemap (`<news:news>`).
    pub news: bool,
}

/// What one sitemap document holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sitemap {
    /// Pages (`<urlset>`), in document order.
    pub urls: Vec<SitemapUrl>,
    /// Further sitemaps (`<sitemapindex>`), with their `lastmod`.
    pub sitemaps: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)>,
    /// True when more than [`MAX_SITEMAP_URLS`] entries were listed or the gzip body was cut at
    /// [`MAX_SITEMAP_BYTES`].
    pub truncated: bool,
    /// True when the gzip body inflated past [`MAX_SITEMAP_BYTES`] and was cut there (so the
    /// warning can name the bound that was hit).
    pub inflated_cut: bool,
}

/// Inflates a gzip body (by its magic bytes) up to [`MAX_SITEMAP_BYTES`]; the flag says it was
/// cut. Other bodies are returned as they are.
pub fn gunzip_bounded(bytes: &[u8]) -> (Vec<u8>, bool) {
    use std::io::Read;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return (bytes.to_vec(), false);
    }
    let mut out = Vec::new();
    let mut reader = flate2::read::MultiGzDecoder::new(bytes).take(MAX_SITEMAP_BYTES + 1);
    if reader.read_to_end(&mut out).is_err() && out.is_empty() {
        return (Vec::new(), false);
    }
    let cut = out.len() as u64 > MAX_SITEMAP_BYTES;
    out.truncate(MAX_SITEMAP_BYTES as usize);
    (out, cut)
}

/// Reads a sitemap or sitemap index (gzip allowed), bounded by [`MAX_SITEMAP_URLS`] entries and
/// [`MAX_SITEMAP_BYTES`] inflated bytes; only http(s) URLs are kept. Malformed XML ends the read
/// with what was found.
pub fn parse_sitemap(bytes: &[u8]) -> Sitemap {
    use quick_xml::events::Event;
    let (xml, cut) = gunzip_bounded(bytes);
    let mut out = Sitemap {
        truncated: cut,
        inflated_cut: cut,
        ..Sitemap::default()
    };
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut current = SitemapUrl::default();
    let mut in_index_entry = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_ascii_lowercase();
                match name.as_str() {
                    "url" => current = SitemapUrl::default(),
                    "sitemap" => {
                        current = SitemapUrl::default();
                        in_index_entry = true;
                    }
                    "news" => current.news = true,
                    _ => {}
                }
                path.push(name);
            }
            Ok(Event::End(_)) => {
                let name = path.pop().unwrap_or_default();
                let entries = out.urls.len() + out.sitemaps.len();
                let usable = url::Url::parse(current.loc.trim())
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"));
                match (name.as_str(), usable) {
                    ("url", Some(u)) if !in_index_entry => {
                        if entries >= MAX_SITEMAP_URLS {
                            out.truncated = true;
                            break;
                        }
                        current.loc = u.to_string();
                        out.urls.push(std::mem::take(&mut current));
                    }
                    ("sitemap", Some(u)) => {
                        in_index_entry = false;
                        if entries >= MAX_SITEMAP_URLS {
                            out.truncated = true;
                            break;
                        }
                        out.sitemaps.push((u.to_string(), current.lastmod));
                        current = SitemapUrl::default();
                    }
                    ("sitemap", None) => in_index_entry = false,
                    _ => {}
                }
            }
            Ok(Event::Text(t)) => {
                push_text(
                    &mut current,
                    path.last().map(String::as_str),
                    &t.xml10_content(),
                );
            }
            Ok(Event::CData(t)) => {
                push_text(
                    &mut current,
                    path.last().map(String::as_str),
                    &t.xml10_content(),
                );
            }
            Ok(Event::GeneralRef(r)) => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match r.xml10_content().as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        _ => String::new(),
                    },
                };
                push_text(&mut current, path.last().map(String::as_str), &text);
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

fn push_text(current: &mut SitemapUrl, element: Option<&str>, text: &str) {
    match element {
        Some("loc") => current.loc.push_str(text),
        Some("lastmod") | Some("publication_date") => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
                current.lastmod = Some(t.with_timezone(&chrono::Utc));
            } else if let Ok(d) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
                current.lastmod = d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
            }
        }
        Some("title") => {
            let t = current.title.get_or_insert_with(String::new);
            t.push_str(text);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_news_list_in_navigation_and_boxes() {
        let html = r#"<html><head><base href="https://stadt.test/"></head><body>
            <nav><a href="rathaus/">Rathaus</a> <a href="buergerservice/">Bürgerservice</a>
            <a href="aktuelles/">Aktuelles</a></nav>
            <div class="box"><h2>Neues aus der Stadt</h2><a href="aktuelles/meldungen/">Alle Meldungen »</a></div>
            <a href="https://other.test/presse/">Presse</a><a href="index.html?page=2">News</a>
            </body></html>"#;
        assert_eq!(
            news_list_links(html, "https://stadt.test/index.html"),
            [
                "https://stadt.test/aktuelles/",
                "https://stadt.test/aktuelles/meldungen/"
            ]
        );
        let by_path = r#"<a href="/DE/presse/pressemitteilungen.html">Mehr</a>"#;
        assert_eq!(
            news_list_links(by_path, "https://bund.test/DE/Home/home_node.html"),
            ["https://bund.test/DE/presse/pressemitteilungen.html"]
        );
    }

    #[test]
    fn the_site_name_from_og_or_title() {
        let og = r#"<head><meta property="og:site_name" content=" Stadt Lindenfeld "><title>Start</title></head>"#;
        assert_eq!(site_name(og).as_deref(), Some("Stadt Lindenfeld"));
        let title = "<head><title>Start &#8211; Landkreis Musterheide</title></head>";
        assert_eq!(site_name(title).as_deref(), Some("Landkreis Musterheide"));
        assert_eq!(
            site_name("<title>Gemeinde Au</title>").as_deref(),
            Some("Gemeinde Au")
        );
        assert_eq!(site_name("<p>nichts</p>"), None);
    }

    #[test]
    fn reads_sitemaps_indexes_and_news_sitemaps_bounded() {
        assert_eq!(
            robots_sitemaps(
                "User-agent: *\nSitemap: https://a.test/sitemap.xml\nsitemap:https://a.test/news.xml\nSitemap: ftp://x\n"
            ),
            ["https://a.test/sitemap.xml", "https://a.test/news.xml"]
        );
        let index = r#"<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>https://a.test/s1.xml</loc><lastmod>2031-03-02</lastmod></sitemap>
            <sitemap><loc>javascript:x</loc></sitemap></sitemapindex>"#;
        let s = parse_sitemap(index.as_bytes());
        assert_eq!(s.sitemaps.len(), 1);
        assert_eq!(s.sitemaps[0].0, "https://a.test/s1.xml");
        let news = r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
            <url><loc>https://a.test/p/1.html</loc><news:news><news:publication_date>2031-03-02T10:15:00+01:00</news:publication_date><news:title>Neue Kita &amp; Schule</news:title></news:news></url>
            <url><loc>https://a.test/impressum</loc><lastmod>2030-01-01</lastmod></url></urlset>"#;
        let s = parse_sitemap(news.as_bytes());
        assert_eq!(s.urls.len(), 2);
        assert!(s.urls[0].news && !s.urls[1].news);
        assert_eq!(s.urls[0].title.as_deref(), Some("Neue Kita & Schule"));
        assert_eq!(
            s.urls[0].lastmod.map(|t| t.to_rfc3339()).as_deref(),
            Some("2031-03-02T09:15:00+00:00")
        );
        // 50,000 entries: the first MAX_SITEMAP_URLS are kept.
        let many: String = (0..50_000)
            .map(|i| format!("<sitemap><loc>https://a.test/s{i}.xml</loc></sitemap>"))
            .collect();
        let s = parse_sitemap(format!("<sitemapindex>{many}</sitemapindex>").as_bytes());
        assert!(s.truncated);
        assert_eq!(s.sitemaps.len(), MAX_SITEMAP_URLS);
        // A gzip bomb: inflation stops at MAX_SITEMAP_BYTES.
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..40 {
            gz.write_all(&zeros).expect("gzip");
        }
        let bomb = gz.finish().expect("gzip");
        assert!(bomb.len() < 200_000);
        let (inflated, cut) = gunzip_bounded(&bomb);
        assert!(cut);
        assert_eq!(inflated.len() as u64, MAX_SITEMAP_BYTES);
        assert!(parse_sitemap(&bomb).truncated);
    }

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
