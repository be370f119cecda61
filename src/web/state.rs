//! What every handler shares: the application state, and running a store read on the blocking
//! pool.
//!
//! This file owns [`AppState`] and [`read`]. It imports nothing from web's other files except the
//! error type, so every handler file can use it without importing the router.

use std::sync::Arc;

use super::error::WebError;
use crate::model::{Keyword, Source};
use crate::store::{Store, StoreError};

/// What every handler shares.
pub struct AppState {
    /// The open store (reads only).
    pub store: Store,
    /// Configured sources, in display order.
    pub sources: Vec<Source>,
    /// The keyword watchlist, in display order.
    pub keywords: Vec<Keyword>,
    /// Site name shown in headers and feed titles.
    pub site_title: String,
    /// The full-text index; `None` serves search and trends as 503.
    pub search: Option<Arc<crate::search::Index>>,
}

/// Runs a store read on the blocking pool.
pub async fn read<T, F>(state: &AppState, f: F) -> Result<T, WebError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = state.store.clone();
    Ok(tokio::task::spawn_blocking(move || f(&store)).await??)
}
