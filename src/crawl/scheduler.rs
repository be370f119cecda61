//! Runs every source on its own interval with jitter, pushed back after failures, each in its
//! own task so a slow or hanging source never delays the others. The due time lives in the
//! store (`SourceHealth::next_due`), so a restart neither hammers nor forgets a source.
//!
//! Beside the sources runs the body log compactor: after crawls it asks the store whether
//! enough superseded article records piled up ([`Crawler::compact_log`]) and, if so, reclaims
//! them one segment at a time on a blocking thread, so a long-running `serve` that keeps
//! re-storing edited articles does not grow its log forever.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use super::Crawler;
use crate::model::Source;

/// The longest a failing source is left alone.
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Delay before the next crawl: the interval, doubled per consecutive failure (capped at
/// [`MAX_BACKOFF`]), plus up to 10 % jitter so sources on one host drift apart.
pub fn next_delay(interval: Duration, failures: u32) -> Duration {
    let factor = 1u32 << failures.min(6);
    let base = interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF.max(interval));
    let jitter = rand::rng().random_range(0.0..0.1);
    base.mul_f64(1.0 + jitter)
}

/// Crawls every source when due until `shutdown` turns true; at most `parallel` crawls run at
/// once. Returns after the in-flight crawls have finished their current article.
pub async fn run(
    crawler: Arc<Crawler>,
    sources: Vec<Source>,
    parallel: usize,
    shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let crawled = Arc::new(Notify::new());
    let compactor = tokio::spawn(compact_after_crawls(
        crawler.clone(),
        crawled.clone(),
        shutdown.clone(),
    ));
    let mut tasks = JoinSet::new();
    crawler.set_source_order(&sources);
    for source in sources {
        tasks.spawn(run_source(
            crawler.clone(),
            source,
            permits.clone(),
            crawled.clone(),
            shutdown.clone(),
        ));
    }
    while tasks.join_next().await.is_some() {}
    // The compactor stops between batches once shutdown is seen; what it moved is flushed.
    let _ = compactor.await;
}

/// Runs [`Crawler::compact_log`] after crawls (one run at a time; crawls finishing during a
/// run trigger one more), until `shutdown`. A failure is logged; the garbage then stays until
/// the next run.
async fn compact_after_crawls(
    crawler: Arc<Crawler>,
    crawled: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = crawled.notified() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let (crawler, stop) = (crawler.clone(), shutdown.clone());
        let run = tokio::task::spawn_blocking(move || crawler.compact_log(&|| *stop.borrow()));
        match run.await {
            Ok(Ok(done)) if done.segments > 0 || done.moved > 0 => tracing::info!(
                segments = done.segments,
                moved = done.moved,
                freed_bytes = done.freed_bytes,
                "body log compacted"
            ),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "body log compaction failed; the garbage stays")
            }
            Err(e) => tracing::warn!(error = %e, "body log compaction task failed"),
        }
    }
}

async fn run_source(
    crawler: Arc<Crawler>,
    source: Source,
    permits: Arc<Semaphore>,
    crawled: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let wait = due_in(&crawler, &source);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let Ok(_permit) = permits.clone().acquire_owned().await else {
            return;
        };
        if *shutdown.borrow() {
            return;
        }
        // The crawl itself is not cancelled mid-way: an article write always completes.
        // `crawl_source` turns panics into the source's error; should one escape anyway, the
        // source is retried after its interval instead of leaving the schedule for good.
        let crawl = super::isolate::CatchUnwind::new(crawler.crawl_source(&source, Utc::now()));
        if let Err(message) = crawl.await {
            super::isolate::count(&source.id, "crawl");
            tracing::error!(source = %source.id, %message, "crawl panicked; retried after its interval");
            tokio::select! {
                _ = tokio::time::sleep(source.interval) => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
        }
        // Asking costs a few reads; a store that carried garbage over a restart is then
        // compacted without waiting for new edits.
        crawled.notify_one();
    }
}

/// How long until `source` is due, from its stored health (now if never crawled).
fn due_in(crawler: &Crawler, source: &Source) -> Duration {
    let next = crawler
        .store()
        .health(&source.id)
        .ok()
        .flatten()
        .and_then(|h| h.next_due);
    match next {
        Some(t) => (t - Utc::now()).to_std().unwrap_or(Duration::ZERO),
        None => Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_with_failures_and_is_capped() {
        let i = Duration::from_secs(600);
        let d0 = next_delay(i, 0);
        assert!(d0 >= i && d0 <= i.mul_f64(1.1));
        let d3 = next_delay(i, 3);
        assert!(d3 >= i * 8 && d3 <= (i * 8).mul_f64(1.1));
        let d_many = next_delay(i, 40);
        assert!(d_many <= MAX_BACKOFF.mul_f64(1.1));
    }
}
