//! `govwire add URL`: a polite look at a site before it becomes a source.
//!
//! Fetches the URL through the crawler's own fetcher (robots.txt, Crawl-delay, one request at a
//! time per host) and reads it with the crawler's own code: the entry points an automatic
//! source would find ([`super::entries::discover_on_page`], robots.txt `Sitemap:` lines), each
//! feed's entries, the list page's teasers and a few of its pager pages, and the first three
//! articles as the crawler would extract them ([`super::draft`]). Bounded: at most
//! [`MAX_PAGES`] list pages, [`MAX_SITEMAPS`] sitemaps and [`MAX_ARTICLES`] articles.

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use super::entries::discover_on_page;
use super::listing::{Listing, read_listing};
use crate::extract;
use crate::fetch::{FetchError, Fetched, Fetcher, Page};
use crate::model::{ArticleSelectors, Candidate, EntryKind, Level, Source, SourceKind};

/// List pages read per list (the first and the pager pages after it).
pub const MAX_PAGES: usize = 3;
/// Sitemaps read (an index counts as one and leads to none).
pub const MAX_SITEMAPS: usize = 3;
/// Articles fetched and extracted as a sample.
pub const MAX_ARTICLES: usize = 3;

/// A feed found on the site.
#[derive(Debug, Clone, Serialize)]
pub struct FoundFeed {
    /// Its URL.
    pub url: String,
    /// Entries it holds now (`None` when it could not be read).
    pub entries: Option<usize>,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// A news list page found on the site (or the URL itself, read as one).
#[derive(Debug, Clone, Serialize)]
pub struct FoundList {
    /// Its URL.
    pub url: String,
    /// Teasers matched on its first page.
    pub teasers: usize,
    /// List pages read (up to [`MAX_PAGES`]).
    pub pages: usize,
    /// True when its pager leads further than the pages read.
    pub more_pages: bool,
    /// The pager pages read after the first, in order.
    pub pager: Vec<String>,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// A sitemap named by robots.txt.
#[derive(Debug, Clone, Serialize)]
pub struct FoundSitemap {
    /// Its URL.
    pub url: String,
    /// Pages it names.
    pub pages: usize,
    /// Of those, news sitemap entries.
    pub news: usize,
    /// Further sitemaps it names (a sitemap index).
    pub sitemaps: usize,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// One sampled article as the crawler extracts it.
#[derive(Debug, Clone, Serialize)]
pub struct SampledArticle {
    /// Its URL.
    pub url: String,
    /// The title.
    pub title: Option<String>,
    /// The publication time.
    pub published: Option<DateTime<Utc>>,
    /// Why it could not be fetched or read.
    pub error: Option<String>,
}

/// What [`probe`] found on a site.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    /// The URL probed.
    pub url: String,
    /// A proposed source id (`[a-z0-9-]+`, from the host or path).
    pub id: String,
    /// A proposed name (the site's own: `og:site_name` or `<title>`).
    pub name: String,
    /// True when the URL itself is a feed.
    pub is_feed: bool,
    /// Feeds (the URL itself, or those advertised on its page).
    pub feeds: Vec<FoundFeed>,
    /// News lists (the URL itself when it has teasers, and those it links to).
    pub lists: Vec<FoundList>,
    /// Sitemaps of robots.txt.
    pub sitemaps: Vec<FoundSitemap>,
    /// The first articles, as extracted.
    pub articles: Vec<SampledArticle>,
}

impl Probe {
    /// True when the crawler would find articles here (a feed with entries or a list with
    /// teasers or a sitemap with news entries).
    pub fn usable(&self) -> bool {
        self.feeds.iter().any(|f| f.entries.unwrap_or(0) > 0)
            || self.lists.iter().any(|l| l.teasers > 0)
            || self.sitemaps.iter().any(|s| s.news > 0)
    }
}

/// A source id proposed for `url`: the host's labels without `www.` and the top-level domain
/// (`www.bmi.bund.de` → `bmi-bund`); for an IP address its first path segment (`site` if none).
pub fn propose_id(url: &str) -> String {
    let Ok(u) = Url::parse(url) else {
        return "site".into();
    };
    let raw = match u.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            let d = d.strip_prefix("www.").unwrap_or(&d).to_string();
            let labels: Vec<&str> = d.split('.').collect();
            let keep = if labels.len() > 1 {
                &labels[..labels.len() - 1]
            } else {
                &labels[..]
            };
            keep.join("-")
        }
        _ => u
            .path_segments()
            .and_then(|mut s| s.find(|x| !x.is_empty()))
            .unwrap_or("site")
            .to_ascii_lowercase(),
    };
    let id: String = raw
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'ä' => 'a',
            'ö' => 'o',
            'ü' => 'u',
            'ß' => 's',
            _ => '-',
        })
        .collect();
    let id = id
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if id.is_empty() { "site".into() } else { id }
}

/// An automatic source for `url`, as a configuration without `kind` gives it.
fn auto_source(id: &str, name: &str, url: &str) -> Source {
    Source {
        id: id.to_string(),
        name: name.to_string(),
        url: url.to_string(),
        kind: SourceKind::Auto,
        interval: std::time::Duration::from_secs(3600),
        level: Level::Kommune,
        land: None,
        list: None,
        article: ArticleSelectors::default(),
        fetch_articles: true,
        entries: Default::default(),
    }
}

async fn get(fetcher: &Fetcher, url: &str) -> Result<Page, FetchError> {
    match fetcher.get(url, None).await? {
        Fetched::Page(p) => Ok(p),
        Fetched::NotModified => Err(FetchError::Network {
            url: url.to_string(),
            reason: "304 Not Modified without a conditional request".into(),
        }),
    }
}

/// Probes the site at `url` (see the module documentation). Fails only when the URL itself
/// cannot be fetched; problems with what it leads to are noted in the result.
pub async fn probe(fetcher: &Fetcher, url: &str) -> Result<Probe, FetchError> {
    let page = get(fetcher, url).await?;
    let id = propose_id(url);
    // A feed's own title is not read here; the id stands in for it.
    let name = if super::listing::is_feed(&page) {
        None
    } else {
        extract::site_name(&page.text())
    }
    .unwrap_or_else(|| id.clone());
    let source = auto_source(&id, &name, url);
    let (mut out, pool) = probe_page(fetcher, &source, &page).await;
    out.id = id;
    out.name = name;
    let mut sampled: Vec<String> = Vec::new();
    for c in pool {
        if sampled.len() >= MAX_ARTICLES {
            break;
        }
        if sampled.contains(&c.url) {
            continue;
        }
        sampled.push(c.url.clone());
        let article = match get(fetcher, &c.url).await {
            Ok(p) => match super::draft(&source, &c, Some(&p)) {
                Ok(d) => SampledArticle {
                    url: c.url.clone(),
                    title: d.title,
                    published: d.published,
                    error: None,
                },
                Err(e) => failed(&c, e.to_string()),
            },
            Err(e) => failed(&c, e.to_string()),
        };
        out.articles.push(article);
    }
    Ok(out)
}

/// The entry points of `source` found from its page `page` (already fetched): feeds (the page
/// itself when it is one, those configured and those advertised, each read), the page read as
/// a list and the news lists it links to and configured ones (each with up to [`MAX_PAGES`]
/// pager pages), and sitemaps (configured and robots.txt `Sitemap:` lines, up to
/// [`MAX_SITEMAPS`]); with the entries found, first page first, for sampling. `govwire check`
/// shows these for an automatic source; `articles` is left empty.
pub async fn probe_page(
    fetcher: &Fetcher,
    source: &Source,
    page: &Page,
) -> (Probe, Vec<Candidate>) {
    let url = source.url.as_str();
    let text = page.text();
    let is_feed = super::listing::is_feed(page);
    let mut out = Probe {
        url: url.to_string(),
        id: source.id.clone(),
        name: source.name.clone(),
        is_feed,
        feeds: Vec::new(),
        lists: Vec::new(),
        sitemaps: Vec::new(),
        articles: Vec::new(),
    };
    let mut pool: Vec<Candidate> = Vec::new();
    if is_feed {
        let entries = read_listing(source, page).map(|l| l.candidates);
        out.feeds.push(found_feed(url, &entries));
        pool.extend(entries.unwrap_or_default());
    } else {
        let found = discover_on_page(source, &text, &page.url);
        for feed in found.iter().filter(|e| e.kind == EntryKind::Feed) {
            let entries = match get(fetcher, &feed.url).await {
                Ok(p) => {
                    let mut s = source.clone();
                    s.kind = SourceKind::Feed;
                    s.url = feed.url.clone();
                    read_listing(&s, &p).map(|l| l.candidates)
                }
                Err(e) => Err(super::CrawlError::Fetch(e)),
            };
            out.feeds.push(found_feed(&feed.url, &entries));
            pool.extend(entries.unwrap_or_default());
        }
        // The page itself, read as a list (a home page's "Aktuelles" box, or the list itself).
        if let Ok(listing) = read_listing(source, page) {
            let list = walk(fetcher, source, url, listing, &mut pool).await;
            out.lists.push(list);
        }
        for list in found.iter().filter(|e| e.kind == EntryKind::List) {
            let mut s = source.clone();
            s.url = list.url.clone();
            let listing = match get(fetcher, &list.url).await {
                Ok(p) => read_listing(&s, &p),
                Err(e) => Err(super::CrawlError::Fetch(e)),
            };
            match listing {
                Ok(l) => {
                    let found = walk(fetcher, &s, &list.url, l, &mut pool).await;
                    out.lists.push(found);
                }
                Err(e) => out.lists.push(FoundList {
                    url: list.url.clone(),
                    teasers: 0,
                    pages: 0,
                    more_pages: false,
                    pager: Vec::new(),
                    error: Some(e.to_string()),
                }),
            }
        }
        let mut sitemaps: Vec<String> = found
            .iter()
            .filter(|e| e.kind == EntryKind::Sitemap)
            .map(|e| e.url.clone())
            .collect();
        for s in fetcher.robots_sitemaps(url).await {
            if !sitemaps.contains(&s) {
                sitemaps.push(s);
            }
        }
        for sitemap in sitemaps.into_iter().take(MAX_SITEMAPS) {
            out.sitemaps.push(match get(fetcher, &sitemap).await {
                Ok(p) => {
                    let map = extract::parse_sitemap(&p.bytes);
                    FoundSitemap {
                        url: sitemap,
                        pages: map.urls.len(),
                        news: map.urls.iter().filter(|u| u.news).count(),
                        sitemaps: map.sitemaps.len(),
                        error: None,
                    }
                }
                Err(e) => FoundSitemap {
                    url: sitemap,
                    pages: 0,
                    news: 0,
                    sitemaps: 0,
                    error: Some(e.to_string()),
                },
            });
        }
    }
    (out, pool)
}

/// The entry points of a probe as lines for a terminal (`govwire add`, `govwire check`):
/// `feed     URL  (N entries)`, `list     URL  (N teasers matched, N pager pages read)` with
/// one `  pager  URL` line per pager page read, `sitemap  URL  (…)`; an unreadable one says why.
pub fn describe(p: &Probe) -> Vec<String> {
    let mut out = Vec::new();
    for f in &p.feeds {
        out.push(match (&f.entries, &f.error) {
            (Some(n), _) => format!("feed     {}  ({n} entries)", f.url),
            (None, e) => format!(
                "feed     {}  (unreadable: {})",
                f.url,
                e.as_deref().unwrap_or("?")
            ),
        });
    }
    for l in &p.lists {
        match &l.error {
            None => {
                out.push(format!(
                    "list     {}  ({} teasers matched, {} pager page{} read{})",
                    l.url,
                    l.teasers,
                    l.pages,
                    if l.pages == 1 { "" } else { "s" },
                    if l.more_pages { ", more follow" } else { "" }
                ));
                for page in &l.pager {
                    out.push(format!("  pager  {page}"));
                }
            }
            Some(e) => out.push(format!("list     {}  (unreadable: {e})", l.url)),
        }
    }
    for s in &p.sitemaps {
        out.push(match &s.error {
            None => format!(
                "sitemap  {}  ({} pages, {} news entries, {} sitemaps)",
                s.url, s.pages, s.news, s.sitemaps
            ),
            Some(e) => format!("sitemap  {}  (unreadable: {e})", s.url),
        });
    }
    out
}

fn failed(c: &Candidate, error: String) -> SampledArticle {
    SampledArticle {
        url: c.url.clone(),
        title: c.title.clone(),
        published: c.published,
        error: Some(error),
    }
}

fn found_feed(url: &str, entries: &Result<Vec<Candidate>, super::CrawlError>) -> FoundFeed {
    FoundFeed {
        url: url.to_string(),
        entries: entries.as_ref().ok().map(Vec::len),
        error: entries.as_ref().err().map(|e| e.to_string()),
    }
}

/// Follows the pager of a list up to [`MAX_PAGES`] pages; the first page's teasers join `pool`.
async fn walk(
    fetcher: &Fetcher,
    source: &Source,
    url: &str,
    first: Listing,
    pool: &mut Vec<Candidate>,
) -> FoundList {
    let teasers = first.candidates.len();
    pool.extend(first.candidates);
    let mut next = first.next;
    let mut pages = 1;
    let mut read = vec![url.to_string()];
    while let Some(n) = next.take() {
        if pages >= MAX_PAGES || read.contains(&n) {
            next = Some(n);
            break;
        }
        read.push(n.clone());
        let Ok(page) = get(fetcher, &n).await else {
            break;
        };
        let Ok(listing) = read_listing(source, &page) else {
            break;
        };
        pages += 1;
        next = listing.next;
    }
    FoundList {
        url: url.to_string(),
        teasers,
        pages,
        more_pages: next.is_some(),
        pager: read.into_iter().skip(1).take(pages - 1).collect(),
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_hosts_and_paths() {
        assert_eq!(propose_id("https://www.bmi.bund.de/DE/presse/"), "bmi-bund");
        assert_eq!(propose_id("https://lindenfeld.de/"), "lindenfeld");
        assert_eq!(propose_id("https://www.köln.de/"), "xn-kln-sna");
        assert_eq!(propose_id("http://127.0.0.1:8080/wp/"), "wp");
        assert_eq!(propose_id("http://127.0.0.1:8080/"), "site");
        assert_eq!(propose_id("kein url"), "site");
    }
}
