//! `govwire show ID`: one stored article as a person reads it, for following up an id printed
//! by `search` (`[0123abcd…]`), a CSV row or the web view's URL.

use std::io::Write;
use std::process::ExitCode;

use govwire::model::ArticleId;

use super::control::{Io, Owner};

/// What `govwire show` was asked.
#[derive(clap::Args)]
pub struct ShowArgs {
    /// The article id (16 hex digits, as `search` prints it; `[…]` brackets are fine).
    pub id: String,
    /// Print the stored fields as one JSON object instead.
    #[arg(long)]
    pub json: bool,
}

/// Prints the article; exit code 1 if no article has that id, 2 if it is not an id.
/// Reads the store through `owner` (so it runs on a server that owns the data folder too).
pub fn run(owner: &Owner, args: ShowArgs, io: &mut Io) -> anyhow::Result<ExitCode> {
    let raw = args.id.trim().trim_start_matches('[').trim_end_matches(']');
    let Some(id) = ArticleId::parse(raw) else {
        writeln!(
            io.err,
            "error: {:?} is not an article id: 16 hex digits, as `govwire search` prints them",
            govwire::text::shorten(raw, 40)
        )?;
        return Ok(ExitCode::from(2));
    };
    let config = owner.config()?;
    let store = owner.store(&config)?;
    let Some(a) = store.get(id)? else {
        writeln!(
            io.err,
            "error: no stored article with id {id}; `govwire search` lists the ids"
        )?;
        return Ok(ExitCode::from(1));
    };
    let out = &mut io.out;
    if args.json {
        let line = govwire::search::export::json_line(&a)?;
        out.write_all(line.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let source = config
        .source(&a.source_id)
        .map_or(a.source_id.clone(), |s| s.name.clone());
    let mut text = String::new();
    if let Some(k) = &a.kicker {
        text.push_str(&format!("{k}\n"));
    }
    text.push_str(&format!("{}\n", a.title));
    if let Some(sub) = &a.subtitle {
        text.push_str(&format!("{sub}\n"));
    }
    text.push('\n');
    text.push_str(&format!("id:        {}\n", a.id));
    text.push_str(&format!("story:     {}\n", a.cluster.unwrap_or(a.id)));
    text.push_str(&format!("source:    {source} ({})\n", a.source_id));
    let published = match a.published_at_publisher() {
        // A date published without a time: the publisher's day, no invented time.
        (day, govwire::model::DatePrecision::Day) => day.format("%Y-%m-%d").to_string(),
        _ => super::local(a.sort_time()),
    };
    text.push_str(&format!("published: {published}\n"));
    text.push_str(&format!("url:       {}\n", a.url));
    if let Some(author) = &a.author {
        match &a.author_role {
            Some(role) => text.push_str(&format!("author:    {author}, {role}\n")),
            None => text.push_str(&format!("author:    {author}\n")),
        }
    }
    if !a.keywords.is_empty() {
        text.push_str(&format!("keywords:  {}\n", a.keywords.join(", ")));
    }
    if let Some(s) = &a.summary {
        text.push_str(&format!("\n{s}\n"));
    }
    text.push_str(&format!("\n{}\n", a.text));
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
