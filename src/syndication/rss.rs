//! RSS 2.0 writer.
//!
//! Owns the RSS channel and item layout, with the `atom:` namespace for the self link and `dc:`
//! for authors. It must never write unescaped text or a non-http(s) link.

use chrono::{DateTime, Utc};

use super::{
    FeedMeta, GENERATOR, categories, description, element, escape_attr, escape_text, guid,
    html_escape, http_url, item_link, size_hint, title,
};
use crate::model::Article;

/// Renders `articles` (in the given order) as an RSS 2.0 document.
///
/// `article_url` gives the URL of an article's page on this site; an item links there only when
/// the original URL is not http(s).
pub fn rss(
    meta: &FeedMeta,
    articles: &[Article],
    article_url: impl Fn(&Article) -> String,
) -> String {
    let mut out = String::with_capacity(size_hint(articles));
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(
        "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n",
    );
    channel_head(&mut out, meta);
    for article in articles {
        item(&mut out, article, &article_url(article));
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn channel_head(out: &mut String, meta: &FeedMeta) {
    element(out, "title", &meta.title);
    if let Some(link) = http_url(&meta.html_url) {
        element(out, "link", &link);
    }
    element(out, "description", &meta.description);
    element(out, "language", "de");
    element(out, "generator", GENERATOR);
    element(out, "lastBuildDate", &rfc2822(meta.updated));
    if let Some(self_url) = http_url(&meta.self_url) {
        out.push_str("<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"");
        escape_attr(out, &self_url);
        out.push_str("\"/>\n");
    }
}

fn item(out: &mut String, article: &Article, own_page: &str) {
    out.push_str("<item>\n");
    element(out, "title", title(article));
    if let Some(link) = item_link(article, own_page) {
        element(out, "link", &link);
    }
    out.push_str("<guid isPermaLink=\"false\">");
    escape_text(out, &guid(article));
    out.push_str("</guid>\n");
    element(out, "pubDate", &rfc2822(article.sort_time()));
    if let Some(text) = description(article) {
        // Readers render <description> as HTML; ours is plain text, so escape it for HTML first.
        element(out, "description", &html_escape(&text));
    }
    if let Some(author) = article
        .author
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        element(out, "dc:creator", author);
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
