//! The sled store: the source of truth for articles, their index entries and per-source state.
//!
//! This is the only module that touches sled. It owns the tree layout ([`keys`]), the value
//! encoding (JSON, so that a stored article stays readable across schema additions; articles
//! deflated, see [`codec`]), the schema version check at open, and the transactions that keep
//! an article and its index entries consistent. It must never fetch, extract or render anything.
//!
//! Layout (one fixed tree each, never a tree per source):
//! - `articles`: article id (8 bytes BE) → pointer into the body log ([`bodies`]: segment
//!   files of deflated JSON [`Article`]s beside sled); stores written before the body log keep
//!   deflated or plain JSON values here, which still read
//! - `by_date`: time + id → the Länder the article mentions (16-bit mask, in [`Land::ALL`]
//!   order, empty for none), which the `mentions:` listings filter on; `by_source` /
//!   `by_keyword` / `by_tag` / `by_region`: name, 0, time, id → `()` (`by_region` names:
//!   `from:BY`, `level:bund`; stores written before the mask also had `mentions:BY` entries,
//!   moved into the mask at open)
//! - `by_cluster`: cluster id, time, id → `()`; `sigs`: id → cluster id + signature bytes, kept
//!   for the newest [`SIGNATURES_KEPT`] articles only
//! - `health`: source id → JSON [`SourceHealth`](crate::model::SourceHealth)
//! - `meta`: `schema_version`, `article_count`, `bodies_end` (where the body log ended at the
//!   last flush); `garbage\0` + segment → superseded bytes of that body log segment (an
//!   estimate kept by every write, corrected by each exact measurement; see
//!   [`CompactionPolicy`]); `pending\0` + segment + offset → pointer, id, source and URL of
//!   an article written since the last body log sync; `damaged\0` + id → source and URL of an article whose
//!   record was found missing or damaged (see [`Store::damaged`])
//! - `state`: free-form bookkeeping of other modules (digest sent, watchlist fingerprint)

mod bodies;
mod check;
mod codec;
mod compaction;
mod durability;
mod keys;
mod open;
mod read;
mod signatures;
mod write;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use bodies::BodyLog;
#[cfg(test)]
use compaction::{Crash, Step};

use sled::Tree;

use crate::model::{Article, ArticleId, Land, Level};

pub use bodies::BodyError;
pub use keys::tag_key;

/// The schema version this build writes. Version 2 keeps article values in the body log; a
/// version-1 store (values inside sled) opens and is marked version 2 when opened, so that an
/// older govwire refuses it instead of misreading its pointers.
pub const SCHEMA_VERSION: u32 = 2;

/// Story signatures are kept for this many of the newest articles (by publication, else
/// first-seen time): twice the story index's window (`enrich::DEFAULT_WINDOW`, the newest
/// articles `crawl` compares a new one with), so a restart always finds the window's
/// signatures. Older ones are deleted every [`PRUNE_EVERY`] signature writes; an edited older
/// article keeps the cluster stored in the article itself.
pub const SIGNATURES_KEPT: usize = 20_000;

/// Signature writes between two prunes of the `sigs` tree: a prune walks every date key, so
/// its cost per article is the store's size divided by this.
const PRUNE_EVERY: u64 = 5_000;

const META_SCHEMA: &[u8] = b"schema_version";
const META_COUNT: &[u8] = b"article_count";
const META_BODIES_END: &[u8] = b"bodies_end";
/// Present once the `mentions:` entries of `by_region` live in the `by_date` values.
const META_MENTIONS_IN_DATE: &[u8] = b"mentions_in_by_date";
/// Present once the `by_tag` entries are keyed by the one tag rule ([`keys::tag_key`]:
/// `kuenstliche-intelligenz`), not the older lowercase-with-spaces key.
const META_TAGS_KEYED: &[u8] = b"tags_keyed_v2";
/// Prefix of the per-segment superseded-bytes counters in `meta`.
const META_GARBAGE: &[u8] = b"garbage\0";
/// Present once every segment's counter was measured (new stores, or after the first automatic
/// compaction pass over a store written before the counters).
const META_GARBAGE_MEASURED: &[u8] = b"garbage_measured";
/// Prefix of the entries of articles written since the last body log sync.
const META_PENDING: &[u8] = b"pending\0";
/// Prefix of the entries of articles whose body log record is known to be lost.
const META_DAMAGED: &[u8] = b"damaged\0";

/// What went wrong in the store; each variant says what a user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds sled's lock on the folder.
    #[error(
        "data folder {path} is in use by another govwire process{pid}; stop it or choose another data_dir"
    )]
    InUse {
        /// The store folder.
        path: PathBuf,
        /// `" (PID n)"` when known.
        pid: String,
    },
    /// The folder was written by a different schema version.
    #[error(
        "data folder {path} has schema version {found}, this govwire understands {expected}; move it aside and re-crawl"
    )]
    SchemaMismatch {
        /// The store folder.
        path: PathBuf,
        /// Version found on disk.
        found: u32,
        /// Version this build writes.
        expected: u32,
    },
    /// sled reported an error (I/O, corruption).
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    /// A stored value could not be decoded.
    #[error("stored value under {key} is unreadable: {source}")]
    Decode {
        /// Which key.
        key: String,
        /// The decoder's complaint.
        source: serde_json::Error,
    },
    /// A value could not be encoded.
    #[error("could not encode value: {0}")]
    Encode(#[from] serde_json::Error),
    /// The body log failed: I/O, or a record that is missing or fails its CRC.
    #[error(transparent)]
    Body(#[from] BodyError),
}

/// Result of writing one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// The URL was not stored before.
    New,
    /// The article existed and its content changed.
    Updated,
    /// The article existed with the same content; nothing was written.
    Unchanged,
}

/// One page of a listing, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The articles on this page.
    pub items: Vec<Article>,
    /// True if at least one more article follows.
    pub has_more: bool,
}

/// A regional slice of the articles, for the region and level filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// Articles from sources located in a Land.
    From(Land),
    /// Articles whose text mentions a Land.
    Mentions(Land),
    /// Articles from sources of one administrative level.
    Level(Level),
}

impl Region {
    /// The index name (`from:BY`, `mentions:BY`, `level:bund`).
    fn key(self) -> String {
        match self {
            Region::From(l) => format!("from:{}", l.code()),
            Region::Mentions(l) => format!("mentions:{}", l.code()),
            Region::Level(l) => format!("level:{}", l.as_str()),
        }
    }
}

/// What [`Store::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Integrity {
    /// Articles stored.
    pub articles: u64,
    /// Index entries checked.
    pub index_entries: u64,
    /// Index entries pointing at no article, or at an article that no longer matches them.
    pub dangling: u64,
    /// Articles whose `by_date` entry is missing.
    pub unindexed: u64,
    /// Articles stored under an id that does not match their URL.
    pub misfiled: u64,
    /// Articles whose stored value cannot be read (body log record missing or failing its CRC,
    /// undecodable JSON).
    pub unreadable: u64,
    /// Intact records in the body log (live and superseded).
    pub log_records: u64,
    /// Body log segments whose records stop at a damaged one (CRC failure or a record running
    /// past the end of the file) before the end of the file.
    pub log_corrupt: u64,
    /// Bytes of the body log files.
    pub log_bytes: u64,
    /// Of those, bytes of records no article points at any more (superseded by an edit, or
    /// written by a transaction that did not commit): what a compaction would reclaim.
    pub log_garbage_bytes: u64,
}

impl Integrity {
    /// True when nothing is wrong (garbage in the body log is not wrong, only unreclaimed).
    pub fn is_ok(&self) -> bool {
        self.dangling == 0
            && self.unindexed == 0
            && self.misfiled == 0
            && self.unreadable == 0
            && self.log_corrupt == 0
    }
}

/// What [`Store::compact_bodies`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compaction {
    /// Closed body log segments deleted.
    pub segments: u64,
    /// Live records copied into the active segment.
    pub moved: u64,
    /// Bytes of the deleted segments.
    pub freed_bytes: u64,
    /// Closed segments left alone because a damaged record hides what follows it (see
    /// [`Integrity::log_corrupt`]).
    pub damaged: u64,
}

/// When the body log is compacted automatically ([`Store::compact_auto`], run by the crawl
/// scheduler after crawls). Superseded records are counted per segment as they are superseded,
/// so deciding costs a few `meta` reads, not a scan of the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompactionPolicy {
    /// Nothing is done until the closed segments hold at least this many superseded bytes in
    /// total. Default 32 MiB, half a segment: reclaiming less is not worth reading and
    /// rewriting a segment beside a running crawl, and it is below 15 % of the log of a store
    /// that has closed segments at all (the log is 217 MB at 100,000 articles); about 15,000
    /// superseded records of 2.2 kB.
    pub min_total_garbage: u64,
    /// Only closed segments of which at least this share (0.0–1.0) is superseded records are
    /// rewritten. Default 0.5, as `check-store --compact`: copying the live rest then writes at
    /// most one byte per byte reclaimed.
    pub min_segment_garbage: f64,
}

impl Default for CompactionPolicy {
    fn default() -> CompactionPolicy {
        CompactionPolicy {
            min_total_garbage: 32 << 20,
            min_segment_garbage: 0.5,
        }
    }
}

/// An article whose body log record was found missing or damaged (after a power cut, or bit
/// rot), kept until the article is stored again; the crawler fetches these itself instead of
/// waiting for a listing to name them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    /// The article.
    pub id: ArticleId,
    /// Its source, when known.
    pub source_id: Option<String>,
    /// The URL to fetch it from (its canonical URL or the listing link), when known. A record
    /// found damaged by a reader that only had the id has none: the article is then repaired
    /// when a listing names it again.
    pub url: Option<String>,
}

/// The open store. Cheap to clone; all clones share one sled `Db`.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    articles: Tree,
    by_date: Tree,
    by_source: Tree,
    by_keyword: Tree,
    by_tag: Tree,
    by_region: Tree,
    by_cluster: Tree,
    sigs: Tree,
    links: Tree,
    health: Tree,
    meta: Tree,
    state: Tree,
    /// Article values (see [`bodies`]).
    bodies: Arc<BodyLog>,
    /// Bumped after every committed article write; see [`Store::generation`].
    generation: Arc<AtomicU64>,
    /// Signature writes of this process, to prune `sigs` every [`PRUNE_EVERY`].
    sig_writes: Arc<AtomicU64>,
    /// Held by a running compaction: two at once would copy the same records twice.
    compacting: Arc<std::sync::Mutex<()>>,
    /// Where a test makes a compaction crash.
    #[cfg(test)]
    crash: Arc<std::sync::Mutex<Option<(Step, Crash)>>>,
    /// The store folder (tests copy sled's files from it).
    #[cfg(test)]
    dir: PathBuf,
}

#[cfg(test)]
mod tests;
