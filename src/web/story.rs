//! One entry per story: listings and (on request) feeds show each story cluster once, at the
//! place of its newest report on the page; a listing's card is led by the story's original
//! ([`lead`]), with the other reports named as "also reported by".
//!
//! This file owns only the collapsing rule; clusters themselves are assigned by the crawler.

use std::collections::HashSet;

use crate::model::{Article, ArticleId, Level};
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

/// The report a story's card shows: its original, i.e. the earliest report, where a public body's
/// report (any level but the press) comes before a press report of the same story whatever
/// their times (a ministry's press release rather than the trade press's reprint of it).
/// `shown` itself when the story has no other stored reports.
pub fn lead<'a>(shown: &'a Article, members: &'a [Article]) -> &'a Article {
    members
        .iter()
        .min_by_key(|a| (a.level == Level::Presse, a.sort_time(), a.id.0))
        .unwrap_or(shown)
}

/// Only the first article of each cluster, without looking anything up (for feeds).
pub fn first_of_each(items: Vec<Article>) -> Vec<Article> {
    let mut seen: HashSet<ArticleId> = HashSet::new();
    items
        .into_iter()
        .filter(|a| a.cluster.is_none_or(|c| seen.insert(c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn report(id: u64, level: Level, hour: u32) -> Article {
        let at = Utc
            .with_ymd_and_hms(2026, 10, 5, hour, 0, 0)
            .single()
            .expect("date");
        let mut a = Article::sample(
            &format!("https://s{id}.example/"),
            &format!("Bericht {id}"),
            "",
            at,
        );
        a.id = ArticleId(id);
        a.source_id = format!("s{id}");
        a.level = level;
        a.cluster = Some(ArticleId(1));
        a
    }

    #[test]
    fn the_original_of_a_public_body_leads_the_story() {
        // The trade press was first (8:00), the ministry second (9:00), a Land last (12:00).
        let members = vec![
            report(1, Level::Presse, 8),
            report(2, Level::Bund, 9),
            report(3, Level::Land, 12),
        ];
        assert_eq!(lead(&members[2], &members).id, ArticleId(2));
        let press_only = vec![report(4, Level::Presse, 10), report(5, Level::Presse, 7)];
        assert_eq!(lead(&press_only[0], &press_only).id, ArticleId(5));
        let alone = report(6, Level::Kommune, 9);
        assert_eq!(lead(&alone, &[]).id, ArticleId(6));
    }
}
