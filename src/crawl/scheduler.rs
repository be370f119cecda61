//! Runs every source on its own interval with jitter, pushed back after failures, each in its
//! own task so a slow or hanging source never delays the others. The due time lives in the
//! store (`SourceHealth::next_due`), so a restart neither hammers nor forgets a source.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use tokio::sync::{Semaphore, watch};
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
    let mut tasks = JoinSet::new();
    for source in sources {
        tasks.spawn(run_source(
            crawler.clone(),
            source,
            permits.clone(),
            shutdown.clone(),
        ));
    }
    while tasks.join_next().await.is_some() {}
}

async fn run_source(
    crawler: Arc<Crawler>,
    source: Source,
    permits: Arc<Semaphore>,
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
        crawler.crawl_source(&source, Utc::now()).await;
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
