//! Collectors that read fast fields of every matching document: the total with facet counts
//! (per source, keyword and Land) and the newest matches, and the (sort time, id) list used
//! by exports and trends.
//!
//! This file owns per-segment counting by term ordinal, resolved to strings once per segment,
//! so counting stays cheap when a query matches most of the corpus. It must never load stored
//! documents.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::schema::KEYWORD_SEP;

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
const FACET_FIELDS: [&str; 3] = ["source", "keyword_set", "land"];
/// Position of the keyword field in [`FACET_FIELDS`]: its values are sets of names.
const KEYWORD_SET: usize = 1;

/// Documents a block-wise pass reads at once (tantivy hands out blocks of up to 64).
const BLOCK: usize = 64;

/// What one pass over all matches gathers: always the total; facet counts and the newest
/// hits when asked for.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Number of matching documents.
    pub total: usize,
    /// Counts per source, keyword and Land (empty unless asked for).
    pub facets: Facets,
    /// The newest matches (sort time in Unix seconds, address), newest first, ties by
    /// address; at most the `newest` asked for.
    pub newest: Vec<(i64, DocAddress)>,
}

/// Counts matches, and with `facets` counts them per source, keyword and Land, and with
/// `newest > 0` keeps the `newest` most recent by sort time: one pass over every match,
/// without scores, reading only fast fields, in blocks. Relevance-ordered top hits come
/// from a separate, pruned pass (tantivy's Block-WAND), which never sees most matches.
pub struct TallyCollector {
    /// Whether to count facets.
    pub facets: bool,
    /// How many of the newest matches to keep (0: none).
    pub newest: usize,
}

/// One facet column of one segment, with a counter per term ordinal.
struct FacetColumn {
    column: StrColumn,
    /// At most one value per document: read a block at once.
    single: bool,
    counts: Vec<u64>,
}

/// Per-segment part of [`TallyCollector`].
pub struct TallySegment {
    segment: SegmentOrdinal,
    total: usize,
    columns: Vec<Option<FacetColumn>>,
    ords: Vec<Option<u64>>,
    published: Option<Column<i64>>,
    times: Vec<Option<i64>>,
    newest: usize,
    /// Candidates for the newest; pruned to `newest` whenever it reaches twice that.
    top: Vec<(i64, DocId)>,
    /// Sort time of the oldest kept candidate once `top` was pruned: older ones cannot enter.
    threshold: Option<i64>,
}

/// Harvest of one segment: total, per-field (name, count) lists, newest candidates.
pub type TallyFruit = (usize, [Vec<(String, u64)>; 3], Vec<(i64, DocAddress)>);

impl Collector for TallyCollector {
    type Fruit = Tally;
    type Child = TallySegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let mut columns = Vec::with_capacity(FACET_FIELDS.len());
        if self.facets {
            for name in FACET_FIELDS {
                let column = reader.fast_fields().str(name)?;
                columns.push(column.map(|column| FacetColumn {
                    single: column.ords().get_cardinality() != Cardinality::Multivalued,
                    counts: vec![0; column.num_terms()],
                    column,
                }));
            }
        }
        let published = if self.newest > 0 {
            Some(reader.fast_fields().i64("published")?)
        } else {
            None
        };
        Ok(TallySegment {
            segment,
            total: 0,
            columns,
            ords: vec![None; BLOCK],
            published,
            times: vec![None; BLOCK],
            newest: self.newest,
            top: Vec::new(),
            threshold: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    /// Block-wise even in segments with deleted documents (tantivy's default falls back to
    /// one call per document there, and a served index collects deletions as articles are
    /// updated).
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<TallyFruit> {
        let mut child = self.for_segment(segment, reader)?;
        match reader.alive_bitset() {
            None => weight.for_each_no_score(reader, &mut |docs| child.collect_block(docs))?,
            Some(alive) => {
                let mut live = Vec::with_capacity(BLOCK);
                weight.for_each_no_score(reader, &mut |docs| {
                    live.clear();
                    live.extend(docs.iter().copied().filter(|&d| alive.is_alive(d)));
                    child.collect_block(&live);
                })?;
            }
        }
        Ok(child.harvest())
    }

    fn merge_fruits(&self, fruits: Vec<TallyFruit>) -> tantivy::Result<Tally> {
        let mut total = 0;
        let mut counts: [HashMap<String, u64>; 3] = Default::default();
        let mut newest = Vec::new();
        for (n, fields, top) in fruits {
            total += n;
            for (into, from) in counts.iter_mut().zip(fields) {
                for (k, v) in from {
                    *into.entry(k).or_default() += v;
                }
            }
            newest.extend(top);
        }
        newest.sort_unstable_by(newest_first);
        newest.truncate(self.newest);
        let [sources, keywords, lands] = counts.map(sorted);
        Ok(Tally {
            total,
            facets: Facets {
                sources,
                keywords,
                lands,
            },
            newest,
        })
    }
}

/// Newest first, ties by address (segment, then document), so pages are stable.
fn newest_first(a: &(i64, DocAddress), b: &(i64, DocAddress)) -> std::cmp::Ordering {
    b.0.cmp(&a.0)
        .then_with(|| (a.1.segment_ord, a.1.doc_id).cmp(&(b.1.segment_ord, b.1.doc_id)))
}

impl TallySegment {
    fn offer(&mut self, time: i64, doc: DocId) {
        if self.threshold.is_some_and(|t| time < t) {
            return;
        }
        self.top.push((time, doc));
        if self.top.len() >= 2 * self.newest {
            self.prune();
        }
    }

    /// Keeps the `newest` best candidates (docs arrive in increasing order, so among equal
    /// times the earlier document wins, as in the final order).
    fn prune(&mut self) {
        let k = self.newest;
        if k == 0 {
            self.top.clear();
        } else if self.top.len() > k {
            self.top
                .select_nth_unstable_by(k - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            self.top.truncate(k);
            self.threshold = self.top.iter().map(|(t, _)| *t).min();
        }
    }
}

impl SegmentCollector for TallySegment {
    type Fruit = TallyFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.total += 1;
        for col in self.columns.iter_mut().flatten() {
            for ord in col.column.term_ords(doc) {
                if let Some(c) = usize::try_from(ord)
                    .ok()
                    .and_then(|o| col.counts.get_mut(o))
                {
                    *c += 1;
                }
            }
        }
        if let Some(time) = self.published.as_ref().and_then(|p| p.first(doc)) {
            self.offer(time, doc);
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        if docs.len() > BLOCK {
            for chunk in docs.chunks(BLOCK) {
                self.collect_block(chunk);
            }
            return;
        }
        self.total += docs.len();
        for col in self.columns.iter_mut().flatten() {
            if col.single {
                let ords = &mut self.ords[..docs.len()];
                ords.fill(None);
                col.column.ords().first_vals(docs, ords);
                for ord in ords.iter().flatten() {
                    if let Some(c) = usize::try_from(*ord)
                        .ok()
                        .and_then(|o| col.counts.get_mut(o))
                    {
                        *c += 1;
                    }
                }
            } else {
                for &doc in docs {
                    for ord in col.column.term_ords(doc) {
                        if let Some(c) = usize::try_from(ord)
                            .ok()
                            .and_then(|o| col.counts.get_mut(o))
                        {
                            *c += 1;
                        }
                    }
                }
            }
        }
        if let Some(published) = self.published.take() {
            let mut times = std::mem::take(&mut self.times);
            let times_now = &mut times[..docs.len()];
            times_now.fill(None);
            published.first_vals(docs, times_now);
            for (&doc, time) in docs.iter().zip(times_now.iter()) {
                if let Some(time) = *time {
                    self.offer(time, doc);
                }
            }
            self.times = times;
            self.published = Some(published);
        }
    }

    fn harvest(mut self) -> TallyFruit {
        self.prune();
        let mut fields: [Vec<(String, u64)>; 3] = Default::default();
        for (field, (col, out)) in self.columns.iter().zip(fields.iter_mut()).enumerate() {
            let Some(col) = col else { continue };
            let mut name = String::new();
            for (ord, &n) in col.counts.iter().enumerate() {
                if n == 0
                    || !col
                        .column
                        .ord_to_str(ord as u64, &mut name)
                        .unwrap_or(false)
                {
                    continue;
                }
                if field == KEYWORD_SET {
                    // A set counts once for each of its names (summed in merge_fruits).
                    out.extend(
                        name.split(KEYWORD_SEP)
                            .filter(|k| !k.is_empty())
                            .map(|k| (k.to_string(), n)),
                    );
                } else {
                    out.push((name.clone(), n));
                }
            }
        }
        let segment = self.segment;
        let top = self
            .top
            .into_iter()
            .map(|(t, doc)| (t, DocAddress::new(segment, doc)))
            .collect();
        (self.total, fields, top)
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
