//! `govwire crawl`: every source once, then a summary table.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::bail;
use govwire::control::Progress as Step;
use govwire::crawl::{SourceReport, crawl_all_with};
use indicatif::{ProgressBar, ProgressStyle};

use super::control::{Io, Owner};

/// Runs the crawl and prints one line per source; exit code 1 if any source failed. Each
/// finished source is a progress step. Served, the crawl goes through the server's crawler
/// (its fetcher's per-host waits and robots.txt cache are the scheduled crawls' too) and the
/// articles into its open index.
pub async fn run(owner: &Owner, only: &[String], io: &mut Io) -> anyhow::Result<ExitCode> {
    let config = owner.config()?;
    for id in only {
        if config.source(id).is_none() {
            bail!(
                "no source with id {id:?} in {}",
                owner.config_path().display()
            );
        }
    }
    let sources: Vec<_> = config
        .sources
        .iter()
        .filter(|s| only.is_empty() || only.contains(&s.id))
        .cloned()
        .collect();
    let store = owner.store(&config)?;
    let (crawler, index) = match owner.served() {
        Some(s) => (s.crawler.clone(), s.index.clone()),
        None => {
            // The crawl records its metrics as a served crawl would (the library never
            // installs them).
            govwire::telemetry::install();
            let crawler = super::crawler(&config, store.clone())?;
            let index = super::open_index(&config, &store).await;
            super::feed_index(&crawler, index.as_ref());
            (crawler, index)
        }
    };
    let committer = super::bulk_committer(index.as_ref());
    if owner.served().is_none() {
        // The server re-tagged at its start.
        super::retag_if_changed(crawler.clone()).await;
    }
    let total = sources.len() as u64;
    let mut finished = 0;
    let reports = crawl_all_with(
        crawler.clone(),
        &sources,
        config.settings.max_concurrency,
        |r| {
            finished += 1;
            (io.progress)(step(finished, total, r));
        },
    )
    .await;
    committer.finish().await;
    super::commit_index(index.as_ref()).await;
    store.flush_async().await?;
    compact_log(crawler).await;
    write!(io.out, "{}", table(&reports))?;
    let failed = reports
        .iter()
        .any(|r| !r.errors.is_empty() && r.new + r.updated + r.unchanged == 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The progress step of a finished source.
fn step(finished: u64, total: u64, r: &SourceReport) -> Step {
    Step {
        done: finished,
        total,
        label: r.source_id.clone(),
        line: format!(
            "[{finished}/{total}] {}: {} new, {} updated, {} error(s)",
            r.source_id,
            r.new,
            r.updated,
            r.errors.len()
        ),
    }
}

/// Reclaims superseded body log records when the store's policy says enough have piled up,
/// as `serve` does after its crawls, so a store kept up to date by scheduled `govwire crawl`
/// runs (cron) does not grow its log forever. A failure is logged, never fatal: nothing is
/// lost by skipping it.
async fn compact_log(crawler: std::sync::Arc<govwire::crawl::Crawler>) {
    match tokio::task::spawn_blocking(move || crawler.compact_log(&|| false)).await {
        Ok(Ok(done)) if done.segments > 0 => tracing::info!(
            segments = done.segments,
            moved = done.moved,
            freed_bytes = done.freed_bytes,
            "body log compacted"
        ),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "body log compaction failed; the garbage stays"),
        Err(e) => tracing::warn!(error = %e, "body log compaction task failed"),
    }
}

/// Draws progress steps on stderr: a bar in a terminal, one plain line per step otherwise (log
/// files and CI keep a readable record) when `plain` (off when logs are JSON, so stderr stays
/// one JSON object per line). The same for a crawl run here and one run by the server.
pub fn renderer(plain: bool) -> Box<dyn FnMut(Step) + Send> {
    let terminal = std::io::stderr().is_terminal();
    let mut bar: Option<ProgressBar> = None;
    Box::new(move |p: Step| {
        if terminal {
            let bar = bar.get_or_insert_with(|| {
                let bar = ProgressBar::new(p.total);
                if let Ok(style) =
                    ProgressStyle::with_template("{bar:30} {pos}/{len} sources  {elapsed}  {msg}")
                {
                    bar.set_style(style);
                }
                bar
            });
            bar.set_message(p.label);
            bar.set_position(p.done);
            if p.done >= p.total {
                bar.finish_and_clear();
            }
        } else if plain {
            eprintln!("{}", p.line);
        }
    })
}

/// The summary as an aligned text table, with the first error of each source below it.
pub fn table(reports: &[SourceReport]) -> String {
    let w = reports
        .iter()
        .map(|r| r.source_id.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut out = format!(
        "{:<w$}  {:>5}  {:>7}  {:>9}  {:>6}\n",
        "source", "new", "updated", "unchanged", "errors"
    );
    for r in reports {
        let unchanged = if r.not_modified {
            "304".to_string()
        } else {
            r.unchanged.to_string()
        };
        out.push_str(&format!(
            "{:<w$}  {:>5}  {:>7}  {:>9}  {:>6}\n",
            r.source_id,
            r.new,
            r.updated,
            unchanged,
            r.errors.len()
        ));
    }
    for r in reports.iter().filter(|r| r.listed > r.candidates) {
        out.push_str(&format!(
            "{}: the listing has {} items; took the first {} (max_items_per_source)\n",
            r.source_id, r.listed, r.candidates
        ));
    }
    for r in reports.iter().filter(|r| !r.errors.is_empty()) {
        out.push_str(&format!("{}: {}\n", r.source_id, r.errors[0]));
    }
    let total: usize = reports.iter().map(|r| r.new).sum();
    out.push_str(&format!("{total} new article(s)\n"));
    out
}
