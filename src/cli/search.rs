//! `govwire search`, `govwire export` and `govwire reindex`: the full-text index from the
//! command line.
//!
//! Each opens the store and the index under `data_dir/index` (rebuilding the index first if it
//! is missing or stale). `export` streams: it holds the ids of the matches (16 bytes each), never
//! the articles, and writes each article as soon as it is read. A closed pipe (`| head`) ends
//! the output quietly.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use govwire::config::Config;
use govwire::search::export::{CsvStyle, Xlsx, json_line, local_time, parse_delimiter};
use govwire::search::{Index, Query, Sort, query};

use super::control::{Io, Owner};

/// Output of `govwire search`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SearchFormat {
    /// Aligned columns: date, source, title, id.
    Table,
    /// One JSON object: total and hits.
    Json,
    /// CSV with a header line.
    Csv,
}

/// Output of `govwire export`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per line, full text included.
    Jsonl,
    /// CSV with a header line (UTF-8 with byte order mark; `--with-text` adds the text).
    Csv,
    /// An Excel workbook (`-o FILE.xlsx`; `--with-text` adds the text).
    Xlsx,
}

/// Order of `govwire search` hits.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SortArg {
    /// Best match first.
    Relevance,
    /// Newest first.
    Date,
}

/// What `govwire search` was asked.
pub struct SearchArgs {
    /// Query words (joined with spaces).
    pub query: Vec<String>,
    /// Earliest day, `YYYY[-MM[-DD]]`.
    pub from: Option<String>,
    /// Latest day, `YYYY[-MM[-DD]]`.
    pub to: Option<String>,
    /// Hits to print.
    pub limit: usize,
    /// Order.
    pub sort: SortArg,
    /// Output format.
    pub format: SearchFormat,
    /// CSV field separator.
    pub delimiter: char,
    /// CSV carries the article text.
    pub with_text: bool,
}

/// What `govwire export` was asked.
pub struct ExportArgs {
    /// Query (empty: every article).
    pub query: String,
    /// Earliest day, `YYYY[-MM[-DD]]`.
    pub from: Option<String>,
    /// Latest day, `YYYY[-MM[-DD]]`.
    pub to: Option<String>,
    /// Output format.
    pub format: ExportFormat,
    /// CSV field separator.
    pub delimiter: char,
    /// CSV and XLSX carry the article text.
    pub with_text: bool,
    /// File to write instead of stdout.
    pub output: Option<PathBuf>,
}

/// Parses `--delimiter` (`,` `;` `|` `tab`); `;` is what a German Excel splits on.
pub fn delimiter(s: &str) -> Result<char, String> {
    parse_delimiter(s)
        .ok_or_else(|| format!("{s:?} is not a delimiter: use , or ; (German Excel) or | or tab"))
}

/// Source id to display name, for the spreadsheet columns.
fn source_names(config: &Config) -> HashMap<String, String> {
    config
        .sources
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect()
}

fn name_of<'a>(names: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    names.get(id).map_or(id, String::as_str)
}

/// Parses the query and the date options; a malformed query is a user error (exit 2).
fn build_query(
    words: &[String],
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Query, query::QueryError> {
    let mut q = query::parse(&words.join(" "))?;
    let now = chrono::Utc::now();
    if let Some(f) = from {
        q.from = Some(query::parse_date(&super::user_date(f, now), false)?);
    }
    if let Some(t) = to {
        q.to = Some(query::parse_date(&super::user_date(t, now), true)?);
    }
    if let (Some(f), Some(t)) = (q.from, q.to)
        && f > t
    {
        return Err(query::QueryError::EmptyRange(f, t));
    }
    Ok(q)
}

/// Characters of a title in the `search` table (cut at a word, with "…").
const TITLE_CHARS: usize = 80;

/// `govwire search`: exit code 0 with hits, 1 without (as grep does), 2 for a malformed query.
pub fn search(owner: &Owner, args: SearchArgs, io: &mut Io) -> anyhow::Result<ExitCode> {
    let mut q = match build_query(&args.query, args.from.as_deref(), args.to.as_deref()) {
        Ok(q) => q,
        Err(e) => {
            writeln!(io.err, "error: {e}")?;
            return Ok(ExitCode::from(2));
        }
    };
    q.sort = match args.sort {
        SortArg::Relevance => Sort::Relevance,
        SortArg::Date => Sort::Date,
    };
    let config = owner.config()?;
    let store = owner.store(&config)?;
    let index = owner.search_index(&config, &store)?;
    let hits = index.search(&q, 0, args.limit)?;
    let names = source_names(&config);
    let out = &mut io.out;
    let written = match args.format {
        SearchFormat::Table => {
            let mut r = writeln!(out, "{} Treffer", hits.total);
            for h in &hits.items {
                let Some(a) = &h.article else { continue };
                let title = govwire::text::cut_at_word(
                    &a.title,
                    TITLE_CHARS,
                    govwire::text::Boundary::LastSpace,
                    govwire::text::Tail::Spaces,
                );
                r = r.and_then(|_| {
                    writeln!(
                        out,
                        "{}  {:<14} {}  [{}]",
                        local_time(a).format("%Y-%m-%d"),
                        a.source_id,
                        title,
                        a.id
                    )
                });
            }
            r
        }
        SearchFormat::Csv => {
            let style = CsvStyle {
                delimiter: args.delimiter,
                with_text: args.with_text,
            };
            let mut r = out.write_all(style.header().as_bytes());
            for a in hits.items.iter().filter_map(|h| h.article.as_ref()) {
                let row = style.row(a, name_of(&names, &a.source_id));
                r = r.and_then(|_| out.write_all(row.as_bytes()));
            }
            r
        }
        SearchFormat::Json => {
            let items: Vec<serde_json::Value> = hits
                .items
                .iter()
                .filter_map(|h| {
                    let a = h.article.as_ref()?;
                    Some(serde_json::json!({
                        "id": a.id.to_string(),
                        "score": h.score,
                        "published": govwire::search::export::published_json(a),
                        "source": a.source_id,
                        "title": a.title,
                        "url": a.url,
                        "keywords": a.keywords,
                    }))
                })
                .collect();
            let doc = serde_json::json!({
                "total": hits.total,
                "items": items,
                "facets": hits.facets,
            });
            writeln!(out, "{doc}")
        }
    };
    let code = finish(written.and_then(|_| out.flush()))?;
    if hits.total == 0 {
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}

/// `govwire export`: every match, newest first.
pub fn export(owner: &Owner, args: ExportArgs, io: &mut Io) -> anyhow::Result<ExitCode> {
    let q = match build_query(
        std::slice::from_ref(&args.query),
        args.from.as_deref(),
        args.to.as_deref(),
    ) {
        Ok(q) => q,
        Err(e) => {
            writeln!(io.err, "error: {e}")?;
            return Ok(ExitCode::from(2));
        }
    };
    if owner.served().is_none() && xlsx_to_terminal(args.format, args.output.as_deref()) {
        writeln!(io.err, "error: {XLSX_TO_TERMINAL}")?;
        return Ok(ExitCode::from(2));
    }
    let config = owner.config()?;
    let names = source_names(&config);
    let store = owner.store(&config)?;
    let index = owner.search_index(&config, &store)?;
    let matches = index.matches(&q)?;
    drop(index);
    // Served, `-o FILE` is the client's to write: the output goes into its stream, and the
    // client (in its own folder, as its own user) writes the file (see `main`).
    let sink: Box<dyn Write + '_> = match (&args.output, owner.served()) {
        (Some(path), None) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        _ => Box::new(&mut io.out),
    };
    let mut out = io::BufWriter::new(sink);
    if let ExportFormat::Xlsx = args.format {
        let mut book = Xlsx::new(args.with_text)?;
        for (_, id) in matches {
            let Some(a) = store.get(id)? else { continue };
            book.push(&a, name_of(&names, &a.source_id))?;
        }
        let bytes = book.finish()?;
        return finish(out.write_all(&bytes).and_then(|_| out.flush()));
    }
    let style = CsvStyle {
        delimiter: args.delimiter,
        with_text: args.with_text,
    };
    if let ExportFormat::Csv = args.format
        && let Err(e) = out.write_all(style.header().as_bytes())
    {
        return finish(Err(e));
    }
    for (_, id) in matches {
        let Some(a) = store.get(id)? else { continue };
        let line = match args.format {
            ExportFormat::Jsonl => json_line(&a)?,
            _ => style.row(&a, name_of(&names, &a.source_id)),
        };
        if let Err(e) = out.write_all(line.as_bytes()) {
            return finish(Err(e));
        }
    }
    finish(out.flush())
}

/// `govwire reindex`: throws the index away and rebuilds it from the store (the server, whose
/// index is open, replaces every document in place instead).
pub fn reindex(owner: &Owner, io: &mut Io) -> anyhow::Result<ExitCode> {
    let config = owner.config()?;
    let store = owner.store(&config)?;
    let dir = config.settings.data_dir.join("index");
    let started = Instant::now();
    let index = match owner.served() {
        Some(_) => {
            let index = owner.search_index(&config, &store)?;
            index
                .reindex(&store)
                .with_context(|| format!("cannot rebuild the search index in {}", dir.display()))?;
            index
        }
        None => {
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("cannot remove {}", dir.display()))?;
            }
            let index = Index::open_or_rebuild(&dir, &store)
                .with_context(|| format!("cannot build the search index in {}", dir.display()))?;
            std::sync::Arc::new(index)
        }
    };
    writeln!(
        io.out,
        "indexed {} articles in {:.1} s into {}",
        index.num_docs(),
        started.elapsed().as_secs_f64(),
        dir.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Why `export --format xlsx` without `-o` refuses a terminal.
pub const XLSX_TO_TERMINAL: &str =
    "an .xlsx workbook is binary; write it to a file with -o FILE.xlsx";

/// Whether `export` would write a binary workbook to this process's terminal (refused, exit
/// code 2). Asked by the process whose stdout it is: the direct command, or the client of a
/// forwarded one before it forwards.
pub fn xlsx_to_terminal(format: ExportFormat, output: Option<&Path>) -> bool {
    matches!(format, ExportFormat::Xlsx) && output.is_none() && io::stdout().is_terminal()
}

/// Success, also when the reader closed the pipe early.
fn finish(r: io::Result<()>) -> anyhow::Result<ExitCode> {
    match r {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
    }
}
