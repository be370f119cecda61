//! `govwire serve`: the scheduler and the web server in one process, stopped cleanly by
//! SIGINT/SIGTERM (no new crawls, in-flight writes finish, the store is flushed), and reloading
//! its configuration on SIGHUP or when the file changes.
//!
//! A reload validates the new file first; an invalid file is reported (file, line, field) and the
//! running configuration stays. A valid one replaces sources, keywords and crawl settings: the
//! running crawls finish their current article, then a new crawler and router take over. The
//! listen address and the data folder are fixed for the life of the process.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use axum::Router;
use govwire::config::Config;
use govwire::crawl::{Crawler, scheduler};
use govwire::store::Store;
use govwire::web::{AppState, router};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;
use tracing::{error, info, warn};

/// How often the config file's modification time is checked.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Serves until a shutdown signal arrives.
/// `dispatch` runs the commands clients send over the control channel.
pub async fn run(
    config_path: &Path,
    listen: Option<SocketAddr>,
    crawl: bool,
    dispatch: super::control::Dispatch,
) -> anyhow::Result<ExitCode> {
    // Signal listeners first and once: a SIGTERM during start-up or a reload is then queued
    // for the loop below instead of killing the process or being lost.
    let mut stop_signals = StopSignals::new()?;
    #[cfg(unix)]
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    #[cfg(not(unix))]
    let mut hangup: Option<()> = None;
    // Metrics are recorded from here on (crawls, fetches, requests) and shown at `/metrics`.
    govwire::telemetry::install();
    let mut config = super::load_config(config_path)?;
    let store = super::open_store(&config)?;
    let addr = listen.unwrap_or(config.settings.listen);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    // Pages serve at once; a missing or stale index is rebuilt in the background meanwhile.
    let index = super::open_index_in_background(&config, &store).await;
    let build = index.as_ref().and_then(super::build_index);
    let mut current = Generation::start(&config, &store, index.clone(), crawl)?;
    let routes = Arc::new(RwLock::new(current.router.clone()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let committer = index
        .clone()
        .map(|i| govwire::search::spawn_committer(i, Duration::from_secs(5), stop_rx.clone()));
    // The store is open (its lock held): the other commands become clients of this process.
    let served = Arc::new(RwLock::new(current.served(
        config_path,
        &config,
        &store,
        &index,
    )));
    let control = start_control(&config, served.clone(), dispatch, stop_rx.clone());
    let mut server_stop = stop_rx.clone();
    let server = tokio::spawn(
        axum::serve(listener, swappable(routes.clone()))
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|s| *s).await;
            })
            .into_future(),
    );
    info!("serving on http://{}", addr);
    let mut watcher = FileWatch::new(config_path);
    loop {
        tokio::select! {
            _ = stop_signals.recv() => break,
            why = reload_trigger(&mut watcher, &mut hangup) => {
                info!(path = %config_path.display(), trigger = why, "reloading configuration");
                match super::load_config(config_path) {
                    Err(e) => error!("configuration NOT reloaded, keeping the running one: {e:#}"),
                    Ok(new) => {
                        current.stop().await;
                        match Generation::start(&new, &store, index.clone(), crawl) {
                            Ok(next) => {
                                current = next;
                                *routes.write().unwrap_or_else(|p| p.into_inner()) =
                                    current.router.clone();
                                *served.write().unwrap_or_else(|p| p.into_inner()) =
                                    current.served(config_path, &new, &store, &index);
                                info!(sources = new.sources.len(), "configuration reloaded");
                                config = new;
                            }
                            Err(e) => {
                                error!("reloaded configuration could not start: {e:#}; restarting the old one");
                                current = Generation::start(&config, &store, index.clone(), crawl)?;
                                *served.write().unwrap_or_else(|p| p.into_inner()) =
                                    current.served(config_path, &config, &store, &index);
                            }
                        }
                    }
                }
            }
        }
    }
    info!("shutting down: finishing in-flight work");
    if let Some(build) = build {
        if let Some(index) = &index {
            index.stop_building();
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), build).await;
    }
    current.stop().await;
    let _ = stop_tx.send(true);
    if let Some(task) = committer {
        // The committer commits what the last crawls added, then returns.
        let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    if let Some(control) = control {
        let _ = tokio::time::timeout(Duration::from_secs(5), control).await;
    }
    store.flush_async().await?;
    info!("store flushed; bye");
    Ok(ExitCode::SUCCESS)
}

/// Opens the control channel in the data folder and serves the commands of clients on it until
/// `stop`; a folder where that is not safe (or possible) is logged, and the server runs on
/// without the channel (the commands then say the folder is in use).
fn start_control(
    config: &Config,
    served: Arc<RwLock<Arc<super::control::Served>>>,
    dispatch: super::control::Dispatch,
    stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let listener = match govwire::control::Listener::bind(&config.settings.data_dir) {
        Ok(l) => l,
        Err(e) => {
            error!(
                "control channel unavailable; other govwire commands cannot reach this server: {e}"
            );
            return None;
        }
    };
    info!(socket = %listener.path().display(), "control channel open");
    let handle = move |request, sink| {
        let now = served.read().unwrap_or_else(|p| p.into_inner()).clone();
        super::control::handle(request, sink, now, dispatch)
    };
    Some(tokio::spawn(listener.run(handle, stop)))
}

/// One configuration at work: its crawler and scheduler, and the router showing it.
struct Generation {
    crawler: Arc<Crawler>,
    scheduler: Option<JoinHandle<()>>,
    mailer: JoinHandle<()>,
    stop: watch::Sender<bool>,
    router: Router,
}

impl Generation {
    fn start(
        config: &Config,
        store: &Store,
        index: Option<Arc<govwire::search::Index>>,
        crawl: bool,
    ) -> anyhow::Result<Generation> {
        let crawler = super::crawler(config, store.clone())?;
        super::feed_index(&crawler, index.as_ref());
        let state = Arc::new(AppState {
            store: store.clone(),
            sources: config.sources.clone(),
            keywords: config.keywords.clone(),
            site_title: "govwire".into(),
            search: index,
        });
        let (stop, stop_rx) = watch::channel(false);
        let scheduler = crawl.then(|| {
            let (crawler, sources) = (crawler.clone(), config.sources.clone());
            let parallel = config.settings.max_concurrency;
            tokio::spawn(async move {
                // Re-tag before the first crawl so new and old articles agree; pages serve
                // meanwhile.
                super::retag_if_changed(crawler.clone()).await;
                scheduler::run(crawler, sources, parallel, stop_rx).await
            })
        });
        // Records the data folder's first start (days before it are never mailed), then
        // returns at once when no [digest.email] is configured.
        let mailer = tokio::spawn(govwire::digest::mail::run_mailer(
            store.clone(),
            config.clone(),
            stop.subscribe(),
        ));
        Ok(Generation {
            crawler,
            scheduler,
            mailer,
            stop,
            router: router(state),
        })
    }

    /// What commands run for clients borrow from this generation.
    fn served(
        &self,
        config_path: &Path,
        config: &Config,
        store: &Store,
        index: &Option<Arc<govwire::search::Index>>,
    ) -> Arc<super::control::Served> {
        Arc::new(super::control::Served {
            config_path: config_path.to_path_buf(),
            config: config.clone(),
            store: store.clone(),
            index: index.clone(),
            crawler: self.crawler.clone(),
        })
    }

    /// Stops new crawls and waits (up to a minute) for the running ones to finish their article.
    async fn stop(&mut self) {
        self.crawler.stop();
        let _ = self.stop.send(true);
        if let Some(task) = self.scheduler.take()
            && tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .is_err()
        {
            warn!("crawls did not finish within 60 s; going on with what is stored");
        }
        if tokio::time::timeout(Duration::from_secs(30), &mut self.mailer)
            .await
            .is_err()
        {
            warn!("the digest mailer did not stop within 30 s");
        }
    }
}

/// A router that forwards every request to whatever router `current` holds at that moment.
fn swappable(current: Arc<RwLock<Router>>) -> Router {
    Router::new().fallback_service(tower::service_fn(move |req| {
        let router = current.read().unwrap_or_else(|p| p.into_inner()).clone();
        router.oneshot(req)
    }))
}

/// Remembers the config file's modification time to notice edits.
struct FileWatch {
    path: PathBuf,
    seen: Option<SystemTime>,
}

impl FileWatch {
    fn new(path: &Path) -> FileWatch {
        FileWatch {
            path: path.to_path_buf(),
            seen: modified(path),
        }
    }

    /// True once per change of the modification time.
    fn changed(&mut self) -> bool {
        let now = modified(&self.path);
        if now.is_some() && now != self.seen {
            self.seen = now;
            return true;
        }
        false
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Resolves with the reason when the configuration should be reloaded: SIGHUP, or the file's
/// modification time changed.
#[cfg(unix)]
async fn reload_trigger(
    watch: &mut FileWatch,
    hup: &mut Option<tokio::signal::unix::Signal>,
) -> &'static str {
    let mut tick = tokio::time::interval(WATCH_EVERY);
    tick.tick().await;
    loop {
        let hangup = async {
            match hup.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = hangup => {
                watch.changed();
                return "SIGHUP";
            }
            _ = tick.tick() => {
                if watch.changed() {
                    return "file changed";
                }
            }
        }
    }
}

/// Without SIGHUP, only a changed file triggers a reload.
#[cfg(not(unix))]
async fn reload_trigger(watch: &mut FileWatch, _hup: &mut Option<()>) -> &'static str {
    let mut tick = tokio::time::interval(WATCH_EVERY);
    loop {
        tick.tick().await;
        if watch.changed() {
            return "file changed";
        }
    }
}

/// SIGINT and SIGTERM, listened to for the whole life of the process.
struct StopSignals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn new() -> anyhow::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                int: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
                term: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Resolves when SIGINT (Ctrl-C) or SIGTERM arrives (or arrived since the last call).
    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
