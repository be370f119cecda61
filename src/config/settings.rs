//! The `[settings]` table: global crawler and server settings, their defaults and env overrides.
//!
//! This file owns `Settings` and how it is read; it must never read the environment except in
//! [`Settings::apply_overrides`], which the caller invokes explicitly.

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use toml::de::DeTable;

use super::error::{ConfigError, Report};
use super::values::{
    MAX_INTERVAL, MAX_REQUEST_TIME, bounded_duration_field, count_field, size_field,
};
use super::walk::Fields;

/// Global settings from `[settings]`; any key left out takes its [`Default`] value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Folder holding the store and the search index.
    pub data_dir: PathBuf,
    /// Address the web server listens on.
    pub listen: SocketAddr,
    /// `User-Agent` sent with every request; should name a contact.
    pub user_agent: String,
    /// Poll interval for sources that set none.
    pub default_interval: Duration,
    /// Minimum gap between two requests to the same host.
    pub per_host_interval: Duration,
    /// Maximum number of requests in flight.
    pub max_concurrency: usize,
    /// Total timeout of one request.
    pub timeout: Duration,
    /// Timeout for establishing a connection.
    pub connect_timeout: Duration,
    /// Largest response body read; longer bodies are cut off with an error.
    pub max_body_bytes: u64,
    /// Most articles taken from one listing or feed per crawl.
    pub max_items_per_source: usize,
    /// Most list pages read per source and crawl, following the list's pager; a normal crawl
    /// stops earlier, at the first page that brings nothing new.
    pub max_pages: usize,
    /// Requests one host may have in flight at once, across all sources on it (default 1: a
    /// host is not asked again before it answered). Request starts stay spaced by
    /// `per_host_interval` or the host's `Crawl-delay` whatever this is.
    pub max_in_flight_per_host: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("./data"),
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
            user_agent: format!(
                "govwire/{} (+https://github.com/govwire/govwire)",
                env!("CARGO_PKG_VERSION")
            ),
            default_interval: Duration::from_secs(30 * 60),
            per_host_interval: Duration::from_secs(1),
            max_concurrency: 8,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 << 20,
            max_items_per_source: 200,
            max_pages: 5,
            max_in_flight_per_host: 1,
        }
    }
}

/// Environment variable that overrides `data_dir`.
pub const ENV_DATA_DIR: &str = "GOVWIRE_DATA_DIR";
/// Environment variable that overrides `listen`.
pub const ENV_LISTEN: &str = "GOVWIRE_LISTEN";

const KEYS: &[&str] = &[
    "data_dir",
    "listen",
    "user_agent",
    "default_interval",
    "per_host_interval",
    "max_concurrency",
    "timeout",
    "connect_timeout",
    "max_body",
    "max_items_per_source",
    "max_pages",
    "max_in_flight_per_host",
];

impl Settings {
    /// Applies `GOVWIRE_DATA_DIR` and `GOVWIRE_LISTEN` as returned by `lookup`; empty means unset.
    pub fn apply_overrides(
        &mut self,
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Result<(), ConfigError> {
        if let Some(dir) = lookup(ENV_DATA_DIR).filter(|v| !v.is_empty()) {
            self.data_dir = PathBuf::from(dir);
        }
        if let Some(raw) = lookup(ENV_LISTEN).filter(|v| !v.is_empty()) {
            let value = raw.to_string_lossy().into_owned();
            self.listen = value.trim().parse().map_err(|e| ConfigError::Env {
                var: ENV_LISTEN,
                value: value.clone(),
                reason: format!("not a socket address like 127.0.0.1:8080 ({e})"),
            })?;
        }
        Ok(())
    }
}

/// Reads `[settings]` found at `span`, starting from the defaults.
pub(crate) fn read(
    table: &DeTable<'_>,
    span: std::ops::Range<usize>,
    r: &mut Report<'_>,
) -> Settings {
    let mut f = Fields::new(table, span, KEYS);
    f.set_context("[settings]".to_owned());
    f.reject_unknown(r);
    let mut s = Settings::default();
    if let Some((span, dir)) = f.string(r, "data_dir") {
        if dir.trim().is_empty() {
            f.problem(r, &span, "data_dir", "must not be empty");
        } else {
            s.data_dir = PathBuf::from(dir);
        }
    }
    if let Some((span, addr)) = f.string(r, "listen") {
        match addr.trim().parse() {
            Ok(a) => s.listen = a,
            Err(_) => f.problem(
                r,
                &span,
                "listen",
                format!("{addr:?} is not a socket address (expected e.g. \"127.0.0.1:8080\")"),
            ),
        }
    }
    if let Some((span, ua)) = f.string(r, "user_agent") {
        if ua.trim().is_empty() {
            f.problem(r, &span, "user_agent", "must not be empty");
        } else {
            s.user_agent = ua.trim().to_owned();
        }
    }
    read_numbers(&f, r, &mut s);
    s
}

/// Most sources crawled at once.
const MAX_CONCURRENCY: usize = 256;
/// Most items taken from one listing per crawl.
const MAX_ITEMS: usize = 100_000;
/// Largest body cap: a page is held (and parsed) in memory whole.
const MAX_BODY: u64 = 1 << 30;
/// Most requests in flight to one host that may be configured: more is no longer polite.
const MAX_IN_FLIGHT_PER_HOST: usize = 8;

/// Reports `key` (found as `found`) as larger than `max`.
fn too_big(f: &Fields<'_, '_>, r: &mut Report<'_>, key: &str, found: String, max: &str) {
    if let Some((span, _)) = f.value(key) {
        f.problem(
            r,
            &span,
            key,
            format!("{found} is too large (at most {max})"),
        );
    }
}

fn read_numbers(f: &Fields<'_, '_>, r: &mut Report<'_>, s: &mut Settings) {
    let durations: [(&str, &mut Duration, Duration); 4] = [
        ("default_interval", &mut s.default_interval, MAX_INTERVAL),
        (
            "per_host_interval",
            &mut s.per_host_interval,
            MAX_REQUEST_TIME,
        ),
        ("timeout", &mut s.timeout, MAX_REQUEST_TIME),
        ("connect_timeout", &mut s.connect_timeout, MAX_REQUEST_TIME),
    ];
    for (key, slot, max) in durations {
        if let Some(d) = bounded_duration_field(f, r, key, max) {
            *slot = d;
        }
    }
    match count_field(f, r, "max_concurrency") {
        Some(n) if n > MAX_CONCURRENCY => too_big(f, r, "max_concurrency", n.to_string(), "256"),
        Some(n) => s.max_concurrency = n,
        None => {}
    }
    match count_field(f, r, "max_items_per_source") {
        Some(n) if n > MAX_ITEMS => too_big(f, r, "max_items_per_source", n.to_string(), "100000"),
        Some(n) => s.max_items_per_source = n,
        None => {}
    }
    if let Some(n) = count_field(f, r, "max_pages") {
        s.max_pages = n;
    }
    match count_field(f, r, "max_in_flight_per_host") {
        Some(n) if n > MAX_IN_FLIGHT_PER_HOST => {
            too_big(f, r, "max_in_flight_per_host", n.to_string(), "8")
        }
        Some(n) => s.max_in_flight_per_host = n,
        None => {}
    }
    match size_field(f, r, "max_body") {
        Some(n) if n > MAX_BODY => too_big(f, r, "max_body", format!("{n} bytes"), "1GiB"),
        Some(n) => s.max_body_bytes = n,
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn defaults_match_the_documented_values() {
        let s = Settings::default();
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert!(s.user_agent.starts_with("govwire/0."), "{}", s.user_agent);
        assert_eq!(s.default_interval, Duration::from_secs(1800));
        assert_eq!(s.per_host_interval, Duration::from_secs(1));
        assert_eq!(s.max_concurrency, 8);
        assert_eq!(s.timeout, Duration::from_secs(30));
        assert_eq!(s.connect_timeout, Duration::from_secs(10));
        assert_eq!(s.max_body_bytes, 10 * 1024 * 1024);
        assert_eq!(s.max_items_per_source, 200);
        assert_eq!(s.max_in_flight_per_host, 1);
    }

    #[test]
    fn max_in_flight_per_host_is_read_and_bounded() {
        let with = |v: &str| {
            crate::config::parse(
                &format!("[settings]\nmax_in_flight_per_host = {v}\n"),
                "sources.toml",
            )
        };
        assert_eq!(
            with("2")
                .expect("2 is fine")
                .settings
                .max_in_flight_per_host,
            2
        );
        for bad in ["0", "9", "\"zwei\""] {
            let e = with(bad).expect_err(bad).to_string();
            assert!(e.contains("max_in_flight_per_host"), "{bad}: {e}");
        }
    }

    #[test]
    fn env_overrides() {
        let mut s = Settings::default();
        s.apply_overrides(env(&[])).expect("no vars");
        assert_eq!(s, Settings::default());

        s.apply_overrides(env(&[
            (ENV_DATA_DIR, "/var/lib/govwire"),
            (ENV_LISTEN, "0.0.0.0:9000"),
        ]))
        .expect("valid vars");
        assert_eq!(s.data_dir, PathBuf::from("/var/lib/govwire"));
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");

        s.apply_overrides(env(&[(ENV_DATA_DIR, ""), (ENV_LISTEN, "")]))
            .expect("empty means unset");
        assert_eq!(s.data_dir, PathBuf::from("/var/lib/govwire"));

        let err = s
            .apply_overrides(env(&[(ENV_LISTEN, "localhost")]))
            .expect_err("not a socket address");
        let msg = err.to_string();
        assert!(
            msg.contains("GOVWIRE_LISTEN") && msg.contains("localhost"),
            "{msg}"
        );
    }
}
