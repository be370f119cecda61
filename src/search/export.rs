//! Export rows for researchers: one article as a CSV row or a JSON line, and the CSV quoting.
//!
//! This file owns the column set and its escaping (RFC 4180 quoting; cells that a spreadsheet
//! would run as a formula get a leading `'`). It is pure: callers stream rows one at a time, so
//! an export never holds more than one article.

use serde::Serialize;

use crate::model::Article;

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 12] = [
    "id",
    "published",
    "source",
    "title",
    "kicker",
    "url",
    "keywords",
    "tags",
    "land",
    "mentions",
    "level",
    "lang",
];

/// The CSV header line, with CRLF.
pub fn csv_header() -> String {
    let mut line = CSV_COLUMNS.join(",");
    line.push_str("\r\n");
    line
}

/// One article as a CSV line (CRLF-terminated); lists are joined with `; `.
pub fn csv_row(a: &Article) -> String {
    let cells = [
        a.id.to_string(),
        a.sort_time()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        a.source_id.clone(),
        a.title.clone(),
        a.kicker.clone().unwrap_or_default(),
        a.url.clone(),
        a.keywords.join("; "),
        a.tags.join("; "),
        a.land.map(|l| l.code().to_string()).unwrap_or_default(),
        a.lands_mentioned
            .iter()
            .map(|l| l.code())
            .collect::<Vec<_>>()
            .join("; "),
        a.level.as_str().to_string(),
        a.lang.clone().unwrap_or_default(),
    ];
    csv_line(cells.iter().map(String::as_str))
}

/// Cells joined into one CSV line (CRLF-terminated), each quoted when needed.
pub fn csv_line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_cell(&mut out, cell);
    }
    out.push_str("\r\n");
    out
}

/// Appends one cell: quoted when it holds `,`, `"`, CR or LF; prefixed with `'` when it starts
/// like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR).
pub fn csv_cell(out: &mut String, cell: &str) {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || cell.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in cell.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

/// The JSON form of one exported article.
#[derive(Debug, Serialize)]
pub struct JsonArticle<'a> {
    /// Article id (16 hex digits).
    pub id: String,
    /// Publication date, else first seen (RFC 3339).
    pub published: String,
    /// Source id.
    pub source: &'a str,
    /// Headline.
    pub title: &'a str,
    /// Kicker.
    pub kicker: Option<&'a str>,
    /// Canonical URL of the original.
    pub url: &'a str,
    /// Author.
    pub author: Option<&'a str>,
    /// Summary.
    pub summary: Option<&'a str>,
    /// Main text.
    pub text: &'a str,
    /// Watched keywords.
    pub keywords: &'a [String],
    /// Site tags.
    pub tags: &'a [String],
    /// Land of the source.
    pub land: Option<&'static str>,
    /// Länder mentioned.
    pub mentions: Vec<&'static str>,
    /// Level of the source.
    pub level: &'static str,
    /// Language.
    pub lang: Option<&'a str>,
}

impl<'a> JsonArticle<'a> {
    /// The export view of `a`.
    pub fn new(a: &'a Article) -> JsonArticle<'a> {
        JsonArticle {
            id: a.id.to_string(),
            published: a
                .sort_time()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            source: &a.source_id,
            title: &a.title,
            kicker: a.kicker.as_deref(),
            url: &a.url,
            author: a.author.as_deref(),
            summary: a.summary.as_deref(),
            text: &a.text,
            keywords: &a.keywords,
            tags: &a.tags,
            land: a.land.map(|l| l.code()),
            mentions: a.lands_mentioned.iter().map(|l| l.code()).collect(),
            level: a.level.as_str(),
            lang: a.lang.as_deref(),
        }
    }
}

/// One article as a JSON line (with `\n`).
pub fn json_line(a: &Article) -> Result<String, serde_json::Error> {
    let mut line = serde_json::to_string(&JsonArticle::new(a))?;
    line.push('\n');
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let cases = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("sagt \"nein\"", "\"sagt \"\"nein\"\"\""),
            ("zwei\nZeilen", "\"zwei\nZeilen\""),
            ("=HYPERLINK(1)", "\"'=HYPERLINK(1)\""),
            ("-1", "\"'-1\""),
            ("", ""),
        ];
        for (cell, want) in cases {
            let mut out = String::new();
            csv_cell(&mut out, cell);
            assert_eq!(out, want, "{cell:?}");
        }
        assert_eq!(csv_line(["a", "b,c"]), "a,\"b,c\"\r\n");
        assert_eq!(csv_header().matches(',').count(), CSV_COLUMNS.len() - 1);
    }
}
