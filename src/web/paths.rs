//! Site paths: every link the web view builds to one of its own pages or feeds.
//!
//! This file owns the shape of the site's URLs (`/source/{id}`, `/keyword/{name}`, `/land/BY`,
//! `/trends?q=…`, `/search?…`, the feed files under a listing) and the percent-encoding of path
//! segments. It is a leaf of the web module: it imports nothing from web's other files, so any of
//! them (view models, scopes, templates, handlers) may link without creating an import loop. It
//! must never read request input or the store; values come in already parsed.

use chrono::NaiveDate;

use crate::model::Article;
use crate::store::{Region, tag_key};

/// Percent-encodes `segment` for use as one URL path segment (RFC 3986 unreserved kept).
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/keyword/{name}`.
pub fn keyword_path(name: &str) -> String {
    format!("/keyword/{}", encode_segment(name))
}

/// `/tag/{normalised tag}`.
pub fn tag_path(tag: &str) -> String {
    format!("/tag/{}", encode_segment(&tag_key(tag)))
}

/// `/source/{id}`.
pub fn source_path(id: &str) -> String {
    format!("/source/{}", encode_segment(id))
}

/// `/article/{id}`.
pub fn article_path(article: &Article) -> String {
    format!("/article/{}", article.id)
}

/// `/land/BY`, `/mentions/BY`, `/level/bund`.
pub fn region_path(region: Region) -> String {
    match region {
        Region::From(l) => format!("/land/{}", l.code()),
        Region::Mentions(l) => format!("/mentions/{}", l.code()),
        Region::Level(l) => format!("/level/{}", l.as_str()),
    }
}

/// `{base}/{file}`: the feed `file` (`feed.xml`, `atom.xml`) of the listing at `base` (`""` for
/// the site-wide feeds).
pub fn feed_path(base: &str, file: &str) -> String {
    format!("{base}/{file}")
}

/// `/digest/{YYYY-MM-DD}`.
pub fn digest_day_path(date: NaiveDate) -> String {
    format!("/digest/{}", date.format("%Y-%m-%d"))
}

/// `/trends?q=…` for the query text `q` as typed.
pub fn trends_path(q: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", q);
    format!("/trends?{}", s.finish())
}

/// `/trends?q=keyword:NAME` (quoted when the name has spaces).
pub fn keyword_trend_path(name: &str) -> String {
    let q = if name.contains(char::is_whitespace) {
        format!("keyword:\"{name}\"")
    } else {
        format!("keyword:{name}")
    };
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &q)
        .finish();
    format!("/trends?{query}")
}

/// The parameters of a search link, as the search form has them.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchLink<'a> {
    /// The query text as typed.
    pub q: &'a str,
    /// The form's `from` date.
    pub from: Option<NaiveDate>,
    /// The form's `to` date.
    pub to: Option<NaiveDate>,
    /// The explicit sort order (`date`, `relevance`), if one was chosen.
    pub sort: Option<&'a str>,
}

impl SearchLink<'_> {
    /// `path?q=…&from=…&to=…&sort=…[&page=n]` with only the non-default parameters (`path` is
    /// `/search` or one of its exports).
    pub fn href(&self, path: &str, page: Option<usize>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", self.q);
        if let Some(f) = self.from {
            s.append_pair("from", &f.to_string());
        }
        if let Some(t) = self.to {
            s.append_pair("to", &t.to_string());
        }
        if let Some(sort) = self.sort {
            s.append_pair("sort", sort);
        }
        if let Some(n) = page.filter(|n| *n > 1) {
            s.append_pair("page", &n.to_string());
        }
        format!("{path}?{}", s.finish())
    }

    /// `path?q=…&by=…[&from=…][&to=…]` for the trend chart or its CSV at `path`, with the period
    /// `by` (`week`, `month`).
    pub fn trend_href(&self, path: &str, by: &str) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", self.q);
        s.append_pair("by", by);
        if let Some(f) = self.from {
            s.append_pair("from", &f.to_string());
        }
        if let Some(t) = self.to {
            s.append_pair("to", &t.to_string());
        }
        format!("{path}?{}", s.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode_segment("OZG"), "OZG");
        assert_eq!(encode_segment("a b/c?d#e"), "a%20b%2Fc%3Fd%23e");
        assert_eq!(encode_segment("Grüße"), "Gr%C3%BC%C3%9Fe");
        assert_eq!(encode_segment("\"><script>"), "%22%3E%3Cscript%3E");
    }

    #[test]
    fn keyword_trend_links_are_valid_queries() {
        for name in ["OZG", "E-Akte Bund", "Zuständigkeit"] {
            let href = keyword_trend_path(name);
            let query = href.strip_prefix("/trends?").expect("trends link");
            let q = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned())
                .expect("q");
            assert!(crate::search::query::parse(&q).is_ok(), "{name}: {q}");
        }
    }

    #[test]
    fn listing_and_feed_paths() {
        assert_eq!(source_path("k21"), "/source/k21");
        assert_eq!(keyword_path("E-Akte Bund"), "/keyword/E-Akte%20Bund");
        assert_eq!(
            tag_path("  Digitale   Verwaltung "),
            "/tag/digitale-verwaltung"
        );
        assert_eq!(feed_path("", "feed.xml"), "/feed.xml");
        assert_eq!(
            feed_path("/keyword/OZG", "atom.xml"),
            "/keyword/OZG/atom.xml"
        );
    }

    #[test]
    fn search_links_keep_only_given_parameters() {
        let from = NaiveDate::from_ymd_opt(2020, 1, 1);
        let link = SearchLink {
            q: "OZG & E-Akte",
            from,
            ..SearchLink::default()
        };
        assert_eq!(
            link.href("/search", Some(1)),
            "/search?q=OZG+%26+E-Akte&from=2020-01-01"
        );
        assert_eq!(
            link.href("/search.csv", Some(3)),
            "/search.csv?q=OZG+%26+E-Akte&from=2020-01-01&page=3"
        );
        assert_eq!(
            link.trend_href("/trends.csv", "month"),
            "/trends.csv?q=OZG+%26+E-Akte&by=month&from=2020-01-01"
        );
        assert_eq!(trends_path("a b"), "/trends?q=a+b");
    }
}
