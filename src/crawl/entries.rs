//! A site's entry points besides its `url`: the feeds its page advertises, the news list pages
//! its navigation and "Aktuelles" boxes link to, its sitemaps (robots.txt `Sitemap:` lines) and
//! those the configuration names (`feeds`, `lists`, `sitemaps`).
//!
//! An automatic source (no `kind`) may be configured with its home page alone. Each time its
//! page is read in full the entry points are found again and remembered in the source's crawl
//! state ([`SourceHealth::entries`], with each one's validators); while the page answers 304
//! the remembered ones are read. One that is gone (404, 410) or yields nothing is dropped and
//! the page's validators with it, so the next crawl reads the page in full and finds the entry
//! points again.
//!
//! Order within a crawl: feeds first (their entries carry the exact time, the author and often
//! the full text), then list pages, then sitemaps, then the page itself. An article met
//! through an earlier entry point is not fetched again ([`super::listing::Seen`]).
//!
//! Sitemaps name every page of a site, so only entries that look like article pages are taken,
//! and of those only news entries (`<news:news>`) below the folder of the source's `url` and
//! entries below a news list's folder; newest
//! `lastmod` first, at most `max_items_per_source`; an index leads to at most
//! [`MAX_CHILD_SITEMAPS`] sitemaps, newest first.

use chrono::{DateTime, Utc};
use tracing::warn;
use url::Url;

use super::listing::{Listing, Seen, read_listing};
use super::{CrawlError, Crawler, SourceReport};
use crate::extract;
use crate::fetch::{FetchError, Fetched, Validators};
use crate::model::{Candidate, EntryKind, EntryPoint, Source, SourceHealth, SourceKind};

/// Sitemaps of one sitemap index read per crawl, newest `lastmod` first.
pub const MAX_CHILD_SITEMAPS: usize = 5;

/// The entry points of the site whose page `html` was fetched from `page_url`: the source's
/// configured ones, the feeds the page advertises and the news list pages it links to, in that
/// order, without the page itself and without repeats. Pure (for `govwire add` too).
pub fn discover_on_page(source: &Source, html: &str, page_url: &str) -> Vec<EntryPoint> {
    let mut out: Vec<EntryPoint> = Vec::new();
    let mut add = |url: &str, kind: EntryKind| {
        if url == page_url || url == source.url || out.iter().any(|e| e.url == url) {
            return;
        }
        out.push(EntryPoint {
            url: url.to_string(),
            kind,
            etag: None,
            last_modified: None,
        });
    };
    for f in &source.entries.feeds {
        add(f, EntryKind::Feed);
    }
    for f in extract::feed_links(html, page_url) {
        add(&f, EntryKind::Feed);
    }
    for l in &source.entries.lists {
        add(l, EntryKind::List);
    }
    for l in extract::news_list_links(html, page_url) {
        add(&l, EntryKind::List);
    }
    for s in &source.entries.sitemaps {
        add(s, EntryKind::Sitemap);
    }
    out
}

/// The source as one of its entry points is read: that URL, a feed or an automatic list.
fn as_entry(source: &Source, entry: &EntryPoint) -> Source {
    let mut s = source.clone();
    s.url = entry.url.clone();
    s.kind = match entry.kind {
        EntryKind::Feed => SourceKind::Feed,
        _ => SourceKind::Auto,
    };
    s.list = None;
    s
}

impl Crawler {
    /// Finds the entry points on the page of an automatic source just read in full (and in its
    /// robots.txt) and remembers them in `health`, keeping the validators of those known.
    pub(super) async fn discover(
        &self,
        source: &Source,
        html: &str,
        page_url: &str,
        health: &mut SourceHealth,
    ) {
        let mut found = discover_on_page(source, html, page_url);
        for s in self.fetcher.robots_sitemaps(&source.url).await {
            if !found.iter().any(|e| e.url == s) {
                found.push(EntryPoint {
                    url: s,
                    kind: EntryKind::Sitemap,
                    etag: None,
                    last_modified: None,
                });
            }
        }
        for e in &mut found {
            if let Some(known) = health.entries.iter().find(|k| k.url == e.url) {
                e.etag = known.etag.clone();
                e.last_modified = known.last_modified.clone();
            }
        }
        health.entries = found;
    }

    /// Reads the remembered entry points of `source` (conditionally when `conditional`), stores
    /// what they bring and keeps each one's validators when it yielded something. A broken one
    /// is dropped together with the page's validators (found again next crawl).
    pub(super) async fn walk_entries(
        &self,
        source: &Source,
        health: &mut SourceHealth,
        report: &mut SourceReport,
        now: DateTime<Utc>,
        conditional: bool,
        seen: &mut Seen,
    ) -> Result<(), CrawlError> {
        let mut entries = std::mem::take(&mut health.entries);
        entries.sort_by_key(|e| match e.kind {
            EntryKind::Feed => 0,
            EntryKind::List => 1,
            EntryKind::Sitemap => 2,
        });
        let mut kept = Vec::new();
        let mut rediscover = false;
        for mut entry in entries {
            if self.is_stopping() {
                kept.push(entry);
                continue;
            }
            let validators = Validators {
                etag: entry.etag.clone().filter(|_| conditional),
                last_modified: entry.last_modified.clone().filter(|_| conditional),
            };
            let page = match self.fetch(&source.id, &entry.url, Some(&validators)).await {
                Ok(Fetched::NotModified) => {
                    kept.push(entry);
                    continue;
                }
                Ok(Fetched::Page(p)) => p,
                Err(e) => {
                    let gone = matches!(&e, FetchError::Status { status, .. } if *status == 404 || *status == 410);
                    warn!(url = %entry.url, error = %e, "entry point of the site failed");
                    report.errors.push(e.to_string());
                    if gone {
                        rediscover = true;
                    } else {
                        kept.push(entry);
                    }
                    continue;
                }
            };
            let usable = match entry.kind {
                EntryKind::Sitemap => {
                    self.walk_sitemap(source, &entry.url, &page.bytes, &kept, report, now, seen)
                        .await?
                }
                _ => {
                    let sub = as_entry(source, &entry);
                    match read_listing(&sub, &page) {
                        Ok(listing) => {
                            self.walk_pages(&sub, &page.url, listing, report, now, seen)
                                .await?
                        }
                        Err(CrawlError::Store(e)) => return Err(CrawlError::Store(e)),
                        Err(e) => {
                            warn!(url = %entry.url, error = %e, "entry point yielded nothing");
                            0
                        }
                    }
                }
            };
            if usable == 0 && entry.kind != EntryKind::Sitemap {
                // Redesigned or no longer a news list: find the entry points again.
                rediscover = true;
                continue;
            }
            entry.etag = page.validators.etag.clone();
            entry.last_modified = page.validators.last_modified.clone();
            kept.push(entry);
        }
        health.entries = kept;
        if rediscover {
            health.etag = None;
            health.last_modified = None;
        }
        Ok(())
    }

    /// Stores the article pages a sitemap (or the sitemaps of an index) names, as described in
    /// the module documentation; returns how many were usable.
    #[allow(clippy::too_many_arguments)]
    async fn walk_sitemap(
        &self,
        source: &Source,
        map_url: &str,
        bytes: &[u8],
        entries: &[EntryPoint],
        report: &mut SourceReport,
        now: DateTime<Utc>,
        seen: &mut Seen,
    ) -> Result<usize, CrawlError> {
        let mut map = extract::parse_sitemap(bytes);
        warn_if_cut(&source.id, map_url, &map);
        let mut children = std::mem::take(&mut map.sitemaps);
        if children.len() > MAX_CHILD_SITEMAPS {
            warn!(
                source = %source.id,
                url = %map_url,
                listed = children.len(),
                read = MAX_CHILD_SITEMAPS,
                "sitemap index names more sitemaps than are read per crawl; the newest are read"
            );
        }
        children.sort_by_key(|c| std::cmp::Reverse(c.1));
        for (url, _) in children.into_iter().take(MAX_CHILD_SITEMAPS) {
            match self.fetch(&source.id, &url, None).await {
                Ok(Fetched::Page(p)) => {
                    let child = extract::parse_sitemap(&p.bytes);
                    warn_if_cut(&source.id, &url, &child);
                    map.urls.extend(child.urls);
                }
                Ok(Fetched::NotModified) => {}
                Err(e) => warn!(url = %url, error = %e, "sitemap failed"),
            }
        }
        let Ok(home) = Url::parse(&source.url) else {
            return Ok(0);
        };
        let folder = |u: &Url| {
            let p = u.path();
            p[..p.rfind('/').map_or(0, |i| i + 1)].to_string()
        };
        let folders: Vec<String> = entries
            .iter()
            .filter(|e| e.kind == EntryKind::List)
            .filter_map(|e| Url::parse(&e.url).ok())
            .map(|u| folder(&u))
            .collect();
        let home_folder = folder(&home);
        let mut urls: Vec<extract::SitemapUrl> = map
            .urls
            .into_iter()
            .filter(|u| {
                let Ok(parsed) = Url::parse(&u.loc) else {
                    return false;
                };
                let under = |f: &str| parsed.path().starts_with(f);
                let entry_point = u.loc == source.url || entries.iter().any(|e| e.url == u.loc);
                !entry_point
                    && extract::is_article_link(&parsed, &home)
                    && ((u.news && under(&home_folder)) || folders.iter().any(|f| under(f)))
            })
            .collect();
        urls.sort_by_key(|u| std::cmp::Reverse(u.lastmod));
        urls.truncate(self.max_items);
        let listing = Listing {
            candidates: urls
                .into_iter()
                .map(|u| Candidate {
                    published: u.lastmod.filter(|_| u.news),
                    title: u.title,
                    url: u.loc,
                    ..Candidate::default()
                })
                .collect(),
            ..Listing::default()
        };
        if listing.candidates.is_empty() {
            return Ok(0);
        }
        self.walk_pages(source, &source.url, listing, report, now, seen)
            .await
    }
}

/// Warns, naming the sitemap and the bound, when a sitemap was read only in part: more than
/// [`extract::MAX_SITEMAP_URLS`] entries, or a gzip body inflating past
/// [`extract::MAX_SITEMAP_BYTES`] (a "gzip bomb"). What was read before the bound is used.
fn warn_if_cut(source_id: &str, url: &str, map: &extract::Sitemap) {
    if map.inflated_cut {
        warn!(
            source = %source_id,
            url = %url,
            cap_bytes = extract::MAX_SITEMAP_BYTES,
            "gzip sitemap inflates past {} bytes; read up to there only",
            extract::MAX_SITEMAP_BYTES
        );
    } else if map.truncated {
        warn!(
            source = %source_id,
            url = %url,
            cap_entries = extract::MAX_SITEMAP_URLS,
            "sitemap lists more than {} entries; only the first were read",
            extract::MAX_SITEMAP_URLS
        );
    }
}
