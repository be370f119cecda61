//! The `govwire` command line: a thin layer over the library (argument parsing, wiring, exit
//! codes). Everything it does, the integration tests can do through the library too.

mod cli;

/// mimalloc instead of glibc's malloc: the request path of `serve` allocates and frees a few
/// small blocks per middleware layer, where glibc spent about 12 % of the server's CPU time
/// (`malloc_consolidate`, arena locks); see BENCHMARKS.md, "mimalloc".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Aggregates German government news and press releases: crawl, store, serve.
#[derive(Parser)]
#[command(name = "govwire", version, about)]
struct Args {
    /// Path of the configuration file.
    #[arg(
        short,
        long,
        env = "GOVWIRE_CONFIG",
        default_value = "sources.toml",
        global = true
    )]
    config: PathBuf,
    /// Log format on stderr: `text` for people, `json` (one object per line) for log shippers.
    #[arg(
        long,
        env = "GOVWIRE_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    log_format: cli::LogFormat,
    /// More log lines (-v: progress notes, -vv: debug). Interactive commands show only warnings
    /// by default, `serve` also INFO.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Fewer log lines (-q: errors only).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    quiet: u8,
    /// Colour in log lines: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value = "auto", global = true)]
    color: cli::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Crawl the sources on their schedule and serve the web view and feeds.
    Serve {
        /// Address to listen on (overrides `listen` in [settings]).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Only serve; do not crawl.
        #[arg(long)]
        no_crawl: bool,
    },
    /// Crawl every source once (or only the given ones) and print a summary.
    Crawl {
        /// Crawl only this source id (repeatable).
        #[arg(long = "source", value_name = "ID")]
        sources: Vec<String>,
        /// Walk each list back through its older pages (not only until nothing new).
        #[arg(long)]
        backfill: bool,
        /// With --backfill: walk back to this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", requires = "backfill")]
        since: Option<chrono::NaiveDate>,
        /// With --backfill: list pages read per source (default: max_pages from [settings]).
        #[arg(long, value_name = "N", requires = "backfill")]
        max_pages: Option<usize>,
    },
    /// List the configured sources with their crawl health, or move them in and out as OPML.
    Sources {
        #[command(subcommand)]
        action: Option<cli::sources::Action>,
    },
    /// Fetch a source (or any URL) live and show what govwire reads from it.
    Check(cli::check::CheckArgs),
    /// Probe a site politely and propose its [[source]] block (--write appends it).
    Add(cli::add::AddArgs),
    /// Re-apply the keyword watchlist and region rules to every stored article (no fetching).
    Retag,
    /// Verify the store (every article, index entry and body log record); exit code 1 on damage.
    CheckStore {
        /// First reclaim body log segments that are mostly superseded records (left by edits).
        #[arg(long)]
        compact: bool,
    },
    /// Print one day's digest (text or HTML), or mail it now with --send.
    Digest(cli::digest::DigestArgs),
    /// Search the stored articles (words, "phrases", AND/OR/-, keyword:, land:, from:, ...).
    Search {
        /// The query; several words are joined with spaces. Put `--` before a query that starts
        /// with `-` (`govwire search -- -Bayern OZG`), or write `NOT Bayern`.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Earliest day: YYYY, YYYY-MM, YYYY-MM-DD, DD.MM.YYYY, MM.YYYY, heute or gestern.
        #[arg(long)]
        from: Option<String>,
        /// Latest day: YYYY, YYYY-MM, YYYY-MM-DD, DD.MM.YYYY, MM.YYYY, heute or gestern.
        #[arg(long)]
        to: Option<String>,
        /// Hits to show (1 to 100).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=100))]
        limit: u16,
        /// Order of the hits.
        #[arg(long, value_enum, default_value = "relevance")]
        sort: cli::search::SortArg,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: cli::search::SearchFormat,
        /// CSV field separator: , or ; (German Excel) or | or tab.
        #[arg(long, default_value = ",", value_parser = cli::search::delimiter)]
        delimiter: char,
        /// CSV: add the article text as the last column.
        #[arg(long)]
        with_text: bool,
    },
    /// Write every article matching a query (all articles without one), newest first.
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: cli::search::ExportFormat,
        /// Only articles matching this query (same syntax as `search`).
        #[arg(long, allow_hyphen_values = true, default_value = "")]
        query: String,
        /// Earliest day: YYYY, YYYY-MM, YYYY-MM-DD, DD.MM.YYYY, MM.YYYY, heute or gestern.
        #[arg(long)]
        from: Option<String>,
        /// Latest day: YYYY, YYYY-MM, YYYY-MM-DD, DD.MM.YYYY, MM.YYYY, heute or gestern.
        #[arg(long)]
        to: Option<String>,
        /// CSV field separator: , or ; (German Excel) or | or tab.
        #[arg(long, default_value = ",", value_parser = cli::search::delimiter)]
        delimiter: char,
        /// CSV and XLSX: add the article text as the last column.
        #[arg(long)]
        with_text: bool,
        /// Write to this file instead of stdout (required for xlsx on a terminal).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Rebuild the search index from the store.
    Reindex,
    /// Show one stored article: its fields (times in Berlin) and text.
    Show(cli::show::ShowArgs),
    /// Probe a running `serve` at /healthz: exit code 0 if healthy, 1 if not (for HEALTHCHECK).
    Healthcheck(cli::healthcheck::HealthArgs),
    /// Extract articles from saved pages and print them as JSON lines (or plain text).
    Extract {
        /// The URL the page was fetched from (for links and the canonical URL).
        #[arg(long)]
        url: Option<String>,
        /// Use this source's article selectors.
        #[arg(long = "source", value_name = "ID")]
        source: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: cli::extract::Format,
        /// Saved pages (any charset; `.gz` accepted).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Arenas glibc's malloc may create when `MALLOC_ARENA_MAX` is not set.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MALLOC_ARENAS: i32 = 2;

/// Caps glibc's malloc at [`MALLOC_ARENAS`] arenas unless `MALLOC_ARENA_MAX` says otherwise.
/// Rust's allocations go to mimalloc ([`ALLOCATOR`]); this bounds what C libraries allocate
/// through glibc (by default up to 8 arenas per core, whose freed memory other threads do not
/// reuse: before mimalloc, a 100,000-article crawl peaked at 301 MiB of RSS with the default
/// and 278 MiB with two arenas; issue 7). Must run before any other thread starts.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a malloc tunable; no other thread exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS);
        }
    }
}

/// Lets a closed stdout (`govwire search … | head -n1`) end the process quietly, as it ends
/// `cat`: Rust ignores SIGPIPE, so every later `println!` would panic with a backtrace. Not for
/// `serve`, which must outlive a client that hangs up (sockets use `MSG_NOSIGNAL` anyway). A
/// forwarded command's client copies the server's output to stdout, so it ends the same way.
fn die_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal before any other thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

impl Command {
    /// Whether the command works on the store, and so goes to a running server when one owns
    /// the data folder. `check`, `extract`, `healthcheck` and the OPML actions need no store
    /// and stay local.
    fn forwarded(&self) -> bool {
        matches!(
            self,
            Command::Crawl { .. }
                | Command::Sources { action: None }
                | Command::Retag
                | Command::CheckStore { .. }
                | Command::Digest(_)
                | Command::Search { .. }
                | Command::Export { .. }
                | Command::Reindex
                | Command::Show(_)
        )
    }
}

/// Runs a command line forwarded by a client on the server (see [`cli::control::Dispatch`]):
/// parsed as `main` parses it, run by the same code with the server's store. The logging flags
/// (`-v`, `-q`, `--color`, `--log-format`) were applied by the client and are ignored here.
fn served(
    args: &[String],
    owner: &cli::control::Owner,
    io: &mut cli::control::Io,
) -> anyhow::Result<ExitCode> {
    let argv = std::iter::once("govwire".to_string()).chain(args.iter().cloned());
    let command = match Args::try_parse_from(argv) {
        Ok(parsed) if parsed.command.forwarded() => parsed.command,
        Ok(_) => anyhow::bail!("this command does not run on the server; run it without one"),
        Err(e) => {
            use std::io::Write;
            write!(io.err, "{e}")?;
            return Ok(ExitCode::from(2));
        }
    };
    tokio::runtime::Handle::current().block_on(run(command, owner, io))
}

/// Runs one command with the data folder's `owner`, writing to `io`.
async fn run(
    command: Command,
    owner: &cli::control::Owner,
    io: &mut cli::control::Io,
) -> anyhow::Result<ExitCode> {
    let config = owner.config_path();
    match command {
        Command::Serve { listen, no_crawl } => {
            cli::serve::run(config, listen, !no_crawl, served).await
        }
        Command::Crawl {
            sources,
            backfill,
            since,
            max_pages,
        } => {
            let backfill = backfill.then(|| govwire::crawl::listing::Backfill {
                since: since
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc()),
                max_pages,
            });
            cli::crawl::run(owner, &sources, backfill, io).await
        }
        Command::Sources { action } => cli::sources::run(owner, action, io),
        Command::Check(check) => cli::check::run(config, check).await,
        Command::Add(add) => cli::add::run(config, add).await,
        Command::Retag => cli::retag::run(owner, io).await,
        Command::CheckStore { compact } => cli::store::run(owner, compact, io),
        Command::Digest(digest) => cli::digest::run(owner, digest, io).await,
        Command::Search {
            query,
            from,
            to,
            limit,
            sort,
            format,
            delimiter,
            with_text,
        } => cli::search::search(
            owner,
            cli::search::SearchArgs {
                query,
                from,
                to,
                limit: usize::from(limit),
                sort,
                format,
                delimiter,
                with_text,
            },
            io,
        ),
        Command::Export {
            format,
            query,
            from,
            to,
            delimiter,
            with_text,
            output,
        } => cli::search::export(
            owner,
            cli::search::ExportArgs {
                query,
                from,
                to,
                format,
                delimiter,
                with_text,
                output,
            },
            io,
        ),
        Command::Reindex => cli::search::reindex(owner, io),
        Command::Show(show) => cli::show::run(owner, show, io),
        Command::Healthcheck(h) => cli::healthcheck::run(config, h).await,
        Command::Extract {
            url,
            source,
            format,
            files,
        } => cli::extract::run(config, url, source, format, &files),
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let args = Args::parse();
    if !matches!(args.command, Command::Serve { .. }) {
        die_quietly_on_closed_pipe();
    }
    cli::init_logging(cli::LogOptions {
        format: args.log_format,
        verbosity: (args.verbose.min(4) as i8) - (args.quiet.min(4) as i8),
        service: matches!(args.command, Command::Serve { .. }),
        color: args.color,
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        // While `serve` owns the data folder, the store commands are its clients.
        if args.command.forwarded() {
            // `export -o FILE` is written by this process, in its folder: the server sends
            // the output, and a binary workbook is refused on this process's terminal.
            let output = match &args.command {
                Command::Export { format, output, .. } => {
                    if cli::search::xlsx_to_terminal(*format, output.as_deref()) {
                        eprintln!("error: {}", cli::search::XLSX_TO_TERMINAL);
                        return Ok(ExitCode::from(2));
                    }
                    output.clone()
                }
                _ => None,
            };
            let stdout = move || -> anyhow::Result<Box<dyn std::io::Write>> {
                use anyhow::Context;
                Ok(match output {
                    Some(path) => Box::new(std::io::BufWriter::new(
                        std::fs::File::create(&path)
                            .with_context(|| format!("cannot create {}", path.display()))?,
                    )),
                    None => Box::new(std::io::stdout().lock()),
                })
            };
            let plain = args.log_format == cli::LogFormat::Text;
            if let Some(result) =
                cli::control::forward(&args.config, cli::crawl::renderer(plain), stdout)
            {
                return result;
            }
        }
        let plain = args.log_format == cli::LogFormat::Text;
        let mut io = cli::control::Io::direct(cli::crawl::renderer(plain));
        let owner = cli::control::Owner::Direct(args.config.clone());
        run(args.command, &owner, &mut io).await
    });
    // Commands a client left running on a server (one not reading its output) must not
    // keep the stopped server alive; the store is flushed by now.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", cli::error_text(&e));
            ExitCode::FAILURE
        }
    }
}
