//! `govwire crawl`: every source once, then a summary table.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use std::io::IsTerminal;

use govwire::crawl::{SourceReport, crawl_all_observed};
use indicatif::{ProgressBar, ProgressStyle};

use super::plural;

/// Runs the crawl and prints one line per source; exit code 1 if any source failed.
/// `plain_progress` prints a line per finished source when stderr is not a terminal (off when
/// logs are JSON, so stderr stays one JSON object per line).
pub async fn run(
    config_path: &Path,
    only: &[String],
    plain_progress: bool,
    backfill: Option<govwire::crawl::listing::Backfill>,
) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    for id in only {
        if config.source(id).is_none() {
            bail!("no source with id {id:?} in {}", config_path.display());
        }
    }
    let sources: Vec<_> = config
        .sources
        .iter()
        .filter(|s| only.is_empty() || only.contains(&s.id))
        .cloned()
        .collect();
    let store = super::open_store(&config)?;
    // The crawl records its metrics as a served crawl would (the library never installs them).
    govwire::telemetry::install();
    let crawler = super::crawler(&config, store.clone())?;
    if let Some(b) = backfill {
        crawler.set_backfill(b);
    }
    let index = super::open_index(&config, &store).await;
    super::feed_index(&crawler, index.as_ref());
    let committer = super::bulk_committer(index.as_ref());
    super::retag_if_changed(crawler.clone()).await;
    let mut progress = Progress::new(sources.len(), plain_progress);
    let started = progress.starter();
    let reports = crawl_all_observed(
        crawler.clone(),
        &sources,
        config.settings.max_concurrency,
        started,
        |r| progress.done(r),
    )
    .await;
    progress.finish();
    committer.finish().await;
    super::commit_index(index.as_ref()).await;
    store.flush_async().await?;
    compact_log(crawler).await;
    print!("{}", table(&reports));
    let failed = reports
        .iter()
        .any(|r| !r.errors.is_empty() && r.new + r.updated + r.unchanged == 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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

/// Progress on stderr: a bar in a terminal, one plain line per finished source otherwise
/// (log files and CI keep a readable record).
struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    total: usize,
    finished: usize,
    /// Ids of the sources being crawled now, in start order (the bar's message).
    running: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Progress {
    fn new(total: usize, plain: bool) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30} {pos}/{len} sources  {elapsed}  {wide_msg}")
            {
                bar.set_style(style);
            }
            // Log lines go around the bar from now on (see cli::BarWriter).
            if let Ok(mut slot) = super::PROGRESS.lock() {
                *slot = Some(bar.clone());
            }
            bar
        });
        Progress {
            bar,
            plain,
            total,
            finished: 0,
            running: Default::default(),
        }
    }

    /// The callback naming a source on the bar when its crawl starts.
    fn starter(&self) -> std::sync::Arc<dyn Fn(&str) + Send + Sync> {
        let bar = self.bar.clone();
        let running = self.running.clone();
        std::sync::Arc::new(move |id: &str| {
            if let (Some(bar), Ok(mut r)) = (&bar, running.lock()) {
                r.push(id.to_string());
                bar.set_message(format!("running: {}", r.join(", ")));
            }
        })
    }

    fn done(&mut self, r: &SourceReport) {
        self.finished += 1;
        let line = format!(
            "[{}/{}] {}: {} new, {} updated, {}",
            self.finished,
            self.total,
            r.source_id,
            r.new,
            r.updated,
            plural(r.errors.len(), "error", "errors")
        );
        match &self.bar {
            Some(bar) => {
                if let Ok(mut running) = self.running.lock() {
                    running.retain(|id| *id != r.source_id);
                    if running.is_empty() {
                        bar.set_message("");
                    } else {
                        bar.set_message(format!("running: {}", running.join(", ")));
                    }
                }
                bar.inc(1);
            }
            None if self.plain => eprintln!("{line}"),
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            if let Ok(mut slot) = super::PROGRESS.lock() {
                *slot = None;
            }
            bar.finish_and_clear();
        }
    }
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
        "{:<w$}  {:>5}  {:>7}  {:>9}  {:>6}  {}\n",
        "source", "new", "updated", "unchanged", "errors", "listing"
    );
    for r in reports {
        // A 304 is about the listing, not a count of articles: its own column.
        let listing = if r.not_modified {
            "not modified (304)"
        } else {
            ""
        };
        let line = format!(
            "{:<w$}  {:>5}  {:>7}  {:>9}  {:>6}  {listing}",
            r.source_id,
            r.new,
            r.updated,
            r.unchanged,
            r.errors.len()
        );
        out.push_str(line.trim_end());
        out.push('\n');
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
    out.push_str(&format!(
        "{}\n",
        plural(total, "new article", "new articles")
    ));
    out
}
