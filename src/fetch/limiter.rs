//! Per-host politeness: at most one request per interval per host, shared by every source on
//! that host. Slots are reserved under a short lock and waited for outside it, so waiting for
//! one host never blocks requests to another.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Hands out request slots per host.
pub struct HostLimiter {
    interval: Duration,
    next: Mutex<HashMap<String, Instant>>,
}

impl HostLimiter {
    /// A limiter allowing one request per `interval` per host.
    pub fn new(interval: Duration) -> HostLimiter {
        HostLimiter {
            interval,
            next: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until `host` may be asked again; `at_least` (a robots.txt Crawl-delay) widens the
    /// gap for this host.
    pub async fn wait(&self, host: &str, at_least: Option<Duration>) {
        let gap = at_least.map_or(self.interval, |d| d.max(self.interval));
        let slot = {
            let mut map = self.next.lock().await;
            let now = Instant::now();
            let slot = map.get(host).copied().map_or(now, |t| t.max(now));
            map.insert(host.to_string(), slot + gap);
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
}
