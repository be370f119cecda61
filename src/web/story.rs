//! One entry per story: listings and (on request) feeds show each story cluster once, under its
//! newest report on the page, with the other reports named as "also reported by".
//!
//! This file owns only the collapsing rule; clusters themselves are assigned by the crawler.

use std::collections::HashSet;

use crate::model::{Article, ArticleId};
use crate::store::{Store, StoreError};

/// Most other reports looked up per story.
pub const MAX_MEMBERS: usize = 20;

/// A story on a page: the article shown and every stored report of the same story (itself
/// included; empty when the article has no cluster).
pub type Story = (Article, Vec<Article>);

/// Keeps the first article of each cluster in `items` (they arrive newest first) and looks up
/// the cluster's other reports.
pub fn collapse(store: &Store, items: Vec<Article>) -> Result<Vec<Story>, StoreError> {
    let mut seen: HashSet<ArticleId> = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for article in items {
        let Some(cluster) = article.cluster else {
            out.push((article, Vec::new()));
            continue;
        };
        if !seen.insert(cluster) {
            continue;
        }
        let members = store.cluster_members(cluster, MAX_MEMBERS)?;
        out.push((article, members));
    }
    Ok(out)
}

/// Only the first article of each cluster, without looking anything up (for feeds).
pub fn first_of_each(items: Vec<Article>) -> Vec<Article> {
    let mut seen: HashSet<ArticleId> = HashSet::new();
    items
        .into_iter()
        .filter(|a| a.cluster.is_none_or(|c| seen.insert(c)))
        .collect()
}
