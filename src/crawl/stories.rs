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

/// How many of the newest articles a new article is compared with: weeks of news for a
/// typical installation, which bounds the crawler's memory (about 1.9 KB per article, at most
/// twice this many) however big the archive grows. Reprints follow their original within days.
const WINDOW: usize = enrich::DEFAULT_WINDOW;

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
    /// Rebuilds the cluster index from the signatures of the newest [`WINDOW`] stored articles,
    /// oldest first; unreadable or stale entries are skipped (their articles simply attract no
    /// reprints until re-tagged).
    pub(super) fn load(store: &Store) -> Stories {
        let mut index = ClusterIndex::new().with_window(WINDOW);
        let mut skipped = 0u64;
        let ids = store.newest_ids(WINDOW).unwrap_or_else(|e| {
            warn!(error = %e, "could not list stored articles; clustering starts afresh");
            Vec::new()
        });
        for id in ids.into_iter().rev() {
            match store.signature(id) {
                Ok(Some((cluster, bytes))) => match Signature::from_bytes(&bytes) {
                    Some(sig) => index.restore(id.0, &sig, cluster.0),
                    None => skipped += 1,
                },
                Ok(None) => skipped += 1,
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

    /// Gives `article` its cluster (joining the most similar recent story, or founding its
    /// own) and records its signature. An article that already has a cluster (indexed, or
    /// stored with one and now updated) keeps it.
    pub(super) fn assign(
        &self,
        store: &Store,
        article: &mut Article,
        sig: &Signature,
    ) -> Result<(), StoreError> {
        let cluster = {
            let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
            match (index.cluster_of(article.id.0), article.cluster) {
                (Some(c), _) => c,
                (None, Some(kept)) => {
                    index.restore(article.id.0, sig, kept.0);
                    kept.0
                }
                (None, None) => index.insert(article.id.0, sig),
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn article(url: &str, title: &str, text: &str) -> Article {
        let t = Utc
            .with_ymd_and_hms(2025, 3, 1, 9, 0, 0)
            .single()
            .expect("date");
        Article::sample(url, title, text, t)
    }

    const TEXT: &str = "Das Land startet ein neues Portal für Anträge auf Wohngeld, \
        Kindergeld und Elterngeld; alle Kommunen werden bis Ende des Jahres angeschlossen \
        und die Bürgerinnen und Bürger können ihre Nachweise digital einreichen.";

    #[test]
    fn an_article_outside_the_index_keeps_its_stored_cluster_and_restart_restores_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("store")).expect("store");
        let stories = Stories::load(&store);
        // As after a restart with the article beyond the window: the index does not know it,
        // but the stored article names its story.
        let mut edited = article("https://a.example/1", "Neues Portal", TEXT);
        edited.cluster = Some(ArticleId(42));
        let sig = enrich::signature(&edited.title, &edited.text);
        stories.assign(&store, &mut edited, &sig).expect("assign");
        assert_eq!(edited.cluster, Some(ArticleId(42)));
        store.upsert(&edited).expect("upsert");

        // A reprint now joins that story, and so it does after a reload from the store.
        let mut reprint = article("https://b.example/1", "Neues Portal", TEXT);
        let sig = enrich::signature(&reprint.title, &reprint.text);
        stories.assign(&store, &mut reprint, &sig).expect("assign");
        assert_eq!(reprint.cluster, Some(ArticleId(42)));

        let reloaded = Stories::load(&store);
        let mut again = article("https://c.example/1", "Neues Portal", TEXT);
        let sig = enrich::signature(&again.title, &again.text);
        reloaded.assign(&store, &mut again, &sig).expect("assign");
        assert_eq!(again.cluster, Some(ArticleId(42)));
    }
}
