//! RSS 2.0 writer.
//!
//! Owns the RSS channel and item layout, with the `atom:` namespace for the self link, `dc:` for
//! authors and `content:` for the full text. Readers treat the channel and item `<description>`
//! and `content:encoded` as HTML, so plain text written there is HTML-escaped before it is
//! XML-escaped (a source name or query `<script>` stays text); titles are plain text and are
//! XML-escaped once. It must never write unescaped text or a non-http(s) link.

use chrono::{DateTime, Utc};

use super::{
    FeedMeta, GENERATOR, Publisher, article_html, categories, description, element, escape_attr,
    escape_text, guid, html_escape, http_url, item_link, person, size_hint, title,
};
use crate::model::Article;

/// Renders `articles` (in the given order) as an RSS 2.0 document.
///
/// `article_url` gives the URL of an article's page on this site; an item links there only when
/// the original URL is not http(s). `publisher` names the source of an article: written as the
/// item's `<source url="…">` and, when no person is named, its `dc:creator`.
pub fn rss(
    meta: &FeedMeta,
    articles: &[Article],
    article_url: impl Fn(&Article) -> String,
    publisher: impl Fn(&Article) -> Option<Publisher>,
) -> String {
    let mut out = String::with_capacity(size_hint(articles));
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(
        "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n",
    );
    channel_head(&mut out, meta);
    for article in articles {
        item(
            &mut out,
            article,
            &article_url(article),
            publisher(article).as_ref(),
        );
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn channel_head(out: &mut String, meta: &FeedMeta) {
    element(out, "title", &meta.title);
    if let Some(link) = http_url(&meta.html_url) {
        element(out, "link", &link);
    }
    // HTML in readers: a query or source name in it must not become markup.
    element(out, "description", &html_escape(&meta.description));
    element(out, "language", "de");
    element(out, "generator", GENERATOR);
    element(out, "lastBuildDate", &rfc2822(meta.updated));
    if let Some(self_url) = http_url(&meta.self_url) {
        out.push_str("<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"");
        escape_attr(out, &self_url);
        out.push_str("\"/>\n");
    }
}

fn item(out: &mut String, article: &Article, own_page: &str, publisher: Option<&Publisher>) {
    out.push_str("<item>\n");
    element(out, "title", title(article));
    if let Some(link) = item_link(article, own_page) {
        element(out, "link", &link);
    }
    out.push_str("<guid isPermaLink=\"false\">");
    escape_text(out, &guid(article));
    out.push_str("</guid>\n");
    element(out, "pubDate", &super::feed_published(article).to_rfc2822());
    if let Some(text) = description(article) {
        // Readers render <description> as HTML; ours is plain text, so escape it for HTML first.
        element(out, "description", &html_escape(&text));
    }
    if let Some(html) = article_html(article) {
        element(out, "content:encoded", &html);
    }
    if let Some(creator) = person(article).or(publisher.map(|p| p.name.as_str())) {
        element(out, "dc:creator", creator);
    }
    if let Some(p) = publisher
        && let Some(url) = http_url(&p.url)
    {
        out.push_str("<source url=\"");
        escape_attr(out, &url);
        out.push_str("\">");
        escape_text(out, &p.name);
        out.push_str("</source>\n");
    }
    for category in categories(article) {
        element(out, "category", category);
    }
    out.push_str("</item>\n");
}

/// RFC 2822 date in UTC (`Fri, 11 Dec 2020 10:00:00 +0000`).
fn rfc2822(t: DateTime<Utc>) -> String {
    t.to_rfc2822()
}
