//! Links as a browser resolves them, and what kind of page a link leads to.
//!
//! Owns `<base href>` (a Government Site Builder page declares `<base href="https://…/">` and
//! links `SharedDocs/…` relative to it, not to the page), the tests that tell an article link
//! from navigation, downloads, mail, pagination and other sites, and finding a list page's next
//! page (`rel="next"`, "weiter", "»", numbered pagers). A pager href is resolved but never
//! re-encoded: GSB's `?gtp=…_list%253D2` must be requested byte for byte as written. Pure: text
//! in, URLs out.

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::dom::line_text;

/// How far into a page `<base>` is looked for (it belongs in `<head>`).
const BASE_SCAN_BYTES: usize = 64 * 1024;

/// The URL relative links of the page fetched from `page` resolve against: its `<base href>`
/// when that resolves to an http(s) URL, else `page` itself. A cheap scan of the raw text, so
/// every reader gets it whatever attributes its parse keeps.
pub fn document_base(html: &str, page: &Url) -> Url {
    let end = html.len().min(BASE_SCAN_BYTES);
    let head = html.get(..end).unwrap_or(html);
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<base") {
        let at = from + i + 5;
        from = at;
        if !lower[at..].starts_with(|c: char| c.is_ascii_whitespace()) {
            continue;
        }
        let tag_end = lower[at..].find('>').map_or(lower.len(), |e| at + e);
        if let Some(href) = attr_value(&head[at..tag_end], &lower[at..tag_end], "href")
            && let Ok(u) = page.join(href.trim())
            && matches!(u.scheme(), "http" | "https")
        {
            return u;
        }
        return page.clone();
    }
    page.clone()
}

/// The value of attribute `name` in the inside of a start tag (`raw`, and `lower` its
/// lowercased copy of equal length).
fn attr_value<'a>(raw: &'a str, lower: &str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let start = from + i;
        from = start + name.len();
        let before_ok = start == 0
            || lower[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_whitespace());
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_at = lower.len() - rest.len() + 1;
        let v = raw[value_at..].trim_start();
        return Some(match v.chars().next() {
            Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or_default(),
            _ => v
                .split(|c: char| c.is_ascii_whitespace() || c == '>')
                .next()
                .unwrap_or_default(),
        });
    }
    None
}

/// Host without a leading `www.`, lowercased.
pub(crate) fn site(u: &Url) -> Option<String> {
    let host = u.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

/// File endings of downloads, never article pages.
const DOWNLOADS: &[&str] = &[
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".zip", ".rtf",
    ".jpg", ".jpeg", ".png", ".gif", ".svg", ".mp3", ".mp4", ".ics", ".csv", ".xml", ".rss",
    ".txt",
];

/// Path words of pages that list or sort rather than report: tags, categories, search, print
/// views, contact and legal pages.
const NOT_ARTICLE_PATHS: &[&str] = &[
    "/tag/",
    "/tags/",
    "/taxonomy/term",
    "/schlagwort",
    "/stichwort",
    "/stichwoerter",
    "/kategorie",
    "/category/",
    "/rubrik",
    "/suche",
    "/search",
    "/impressum",
    "/datenschutz",
    "/kontakt",
    "/barrierefreiheit",
    "/sitemap",
    "/login",
    "/feed",
    "/rss",
];

/// True for a link that may lead to an article of the site `list` belongs to: http(s), same
/// site, not the list itself (ignoring its pager), not a download, feed, tag, category, search,
/// contact or legal page.
pub fn is_article_link(u: &Url, list: &Url) -> bool {
    if !matches!(u.scheme(), "http" | "https") || site(u) != site(list) {
        return false;
    }
    let path = u.path().to_ascii_lowercase();
    if path == "/" || path.is_empty() {
        return false;
    }
    if DOWNLOADS.iter().any(|d| path.ends_with(d))
        || NOT_ARTICLE_PATHS.iter().any(|p| path.contains(p))
    {
        return false;
    }
    // Downloads behind a GSB blob link (`/SharedDocs/Downloads/…?__blob=publicationFile`).
    if u.query()
        .is_some_and(|q| q.contains("__blob=publicationFile"))
    {
        return false;
    }
    // Category and tag filters of a list (TYPO3's `tx_news_pi1[overwriteDemand][categories]`).
    if u.query_pairs().any(|(k, _)| {
        let k = k.to_ascii_lowercase();
        k.contains("categor") || k.contains("[tag") || k == "tag" || k == "kategorie"
    }) {
        return false;
    }
    !is_pager_link(u, list) && !is_home_of(u, list)
}

/// True for `…/index.html`, `start.htm`, `home.php`, `default.aspx` in a folder at or above the
/// list's: the way back up, navigation rather than an article.
fn is_home_of(u: &Url, list: &Url) -> bool {
    let path = path_without_params(u).to_ascii_lowercase();
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", &path));
    let stem = file.split('.').next().unwrap_or_default();
    matches!(stem, "index" | "start" | "home" | "default" | "startseite")
        && u.query().is_none()
        && path_without_params(list)
            .to_ascii_lowercase()
            .starts_with(&format!("{dir}/"))
}

/// The path without `;jsessionid=…`-style path parameters.
fn path_without_params(u: &Url) -> &str {
    u.path().split(';').next().unwrap_or_default()
}

/// Query parameter names that only page through a list.
fn is_pager_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "page" | "seite" | "skip" | "start" | "offset" | "pg" | "gtp" | "nn" | "cpage"
    ) || n.contains("currentpage")
}

fn is_pager_query(u: &Url) -> bool {
    u.query_pairs().any(|(k, _)| is_pager_param(&k))
}

/// The query without pager parameters, sorted.
fn strip_pager_query(u: &Url) -> Vec<(String, String)> {
    let mut kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !is_pager_param(k) && !k.eq_ignore_ascii_case("chash"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    kept.sort();
    kept
}

/// True when `u` is another page of the list at `list`: same path, and its query differs only
/// in pager parameters (`?page=2`, `?gtp=…`, TYPO3's `currentPage`).
pub fn is_pager_link(u: &Url, list: &Url) -> bool {
    site(u) == site(list)
        && path_without_params(u) == path_without_params(list)
        && strip_pager_query(u) == strip_pager_query(list)
}

/// Link texts that mean "next page".
fn is_next_text(t: &str) -> bool {
    let t = t
        .trim_matches(|c: char| c.is_whitespace() || c == '.')
        .to_lowercase();
    matches!(
        t.as_str(),
        "weiter"
            | "vor"
            | "nächste"
            | "nächste seite"
            | "naechste seite"
            | "nächste seite »"
            | "weiter »"
            | "weiter >"
            | "»"
            | "›"
            | ">"
            | ">>"
            | "next"
            | "next page"
            | "nächste >"
            | "nächste »"
            | "vorwärts"
    )
}

/// Attributes the pager reads, besides `href`.
pub(crate) const PAGER_ATTRS: &[&str] = &["href", "rel", "class", "aria-current", "title"];

/// The next page of the list page `html` fetched from `page_url`: `<link|a rel="next">`, else a
/// link reading "weiter" / "nächste Seite" / "»" / "Nächste", else the number after the current
/// one in a numbered pager. Only links back to the same list (same path or a pager query) count,
/// so a calendar's "nächster Monat" or an article's "weiter" is not taken for a pager. The href
/// is joined as written (percent escapes kept).
pub fn next_page(html: &str, page_url: &str) -> Option<String> {
    let page = Url::parse(page_url).ok()?;
    let base = document_base(html, &page);
    let reads = super::dom::Reads::attrs(PAGER_ATTRS);
    let doc = super::dom::parse_document(html, &reads);
    next_in(&doc, &base, &page).map(|u| u.to_string())
}

pub(crate) fn next_in(doc: &Html, base: &Url, page: &Url) -> Option<Url> {
    let resolve = |e: ElementRef<'_>| {
        let href = e.attr("href")?.trim();
        let u = base.join(href).ok()?;
        (u != *page && matches!(u.scheme(), "http" | "https") && site(&u) == site(page))
            .then_some(u)
    };
    let rel_next = Selector::parse("link[rel][href], a[rel][href]").ok()?;
    for e in doc.select(&rel_next) {
        let rel = e.attr("rel").unwrap_or_default();
        if rel
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("next"))
            && let Some(u) = resolve(e)
        {
            return Some(u);
        }
    }
    let anchors = Selector::parse("a[href]").ok()?;
    for a in doc.select(&anchors) {
        let text = line_text(*a);
        let title = a.attr("title").unwrap_or_default();
        if (is_next_text(&text) || (text.is_empty() && is_next_text(title)))
            && let Some(u) = resolve(a)
            && (is_pager_link(&u, page) || is_pager_query(&u))
        {
            return Some(u);
        }
    }
    numbered_next(doc, page, &resolve)
}

/// In a numbered pager: the link whose text is the current page's number plus one. The current
/// page is the marked one (`aria-current`, class `current`/`active`/`selected`), else 1.
fn numbered_next(
    doc: &Html,
    page: &Url,
    resolve: &dyn Fn(ElementRef<'_>) -> Option<Url>,
) -> Option<Url> {
    let marked =
        Selector::parse("[aria-current], .current, .active, .selected, strong, b, em").ok()?;
    let current = doc
        .select(&marked)
        .filter_map(|e| line_text(*e).trim().parse::<u32>().ok())
        .find(|n| *n < 10_000)
        .unwrap_or(1);
    let want = (current + 1).to_string();
    let anchors = Selector::parse("a[href]").ok()?;
    doc.select(&anchors)
        .filter(|a| line_text(**a).trim() == want)
        .filter_map(resolve)
        .find(|u| is_pager_link(u, page) || is_pager_query(u))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn base_href_is_found_and_resolved() {
        let page = u("https://www.bmi.test/DE/presse/liste.html");
        let html = r#"<html><head><title>x</title><BASE HREF="https://www.bmi.test/"></head>"#;
        assert_eq!(document_base(html, &page).as_str(), "https://www.bmi.test/");
        let rel = "<head><base target=_blank href=/portal/></head>";
        assert_eq!(
            document_base(rel, &page).as_str(),
            "https://www.bmi.test/portal/"
        );
        for none in ["<head></head>", "<head><basefont><base></head>"] {
            assert_eq!(document_base(none, &page), page, "{none}");
        }
        let js = r#"<base href="javascript:alert(1)">"#;
        assert_eq!(document_base(js, &page), page);
    }

    #[test]
    fn article_links_are_told_from_the_rest() {
        let list = u("https://www.bmi.test/DE/presse/liste.html?nn=1234");
        let yes = [
            "https://www.bmi.test/SharedDocs/pressemitteilungen/DE/2024/03/foerderung.html",
            "https://bmi.test/DE/presse/a.html",
            "https://www.bmi.test/index.php?id=12&tx_news_pi1%5Bnews%5D=7&cHash=ab",
        ];
        let no = [
            "https://other.test/DE/presse/a.html",
            "https://www.bmi.test/",
            "https://www.bmi.test/SharedDocs/Downloads/x.pdf",
            "https://www.bmi.test/SharedDocs/Downloads/x.html?__blob=publicationFile",
            "https://www.bmi.test/DE/presse/liste.html?gtp=1_list%253D2",
            "https://www.bmi.test/DE/presse/liste.html;jsessionid=AB12",
            "https://www.bmi.test/impressum.html",
            "https://www.bmi.test/tag/digitales",
            "https://www.bmi.test/stichwort/Breitband/",
            "mailto:presse@bmi.test",
        ];
        for y in yes {
            assert!(is_article_link(&u(y), &list), "{y}");
        }
        for n in no {
            if let Ok(x) = Url::parse(n) {
                assert!(!is_article_link(&x, &list), "{n}");
            }
        }
    }

    #[test]
    fn next_page_by_rel_text_and_number_keeps_escapes() {
        let page = "https://www.bmi.test/DE/presse/liste.html";
        let gsb = r#"<head><base href="https://www.bmi.test/"></head><body>
            <a href="DE/presse/liste.html?gtp=3916_list%253D2">weiter</a></body>"#;
        assert_eq!(
            next_page(gsb, page).as_deref(),
            Some("https://www.bmi.test/DE/presse/liste.html?gtp=3916_list%253D2")
        );
        let rel = r#"<head><link rel="next" href="?page=1"></head>"#;
        assert_eq!(
            next_page(rel, page).as_deref(),
            Some("https://www.bmi.test/DE/presse/liste.html?page=1")
        );
        let numbered = r#"<ul class="pager"><li><a href="?seite=1">1</a></li>
            <li class="active"><span>2</span></li><li><a href="?seite=3">3</a></li></ul>"#;
        assert_eq!(
            next_page(numbered, "https://k.test/news?seite=2").as_deref(),
            Some("https://k.test/news?seite=3")
        );
        let calendar =
            r#"<a href="/termine/2031-05">nächster Monat »</a><a href="/artikel/x">weiter</a>"#;
        assert_eq!(next_page(calendar, page), None);
    }
}
