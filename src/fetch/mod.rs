//! Polite, bounded HTTP: robots.txt, per-host rate limit, conditional GET, timeouts, a body cap
//! enforced while streaming (on decompressed bytes), retries with backoff, charset decoding.
//!
//! It returns a [`Page`] or a typed [`FetchError`] naming the URL; it never parses HTML or
//! feeds and never touches the store.

pub mod charset;
mod limiter;
mod robots;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    RETRY_AFTER,
};
use url::Url;

pub use limiter::HostLimiter;
pub use robots::{RobotsCache, Rules};

/// Settings for the fetcher, taken from `[settings]`.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// User-Agent header, with a contact URL.
    pub user_agent: String,
    /// Total time allowed for one fetch: every attempt including the body, and the backoff
    /// between retries (a server trickling bytes fails after this, not after a multiple).
    pub timeout: Duration,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Minimum gap between two requests to one host.
    pub per_host_interval: Duration,
    /// Retries after a timeout, 5xx or dropped connection.
    pub max_retries: u32,
    /// First backoff delay; doubled per retry, with jitter.
    pub retry_base: Duration,
    /// Longest `Retry-After` honoured by waiting; longer ones fail the request.
    pub max_retry_after: Duration,
    /// Requests one host may have in flight at once (default 1).
    pub max_in_flight_per_host: usize,
    /// Whether robots.txt is consulted (always on in production; off only in special tests).
    pub obey_robots: bool,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: concat!("govwire/", env!("CARGO_PKG_VERSION")).to_string(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 << 20,
            per_host_interval: Duration::from_secs(1),
            max_retries: 2,
            retry_base: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(120),
            obey_robots: true,
            max_in_flight_per_host: limiter::MAX_IN_FLIGHT_PER_HOST,
        }
    }
}

/// ETag / Last-Modified remembered from an earlier response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Last-Modified` header.
    pub last_modified: Option<String>,
}

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The URL after redirects.
    pub url: String,
    /// The Content-Type header, if any.
    pub content_type: Option<String>,
    /// The body, decompressed, at most `max_body_bytes`.
    pub bytes: Vec<u8>,
    /// Validators for the next conditional request.
    pub validators: Validators,
}

impl Page {
    /// The body decoded to text (header, BOM, meta, detection).
    pub fn text(&self) -> String {
        let tld = Url::parse(&self.url).ok().and_then(|u| {
            u.host_str()
                .and_then(|h| h.rsplit('.').next())
                .map(str::to_owned)
        });
        charset::decode(
            &self.bytes,
            self.content_type.as_deref(),
            tld.as_deref().map(str::as_bytes),
        )
    }
}

/// Result of a (conditional) GET.
#[derive(Debug)]
pub enum Fetched {
    /// `304 Not Modified`: the validators still hold.
    NotModified,
    /// A fresh body.
    Page(Page),
}

/// Why a fetch failed; always names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL could not be parsed or is not http(s).
    #[error("invalid URL {url}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// robots.txt forbids the URL.
    #[error("robots.txt disallows {url}")]
    Disallowed {
        /// The URL.
        url: String,
    },
    /// robots.txt could not be read (5xx or network error), so the origin is paused for a while
    /// (RFC 9309 §2.3.1.4).
    #[error("robots.txt of {url} is unreachable; the site is paused for a few minutes")]
    RobotsUnreachable {
        /// The URL that was to be fetched.
        url: String,
    },
    /// The server answered with an error status.
    #[error("HTTP {status} for {url}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The body exceeded the cap.
    #[error("body of {url} exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// The server asked us to come back later than we are willing to wait.
    #[error("{url} asks to retry after {seconds} s")]
    RetryLater {
        /// The URL.
        url: String,
        /// Seconds requested by `Retry-After`.
        seconds: u64,
    },
    /// Timeout, refused or dropped connection, TLS or protocol error.
    #[error("request to {url} failed: {reason}")]
    Network {
        /// The URL.
        url: String,
        /// reqwest's description (timeouts say so).
        reason: String,
    },
}

impl FetchError {
    fn retryable(&self) -> bool {
        match self {
            FetchError::Network { .. } => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// The HTTP client with its politeness state; share one per process.
pub struct Fetcher {
    client: reqwest::Client,
    cfg: FetchConfig,
    limiter: HostLimiter,
    robots: RobotsCache,
    /// Per-origin locks so that one task fetches a new origin's robots.txt.
    robots_gates: tokio::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Fetcher {
    /// Builds the client (rustls, gzip/brotli/deflate, at most 10 redirects).
    pub fn new(cfg: FetchConfig) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .map_err(|e| FetchError::Network {
                url: String::new(),
                reason: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Fetcher {
            limiter: HostLimiter::new(cfg.per_host_interval)
                .with_in_flight(cfg.max_in_flight_per_host),
            robots: RobotsCache::default(),
            robots_gates: tokio::sync::Mutex::default(),
            client,
            cfg,
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &FetchConfig {
        &self.cfg
    }

    /// GETs `url` politely, retrying transient failures; with `validators` the request is
    /// conditional and may come back as [`Fetched::NotModified`].
    pub async fn get(
        &self,
        url: &str,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let parsed = parse_http_url(url)?;
        let delay = self.check_robots(&parsed).await?;
        let host = parsed.host_str().unwrap_or_default().to_string();
        let mut attempt = 0;
        // `timeout` is the budget of the whole fetch, retries and their backoff included; it
        // starts once the host's rate limit lets the first attempt go.
        let mut deadline = None;
        loop {
            let permit = self.limiter.acquire(&host, delay).await;
            let deadline =
                *deadline.get_or_insert_with(|| tokio::time::Instant::now() + self.cfg.timeout);
            let result =
                match tokio::time::timeout_at(deadline, self.get_once(&parsed, validators)).await {
                    Ok(r) => r,
                    Err(_) => return Err(self.out_of_time(url, attempt)),
                };
            drop(permit);
            match result {
                Err(RetryAfter(err, wait)) if attempt < self.cfg.max_retries && err.retryable() => {
                    attempt += 1;
                    let backoff = wait.unwrap_or_else(|| self.backoff(attempt));
                    if tokio::time::Instant::now() + backoff >= deadline {
                        tracing::debug!(%url, attempt, error = %err, "no time left to retry");
                        return Err(err);
                    }
                    tracing::debug!(%url, attempt, ?backoff, error = %err, "retrying");
                    tokio::time::sleep(backoff).await;
                }
                Err(RetryAfter(err, _)) => return Err(err),
                Ok(v) => return Ok(v),
            }
        }
    }

    /// The error for a fetch whose whole time budget ran out during attempt `attempt`.
    fn out_of_time(&self, url: &str, attempt: u32) -> FetchError {
        FetchError::Network {
            url: url.to_string(),
            reason: format!(
                "timed out: no complete answer within the timeout of {} s ({} attempt{})",
                self.cfg.timeout.as_secs_f64(),
                attempt + 1,
                if attempt == 0 { "" } else { "s" }
            ),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .cfg
            .retry_base
            .saturating_mul(1 << attempt.min(10).saturating_sub(1));
        let jitter = rand::rng().random_range(0.0..0.5);
        base.mul_f64(1.0 + jitter)
    }

    async fn check_robots(&self, url: &Url) -> Result<Option<Duration>, FetchError> {
        if !self.cfg.obey_robots {
            return Ok(None);
        }
        let origin = url.origin().ascii_serialization();
        let rules = match self.robots.get(&origin).await {
            Some(r) => r,
            None => {
                // One fetch per origin: concurrent requests to a new host wait for it instead
                // of each asking for robots.txt (and each risking a failure that pauses the host).
                let gate = self.robots_gate(&origin).await;
                let _one_at_a_time = gate.lock().await;
                match self.robots.get(&origin).await {
                    Some(r) => r,
                    None => {
                        let rules = self.fetch_robots(&origin, url).await;
                        self.robots.put(&origin, rules).await
                    }
                }
            }
        };
        if rules.allowed(url.as_str()) {
            Ok(rules.crawl_delay())
        } else if matches!(*rules, Rules::DisallowAll) {
            Err(FetchError::RobotsUnreachable {
                url: url.to_string(),
            })
        } else {
            Err(FetchError::Disallowed {
                url: url.to_string(),
            })
        }
    }

    /// The `Sitemap:` lines of the robots.txt of `url`'s origin, read through the same cached
    /// rules the fetches obey (robots.txt is fetched if it was not yet; never twice). Empty when
    /// robots.txt is not obeyed, absent or unreachable.
    pub async fn robots_sitemaps(&self, url: &str) -> Vec<String> {
        let Ok(parsed) = parse_http_url(url) else {
            return Vec::new();
        };
        if !self.cfg.obey_robots {
            return Vec::new();
        }
        // Fetches and caches the rules; whether `url` itself is allowed does not matter here.
        let _ = self.check_robots(&parsed).await;
        let origin = parsed.origin().ascii_serialization();
        match self.robots.get(&origin).await.as_deref() {
            Some(Rules::Parsed(robot)) => robot.sitemaps.clone(),
            _ => Vec::new(),
        }
    }

    /// The lock that lets one task at a time fetch `origin`'s robots.txt.
    async fn robots_gate(&self, origin: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.robots_gates.lock().await;
        if gates.len() > 10_000 {
            gates.retain(|_, g| Arc::strong_count(g) > 1);
        }
        gates.entry(origin.to_string()).or_default().clone()
    }

    /// Fetches robots.txt; a network error (refused, reset, timed out) is retried like a page
    /// before the origin is paused, since one dropped connection should not silence a site.
    async fn fetch_robots(&self, origin: &str, url: &Url) -> Rules {
        let robots_url = format!("{origin}/robots.txt");
        let mut attempt = 0;
        let resp = loop {
            let _permit = self
                .limiter
                .acquire(url.host_str().unwrap_or_default(), None)
                .await;
            match self.client.get(&robots_url).send().await {
                Ok(r) => break r,
                Err(e) if attempt < self.cfg.max_retries => {
                    attempt += 1;
                    tracing::debug!(url = %robots_url, error = %e, attempt, "robots.txt failed; retrying");
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
                Err(e) => {
                    tracing::warn!(url = %robots_url, error = %e, "robots.txt unreachable; origin paused");
                    return Rules::DisallowAll;
                }
            }
        };
        let status = resp.status().as_u16();
        // robots.txt is capped at 500 KiB (RFC 9309 asks for at least that much).
        match read_capped(resp, 500 << 10, &robots_url).await {
            Ok(body) => Rules::from_response(status, &body, &self.cfg.user_agent),
            Err(FetchError::TooLarge { .. }) => Rules::AllowAll,
            Err(_) => Rules::DisallowAll,
        }
    }

    async fn get_once(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, RetryAfter> {
        let mut req = self.client.get(url.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(IF_MODIFIED_SINCE, lm);
            }
        }
        let resp = req
            .send()
            .await
            .map_err(|e| RetryAfter(network(url.as_str(), &e), None))?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(self.status_error(url, status, resp.headers()));
        }
        let final_url = resp.url().to_string();
        let headers = resp.headers().clone();
        let bytes = read_capped(resp, self.cfg.max_body_bytes, url.as_str())
            .await
            .map_err(|e| RetryAfter(e, None))?;
        Ok(Fetched::Page(Page {
            url: final_url,
            content_type: header_str(&headers, CONTENT_TYPE),
            bytes,
            validators: Validators {
                etag: header_str(&headers, ETAG),
                last_modified: header_str(&headers, LAST_MODIFIED),
            },
        }))
    }

    fn status_error(&self, url: &Url, status: StatusCode, headers: &HeaderMap) -> RetryAfter {
        let code = status.as_u16();
        let retry_after = header_str(headers, RETRY_AFTER).and_then(|v| parse_retry_after(&v));
        match retry_after {
            Some(wait) if (code == 429 || code == 503) && wait > self.cfg.max_retry_after => {
                RetryAfter(
                    FetchError::RetryLater {
                        url: url.to_string(),
                        seconds: wait.as_secs(),
                    },
                    None,
                )
            }
            _ => RetryAfter(
                FetchError::Status {
                    url: url.to_string(),
                    status: code,
                },
                retry_after,
            ),
        }
    }
}

/// An error plus the wait the server asked for before a retry.
struct RetryAfter(FetchError, Option<Duration>);

fn parse_http_url(url: &str) -> Result<Url, FetchError> {
    let parsed = Url::parse(url).map_err(|e| FetchError::InvalidUrl {
        url: url.to_string(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(FetchError::InvalidUrl {
            url: url.to_string(),
            reason: "only http(s) URLs with a host are fetched".into(),
        });
    }
    Ok(parsed)
}

/// Reads the body chunk by chunk, failing as soon as it exceeds `limit` decompressed bytes.
async fn read_capped(
    mut resp: reqwest::Response,
    limit: u64,
    url: &str,
) -> Result<Vec<u8>, FetchError> {
    let too_large = || FetchError::TooLarge {
        url: url.to_string(),
        limit,
    };
    let declared = resp
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let compressed = resp
        .headers()
        .contains_key(reqwest::header::CONTENT_ENCODING);
    if declared.is_some_and(|n| n > limit && !compressed) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(16 << 10).min(limit) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(|e| network(url, &e))? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn network(url: &str, e: &reqwest::Error) -> FetchError {
    let mut reason = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_redirect() {
        "too many redirects".to_string()
    } else {
        "connection error".to_string()
    };
    // Include the innermost cause, which carries the useful detail.
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(detail) = last {
        reason.push_str(": ");
        reason.push_str(&detail);
    }
    FetchError::Network {
        url: url.to_string(),
        reason,
    }
}

fn header_str(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// `Retry-After` as delay seconds or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v.trim()).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}

#[cfg(test)]
mod tests;
