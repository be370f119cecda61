//! List pages without selectors: the teasers found by their repeated structure.
//!
//! A news list is a run of alike blocks (`<div class="teaser">`, `<li>`, `<tr>`, `<article>`)
//! each holding one link to an article page of the same site, a headline, usually a date and a
//! lead. This module finds them: every link that may lead to an article ([`is_article_link`]:
//! same site, no download, feed, tag, search or legal page, not the list's own pager) outside
//! navigation, header, footer and aside gets its block, the largest ancestor holding no other
//! article link; blocks are grouped by their tag/class shape, and the group that looks most like
//! headlines with dates wins (plus other groups that are dated too). Selectors, where a source
//! configures them, win over this ([`super::parse_listing`]). Pure, bounded: a page with more
//! than [`MAX_LINKS`] links is read up to that many and says so.

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::{ElementRef, Selector};

use super::canonical::clean;
use super::dom::line_text;
use super::links::{document_base, is_article_link, next_in, site};
use super::listing::{element_date, summary};
use super::{ExtractError, base_url, dates};
use crate::model::Candidate;

/// Links read per page; the rest are ignored (and [`AutoListing::truncated`] says so).
pub const MAX_LINKS: usize = 5000;

/// Attributes this module reads.
pub(crate) const AUTO_ATTRS: &[&str] = &[
    "class",
    "id",
    "href",
    "title",
    "datetime",
    "content",
    "rel",
    "role",
    "aria-current",
];

/// What an automatic read of a list page found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutoListing {
    /// The teasers, in document order, one per article URL.
    pub candidates: Vec<Candidate>,
    /// The next page of the list, if the page has a pager.
    pub next: Option<String>,
    /// True when the page had more than [`MAX_LINKS`] links and only the first were read.
    pub truncated: bool,
    /// Links on the page that lead to the same site at all (0 with only off-site links).
    pub same_site_links: usize,
}

/// Reads the teasers of the list page `html` fetched from `page_url` without selectors.
pub fn auto_listing(html: &str, page_url: &str) -> Result<AutoListing, ExtractError> {
    let page = base_url(page_url)?;
    let base = document_base(html, &page);
    let reads = super::dom::Reads::attrs(AUTO_ATTRS);
    let doc = super::dom::parse_document(html, &reads);
    let anchors = super::selector("link", "a[href]")?;
    let mut out = AutoListing {
        next: next_in(&doc, &base, &page).map(|u| u.to_string()),
        ..AutoListing::default()
    };
    // Article links: (anchor, url index).
    let mut urls: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut links: Vec<(ElementRef<'_>, usize)> = Vec::new();
    for (n, a) in doc.select(&anchors).enumerate() {
        if n >= MAX_LINKS {
            out.truncated = true;
            break;
        }
        let Some(u) = a.attr("href").and_then(|h| base.join(h.trim()).ok()) else {
            continue;
        };
        if site(&u) == site(&page) {
            out.same_site_links += 1;
        }
        let u = clean(u);
        if !is_article_link(&u, &page) || in_chrome(a) {
            continue;
        }
        let s = u.to_string();
        let next = urls.len();
        let i = *index.entry(s.clone()).or_insert(next);
        if i == next {
            urls.push(s);
        }
        links.push((a, i));
    }
    // Per element: the one article URL below it, or MANY.
    const MANY: usize = usize::MAX;
    let mut below: HashMap<NodeId, usize> = HashMap::new();
    for (a, i) in &links {
        let mut node = Some(**a);
        while let Some(n) = node {
            let e = below.entry(n.id()).or_insert(*i);
            if *e != *i {
                *e = MANY;
            }
            node = n.parent();
        }
    }
    // Each URL's block: the highest ancestor of its first link holding no other article link.
    let mut blocks: Vec<(usize, ElementRef<'_>, ElementRef<'_>)> = Vec::new();
    let mut taken = vec![false; urls.len()];
    for (a, i) in &links {
        if taken[*i] {
            continue;
        }
        taken[*i] = true;
        let mut block = *a;
        while let Some(parent) = block.parent().and_then(ElementRef::wrap) {
            if below.get(&parent.id()) != Some(i)
                || matches!(parent.value().name(), "body" | "html")
            {
                break;
            }
            block = parent;
        }
        blocks.push((*i, *a, block));
    }
    let mut groups: HashMap<String, Vec<Candidate>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let heading = super::selector("title", "h1, h2, h3, h4, h5, h6")?;
    let time = super::selector("time", "time[datetime]")?;
    for (i, a, block) in blocks {
        let key = shape(block);
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        let cand = teaser(&urls[i], a, block, &heading, &time);
        groups.entry(key).or_default().push(cand);
    }
    let scored: Vec<(f64, f64, &String)> = order
        .iter()
        .filter_map(|k| {
            let g = groups.get(k)?;
            let (score, dated) = score(g);
            (score > 0.0).then_some((score, dated, k))
        })
        .collect();
    let best = scored.iter().map(|s| s.0).fold(0.0, f64::max);
    if best <= 0.0 {
        return Ok(out);
    }
    let mut chosen: Vec<Candidate> = Vec::new();
    for (score, dated, key) in scored {
        let winner = score >= best;
        let also = score >= best * 0.5 && dated >= 0.5;
        if (winner || also)
            && let Some(g) = groups.remove(key)
        {
            chosen.extend(g);
        }
    }
    // Document order, as the groups interleave.
    let pos: HashMap<&str, usize> = urls
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    chosen.sort_by_key(|c| pos.get(c.url.as_str()).copied().unwrap_or(usize::MAX));
    out.candidates = chosen;
    Ok(out)
}

/// True inside navigation, header, footer, aside, or an element whose class or id says menu,
/// breadcrumb or pager.
fn in_chrome(a: ElementRef<'_>) -> bool {
    let mut node = a.parent();
    while let Some(n) = node {
        if let Some(e) = ElementRef::wrap(n) {
            let v = e.value();
            // A `<header>` or `<footer>` of an article or section (WordPress's
            // `<header class="entry-header">` holds the headline link) is no page chrome.
            let sectioning = matches!(v.name(), "header" | "footer")
                && e.ancestors()
                    .filter_map(ElementRef::wrap)
                    .any(|p| matches!(p.value().name(), "article" | "section" | "main"));
            if (matches!(v.name(), "nav" | "header" | "footer" | "aside") && !sectioning)
                || v.attr("role")
                    .is_some_and(|r| r.eq_ignore_ascii_case("navigation"))
            {
                return true;
            }
            let words = format!(
                "{} {}",
                v.attr("class").unwrap_or_default(),
                v.attr("id").unwrap_or_default()
            )
            .to_ascii_lowercase();
            if [
                "navigation",
                "navbar",
                "menu",
                "breadcrumb",
                "pagination",
                "pager",
                "footer",
                "skiplink",
                "servicenav",
            ]
            .iter()
            .any(|w| words.contains(w))
            {
                return true;
            }
        }
        node = n.parent();
    }
    false
}

/// The tag/class shape of a block and its two ancestors: alike teasers share it.
fn shape(block: ElementRef<'_>) -> String {
    let mut parts = Vec::new();
    let mut node = Some(*block);
    for _ in 0..3 {
        let Some(n) = node else { break };
        if let Some(e) = ElementRef::wrap(n) {
            let v = e.value();
            parts.push(format!(
                "{}.{}",
                v.name(),
                v.attr("class").unwrap_or_default()
            ));
        }
        node = n.parent();
    }
    parts.join("<")
}

/// How much a group looks like a news list, and the share of its items with a date: items
/// times date weight times headline length; 0 for fewer than two items or titles too short to
/// be headlines (menus, tag clouds).
fn score(g: &[Candidate]) -> (f64, f64) {
    let n = g.len() as f64;
    if g.len() < 2 {
        return (0.0, 0.0);
    }
    let chars: usize = g
        .iter()
        .map(|c| c.title.as_deref().map_or(0, |t| t.chars().count()))
        .sum();
    let mean = chars as f64 / n;
    if mean < 20.0 {
        return (0.0, 0.0);
    }
    let dated = g.iter().filter(|c| c.published.is_some()).count() as f64 / n;
    let led = g.iter().filter(|c| c.summary.is_some()).count() as f64 / n;
    (n * (1.0 + 2.0 * dated + led) * mean.min(80.0) / 80.0, dated)
}

/// One teaser: the block's heading (else the link's text or title) as title, a
/// `<time datetime>` or the first date of the block, the rest of its text as lead.
fn teaser(
    url: &str,
    a: ElementRef<'_>,
    block: ElementRef<'_>,
    heading: &Selector,
    time: &Selector,
) -> Candidate {
    let head = block.select(heading).find(|h| !line_text(**h).is_empty());
    let title_el = head.or(Some(a)).filter(|e| !line_text(**e).is_empty());
    let title = title_el
        .map(|e| line_text(*e))
        .or_else(|| a.attr("title").map(super::text::clean_line))
        .filter(|t| !t.is_empty());
    let date_el = block.select(time).next();
    let published = date_el
        .and_then(element_date)
        .or_else(|| dates::find_date(&line_text(*block)));
    let skip_title = title_el.filter(|e| e.id() != block.id()).map(|e| e.id());
    let skip_date = date_el.map(|e| e.id());
    let lead = if block.id() == a.id() && head.is_none() {
        None
    } else {
        summary(block, title.as_deref(), skip_title, skip_date)
    };
    Candidate {
        url: url.to_string(),
        title,
        published,
        summary: lead,
        ..Candidate::default()
    }
}

/// The URL `u` as the page at `page` would give it, for tests.
#[cfg(test)]
fn join(page: &str, u: &str) -> String {
    url::Url::parse(page)
        .and_then(|p| p.join(u))
        .map(|u| u.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GSB: &str = r#"<html><head><base href="https://www.bmi.test/"></head><body>
      <header><a href="DE/themen/digitales/digitales-node.html">Digitale Verwaltung und Modernisierung</a></header>
      <nav class="navMain"><a href="DE/presse/liste.html">Pressemitteilungen des Ministeriums</a></nav>
      <div class="c-list">
        <div class="c-teaser"><p class="date">12.03.2031</p>
          <h2><a href="SharedDocs/pressemitteilungen/DE/2031/03/register.html;jsessionid=A1B2?nn=9">Register werden digital verknüpft</a></h2>
          <p>Bund und Länder starten den Datenaustausch der Register.</p>
          <a href="SharedDocs/Downloads/register.pdf?__blob=publicationFile">PDF herunterladen</a></div>
        <div class="c-teaser"><p class="date">10.03.2031</p>
          <h2><a href="SharedDocs/pressemitteilungen/DE/2031/03/portal.html?nn=9">Neues Serviceportal geht online</a></h2>
          <p>Anträge können ab sofort digital gestellt werden.</p></div>
        <div class="c-teaser"><p class="date">01.03.2031</p>
          <h2><a href="SharedDocs/pressemitteilungen/DE/2031/03/portal.html">Neues Serviceportal geht online</a></h2></div>
      </div>
      <div class="pager"><a href="DE/presse/liste.html?gtp=3916_list%253D2">2</a>
        <a href="DE/presse/liste.html?gtp=3916_list%253D2">weiter</a></div>
      <a href="mailto:presse@bmi.test">Schreiben Sie der Pressestelle eine E-Mail</a>
      <a href="https://extern.test/bericht.html">Ein Bericht auf einer ganz anderen Website</a>
      <footer><a href="impressum.html">Impressum und Datenschutzhinweise der Seite</a></footer>
    </body></html>"#;

    #[test]
    fn gsb_teasers_resolve_against_base_and_fold_variants() {
        let page = "https://www.bmi.test/DE/presse/liste.html";
        let got = auto_listing(GSB, page).expect("reads");
        let urls: Vec<&str> = got.candidates.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://www.bmi.test/SharedDocs/pressemitteilungen/DE/2031/03/register.html",
                "https://www.bmi.test/SharedDocs/pressemitteilungen/DE/2031/03/portal.html",
            ]
        );
        let c = &got.candidates[0];
        assert_eq!(
            c.title.as_deref(),
            Some("Register werden digital verknüpft")
        );
        assert_eq!(
            c.published
                .map(|d| d.format("%Y-%m-%d").to_string())
                .as_deref(),
            Some("2031-03-12")
        );
        assert!(
            c.summary
                .as_deref()
                .is_some_and(|s| s.contains("Datenaustausch")),
            "{c:?}"
        );
        assert_eq!(
            got.next.as_deref(),
            Some("https://www.bmi.test/DE/presse/liste.html?gtp=3916_list%253D2")
        );
        assert!(!got.truncated);
        assert_eq!(join(page, "a"), "https://www.bmi.test/DE/presse/a");
    }

    #[test]
    fn table_layout_rows_are_teasers() {
        let html = r#"<table><tr><td colspan=2><a href="/index.htm">Startseite der Gemeinde</a></td></tr>
          <tr><td>05.02.2031</td><td><a href="/aktuell/meldung_17.htm">Winterdienst auf den Gemeindestraßen</a><br>Der Bauhof räumt ab vier Uhr.</td></tr>
          <tr><td>01.02.2031</td><td><a href="/aktuell/meldung_16.htm">Sprechstunde des Bürgermeisters entfällt</a><br>Ersatztermin folgt.</td></tr>
          <tr><td>28.01.2031</td><td><a href="/aktuell/meldung_15.htm">Neue Öffnungszeiten im Bürgerbüro ab März</a></td></tr></table>"#;
        let got = auto_listing(html, "http://gemeinde.test/aktuell/index.htm").expect("reads");
        assert_eq!(got.candidates.len(), 3, "{got:#?}");
        assert_eq!(
            got.candidates[0].summary.as_deref(),
            Some("Der Bauhof räumt ab vier Uhr.")
        );
    }

    #[test]
    fn off_site_and_menus_yield_nothing() {
        let html = r#"<ul><li><a href="https://a.test/x">Ein Bericht anderswo im Netz, lang genug</a></li>
           <li><a href="https://b.test/y">Noch ein Bericht anderswo im Netz, lang genug</a></li></ul>
           <ul><li><a href="/a">Start</a></li><li><a href="/b">Themen</a></li></ul>"#;
        let got = auto_listing(html, "https://k.test/news").expect("reads");
        assert!(got.candidates.is_empty(), "{got:#?}");
        assert_eq!(got.same_site_links, 2);
    }

    #[test]
    fn twenty_thousand_links_are_bounded() {
        let mut html = String::from("<ul>");
        for i in 0..20_000 {
            html.push_str(&format!(
                "<li><a href=\"/n/{i}\">Meldung Nummer {i} aus dem Rathaus</a></li>"
            ));
        }
        let got = auto_listing(&html, "https://k.test/news").expect("reads");
        assert!(got.truncated);
        assert_eq!(got.candidates.len(), MAX_LINKS);
    }
}
