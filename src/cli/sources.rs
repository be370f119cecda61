//! `govwire sources`: each configured source with its crawl health; `sources export-opml` and
//! `sources import-opml` move the source list in and out of other feed readers.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use govwire::model::Level;
use govwire::opml;

use super::control::{Io, Owner};

/// `govwire sources` subcommands.
#[derive(clap::Subcommand)]
pub enum Action {
    /// Write every source as OPML 2.0 (feeds with xmlUrl, HTML list pages with htmlUrl).
    ExportOpml {
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Turn an OPML file's feeds into [[source]] blocks: printed, or appended with --write.
    ImportOpml {
        /// The OPML file.
        file: PathBuf,
        /// Append the new sources to the config file (the existing text is kept as it is).
        #[arg(long)]
        write: bool,
        /// Level for feeds whose outline names none (category="/bund" or a folder "Bund").
        #[arg(long, default_value = "presse", value_parser = parse_level)]
        level: Level,
    },
}

fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
        format!("expected one of {}", all.join(", "))
    })
}

/// Lists the sources with their health, or runs an OPML action.
pub fn run(owner: &Owner, action: Option<Action>, io: &mut Io) -> anyhow::Result<ExitCode> {
    let config_path = owner.config_path();
    match action {
        None => health(owner, io),
        Some(Action::ExportOpml { output }) => export(config_path, output.as_deref()),
        Some(Action::ImportOpml { file, write, level }) => import(config_path, &file, write, level),
    }
}

fn export(config_path: &Path, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = govwire::config::load(config_path)?;
    let xml = opml::export(&config.sources, "govwire sources");
    match output {
        Some(path) => {
            std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => std::io::stdout()
            .write_all(xml.as_bytes())
            .context("cannot write to stdout")?,
    }
    Ok(ExitCode::SUCCESS)
}

fn import(config_path: &Path, file: &Path, write: bool, level: Level) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = govwire::fetch::charset::decode(&bytes, None, None);
    let doc = opml::parse(&text).with_context(|| format!("{}", file.display()))?;
    let original = std::fs::read_to_string(config_path)
        .with_context(|| format!("cannot read config file {}", config_path.display()))?;
    let config = govwire::config::parse(&original, &config_path.display().to_string())?;
    let plan = opml::plan_import(&doc, &config.sources, level);
    for s in &plan.skipped {
        eprintln!("skipped {:?} <{}>: {}", s.title, s.url, s.reason);
    }
    if doc.without_feed > 0 {
        eprintln!(
            "skipped {} without xmlUrl (HTML pages need [source.list] selectors)",
            super::plural(doc.without_feed, "outline", "outlines")
        );
    }
    if plan.new.is_empty() {
        if doc.feeds.is_empty() {
            bail!(
                "{}: no outlines with an xmlUrl (feed) found",
                file.display()
            );
        }
        eprintln!("nothing new to import");
        return Ok(ExitCode::SUCCESS);
    }
    let blocks = opml::to_toml(&plan.new);
    if !write {
        print!("{blocks}");
        eprintln!(
            "{}; run again with --write to append them to {}",
            super::plural(plan.new.len(), "new source", "new sources"),
            config_path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    append(config_path, &original, &blocks)?;
    eprintln!(
        "appended {} to {}",
        super::plural(plan.new.len(), "source", "sources"),
        config_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Appends `blocks` after the file's existing bytes, validating first in memory and then the
/// file itself; if the written file does not load, it is cut back to its old length.
fn append(config_path: &Path, original: &str, blocks: &str) -> anyhow::Result<()> {
    let sep = if original.is_empty() || original.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    let addition = format!("{sep}{blocks}");
    let combined = format!("{original}{addition}");
    govwire::config::parse(&combined, &config_path.display().to_string())
        .context("the imported sources would make the config invalid; nothing written")?;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(config_path)
        .with_context(|| format!("cannot open {} for writing", config_path.display()))?;
    f.write_all(addition.as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    drop(f);
    if let Err(e) = govwire::config::load(config_path) {
        let restore = std::fs::OpenOptions::new()
            .write(true)
            .open(config_path)
            .and_then(|f| f.set_len(original.len() as u64));
        if let Err(r) = restore {
            eprintln!("could not restore {}: {r}", config_path.display());
        }
        return Err(e).context("the config file no longer loads after appending; it was restored");
    }
    Ok(())
}

/// Prints one block per source.
fn health(owner: &Owner, io: &mut Io) -> anyhow::Result<ExitCode> {
    let config = owner.config()?;
    let store = owner.store(&config)?;
    let out = &mut io.out;
    for s in &config.sources {
        let h = store.health(&s.id)?.unwrap_or_default();
        let state = if h.broken {
            "BROKEN"
        } else if h.consecutive_failures > 0 {
            "failing"
        } else if h.last_success.is_some() {
            "ok"
        } else {
            "never crawled"
        };
        writeln!(out, "{} ({}) [{}] {}", s.id, s.name, state, s.url)?;
        if let Some(t) = h.last_success {
            writeln!(out, "  last success: {}", super::local(t))?;
        }
        if let (Some(t), Some(e)) = (h.last_error_at, &h.last_error) {
            writeln!(
                out,
                "  last error:   {}: {e} ({} in a row)",
                super::local(t),
                h.consecutive_failures
            )?;
        }
        if let Some(t) = h.next_due {
            writeln!(out, "  next due:     {}", super::local(t))?;
        }
        writeln!(
            out,
            "  articles:     {} stored, {} on last listing",
            h.articles_total, h.last_candidates
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
