//! `/search`: the HTML results page with snippets, facets and paging.
//!
//! This file owns the page's view model and handler. Snippet HTML comes from
//! [`crate::search::mark`], which escapes everything and only adds its own `<b>`; it is the one
//! value the template does not escape again.

use std::sync::Arc;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Html;

use super::facets::{FacetGroup, facet_groups};
use super::params::{PER_PAGE, Params, heading};
use super::slots::with_index;
use crate::search::{Facets, Hit, Hits, MAX_OFFSET, Sort};
use crate::web::error::WebError;
use crate::web::paths::article_path;
use crate::web::paths::trends_path;
use crate::web::state::AppState;
use crate::web::templates::Layout;
use crate::web::view::{Card, Chip, source_name};

/// One hit on the results page.
pub struct HitView {
    /// Title, source, date, keywords, links.
    pub card: Card,
    /// Escaped text with `<b>` marks (safe to insert as HTML).
    pub snippet_html: String,
    /// The other hits of this page that report the same story (collapsed under this one, the
    /// best-ranked): links to their article pages, labelled with their source.
    pub more: Vec<Chip>,
}

/// The page's hits with each story shown once: a hit whose story cluster already has a hit
/// higher up on this page is folded into that hit's `more` ("n weitere Berichte"). Collapsing is
/// per page; the total and the paging still count articles.
fn collapse_stories(items: Vec<Hit>, sources: &[crate::model::Source]) -> Vec<HitView> {
    let mut out: Vec<HitView> = Vec::with_capacity(items.len());
    let mut by_cluster: std::collections::HashMap<crate::model::ArticleId, usize> =
        std::collections::HashMap::new();
    for h in items {
        let Some(article) = h.article else { continue };
        if let Some(cluster) = article.cluster {
            if let Some(&at) = by_cluster.get(&cluster) {
                out[at].more.push(Chip {
                    label: source_name(&article.source_id, sources),
                    href: article_path(&article),
                });
                continue;
            }
            by_cluster.insert(cluster, out.len());
        }
        out.push(HitView {
            card: Card::new(&article, sources),
            snippet_html: h.snippet_html,
            more: Vec::new(),
        });
    }
    out
}

/// `/search`.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    /// Frame.
    pub layout: Layout,
    /// The query text as typed.
    pub q: String,
    /// The `from` form field.
    pub from: String,
    /// The `to` form field.
    pub to: String,
    /// True when sorted by date.
    pub by_date: bool,
    /// True when a search ran (not just the empty form).
    pub searched: bool,
    /// Matching articles.
    pub total: usize,
    /// This page's hits.
    pub hits: Vec<HitView>,
    /// Facet groups.
    pub facets: Vec<FacetGroup>,
    /// Previous page link.
    pub newer: Option<String>,
    /// Next page link.
    pub older: Option<String>,
    /// Current page.
    pub page: usize,
    /// Same search as RSS.
    pub rss_href: String,
    /// Same search as Atom.
    pub atom_href: String,
    /// Same search as CSV.
    pub csv_href: String,
    /// Same search as CSV for a German Excel (`;`-separated, with the text).
    pub csv_de_href: String,
    /// Same search as an Excel workbook.
    pub xlsx_href: String,
    /// Same search as JSON.
    pub json_href: String,
    /// Same search as a trend chart.
    pub trends_href: String,
}

/// `/search`: the form, and once something was asked, one page of hits with facets.
pub async fn page(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, WebError> {
    let p = Params::parse(raw.as_deref())?;
    let searched = !p.q.trim().is_empty() || p.from.is_some() || p.to.is_some();
    let q = p.query(Sort::Relevance)?;
    let offset = (p.page - 1) * PER_PAGE;
    let hits = if searched {
        with_index(&state, move |i| i.search(&q, offset, PER_PAGE)).await?
    } else {
        Hits {
            total: 0,
            items: Vec::new(),
            facets: Facets::default(),
        }
    };
    let mut layout = Layout::new(&state.site_title, &heading(&p.q), None);
    if searched {
        layout.feed_rss = Some(p.href("/search.rss", None));
        layout.feed_atom = Some(p.href("/search.atom", None));
    }
    let template = SearchPage {
        layout,
        q: p.q.clone(),
        from: p.from.map(|d| d.to_string()).unwrap_or_default(),
        to: p.to.map(|d| d.to_string()).unwrap_or_default(),
        by_date: p.sort == Some(Sort::Date),
        searched,
        total: hits.total,
        facets: facet_groups(&hits.facets, &p, &state),
        hits: collapse_stories(hits.items, &state.sources),
        newer: (p.page > 1).then(|| p.href("/search", Some(p.page - 1))),
        older: (offset + PER_PAGE < hits.total && offset + PER_PAGE <= MAX_OFFSET)
            .then(|| p.href("/search", Some(p.page + 1))),
        page: p.page,
        rss_href: p.href("/search.rss", None),
        atom_href: p.href("/search.atom", None),
        csv_href: p.href("/search.csv", None),
        csv_de_href: format!("{}&sep=%3B&text=1", p.href("/search.csv", None)),
        xlsx_href: p.href("/search.xlsx", None),
        json_href: p.href("/api/search", None),
        trends_href: trends_path(&p.q),
    };
    Ok(Html(template.render()?))
}
