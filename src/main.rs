//! The `govwire` command line: a thin layer over the library (argument parsing, wiring, exit
//! codes). Everything it does, the integration tests can do through the library too.

mod cli;

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
    },
    /// List the configured sources with their crawl health, or move them in and out as OPML.
    Sources {
        #[command(subcommand)]
        action: Option<cli::sources::Action>,
    },
    /// Fetch a source (or any URL) live and show what govwire reads from it.
    Check(cli::check::CheckArgs),
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
        /// Earliest day (YYYY, YYYY-MM or YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// Latest day (YYYY, YYYY-MM or YYYY-MM-DD).
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
    },
    /// Write every article matching a query (all articles without one), newest first.
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: cli::search::ExportFormat,
        /// Only articles matching this query (same syntax as `search`).
        #[arg(long, allow_hyphen_values = true, default_value = "")]
        query: String,
        /// Earliest day (YYYY, YYYY-MM or YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// Latest day (YYYY, YYYY-MM or YYYY-MM-DD).
        #[arg(long)]
        to: Option<String>,
    },
    /// Rebuild the search index from the store.
    Reindex,
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
/// By default glibc gives threads up to 8 arenas per core, and memory freed in one arena is
/// not reused by threads allocating from another: a 100,000-article crawl (tokio workers,
/// tantivy's indexing and merge threads, sled's flusher) peaked at 301 MiB of RSS with the
/// default and 278 MiB with two arenas, at the same CPU time within noise (issue 7). Must
/// run before any other thread starts.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a malloc tunable; no other thread exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS);
        }
    }
}

impl Command {
    /// Whether the command works on the store, and so goes to a running server when one owns
    /// the data folder. `check`, `extract` and the OPML actions need no store and stay local.
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
        )
    }
}

/// Runs a command line forwarded by a client on the server (see [`cli::control::Dispatch`]):
/// parsed as `main` parses it, run by the same code with the server's store.
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
        Command::Crawl { sources } => cli::crawl::run(owner, &sources, io).await,
        Command::Sources { action } => cli::sources::run(owner, action, io),
        Command::Check(check) => cli::check::run(config, check).await,
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
        } => cli::search::search(
            owner,
            cli::search::SearchArgs {
                query,
                from,
                to,
                limit: usize::from(limit),
                sort,
                format,
            },
            io,
        ),
        Command::Export {
            format,
            query,
            from,
            to,
        } => cli::search::export(owner, &[query], from.as_deref(), to.as_deref(), format, io),
        Command::Reindex => cli::search::reindex(owner, io),
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
    cli::init_logging(args.log_format);
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
            let plain = args.log_format == cli::LogFormat::Text;
            if let Some(result) = cli::control::forward(&args.config, cli::crawl::renderer(plain)) {
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
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
