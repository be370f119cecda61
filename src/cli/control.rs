//! Commands as clients of a running `govwire serve` (issue 21): who owns the data folder, where a
//! command's output goes, forwarding a command line to the server, and running one there.
//!
//! Every store command is written once, against an [`Owner`] (the store, index and crawler it
//! works with) and an [`Io`] (where its output goes). Run directly, the owner opens the data
//! folder and the output is this process's stdout and stderr; run by the server for a client,
//! the owner is the server's open store, index and crawler and the output goes into the
//! client's stream. So output and exit codes are the same either way.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use govwire::config::Config;
use govwire::control::{self, Frame, Progress, Request, Sink};
use govwire::crawl::Crawler;
use govwire::search::Index;
use govwire::store::Store;

/// What a running server lends a command it runs for a client.
pub struct Served {
    /// The configuration file the server loaded.
    pub config_path: PathBuf,
    /// The configuration in force (the latest reload).
    pub config: Config,
    /// The open store.
    pub store: Store,
    /// The open search index, if it opened.
    pub index: Option<Arc<Index>>,
    /// The crawler of the configuration in force (its fetcher keeps the per-host politeness
    /// shared with the scheduled crawls).
    pub crawler: Arc<Crawler>,
}

/// Who has the data folder open for a command.
pub enum Owner {
    /// Nobody yet: the command opens it itself, configured by this file.
    Direct(PathBuf),
    /// The running server, whose state the command borrows.
    Served(Arc<Served>),
}

impl Owner {
    /// The configuration file (for messages).
    pub fn config_path(&self) -> &Path {
        match self {
            Owner::Direct(p) => p,
            Owner::Served(s) => &s.config_path,
        }
    }

    /// The configuration: loaded from the file, or the server's.
    pub fn config(&self) -> anyhow::Result<Config> {
        match self {
            Owner::Direct(p) => super::load_config(p),
            Owner::Served(s) => Ok(s.config.clone()),
        }
    }

    /// The store: opened (taking its lock), or the server's.
    pub fn store(&self, config: &Config) -> anyhow::Result<Store> {
        match self {
            Owner::Direct(_) => super::open_store(config),
            Owner::Served(s) => Ok(s.store.clone()),
        }
    }

    /// The search index, ready to search: opened (rebuilt first when missing or stale), or the
    /// server's (waiting while the server still builds it). Blocking.
    pub fn search_index(&self, config: &Config, store: &Store) -> anyhow::Result<Arc<Index>> {
        match self {
            Owner::Direct(_) => {
                let dir = config.settings.data_dir.join("index");
                let index = Index::open_or_rebuild(&dir, store).with_context(|| {
                    format!("cannot open the search index in {}", dir.display())
                })?;
                Ok(Arc::new(index))
            }
            Owner::Served(s) => {
                let index = s
                    .index
                    .clone()
                    .context("the server's search index is unavailable (see its log)")?;
                while !index.is_ready() {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Ok(index)
            }
        }
    }

    /// The served state, `None` in direct mode.
    pub fn served(&self) -> Option<&Arc<Served>> {
        match self {
            Owner::Direct(_) => None,
            Owner::Served(s) => Some(s),
        }
    }
}

/// Where a command's output goes: stdout, stderr and progress steps.
pub struct Io {
    /// Standard output (results).
    pub out: Box<dyn Write + Send>,
    /// Standard error (messages).
    pub err: Box<dyn Write + Send>,
    /// Progress steps of long commands (a bar or plain lines in direct mode).
    pub progress: Box<dyn FnMut(Progress) + Send>,
}

impl Io {
    /// This process's stdout and stderr; progress drawn by `render`.
    pub fn direct(render: Box<dyn FnMut(Progress) + Send>) -> Io {
        Io {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            progress: render,
        }
    }

    /// The client's stream.
    pub fn served(sink: &Sink) -> Io {
        let progress = sink.clone();
        Io {
            out: Box::new(sink.stdout()),
            err: Box::new(sink.stderr()),
            progress: Box::new(move |p| progress.progress(p)),
        }
    }
}

/// The exit code as a number (`ExitCode` does not tell it, but compares).
pub fn code_number(code: ExitCode) -> u8 {
    (0..=u8::MAX)
        .find(|n| ExitCode::from(*n) == code)
        .unwrap_or(1)
}

/// Runs the command line on the server owning the data folder of `config_path`'s
/// configuration, if one runs: its output is copied to `stdout` (opened once a server
/// answers: this process's stdout, or the file of `export -o`, which the client writes in its
/// own folder) and stderr as it arrives, progress drawn by `render`, and its exit code
/// returned. `None` when no server owns the folder (the caller then opens it itself); a server
/// that stops mid-command is an error.
pub fn forward(
    config_path: &Path,
    mut render: impl FnMut(Progress),
    stdout: impl FnOnce() -> anyhow::Result<Box<dyn Write>>,
) -> Option<anyhow::Result<ExitCode>> {
    let config = match super::load_config(config_path) {
        Ok(c) => c,
        Err(e) => return Some(Err(e)),
    };
    let mut conn = match control::connect(&config.settings.data_dir) {
        Ok(Some(conn)) => conn,
        Ok(None) => return None,
        Err(e) => return Some(Err(e.into())),
    };
    let args: Result<Vec<String>, _> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect();
    let Ok(args) = args else {
        return Some(Err(anyhow::anyhow!(
            "a server owns {}, and arguments that are not UTF-8 cannot be sent to it",
            config.settings.data_dir.display()
        )));
    };
    Some((|| {
        conn.send(&Request {
            version: control::PROTOCOL_VERSION,
            args,
        })?;
        let mut stdout = stdout()?;
        loop {
            match conn.next_frame()? {
                Frame::Stdout(b) => {
                    if let Err(e) = stdout.write_all(&b).and_then(|_| stdout.flush()) {
                        // `| head` closed the pipe: stop reading; the server notices.
                        if e.kind() == std::io::ErrorKind::BrokenPipe {
                            return Ok(ExitCode::SUCCESS);
                        }
                        return Err(e).context("writing to stdout");
                    }
                }
                Frame::Stderr(b) => {
                    let _ = std::io::stderr().write_all(&b);
                }
                Frame::Progress(p) => render(p),
                Frame::Accepted => {}
                Frame::Exit(code) => return Ok(ExitCode::from(code)),
            }
        }
    })())
}

/// A command runner for the server: parses the forwarded command line and runs it against the
/// served state, writing into the [`Io`]. Blocking (called on a blocking thread, inside the
/// server's runtime).
pub type Dispatch = fn(&[String], &Owner, &mut Io) -> anyhow::Result<ExitCode>;

/// Runs one forwarded request on a blocking thread and returns its exit code; an error is
/// written to the client's stderr as direct mode prints it (`error: …`, exit code 1).
pub async fn handle(request: Request, sink: Sink, served: Arc<Served>, dispatch: Dispatch) -> u8 {
    let ran = tokio::task::spawn_blocking(move || {
        let owner = Owner::Served(served);
        let mut io = Io::served(&sink);
        let result = dispatch(&request.args, &owner, &mut io);
        let code = match result {
            Ok(code) => code_number(code),
            Err(e) => {
                let _ = writeln!(io.err, "error: {}", super::error_text(&e));
                1
            }
        };
        let _ = io.out.flush();
        let _ = io.err.flush();
        code
    })
    .await;
    ran.unwrap_or(1)
}
