//! Turning a candidate (and its fetched page, if any) into a stored [`Article`]: the article
//! page's fields win, the listing's fill the gaps, `enrich` adds keywords and regions.

use chrono::{DateTime, Utc};
use url::Url;

use super::CrawlError;
use crate::enrich::{self, Signature, Watchlist};
use crate::extract;
use crate::fetch::Page;
use crate::model::{Article, ArticleId, Candidate, Draft, Source};

/// Extracts the draft from the page, or builds it from the feed content when there is none.
pub(super) fn draft(
    source: &Source,
    c: &Candidate,
    page: Option<&Page>,
) -> Result<Draft, CrawlError> {
    let mut draft = match page {
        Some(page) => {
            let mut d = extract::extract_article(&page.text(), &page.url, &source.article)
                .map_err(|e| CrawlError::Extract {
                    url: page.url.clone(),
                    source: e,
                })?;
            d.url = trusted_canonical(&d.url, &page.url, &source.url);
            if d.text.trim().is_empty()
                && let Some(html) = &c.content_html
            {
                d.text = extract::html_fragment_to_text(html);
            }
            d
        }
        None => from_candidate(c),
    };
    fill_from_candidate(&mut draft, c);
    Ok(draft)
}

/// A draft made only of what the feed or teaser said.
fn from_candidate(c: &Candidate) -> Draft {
    let text = extract::candidate_text(c);
    Draft {
        url: c.url.clone(),
        lang: extract::detect_language(&text, None),
        text,
        ..Draft::default()
    }
}

fn fill_from_candidate(d: &mut Draft, c: &Candidate) {
    if d.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        d.title = c.title.clone();
    }
    d.published = d.published.or(c.published);
    if d.author.is_none() {
        d.author = c.author.clone();
    }
    if d.summary.is_none() {
        d.summary = c.summary.clone();
    }
    d.tags.extend(c.tags.iter().cloned());
}

/// Accepts the page's canonical URL only if it is on the same host and is not the site root
/// or the listing itself (some CMS point every page's canonical at the home page, which
/// would fold all articles into one).
fn trusted_canonical(canonical: &str, fetched: &str, listing: &str) -> String {
    let (Ok(c), Ok(f)) = (Url::parse(canonical), Url::parse(fetched)) else {
        return fetched.to_string();
    };
    let same_host = c.host_str() == f.host_str();
    let trivial = c.path() == "/" || c.path().is_empty() || canonical == listing;
    if same_host && !trivial && matches!(c.scheme(), "http" | "https") {
        canonical.to_string()
    } else {
        fetched.to_string()
    }
}

/// The article to store (draft plus source facts, keywords and regions) and its near-duplicate
/// signature, all from one pass of `enrich` over title and text.
pub(super) fn build(
    source: &Source,
    c: &Candidate,
    d: Draft,
    watch: &Watchlist,
    now: DateTime<Utc>,
) -> (Article, Signature) {
    let url = if d.url.is_empty() {
        c.url.clone()
    } else {
        d.url
    };
    let title = d
        .title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| url.clone());
    let found = enrich::enrich(watch, &title, &d.text);
    let article = Article {
        id: ArticleId::from_url(&url),
        source_id: source.id.clone(),
        url,
        title,
        kicker: d.kicker,
        published: d.published,
        first_seen: now,
        updated: now,
        author: d.author,
        lang: d.lang,
        summary: d.summary,
        text: d.text,
        tags: enrich::normalize_tags(d.tags),
        keywords: found.keyword_names(),
        level: source.level,
        land: source.land,
        lands_mentioned: found.lands,
        cluster: None,
    };
    (article, found.signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_is_trusted_only_when_specific_and_same_host() {
        let f = "https://a.test/news/1?x=1";
        let l = "https://a.test/news/";
        let cases = [
            ("https://a.test/news/1", "https://a.test/news/1"),
            ("https://a.test/", f),
            ("https://other.test/news/1", f),
            ("https://a.test/news/", f),
            ("not a url", f),
            ("javascript:alert(1)", f),
        ];
        for (canonical, want) in cases {
            assert_eq!(trusted_canonical(canonical, f, l), want, "{canonical}");
        }
    }
}
