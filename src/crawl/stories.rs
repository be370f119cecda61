//! Keeping stored articles' enrichment current: story clusters as articles arrive, and
//! re-tagging everything when the watchlist changes.
//!
//! This file owns the in-memory [`ClusterIndex`] (rebuilt from the signatures kept in the store,
//! so a restart neither forgets a story nor renames its cluster) and the re-tag pass, which reads
//! stored text only and never fetches. The matching itself is `enrich`'s job.

use std::sync::Mutex;

use tracing::{info, warn};

use crate::enrich::{self, ClusterIndex, Signature, Watchlist};
use crate::model::{Article, ArticleId, Keyword};
use crate::store::{Store, StoreError};

/// Bump when the enrichment of stored articles must be recomputed even if the watchlist did
/// not change (new matching rules, region detection, clustering).
const ENRICH_VERSION: u32 = 2;

/// Store state key of the fingerprint the stored articles were tagged with.
const FINGERPRINT_KEY: &str = "enrich:fingerprint";

/// What a re-tag pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetagReport {
    /// Articles read.
    pub scanned: u64,
    /// Articles whose keywords, Länder or cluster changed and were rewritten.
    pub changed: u64,
    /// Articles given a story cluster for the first time.
    pub clustered: u64,
}

/// The story clusters, shared by every crawl task.
pub(super) struct Stories {
    index: Mutex<ClusterIndex>,
}

impl Stories {
    /// Rebuilds the cluster index from the signatures in `store`; unreadable or stale entries
    /// are skipped (their articles simply attract no reprints until re-tagged).
    pub(super) fn load(store: &Store) -> Stories {
        let mut index = ClusterIndex::new();
        let mut skipped = 0u64;
        for entry in store.signatures() {
            match entry {
                Ok((id, cluster, bytes)) => match Signature::from_bytes(&bytes) {
                    Some(sig) => index.restore(id.0, &sig, cluster.0),
                    None => skipped += 1,
                },
                Err(e) => {
                    warn!(error = %e, "could not read story signatures; clustering starts afresh");
                    break;
                }
            }
        }
        if skipped > 0 {
            info!(skipped, "stale story signatures skipped");
        }
        Stories {
            index: Mutex::new(index),
        }
    }

    /// Gives `article` its cluster (joining the most similar stored story, or founding its own)
    /// and records its signature. An article already indexed keeps its cluster.
    pub(super) fn assign(
        &self,
        store: &Store,
        article: &mut Article,
        sig: &Signature,
    ) -> Result<(), StoreError> {
        let cluster = {
            let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
            match index.cluster_of(article.id.0) {
                Some(c) => c,
                None => index.insert(article.id.0, sig),
            }
        };
        let cluster = ArticleId(cluster);
        article.cluster = Some(cluster);
        store.put_signature(article.id, cluster, &sig.to_bytes())
    }
}

/// A stable fingerprint of the watchlist and the enrichment rules.
pub fn fingerprint(keywords: &[Keyword]) -> String {
    let json = serde_json::to_string(keywords).unwrap_or_default();
    format!("v{ENRICH_VERSION}:{:016x}", fnv1a(json.as_bytes()))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// True if the stored articles were tagged with another watchlist or older rules.
pub fn needs_retag(store: &Store, keywords: &[Keyword]) -> Result<bool, StoreError> {
    let stored = store.state(FINGERPRINT_KEY)?;
    Ok(stored.as_deref() != Some(fingerprint(keywords).as_bytes()))
}

/// Recomputes keywords and Länder mentioned of every stored article from its stored title and
/// text, and clusters articles that have none yet (oldest first, so the original names the
/// story). Idempotent: a second run changes nothing. Records the fingerprint when done.
pub(super) fn retag(
    store: &Store,
    keywords: &[Keyword],
    watchlist: &Watchlist,
    stories: &Stories,
    changed: &dyn Fn(&Article),
) -> Result<RetagReport, StoreError> {
    let mut report = RetagReport::default();
    let mut unclustered: Vec<(chrono::DateTime<chrono::Utc>, ArticleId)> = Vec::new();
    for article in store.iter_articles() {
        let article = article?;
        report.scanned += 1;
        if article.cluster.is_none() {
            unclustered.push((article.first_seen, article.id));
            continue;
        }
        let mut new = article.clone();
        retag_one(&mut new, watchlist);
        if new != article {
            store.upsert(&new)?;
            changed(&new);
            report.changed += 1;
        }
    }
    unclustered.sort();
    for (_, id) in unclustered {
        let Some(article) = store.get(id)? else {
            continue;
        };
        let mut new = article.clone();
        let sig = retag_one(&mut new, watchlist);
        stories.assign(store, &mut new, &sig)?;
        store.upsert(&new)?;
        changed(&new);
        report.changed += 1;
        report.clustered += 1;
    }
    store.set_state(FINGERPRINT_KEY, fingerprint(keywords).as_bytes())?;
    store.flush()?;
    Ok(report)
}

/// Recomputes what the watchlist and region rules derive from the stored text, exactly as the
/// crawler does when it stores an article; returns the signature for clustering.
fn retag_one(article: &mut Article, watchlist: &Watchlist) -> Signature {
    let found = enrich::enrich(watchlist, &article.title, &article.text);
    article.keywords = found.keyword_names();
    article.lands_mentioned = found.lands;
    found.signature
}
