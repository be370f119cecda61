//! A source's listing across its pages: which reader a page gets (feed, selectors, automatic
//! teasers), the pager walk, and when validators must not be sent.
//!
//! The walk reads the first list page (conditionally), then follows the list's next page until
//! `max_pages` pages were read, a page brings nothing new (a normal crawl only needs the news
//! since the last one), the pager loops (a page already read, or one whose teasers were all on
//! earlier pages: a pager that loops back with a new query string), or a page fails. `govwire
//! check` reads listings through [`read_listing`] too, so it shows what the crawler would do.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::{CrawlError, Crawler, SourceReport};
use crate::extract;
use crate::fetch::{Fetched, Page};
use crate::model::{Candidate, Source, SourceHealth, SourceKind};
use crate::store::Upsert;

/// A crawl that walks a source's list back in time (`govwire crawl --backfill`): the first page
/// is read in full (no validators), pages that bring nothing new do not stop the walk, and
/// `max_items_per_source` does not apply; it stops after the page that reaches entries older
/// than `since`, or after `max_pages` pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backfill {
    /// Walk back to this time; entries dated before it are not stored. `None`: as far as
    /// `max_pages` allows.
    pub since: Option<DateTime<Utc>>,
    /// List pages read per source; `None`: the crawler's `max_pages` setting.
    pub max_pages: Option<usize>,
}

/// Article URLs met in one crawl of a source, across its entry points and list pages: true
/// when this crawl stored the article as new or changed.
pub type Seen = std::collections::HashMap<String, bool>;

/// One list page as read.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The entries, in page order.
    pub candidates: Vec<Candidate>,
    /// The list's next page, if it has a pager.
    pub next: Option<String>,
    /// Warnings worth a log line (bounded input, off-site links only).
    pub warnings: Vec<String>,
    /// True when the page was read as a feed.
    pub feed: bool,
}

/// Feed or HTML: by content first (UTF-16/32 feeds, `rss:`-prefixed roots and feeds served as
/// `text/html` or `application/xml` included), then by a feed Content-Type.
pub fn is_feed(page: &Page) -> bool {
    if extract::looks_like_feed(&page.bytes) {
        return true;
    }
    let ct = page
        .content_type
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    !ct.contains("html")
        && ["rss", "atom", "feed+json", "rdf"]
            .iter()
            .any(|t| ct.contains(t))
}

/// [`read_listing_unguarded`] with a panic of the parsers caught: it becomes this source's
/// [`CrawlError::Panic`], so the source fails alone and stays scheduled.
pub fn read_listing(source: &Source, page: &Page) -> Result<Listing, CrawlError> {
    super::isolate::catch(|| {
        #[cfg(debug_assertions)]
        super::isolate::test_hooks::maybe_panic(&source.id);
        read_listing_unguarded(source, page)
    })
    .unwrap_or_else(|message| {
        super::isolate::count(&source.id, "listing");
        Err(CrawlError::Panic {
            url: page.url.clone(),
            stage: "reading the listing",
            message,
        })
    })
}

/// Reads one fetched list page the way the source says: a feed, the configured selectors, or
/// (an HTML source without selectors, or an automatic source serving HTML) the teasers found
/// automatically. An HTML page that yields nothing is [`CrawlError::NothingFound`].
fn read_listing_unguarded(source: &Source, page: &Page) -> Result<Listing, CrawlError> {
    let extract_err = |e| CrawlError::Extract {
        url: page.url.clone(),
        source: e,
    };
    let feed = match source.kind {
        SourceKind::Feed => true,
        SourceKind::Html => false,
        SourceKind::Auto => is_feed(page),
    };
    if feed {
        return Ok(Listing {
            candidates: extract::parse_feed_as(
                &page.bytes,
                &page.url,
                page.content_type.as_deref(),
            )
            .map_err(extract_err)?,
            feed: true,
            ..Listing::default()
        });
    }
    let text = page.text();
    let mut listing = match &source.list {
        Some(list) => Listing {
            candidates: extract::parse_listing(&text, &page.url, list).map_err(extract_err)?,
            next: extract::next_page(&text, &page.url),
            ..Listing::default()
        },
        None => {
            let auto = extract::auto_listing(&text, &page.url).map_err(extract_err)?;
            let mut warnings = Vec::new();
            if auto.truncated {
                warnings.push(format!(
                    "{}: more than {} links; only the first were read",
                    page.url,
                    extract::MAX_LIST_LINKS
                ));
            }
            if auto.candidates.is_empty() && auto.same_site_links == 0 {
                warnings.push(format!(
                    "{}: the page links only to other sites; no articles of its own",
                    page.url
                ));
            }
            Listing {
                candidates: auto.candidates,
                next: auto.next,
                warnings,
                feed: false,
            }
        }
    };
    if listing.candidates.is_empty() {
        for w in listing.warnings.drain(..) {
            warn!("{w}");
        }
        return Err(CrawlError::NothingFound {
            url: page.url.clone(),
        });
    }
    Ok(listing)
}

/// A fingerprint of what decides how a source is read (URL, kind, selectors, flags): stored in
/// its health, a change means the stored validators belong to another configuration.
pub fn config_fingerprint(source: &Source) -> String {
    let text = serde_json::to_string(&(
        &source.url,
        source.kind,
        &source.list,
        &source.article,
        source.fetch_articles,
        &source.entries,
    ))
    .unwrap_or_default();
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{h:016x}")
}

/// True when the stored validators may be sent: they were taken under the same configuration
/// and the last listing read yielded something (a listing that yielded nothing, e.g. with
/// broken selectors, must be read in full once they are fixed, not answered 304).
pub fn validators_usable(health: &SourceHealth, source: &Source) -> bool {
    // (A backfill never sends them; see `Crawler::run`.)
    health.config_fingerprint.as_deref() == Some(config_fingerprint(source).as_str())
        && !health.broken
        && health.last_candidates > 0
}

impl Crawler {
    /// Turns this crawler's crawls into backfills ([`Backfill`]); returns false if one was set
    /// already. For `govwire crawl --backfill`; a serving crawler never backfills.
    pub fn set_backfill(&self, backfill: Backfill) -> bool {
        self.backfill.set(backfill).is_ok()
    }

    /// Stores the entries of the first list page `page` and of the pages after it, as
    /// described in the module documentation. Validators are kept in `health` only when the
    /// listing yielded something usable.
    pub(super) async fn walk_listing(
        &self,
        source: &Source,
        page: Page,
        health: &mut SourceHealth,
        report: &mut SourceReport,
        now: DateTime<Utc>,
        seen: &mut Seen,
    ) -> Result<(), CrawlError> {
        health.etag = None;
        health.last_modified = None;
        let validators = page.validators.clone();
        let listing = read_listing(source, &page)?;
        health.broken = false;
        health.config_fingerprint = Some(config_fingerprint(source));
        let usable = self
            .walk_pages(source, &page.url, listing, report, now, seen)
            .await?;
        health.last_candidates = report.candidates as u32;
        self.finish_listing(health, &validators, usable)
    }

    /// Stores the entries of `listing` (read from `first_url`) and of its list's further pages;
    /// returns how many entries were usable (stored or known). `source.url` is the list's URL.
    /// An entry met before in this crawl of the source (`seen`: through a feed, another list or
    /// an earlier page) is not processed again; it counts as news for the pager walk when that
    /// crawl stored it as new, so a list whose first page repeats the feed is still walked back.
    pub(super) async fn walk_pages(
        &self,
        source: &Source,
        first_url: &str,
        mut listing: Listing,
        report: &mut SourceReport,
        now: DateTime<Utc>,
        seen: &mut Seen,
    ) -> Result<usize, CrawlError> {
        let mut pages_read: HashSet<String> = [source.url.clone(), first_url.to_string()].into();
        let mut on_this_list: HashSet<String> = HashSet::new();
        let mut pages = 1;
        let mut usable = 0;
        let backfill = self.backfill.get().copied();
        let max_pages = backfill
            .and_then(|b| b.max_pages)
            .unwrap_or(self.max_pages)
            .max(1);
        let since = backfill.and_then(|b| b.since);
        let mut page_url = first_url.to_string();
        loop {
            for w in &listing.warnings {
                warn!("{w}");
            }
            report.listed += listing.candidates.len();
            let fresh: Vec<Candidate> = listing
                .candidates
                .into_iter()
                .filter(|c| on_this_list.insert(c.url.clone()))
                .collect();
            // Entries older than the backfill's date are left; a page holding some ends the walk.
            let before = fresh.len();
            let fresh: Vec<Candidate> = fresh
                .into_iter()
                .filter(|c| match (since, c.published) {
                    (Some(s), Some(p)) => p >= s,
                    _ => true,
                })
                .collect();
            let reached_since = fresh.len() < before;
            if fresh.is_empty() && pages > 1 {
                warn!(source = %source.id, url = %page_url, page = pages, "list pager loops back to entries already read (a new query string for the same list); stopped");
                break;
            }
            let mut news = 0;
            for candidate in fresh {
                if self.is_stopping() {
                    return Ok(usable);
                }
                if let Some(stored_now) = seen.get(&candidate.url) {
                    // Met through another entry point of the site in this crawl.
                    news += usize::from(*stored_now);
                    usable += 1;
                    continue;
                }
                if backfill.is_none() && report.candidates >= self.max_items {
                    warn!(
                        url = %source.url,
                        kept = self.max_items,
                        "listing has more items than max_items_per_source; the rest are left for later crawls"
                    );
                    return Ok(usable);
                }
                report.candidates += 1;
                let outcome = self.process(source, &candidate, now, false).await;
                seen.insert(
                    candidate.url.clone(),
                    matches!(outcome, Ok(Upsert::New | Upsert::Updated)),
                );
                match outcome {
                    Ok(Upsert::New) => {
                        (report.new, news, usable) = (report.new + 1, news + 1, usable + 1)
                    }
                    Ok(Upsert::Updated) => {
                        (report.updated, news, usable) = (report.updated + 1, news + 1, usable + 1)
                    }
                    Ok(Upsert::Unchanged) => {
                        (report.unchanged, usable) = (report.unchanged + 1, usable + 1)
                    }
                    Err(CrawlError::Store(e)) => return Err(CrawlError::Store(e)),
                    Err(e) => {
                        warn!(url = %candidate.url, error = %e, "article skipped");
                        report.errors.push(e.to_string());
                    }
                }
            }
            let Some(next) = listing.next.take() else {
                break;
            };
            if news == 0 && backfill.is_none() {
                // Everything on this page was known: the rest of the list was read before.
                break;
            }
            if reached_since {
                info!(source = %source.id, page = pages, "backfill reached its date");
                break;
            }
            if pages >= max_pages {
                warn!(source = %source.id, url = %next, max_pages, "max_pages list pages read and every one brought news; the older pages from this one on are left");
                break;
            }
            if !pages_read.insert(next.clone()) {
                warn!(source = %source.id, url = %next, "list pager loops back to a page already read; stopped");
                break;
            }
            let page = match self.fetch(&source.id, &next, None).await {
                Ok(Fetched::Page(p)) => p,
                Ok(Fetched::NotModified) => break,
                Err(e) => {
                    warn!(url = %next, error = %e, "next list page failed");
                    report.errors.push(e.to_string());
                    break;
                }
            };
            pages += 1;
            page_url = next.clone();
            listing = match read_listing(source, &page) {
                Ok(l) => l,
                Err(CrawlError::Store(e)) => return Err(CrawlError::Store(e)),
                Err(e) => {
                    warn!(url = %next, error = %e, "next list page yielded nothing; stopped");
                    break;
                }
            };
        }
        report.pages += pages;
        Ok(usable)
    }

    /// Keeps the first page's validators only when some entry was usable (stored or known).
    fn finish_listing(
        &self,
        health: &mut SourceHealth,
        validators: &crate::fetch::Validators,
        usable: usize,
    ) -> Result<(), CrawlError> {
        if usable > 0 {
            health.etag = validators.etag.clone();
            health.last_modified = validators.last_modified.clone();
        } else {
            health.last_candidates = 0;
        }
        Ok(())
    }
}
