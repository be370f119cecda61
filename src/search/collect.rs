//! Collectors that read fast fields of every matching document: the total with facet counts
//! (per source, keyword and Land) and the newest matches, and the (sort time, id) list used
//! by exports and trends.
//!
//! This file owns exact facet counting. Each segment's facet values and sort times are decoded
//! once into a [`SegmentTable`] (kept in [`Tables`] while the segment is searched): every
//! document gets the number of its *combination* of source, keyword set and Land (a segment
//! has a few hundred distinct combinations, not one per document), so counting a match is one
//! array read and one increment, and the combinations are resolved to names once per segment
//! and query. Reading tantivy's columns per match instead (a bit-unpacking and, for the
//! optional Land, a rank lookup per column and document) was 58 % of a broad search. It must
//! never load stored documents.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
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

/// Sort time of a document without one in [`SegmentTable::published`].
const NO_TIME: i64 = i64::MIN;

/// Facet values and sort times of every document of one segment, decoded once.
#[derive(Debug, Default)]
pub struct SegmentTable {
    /// Per document: its combination, an index into `combos`.
    combo: Vec<u32>,
    /// Per combination, for each facet field in [`FACET_FIELDS`] order: the number of values,
    /// then their term ordinals (indices into `names`).
    combos: Vec<Box<[u32]>>,
    /// Per facet field: the names by term ordinal (a keyword set already split into names).
    names: [Vec<Vec<String>>; 3],
    /// Per document: sort time in Unix seconds, [`NO_TIME`] when it has none.
    published: Vec<i64>,
}

impl SegmentTable {
    /// Reads the facet columns and the sort time of every document of `reader` (deleted ones
    /// too: the alive bitset is applied when collecting).
    pub fn build(reader: &SegmentReader) -> tantivy::Result<SegmentTable> {
        let max_doc = reader.max_doc() as usize;
        let fast = reader.fast_fields();
        let mut columns: Vec<Option<StrColumn>> = Vec::with_capacity(FACET_FIELDS.len());
        let mut names: [Vec<Vec<String>>; 3] = Default::default();
        for (field, name) in FACET_FIELDS.into_iter().enumerate() {
            let column = fast.str(name)?;
            if let Some(column) = &column {
                let mut text = String::new();
                for ord in 0..column.num_terms() as u64 {
                    text.clear();
                    column.ord_to_str(ord, &mut text)?;
                    names[field].push(if field == KEYWORD_SET {
                        // A set counts once for each of its names.
                        text.split(KEYWORD_SEP)
                            .filter(|k| !k.is_empty())
                            .map(str::to_string)
                            .collect()
                    } else {
                        vec![text.clone()]
                    });
                }
            }
            columns.push(column);
        }
        let mut combo = Vec::with_capacity(max_doc);
        let mut combos: Vec<Box<[u32]>> = Vec::new();
        let mut known: HashMap<Box<[u32]>, u32> = HashMap::new();
        let mut key: Vec<u32> = Vec::new();
        for doc in 0..max_doc as DocId {
            key.clear();
            for column in &columns {
                let at = key.len();
                key.push(0);
                if let Some(column) = column {
                    for ord in column.term_ords(doc) {
                        key.push(u32::try_from(ord).unwrap_or(u32::MAX));
                    }
                }
                key[at] = (key.len() - at - 1) as u32;
            }
            let next = combos.len() as u32;
            let id = match known.get(key.as_slice()) {
                Some(&id) => id,
                None => {
                    let boxed: Box<[u32]> = key.as_slice().into();
                    known.insert(boxed.clone(), next);
                    combos.push(boxed);
                    next
                }
            };
            combo.push(id);
        }
        let mut published = vec![NO_TIME; max_doc];
        let column: Column<i64> = fast.i64("published")?;
        let docs: Vec<DocId> = (0..max_doc as DocId).collect();
        let mut times = vec![None; BLOCK];
        for (chunk, out) in docs.chunks(BLOCK).zip(published.chunks_mut(BLOCK)) {
            let times = &mut times[..chunk.len()];
            times.fill(None);
            column.first_vals(chunk, times);
            for (o, t) in out.iter_mut().zip(times.iter()) {
                *o = t.unwrap_or(NO_TIME);
            }
        }
        Ok(SegmentTable {
            combo,
            combos,
            names,
            published,
        })
    }

    /// Bytes held on the heap (roughly: names not counted), for logging.
    pub fn heap_bytes(&self) -> usize {
        self.combo.capacity() * 4
            + self.published.capacity() * 8
            + self.combos.iter().map(|c| c.len() * 4 + 16).sum::<usize>()
    }
}

/// The [`SegmentTable`]s of the segments being searched, built on first use. Segments are
/// immutable, so a table stays right for the life of its segment; tables of segments no
/// searcher uses any more are dropped by [`Tables::retain`].
#[derive(Default)]
pub struct Tables {
    map: Mutex<HashMap<SegmentId, Arc<SegmentTable>>>,
}

impl Tables {
    /// The table of `reader`'s segment, built now if it is not known yet. Built outside the
    /// lock: two searches meeting a new segment at once may both build it (same result).
    pub fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentTable>> {
        let id = reader.segment_id();
        if let Some(t) = self.lock().get(&id) {
            return Ok(t.clone());
        }
        let table = Arc::new(SegmentTable::build(reader)?);
        Ok(self.lock().entry(id).or_insert(table).clone())
    }

    /// Drops the tables of segments not in `segments`.
    pub fn retain(&self, segments: &[SegmentReader]) {
        self.lock()
            .retain(|id, _| segments.iter().any(|s| s.segment_id() == *id));
    }

    /// Number of tables held and their bytes (see [`SegmentTable::heap_bytes`]).
    pub fn size(&self) -> (usize, usize) {
        let map = self.lock();
        (map.len(), map.values().map(|t| t.heap_bytes()).sum())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentTable>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

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
/// without scores, reading only the segments' [`SegmentTable`]s, in blocks. Relevance-ordered
/// top hits come from a separate, pruned pass (tantivy's Block-WAND), which never sees most
/// matches.
pub struct TallyCollector<'a> {
    /// Whether to count facets.
    pub facets: bool,
    /// How many of the newest matches to keep (0: none).
    pub newest: usize,
    /// Where the segments' tables come from.
    pub tables: &'a Tables,
}

/// Per-segment part of [`TallyCollector`].
pub struct TallySegment {
    segment: SegmentOrdinal,
    total: usize,
    /// The segment's table, when facets or the newest are asked for.
    table: Option<Arc<SegmentTable>>,
    /// Matches per combination of the table (empty without facets).
    counts: Vec<u32>,
    newest: Newest,
}

/// The newest matches of one segment so far.
struct Newest {
    /// How many to keep (0: none).
    k: usize,
    /// Candidates; pruned to `k` whenever it reaches twice that.
    top: Vec<(i64, DocId)>,
    /// Sort time of the oldest kept candidate once `top` was pruned: older ones cannot enter.
    threshold: Option<i64>,
}

/// Harvest of one segment: total, per-field (name, count) lists, newest candidates.
pub type TallyFruit = (usize, [Vec<(String, u64)>; 3], Vec<(i64, DocAddress)>);

impl Collector for TallyCollector<'_> {
    type Fruit = Tally;
    type Child = TallySegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let table = if self.facets || self.newest > 0 {
            Some(self.tables.get(reader)?)
        } else {
            None
        };
        let counts = match &table {
            Some(t) if self.facets => vec![0; t.combos.len()],
            _ => Vec::new(),
        };
        Ok(TallySegment {
            segment,
            total: 0,
            table,
            counts,
            newest: Newest {
                k: self.newest,
                top: Vec::new(),
                threshold: None,
            },
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

impl Newest {
    fn offer(&mut self, time: i64, doc: DocId) {
        if self.threshold.is_some_and(|t| time < t) {
            return;
        }
        self.top.push((time, doc));
        if self.top.len() >= 2 * self.k {
            self.prune();
        }
    }

    /// Keeps the `k` best candidates (docs arrive in increasing order, so among equal
    /// times the earlier document wins, as in the final order).
    fn prune(&mut self) {
        let k = self.k;
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
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.total += docs.len();
        let Some(table) = self.table.as_deref() else {
            return;
        };
        if !self.counts.is_empty() {
            for &doc in docs {
                if let Some(c) = table
                    .combo
                    .get(doc as usize)
                    .and_then(|&c| self.counts.get_mut(c as usize))
                {
                    *c += 1;
                }
            }
        }
        if self.newest.k > 0 {
            for &doc in docs {
                match table.published.get(doc as usize) {
                    Some(&time) if time != NO_TIME => self.newest.offer(time, doc),
                    _ => {}
                }
            }
        }
    }

    fn harvest(mut self) -> TallyFruit {
        self.newest.prune();
        let mut fields: [Vec<(String, u64)>; 3] = Default::default();
        if let Some(table) = &self.table
            && !self.counts.is_empty()
        {
            // Matches per term ordinal of each field, then per name.
            let mut per_ord: [Vec<u64>; 3] = Default::default();
            for (field, names) in table.names.iter().enumerate() {
                per_ord[field] = vec![0; names.len()];
            }
            for (combo, &n) in self.counts.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                let mut key = &table.combos[combo][..];
                for counts in per_ord.iter_mut() {
                    let Some((&len, rest)) = key.split_first() else {
                        break;
                    };
                    let (ords, rest) = rest.split_at((len as usize).min(rest.len()));
                    for &ord in ords {
                        if let Some(c) = counts.get_mut(ord as usize) {
                            *c += u64::from(n);
                        }
                    }
                    key = rest;
                }
            }
            for (field, (counts, out)) in per_ord.iter().zip(fields.iter_mut()).enumerate() {
                for (ord, &n) in counts.iter().enumerate() {
                    if n > 0 {
                        // Keyword sets: the same name may come from several sets; summed
                        // in merge_fruits.
                        out.extend(table.names[field][ord].iter().map(|name| (name.clone(), n)));
                    }
                }
            }
        }
        let segment = self.segment;
        let top = self
            .newest
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
