//! `govwire search`, `govwire export` and `govwire reindex`: the full-text index from the
//! command line.
//!
//! Each opens the store and the index under `data_dir/index` (rebuilding the index first if it
//! is missing or stale). `export` streams: it holds the ids of the matches (16 bytes each), never
//! the articles, and writes each article as soon as it is read. A closed pipe (`| head`) ends
//! the output quietly.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use govwire::search::export::{csv_header, csv_row, json_line};
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
    /// CSV with a header line (no text).
    Csv,
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
}

/// Parses the query and the date options; a malformed query is a user error (exit 2).
fn build_query(
    words: &[String],
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Query, query::QueryError> {
    let mut q = query::parse(&words.join(" "))?;
    if let Some(f) = from {
        q.from = Some(query::parse_date(f, false)?);
    }
    if let Some(t) = to {
        q.to = Some(query::parse_date(t, true)?);
    }
    if let (Some(f), Some(t)) = (q.from, q.to)
        && f > t
    {
        return Err(query::QueryError::EmptyRange(f, t));
    }
    Ok(q)
}

/// `govwire search`.
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
    let out = &mut io.out;
    let written = match args.format {
        SearchFormat::Table => {
            let mut r = writeln!(out, "{} Treffer", hits.total);
            for h in &hits.items {
                let Some(a) = &h.article else { continue };
                let title: String = a.title.chars().take(80).collect();
                r = r.and_then(|_| {
                    writeln!(
                        out,
                        "{}  {:<14} {}  [{}]",
                        a.sort_time().format("%Y-%m-%d"),
                        a.source_id,
                        title,
                        a.id
                    )
                });
            }
            r
        }
        SearchFormat::Csv => {
            let mut r = out.write_all(csv_header().as_bytes());
            for a in hits.items.iter().filter_map(|h| h.article.as_ref()) {
                r = r.and_then(|_| out.write_all(csv_row(a).as_bytes()));
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
                        "published": a.sort_time().to_rfc3339(),
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
    finish(written.and_then(|_| out.flush()))
}

/// `govwire export`: every match, newest first.
pub fn export(
    owner: &Owner,
    query_words: &[String],
    from: Option<&str>,
    to: Option<&str>,
    format: ExportFormat,
    io: &mut Io,
) -> anyhow::Result<ExitCode> {
    let q = match build_query(query_words, from, to) {
        Ok(q) => q,
        Err(e) => {
            writeln!(io.err, "error: {e}")?;
            return Ok(ExitCode::from(2));
        }
    };
    let config = owner.config()?;
    let store = owner.store(&config)?;
    let index = owner.search_index(&config, &store)?;
    let matches = index.matches(&q)?;
    drop(index);
    let mut out = io::BufWriter::new(&mut io.out);
    if let ExportFormat::Csv = format
        && let Err(e) = out.write_all(csv_header().as_bytes())
    {
        return finish(Err(e));
    }
    for (_, id) in matches {
        let Some(a) = store.get(id)? else { continue };
        let line = match format {
            ExportFormat::Jsonl => json_line(&a)?,
            ExportFormat::Csv => csv_row(&a),
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

/// Success, also when the reader closed the pipe early.
fn finish(r: io::Result<()>) -> anyhow::Result<ExitCode> {
    match r {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
    }
}
