//! Per-host politeness, shared by every source on a host: at most `max_in_flight_per_host`
//! requests in flight per host (default [`MAX_IN_FLIGHT_PER_HOST`]), and request starts spaced by the
//! interval, or by the host's robots.txt `Crawl-delay` when that is longer. The gap is counted
//! from the previous start, so a Crawl-delay learnt from robots.txt already spaces the first
//! request after robots.txt. Slots are reserved under a short lock and waited for outside it,
//! so waiting for one host never blocks requests to another.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Requests one host has in flight at most unless configured otherwise (a slow host is not
/// asked again before it answered).
pub const MAX_IN_FLIGHT_PER_HOST: usize = 1;

/// Hosts remembered before idle ones are forgotten.
const MAX_HOSTS: usize = 10_000;

/// Hands out request slots per host.
pub struct HostLimiter {
    interval: Duration,
    in_flight: usize,
    hosts: Mutex<HashMap<String, Host>>,
}

/// One host's state: when its last request started, and its in-flight permits.
struct Host {
    last: Option<Instant>,
    in_flight: Arc<Semaphore>,
}

/// Held while a request to a host is in flight; dropping it lets the next one go.
pub struct HostPermit {
    _permit: Option<OwnedSemaphorePermit>,
}

impl HostLimiter {
    /// A limiter allowing one request per `interval` per host.
    pub fn new(interval: Duration) -> HostLimiter {
        HostLimiter {
            interval,
            in_flight: MAX_IN_FLIGHT_PER_HOST,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Allows `n` requests in flight per host (at least 1): the `max_in_flight_per_host`
    /// setting.
    pub fn with_in_flight(mut self, n: usize) -> HostLimiter {
        self.in_flight = n.max(1);
        self
    }

    /// Waits until no other request to `host` is in flight and the gap since the last start
    /// has passed (`at_least`, a robots.txt Crawl-delay, widens it), then returns the permit
    /// to hold while the request runs.
    pub async fn acquire(&self, host: &str, at_least: Option<Duration>) -> HostPermit {
        let sem = {
            let mut map = self.hosts.lock().await;
            if map.len() > MAX_HOSTS {
                map.retain(|_, h| Arc::strong_count(&h.in_flight) > 1);
            }
            map.entry(host.to_string())
                .or_insert_with(|| Host {
                    last: None,
                    in_flight: Arc::new(Semaphore::new(self.in_flight)),
                })
                .in_flight
                .clone()
        };
        let permit = sem.acquire_owned().await.ok();
        self.wait(host, at_least).await;
        HostPermit { _permit: permit }
    }

    /// Waits until `host` may be asked again (without taking an in-flight permit); `at_least`
    /// (a robots.txt Crawl-delay) widens the gap since the previous start.
    pub async fn wait(&self, host: &str, at_least: Option<Duration>) {
        let gap = at_least.map_or(self.interval, |d| d.max(self.interval));
        let slot = {
            let mut map = self.hosts.lock().await;
            let now = Instant::now();
            let h = map.entry(host.to_string()).or_insert_with(|| Host {
                last: None,
                in_flight: Arc::new(Semaphore::new(self.in_flight)),
            });
            let slot = h.last.map_or(now, |t| (t + gap).max(now));
            h.last = Some(slot);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn same_host_is_spaced_other_hosts_are_not() {
        let l = HostLimiter::new(Duration::from_secs(1));
        let start = Instant::now();
        l.wait("a", None).await;
        l.wait("b", None).await;
        assert!(start.elapsed() < Duration::from_millis(10));
        l.wait("a", None).await;
        assert!(start.elapsed() >= Duration::from_secs(1));
        l.wait("a", Some(Duration::from_secs(3))).await;
        assert!(start.elapsed() >= Duration::from_secs(2));
        l.wait("a", None).await;
        assert!(start.elapsed() >= Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_crawl_delay_spaces_the_very_next_request() {
        let l = HostLimiter::new(Duration::from_secs(1));
        let start = Instant::now();
        l.wait("a", None).await; // robots.txt, before its Crawl-delay is known
        l.wait("a", Some(Duration::from_secs(2))).await;
        assert!(start.elapsed() >= Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn the_in_flight_bound_is_configurable() {
        let l = HostLimiter::new(Duration::from_millis(1)).with_in_flight(2);
        let start = Instant::now();
        let _a = l.acquire("a", None).await;
        let _b = l.acquire("a", None).await;
        assert!(start.elapsed() < Duration::from_secs(1));
        let third = tokio::time::timeout(Duration::from_secs(5), l.acquire("a", None)).await;
        assert!(
            third.is_err(),
            "a third request went out while two were in flight"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_in_flight_per_host() {
        let l = Arc::new(HostLimiter::new(Duration::from_millis(1)));
        let first = l.acquire("a", None).await;
        let other_host = l.acquire("b", None).await;
        let l2 = l.clone();
        let second = tokio::spawn(async move {
            let _p = l2.acquire("a", None).await;
            Instant::now()
        });
        let start = Instant::now();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(first);
        let started = second.await.expect("joined");
        assert!(started - start >= Duration::from_secs(5));
        drop(other_host);
    }
}
