//! `govwire retag`: re-applies the watchlist and region rules to every stored article and
//! clusters those without a story, without fetching anything.

use std::io::Write;
use std::process::ExitCode;

use super::control::{Io, Owner};

/// Re-tags the whole store and prints what changed. The server re-tags with its own crawler,
/// which already adds what it rewrites to the open index.
pub async fn run(owner: &Owner, io: &mut Io) -> anyhow::Result<ExitCode> {
    let config = owner.config()?;
    let store = owner.store(&config)?;
    let (crawler, index) = match owner.served() {
        Some(s) => (s.crawler.clone(), s.index.clone()),
        None => {
            let crawler = super::crawler(&config, store.clone())?;
            let index = super::open_index(&config, &store).await;
            super::feed_index(&crawler, index.as_ref());
            (crawler, index)
        }
    };
    let committer = super::bulk_committer(index.as_ref());
    let report = tokio::task::spawn_blocking(move || crawler.retag()).await;
    committer.finish().await;
    let report = report??;
    super::commit_index(index.as_ref()).await;
    // A re-tag rewrites every changed article and leaves the old copies in the body log.
    let compacted = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        super::store::compact_after_rewrite(&store, &mut out);
        out
    })
    .await?;
    io.out.write_all(&compacted)?;
    writeln!(
        io.out,
        "{} read, {} changed, {} newly clustered",
        super::plural(report.scanned as usize, "article", "articles"),
        report.changed,
        report.clustered
    )?;
    Ok(ExitCode::SUCCESS)
}
