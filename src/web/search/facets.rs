//! The facets beside the search results: per source, keyword and Land, the number of matches
//! and a link that narrows the search to that value.
//!
//! This file owns the facets' view model. It must never run a search.

use super::params::Params;
use crate::model::Land;
use crate::search::Facets;
use crate::web::state::AppState;
use crate::web::view::source_name;

/// Facet values shown per group.
const FACET_ITEMS: usize = 12;

/// A facet value with its count and the link that narrows the search to it.
pub struct FacetLink {
    /// Shown name.
    pub label: String,
    /// Matching articles.
    pub count: u64,
    /// The current search plus this filter.
    pub href: String,
}

/// A group of facet values.
pub struct FacetGroup {
    /// Heading (`Quellen`).
    pub title: &'static str,
    /// Values, most frequent first.
    pub items: Vec<FacetLink>,
}

/// The non-empty facet groups of `f`, each value linking to the search `p` narrowed to it.
pub fn facet_groups(f: &Facets, p: &Params, state: &AppState) -> Vec<FacetGroup> {
    let narrow = |filter: String| {
        let mut p = p.clone();
        p.q = format!("{} {filter}", p.q.trim()).trim().to_string();
        p.href("/search", None)
    };
    let quoted = |v: &str| {
        if v.contains(char::is_whitespace) || v.contains('"') {
            format!("\"{}\"", v.replace('"', ""))
        } else {
            v.to_string()
        }
    };
    let group =
        |title, counts: &[(String, u64)], label: &dyn Fn(&str) -> String, field: &str| FacetGroup {
            title,
            items: counts
                .iter()
                .take(FACET_ITEMS)
                .map(|(v, n)| FacetLink {
                    label: label(v),
                    count: *n,
                    href: narrow(format!("{field}:{}", quoted(v))),
                })
                .collect(),
        };
    vec![
        group(
            "Quellen",
            &f.sources,
            &|v| source_name(v, &state.sources),
            "source",
        ),
        group("Stichwörter", &f.keywords, &|v| v.to_string(), "keyword"),
        group(
            "Länder",
            &f.lands,
            &|v| Land::parse(v).map_or_else(|| v.to_string(), |l| l.name().to_string()),
            "land",
        ),
    ]
    .into_iter()
    .filter(|g| !g.items.is_empty())
    .collect()
}
