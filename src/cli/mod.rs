//! Subcommand implementations for the binary; `anyhow` lives here and nowhere else.

pub mod add;
pub mod check;
pub mod control;
pub mod crawl;
pub mod digest;
pub mod extract;
pub mod healthcheck;
pub mod retag;
pub mod search;
pub mod serve;
pub mod show;
pub mod sources;
pub mod store;

use std::path::Path;
use std::sync::Arc;

use govwire::config::Config;
use govwire::crawl::Crawler;
use govwire::fetch::{FetchConfig, Fetcher};
use govwire::store::Store;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, with the span fields (such as `source`) included.
    Json,
}

/// When log lines and the progress bar use colour (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set (<https://no-color.org>).
    Auto,
    /// Always, also in a pipe and with `NO_COLOR`.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to write colour to stderr now.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::IsTerminal::is_terminal(&std::io::stderr())
            }
        }
    }
}

/// How much the log says and how it looks.
#[derive(Debug, Clone, Copy)]
pub struct LogOptions {
    /// Text or JSON.
    pub format: LogFormat,
    /// `-v` count minus `-q` count: 0 is the command's default level.
    pub verbosity: i8,
    /// A long-running service (`serve`): INFO and timestamps by default. Interactive commands
    /// show warnings and errors only (their own output is the summary), without timestamps.
    pub service: bool,
    /// Colour choice.
    pub color: ColorChoice,
}

/// The progress bar of a running `crawl`, if any: log lines are written around it (see
/// [`BarWriter`]) so bar and lines never overwrite each other.
pub static PROGRESS: std::sync::Mutex<Option<indicatif::ProgressBar>> = std::sync::Mutex::new(None);

/// stderr for log lines: while a progress bar is shown, each line is written with the bar
/// hidden ([`indicatif::ProgressBar::suspend`]) and the bar drawn again below it.
pub struct BarWriter;

impl std::io::Write for BarWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = PROGRESS.lock().ok().and_then(|b| b.clone());
        match bar {
            Some(bar) => bar.suspend(|| std::io::stderr().write_all(buf))?,
            None => std::io::stderr().write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Logs to stderr; `RUST_LOG` overrides the level chosen by [`LogOptions`]. Every line logged
/// inside a crawl carries the `crawl{source=…}` span, so it names its source in both formats.
pub fn init_logging(opts: LogOptions) {
    let base = if opts.service { 2 } else { 1 } + i32::from(opts.verbosity);
    let level = match base {
        i32::MIN..=0 => "error",
        1 => "warn",
        2 => "info",
        3 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "{level},sled=warn,html5ever=error,selectors=error"
        ))
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(opts.color.enabled())
        .with_writer(|| BarWriter);
    let _ = match (opts.format, opts.service) {
        (LogFormat::Text, true) => builder.try_init(),
        (LogFormat::Text, false) => builder.without_time().try_init(),
        (LogFormat::Json, _) => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// Loads and validates the configuration; `GOVWIRE_DATA_DIR` and `GOVWIRE_LISTEN` override
/// the file (the Docker image sets them).
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    if !path.exists() {
        anyhow::bail!(
            "no configuration file {}: copy the shipped sources.toml there and edit it, or name \
             another with --config PATH (or GOVWIRE_CONFIG)",
            path.display()
        );
    }
    let mut config = govwire::config::load(path)?;
    config.apply_env()?;
    Ok(config)
}

/// Opens the store under `data_dir/store`, creating the folder.
pub fn open_store(config: &Config) -> anyhow::Result<Store> {
    let dir = config.settings.data_dir.join("store");
    let hint = |e: &dyn std::fmt::Display| {
        if e.to_string().contains("ermission denied") {
            "; the user running govwire needs read and write access to it (data_dir in [settings])"
        } else {
            ""
        }
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        anyhow::bail!(
            "cannot create the store folder {}: {e}{}",
            dir.display(),
            hint(&e)
        );
    }
    Store::open(&dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the store in {}: {e}{}",
            dir.display(),
            hint(&e)
        )
    })
}

/// The polite fetcher configured from `[settings]` (user agent, timeouts, size cap, per-host
/// interval), shared by `crawl`, `serve` and `check` so they fetch alike.
pub fn fetcher(config: &Config) -> anyhow::Result<Fetcher> {
    let s = &config.settings;
    Ok(Fetcher::new(FetchConfig {
        user_agent: s.user_agent.clone(),
        timeout: s.timeout,
        connect_timeout: s.connect_timeout,
        max_body_bytes: s.max_body_bytes,
        per_host_interval: s.per_host_interval,
        max_in_flight_per_host: s.max_in_flight_per_host,
        ..FetchConfig::default()
    })?)
}

/// Builds the crawler from the settings.
pub fn crawler(config: &Config, store: Store) -> anyhow::Result<Arc<Crawler>> {
    let s = &config.settings;
    let fetcher = fetcher(config)?;
    let crawler = Crawler::new(fetcher, store, &config.keywords, s.max_items_per_source)
        .with_max_pages(s.max_pages);
    // Which source an article belongs to is ranked by the whole configuration.
    crawler.set_source_order(&config.sources);
    Ok(Arc::new(crawler))
}

/// Re-tags the stored articles if the watchlist or enrichment rules changed since they were
/// tagged (loading the story index first); logs the outcome and never fails the caller (stale
/// tags are better than no service).
pub async fn retag_if_changed(crawler: Arc<Crawler>) {
    let outcome = tokio::task::spawn_blocking(move || {
        // The story index is needed by the first crawl anyway; read it here, off the runtime.
        crawler.warm_up();
        crawler.retag_if_changed()
    })
    .await;
    match outcome {
        Ok(Ok(Some(r))) if r.scanned > 0 => tracing::info!(
            scanned = r.scanned,
            changed = r.changed,
            clustered = r.clustered,
            "watchlist changed: stored articles re-tagged"
        ),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "re-tagging failed; keeping the old tags"),
        Err(e) => tracing::warn!(error = %e, "re-tagging task failed"),
    }
}

/// Opens the search index under `data_dir/index` on the blocking pool, rebuilding it from the
/// store when it is missing, damaged, of another version or out of step. A failure is logged and
/// gives `None`: search is then unavailable (503) but nothing else stops.
pub async fn open_index(config: &Config, store: &Store) -> Option<Arc<govwire::search::Index>> {
    let index = open_index_in_background(config, store).await?;
    if let Some(build) = build_index(&index) {
        let _ = build.await;
    }
    index.is_ready().then_some(index)
}

/// Opens the search index under `data_dir/index` without waiting for a rebuild: when the folder
/// is missing, damaged, of another version or out of step, the index comes back empty and not
/// ready (searches answer 503 with `Retry-After`) and the caller starts the rebuild with
/// [`build_index`]. Additions and commits work meanwhile, so articles crawled during the rebuild
/// end up in the index. A failure to open or create the folder is logged and gives `None`.
pub async fn open_index_in_background(
    config: &Config,
    store: &Store,
) -> Option<Arc<govwire::search::Index>> {
    let dir = config.settings.data_dir.join("index");
    let store = store.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let index = govwire::search::Index::open_or_create(&dir, &store);
        (index, started.elapsed(), dir)
    })
    .await;
    match opened {
        Ok((Ok(index), took, _)) => {
            if index.is_ready() {
                tracing::info!(
                    documents = index.num_docs(),
                    ms = took.as_millis() as u64,
                    "search index ready"
                );
            }
            Some(Arc::new(index))
        }
        Ok((Err(e), _, dir)) => {
            tracing::error!(error = %e, dir = %dir.display(), "search index unavailable");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "search index task failed");
            None
        }
    }
}

/// Builds `index` from the store on the blocking pool when it is not ready (see
/// [`open_index_in_background`]); `None` when it is. The task logs the outcome; a failed or
/// stopped build leaves search unavailable until the next start, which builds again.
pub fn build_index(index: &Arc<govwire::search::Index>) -> Option<tokio::task::JoinHandle<()>> {
    let (_, total) = index.build_progress()?;
    tracing::info!(
        articles = total,
        "search index missing or stale: rebuilding it from the store (searches answer 503 until it is done)"
    );
    let index = index.clone();
    Some(tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        match index.build() {
            Ok(n) => tracing::info!(
                articles = n,
                documents = index.num_docs(),
                ms = started.elapsed().as_millis() as u64,
                "search index rebuilt and ready"
            ),
            Err(govwire::search::SearchError::Stopped) => {
                tracing::info!("search index rebuild stopped; the next start builds again")
            }
            Err(e) => {
                tracing::error!(error = %e, "search index rebuild failed; search stays unavailable")
            }
        }
    }))
}

/// Makes the crawler add every article it stores or re-tags to `index` (committed by the
/// caller: periodically in `serve`, once at the end of `crawl` and `retag`).
pub fn feed_index(crawler: &Crawler, index: Option<&Arc<govwire::search::Index>>) {
    let Some(index) = index.cloned() else {
        return;
    };
    crawler.on_stored(Box::new(move |article| {
        if let Err(e) = index.add(article) {
            tracing::warn!(error = %e, id = %article.id, "could not index article");
        }
    }));
}

/// Uncommitted index additions after which a bulk run (`crawl`, `retag`) commits while it
/// is still running. tantivy keeps every delete (each [`govwire::search::Index::add`] first
/// deletes the article's id, to replace an earlier version) in memory until the next commit,
/// about 1.1 KB apiece: 115 MB after 100,000 new articles when a crawl committed only at its
/// end. A commit every 5,000 bounds that to about 6 MB, costs one fsync and one small
/// segment (merged in the background) per 5,000 articles, and makes the work done so far
/// durable and searchable.
const COMMIT_EVERY: u64 = 5_000;

/// Commits `index` whenever [`COMMIT_EVERY`] additions are pending, until the returned
/// guard is finished with [`BulkCommitter::finish`] (which does not commit: the caller ends
/// with [`commit_index`]). `None` without an index.
pub fn bulk_committer(index: Option<&Arc<govwire::search::Index>>) -> BulkCommitter {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = index.cloned().map(|index| {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.wait_for(|s| *s) => return,
                }
                if index.pending() >= COMMIT_EVERY {
                    commit_index(Some(&index)).await;
                }
            }
        })
    });
    BulkCommitter { stop, task }
}

/// The task started by [`bulk_committer`].
pub struct BulkCommitter {
    stop: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl BulkCommitter {
    /// Stops the task, waiting for a commit it has started.
    pub async fn finish(self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task {
            let _ = task.await;
        }
    }
}

/// Commits pending index additions on the blocking pool; logs a failure (the next start's count
/// check rebuilds the index if a commit was lost).
pub async fn commit_index(index: Option<&Arc<govwire::search::Index>>) {
    let Some(index) = index.cloned() else {
        return;
    };
    match tokio::task::spawn_blocking(move || index.commit()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "search index commit failed"),
        Err(e) => tracing::warn!(error = %e, "search index commit task failed"),
    }
}

/// An error and its causes in one line, each cause once: many error types already print their
/// cause in their own message (`…: No such file or directory (os error 2)`), and anyhow's `{:#}`
/// would append it a second time.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

/// `n` with the singular or plural noun: "1 article", "2 articles".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A time as a person in Germany reads it: Europe/Berlin, to the second, with the zone
/// abbreviation (`2026-12-05 07:00:12 CET`).
pub fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Berlin)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// A date as people type it, in the ISO form the query parser reads: `05.12.2026` (also
/// `5.12.2026`), `12.2026`, `heute`/`today`, `gestern`/`yesterday` (Berlin calendar day, at
/// `now`); anything else is returned as typed (ISO `2026-12-05`, `2026-12`, `2026`), so the
/// parser's own message names a value it cannot read.
pub fn user_date(value: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let v = value.trim();
    let today = now.with_timezone(&chrono_tz::Europe::Berlin).date_naive();
    match v.to_lowercase().as_str() {
        "heute" | "today" => return today.to_string(),
        "gestern" | "yesterday" => {
            return today.pred_opt().unwrap_or(today).to_string();
        }
        _ => {}
    }
    let parts: Vec<&str> = v.split('.').collect();
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    match parts.as_slice() {
        [d, m, y] if digits(d, 2) && digits(m, 2) && y.len() == 4 && digits(y, 4) => {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        [m, y] if digits(m, 2) && y.len() == 4 && digits(y, 4) => format!("{y}-{m:0>2}"),
        _ => v.to_string(),
    }
}
