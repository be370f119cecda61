//! Prometheus metrics: one process-wide recorder, the names govwire records under, and the text
//! rendering behind `/metrics`.
//!
//! Instrumented code calls the `metrics` macros with the names below; this module installs the
//! Prometheus recorder (once per process, idempotently, with histogram buckets for the duration
//! metrics) and renders it. Nothing is recorded before [`install`] has run. Only the command line
//! installs it (the `serve` and `crawl` commands, before they build a crawler or a router):
//! library constructors never touch process-wide state, so a test or an embedding program that
//! wants metrics calls [`install`] itself (it is idempotent).

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests made to a source's servers, by `source` and `status` (HTTP code, `304`, or an error
/// kind such as `timeout`, `too_large`, `disallowed`).
pub const FETCHES: &str = "govwire_fetches_total";
/// Body bytes received from a source's servers (after decompression), by `source`.
pub const FETCH_BYTES: &str = "govwire_fetch_bytes_total";
/// Duration of one request to a source's server, by `source`.
pub const FETCH_SECONDS: &str = "govwire_fetch_duration_seconds";
/// Duration of one crawl of one source, by `source`.
pub const CRAWL_SECONDS: &str = "govwire_crawl_duration_seconds";
/// Crawls finished, by `source` and `outcome` (`ok`, `error`).
pub const CRAWLS: &str = "govwire_crawls_total";
/// Articles written, by `source` and `outcome` (`new`, `updated`).
pub const STORED: &str = "govwire_articles_written_total";
/// Unix time of a source's last successful crawl, by `source`.
pub const LAST_SUCCESS: &str = "govwire_source_last_success_timestamp_seconds";
/// Articles in the store (set when `/metrics` is rendered).
pub const ARTICLES: &str = "govwire_articles_stored";
/// HTTP requests served by the web view, by `route` (the matched pattern) and `status`.
pub const HTTP_REQUESTS: &str = "govwire_http_requests_total";
/// Duration of serving one web request, by `route`.
pub const HTTP_SECONDS: &str = "govwire_http_request_duration_seconds";
/// Counter: searches answered with 503 because every search slot stayed busy (overload shedding).
pub const SEARCH_REJECTED: &str = "govwire_search_rejected_total";
/// Counter: panics caught while crawling, by `source` and `stage` (`listing`, `article`,
/// `crawl`); each became that source's or that article's error.
pub const PANICS: &str = "govwire_crawl_panics_total";

/// Bucket bounds (seconds) for every `*_duration_seconds` histogram: 1 ms to 2 min.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (first call only) and returns its handle;
/// `None` if another recorder was installed by someone else (metrics are then not ours to show).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// The metrics in Prometheus text format, with the stored article count refreshed.
pub fn render(articles_stored: u64) -> String {
    let Some(handle) = install() else {
        return String::new();
    };
    metrics::gauge!(ARTICLES).set(articles_stored as f64);
    handle.run_upkeep();
    handle.render()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        FETCHES,
        "Requests made to source servers, by source and status."
    );
    describe_counter!(
        FETCH_BYTES,
        Unit::Bytes,
        "Body bytes received from source servers."
    );
    describe_histogram!(
        FETCH_SECONDS,
        Unit::Seconds,
        "Duration of one request to a source."
    );
    describe_histogram!(
        CRAWL_SECONDS,
        Unit::Seconds,
        "Duration of one crawl of one source."
    );
    describe_counter!(CRAWLS, "Crawls finished, by source and outcome.");
    describe_counter!(
        STORED,
        "Articles written, by source and outcome (new, updated)."
    );
    describe_gauge!(
        LAST_SUCCESS,
        Unit::Seconds,
        "Unix time of the last successful crawl."
    );
    describe_gauge!(ARTICLES, "Articles in the store.");
    describe_counter!(HTTP_REQUESTS, "Web requests served, by route and status.");
    describe_counter!(
        SEARCH_REJECTED,
        "Searches refused with 503: no search slot free within a second, or 256 already waiting."
    );
    describe_histogram!(
        HTTP_SECONDS,
        Unit::Seconds,
        "Duration of serving one web request."
    );
}
