//! robots.txt per origin (RFC 9309) with texting_robots, cached with a lifetime.
//!
//! Rules: 2xx → parsed rules; 4xx → everything allowed; 5xx or network failure → everything
//! disallowed for a short while (RFC 9309 §2.3.1.4), so a broken server is not hammered.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use texting_robots::Robot;
use tokio::sync::Mutex;

/// How long fetched rules are trusted.
pub const RULES_TTL: Duration = Duration::from_secs(3600);
/// How long an unreachable robots.txt blocks the origin before it is asked again.
pub const UNREACHABLE_TTL: Duration = Duration::from_secs(600);

/// What one origin's robots.txt says.
pub enum Rules {
    /// Parsed rules for our user agent.
    Parsed(Box<Robot>),
    /// No robots.txt (4xx) or an unparsable one: everything allowed.
    AllowAll,
    /// robots.txt unreachable (5xx / network): nothing allowed for now.
    DisallowAll,
}

impl Rules {
    /// Whether `url` may be fetched.
    pub fn allowed(&self, url: &str) -> bool {
        match self {
            Rules::Parsed(robot) => robot.allowed(url),
            Rules::AllowAll => true,
            Rules::DisallowAll => false,
        }
    }

    /// The `Crawl-delay` for our agent, if any (capped at 60 s).
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::Parsed(robot) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(60.0))),
            _ => None,
        }
    }

    /// Builds rules from a robots.txt response.
    pub fn from_response(status: u16, body: &[u8], agent: &str) -> Rules {
        match status {
            200..=299 => match Robot::new(agent, body) {
                Ok(robot) => Rules::Parsed(Box::new(robot)),
                Err(_) => Rules::AllowAll,
            },
            400..=499 => Rules::AllowAll,
            _ => Rules::DisallowAll,
        }
    }

    fn ttl(&self) -> Duration {
        match self {
            Rules::DisallowAll => UNREACHABLE_TTL,
            _ => RULES_TTL,
        }
    }
}

/// Cached rules per origin (`scheme://host:port`).
#[derive(Default)]
pub struct RobotsCache {
    entries: Mutex<HashMap<String, (Instant, std::sync::Arc<Rules>)>>,
}

impl RobotsCache {
    /// Cached, unexpired rules for `origin`.
    pub async fn get(&self, origin: &str) -> Option<std::sync::Arc<Rules>> {
        let map = self.entries.lock().await;
        let (expires, rules) = map.get(origin)?;
        (Instant::now() < *expires).then(|| rules.clone())
    }

    /// Stores rules for `origin`.
    pub async fn put(&self, origin: &str, rules: Rules) -> std::sync::Arc<Rules> {
        let rules = std::sync::Arc::new(rules);
        let expires = Instant::now() + rules.ttl();
        self.entries
            .lock()
            .await
            .insert(origin.to_string(), (expires, rules.clone()));
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_rules() {
        let body = b"User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n";
        let r = Rules::from_response(200, body, "govwire");
        assert!(r.allowed("http://h/public/a"));
        assert!(!r.allowed("http://h/private/a"));
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(2)));
        assert!(Rules::from_response(404, b"", "govwire").allowed("http://h/x"));
        assert!(!Rules::from_response(503, b"", "govwire").allowed("http://h/x"));
    }
}
