//! `govwire retag`: re-applies the watchlist and region rules to every stored article and
//! clusters those without a story, without fetching anything.

use std::path::Path;
use std::process::ExitCode;

/// Re-tags the whole store and prints what changed.
pub async fn run(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let store = super::open_store(&config)?;
    let crawler = super::crawler(&config, store.clone())?;
    let index = super::open_index(&config, &store).await;
    super::feed_index(&crawler, index.as_ref());
    let committer = super::bulk_committer(index.as_ref());
    let report = tokio::task::spawn_blocking(move || crawler.retag()).await;
    committer.finish().await;
    let report = report??;
    super::commit_index(index.as_ref()).await;
    // A re-tag rewrites every changed article and leaves the old copies in the body log.
    tokio::task::spawn_blocking(move || super::store::compact_after_rewrite(&store)).await?;
    println!(
        "{} read, {} changed, {} newly clustered",
        super::plural(report.scanned as usize, "article", "articles"),
        report.changed,
        report.clustered
    );
    Ok(ExitCode::SUCCESS)
}
