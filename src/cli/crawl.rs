//! `govwire crawl`: every source once, then a summary table.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::bail;
use govwire::control::Progress as Step;
use govwire::crawl::{SourceReport, crawl_all_observed};
use indicatif::{ProgressBar, ProgressStyle};

use super::control::{Io, Owner};
use super::plural;

/// Runs the crawl and prints one line per source; exit code 1 if any source failed. Each
/// source's start and finish is a progress step (the bar names the sources running). Served,
/// the crawl goes through the server's crawler (its fetcher's per-host waits and robots.txt
/// cache are the scheduled crawls' too) and the articles into its open index. A backfill
/// (`--backfill`) gets a crawler of its own (a serving crawler never backfills), on the
/// server's store and index when served.
pub async fn run(
    owner: &Owner,
    only: &[String],
    backfill: Option<govwire::crawl::listing::Backfill>,
    io: &mut Io,
) -> anyhow::Result<ExitCode> {
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
    let (crawler, index) = match (owner.served(), backfill) {
        (Some(s), None) => (s.crawler.clone(), s.index.clone()),
        (served, backfill) => {
            // The crawl records its metrics as a served crawl would (the library never
            // installs them).
            govwire::telemetry::install();
            let crawler = super::crawler(&config, store.clone())?;
            if let Some(b) = backfill {
                crawler.set_backfill(b);
            }
            let index = match served {
                Some(s) => s.index.clone(),
                None => super::open_index(&config, &store).await,
            };
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
    let finished = std::sync::atomic::AtomicU64::new(0);
    let running = std::sync::Mutex::new(Running::default());
    let progress = std::sync::Mutex::new(&mut io.progress);
    // A source starts on a crawl task; its id comes here to be drawn between finishes.
    let (starts, mut started) = tokio::sync::mpsc::unbounded_channel::<String>();
    let crawl = crawl_all_observed(
        crawler.clone(),
        &sources,
        config.settings.max_concurrency,
        std::sync::Arc::new(move |id: &str| {
            let _ = starts.send(id.to_string());
        }),
        |r| {
            let n = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            let label = running_label(&running, None, Some(&r.source_id)).unwrap_or_default();
            if let Ok(mut p) = progress.lock() {
                (*p)(step(n, total, r, label));
            }
        },
    );
    let draw_starts = async {
        while let Some(id) = started.recv().await {
            let Some(label) = running_label(&running, Some(id), None) else {
                continue;
            };
            if let Ok(mut p) = progress.lock() {
                (*p)(Step {
                    done: finished.load(std::sync::atomic::Ordering::Relaxed),
                    total,
                    label,
                    line: String::new(),
                });
            }
        }
    };
    let (reports, ()) = tokio::join!(crawl, draw_starts);
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

/// The progress step of a finished source; `label` names the sources still running.
fn step(finished: u64, total: u64, r: &SourceReport, label: String) -> Step {
    Step {
        done: finished,
        total,
        label,
        line: format!(
            "[{finished}/{total}] {}: {} new, {} updated, {}",
            r.source_id,
            r.new,
            r.updated,
            plural(r.errors.len(), "error", "errors")
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

/// The sources of a crawl running now, in start order, and those finished.
#[derive(Default)]
struct Running {
    now: Vec<String>,
    finished: std::collections::HashSet<String>,
}

/// The bar's message after a source started or finished: the sources running now. `None` for
/// a start that arrives after the source's finish (it came through a channel), which is not
/// drawn.
fn running_label(
    running: &std::sync::Mutex<Running>,
    started: Option<String>,
    finished: Option<&str>,
) -> Option<String> {
    let Ok(mut r) = running.lock() else {
        return Some(String::new());
    };
    if let Some(id) = started {
        if r.finished.contains(&id) {
            return None;
        }
        r.now.push(id);
    }
    if let Some(id) = finished {
        r.now.retain(|x| x != id);
        r.finished.insert(id.to_string());
    }
    Some(if r.now.is_empty() {
        String::new()
    } else {
        format!("running: {}", r.now.join(", "))
    })
}

/// Draws progress steps on stderr: a bar in a terminal, which log lines go around (see
/// `cli::BarWriter`), with the running sources as its message; one plain line per finished
/// source otherwise (log files and CI keep a readable record) when `plain` (off when logs are
/// JSON, so stderr stays one JSON object per line). The same for a crawl run here and one run
/// by the server.
pub fn renderer(plain: bool) -> Box<dyn FnMut(Step) + Send> {
    let terminal = std::io::stderr().is_terminal();
    let mut bar: Option<ProgressBar> = None;
    Box::new(move |p: Step| {
        if terminal {
            let bar = bar.get_or_insert_with(|| {
                let bar = ProgressBar::new(p.total);
                if let Ok(style) = ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} sources  {elapsed}  {wide_msg}",
                ) {
                    bar.set_style(style);
                }
                // Log lines go around the bar from now on.
                if let Ok(mut slot) = super::PROGRESS.lock() {
                    *slot = Some(bar.clone());
                }
                bar
            });
            bar.set_message(p.label);
            bar.set_position(p.done);
            if p.done >= p.total {
                if let Ok(mut slot) = super::PROGRESS.lock() {
                    *slot = None;
                }
                bar.finish_and_clear();
            }
        } else if plain && !p.line.is_empty() {
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
