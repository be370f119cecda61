//! Turning a parsed [`Query`] into a tantivy query over the schema.
//!
//! This file owns the meaning of each query element on the index: a word or phrase is looked
//! up in the German and the English fields (each analysed with its own language), title hits
//! weigh more than kicker and text hits, field filters and dates do not change the score. It
//! must never parse user text itself (that is [`super::query`]).

use std::ops::Bound;

use chrono::NaiveDate;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field as TField, IndexRecordOption};

use super::query::{Expr, Field, Query as Search};
use super::schema::{Fields, Lang, terms};

/// Weight of a title match relative to a text match.
const TITLE_BOOST: f32 = 3.0;
/// Weight of a kicker match relative to a text match.
const KICKER_BOOST: f32 = 1.5;

/// The tantivy query for `q` (expression, dates); matches everything when `q` is empty.
pub fn compile(fields: &Fields, q: &Search) -> Box<dyn Query> {
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(expr) = &q.expr {
        must.push((Occur::Must, expr_query(fields, expr)));
    }
    if let Some(range) = date_range(fields, q.from, q.to) {
        must.push((Occur::Must, range));
    }
    match must.len() {
        0 => Box::new(AllQuery),
        1 => must
            .pop()
            .map(|(_, q)| q)
            .unwrap_or_else(|| Box::new(AllQuery)),
        _ => Box::new(BooleanQuery::new(must)),
    }
}

fn expr_query(fields: &Fields, expr: &Expr) -> Box<dyn Query> {
    match expr {
        Expr::Word(text) | Expr::Phrase(text) => text_query(fields, text),
        Expr::Field(field, value) => {
            let term = Term::from_field_text(filter_field(fields, *field), value);
            Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                0.0,
            ))
        }
        Expr::And(parts) => {
            // A stray `&` or `–` between words has no terms; it must not empty the result.
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = parts
                .iter()
                .filter(|p| !is_termless(p))
                .map(|p| match p {
                    Expr::Not(inner) => (Occur::MustNot, expr_query(fields, inner)),
                    other => (Occur::Must, expr_query(fields, other)),
                })
                .collect();
            if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                clauses.push((Occur::Must, Box::new(AllQuery)));
            }
            Box::new(BooleanQuery::new(clauses))
        }
        Expr::Or(parts) => Box::new(BooleanQuery::new(
            parts
                .iter()
                .map(|p| (Occur::Should, expr_query(fields, p)))
                .collect(),
        )),
        Expr::Not(inner) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
            (Occur::MustNot, expr_query(fields, inner)),
        ])),
    }
}

/// True for a word or phrase that analyses to no term in either language (only punctuation).
fn is_termless(expr: &Expr) -> bool {
    match expr {
        Expr::Word(t) | Expr::Phrase(t) => {
            terms(Lang::De, t).is_empty() && terms(Lang::En, t).is_empty()
        }
        _ => false,
    }
}

/// A word or phrase in any text field of either language. Text that analyses to no term at all
/// (only punctuation) matches nothing.
fn text_query(fields: &Fields, text: &str) -> Box<dyn Query> {
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for lang in [Lang::De, Lang::En] {
        let analysed = terms(lang, text);
        if analysed.is_empty() {
            continue;
        }
        let t = fields.text(lang);
        for (field, boost) in [
            (t.title, TITLE_BOOST),
            (t.kicker, KICKER_BOOST),
            (t.text, 1.0),
        ] {
            let q = field_query(field, &analysed);
            let q: Box<dyn Query> = if boost == 1.0 {
                q
            } else {
                Box::new(BoostQuery::new(q, boost))
            };
            any.push((Occur::Should, q));
        }
    }
    if any.is_empty() {
        return Box::new(EmptyQuery);
    }
    Box::new(BooleanQuery::new(any))
}

/// One term, or the terms as a phrase at their positions.
fn field_query(field: TField, analysed: &[(usize, String)]) -> Box<dyn Query> {
    if let [(_, only)] = analysed {
        return Box::new(TermQuery::new(
            Term::from_field_text(field, only),
            IndexRecordOption::WithFreqs,
        ));
    }
    let first = analysed.first().map_or(0, |(p, _)| *p);
    Box::new(PhraseQuery::new_with_offset(
        analysed
            .iter()
            .map(|(pos, t)| (pos - first, Term::from_field_text(field, t)))
            .collect(),
    ))
}

fn filter_field(fields: &Fields, field: Field) -> TField {
    match field {
        Field::Keyword => fields.keyword,
        Field::Tag => fields.tag,
        Field::Source => fields.source,
        Field::Land => fields.land,
        Field::Mentions => fields.mentions,
        Field::Level => fields.level,
        Field::Lang => fields.lang,
    }
}

/// `[from 00:00, the day after to 00:00)` on the sort time, both Europe/Berlin midnights
/// ([`crate::days`]): a release at 00:30 Berlin time on the 11th is found by `from:…-11`.
fn date_range(
    fields: &Fields,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Option<Box<dyn Query>> {
    if from.is_none() && to.is_none() {
        return None;
    }
    let secs = |d: NaiveDate| crate::days::berlin_midnight(d).timestamp();
    let lower = match from {
        Some(d) => Bound::Included(Term::from_field_i64(fields.published, secs(d))),
        None => Bound::Unbounded,
    };
    let upper = match to.and_then(|d| d.succ_opt()) {
        Some(d) => Bound::Excluded(Term::from_field_i64(fields.published, secs(d))),
        None => Bound::Unbounded,
    };
    Some(Box::new(ConstScoreQuery::new(
        Box::new(RangeQuery::new(lower, upper)),
        0.0,
    )))
}

/// True when tantivy can find the best-scored hits of `q` without scoring every match
/// (Block-WAND): a single word (one term per language, so a union of term queries), no
/// dates. Then the top hits and the tally (total, facets) are cheaper as two passes; for
/// anything else both passes would walk every match, so one pass does both.
pub fn prunable(q: &Search) -> bool {
    q.from.is_none()
        && q.to.is_none()
        && matches!(&q.expr, Some(Expr::Word(w))
            if terms(Lang::De, w).len() == 1 && terms(Lang::En, w).len() <= 1)
}
