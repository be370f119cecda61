//! `govwire serve`: the scheduler and the web server in one process, stopped cleanly by
//! SIGINT/SIGTERM (no new crawls, in-flight writes finish, the store is flushed).

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use govwire::crawl::scheduler;
use govwire::web::{AppState, router};
use tokio::sync::watch;
use tracing::info;

/// Serves until a shutdown signal arrives.
pub async fn run(
    config_path: &Path,
    listen: Option<SocketAddr>,
    crawl: bool,
) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let store = super::open_store(&config)?;
    let addr = listen.unwrap_or(config.settings.listen);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let state = Arc::new(AppState {
        store: store.clone(),
        sources: config.sources.clone(),
        keywords: config.keywords.clone(),
        site_title: "govwire".into(),
        search: None,
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let crawler = super::crawler(&config, store.clone())?;
    let scheduler = crawl.then(|| {
        let (crawler, sources) = (crawler.clone(), config.sources.clone());
        let (parallel, stop) = (config.settings.max_concurrency, stop_rx.clone());
        tokio::spawn(async move {
            // Re-tag before the first crawl so new and old articles agree; pages serve meanwhile.
            super::retag_if_changed(crawler.clone()).await;
            scheduler::run(crawler, sources, parallel, stop).await
        })
    });
    let mut server_stop = stop_rx.clone();
    let server = tokio::spawn(
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|s| *s).await;
            })
            .into_future(),
    );
    info!("serving on http://{}", addr);
    shutdown_signal().await;
    info!("shutting down: finishing in-flight work");
    crawler.stop();
    let _ = stop_tx.send(true);
    if let Some(task) = scheduler
        && tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .is_err()
    {
        tracing::warn!("crawls did not finish within 60 s; flushing what is stored");
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    store.flush_async().await?;
    info!("store flushed; bye");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
