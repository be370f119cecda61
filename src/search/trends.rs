//! Trend counts: how many articles match each of several queries per week or month.
//!
//! This file owns the periods (ISO weeks starting Monday, calendar months, of Europe/Berlin days), filling
//! periods without matches with zeros, and the limits on series and periods. Counting reads
//! only the index's fast fields. It must never render anything.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate};

use super::query::{self, Query};
use super::{Index, SearchError};

/// Most series (queries) in one trend.
pub const MAX_SERIES: usize = 8;
/// Most periods in one trend; older periods are cut off.
pub const MAX_PERIODS: usize = 520;

/// Width of one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    /// ISO week, starting Monday.
    Week,
    /// Calendar month.
    #[default]
    Month,
}

impl Period {
    /// Parses `week`/`woche` or `month`/`monat` (empty means month).
    pub fn parse(s: &str) -> Option<Period> {
        match s.trim() {
            "" | "month" | "monat" => Some(Period::Month),
            "week" | "woche" => Some(Period::Week),
            _ => None,
        }
    }

    /// The URL spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// The first day of the period containing `day`.
    pub fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => {
                day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()))
            }
            Period::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// The first day of the period after the one starting at `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => start + chrono::Duration::days(7),
            Period::Month => start.checked_add_months(Months::new(1)).unwrap_or(start),
        }
    }

    /// A short label: `2021-03` for months, `2021-W09` for weeks.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Period::Month => start.format("%Y-%m").to_string(),
            Period::Week => {
                let w = start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
        }
    }
}

/// One query's counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Series {
    /// The query as given (used as label).
    pub label: String,
    /// Matches per period, aligned with [`Trend::periods`].
    pub counts: Vec<u64>,
}

/// Counts of several queries over the same periods.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Trend {
    /// Period width.
    #[serde(skip)]
    pub period: Period,
    /// First day of each period, oldest first, without gaps.
    pub periods: Vec<NaiveDate>,
    /// One series per query, in the order given.
    pub series: Vec<Series>,
}

/// Splits `q` at commas into at most [`MAX_SERIES`] non-blank queries.
pub fn split_series(q: &str) -> Vec<String> {
    q.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(MAX_SERIES)
        .map(str::to_string)
        .collect()
}

/// Counts each of `queries` per `period`, restricted to `base`'s dates (and its expression
/// too, if any: `land:BB` in `base` narrows every series).
pub fn trend(
    index: &Index,
    queries: &[String],
    base: &Query,
    period: Period,
) -> Result<Trend, SearchError> {
    let mut buckets: Vec<BTreeMap<NaiveDate, u64>> = Vec::with_capacity(queries.len());
    for text in queries.iter().take(MAX_SERIES) {
        let mut q = query::parse(text)?;
        q.from = base.from.or(q.from);
        q.to = base.to.or(q.to);
        if let Some(b) = &base.expr {
            q.expr = Some(match q.expr.take() {
                Some(e) => query::Expr::And(vec![e, b.clone()]),
                None => b.clone(),
            });
        }
        let mut counts = BTreeMap::new();
        for (secs, _) in index.matches(&q)? {
            if let Some(t) = DateTime::from_timestamp(secs, 0) {
                *counts
                    .entry(period.start(crate::days::berlin_date(t)))
                    .or_insert(0) += 1;
            }
        }
        buckets.push(counts);
    }
    Ok(fill(queries, &buckets, period))
}

/// Aligns per-query bucket maps on one gap-free period axis of at most [`MAX_PERIODS`].
pub fn fill(labels: &[String], buckets: &[BTreeMap<NaiveDate, u64>], period: Period) -> Trend {
    let first = buckets
        .iter()
        .filter_map(|b| b.keys().next())
        .min()
        .copied();
    let last = buckets
        .iter()
        .filter_map(|b| b.keys().next_back())
        .max()
        .copied();
    let mut periods = Vec::new();
    if let (Some(first), Some(last)) = (first, last) {
        let mut p = first;
        while p <= last {
            periods.push(p);
            let next = period.next(p);
            if next <= p {
                break;
            }
            p = next;
        }
    }
    if periods.len() > MAX_PERIODS {
        periods.drain(..periods.len() - MAX_PERIODS);
    }
    let series = labels
        .iter()
        .zip(buckets)
        .map(|(label, b)| Series {
            label: label.clone(),
            counts: periods
                .iter()
                .map(|p| b.get(p).copied().unwrap_or(0))
                .collect(),
        })
        .collect();
    Trend {
        period,
        periods,
        series,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn periods_start_on_monday_and_the_first() {
        assert_eq!(Period::Week.start(day("2021-03-04")), day("2021-03-01"));
        assert_eq!(Period::Week.start(day("2021-03-01")), day("2021-03-01"));
        assert_eq!(Period::Month.start(day("2021-03-31")), day("2021-03-01"));
        assert_eq!(Period::Week.label(day("2021-03-01")), "2021-W09");
        assert_eq!(Period::Month.label(day("2021-03-01")), "2021-03");
        assert_eq!(Period::Month.next(day("2021-12-01")), day("2022-01-01"));
    }

    #[test]
    fn gaps_are_filled_with_zeros() {
        let a = BTreeMap::from([(day("2021-01-01"), 2), (day("2021-03-01"), 1)]);
        let b = BTreeMap::from([(day("2021-02-01"), 5)]);
        let t = fill(&["a".into(), "b".into()], &[a, b], Period::Month);
        assert_eq!(
            t.periods,
            vec![day("2021-01-01"), day("2021-02-01"), day("2021-03-01")]
        );
        assert_eq!(t.series[0].counts, vec![2, 0, 1]);
        assert_eq!(t.series[1].counts, vec![0, 5, 0]);
        let empty = fill(&["x".into()], &[BTreeMap::new()], Period::Week);
        assert!(empty.periods.is_empty() && empty.series[0].counts.is_empty());
    }

    #[test]
    fn series_are_split_and_bounded() {
        assert_eq!(
            split_series(" OZG, ,Registermodernisierung,"),
            vec!["OZG", "Registermodernisierung"]
        );
        assert_eq!(split_series(&"a,".repeat(20)).len(), MAX_SERIES);
    }
}
