//! Extraction: turns fetched feeds, list pages and article pages into `Candidate`s and `Draft`s.
//!
//! This module owns feed reading (feed-rs), list pages (CSS selectors), article fields (title,
//! kicker, date, author, canonical URL, tags, summary, language), automatic main-text detection,
//! German date parsing and text clean-up. It is pure: text or bytes and configuration in, values
//! out. It must never do I/O, read a global clock, decode charsets of HTML pages (that is
//! `fetch`'s job), panic on hostile input, or recurse over the document tree: every tree walk
//! here is iterative so that pathologically nested pages cannot overflow the stack.

mod article;
mod auto;
mod autolist;
mod boiler;
mod byline;
mod canonical;
pub mod dates;
mod discovery;
mod dom;
mod feed;
mod feed_lenient;
mod feed_repair;
mod headline;
mod lang;
mod links;
mod listing;
mod meta;
mod prepass;
mod pubdate;
mod stats;
mod tags;
pub mod text;

use thiserror::Error;

pub use article::extract_article;
pub use auto::main_text;
pub use autolist::{AutoListing, MAX_LINKS as MAX_LIST_LINKS, auto_listing};
pub use byline::{Author, prefer_author};
pub use canonical::{canonical_url, clean_url};
pub use discovery::{
    MAX_SITEMAP_BYTES, MAX_SITEMAP_URLS, Sitemap, SitemapUrl, feed_links, news_list_links,
    parse_sitemap, robots_sitemaps, site_name,
};
pub use dom::html_fragment_to_text;
pub use feed::{looks_like_feed, parse_feed, parse_feed_as};
pub use lang::detect_language;
pub use links::{document_base, is_article_link, is_pager_link, next_page};
pub use listing::parse_listing;
pub use text::truncate_words;

/// The text a feed entry or teaser carries by itself: its content as plain text, else its
/// summary (empty if neither). Used when an article page is not fetched or yields nothing.
pub fn candidate_text(c: &crate::model::Candidate) -> String {
    c.content_html
        .as_deref()
        .map(html_fragment_to_text)
        .filter(|t| !t.trim().is_empty())
        .or_else(|| c.summary.clone())
        .unwrap_or_default()
}

/// Why extraction of a feed, list page or article failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// A configured CSS selector does not parse; fix it in sources.toml.
    #[error(
        "invalid CSS selector for `{field}`: `{selector}`: {reason}; fix it in the source's [source.article] or [source.list] table"
    )]
    Selector {
        /// Which selector field (`item`, `link`, `body`, ...).
        field: &'static str,
        /// The selector text as configured.
        selector: String,
        /// The parser's complaint.
        reason: String,
    },
    /// The bytes at `url` are not a feed feed-rs can read (RSS, Atom or JSON Feed).
    #[error("not a readable feed at {url}: {reason}")]
    Feed {
        /// The feed URL.
        url: String,
        /// The parser's complaint.
        reason: String,
    },
    /// The page or feed URL itself is not an absolute http(s) URL.
    #[error("not an absolute http(s) URL: `{url}`")]
    BadUrl {
        /// The offending URL.
        url: String,
    },
}

/// Parses a configured selector, naming the field in the error.
pub(crate) fn selector(field: &'static str, css: &str) -> Result<scraper::Selector, ExtractError> {
    scraper::Selector::parse(css).map_err(|e| ExtractError::Selector {
        field,
        selector: css.to_string(),
        reason: selector_reason(&e),
    })
}

/// What is wrong with a selector, in words: scraper prints most parser complaints as
/// "Unexpected error occurred. Please report this to the developer ClassNeedsIdent", which
/// blames the wrong person and names no fix.
pub(crate) fn selector_reason(e: &scraper::error::SelectorErrorKind) -> String {
    use scraper::error::SelectorErrorKind as K;
    let kind = match e {
        K::UnexpectedSelectorParseError(kind) => kind,
        K::EndOfLine => {
            return "it ends too early (a `.`, `#`, `[` or `:` with nothing after it?)".into();
        }
        K::UnexpectedToken => return "a character that does not belong there".into(),
        _ => return e.to_string(),
    };
    let debug = format!("{kind:?}");
    let name = debug.split(['(', ' ', '{']).next().unwrap_or_default();
    match name {
        "ClassNeedsIdent" => "a `.` must be followed by a class name".into(),
        "EmptySelector" => "the selector is empty".into(),
        "DanglingCombinator" => "a combinator (`>`, `+`, `~`) has nothing after it".into(),
        "EmptyNegation" => "`:not()` needs a selector inside".into(),
        "UnsupportedPseudoClassOrElement" | "UnexpectedIdent" => {
            format!(
                "unsupported pseudo-class or name {}",
                debug.trim_start_matches(name)
            )
        }
        "NoQualifiedNameInAttributeSelector"
        | "ExpectedBarInAttr"
        | "BadValueInAttr"
        | "InvalidQualNameInAttr" => "malformed attribute selector (`[name=\"value\"]`)".into(),
        _ => format!("cannot parse it ({name})"),
    }
}

/// Parses an absolute http(s) base URL, or a `file://` URL (`govwire extract` reading a saved
/// page without `--url`; nothing is fetched from it).
pub(crate) fn page_base_url(url: &str) -> Result<url::Url, ExtractError> {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "file" => Ok(u),
        _ => base_url(url),
    }
}

/// Parses an absolute http(s) base URL.
pub(crate) fn base_url(url: &str) -> Result<url::Url, ExtractError> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u),
        _ => Err(ExtractError::BadUrl {
            url: url.chars().take(200).collect(),
        }),
    }
}

#[cfg(test)]
mod fields_tests;
#[cfg(test)]
mod tests;
