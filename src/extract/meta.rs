//! What a page says about itself in `<head>`: meta tags, link relations and JSON-LD.
//!
//! Owns one pass over `<meta>`, `<link>` and `application/ld+json` scripts, collecting the
//! values article extraction may fall back on. It must never trust sizes (JSON-LD is capped and
//! walked iteratively) and never interpret the values (that is `article`'s job).

use scraper::{ElementRef, Html};
use serde_json::Value;

use super::dom::{DomNode, attr};
use super::text::clean_line;

/// JSON-LD scripts larger than this are ignored.
const MAX_JSONLD_BYTES: usize = 512 * 1024;
/// At most this many JSON values are visited per page.
const MAX_JSONLD_NODES: usize = 20_000;

/// Values a page declares about itself; every field is cleaned text, empty values left out.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct PageMeta {
    pub og_title: Option<String>,
    pub description: Option<String>,
    pub published: Vec<String>,
    pub dated: Vec<String>,
    pub author: Option<String>,
    pub keywords: Vec<String>,
    pub article_tags: Vec<String>,
    pub canonical: Option<String>,
    pub og_url: Option<String>,
    pub rel_author: Option<String>,
    pub html_lang: Option<String>,
    pub ld: JsonLd,
}

/// The article fields of a page's JSON-LD.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct JsonLd {
    pub headline: Option<String>,
    pub date_published: Option<String>,
    /// `dateCreated` of an article-typed object that has no `datePublished`: the same
    /// evidence under another name on some CMSs, used only when no `datePublished` is there.
    pub date_created: Option<String>,
    pub author: Option<String>,
}

impl PageMeta {
    /// Reads the meta tags, link relations and JSON-LD of `doc`.
    pub(crate) fn read(doc: &Html) -> PageMeta {
        let mut m = PageMeta {
            html_lang: doc
                .root_element()
                .attr("lang")
                .map(clean_line)
                .filter(|s| !s.is_empty()),
            ..PageMeta::default()
        };
        // One walk over the elements instead of a selector pass per kind: the selector
        // machinery costs far more per element than comparing a tag name.
        for node in doc.tree.root().descendants() {
            let Some(e) = ElementRef::wrap(node) else {
                continue;
            };
            match e.value().name() {
                "meta" => m.take_meta_element(node),
                "link" | "a" if attr(node, "href").is_some() && attr(node, "rel").is_some() => {
                    m.take_link(e);
                }
                "script" if is_jsonld_script(e) => {
                    let raw: String = e.text().collect();
                    if raw.len() <= MAX_JSONLD_BYTES
                        && let Ok(v) = serde_json::from_str::<Value>(&raw)
                    {
                        m.ld.absorb(&v);
                    }
                }
                _ => {}
            }
        }
        m
    }

    /// A `<meta content>`, keyed by its `property`, `name` or `itemprop`.
    fn take_meta_element(&mut self, node: DomNode<'_>) {
        let Some(content) = attr(node, "content") else {
            return;
        };
        let key = attr(node, "property")
            .or_else(|| attr(node, "name"))
            .or_else(|| attr(node, "itemprop"))
            .unwrap_or_default();
        self.take_meta(&key.to_ascii_lowercase(), content);
    }

    fn take_meta(&mut self, key: &str, content: &str) {
        let value = clean_line(content);
        if value.is_empty() {
            return;
        }
        let set = |slot: &mut Option<String>, v: String| {
            if slot.is_none() {
                *slot = Some(v);
            }
        };
        match key {
            "og:title" | "twitter:title" => set(&mut self.og_title, value),
            "description" | "og:description" | "twitter:description" | "dc.description" => {
                set(&mut self.description, value)
            }
            "article:published_time"
            | "og:article:published_time"
            | "article.published"
            | "datepublished"
            | "dc.date.issued"
            | "dc.date.created"
            | "dcterms.issued"
            | "dcterms.created"
            | "pubdate"
            | "og:pubdate"
            | "publishdate"
            | "publish-date"
            | "publish_date"
            | "publication_date"
            | "citation_publication_date"
            | "parsely-pub-date"
            | "sailthru.date"
            | "og:published_time" => self.published.push(value),
            // Plain `date` metas are often the last edit: weaker evidence than a date line.
            "date" | "dc.date" | "dcterms.date" => self.dated.push(value),
            "author" | "dc.creator" | "article:author" if !value.starts_with("http") => {
                set(&mut self.author, value)
            }
            "keywords" | "news_keywords" => self.keywords.extend(split_list(&value)),
            "article:tag" => self.article_tags.push(value),
            "og:url" => set(&mut self.og_url, value),
            _ => {}
        }
    }

    fn take_link(&mut self, e: scraper::ElementRef<'_>) {
        let rels = e.attr("rel").unwrap_or_default().to_ascii_lowercase();
        for rel in rels.split_ascii_whitespace() {
            match rel {
                "canonical" if e.value().name() == "link" && self.canonical.is_none() => {
                    self.canonical = e.attr("href").map(str::to_string);
                }
                "author" if self.rel_author.is_none() => {
                    let name = clean_line(&e.text().collect::<String>());
                    if !name.is_empty() && name.chars().count() <= 80 {
                        self.rel_author = Some(name);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Splits a `a, b; c` list into cleaned, non-empty items.
pub(crate) fn split_list(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split([',', ';', '|'])
        .map(clean_line)
        .filter(|t| !t.is_empty())
}

/// Whether a `<script>` holds JSON-LD: typed `application/ld+json` (parameters such as
/// `; charset=utf-8`, case and spaces ignored), or untyped (`type` absent, empty or
/// `text/javascript`, which some templates write by mistake) with text that is a JSON object or
/// array naming a schema.org `@context`: JavaScript never starts with `{"@context"`.
fn is_jsonld_script(e: ElementRef<'_>) -> bool {
    let ty = e.value().attr("type").unwrap_or_default();
    let media = ty.split(';').next().unwrap_or_default().trim();
    if media.eq_ignore_ascii_case("application/ld+json") {
        return true;
    }
    if !(media.is_empty() || media.eq_ignore_ascii_case("text/javascript")) {
        return false;
    }
    let mut text = e.text();
    let head: String = text.by_ref().flat_map(str::chars).take(200).collect();
    let head = head.trim_start();
    (head.starts_with('{') || head.starts_with('[')) && head.contains("\"@context\"")
}

impl JsonLd {
    /// Takes headline, datePublished and author from the first article-typed object, falling
    /// back to any object that has them. Iterative, visits at most [`MAX_JSONLD_NODES`] values.
    fn absorb(&mut self, root: &Value) {
        let mut article = JsonLd::default();
        let mut any = JsonLd::default();
        let mut stack = vec![root];
        let mut visited = 0;
        while let Some(v) = stack.pop() {
            visited += 1;
            if visited > MAX_JSONLD_NODES {
                break;
            }
            match v {
                Value::Array(items) => stack.extend(items.iter().rev()),
                Value::Object(map) => {
                    let slot = if is_article_type(map.get("@type")) {
                        &mut article
                    } else {
                        &mut any
                    };
                    slot.fill_from(map);
                    stack.extend(map.values().rev().filter(|v| v.is_object() || v.is_array()));
                }
                _ => {}
            }
        }
        let pick = |a: Option<String>, b: Option<String>| a.or(b);
        self.headline = self
            .headline
            .take()
            .or(pick(article.headline, any.headline));
        self.date_published = self
            .date_published
            .take()
            .or(pick(article.date_published, any.date_published));
        self.author = self.author.take().or(pick(article.author, any.author));
        self.date_created = self.date_created.take().or(article.date_created);
    }

    fn fill_from(&mut self, map: &serde_json::Map<String, Value>) {
        if self.headline.is_none() {
            self.headline = map.get("headline").and_then(Value::as_str).map(clean_line);
        }
        if self.date_published.is_none() {
            self.date_published = map
                .get("datePublished")
                .and_then(Value::as_str)
                .map(clean_line);
        }
        if self.author.is_none() {
            self.author = map.get("author").and_then(person_name);
        }
        if self.date_created.is_none() && !map.contains_key("datePublished") {
            self.date_created = map
                .get("dateCreated")
                .and_then(Value::as_str)
                .map(clean_line);
        }
    }
}

/// `"@type": "NewsArticle"` or `["Article", ...]`.
fn is_article_type(t: Option<&Value>) -> bool {
    let is =
        |s: &str| s.ends_with("Article") || matches!(s, "BlogPosting" | "Report" | "PressRelease");
    match t {
        Some(Value::String(s)) => is(s),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(is),
        _ => false,
    }
}

/// A JSON-LD author: a string, a `{name}` object or the first of a list.
fn person_name(v: &Value) -> Option<String> {
    let name = match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("name").and_then(Value::as_str),
        Value::Array(a) => return a.iter().take(10).find_map(person_name),
        _ => None,
    }?;
    let name = clean_line(name);
    (!name.is_empty() && name.chars().count() <= 120).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meta_links_and_jsonld() {
        let html = r#"<html lang="de-DE"><head>
          <meta property="og:title" content=" Titel &amp; mehr ">
          <meta name="description" content="Kurz.">
          <meta name="keywords" content="OZG, Bayern; BayernPortal">
          <meta property="article:tag" content="Digitales">
          <meta property="article:published_time" content="2021-02-03T10:00:00+01:00">
          <link rel="canonical" href="/kanonisch.html">
          <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"WebSite","headline":"Website"},
            {"@type":"NewsArticle","headline":"Artikel","datePublished":"2021-02-03",
             "author":[{"@type":"Person","name":"Erika Muster"}]}]}</script>
          <script type="application/ld+json">{ not json </script>
          </head><body><a rel="author" href="/team/m">Max Muster</a></body></html>"#;
        let m = PageMeta::read(&Html::parse_document(html));
        assert_eq!(m.og_title.as_deref(), Some("Titel & mehr"));
        assert_eq!(m.description.as_deref(), Some("Kurz."));
        assert_eq!(m.keywords, ["OZG", "Bayern", "BayernPortal"]);
        assert_eq!(m.article_tags, ["Digitales"]);
        assert_eq!(m.published, ["2021-02-03T10:00:00+01:00"]);
        assert_eq!(m.canonical.as_deref(), Some("/kanonisch.html"));
        assert_eq!(m.html_lang.as_deref(), Some("de-DE"));
        assert_eq!(m.rel_author.as_deref(), Some("Max Muster"));
        assert_eq!(m.ld.headline.as_deref(), Some("Artikel"));
        assert_eq!(m.ld.date_published.as_deref(), Some("2021-02-03"));
        assert_eq!(m.ld.author.as_deref(), Some("Erika Muster"));
    }

    /// JSON-LD in scripts typed with parameters or not typed at all, and an article's
    /// `dateCreated` when it has no `datePublished` (never a WebPage's).
    #[test]
    fn jsonld_untyped_parameterised_and_date_created() {
        let read = |html: &str| PageMeta::read(&Html::parse_document(html)).ld;
        let ld = read(
            r#"<script type="application/ld+json; charset=utf-8">{"@context":"https://schema.org",
               "@type":"NewsArticle","datePublished":"2021-05-06"}</script>"#,
        );
        assert_eq!(ld.date_published.as_deref(), Some("2021-05-06"));
        let ld = read(
            r#"<script>
               {"@context":"http://schema.org","@type":"BlogPosting","datePublished":"2020-01-02"}
               </script>"#,
        );
        assert_eq!(ld.date_published.as_deref(), Some("2020-01-02"));
        let ld = read(
            r#"<script>var x = {"@context": 1}; window.datePublished = "2020-01-02";</script>
               <script type="text/template">{"@context":"https://schema.org",
               "@type":"NewsArticle","datePublished":"2019-01-01"}</script>"#,
        );
        assert_eq!(ld, JsonLd::default());
        let ld = read(
            r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
               {"@type":"WebPage","dateCreated":"2018-01-01"},
               {"@type":"Article","dateCreated":"2019-03-04","dateModified":"2019-05-06"}]}
               </script>"#,
        );
        assert_eq!(ld.date_published, None);
        assert_eq!(ld.date_created.as_deref(), Some("2019-03-04"));
        let ld = read(
            r#"<script type="application/ld+json">{"@type":"Article","dateCreated":"2019-03-04",
               "datePublished":"2019-03-08"}</script>"#,
        );
        assert_eq!(ld.date_published.as_deref(), Some("2019-03-08"));
        assert_eq!(ld.date_created, None);
    }

    #[test]
    fn deep_jsonld_is_bounded() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let html = format!(r#"<script type="application/ld+json">{deep}</script>"#);
        let m = PageMeta::read(&Html::parse_document(&html));
        assert_eq!(m.ld, JsonLd::default());
    }
}
