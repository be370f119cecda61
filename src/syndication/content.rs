//! The full article text as sanitised HTML, for feed readers (`content:encoded` in RSS,
//! `<content type="html">` in Atom).
//!
//! A stored article's text is plain text with paragraphs separated by blank lines. Readers show
//! a feed item's content as HTML, so this file turns the text into `<p>` paragraphs (single line
//! breaks become `<br>`), makes bare absolute http(s) URLs into links, and then passes the result
//! through [`sanitise`], an ammonia allowlist: a few structural tags, links with absolute http(s)
//! URLs only, no attributes but `href`, no comments, no `<script>`/`<style>` content. The text
//! is escaped before any markup is added, so the sanitiser is a second fence, not the first; it
//! is public so that any other HTML headed for a feed goes through the same rule. It must never
//! read anything but its arguments.

use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

use crate::model::Article;
use crate::text::{Boundary, Tail, cut_at_word, html_escape, http_url};

/// Longest text put into one feed item, in characters: a pathological page must not make a
/// feed of fifty items many megabytes large. Longer texts are cut at a word and end in "…".
pub const CONTENT_CHARS: usize = 50_000;

/// Tags a feed item's HTML may contain.
const TAGS: &[&str] = &[
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "ul",
];

/// The one sanitiser: built once, shared by every request (ammonia's builder is `Sync`).
static SANITISER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    b.tags(TAGS.iter().copied().collect())
        .tag_attributes([("a", HashSet::from(["href"]))].into_iter().collect())
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean_content_tags(HashSet::from(["script", "style"]))
        .strip_comments(true);
    b
});

/// `html` reduced to the allowlist: the tags above, `href` on links only and only absolute
/// http(s) URLs (a link with any other URL loses its `href`), no event handlers, no `style`,
/// no comments, and nothing of a `<script>` or `<style>` element, its content included.
pub fn sanitise(html: &str) -> String {
    SANITISER.clean(html).to_string()
}

/// The article's text as sanitised HTML paragraphs; `None` when the text is blank.
pub fn article_html(article: &Article) -> Option<String> {
    let text = article.text.trim();
    if text.is_empty() {
        return None;
    }
    let text = cut_at_word(text, CONTENT_CHARS, Boundary::LastSpace, Tail::Spaces);
    Some(sanitise(&text_to_html(&text)))
}

/// Plain text as HTML: paragraphs (separated by blank lines) become `<p>`, line breaks inside a
/// paragraph `<br>`, bare absolute http(s) URLs links; everything else is escaped.
pub fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 64);
    let mut para: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim).chain(std::iter::once("")) {
        if !line.is_empty() {
            para.push(line);
            continue;
        }
        if para.is_empty() {
            continue;
        }
        out.push_str("<p>");
        for (i, line) in para.iter().enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            linkify(&mut out, line);
        }
        out.push_str("</p>");
        para.clear();
    }
    out
}

/// Appends `line` escaped, with each absolute http(s) URL in it written as a link.
fn linkify(out: &mut String, line: &str) {
    let mut rest = line;
    while let Some(start) = next_url(rest) {
        out.push_str(&html_escape(&rest[..start]));
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '“' | '”' | '„'))
            .unwrap_or(tail.len());
        let candidate =
            tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'']);
        // Keep a closing parenthesis the URL itself opened (Wikipedia-style links).
        let candidate = if candidate.matches('(').count() > candidate.matches(')').count()
            && tail[candidate.len()..].starts_with(')')
        {
            &tail[..candidate.len() + 1]
        } else {
            candidate
        };
        match http_url(candidate) {
            Some(href) if candidate.len() > "https://".len() => {
                out.push_str("<a href=\"");
                out.push_str(&html_escape(&href));
                out.push_str("\">");
                out.push_str(&html_escape(candidate));
                out.push_str("</a>");
                rest = &tail[candidate.len()..];
            }
            _ => {
                // Not a URL after all: write the scheme as text and look further on.
                let skip = if tail.starts_with("https://") { 8 } else { 7 };
                out.push_str(&html_escape(&tail[..skip]));
                rest = &tail[skip..];
            }
        }
    }
    out.push_str(&html_escape(rest));
}

/// Byte offset of the next `http://` or `https://` in `s` (ASCII case as written).
fn next_url(s: &str) -> Option<usize> {
    let http = s.find("http://");
    let https = s.find("https://");
    match (http, https) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(
            text_to_html("Erster Absatz.\n\nZweiter\nmit Umbruch.\n\n\n  Dritter  "),
            "<p>Erster Absatz.</p><p>Zweiter<br>mit Umbruch.</p><p>Dritter</p>"
        );
        assert_eq!(text_to_html(""), "");
        assert_eq!(text_to_html("\n\n"), "");
    }

    #[test]
    fn text_that_looks_like_markup_stays_text() {
        let html = text_to_html("<script>alert(1)</script> & \"x\" <b onclick=\"y\">fett</b>");
        assert_eq!(
            html,
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; \
             &lt;b onclick=&quot;y&quot;&gt;fett&lt;/b&gt;</p>"
        );
        // The sanitiser keeps escaped text as escaped text.
        assert!(!sanitise(&html).contains("<script"));
        assert!(sanitise(&html).contains("&lt;script&gt;"));
    }

    #[test]
    fn bare_urls_become_links_without_trailing_punctuation() {
        let html = text_to_html(
            "Mehr unter https://www.bmi.bund.de/ozg. Oder (siehe http://x.de/a_(b)) und javascript:alert(1).",
        );
        assert!(
            html.contains(
                "<a href=\"https://www.bmi.bund.de/ozg\">https://www.bmi.bund.de/ozg</a>. Oder"
            ),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"http://x.de/a_(b)\">http://x.de/a_(b)</a>)"),
            "{html}"
        );
        assert!(html.contains("javascript:alert(1)."), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        // A scheme with nothing behind it is text.
        assert_eq!(text_to_html("https:// leer"), "<p>https:// leer</p>");
    }

    #[test]
    fn sanitiser_removes_scripts_handlers_and_unsafe_links() {
        let dirty = r#"<p onclick="steal()">Hallo <script>alert(1)</script><style>p{}</style>
            <a href="javascript:alert(1)">js</a> <a href="/relativ">rel</a>
            <a href="https://bund.de/x" onmouseover="y" target="_blank">ok</a>
            <img src=x onerror=alert(1)><iframe src="https://evil.test"></iframe>
            <svg><script>alert(2)</script></svg><!-- kommentar -->
            <a href="data:text/html,hi">data</a> <a href="HTTPS://BUND.DE/y">gross</a></p>"#;
        let clean = sanitise(dirty);
        for bad in [
            "<script",
            "alert(",
            "onclick",
            "onmouseover",
            "onerror",
            "javascript:",
            "<img",
            "<iframe",
            "<svg",
            "<style",
            "kommentar",
            "data:",
            "/relativ",
            "target=",
        ] {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(
            clean.contains(
                r#"<a href="https://bund.de/x" rel="noopener noreferrer nofollow">ok</a>"#
            ),
            "{clean}"
        );
        assert!(clean.contains(">gross</a>"), "{clean}");
        assert!(clean.starts_with("<p>Hallo "), "{clean}");
    }

    #[test]
    fn article_html_is_none_for_blank_text_and_cut_when_huge() {
        let at = chrono::DateTime::UNIX_EPOCH;
        let blank = Article::sample("https://a.de/1", "T", " \n ", at);
        assert_eq!(article_html(&blank), None);
        let long = "Wort ".repeat(CONTENT_CHARS / 4);
        let huge = Article::sample("https://a.de/2", "T", &long, at);
        let html = article_html(&huge).expect("html");
        assert!(html.len() < CONTENT_CHARS + 100, "{}", html.len());
        assert!(html.ends_with("…</p>"), "{}", &html[html.len() - 20..]);
    }
}
