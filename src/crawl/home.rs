//! One fetch and one home per article across sources.
//!
//! Two sources may reach the same article (a ministry's feed and a portal's list of it, or two
//! configured lists of one site). Within one crawl round the first source to reach an article
//! URL claims it and alone fetches it; the others skip it. Its home, the source it is stored
//! under, follows a fixed rule, so it does not depend on which crawl finished last:
//!
//! 1. a source whose site (the host of its `url`, without `www.`) is the article's site wins
//!    over one on another site;
//! 2. among those alike, the source configured first wins.
//!
//! A source that ranks better than the article's current home takes it over without fetching
//! it again (source id, level and Land change; the text stays). A source missing from the
//! configuration never takes an article over and loses any to a configured one, so a renamed
//! source's articles move to the new one. `govwire crawl --source ID` ranks by the whole
//! configuration, not only the sources it crawls.

use std::collections::HashMap;
use std::sync::Mutex;

use url::Url;

use crate::model::Source;

/// Claims kept at most; beyond this (a long-running `serve`) the map starts over.
const MAX_CLAIMS: usize = 200_000;

/// The ranking of configured sources and the claims of the current crawl round.
#[derive(Default)]
pub(super) struct Homes {
    /// Source id → (configuration order, site of its `url`).
    order: Mutex<HashMap<String, (usize, Option<String>)>>,
    /// Article URL → id of the source that reached it first in this round.
    claims: Mutex<HashMap<String, String>>,
}

/// Host without `www.`, lowercased.
fn site(url: &str) -> Option<String> {
    let u = Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

impl Homes {
    /// Records the configuration order of `sources` (the rule's tie-break).
    pub(super) fn set_order(&self, sources: &[Source]) {
        if let Ok(mut order) = self.order.lock() {
            order.clear();
            for (i, s) in sources.iter().enumerate() {
                order.entry(s.id.clone()).or_insert((i, site(&s.url)));
            }
        }
    }

    /// Adds the sources of `sources` not ranked yet after those that are (a crawl of some
    /// sources keeps the configuration's order set before).
    pub(super) fn extend_order(&self, sources: &[Source]) {
        if let Ok(mut order) = self.order.lock() {
            for s in sources {
                let next = order.len();
                order.entry(s.id.clone()).or_insert((next, site(&s.url)));
            }
        }
    }

    /// Starts a crawl round: the claims of the last one are forgotten.
    pub(super) fn new_round(&self) {
        if let Ok(mut claims) = self.claims.lock() {
            claims.clear();
        }
    }

    /// Claims `url` for `source_id` in this round: `None` when it was free or is this source's
    /// already, else the id of the source that reached it first.
    pub(super) fn claim(&self, url: &str, source_id: &str) -> Option<String> {
        let mut claims = self.claims.lock().ok()?;
        if claims.len() >= MAX_CLAIMS {
            claims.clear();
        }
        match claims.get(url) {
            Some(first) if first != source_id => Some(first.clone()),
            Some(_) => None,
            None => {
                claims.insert(url.to_string(), source_id.to_string());
                None
            }
        }
    }

    /// Hands the claim on `url` to `source_id` (it ranks better than the claimant).
    pub(super) fn reclaim(&self, url: &str, source_id: &str) {
        if let Ok(mut claims) = self.claims.lock() {
            claims.insert(url.to_string(), source_id.to_string());
        }
    }

    /// The rank of `source_id` for `article_url`: lower is better; `None` for a source not
    /// ranked (not configured).
    fn rank(&self, source_id: &str, article_url: &str) -> Option<(bool, usize)> {
        let order = self.order.lock().ok()?;
        let (index, home) = order.get(source_id).cloned()?;
        let same_site = home.is_some() && home == site(article_url);
        Some((!same_site, index))
    }

    /// True when `source` is a better home for the article at `article_url` than the source
    /// `other` (see the module documentation). A source not ranked never takes an article
    /// over; one that is takes it over from any source not ranked.
    pub(super) fn better(&self, source: &Source, other: &str, article_url: &str) -> bool {
        if source.id == other {
            return false;
        }
        match (
            self.rank(&source.id, article_url),
            self.rank(other, article_url),
        ) {
            (Some(mine), Some(theirs)) => mine < theirs,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(id: &str, url: &str) -> Source {
        let mut s = crate::config::parse(
            &format!("[[source]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"{url}\"\n"),
            "t.toml",
        )
        .expect("source")
        .sources
        .remove(0);
        s.url = url.to_string();
        s
    }

    #[test]
    fn the_site_owner_wins_then_the_first_configured() {
        let portal = source("portal", "https://portal.test/news/");
        let amt = source("amt", "https://www.amt.test/");
        let amt2 = source("amt-presse", "https://amt.test/presse/");
        let homes = Homes::default();
        homes.set_order(&[portal.clone(), amt.clone(), amt2.clone()]);
        let article = "https://amt.test/presse/1.html";
        assert!(homes.better(&amt, "portal", article));
        assert!(!homes.better(&portal, "amt", article));
        assert!(homes.better(&amt, "amt-presse", article));
        assert!(!homes.better(&amt2, "amt", article));
        assert!(homes.better(&portal, "gone", "https://elsewhere.test/x"));
        let stranger = source("stranger", "https://amt.test/");
        assert!(!homes.better(&stranger, "portal", article));
        homes.extend_order(&[stranger.clone(), portal.clone()]);
        assert!(!homes.better(&stranger, "amt", article), "ranked after amt");
        assert!(
            homes.better(&stranger, "portal", article),
            "on the article's site"
        );
        assert_eq!(homes.claim(article, "portal"), None);
        assert_eq!(homes.claim(article, "portal"), None);
        assert_eq!(homes.claim(article, "amt").as_deref(), Some("portal"));
        homes.new_round();
        assert_eq!(homes.claim(article, "amt"), None);
    }
}
