//! One source's crawl as a pipeline, and the scheduler that runs every source on its interval.
//!
//! fetch the listing (conditional GET) → candidates (feed or selectors) → for each candidate not
//! yet stored, fetch and extract the article → enrich → store. A failing article is counted and
//! logged; a failing source is recorded in its [`SourceHealth`] and never stops another source.
//! This module owns no parsing and no storage layout: it only wires `fetch`, `extract`,
//! `enrich` and `store` together.

mod article;
pub mod entries;
mod home;
mod isolate;
pub mod listing;
pub mod probe;
pub mod scheduler;
mod stories;

#[cfg(debug_assertions)]
#[doc(hidden)]
pub use isolate::test_hooks;
pub use stories::{RetagReport, fingerprint, needs_retag};

/// The draft the crawler builds from a listing entry and its page (`govwire check` shows it).
pub use article::draft;

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::{Instrument, info, info_span, warn};

use crate::enrich::Watchlist;
use crate::extract;
use crate::fetch::{FetchError, Fetched, Fetcher, Validators};
use crate::model::{Candidate, Draft, Keyword, Source, SourceHealth, SourceKind};
use crate::store::{BodyError, Compaction, CompactionPolicy, Damaged, Store, StoreError, Upsert};
use crate::telemetry;

/// Why a source's crawl failed as a whole (article-level problems are only counted).
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// The listing or feed could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The listing or feed could not be read (the URL named once, also when the extractor's
    /// message already names it).
    #[error("{}", url_once(url, source))]
    Extract {
        /// The listing URL.
        url: String,
        /// What the extractor said.
        source: extract::ExtractError,
    },
    /// The list page was fetched but the selectors found nothing: probably a redesign.
    #[error(
        "{url}: list selectors matched no articles (site redesigned? check the [source.list] selectors)"
    )]
    NothingFound {
        /// The listing URL.
        url: String,
    },
    /// The article page was fetched but holds no text, and neither does the feed entry: nothing
    /// worth storing (an empty article would only clutter the digest and the search).
    #[error(
        "{url}: the article page has no text (page layout changed? check [source.article] body)"
    )]
    EmptyArticle {
        /// The article URL.
        url: String,
    },
    /// The store failed; this aborts the crawl of the source.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Parsing or extraction panicked (a bug, usually on hostile input); caught so that only
    /// this source or article fails and the source stays scheduled.
    #[error("{url}: internal error while {stage}: {message} (please report this)")]
    Panic {
        /// The listing or article URL being processed.
        url: String,
        /// What was being done (`reading the listing`, `extracting the article`, `crawling`).
        stage: &'static str,
        /// The panic message.
        message: String,
    },
}

/// `error` prefixed with `url`, unless its message names the URL already.
fn url_once(url: &str, error: &extract::ExtractError) -> String {
    let text = error.to_string();
    if text.contains(url) {
        text
    } else {
        format!("{url}: {text}")
    }
}

/// What one crawl of one source did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceReport {
    /// The source.
    pub source_id: String,
    /// Items the listing offered, before the per-source cap.
    pub listed: usize,
    /// Items taken from the listing (after the per-source cap, `max_items_per_source`).
    pub candidates: usize,
    /// Articles stored for the first time.
    pub new: usize,
    /// Stored articles whose content changed.
    pub updated: usize,
    /// Items already stored and unchanged.
    pub unchanged: usize,
    /// The listing answered 304 Not Modified.
    pub not_modified: bool,
    /// List pages read (the first and those its pager led to); 0 after a 304.
    pub pages: usize,
    /// Articles whose stored text was lost (see [`Store::damaged`]) and that this crawl
    /// fetched and stored again (also counted in `updated`).
    pub repaired: usize,
    /// Problems, each naming the URL (a source error, or one per failed article).
    pub errors: Vec<String>,
}

/// Shared crawl machinery: the fetcher, the store and the compiled watchlist.
pub struct Crawler {
    fetcher: Fetcher,
    store: Store,
    watchlist: Watchlist,
    keywords: Vec<Keyword>,
    /// Loaded on first use ([`Crawler::warm_up`]): a server that only serves never needs it.
    stories: std::sync::OnceLock<stories::Stories>,
    max_items: usize,
    max_pages: usize,
    backfill: std::sync::OnceLock<listing::Backfill>,
    stopping: AtomicBool,
    listener: std::sync::OnceLock<Listener>,
    compaction: CompactionPolicy,
    /// One lock per source id, so one crawler never crawls a source twice at once: the
    /// scheduler and a `govwire crawl --source` forwarded to the server share the server's
    /// crawler, and the later of the two waits for the earlier (then finds its articles stored).
    source_locks: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    homes: home::Homes,
}

/// Called with every article the crawler (or a re-tag) wrote as new or changed; used to keep
/// derived data such as the search index current. Must be quick and must not panic.
pub type Listener = Box<dyn Fn(&crate::model::Article) + Send + Sync>;

impl Crawler {
    /// Wires a crawler; `max_items` caps the candidates taken from one listing. Cheap: the
    /// story index is read from the store later ([`Crawler::warm_up`]).
    pub fn new(fetcher: Fetcher, store: Store, keywords: &[Keyword], max_items: usize) -> Crawler {
        Crawler {
            fetcher,
            stories: std::sync::OnceLock::new(),
            store,
            watchlist: Watchlist::new(keywords),
            keywords: keywords.to_vec(),
            max_items,
            max_pages: 5,
            backfill: std::sync::OnceLock::new(),
            stopping: AtomicBool::new(false),
            listener: std::sync::OnceLock::new(),
            compaction: CompactionPolicy::default(),
            source_locks: std::sync::Mutex::default(),
            homes: home::Homes::default(),
        }
    }

    /// Records the configured sources' order, the tie-break of the rule that decides which
    /// source an article reached by several belongs to (see the `home` module). The scheduler
    /// and the CLI set it from the configuration; [`crawl_all`] ranks sources not ranked yet
    /// after those that are.
    pub fn set_source_order(&self, sources: &[Source]) {
        self.homes.set_order(sources);
    }

    /// Sets how many list pages one crawl of a source reads at most (default 5; see
    /// [`listing`]).
    pub fn with_max_pages(mut self, max_pages: usize) -> Crawler {
        self.max_pages = max_pages.max(1);
        self
    }

    /// Replaces the policy of the automatic body log compaction run by the scheduler
    /// ([`Crawler::compact_log`]); the default suits production, tests use small thresholds.
    pub fn with_compaction(mut self, policy: CompactionPolicy) -> Crawler {
        self.compaction = policy;
        self
    }

    /// Reclaims superseded body log records if the policy says enough have piled up
    /// ([`Store::compact_auto`]): one segment at a time, stopping early (safely) once
    /// [`Crawler::stop`] is called. Blocking: the scheduler runs it on a blocking thread after
    /// crawls, so a long-running `serve` does not grow its log forever.
    pub fn compact_log(&self, stop: &dyn Fn() -> bool) -> Result<Compaction, StoreError> {
        self.store
            .compact_auto(&self.compaction, &|| self.is_stopping() || stop())
    }

    /// Reads the stored story signatures into memory now (blocking: about a second per 100,000
    /// articles) rather than when the first article is stored. Idempotent.
    pub fn warm_up(&self) {
        let _ = self.stories();
    }

    fn stories(&self) -> &stories::Stories {
        self.stories
            .get_or_init(|| stories::Stories::load(&self.store))
    }

    /// Registers the one [`Listener`]; returns false (and drops `f`) if one was set already.
    pub fn on_stored(&self, f: Listener) -> bool {
        self.listener.set(f).is_ok()
    }

    fn notify(&self, article: &crate::model::Article) {
        if let Some(f) = self.listener.get() {
            f(article);
        }
    }

    /// Asks running crawls to stop after the article they are writing; new crawls do nothing.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// True once [`Crawler::stop`] was called.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Re-tags every stored article with the current watchlist (and clusters those without a
    /// story), without fetching anything. Blocking; idempotent.
    pub fn retag(&self) -> Result<RetagReport, StoreError> {
        stories::retag(
            &self.store,
            &self.keywords,
            &self.watchlist,
            self.stories(),
            &|a| self.notify(a),
        )
    }

    /// Runs [`Crawler::retag`] only if the watchlist or the enrichment rules changed since the
    /// stored articles were tagged; `None` when nothing had to be done.
    pub fn retag_if_changed(&self) -> Result<Option<RetagReport>, StoreError> {
        if !needs_retag(&self.store, &self.keywords)? {
            return Ok(None);
        }
        self.retag().map(Some)
    }

    /// The store this crawler writes to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The lock that keeps two crawls of `source_id` by this crawler apart.
    fn source_lock(&self, source_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .source_locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        locks.entry(source_id.to_string()).or_default().clone()
    }

    /// Crawls `source` once and records the outcome in its health. Never panics on fetched
    /// data and never returns early for one bad article.
    pub async fn crawl_source(&self, source: &Source, now: DateTime<Utc>) -> SourceReport {
        let lock = self.source_lock(&source.id);
        let _one_at_a_time = lock.lock().await;
        let span = info_span!("crawl", source = %source.id);
        let started = std::time::Instant::now();
        async {
            let mut report = SourceReport {
                source_id: source.id.clone(),
                ..SourceReport::default()
            };
            let mut health = self
                .store
                .health(&source.id)
                .ok()
                .flatten()
                .unwrap_or_default();
            let run = isolate::CatchUnwind::new(self.run(source, &mut health, &mut report, now));
            let outcome = run.await.unwrap_or_else(|message| {
                isolate::count(&source.id, "crawl");
                Err(CrawlError::Panic {
                    url: source.url.clone(),
                    stage: "crawling",
                    message,
                })
            });
            if let Err(e) = &outcome {
                warn!(url = %source.url, error = %e, "source failed");
                report.errors.insert(0, e.to_string());
            }
            record_outcome(&mut health, &outcome, &report, source, now);
            record_metrics(source, &outcome, &report, &health, started.elapsed());
            if let Err(e) = self.store.put_health(&source.id, &health) {
                warn!(error = %e, "could not save source health");
            }
            if report.new + report.updated > 0 {
                // Sled makes pointers durable by itself within a second; syncing the body log
                // now bounds what a power cut can take to the crawl in progress (and the store
                // notes those articles to fetch them again; see `Store::damaged`).
                if let Err(e) = self.store.flush_async().await {
                    warn!(error = %e, "could not flush the store");
                }
            }
            info!(
                new = report.new,
                updated = report.updated,
                unchanged = report.unchanged,
                errors = report.errors.len(),
                "crawl finished"
            );
            report
        }
        .instrument(span)
        .await
    }

    async fn run(
        &self,
        source: &Source,
        health: &mut SourceHealth,
        report: &mut SourceReport,
        now: DateTime<Utc>,
    ) -> Result<(), CrawlError> {
        let damaged: Vec<Damaged> = self
            .store
            .damaged()?
            .into_iter()
            .filter(|d| d.source_id.as_deref() == Some(source.id.as_str()))
            .collect();
        // While articles of this source are damaged, the listing is read in full rather than
        // answered 304: its entries carry what the article page may lack (feed categories and
        // dates, the text itself for `fetch_articles = false`), so an article it still names
        // is stored again exactly as before, index entries included. The rest are fetched by
        // their URL afterwards ([`Crawler::repair`]).
        // A changed configuration or a listing that yielded nothing: read it in full.
        let conditional = damaged.is_empty()
            && self.backfill.get().is_none()
            && listing::validators_usable(health, source);
        let validators = Validators {
            etag: health.etag.clone().filter(|_| conditional),
            last_modified: health.last_modified.clone().filter(|_| conditional),
        };
        let mut seen = listing::Seen::new();
        let site = source.kind == SourceKind::Auto;
        let page = match self
            .fetch(&source.id, &source.url, Some(&validators))
            .await?
        {
            Fetched::NotModified => {
                report.not_modified = true;
                if site && !health.entries.is_empty() {
                    self.walk_entries(source, health, report, now, conditional, &mut seen)
                        .await?;
                }
                return self.repair(source, &damaged, false, report, now).await;
            }
            Fetched::Page(page) => page,
        };
        if !site || listing::is_feed(&page) {
            health.entries.clear();
            self.walk_listing(source, page, health, report, now, &mut seen)
                .await?;
            return self.repair(source, &damaged, true, report, now).await;
        }
        // A site: its entry points first (feeds carry the exact facts), then the page itself.
        let text = page.text();
        self.discover(source, &text, &page.url, health).await;
        self.walk_entries(source, health, report, now, conditional, &mut seen)
            .await?;
        let from_entries = report.candidates;
        let validators = page.validators.clone();
        match self
            .walk_listing(source, page, health, report, now, &mut seen)
            .await
        {
            // A home page without teasers of its own: the entry points are the news.
            Err(CrawlError::NothingFound { .. }) if from_entries > 0 => {
                health.broken = false;
                health.config_fingerprint = Some(listing::config_fingerprint(source));
                health.last_candidates = report.candidates as u32;
                health.etag = validators.etag;
                health.last_modified = validators.last_modified;
            }
            other => other?,
        }
        self.repair(source, &damaged, true, report, now).await
    }

    /// Fetches and stores again the damaged articles of `source` that the listing did not
    /// repair (it no longer names them), by the URL the store noted, and counts the repairs.
    /// One known by id only cannot be fetched and is dropped from the set. An
    /// article that reads again leaves the set; one whose page is gone for good (404, 410)
    /// too, with a warning; any other failure leaves it for the next crawl.
    async fn repair(
        &self,
        source: &Source,
        damaged: &[Damaged],
        listing_read: bool,
        report: &mut SourceReport,
        now: DateTime<Utc>,
    ) -> Result<(), CrawlError> {
        if damaged.is_empty() {
            return Ok(());
        }
        let still: std::collections::HashSet<_> =
            self.store.damaged()?.into_iter().map(|d| d.id).collect();
        // Those the listing named were stored again already.
        report.repaired += damaged.iter().filter(|d| !still.contains(&d.id)).count();
        for d in damaged.iter().filter(|d| still.contains(&d.id)) {
            if self.is_stopping() {
                break;
            }
            let Some(url) = &d.url else {
                if listing_read {
                    // Known by id only: the listing just read in full was the one place that
                    // could name it. Dropped, so the listing is not read in full forever.
                    warn!(article = %d.id, "article with lost text not in its listing; given up");
                    self.store.forget_damaged(d.id)?;
                }
                continue;
            };
            if matches!(self.store.get(d.id), Ok(Some(_))) {
                self.store.forget_damaged(d.id)?;
                continue;
            }
            let candidate = Candidate {
                url: url.clone(),
                ..Candidate::default()
            };
            match self.process(source, &candidate, now, true).await {
                Ok(Upsert::Unchanged) => report.unchanged += 1,
                Ok(_) => {
                    info!(url = %url, "article with lost text fetched and stored again");
                    report.updated += 1;
                    report.repaired += 1;
                }
                Err(CrawlError::Store(e)) => return Err(CrawlError::Store(e)),
                Err(CrawlError::Fetch(FetchError::Status { status, .. }))
                    if status == 404 || status == 410 =>
                {
                    warn!(url = %url, status, "article with lost text is gone; not retried");
                    self.store.forget_damaged(d.id)?;
                    report
                        .errors
                        .push(format!("{url}: gone ({status}); its lost text stays lost"));
                }
                Err(e) => {
                    warn!(url = %url, error = %e, "article with lost text not repaired yet");
                    report.errors.push(e.to_string());
                }
            }
        }
        Ok(())
    }

    /// Fetches through the shared fetcher and records the request in the metrics.
    async fn fetch(
        &self,
        source_id: &str,
        url: &str,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let started = std::time::Instant::now();
        let result = self.fetcher.get(url, validators).await;
        let status = match &result {
            Ok(Fetched::NotModified) => "304".to_string(),
            Ok(Fetched::Page(page)) => {
                metrics::counter!(telemetry::FETCH_BYTES, "source" => source_id.to_string())
                    .increment(page.bytes.len() as u64);
                "200".to_string()
            }
            Err(e) => fetch_error_label(e),
        };
        metrics::histogram!(telemetry::FETCH_SECONDS, "source" => source_id.to_string())
            .record(started.elapsed().as_secs_f64());
        metrics::counter!(telemetry::FETCHES, "source" => source_id.to_string(), "status" => status)
            .increment(1);
        result
    }

    /// The stored article behind a listing link. One whose text was lost (a damaged body log
    /// record, e.g. after a power cut) counts as unknown, so it is fetched again and the new
    /// write repairs it instead of failing on every crawl.
    fn known(
        &self,
        source: &Source,
        link: &str,
    ) -> Result<Option<crate::model::Article>, StoreError> {
        match self.store.get_by_link(link) {
            Err(StoreError::Body(e @ BodyError::Corrupt { id, .. })) => {
                warn!(url = %link, error = %e, "stored text lost; fetching the article again");
                // Should this fetch fail, the next crawl retries even if the listing is
                // unchanged.
                self.store.mark_damaged(
                    crate::model::ArticleId(id),
                    Some(&source.id),
                    Some(link),
                )?;
                Ok(None)
            }
            other => other,
        }
    }

    /// Moves a stored article to `source`, its better home (see `home`), without fetching it.
    fn rehome(
        &self,
        source: &Source,
        mut article: crate::model::Article,
        link: &str,
    ) -> Result<Upsert, CrawlError> {
        if article.source_id == source.id {
            return Ok(Upsert::Unchanged);
        }
        info!(url = %article.url, from = %article.source_id, to = %source.id, "article moves to the source it belongs to");
        article.source_id = source.id.clone();
        article.level = source.level;
        article.land = source.land;
        let outcome = self.store.upsert_linked(&article, Some(link))?;
        if outcome != Upsert::Unchanged {
            self.notify(&article);
        }
        Ok(outcome)
    }

    /// Stores one candidate: skipped if already stored and not updated since. `repair`: the
    /// candidate is a damaged article known only by its URL, so its page is fetched even for
    /// a source whose listing carries the text.
    async fn process(
        &self,
        source: &Source,
        c: &Candidate,
        now: DateTime<Utc>,
        repair: bool,
    ) -> Result<Upsert, CrawlError> {
        if let Some(first) = self.homes.claim(&c.url, &source.id) {
            // Reached through another source in this crawl, which fetches it (see `home`).
            if !self.homes.better(source, &first, &c.url) {
                return Ok(Upsert::Unchanged);
            }
            self.homes.reclaim(&c.url, &source.id);
            // That source may be fetching it right now: wait for its write, briefly.
            for _ in 0..CLAIM_WAIT_ROUNDS {
                if let Some(known) = self.known(source, &c.url)? {
                    return self.rehome(source, known, &c.url);
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            // It failed or is slow: read it here.
        }
        let known = self.known(source, &c.url)?;
        if let Some(known) = &known {
            if known.source_id != source.id && !self.homes.better(source, &known.source_id, &c.url)
            {
                // Its home is another source.
                return Ok(Upsert::Unchanged);
            }
            let edited = c.updated.is_some_and(|u| u > known.updated);
            if !edited {
                if known.source_id != source.id {
                    return self.rehome(source, known.clone(), &c.url);
                }
                return Ok(Upsert::Unchanged);
            }
        }
        let page = if source.fetch_articles || repair {
            match self.fetch(&source.id, &c.url, None).await {
                Ok(Fetched::Page(p)) => Some(p),
                Ok(Fetched::NotModified) => None,
                // Feeds that carry the text can do without the page.
                Err(e) if c.content_html.is_some() => {
                    warn!(url = %c.url, error = %e, "article page failed; using feed content");
                    None
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            None
        };
        let (mut article, signature, sitewide) = isolate::catch(|| {
            #[cfg(debug_assertions)]
            isolate::test_hooks::maybe_panic(&c.url);
            let mut draft = article::draft(source, c, page.as_ref())?;
            let mut sitewide = Vec::new();
            if source.article.summary.is_none() {
                sitewide = self.sitewide_summaries(source, &draft);
                if !sitewide.is_empty() {
                    draft.summary = draft.lead.clone();
                }
            }
            let (article, signature) = article::build(source, c, draft, &self.watchlist, now);
            Ok::<_, CrawlError>((article, signature, sitewide))
        })
        .unwrap_or_else(|message| {
            isolate::count(&source.id, "article");
            Err(CrawlError::Panic {
                url: c.url.clone(),
                stage: "extracting the article",
                message,
            })
        })?;
        if let Some(known) = &known
            && known.id == article.id
        {
            // An edited article stays in its story, even once it left the cluster window.
            article.cluster = known.cluster;
        }
        self.stories()
            .assign(&self.store, &mut article, &signature)?;
        let outcome = self.store.upsert_linked(&article, Some(&c.url))?;
        if outcome != Upsert::Unchanged {
            self.notify(&article);
        }
        self.drop_sitewide_summaries(sitewide);
        Ok(outcome)
    }

    /// The articles stored before the site-wide description was recognised lose it: their
    /// summary becomes none, so readers see their lead (the start of their text), as they do
    /// for every later article of the source.
    fn drop_sitewide_summaries(&self, earlier: Vec<crate::model::Article>) {
        for mut a in earlier {
            a.summary = None;
            match self.store.upsert(&a) {
                Ok(Upsert::Unchanged) => {}
                Ok(_) => self.notify(&a),
                Err(e) => warn!(url = %a.url, error = %e, "site-wide summary not dropped"),
            }
        }
    }
}

/// How many of a source's newest stored articles are compared with a new article's meta
/// description.
const SITEWIDE_SUMMARY_WINDOW: usize = 30;

impl Crawler {
    /// The source's newest stored articles whose summary is the draft's meta description,
    /// when the source puts it on its other pages too (`Presseinformationen der Staatskanzlei`
    /// on every page of a state chancellery); empty when the summary is specific. A summary
    /// that is the draft's own lead is specific by construction.
    ///
    /// A refinement only: when the recent articles cannot be read (a damaged body record, which
    /// the crawl repairs separately), the summary is kept as the page gives it.
    fn sitewide_summaries(&self, source: &Source, d: &Draft) -> Vec<crate::model::Article> {
        let Some(summary) = d.summary.as_deref() else {
            return Vec::new();
        };
        if d.lead.as_deref() == Some(summary) {
            return Vec::new();
        }
        match self.store.by_source(&source.id, 0, SITEWIDE_SUMMARY_WINDOW) {
            Ok(recent) => recent
                .items
                .into_iter()
                .filter(|a| a.url != d.url && a.summary.as_deref() == Some(summary))
                .collect(),
            Err(e) => {
                warn!(source = %source.id, error = %e, "recent summaries not compared");
                Vec::new()
            }
        }
    }
}

/// How long (in 100 ms rounds) a source that an article belongs to waits for the write of the
/// source that claimed it first in this crawl, before it reads the article itself.
const CLAIM_WAIT_ROUNDS: usize = 50;

/// The metrics label of a failed fetch: the HTTP status, or what went wrong.
fn fetch_error_label(e: &FetchError) -> String {
    match e {
        FetchError::Status { status, .. } => status.to_string(),
        FetchError::InvalidUrl { .. } => "invalid_url".into(),
        FetchError::Disallowed { .. } => "disallowed".into(),
        FetchError::RobotsUnreachable { .. } => "robots_unreachable".into(),
        FetchError::TooLarge { .. } => "too_large".into(),
        FetchError::RetryLater { .. } => "retry_later".into(),
        FetchError::Network { reason, .. } if reason.contains("timed out") => "timeout".into(),
        FetchError::Network { .. } => "network".into(),
    }
}

fn record_metrics(
    source: &Source,
    outcome: &Result<(), CrawlError>,
    report: &SourceReport,
    health: &SourceHealth,
    took: std::time::Duration,
) {
    let id = source.id.clone();
    metrics::histogram!(telemetry::CRAWL_SECONDS, "source" => id.clone())
        .record(took.as_secs_f64());
    let result = if outcome.is_ok() { "ok" } else { "error" };
    metrics::counter!(telemetry::CRAWLS, "source" => id.clone(), "outcome" => result).increment(1);
    for (label, n) in [("new", report.new), ("updated", report.updated)] {
        metrics::counter!(telemetry::STORED, "source" => id.clone(), "outcome" => label)
            .increment(n as u64);
    }
    if let Some(t) = health.last_success {
        metrics::gauge!(telemetry::LAST_SUCCESS, "source" => id).set(t.timestamp() as f64);
    }
}

/// Updates health after a crawl: success resets failures; failure counts and pushes back.
fn record_outcome(
    health: &mut SourceHealth,
    outcome: &Result<(), CrawlError>,
    report: &SourceReport,
    source: &Source,
    now: DateTime<Utc>,
) {
    match outcome {
        Ok(()) => {
            health.last_success = Some(now);
            health.consecutive_failures = 0;
            health.articles_total += report.new as u64;
        }
        Err(e) => {
            health.last_error_at = Some(now);
            health.last_error = Some(e.to_string());
            health.consecutive_failures = health.consecutive_failures.saturating_add(1);
            health.broken = matches!(e, CrawlError::NothingFound { .. });
        }
    }
    let wait = scheduler::next_delay(source.interval, health.consecutive_failures);
    // Config caps intervals; `checked_add` keeps even an absurd one from panicking here.
    health.next_due = chrono::Duration::from_std(wait)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .or_else(|| now.checked_add_signed(chrono::Duration::days(1)));
}

/// Crawls `sources` once, `parallel` at a time, and returns one report per source in order.
pub async fn crawl_all(
    crawler: Arc<Crawler>,
    sources: &[Source],
    parallel: usize,
) -> Vec<SourceReport> {
    crawl_all_with(crawler, sources, parallel, |_| {}).await
}

/// Like [`crawl_all`], calling `done` with each report as soon as its source finishes (in
/// completion order), for progress display.
pub async fn crawl_all_with(
    crawler: Arc<Crawler>,
    sources: &[Source],
    parallel: usize,
    done: impl FnMut(&SourceReport),
) -> Vec<SourceReport> {
    crawl_all_observed(crawler, sources, parallel, Arc::new(|_: &str| {}), done).await
}

/// Like [`crawl_all_with`], also calling `started` with a source's id when its crawl begins
/// (after waiting for a slot), so a progress bar can name the sources running now.
pub async fn crawl_all_observed(
    crawler: Arc<Crawler>,
    sources: &[Source],
    parallel: usize,
    started: Arc<dyn Fn(&str) + Send + Sync>,
    mut done: impl FnMut(&SourceReport),
) -> Vec<SourceReport> {
    crawler.homes.extend_order(sources);
    crawler.homes.new_round();
    let permits = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, source) in sources.iter().enumerate() {
        let source = source.clone();
        let crawler = crawler.clone();
        let permits = permits.clone();
        let started = started.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            started(&source.id);
            (i, crawler.crawl_source(&source, Utc::now()).await)
        });
    }
    let mut reports: Vec<Option<SourceReport>> = vec![None; sources.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((i, report)) = joined {
            done(&report);
            reports[i] = Some(report);
        }
    }
    reports
        .into_iter()
        .zip(sources)
        .map(|(r, source)| {
            r.unwrap_or_else(|| SourceReport {
                source_id: source.id.clone(),
                errors: vec!["crawl task failed".to_string()],
                ..SourceReport::default()
            })
        })
        .collect()
}
