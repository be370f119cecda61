//! `govwire check`: a live preview of what govwire would read from one source or URL.
//!
//! This module owns the preview: it fetches the list page or feed once through the same
//! [`Fetcher`] the crawler uses (so robots.txt, the per-host rate limit and the size caps all
//! apply), shows what the configured list selectors match, extracts the first few articles with
//! the source's article selectors, and reports any feed the page advertises. It returns a
//! [`CheckReport`] value so that tests and scripts need no stdout; the command line only prints
//! it. It must never write to the store or change the source's health: a check is a dry run.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::crawl;
use crate::extract::{self, ExtractError};
use crate::fetch::{FetchError, Fetched, Fetcher, Page};
use crate::model::{ArticleSelectors, Candidate, ListSelectors, Source, SourceKind};

/// Articles fetched and extracted per check.
pub const ARTICLES: usize = 3;
/// Listing entries shown in the preview.
pub const LIST_PREVIEW: usize = 10;
/// Characters of article text shown in the preview.
pub const TEXT_PREVIEW: usize = 300;
/// Advertised feeds fetched to count their entries.
pub const FEEDS_FOLLOWED: usize = 3;

/// Why a check failed as a whole (a failing article is only noted in its [`ArticleCheck`]).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The list page or feed could not be fetched (robots.txt, HTTP status, network, size).
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The page or feed could not be read (invalid selector, unreadable feed).
    #[error("{url}: {source}")]
    Extract {
        /// The URL that was read.
        url: String,
        /// What the extractor said.
        source: ExtractError,
    },
    /// The `item` selector matched no teaser with a link: a redesign or a wrong selector.
    #[error(
        "{url}: the list selector `item = {item:?}` matched nothing with a link (site redesigned? fix [source.list] in sources.toml)"
    )]
    NoItems {
        /// The list page URL (after redirects).
        url: String,
        /// The configured `item` selector.
        item: String,
    },
    /// Items with links exist, but the configured `link` selector matches none of them.
    #[error(
        "{url}: `item = {item:?}` matches teasers with links ({found} with the default `a[href]`), but `link = {link:?}` matches none of them"
    )]
    NoLinks {
        /// The list page URL (after redirects).
        url: String,
        /// The configured `item` selector.
        item: String,
        /// The configured `link` selector.
        link: String,
        /// How many teasers the default link selector finds.
        found: usize,
    },
    /// The feed parsed but has no entry with a usable link.
    #[error("{url}: the feed has no entries with a link")]
    EmptyFeed {
        /// The feed URL (after redirects).
        url: String,
    },
    /// The page was read without selectors and no teasers were found.
    #[error(
        "{url}: no teasers found (no repeated blocks linking to articles of this site); add [source.list] selectors"
    )]
    NoTeasers {
        /// The list page URL (after redirects).
        url: String,
    },
    /// None of the sampled articles could be fetched or read (wrong links, e.g. a `<base href>`
    /// ignored, or articles behind a login).
    #[error("{url}: none of the {failed} sampled articles could be fetched or read: {first}")]
    ArticlesFailed {
        /// The source URL.
        url: String,
        /// Articles sampled, all failed.
        failed: usize,
        /// The first failure.
        first: String,
    },
    /// The server answered an unconditional request with 304 Not Modified.
    #[error("{url} answered 304 Not Modified to a request without validators")]
    NotModified {
        /// The URL.
        url: String,
    },
}

/// What a fetched body turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageType {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// An HTML page.
    Html,
}

/// The fetched list page or feed.
#[derive(Debug, Clone, Serialize)]
pub struct PageInfo {
    /// The URL after redirects.
    pub final_url: String,
    /// The Content-Type header, if any.
    pub content_type: Option<String>,
    /// Body size in bytes (after decompression).
    pub bytes: usize,
    /// Whether the body is a feed or HTML.
    pub detected: PageType,
}

/// One entry of the listing as govwire reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedItem {
    /// Absolute article URL.
    pub url: String,
    /// Teaser or entry title.
    pub title: Option<String>,
    /// Teaser or entry date, as parsed.
    pub published: Option<DateTime<Utc>>,
}

/// What the list selectors (or the feed parser) found.
#[derive(Debug, Clone, Serialize)]
pub struct ListingCheck {
    /// The configured list selectors; `None` for feeds.
    pub selectors: Option<ListSelectors>,
    /// True when an HTML list page was read without selectors (teasers found automatically).
    pub automatic: bool,
    /// Entries found (teasers with a link, de-duplicated; or feed entries with a link).
    pub found: usize,
    /// Entries with a title.
    pub with_title: usize,
    /// Entries with a parsed date.
    pub with_date: usize,
    /// The first [`LIST_PREVIEW`] entries.
    pub items: Vec<ListedItem>,
}

/// One article as extraction reads it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArticleCheck {
    /// The link from the listing (or the checked URL).
    pub url: String,
    /// The canonical URL extraction settled on.
    pub canonical: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Kicker / Dachzeile.
    pub kicker: Option<String>,
    /// Publication date.
    pub published: Option<DateTime<Utc>>,
    /// Whether the page stated a time of day with it or only the day.
    pub published_precision: crate::model::DatePrecision,
    /// The offset the page wrote the date in (`None`: Europe/Berlin).
    pub published_offset: Option<i32>,
    /// Subtitle / Unterzeile.
    pub subtitle: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// The author's role, when the byline names one.
    pub author_role: Option<String>,
    /// The site's own tags.
    pub tags: Vec<String>,
    /// Detected language.
    pub lang: Option<String>,
    /// The first [`TEXT_PREVIEW`] characters of the main text.
    pub text_start: String,
    /// Length of the main text in characters.
    pub text_chars: usize,
    /// True when title and text come from the listing (feed content or teaser) rather than the
    /// article page: the source has `fetch_articles = false`, or the page failed.
    pub from_feed: bool,
    /// Why this article could not be fetched or extracted.
    pub error: Option<String>,
}

/// A feed the page advertises with `<link rel="alternate">`.
#[derive(Debug, Clone, Serialize)]
pub struct AdvertisedFeed {
    /// Absolute feed URL.
    pub url: String,
    /// Entries with a link, if the feed was fetched and read.
    pub entries: Option<usize>,
    /// Why it could not be fetched or read, or `None`.
    pub error: Option<String>,
}

/// Everything one check found; [`CheckReport::ok`] tells whether the source works.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// The configured source id, or `None` for a bare URL.
    pub source_id: Option<String>,
    /// The configured kind, or `None` for a bare URL.
    pub kind: Option<SourceKind>,
    /// The URL checked.
    pub url: String,
    /// The fetched page, if the fetch succeeded.
    pub page: Option<PageInfo>,
    /// What the listing yielded, if it was read.
    pub listing: Option<ListingCheck>,
    /// The first articles as extracted.
    pub articles: Vec<ArticleCheck>,
    /// Feeds the page advertises.
    pub feeds: Vec<AdvertisedFeed>,
    /// For an automatic source: the entry points the crawler finds from its page (feeds, news
    /// lists with their pager pages, sitemaps), read the way `govwire add` reads them.
    pub entry_points: Option<crawl::probe::Probe>,
    /// Suggestions for the configuration.
    pub hints: Vec<String>,
    /// Why the check failed, if it did.
    #[serde(serialize_with = "error_text")]
    pub error: Option<CheckError>,
}

impl CheckReport {
    fn new(source: Option<&Source>, url: &str) -> CheckReport {
        CheckReport {
            source_id: source.map(|s| s.id.clone()),
            kind: source.map(|s| s.kind),
            url: url.to_string(),
            page: None,
            listing: None,
            articles: Vec::new(),
            feeds: Vec::new(),
            entry_points: None,
            hints: Vec::new(),
            error: None,
        }
    }

    /// True when the page was fetched and its listing (or article) could be read.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

fn error_text<S: Serializer>(e: &Option<CheckError>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_some(&e.to_string()),
        None => s.serialize_none(),
    }
}

/// Checks a configured source: its listing with its selectors, its first [`ARTICLES`]
/// articles with its article selectors, and the feeds its list page advertises.
pub async fn check_source(fetcher: &Fetcher, source: &Source) -> CheckReport {
    let mut report = CheckReport::new(Some(source), &source.url);
    let page = match fetch(fetcher, &source.url).await {
        Ok(p) => p,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let detected = if crawl::listing::is_feed(&page) {
        PageType::Feed
    } else {
        PageType::Html
    };
    report.page = Some(page_info(&page, detected));
    let text = match detected {
        PageType::Html => Some(page.text()),
        PageType::Feed => None,
    };
    if source.kind == SourceKind::Html && detected == PageType::Feed {
        report.hints.push(format!(
            "{} serves a feed, not an HTML page: consider kind = \"feed\"",
            page.url
        ));
    }
    let mut candidates = read_like_the_crawler(source, &page, text.as_deref());
    if let Some(text) = &text {
        if source.kind == SourceKind::Feed {
            report.hints.push(format!(
                "kind = \"feed\", but {} serves an HTML page",
                page.url
            ));
        }
        if source.kind == SourceKind::Auto {
            // A site: its entry points as the crawler finds them. A home page without teasers
            // of its own is fine when its feeds or lists have entries.
            let (site, pool) = crawl::probe::probe_page(fetcher, source, &page).await;
            report.feeds = site
                .feeds
                .iter()
                .map(|f| AdvertisedFeed {
                    url: f.url.clone(),
                    entries: f.entries,
                    error: f.error.clone(),
                })
                .collect();
            if candidates.is_err() && !pool.is_empty() {
                let mut check = listing_check(None, &pool);
                check.automatic = true;
                candidates = Ok((check, pool));
            }
            report.entry_points = Some(site);
        } else {
            report.feeds = advertised_feeds(fetcher, text, &page.url).await;
        }
        feed_hints(&mut report);
    }
    let candidates = match candidates {
        Ok((listing, candidates)) => {
            report.listing = Some(listing);
            candidates
        }
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    for c in candidates.iter().take(ARTICLES) {
        let article = if source.fetch_articles {
            article_from_page(fetcher, source, c).await
        } else {
            article_from_feed(c)
        };
        report.articles.push(article);
    }
    let failed = report
        .articles
        .iter()
        .filter(|a| a.error.is_some() && !a.from_feed)
        .count();
    if failed > 0 && failed == report.articles.len() {
        report.error = Some(CheckError::ArticlesFailed {
            url: source.url.clone(),
            failed,
            first: report.articles[0].error.clone().unwrap_or_default(),
        });
    }
    report
}

/// The listing read by the crawler's own code ([`crawl::listing::read_listing`]: feed,
/// selectors or automatic teasers); when configured selectors find nothing, says whether `item`
/// or `link` is at fault.
fn read_like_the_crawler(
    source: &Source,
    page: &Page,
    html: Option<&str>,
) -> Result<(ListingCheck, Vec<Candidate>), CheckError> {
    match crawl::listing::read_listing(source, page) {
        Ok(listing) if listing.feed && listing.candidates.is_empty() => {
            Err(CheckError::EmptyFeed {
                url: page.url.clone(),
            })
        }
        Ok(listing) => {
            let mut check = listing_check(source.list.clone(), &listing.candidates);
            check.automatic = !listing.feed && source.list.is_none();
            Ok((check, listing.candidates))
        }
        Err(crawl::CrawlError::Extract { url, source }) => Err(CheckError::Extract { url, source }),
        Err(_) => match &source.list {
            Some(list) => read_list_page(html.unwrap_or_default(), &page.url, list),
            None => Err(CheckError::NoTeasers {
                url: page.url.clone(),
            }),
        },
    }
}

/// Checks a bare URL: a feed shows its first entries; an HTML page shows the feeds it
/// advertises and is extracted as one article with automatic extraction.
pub async fn check_url(fetcher: &Fetcher, url: &str) -> CheckReport {
    let mut report = CheckReport::new(None, url);
    let page = match fetch(fetcher, url).await {
        Ok(p) => p,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let detected = if crawl::listing::is_feed(&page) {
        PageType::Feed
    } else {
        PageType::Html
    };
    report.page = Some(page_info(&page, detected));
    match detected {
        PageType::Feed => match read_feed(&page) {
            Ok((listing, _)) => {
                report.hints.push(format!(
                    "a feed with {} entries: add it as a [[source]] with kind = \"feed\"",
                    listing.found
                ));
                report.listing = Some(listing);
            }
            Err(e) => report.error = Some(e),
        },
        PageType::Html => {
            let text = page.text();
            report.feeds = advertised_feeds(fetcher, &text, &page.url).await;
            feed_hints(&mut report);
            let mut article = ArticleCheck {
                url: page.url.clone(),
                ..ArticleCheck::default()
            };
            match extract::extract_article(&text, &page.url, &ArticleSelectors::default()) {
                Ok(draft) => fill_article(&mut article, draft),
                Err(source) => {
                    report.error = Some(CheckError::Extract {
                        url: page.url.clone(),
                        source,
                    })
                }
            }
            report.articles.push(article);
            report.hints.push(
                "if this is a list page, add it as a [[source]] with id, name and url (its \
                 teasers are found automatically), then run `govwire check ID`"
                    .to_string(),
            );
        }
    }
    report
}

async fn fetch(fetcher: &Fetcher, url: &str) -> Result<Page, CheckError> {
    match fetcher.get(url, None).await? {
        Fetched::Page(p) => Ok(p),
        Fetched::NotModified => Err(CheckError::NotModified {
            url: url.to_string(),
        }),
    }
}

fn page_info(page: &Page, detected: PageType) -> PageInfo {
    PageInfo {
        final_url: page.url.clone(),
        content_type: page.content_type.clone(),
        bytes: page.bytes.len(),
        detected,
    }
}

fn listing_check(selectors: Option<ListSelectors>, candidates: &[Candidate]) -> ListingCheck {
    ListingCheck {
        automatic: false,
        selectors,
        found: candidates.len(),
        with_title: candidates.iter().filter(|c| c.title.is_some()).count(),
        with_date: candidates.iter().filter(|c| c.published.is_some()).count(),
        items: candidates
            .iter()
            .take(LIST_PREVIEW)
            .map(|c| ListedItem {
                url: c.url.clone(),
                title: c.title.clone(),
                published: c.published,
            })
            .collect(),
    }
}

fn read_feed(page: &Page) -> Result<(ListingCheck, Vec<Candidate>), CheckError> {
    let candidates = extract::parse_feed_as(&page.bytes, &page.url, page.content_type.as_deref())
        .map_err(|source| CheckError::Extract {
        url: page.url.clone(),
        source,
    })?;
    if candidates.is_empty() {
        return Err(CheckError::EmptyFeed {
            url: page.url.clone(),
        });
    }
    Ok((listing_check(None, &candidates), candidates))
}

/// Reads the list page; when nothing is found, tells whether `item` or `link` is at fault.
fn read_list_page(
    html: &str,
    url: &str,
    list: &ListSelectors,
) -> Result<(ListingCheck, Vec<Candidate>), CheckError> {
    let extract_err = |source| CheckError::Extract {
        url: url.to_string(),
        source,
    };
    let candidates = extract::parse_listing(html, url, list).map_err(extract_err)?;
    if !candidates.is_empty() {
        return Ok((listing_check(Some(list.clone()), &candidates), candidates));
    }
    if let Some(link) = &list.link {
        let default_link = ListSelectors {
            link: None,
            ..list.clone()
        };
        let found = extract::parse_listing(html, url, &default_link)
            .map_err(extract_err)?
            .len();
        if found > 0 {
            return Err(CheckError::NoLinks {
                url: url.to_string(),
                item: list.item.clone(),
                link: link.clone(),
                found,
            });
        }
    }
    Err(CheckError::NoItems {
        url: url.to_string(),
        item: list.item.clone(),
    })
}

/// The advertised feeds; the first [`FEEDS_FOLLOWED`] are fetched and their entries counted.
async fn advertised_feeds(fetcher: &Fetcher, html: &str, page_url: &str) -> Vec<AdvertisedFeed> {
    let mut out = Vec::new();
    for (i, url) in extract::feed_links(html, page_url).into_iter().enumerate() {
        let mut feed = AdvertisedFeed {
            url,
            entries: None,
            error: None,
        };
        if i < FEEDS_FOLLOWED {
            match fetch(fetcher, &feed.url).await {
                Ok(page) => match extract::parse_feed_as(
                    &page.bytes,
                    &page.url,
                    page.content_type.as_deref(),
                ) {
                    Ok(c) => feed.entries = Some(c.len()),
                    Err(e) => feed.error = Some(e.to_string()),
                },
                Err(e) => feed.error = Some(e.to_string()),
            }
        }
        out.push(feed);
    }
    out
}

fn feed_hints(report: &mut CheckReport) {
    for f in &report.feeds {
        let hint = match (f.entries, &f.error) {
            (Some(n), _) if n > 0 => format!(
                "this page advertises a feed: {} ({n} entries); consider kind = \"feed\" with url = \"{}\"",
                f.url, f.url
            ),
            (Some(_), _) => format!(
                "this page advertises a feed, but it has no entries: {}",
                f.url
            ),
            (None, Some(e)) => format!("this page advertises a feed that failed: {e}"),
            (None, None) => format!("this page also advertises the feed {}", f.url),
        };
        report.hints.push(hint);
    }
}

/// An article sampled from a source's listing, built by the crawler's own code
/// (`crawl::draft`: canonical check, listing fill-in).
async fn article_from_page(fetcher: &Fetcher, source: &Source, c: &Candidate) -> ArticleCheck {
    let (url, listed) = (c.url.as_str(), Some(c));
    let mut out = ArticleCheck {
        url: url.to_string(),
        ..ArticleCheck::default()
    };
    let page = match fetch(fetcher, url).await {
        Ok(p) => p,
        Err(e) => {
            // Like the crawler, fall back to what the feed carries.
            if let Some(c) = listed.filter(|c| c.content_html.is_some()) {
                let mut from_feed = article_from_feed(c);
                from_feed.error = Some(format!("{e}; showing the feed's content"));
                return from_feed;
            }
            out.error = Some(e.to_string());
            return out;
        }
    };
    match crawl::draft(source, c, Some(&page)) {
        Ok(draft) => fill_article(&mut out, draft),
        Err(e) => out.error = Some(e.to_string()),
    }
    out
}

fn article_from_feed(c: &Candidate) -> ArticleCheck {
    let text = extract::candidate_text(c);
    ArticleCheck {
        url: c.url.clone(),
        canonical: None,
        title: c.title.clone(),
        published: c.published,
        author: c.author.clone(),
        tags: c.tags.clone(),
        lang: extract::detect_language(&text, None),
        text_start: extract::text::truncate_words(&text, TEXT_PREVIEW),
        text_chars: text.chars().count(),
        from_feed: true,
        ..ArticleCheck::default()
    }
}

fn fill_article(out: &mut ArticleCheck, d: crate::model::Draft) {
    out.canonical = Some(d.url);
    out.title = d.title;
    out.kicker = d.kicker;
    out.published = d.published;
    out.published_precision = d.published_precision;
    out.published_offset = d.published_offset;
    out.subtitle = d.subtitle;
    out.author = d.author;
    out.author_role = d.author_role;
    out.tags = d.tags;
    out.lang = d.lang;
    out.text_start = extract::text::truncate_words(&d.text, TEXT_PREVIEW);
    out.text_chars = d.text.chars().count();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_and_pages_are_told_apart() {
        let page = |ct: Option<&str>, body: &str| Page {
            url: "https://a.test/x".into(),
            content_type: ct.map(str::to_owned),
            bytes: body.as_bytes().to_vec(),
            validators: Default::default(),
        };
        let rss = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel></channel></rss>";
        let html = "<!DOCTYPE html><html><head><title>x</title></head></html>";
        let cases = [
            // By content first: an RSS document served as text/html is a feed.
            (Some("text/html; charset=utf-8"), rss, PageType::Feed),
            (Some("application/rss+xml"), html, PageType::Feed),
            (Some("application/atom+xml"), "", PageType::Feed),
            (Some("application/xml"), rss, PageType::Feed),
            (Some("text/xml"), html, PageType::Html),
            (
                None,
                "\u{feff}  <feed xmlns=\"http://www.w3.org/2005/Atom\">",
                PageType::Feed,
            ),
            (
                None,
                "{\"version\": \"https://jsonfeed.org/version/1.1\"}",
                PageType::Feed,
            ),
            (Some("application/octet-stream"), html, PageType::Html),
            (None, "", PageType::Html),
        ];
        for (ct, body, want) in cases {
            let got = crate::crawl::listing::is_feed(&page(ct, body));
            assert_eq!(got, want == PageType::Feed, "{ct:?} {body:?}");
        }
    }
}
