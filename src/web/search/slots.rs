//! Admission of searches: how many run at once, how long one waits for its turn, and running
//! one on the blocking pool.
//!
//! This file owns the search slots. A search is CPU work on the blocking pool; bounding it keeps
//! a burst of expensive queries from occupying the pool the store reads share, and turning the
//! excess away at once (503 with `Retry-After`) keeps the admitted ones fast. It must never
//! render anything.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::search::{Index, SearchError};
use crate::web::error::WebError;
use crate::web::state::AppState;

/// Longest a search waits for a slot before it is turned away with `503` and `Retry-After`.
/// A search is CPU work on the blocking pool: when requests arrive faster than the cores answer
/// them, an unbounded queue only makes every answer late (and the client gives up anyway);
/// answering the excess at once keeps the latency of the admitted ones bounded.
const QUEUE_WAIT: Duration = Duration::from_secs(1);
/// Most searches waiting for a slot; one more is turned away at once.
const MAX_WAITING: usize = 256;

/// Searches running at once: two per core (a search is mostly CPU, with some waiting on the
/// index files), at least 2 and at most 16; more wait their turn, so a burst of expensive
/// queries (exports, trends over everything) cannot occupy the whole blocking pool the store
/// reads share. Repeated searches do not count: the response cache answers them before this.
fn concurrent_searches() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get() * 2)
        .clamp(2, 16)
}

static SEARCH_SLOTS: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(concurrent_searches()));
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Waits for a search slot: at most [`QUEUE_WAIT`], and not at all when [`MAX_WAITING`]
/// searches are waiting already.
async fn slot() -> Result<tokio::sync::SemaphorePermit<'static>, WebError> {
    if let Ok(permit) = SEARCH_SLOTS.try_acquire() {
        return Ok(permit);
    }
    if WAITING.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
        WAITING.fetch_sub(1, Ordering::AcqRel);
        metrics::counter!(crate::telemetry::SEARCH_REJECTED).increment(1);
        return Err(WebError::SearchBusy);
    }
    let waited = tokio::time::timeout(QUEUE_WAIT, SEARCH_SLOTS.acquire()).await;
    WAITING.fetch_sub(1, Ordering::AcqRel);
    match waited {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(e)) => Err(WebError::Search(e.to_string())),
        Err(_) => {
            metrics::counter!(crate::telemetry::SEARCH_REJECTED).increment(1);
            Err(WebError::SearchBusy)
        }
    }
}

/// Runs `f` on the index on the blocking pool, once a search slot is free.
pub async fn with_index<T, F>(state: &AppState, f: F) -> Result<T, WebError>
where
    T: Send + 'static,
    F: FnOnce(&Index) -> Result<T, SearchError> + Send + 'static,
{
    let index = state.search.clone().ok_or(WebError::SearchUnavailable)?;
    // Turned away before taking a slot: nothing to wait for.
    if let Some((done, total)) = index.build_progress() {
        return Err(WebError::SearchBuilding { done, total });
    }
    let _slot = slot().await?;
    match tokio::task::spawn_blocking(move || f(&index)).await {
        Ok(r) => Ok(r?),
        Err(e) => Err(WebError::Search(e.to_string())),
    }
}
