//! Subcommand implementations for the binary; `anyhow` lives here and nowhere else.

pub mod crawl;
pub mod extract;
pub mod retag;
pub mod search;
pub mod serve;
pub mod sources;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use govwire::config::Config;
use govwire::crawl::Crawler;
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::store::Store;

/// Logs to stderr, human-readable; `RUST_LOG` overrides the default `info` level.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sled=warn,html5ever=error,selectors=error")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Loads and validates the configuration; `GOVWIRE_DATA_DIR` and `GOVWIRE_LISTEN` override
/// the file (the Docker image sets them).
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    let mut config = govwire::config::load(path)?;
    config.apply_env()?;
    Ok(config)
}

/// Opens the store under `data_dir/store`, creating the folder.
pub fn open_store(config: &Config) -> anyhow::Result<Store> {
    let dir = config.settings.data_dir.join("store");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(Store::open(&dir)?)
}

/// Builds the crawler from the settings.
pub fn crawler(config: &Config, store: Store) -> anyhow::Result<Arc<Crawler>> {
    let s = &config.settings;
    let fetcher = Fetcher::new(FetchConfig {
        user_agent: s.user_agent.clone(),
        timeout: s.timeout,
        connect_timeout: s.connect_timeout,
        max_body_bytes: s.max_body_bytes,
        per_host_interval: s.per_host_interval,
        ..FetchConfig::default()
    })?;
    Ok(Arc::new(Crawler::new(
        fetcher,
        store,
        &config.keywords,
        s.max_items_per_source,
    )))
}

/// Re-tags the stored articles if the watchlist or enrichment rules changed since they were
/// tagged; logs the outcome and never fails the caller (stale tags are better than no service).
pub async fn retag_if_changed(crawler: Arc<Crawler>) {
    let outcome = tokio::task::spawn_blocking(move || crawler.retag_if_changed()).await;
    match outcome {
        Ok(Ok(Some(r))) => tracing::info!(
            scanned = r.scanned,
            changed = r.changed,
            clustered = r.clustered,
            "watchlist changed: stored articles re-tagged"
        ),
        Ok(Ok(None)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "re-tagging failed; keeping the old tags"),
        Err(e) => tracing::warn!(error = %e, "re-tagging task failed"),
    }
}
