//! The askama templates (files in `templates/`) and the page layout they share.
//!
//! This file owns the template structs only; their fields are ready-made view models from
//! [`super::view`]. Every template is `.html`, so askama escapes every value; nothing here may
//! use the `safe` filter on stored text.

use askama::Template;

use super::paths::feed_path;
use super::view::{ArticleView, Card, Chip, KeywordRow, SourceRow};

/// Versioned stylesheet URL (the version busts the one-year cache on upgrades).
pub const CSS_HREF: &str = concat!("/static/style.css?v=", env!("CARGO_PKG_VERSION"));

/// What every page's frame needs: titles and the matching feeds for `<head>`.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Site name shown in the header.
    pub site_title: String,
    /// Page-specific part of `<title>`.
    pub page_title: String,
    /// Site-relative RSS URL of this page's feed, if it has one.
    pub feed_rss: Option<String>,
    /// Site-relative Atom URL of this page's feed, if it has one.
    pub feed_atom: Option<String>,
    /// Stylesheet URL.
    pub css_href: &'static str,
}

impl Layout {
    /// A layout; `feed_base` is the path the feeds hang off (`""` for the site-wide feeds).
    pub fn new(site_title: &str, page_title: &str, feed_base: Option<&str>) -> Layout {
        let base = feed_base.map(|b| b.trim_end_matches('/').to_string());
        Layout {
            site_title: site_title.to_string(),
            page_title: page_title.to_string(),
            feed_rss: base.as_ref().map(|b| feed_path(b, "feed.xml")),
            feed_atom: base.as_ref().map(|b| feed_path(b, "atom.xml")),
            css_href: CSS_HREF,
        }
    }
}

/// A list of article cards: the front page, a keyword, a tag or a source.
#[derive(Template)]
#[template(path = "listing.html")]
pub struct ListingPage {
    /// Frame.
    pub layout: Layout,
    /// `<h1>`.
    pub heading: String,
    /// The source described above the list (source pages only).
    pub source: Option<SourceRow>,
    /// The articles.
    pub cards: Vec<Card>,
    /// Link to newer articles, if this is not page 1.
    pub newer: Option<String>,
    /// Link to older articles, if there are any.
    pub older: Option<String>,
    /// Current page number.
    pub page: usize,
}

/// One article.
#[derive(Template)]
#[template(path = "article.html")]
pub struct ArticlePage {
    /// Frame.
    pub layout: Layout,
    /// The article.
    pub article: ArticleView,
}

/// Links to the level and Land listings.
#[derive(Template)]
#[template(path = "regions.html")]
pub struct RegionsPage {
    /// Frame.
    pub layout: Layout,
    /// One chip per level.
    pub levels: Vec<Chip>,
    /// Per Land: name, "from" listing path, "mentions" listing path.
    pub lands: Vec<(String, String, String)>,
}

/// The keyword watchlist.
#[derive(Template)]
#[template(path = "keywords.html")]
pub struct KeywordsPage {
    /// Frame.
    pub layout: Layout,
    /// Watched keywords in configured order.
    pub keywords: Vec<KeywordRow>,
}

/// The configured sources with their crawl health.
#[derive(Template)]
#[template(path = "sources.html")]
pub struct SourcesPage {
    /// Frame.
    pub layout: Layout,
    /// Sources in configured order.
    pub sources: Vec<SourceRow>,
    /// Digest e-mail delivery: last day sent (German date and time), if any.
    pub mail_sent: Option<String>,
    /// Digest e-mail delivery: the current failure, if the last attempt failed.
    pub mail_error: Option<String>,
}

/// An error page (404, 400, 500).
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Frame.
    pub layout: Layout,
    /// HTTP status code.
    pub status: u16,
    /// German heading.
    pub heading: &'static str,
    /// German explanation.
    pub message: String,
}
