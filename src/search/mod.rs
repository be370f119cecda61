//! Full-text search over the stored articles: a tantivy index under `<data_dir>/index/`,
//! German and English analysis, a small query language, facets, snippets and trend counts.
//!
//! The store is the source of truth; this index is derived from it and can always be thrown
//! away. [`Index::open_or_rebuild`] rebuilds it when it is missing, unreadable, of another
//! [`schema::SCHEMA_VERSION`] or holds a different number of articles than the store; `serve`
//! instead opens it with [`Index::open_or_create`] and runs [`Index::build`] in the background,
//! searches answering [`SearchError::Building`] meanwhile. Articles
//! arriving while serving are added with [`Index::add`] (replace by id) and become visible at
//! the next [`Index::commit`], which [`spawn_committer`] does periodically. This module reads
//! the store (for rebuilds and snippets) but never writes it.

mod collect;
mod compile;
pub mod export;
pub mod query;
pub mod schema;
pub mod snippet;
pub mod trends;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tantivy::collector::{Count, TopDocs};
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, Term};

use crate::model::{Article, ArticleId};
use crate::store::{Store, StoreError};

pub use collect::{Counts, Facets};
pub use query::{Expr, Query, QueryError, Sort};
use schema::Fields;

/// Largest page of hits one search returns.
pub const MAX_LIMIT: usize = 100;
/// Deepest offset a search may start at (deep pages cost a full top-k over everything before).
pub const MAX_OFFSET: usize = 10_000;
/// Characters of text a snippet shows at most.
pub const SNIPPET_CHARS: usize = 240;
/// Memory the index writer may buffer before it flushes a segment. One indexing thread: the
/// crawler adds a few hundred articles a second, far below what one thread indexes, and every
/// extra thread holds its own buffer (resident memory counts against the crawler's budget).
const WRITER_BUDGET: usize = 32 << 20;
/// Indexing threads of the writer.
const WRITER_THREADS: usize = 1;
/// File in the index folder holding the schema version.
const VERSION_FILE: &str = "govwire-index-version";
/// Articles [`Index::build`] indexes per turn holding the writer lock: [`Index::add`] (the
/// crawler) waits at most one turn, a few milliseconds.
const BUILD_TURN: usize = 256;

/// Everything the search index can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query text is malformed or over a limit; the message is for the user.
    #[error("{0}")]
    Query(#[from] QueryError),
    /// Asked for a page beyond [`MAX_OFFSET`].
    #[error(
        "Diese Seite liegt zu weit hinten: höchstens {MAX_OFFSET} Treffer lassen sich durchblättern. Bitte die Suche eingrenzen."
    )]
    TooDeep,
    /// tantivy failed (I/O, corrupt files, writer lock held by another process).
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index folder cannot be opened.
    #[error("search index folder: {0}")]
    Dir(#[from] tantivy::directory::error::OpenDirectoryError),
    /// Reading or writing the index folder failed.
    #[error("search index folder {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Reading the store failed (rebuild, snippets).
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A thread holding the writer panicked.
    #[error("search index writer is poisoned by an earlier panic")]
    Poisoned,
    /// The index is being built from the store and cannot answer yet (see [`Index::build`]).
    #[error("search index is being built: {done} of {total} articles")]
    Building {
        /// Articles indexed so far.
        done: u64,
        /// Articles the store held when the build began.
        total: u64,
    },
    /// [`Index::stop_building`] was called before the build finished.
    #[error("search index build stopped")]
    Stopped,
    /// Writing the matches as a workbook failed (`/search.xlsx`).
    #[error(transparent)]
    Export(#[from] export::XlsxError),
}

impl SearchError {
    /// True when the error is the user's (malformed query, page too deep): show it, as a 400.
    pub fn is_user_error(&self) -> bool {
        matches!(self, SearchError::Query(_) | SearchError::TooDeep)
    }
}

/// One search hit.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The article.
    pub id: ArticleId,
    /// BM25 score (0 when sorted by date).
    pub score: f32,
    /// A piece of the text with the matched words in `<b>`; everything else HTML-escaped.
    pub snippet_html: String,
    /// The stored article, if the store still has it.
    pub article: Option<Article>,
}

/// A page of hits with the total and facet counts of all matches.
#[derive(Debug, Clone)]
pub struct Hits {
    /// Number of matching articles.
    pub total: usize,
    /// The requested page.
    pub items: Vec<Hit>,
    /// Counts per source, keyword and Land over all matches.
    pub facets: Facets,
}

/// The open search index.
pub struct Index {
    /// The index folder.
    dir: PathBuf,
    index: tantivy::Index,
    fields: Fields,
    reader: IndexReader,
    /// `None` only for the moment [`Index::wait_merges`] hands the writer to tantivy.
    writer: Mutex<Option<IndexWriter>>,
    store: Store,
    pending: AtomicU64,
    /// Decoded facet values and sort times per segment (see [`collect::Tables`]).
    tables: collect::Tables,
    /// False from [`Index::open_or_create`] on a missing or stale folder until
    /// [`Index::build`] has filled the fresh index: searches answer [`SearchError::Building`].
    ready: AtomicBool,
    /// Articles the running build has indexed, and the store's count when it began.
    built: AtomicU64,
    to_build: AtomicU64,
    /// Set by [`Index::stop_building`]: the build returns after its current turn.
    stop_build: AtomicBool,
    /// While the index is not ready: ids [`Index::add`] has indexed since it was created.
    /// The build skips them: the added version is at least as new as what the build would read,
    /// and indexing it again would leave two documents (the build adds without deleting).
    /// Locked only while holding the writer lock.
    added_early: Mutex<HashSet<u64>>,
}

impl Index {
    /// Opens the index in `dir`, rebuilding it from `store` when it is missing, unreadable, of
    /// another schema version, or holds a different number of articles than the store.
    /// Blocking; a rebuild reads every stored article.
    pub fn open_or_rebuild(dir: &Path, store: &Store) -> Result<Index, SearchError> {
        let index = Index::open_or_create(dir, store)?;
        if !index.is_ready() {
            let n = index.build()?;
            tracing::info!(articles = n, dir = %dir.display(), "search index rebuilt");
        }
        Ok(index)
    }

    /// Opens the index in `dir` when it is current (ready at once); otherwise (missing,
    /// unreadable, of another schema version, out of step with `store`) creates an empty one
    /// that is not ready: searches answer [`SearchError::Building`] until [`Index::build`] has
    /// run, while [`Index::add`] and [`Index::commit`] already work (so articles crawled
    /// meanwhile are not lost). Fast either way: no article is read.
    pub fn open_or_create(dir: &Path, store: &Store) -> Result<Index, SearchError> {
        // tantivy can panic (not only fail) on truncated files; a corrupt derived index must
        // only cost a rebuild.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Index::open_existing(dir, store)
        }));
        match opened {
            Ok(Ok(Some(index))) => return Ok(index),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "search index unreadable; rebuilding"),
            Err(_) => tracing::warn!("search index corrupt (reading it panicked); rebuilding"),
        }
        let index = Index::create(dir, store)?;
        index.ready.store(false, Ordering::Release);
        index.to_build.store(store.count()?, Ordering::Relaxed);
        Ok(index)
    }

    /// True once searches can run: the index was current when opened, or [`Index::build`]
    /// finished.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// While not ready: (articles indexed so far, articles to index); `None` when ready.
    pub fn build_progress(&self) -> Option<(u64, u64)> {
        (!self.is_ready()).then(|| {
            let done = self.built.load(Ordering::Relaxed);
            (done, self.to_build.load(Ordering::Relaxed).max(done))
        })
    }

    /// Makes a running (or later) [`Index::build`] return [`SearchError::Stopped`] after its
    /// current turn, so that a shutdown need not wait for it. The folder is left without its
    /// version mark, so the next start builds again.
    pub fn stop_building(&self) {
        self.stop_build.store(true, Ordering::Release);
    }

    /// Fills an index from [`Index::open_or_create`] that is not ready with every article of
    /// the store, commits, waits for merges, marks the folder with the schema version and
    /// makes the index ready. Returns the number of articles it indexed (0 when the index was
    /// ready already). Blocking; reads every stored article.
    ///
    /// Other threads may [`Index::add`] and [`Index::commit`] meanwhile: the build takes the
    /// writer lock for [`BUILD_TURN`] articles at a time, reading each article from the store
    /// under the lock, and skips the ids added since the index was created. So each article
    /// ends up indexed once, in its newest version: one stored after the build read it is
    /// added (replacing by id) by whoever stored it; one added before the build reaches it is
    /// skipped by the build.
    pub fn build(&self) -> Result<u64, SearchError> {
        self.build_with(|| {})
    }

    /// [`Index::build`], calling `between` after every turn (for tests: to store and add
    /// articles while the build is half done).
    pub(crate) fn build_with(&self, mut between: impl FnMut()) -> Result<u64, SearchError> {
        if self.is_ready() {
            return Ok(0);
        }
        let store = self.store.clone();
        self.to_build.store(store.count()?, Ordering::Relaxed);
        let mut articles = store.iter_articles();
        let mut n = 0;
        loop {
            if self.stop_build.load(Ordering::Acquire) {
                return Err(SearchError::Stopped);
            }
            let more = self.with_writer(|writer| {
                let early = self.added_early.lock().map_err(|_| SearchError::Poisoned)?;
                for _ in 0..BUILD_TURN {
                    let article = match articles.next() {
                        None => return Ok(false),
                        Some(Ok(a)) => a,
                        Some(Err(StoreError::Decode { key, source })) => {
                            tracing::warn!(%key, error = %source, "unreadable article skipped");
                            continue;
                        }
                        Some(Err(e)) => return Err(e.into()),
                    };
                    if !early.contains(&article.id.0) {
                        writer.add_document(self.fields.document(&article))?;
                        n += 1;
                    }
                }
                Ok(true)
            })?;
            self.built.store(n, Ordering::Relaxed);
            if !more {
                break;
            }
            between();
        }
        drop(articles);
        self.commit()?;
        self.wait_merges()?;
        self.write_version()?;
        // Under the writer lock, so that no addition sees the index ready but records itself
        // as early (harmless) or the reverse.
        self.with_writer(|_| {
            self.ready.store(true, Ordering::Release);
            if let Ok(mut early) = self.added_early.lock() {
                *early = HashSet::new();
            }
            Ok(())
        })?;
        Ok(n)
    }

    /// The index in `dir` if it is current; `None` if it should be rebuilt.
    fn open_existing(dir: &Path, store: &Store) -> Result<Option<Index>, SearchError> {
        let Some(opened) = Index::open_unchecked(dir, store)? else {
            return Ok(None);
        };
        let docs = opened.reader.searcher().num_docs();
        if docs != store.count()? {
            tracing::info!(
                indexed = docs,
                stored = store.count()?,
                "search index out of step with the store"
            );
            return Ok(None);
        }
        Ok(Some(opened))
    }

    /// A new, empty index in `dir` (anything there before is removed).
    fn create(dir: &Path, store: &Store) -> Result<Index, SearchError> {
        let io = |source| SearchError::Io {
            path: dir.to_path_buf(),
            source,
        };
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let fields = Fields::new();
        let index = tantivy::Index::create_in_dir(dir, fields.schema.clone())?;
        Index::wrap(dir, index, fields, store)
    }

    fn wrap(
        dir: &Path,
        index: tantivy::Index,
        fields: Fields,
        store: &Store,
    ) -> Result<Index, SearchError> {
        schema::register(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(WRITER_THREADS, WRITER_BUDGET)?;
        Ok(Index {
            dir: dir.to_path_buf(),
            index,
            fields,
            reader,
            writer: Mutex::new(Some(writer)),
            store: store.clone(),
            pending: AtomicU64::new(0),
            tables: collect::Tables::default(),
            ready: AtomicBool::new(true),
            built: AtomicU64::new(0),
            to_build: AtomicU64::new(0),
            stop_build: AtomicBool::new(false),
            added_early: Mutex::new(HashSet::new()),
        })
    }

    /// Opens the index in `dir` as it is when it has the current schema version, without
    /// comparing it with `store` (`None` when it is missing or of another version). For tools
    /// and benchmarks that build an index without writing the articles to a store; serving
    /// uses [`Index::open_or_rebuild`].
    pub fn open_unchecked(dir: &Path, store: &Store) -> Result<Option<Index>, SearchError> {
        let version = std::fs::read_to_string(dir.join(VERSION_FILE)).ok();
        if version.as_deref().map(str::trim) != Some(&schema::SCHEMA_VERSION.to_string()) {
            return Ok(None);
        }
        let index = tantivy::Index::open_in_dir(dir)?;
        let fields = Fields::new();
        if index.schema() != fields.schema {
            return Ok(None);
        }
        Index::wrap(dir, index, fields, store).map(Some)
    }

    /// Marks the folder with the schema version, so that it opens without a rebuild. Written
    /// next to tantivy's files, not through its directory: a file written through the
    /// directory counts as tantivy's own, and its garbage collection deletes it at the next
    /// commit, which made every restart after a commit rebuild the whole index.
    fn write_version(&self) -> Result<(), SearchError> {
        let dir = &self.dir;
        let io = |source| SearchError::Io {
            path: dir.join(VERSION_FILE),
            source,
        };
        let tmp = dir.join(format!("{VERSION_FILE}.tmp"));
        std::fs::write(&tmp, schema::SCHEMA_VERSION.to_string()).map_err(io)?;
        std::fs::rename(&tmp, dir.join(VERSION_FILE)).map_err(io)
    }

    /// Runs `f` with the writer locked.
    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let mut guard = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        let writer = guard.as_mut().ok_or(SearchError::Poisoned)?;
        f(writer)
    }

    /// Adds `article`, replacing any earlier version with the same id. Visible after the next
    /// [`Index::commit`]. Cheap: the writer buffers in memory.
    pub fn add(&self, article: &Article) -> Result<(), SearchError> {
        let doc = self.fields.document(article);
        self.with_writer(|writer| {
            writer.delete_term(Term::from_field_u64(self.fields.id, article.id.0));
            writer.add_document(doc)?;
            if !self.is_ready() {
                self.added_early
                    .lock()
                    .map_err(|_| SearchError::Poisoned)?
                    .insert(article.id.0);
            }
            Ok(())
        })?;
        self.pending.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Number of additions not yet committed.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Makes every addition durable and visible to searches. Blocking (fsync).
    pub fn commit(&self) -> Result<(), SearchError> {
        self.with_writer(|writer| {
            let before = self.pending.swap(0, Ordering::Relaxed);
            if let Err(e) = writer.commit() {
                self.pending.fetch_add(before, Ordering::Relaxed);
                return Err(e.into());
            }
            Ok(())
        })?;
        self.reload()?;
        Ok(())
    }

    /// Blocks until the segment merges tantivy runs in the background after commits have
    /// finished, then makes the merged segments visible to searches. A bulk build leaves
    /// dozens of small segments, and every query pays per segment (term lookups in each
    /// field, fast-field columns), so [`Index::reindex`] ends with this. Additions made by
    /// other threads meanwhile wait for the lock; nothing is lost.
    pub fn wait_merges(&self) -> Result<(), SearchError> {
        let mut guard = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        let writer = guard.take().ok_or(SearchError::Poisoned)?;
        // Consumes the writer (and releases the folder lock); a fresh one takes its place.
        let waited = writer.wait_merging_threads();
        *guard = Some(self.new_writer()?);
        drop(guard);
        waited?;
        self.reload()?;
        Ok(())
    }

    /// A writer for the folder whose previous writer was just dropped. The folder lock is an
    /// advisory file lock, and a process forked meanwhile (a crawler spawning a helper, a test
    /// harness running the CLI) holds a copy of its descriptor until it execs; so a busy lock
    /// is retried for up to a second before it counts as held by someone else.
    fn new_writer(&self) -> Result<IndexWriter, SearchError> {
        let mut tries = 0;
        loop {
            match self
                .index
                .writer_with_num_threads(WRITER_THREADS, WRITER_BUDGET)
            {
                Err(tantivy::TantivyError::LockFailure(
                    tantivy::directory::error::LockError::LockBusy,
                    _,
                )) if tries < 50 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return Ok(other?),
            }
        }
    }

    /// Makes committed changes visible to searches and forgets the facet tables of segments
    /// that are no longer searched (merged away or emptied). A search still running on the
    /// previous snapshot may build a table for a dropped segment again; the next reload drops it.
    fn reload(&self) -> Result<(), SearchError> {
        self.reader.reload()?;
        self.tables.retain(self.reader.searcher().segment_readers());
        let (tables, bytes) = self.tables.size();
        tracing::debug!(tables, bytes, "search index reloaded");
        Ok(())
    }

    /// [`SearchError::Building`] while the index is not ready.
    fn check_ready(&self) -> Result<(), SearchError> {
        match self.build_progress() {
            None => Ok(()),
            Some((done, total)) => Err(SearchError::Building { done, total }),
        }
    }

    /// Number of segments searches currently go through.
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Replaces the whole index with every article of `store`, commits, and marks the folder
    /// with the schema version. Returns the number of articles indexed. Blocking.
    pub fn reindex(&self, store: &Store) -> Result<u64, SearchError> {
        let mut n = 0;
        self.with_writer(|writer| {
            // delete_all_documents drops the committed segments only: additions still buffered
            // (a running crawl's, in `serve`) would survive it and be added again below, as a
            // second document of the same article. Committing first puts them in a segment.
            writer.commit()?;
            writer.delete_all_documents()?;
            for article in store.iter_articles() {
                let article = match article {
                    Ok(a) => a,
                    Err(StoreError::Decode { key, source }) => {
                        tracing::warn!(%key, error = %source, "unreadable article skipped");
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                writer.add_document(self.fields.document(&article))?;
                n += 1;
            }
            Ok(())
        })?;
        self.commit()?;
        self.wait_merges()?;
        self.write_version()?;
        Ok(n)
    }

    /// Identifies the snapshot of the index that searches currently see: it changes whenever
    /// committed additions become visible (every [`Index::commit`], also after merges), and only
    /// then. A response computed from the index may be reused while this is unchanged; the web
    /// view's search cache keys on it.
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }

    /// Number of searchable (committed) articles.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The page `offset..offset+limit` of the hits of `q` (limit capped at [`MAX_LIMIT`]),
    /// with the total and facet counts of all matches, snippets and stored articles.
    pub fn search(&self, q: &Query, offset: usize, limit: usize) -> Result<Hits, SearchError> {
        self.search_with(q, offset, limit, true)
    }

    /// Like [`Index::search`]; with `facets` false the facet counts stay empty, which saves
    /// reading three fast fields per match (most of the cost of a query matching much).
    pub fn search_with(
        &self,
        q: &Query,
        offset: usize,
        limit: usize,
        facets: bool,
    ) -> Result<Hits, SearchError> {
        self.check_ready()?;
        if offset > MAX_OFFSET {
            return Err(SearchError::TooDeep);
        }
        let limit = limit.clamp(1, MAX_LIMIT);
        let searcher = self.reader.searcher();
        let query = compile::compile(&self.fields, q);
        let (docs, total, facets): (Vec<(f32, tantivy::DocAddress)>, usize, Facets) = match q.sort {
            Sort::Relevance if compile::prunable(q) => {
                // Two passes beat one here: alone, the top-k pass prunes with Block-WAND and
                // scores only a fraction of the matches; the tally pass reads no term
                // frequencies, no scores and only fast fields, a block of documents at a time.
                let top = TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score();
                let docs = searcher.search(&query, &top)?;
                let (total, facets) = if facets {
                    let tally = searcher.search(
                        &query,
                        &collect::TallyCollector {
                            facets: true,
                            newest: 0,
                            tables: &self.tables,
                        },
                    )?;
                    (tally.total, tally.facets)
                } else {
                    (searcher.search(&query, &Count)?, Facets::default())
                };
                (docs, total, facets)
            }
            Sort::Relevance => {
                // Phrases, filters, several words: every match is scored anyway, so one pass
                // collects the top hits and the tally together.
                let top = TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score();
                let (docs, tally) = searcher.search(
                    &query,
                    &(
                        top,
                        collect::TallyCollector {
                            facets,
                            newest: 0,
                            tables: &self.tables,
                        },
                    ),
                )?;
                (docs, tally.total, tally.facets)
            }
            Sort::Date => {
                let tally = searcher.search(
                    &query,
                    &collect::TallyCollector {
                        facets,
                        newest: offset + limit,
                        tables: &self.tables,
                    },
                )?;
                let docs = tally
                    .newest
                    .into_iter()
                    .skip(offset)
                    .map(|(_, d)| (0.0, d))
                    .collect();
                (docs, tally.total, tally.facets)
            }
        };
        let mut snippets = snippet::Highlighter::new(q);
        let mut items = Vec::with_capacity(docs.len());
        for (score, addr) in docs {
            let ids = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64("id")?;
            let Some(raw) = ids.first(addr.doc_id) else {
                continue;
            };
            let id = ArticleId(raw);
            let article = self.store.get(id)?;
            let snippet_html = article
                .as_ref()
                .map(|a| snippets.html(a))
                .unwrap_or_default();
            items.push(Hit {
                id,
                score,
                snippet_html,
                article,
            });
        }
        Ok(Hits {
            total,
            items,
            facets,
        })
    }

    /// Number of articles matching `q`.
    pub fn count(&self, q: &Query) -> Result<usize, SearchError> {
        self.check_ready()?;
        let query = compile::compile(&self.fields, q);
        Ok(self.reader.searcher().search(&query, &Count)?)
    }

    /// Every match of `q` as (sort time in Unix seconds, id), newest first (ties by id). Holds
    /// 16 bytes per match, never articles: exports stream the articles from the store.
    pub fn matches(&self, q: &Query) -> Result<Vec<(i64, ArticleId)>, SearchError> {
        self.check_ready()?;
        let query = compile::compile(&self.fields, q);
        let mut all = self
            .reader
            .searcher()
            .search(&query, &collect::MatchCollector)?;
        all.sort_unstable_by(|a, b| b.cmp(a));
        Ok(all.into_iter().map(|(t, id)| (t, ArticleId(id))).collect())
    }

    /// The store this index was built from (for streaming matches).
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// `fragment` HTML-escaped, with each of the byte `ranges` wrapped in `<b>…</b>`. Ranges that
/// overlap an earlier one or do not fall on character boundaries are skipped, so the output is
/// always well-formed.
pub fn mark(fragment: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut ranges: Vec<_> = ranges.to_vec();
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out = String::with_capacity(fragment.len() + 16);
    let mut at = 0;
    for r in ranges {
        if r.start < at
            || r.end <= r.start
            || r.end > fragment.len()
            || !fragment.is_char_boundary(r.start)
            || !fragment.is_char_boundary(r.end)
        {
            continue;
        }
        out.push_str(&crate::text::html_escape(&fragment[at..r.start]));
        out.push_str("<b>");
        out.push_str(&crate::text::html_escape(&fragment[r.start..r.end]));
        out.push_str("</b>");
        at = r.end;
    }
    out.push_str(&crate::text::html_escape(&fragment[at..]));
    out
}

/// Commits `index` every `every` while there are pending additions, and once more when `stop`
/// turns true; then returns. Commits run on the blocking pool. For `govwire serve`, together
/// with `crawler.on_stored(Box::new(move |a| { let _ = index.add(a); }))`.
pub fn spawn_committer(
    index: std::sync::Arc<Index>,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let stopping = tokio::select! {
                _ = tick.tick() => false,
                r = stop.wait_for(|s| *s) => { let _ = r; true }
            };
            if index.pending() > 0 {
                let idx = index.clone();
                match tokio::task::spawn_blocking(move || idx.commit()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "search index commit failed"),
                    Err(e) => tracing::warn!(error = %e, "search index commit task failed"),
                }
            }
            if stopping {
                return;
            }
        }
    })
}

#[cfg(test)]
mod tests;
