//! HTML list pages into `Candidate`s, with the source's CSS selectors.
//!
//! Owns how one teaser becomes a candidate: its link (resolved, http(s) only, de-duplicated),
//! title, date (selector, `<time datetime>` or the first date in the teaser text) and teaser text
//! (the item's text minus title, date and "mehr…" links). It must never guess items without the
//! configured item selector, and must report an invalid selector by name.

use scraper::{ElementRef, Selector};
use url::Url;

use super::canonical::clean;
use super::dom::{DomNode, line_text, paragraphs, tag};
use super::text::truncate_words;
use super::{ExtractError, base_url, dates, selector};
use crate::model::{Candidate, ListSelectors};

/// Teaser texts longer than this are cut at a word boundary.
const MAX_SUMMARY_CHARS: usize = 1000;

/// Compiled list selectors.
struct Compiled {
    item: Selector,
    link: Selector,
    title: Option<Selector>,
    date: Option<Selector>,
    time: Selector,
}

impl Compiled {
    fn new(sel: &ListSelectors) -> Result<Self, ExtractError> {
        let opt = |field, s: &Option<String>| s.as_deref().map(|s| selector(field, s)).transpose();
        Ok(Compiled {
            item: selector("item", &sel.item)?,
            link: selector("link", sel.link.as_deref().unwrap_or("a[href]"))?,
            title: opt("title", &sel.title)?,
            date: opt("date", &sel.date)?,
            time: selector("time", "time[datetime]")?,
        })
    }
}

/// Reads the teasers of a list page. Items without an http(s) link are skipped; links are
/// resolved against `page_url` and de-duplicated (first teaser wins).
pub fn parse_listing(
    html: &str,
    page_url: &str,
    sel: &ListSelectors,
) -> Result<Vec<Candidate>, ExtractError> {
    let base = super::links::document_base(html, &base_url(page_url)?);
    let c = Compiled::new(sel)?;
    let mut reads = super::dom::Reads::attrs(super::dom::LISTING_ATTRS);
    for css in [
        Some(&sel.item),
        sel.link.as_ref(),
        sel.title.as_ref(),
        sel.date.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        reads = reads.with_selector(css);
    }
    let doc = super::dom::parse_document(html, &reads);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for item in doc.select(&c.item) {
        if let Some(cand) = teaser(item, &base, &c)
            && seen.insert(cand.url.clone())
        {
            out.push(cand);
        }
    }
    Ok(out)
}

/// First element in `item` (the item itself included) matching `sel`.
fn first<'a>(item: ElementRef<'a>, sel: &Selector) -> Option<ElementRef<'a>> {
    if sel.matches(&item) {
        return Some(item);
    }
    item.select(sel).next()
}

/// One teaser as a candidate.
fn teaser(item: ElementRef<'_>, base: &Url, c: &Compiled) -> Option<Candidate> {
    let link = first(item, &c.link)?;
    let href = link
        .attr("href")
        .or_else(|| link.select(&c.link).find_map(|a| a.attr("href")))?;
    let url = base.join(href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let title_el = match &c.title {
        Some(s) => first(item, s),
        None => (link.id() != item.id()).then_some(link),
    };
    let title = title_el
        .map(|e| line_text(*e))
        .filter(|t| !t.is_empty())
        .or_else(|| link.attr("title").map(super::text::clean_line))
        .filter(|t| !t.is_empty());
    let date_el = c
        .date
        .as_ref()
        .and_then(|s| first(item, s))
        .or_else(|| first(item, &c.time));
    let published = date_el.and_then(element_date);
    let skip_title = title_el.filter(|e| e.id() != item.id()).map(|e| e.id());
    let skip_date = date_el.filter(|e| e.id() != item.id()).map(|e| e.id());
    let summary = summary(item, title.as_deref(), skip_title, skip_date);
    let published = published.or_else(|| dates::find_date(&line_text(*item)));
    Some(Candidate {
        url: clean(url).to_string(),
        title,
        published,
        summary,
        ..Candidate::default()
    })
}

/// A date from an element: its `datetime`/`content` attribute, else its text.
pub(crate) fn element_date(e: ElementRef<'_>) -> Option<chrono::DateTime<chrono::Utc>> {
    e.attr("datetime")
        .or_else(|| e.attr("content"))
        .and_then(dates::parse_date)
        .or_else(|| dates::parse_date(&line_text(*e)))
        .or_else(|| dates::find_date(&line_text(*e)))
}

/// Teaser text: the item's text without title, date element, date text and "more" links.
pub(super) fn summary(
    item: ElementRef<'_>,
    title: Option<&str>,
    skip_title: Option<ego_tree::NodeId>,
    skip_date: Option<ego_tree::NodeId>,
) -> Option<String> {
    let skip =
        |n: DomNode<'_>| Some(n.id()) == skip_title || Some(n.id()) == skip_date || is_more_link(n);
    let mut text = paragraphs(*item, &skip).join(" ");
    if let Some(t) = title
        && let Some(rest) = text.strip_prefix(t)
    {
        text = rest.trim_start().to_string();
    }
    if skip_date.is_none()
        && let Some((_, span)) = dates::find_date_span(&text)
        && span.start < 8
    {
        text.replace_range(span, "");
    }
    let text =
        strip_more(text.trim_start_matches(|c: char| c.is_whitespace() || "[]()|–-".contains(c)));
    (!text.is_empty()).then(|| truncate_words(&text, MAX_SUMMARY_CHARS))
}

/// True for `<a>mehr…</a>`-style links.
fn is_more_link(n: DomNode<'_>) -> bool {
    tag(n) == Some("a") && is_more_text(&line_text(n))
}

/// "mehr...", "weiterlesen", "Mehr erfahren", "read more" and friends.
fn is_more_text(t: &str) -> bool {
    let t = t
        .trim_matches(|c: char| c.is_whitespace() || ".…»>›→".contains(c))
        .to_lowercase();
    matches!(
        t.as_str(),
        "mehr"
            | "weiter"
            | "weiterlesen"
            | "mehr lesen"
            | "mehr erfahren"
            | "zum artikel"
            | "more"
            | "read more"
    )
}

/// Removes a trailing "mehr..." that was plain text rather than a link.
fn strip_more(text: &str) -> String {
    let trimmed = text.trim_end();
    if let Some(i) = trimmed.rfind(' ')
        && is_more_text(&trimmed[i..])
    {
        return trimmed[..i].trim_end().to_string();
    }
    if is_more_text(trimmed) {
        return String::new();
    }
    trimmed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><body><nav><a href="/">Start</a></nav>
      <div class="teaser"><a href="/meldungen/a.html?utm_source=x">Politik: Erste Meldung</a>
        <p>[11.12.2020] Teaser eins mit Text. <a href="/meldungen/a.html">mehr...</a></p></div>
      <div class="teaser"><h3><a href="b.html">Zweite</a></h3><time datetime="2021-02-03">3. Februar</time>
        <p>Teaser zwei.</p></div>
      <div class="teaser"><a href="/meldungen/a.html">Duplikat</a></div>
      <div class="teaser"><a href="mailto:x@y.test">Mail</a></div>
      <div class="teaser"><span>ohne Link</span></div>
    </body></html>"#;

    fn sel(item: &str) -> ListSelectors {
        ListSelectors {
            item: item.to_string(),
            ..ListSelectors::default()
        }
    }

    #[test]
    fn teasers_become_candidates() {
        let got = parse_listing(
            PAGE,
            "https://k.test/meldungen/index.html",
            &sel("div.teaser"),
        )
        .expect("parses");
        assert_eq!(got.len(), 2, "{got:#?}");
        assert_eq!(got[0].url, "https://k.test/meldungen/a.html");
        assert_eq!(got[0].title.as_deref(), Some("Politik: Erste Meldung"));
        assert_eq!(got[0].summary.as_deref(), Some("Teaser eins mit Text."));
        let day = |c: &Candidate| c.published.map(|d| d.format("%Y-%m-%d").to_string());
        assert_eq!(day(&got[0]).as_deref(), Some("2020-12-11"));
        assert_eq!(got[1].url, "https://k.test/meldungen/b.html");
        assert_eq!(got[1].title.as_deref(), Some("Zweite"));
        assert_eq!(day(&got[1]).as_deref(), Some("2021-02-03"));
        assert_eq!(got[1].summary.as_deref(), Some("Teaser zwei."));
    }

    #[test]
    fn explicit_title_and_date_selectors() {
        let html = r#"<ul><li><a href="/x">Link</a><b class="t">Titel</b><i class="d">Stand: 1. März 2021</i> Rest</li></ul>"#;
        let s = ListSelectors {
            item: "li".into(),
            link: Some("a".into()),
            title: Some(".t".into()),
            date: Some(".d".into()),
        };
        let got = parse_listing(html, "http://k.test/", &s).expect("parses");
        assert_eq!(got[0].title.as_deref(), Some("Titel"));
        assert_eq!(
            got[0]
                .published
                .map(|d| d.format("%d.%m.%Y").to_string())
                .as_deref(),
            Some("01.03.2021")
        );
        assert_eq!(got[0].summary.as_deref(), Some("Link Rest"));
    }

    #[test]
    fn invalid_selectors_are_named() {
        let cases = [
            ("item", sel("div[")),
            (
                "link",
                ListSelectors {
                    link: Some("a[".into()),
                    ..sel("li")
                },
            ),
        ];
        for (field, s) in cases {
            match parse_listing(PAGE, "https://k.test/", &s) {
                Err(ExtractError::Selector { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected selector error for {field}, got {other:?}"),
            }
        }
        assert!(matches!(
            parse_listing(PAGE, "/relative", &sel("li")),
            Err(ExtractError::BadUrl { .. })
        ));
    }
}
