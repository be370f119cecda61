//! Export rows for researchers: one article as a CSV row, a spreadsheet row or a JSON line, and
//! the CSV quoting.
//!
//! This file owns the column set and its escaping (RFC 4180 quoting; cells that a spreadsheet
//! would run as a formula get a leading `'`). CSV starts with a UTF-8 byte order mark and takes a
//! delimiter (`;` for a German Excel, which splits on the list separator of the locale), and
//! times are local Europe/Berlin wall-clock times, since a release at 00:30 Berlin time belongs
//! to that day, not the previous one in UTC. It is pure: callers stream rows one at a time, so a
//! CSV export never holds more than one article; the `.xlsx` workbook ([`Xlsx`]) is built in
//! memory, which is why the web caps it like the CSV.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::model::{Article, DatePrecision};

/// The UTF-8 byte order mark every CSV starts with: without it Excel reads the bytes as
/// Windows-1252 and shows "NÃ¼rnberg".
pub const BOM: &str = "\u{feff}";

/// The spreadsheet columns, in order (the text column only when asked for, last).
pub const COLUMNS: [&str; 15] = [
    "id",
    "story",
    "published",
    "source",
    "source_id",
    "title",
    "kicker",
    "summary",
    "url",
    "keywords",
    "tags",
    "land",
    "mentions",
    "level",
    "lang",
];

/// Index of the `published` column in [`COLUMNS`] (a date cell in a workbook).
const PUBLISHED: usize = 2;

/// Name of the optional last column holding the article's main text.
pub const TEXT_COLUMN: &str = "text";

/// Longest cell a spreadsheet holds (Excel's limit); longer texts are cut with "…".
pub const MAX_CELL_CHARS: usize = 32_767;

/// How a CSV export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvStyle {
    /// Field separator: `,` (default), `;` (German Excel), tab or `|`.
    pub delimiter: char,
    /// Adds the article's main text as the last column.
    pub with_text: bool,
}

impl Default for CsvStyle {
    fn default() -> Self {
        CsvStyle {
            delimiter: ',',
            with_text: false,
        }
    }
}

/// Reads a delimiter as a user writes it: `,`, `;`, `|`, a tab, or the words `comma`,
/// `semicolon`, `tab`, `pipe`. `None` for anything else (quotes, letters and line breaks would
/// make the file ambiguous).
pub fn parse_delimiter(s: &str) -> Option<char> {
    match s {
        "," | "comma" => Some(','),
        ";" | "semicolon" => Some(';'),
        "\t" | "\\t" | "tab" => Some('\t'),
        "|" | "pipe" => Some('|'),
        _ => None,
    }
}

/// `published` as its publisher wrote it: wall-clock time in the publisher's offset (else
/// Europe/Berlin); midnight of the day for a day-only date (see [`published_cell`]).
pub fn local_time(a: &Article) -> NaiveDateTime {
    a.published_at_publisher().0.naive_local()
}

/// Whether `published` carries only a day (then exports show no time of day).
pub fn day_only(a: &Article) -> bool {
    a.published_at_publisher().1 == DatePrecision::Day
}

/// The `published` cell: `YYYY-MM-DD HH:MM:SS` in the publisher's offset, or `YYYY-MM-DD` for a
/// date published without a time (no invented 00:00 or 12:00).
pub fn published_cell(a: &Article) -> String {
    let fmt = if day_only(a) {
        "%Y-%m-%d"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    local_time(a).format(fmt).to_string()
}

/// `published` for JSON: RFC 3339 in UTC, or `YYYY-MM-DD` (the publisher's day) for a date
/// published without a time.
pub fn published_json(a: &Article) -> String {
    if day_only(a) {
        local_time(a).format("%Y-%m-%d").to_string()
    } else {
        a.sort_time()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}

/// The header cells for `with_text`.
pub fn header_cells(with_text: bool) -> Vec<&'static str> {
    let mut cells = COLUMNS.to_vec();
    if with_text {
        cells.push(TEXT_COLUMN);
    }
    cells
}

/// One article's cells, in [`header_cells`] order; `source_name` is the configured display name
/// of its source. `published` is `YYYY-MM-DD HH:MM:SS` Berlin time (a spreadsheet reads that as a
/// date), lists are joined with `; `, and `story` is the id of the story cluster (the article's
/// own id when it stands alone).
pub fn row_cells(a: &Article, source_name: &str, with_text: bool) -> Vec<String> {
    let mut cells = vec![
        a.id.to_string(),
        a.cluster.unwrap_or(a.id).to_string(),
        published_cell(a),
        source_name.to_string(),
        a.source_id.clone(),
        a.title.clone(),
        a.kicker.clone().unwrap_or_default(),
        a.summary.clone().unwrap_or_default(),
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
    if with_text {
        cells.push(a.text.clone());
    }
    cells
}

impl CsvStyle {
    /// The start of the file: the byte order mark and the header line (CRLF-terminated).
    pub fn header(&self) -> String {
        let mut out = BOM.to_string();
        out.push_str(&self.line(header_cells(self.with_text)));
        out
    }

    /// One article as a CSV line (CRLF-terminated).
    pub fn row(&self, a: &Article, source_name: &str) -> String {
        let cells = row_cells(a, source_name, self.with_text);
        self.line(cells.iter().map(String::as_str))
    }

    /// Cells joined into one CSV line (CRLF-terminated), each quoted when needed.
    pub fn line<'a>(&self, cells: impl IntoIterator<Item = &'a str>) -> String {
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                out.push(self.delimiter);
            }
            csv_cell(&mut out, cell, self.delimiter);
        }
        out.push_str("\r\n");
        out
    }
}

/// Appends one cell: quoted when it holds the delimiter, `"`, CR or LF; prefixed with `'` when
/// it starts like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR).
pub fn csv_cell(out: &mut String, cell: &str, delimiter: char) {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || cell.contains(['"', '\n', '\r', delimiter]);
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

/// What writing a workbook can fail with.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    /// The workbook writer refused a cell or could not assemble the file.
    #[error("cannot write the .xlsx workbook: {0}")]
    Write(#[from] rust_xlsxwriter::XlsxError),
    /// More rows than a worksheet holds.
    #[error("more than {max} articles do not fit in one worksheet; narrow the query or use CSV", max = XLSX_MAX_ROWS)]
    TooManyRows,
}

/// Data rows one worksheet holds (Excel's limit minus the header).
pub const XLSX_MAX_ROWS: u32 = 1_048_575;

/// An `.xlsx` workbook with one worksheet "govwire" in the columns of [`header_cells`]: the
/// header row frozen and filtered, `published` a real date cell (Berlin time) and every other
/// cell a string, so a payload like `=HYPERLINK(…)` is text, never a formula.
pub struct Xlsx {
    book: rust_xlsxwriter::Workbook,
    /// The format of a date published with a time.
    date: rust_xlsxwriter::Format,
    /// The format of a date published without a time.
    day: rust_xlsxwriter::Format,
    rows: u32,
    with_text: bool,
}

impl Xlsx {
    /// An empty workbook with its header row.
    pub fn new(with_text: bool) -> Result<Xlsx, XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = book.add_worksheet();
        sheet.set_name("govwire")?;
        let header = header_cells(with_text);
        for (col, name) in header.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *name, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.set_column_width(PUBLISHED as u16, 18)?;
        sheet.set_column_width(5, 60)?;
        Ok(Xlsx {
            book,
            date: rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            day: rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
            rows: 0,
            with_text,
        })
    }

    /// Appends one article.
    pub fn push(&mut self, a: &Article, source_name: &str) -> Result<(), XlsxError> {
        if self.rows >= XLSX_MAX_ROWS {
            return Err(XlsxError::TooManyRows);
        }
        self.rows += 1;
        let row = self.rows;
        let sheet = self.book.worksheet_from_index(0)?;
        for (col, cell) in row_cells(a, source_name, self.with_text).iter().enumerate() {
            let col = col as u16;
            if usize::from(col) == PUBLISHED {
                let format = if day_only(a) { &self.day } else { &self.date };
                sheet.write_datetime_with_format(row, col, excel_time(local_time(a))?, format)?;
            } else if !cell.is_empty() {
                sheet.write_string(row, col, cut_cell(cell))?;
            }
        }
        Ok(())
    }

    /// The finished file's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        let last = header_cells(self.with_text).len() as u16 - 1;
        let sheet = self.book.worksheet_from_index(0)?;
        sheet.autofilter(0, 0, self.rows, last)?;
        Ok(self.book.save_to_buffer()?)
    }
}

fn excel_time(t: NaiveDateTime) -> Result<rust_xlsxwriter::ExcelDateTime, XlsxError> {
    use chrono::{Datelike, Timelike};
    let date =
        rust_xlsxwriter::ExcelDateTime::from_ymd(t.year() as u16, t.month() as u8, t.day() as u8)?;
    Ok(date.and_hms(t.hour() as u16, t.minute() as u8, t.second())?)
}

/// `cell`, cut at a word to fit [`MAX_CELL_CHARS`] with "…" when longer.
fn cut_cell(cell: &str) -> String {
    use crate::text::{Boundary, Tail, cut_at_word};
    cut_at_word(cell, MAX_CELL_CHARS - 1, Boundary::LastSpace, Tail::Spaces)
}

/// The JSON form of one exported article.
#[derive(Debug, Serialize)]
pub struct JsonArticle<'a> {
    /// Article id (16 hex digits).
    pub id: String,
    /// Publication date, else first seen (RFC 3339; `YYYY-MM-DD` for a day-only date).
    pub published: String,
    /// `day` when only the day was published, else `time`.
    pub published_precision: DatePrecision,
    /// Subtitle (Unterzeile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<&'a str>,
    /// The author's role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_role: Option<&'a str>,
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
            published: published_json(a),
            published_precision: a.published_at_publisher().1,
            subtitle: a.subtitle.as_deref(),
            author_role: a.author_role.as_deref(),
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
            csv_cell(&mut out, cell, ',');
            assert_eq!(out, want, "{cell:?}");
        }
        let comma = CsvStyle::default();
        assert_eq!(comma.line(["a", "b,c"]), "a,\"b,c\"\r\n");
        assert!(comma.header().starts_with(BOM));
        assert_eq!(comma.header().matches(',').count(), COLUMNS.len() - 1);
        let semi = CsvStyle {
            delimiter: ';',
            with_text: true,
        };
        assert_eq!(semi.line(["a,b", "c;d"]), "a,b;\"c;d\"\r\n");
        assert_eq!(semi.header().matches(';').count(), COLUMNS.len());
    }
}
