//! The parameters every search route reads: `q`, `from`, `to`, `sort`, `page`, `per_page` and
//! `by`, parsed with limits and German messages, and the links and cache keys made from them.
//!
//! This file owns turning the raw query string into typed values; a malformed value is a 400
//! saying what is allowed, never a 500. It must never run a search.

use chrono::NaiveDate;

use crate::search::export::{self, CsvStyle};
use crate::search::trends::Period;
use crate::search::{MAX_LIMIT, MAX_OFFSET, Query, Sort, query};
use crate::web::error::WebError;
use crate::web::paths::SearchLink;

/// Hits per HTML page (and the default page size of `/api/search`).
pub const PER_PAGE: usize = 20;

/// The request parameters shared by every route here.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// The query text as typed (comma-separated series for the trends).
    pub q: String,
    /// The form's `from` date (first day).
    pub from: Option<NaiveDate>,
    /// The form's `to` date (last day).
    pub to: Option<NaiveDate>,
    /// The explicit sort order, if one was asked for.
    pub sort: Option<Sort>,
    /// 1-based page number.
    pub page: usize,
    /// Hits per page (`/api/search` only).
    pub per_page: Option<usize>,
    /// The trend period.
    pub by: Period,
    /// CSV field separator (`sep=;` for a German Excel; `,` by default).
    pub sep: Option<char>,
    /// Spreadsheet exports carry the article text (`text=1`).
    pub text: bool,
}

impl Params {
    /// Parses the raw query string; unknown parameters are ignored, bad values are a 400.
    pub fn parse(raw: Option<&str>) -> Result<Params, WebError> {
        let mut p = Params {
            page: 1,
            ..Params::default()
        };
        let bad = |e: query::QueryError| WebError::BadRequest(e.to_string());
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let v = value.trim();
            match key.as_ref() {
                "q" => p.q = value.into_owned(),
                "from" if !v.is_empty() => p.from = Some(query::parse_date(v, false).map_err(bad)?),
                "to" if !v.is_empty() => p.to = Some(query::parse_date(v, true).map_err(bad)?),
                "sort" => p.sort = Some(Sort::parse(v).map_err(bad)?),
                "page" if !v.is_empty() => {
                    p.page = number(v, "Seitenzahl", 1, MAX_OFFSET / PER_PAGE + 1)?
                }
                "per_page" if !v.is_empty() => {
                    p.per_page = Some(number(v, "Anzahl pro Seite", 1, MAX_LIMIT)?)
                }
                "by" => {
                    p.by = Period::parse(v).ok_or_else(|| {
                        WebError::BadRequest("Zeitraster „by“: möglich sind week und month.".into())
                    })?
                }
                "sep" if !v.is_empty() => {
                    p.sep = Some(export::parse_delimiter(value.as_ref()).ok_or_else(|| {
                        WebError::BadRequest(
                            "Trennzeichen „sep“: möglich sind , ; | und tab (für ein deutsches Excel: sep=%3B)."
                                .into(),
                        )
                    })?)
                }
                "text" => {
                    p.text = match v {
                        "" | "0" | "false" | "nein" => false,
                        "1" | "true" | "ja" => true,
                        _ => {
                            return Err(WebError::BadRequest(
                                "„text“: möglich sind 1 (mit Volltext) und 0.".into(),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(p)
    }

    /// The parsed query with the form's dates (which win over `from:`/`to:` in the text).
    pub fn query(&self, default_sort: Sort) -> Result<Query, WebError> {
        let mut q = query::parse(&self.q).map_err(|e| WebError::BadRequest(e.to_string()))?;
        q.from = self.from.or(q.from);
        q.to = self.to.or(q.to);
        if let (Some(f), Some(t)) = (q.from, q.to)
            && f > t
        {
            return Err(WebError::BadRequest(
                query::QueryError::EmptyRange(f, t).to_string(),
            ));
        }
        q.sort = self.sort.unwrap_or(default_sort);
        Ok(q)
    }

    /// How a CSV answer is written: `sep` (default `,`) and `text`.
    pub fn csv_style(&self) -> CsvStyle {
        CsvStyle {
            delimiter: self.sep.unwrap_or(','),
            with_text: self.text,
        }
    }

    /// The search link with these parameters (see [`SearchLink::href`]).
    pub fn link(&self) -> SearchLink<'_> {
        SearchLink {
            q: &self.q,
            from: self.from,
            to: self.to,
            sort: self.sort.map(Sort::as_str),
        }
    }

    /// `path?q=…&from=…&to=…&sort=…[&page=n]` with only the non-default parameters.
    pub fn href(&self, path: &str, page: Option<usize>) -> String {
        self.link().href(path, page)
    }
}

/// The search cache's key for a GET of `route` with the query string `raw`: the route, then
/// every parameter that route reads, parsed (so spellings that give the same response share
/// one entry: `page=1` or none, `from=2020` or `from=2020-01-01`, parameters in any order or
/// unknown ones added). `None` for other routes and for parameters that do not parse (those
/// are a cheap 400). The query text stays as typed: the page shows it.
pub fn cache_key(route: &str, raw: Option<&str>) -> Option<String> {
    let p = Params::parse(raw).ok()?;
    let dates = (p.from, p.to);
    Some(match route {
        "/search" => format!("{route} {:?}", (&p.q, dates, p.sort, p.page)),
        "/search.rss" | "/search.atom" => format!("{route} {:?}", (&p.q, dates, p.sort)),
        "/search.csv" => format!("{route} {:?}", (&p.q, dates, p.csv_style())),
        "/search.xlsx" => format!("{route} {:?}", (&p.q, dates, p.text)),
        "/api/search" => format!("{route} {:?}", (&p.q, dates, p.sort, p.page, p.per_page)),
        "/trends" => format!("{route} {:?}", (&p.q, dates, p.by)),
        "/trends.csv" => format!("{route} {:?}", (&p.q, dates, p.by, p.sep)),
        _ => return None,
    })
}

fn number(value: &str, what: &str, min: usize, max: usize) -> Result<usize, WebError> {
    match value.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(WebError::BadRequest(format!(
            "Ungültige {what}: erlaubt sind ganze Zahlen von {min} bis {max}."
        ))),
    }
}

/// The page title of a search for `q` (`Suche: …`, at most 80 characters of the query).
pub fn heading(q: &str) -> String {
    let q = q.trim();
    if q.is_empty() {
        "Suche".to_string()
    } else {
        format!("Suche: {}", q.chars().take(80).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_bounded() {
        assert!(Params::parse(Some("page=0")).is_err());
        assert!(Params::parse(Some("per_page=101")).is_err());
        assert!(Params::parse(Some("from=gestern")).is_err());
        assert!(Params::parse(Some("by=day")).is_err());
        assert!(Params::parse(Some("sort=size")).is_err());
        let p = Params::parse(Some("q=OZG&from=2020&to=2021-06&by=week&sort=date")).expect("ok");
        assert_eq!(p.by, Period::Week);
        assert_eq!(p.to.map(|d| d.to_string()).as_deref(), Some("2021-06-30"));
        assert!(p.query(Sort::Relevance).is_ok());
        let bad = Params::parse(Some("q=a&from=2022&to=2020")).expect("parses");
        assert!(bad.query(Sort::Date).is_err());
    }
}
