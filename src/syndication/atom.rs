//! Atom 1.0 writer.
//!
//! Owns the Atom feed and entry layout. Every entry is valid on its own terms: it has an id,
//! title, updated date and an author (the person where named, else the publishing source, else
//! the feed-level author). The full text goes into `<content type="html">`, the summary into
//! `<summary type="text">`, the publishing source into `<source>`. It must never write unescaped
//! text or a non-http(s) link.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{
    FeedMeta, GENERATOR, Publisher, article_html, categories, description, element, escape_attr,
    escape_text, guid, http_url, item_link, person, size_hint, title,
};
use crate::model::Article;

/// Renders `articles` (in the given order) as an Atom 1.0 document.
///
/// Each entry's `alternate` link is the original article (when it is http(s)); `article_url`
/// gives the article's page on this site, written as a `related` link. `publisher` names the
/// source of an article: written as the entry's `<source>` and, when no person is named, its
/// `<author>`.
pub fn atom(
    meta: &FeedMeta,
    articles: &[Article],
    article_url: impl Fn(&Article) -> String,
    publisher: impl Fn(&Article) -> Option<Publisher>,
) -> String {
    let mut out = String::with_capacity(size_hint(articles));
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">\n");
    feed_head(&mut out, meta);
    for article in articles {
        entry(
            &mut out,
            article,
            &article_url(article),
            publisher(article).as_ref(),
        );
    }
    out.push_str("</feed>\n");
    out
}

fn feed_head(out: &mut String, meta: &FeedMeta) {
    element(out, "id", &feed_id(&meta.self_url));
    out.push_str("<title type=\"text\">");
    escape_text(out, &meta.title);
    out.push_str("</title>\n<subtitle type=\"text\">");
    escape_text(out, &meta.description);
    out.push_str("</subtitle>\n");
    element(out, "updated", &rfc3339(meta.updated));
    link(
        out,
        "self",
        Some("application/atom+xml"),
        http_url(&meta.self_url).as_deref(),
    );
    link(
        out,
        "alternate",
        Some("text/html"),
        http_url(&meta.html_url).as_deref(),
    );
    out.push_str("<author><name>");
    escape_text(out, GENERATOR);
    out.push_str("</name></author>\n");
    element(out, "generator", GENERATOR);
}

fn entry(out: &mut String, article: &Article, own_page: &str, publisher: Option<&Publisher>) {
    out.push_str("<entry>\n");
    element(out, "id", &guid(article));
    out.push_str("<title type=\"text\">");
    escape_text(out, title(article));
    out.push_str("</title>\n");
    link(
        out,
        "alternate",
        Some("text/html"),
        item_link(article, own_page).as_deref(),
    );
    if http_url(&article.url).is_some() {
        link(
            out,
            "related",
            Some("text/html"),
            http_url(own_page).as_deref(),
        );
    }
    let published = super::feed_published(article);
    element(
        out,
        "published",
        &published.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    element(
        out,
        "updated",
        &rfc3339(article.updated.max(published.with_timezone(&Utc))),
    );
    if let Some(author) = person(article).or(publisher.map(|p| p.name.as_str())) {
        out.push_str("<author><name>");
        escape_text(out, author);
        out.push_str("</name></author>\n");
    }
    if let Some(text) = description(article) {
        out.push_str("<summary type=\"text\">");
        escape_text(out, &text);
        out.push_str("</summary>\n");
    }
    if let Some(html) = article_html(article) {
        out.push_str("<content type=\"html\">");
        escape_text(out, &html);
        out.push_str("</content>\n");
    }
    if let Some(p) = publisher {
        source(out, p);
    }
    for category in categories(article) {
        out.push_str("<category term=\"");
        escape_attr(out, category);
        out.push_str("\"/>\n");
    }
    out.push_str("</entry>\n");
}

/// Appends the entry's `<source>`: the publishing body's id, name and (if http(s)) its URL.
fn source(out: &mut String, p: &Publisher) {
    out.push_str("<source>\n");
    element(out, "id", &format!("urn:govwire:source:{}", p.id));
    out.push_str("<title type=\"text\">");
    escape_text(out, &p.name);
    out.push_str("</title>\n");
    link(out, "alternate", None, http_url(&p.url).as_deref());
    out.push_str("</source>\n");
}

/// Appends `<link rel=… type=… href=…/>` if there is an `href`.
fn link(out: &mut String, rel: &str, kind: Option<&str>, href: Option<&str>) {
    let Some(href) = href else { return };
    out.push_str("<link rel=\"");
    escape_attr(out, rel);
    if let Some(kind) = kind {
        out.push_str("\" type=\"");
        escape_attr(out, kind);
    }
    out.push_str("\" href=\"");
    escape_attr(out, href);
    out.push_str("\"/>\n");
}

/// A feed id that does not depend on the host name the feed was requested under:
/// `urn:govwire:feed:` plus the self URL's path and query, so every saved search has its own
/// (`/search.atom?q=OZG` and `?q=BundID` are different feeds). The query's `?` is written
/// `%3F`, since a URN may not carry a raw one; the rest is already percent-encoded by the URL.
pub fn feed_id(self_url: &str) -> String {
    let Ok(url) = url::Url::parse(self_url) else {
        return "urn:govwire:feed:/".to_string();
    };
    match url.query().filter(|q| !q.is_empty()) {
        Some(query) => format!("urn:govwire:feed:{}%3F{query}", url.path()),
        None => format!("urn:govwire:feed:{}", url.path()),
    }
}

/// RFC 3339 date in UTC with whole seconds (`2020-12-11T10:00:00Z`).
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
