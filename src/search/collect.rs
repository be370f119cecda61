//! Collectors that read fast fields of every matching document: facet counts (per source,
//! keyword and Land) and the (sort time, id) list used by exports and trends.
//!
//! This file owns per-segment counting by term ordinal, resolved to strings once per segment,
//! so counting stays cheap when a query matches most of the corpus. It must never load stored
//! documents.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Facet counts of one field, most frequent first (ties by name).
pub type Counts = Vec<(String, u64)>;

/// Counts per source, keyword and Land of all documents matching a query.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Facets {
    /// Articles per source id.
    pub sources: Counts,
    /// Articles per watched keyword (as written in the watchlist).
    pub keywords: Counts,
    /// Articles per Land of the source (two-letter code).
    pub lands: Counts,
}

/// Facet fields, in the order of [`Facets`].
const FACET_FIELDS: [&str; 3] = ["source", "keyword_name", "land"];

/// Collects [`Facets`]; with `false`, collects nothing (empty facets).
pub struct FacetCollector(pub bool);

/// Per-segment part of [`FacetCollector`].
pub struct FacetSegment {
    columns: Vec<Option<StrColumn>>,
    counts: Vec<Vec<u64>>,
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let mut columns = Vec::with_capacity(FACET_FIELDS.len());
        let mut counts = Vec::with_capacity(FACET_FIELDS.len());
        let wanted = if self.0 { &FACET_FIELDS[..] } else { &[] };
        for name in wanted {
            let col = reader.fast_fields().str(name)?;
            counts.push(vec![0; col.as_ref().map_or(0, |c| c.num_terms())]);
            columns.push(col);
        }
        Ok(FacetSegment { columns, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<[HashMap<String, u64>; 3]>) -> tantivy::Result<Facets> {
        let mut total: [HashMap<String, u64>; 3] = Default::default();
        for fruit in fruits {
            for (into, from) in total.iter_mut().zip(fruit) {
                for (k, v) in from {
                    *into.entry(k).or_default() += v;
                }
            }
        }
        let [sources, keywords, lands] = total.map(sorted);
        Ok(Facets {
            sources,
            keywords,
            lands,
        })
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = [HashMap<String, u64>; 3];

    fn collect(&mut self, doc: DocId, _: Score) {
        for (col, counts) in self.columns.iter().zip(self.counts.iter_mut()) {
            if let Some(col) = col {
                for ord in col.term_ords(doc) {
                    if let Some(c) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
                        *c += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut out: [HashMap<String, u64>; 3] = Default::default();
        for ((col, counts), map) in self.columns.iter().zip(self.counts).zip(out.iter_mut()) {
            let Some(col) = col else { continue };
            let mut name = String::new();
            for (ord, n) in counts.into_iter().enumerate() {
                if n > 0 && col.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                    map.insert(name.clone(), n);
                }
            }
        }
        out
    }
}

fn sorted(map: HashMap<String, u64>) -> Counts {
    let mut v: Counts = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Collects (sort time in Unix seconds, article id) of every matching document.
pub struct MatchCollector;

/// Per-segment part of [`MatchCollector`].
pub struct MatchSegment {
    published: Column<i64>,
    id: Column<u64>,
    out: Vec<(i64, u64)>,
}

impl Collector for MatchCollector {
    type Fruit = Vec<(i64, u64)>;
    type Child = MatchSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(MatchSegment {
            published: reader.fast_fields().i64("published")?,
            id: reader.fast_fields().u64("id")?,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(i64, u64)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for MatchSegment {
    type Fruit = Vec<(i64, u64)>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let (Some(t), Some(id)) = (self.published.first(doc), self.id.first(doc)) {
            self.out.push((t, id));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.out
    }
}
