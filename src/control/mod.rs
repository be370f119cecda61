//! The local control channel of a running `govwire serve`: while the server owns the data
//! folder (sled and the body log are single-process), the other commands are its clients.
//!
//! The channel is a Unix domain socket at `data_dir/control.sock`, created by the server with
//! mode 0600 in a data folder that only its owner may write; the server also checks every
//! connecting peer's uid (`SO_PEERCRED`) against its own. Nothing of it listens on the network.
//! Its address is written beside the store's lock, in `data_dir/store/control.addr`, next to
//! `owner.pid` (the PID of the process holding the lock).
//!
//! Protocol: the client sends one request, a JSON line ([`Request`]: the command line after the
//! program name); the server answers with a stream of frames ([`Frame`]: stdout bytes, stderr
//! bytes, progress, and last the exit code), each a tag byte, a big-endian `u32` length and the
//! payload. A stream that ends without the exit frame means the server stopped mid-command.

mod client;
mod server;

pub use client::{Connection, connect};
pub use server::{Listener, Sink, SinkWriter};

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// File name of the socket in the data folder.
pub const SOCKET_FILE: &str = "control.sock";
/// File name, in the store folder beside sled's lock, naming the socket of the server that holds
/// the lock.
pub const ADDR_FILE: &str = "control.addr";
/// Version of the request and frame formats; a server answers other versions with an error.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest frame payload accepted (writers cut their output into smaller frames).
pub const MAX_FRAME: usize = 1 << 20;
/// Largest request line accepted by the server.
pub const MAX_REQUEST: usize = 64 << 10;

/// What went wrong on the control channel.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// Reading or writing the socket or its files failed.
    #[error("control channel {path}: {source}")]
    Io {
        /// The socket or file concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The data folder could be written by other users, who could then replace the socket.
    #[error(
        "data folder {0} is writable by other users or owned by another one; the control channel needs a folder only its owner can write (chmod go-w)"
    )]
    UnsafeFolder(PathBuf),
    /// The socket file belongs to another user: it is not our server's.
    #[error("control socket {0} belongs to another user; not using it")]
    ForeignSocket(PathBuf),
    /// The peer sent something that is not the protocol.
    #[error("control channel: {0}")]
    Protocol(String),
    /// The server closed the stream before the exit frame: it stopped mid-command.
    #[error(
        "the server stopped before the command finished (its output may be incomplete; run the command again)"
    )]
    ServerStopped,
}

impl ControlError {
    fn io(path: &Path, source: io::Error) -> ControlError {
        ControlError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Where the socket of the server owning `data_dir` lives.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_FILE)
}

/// One request: a command line to run as if given to `govwire` directly.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Request {
    /// [`PROTOCOL_VERSION`] of the client.
    pub version: u32,
    /// The arguments after the program name (global options included; the server uses its
    /// own configuration, the one that owns the data folder).
    pub args: Vec<String>,
}

/// A step of a long command, for a progress bar or a plain line on the client.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    /// Steps finished.
    pub done: u64,
    /// Steps in all.
    pub total: u64,
    /// What the bar says now (for a crawl: the sources running). A step with an empty `line`
    /// only changes the bar (a source started).
    pub label: String,
    /// The line to print where no bar is drawn.
    pub line: String,
}

/// One message of the server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Bytes for the client's standard output.
    Stdout(Vec<u8>),
    /// Bytes for the client's standard error.
    Stderr(Vec<u8>),
    /// A progress step.
    Progress(Progress),
    /// The command's exit code; always the last frame.
    Exit(u8),
    /// The server accepted the request and runs the command; always the first frame. A
    /// stream ending before it is a refusal, after it a server that stopped mid-command.
    Accepted,
}

const TAG_STDOUT: u8 = 1;
const TAG_STDERR: u8 = 2;
const TAG_PROGRESS: u8 = 3;
const TAG_EXIT: u8 = 4;
const TAG_ACCEPTED: u8 = 5;

impl Frame {
    /// Writes the frame: tag, length, payload.
    pub fn write_to(&self, w: &mut dyn Write) -> io::Result<()> {
        let progress;
        let (tag, payload): (u8, &[u8]) = match self {
            Frame::Stdout(b) => (TAG_STDOUT, b),
            Frame::Stderr(b) => (TAG_STDERR, b),
            Frame::Progress(p) => {
                progress = serde_json::to_vec(p).map_err(io::Error::other)?;
                (TAG_PROGRESS, &progress)
            }
            Frame::Exit(code) => (TAG_EXIT, std::slice::from_ref(code)),
            Frame::Accepted => (TAG_ACCEPTED, &[]),
        };
        let len = u32::try_from(payload.len()).map_err(io::Error::other)?;
        let mut head = [0u8; 5];
        head[0] = tag;
        head[1..].copy_from_slice(&len.to_be_bytes());
        w.write_all(&head)?;
        w.write_all(payload)
    }

    /// Reads one frame; `None` at a clean end of stream before any byte of a frame.
    pub fn read_from(r: &mut dyn Read) -> Result<Option<Frame>, ControlError> {
        let mut head = [0u8; 5];
        let mut got = 0;
        while got < head.len() {
            match r.read(&mut head[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(ControlError::ServerStopped),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    return Err(ControlError::ServerStopped);
                }
                Err(e) => return Err(ControlError::Protocol(e.to_string())),
            }
        }
        let [tag, l0, l1, l2, l3] = head;
        let len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
        if len > MAX_FRAME {
            return Err(ControlError::Protocol(format!(
                "frame of {len} bytes is too large"
            )));
        }
        let mut payload = vec![0u8; len];
        r.read_exact(&mut payload).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => {
                ControlError::ServerStopped
            }
            _ => ControlError::Protocol(e.to_string()),
        })?;
        match tag {
            TAG_STDOUT => Ok(Some(Frame::Stdout(payload))),
            TAG_STDERR => Ok(Some(Frame::Stderr(payload))),
            TAG_PROGRESS => serde_json::from_slice(&payload)
                .map(|p| Some(Frame::Progress(p)))
                .map_err(|e| ControlError::Protocol(format!("bad progress frame: {e}"))),
            TAG_ACCEPTED => Ok(Some(Frame::Accepted)),
            TAG_EXIT => match payload[..] {
                [code] => Ok(Some(Frame::Exit(code))),
                _ => Err(ControlError::Protocol("bad exit frame".into())),
            },
            other => Err(ControlError::Protocol(format!(
                "unknown frame type {other}"
            ))),
        }
    }
}

/// The uid this process runs as.
fn my_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::watch;

    #[test]
    fn frames_round_trip_and_a_cut_stream_is_a_stopped_server() {
        let frames = [
            Frame::Accepted,
            Frame::Stdout(b"hello\n".to_vec()),
            Frame::Stderr(Vec::new()),
            Frame::Progress(Progress {
                done: 1,
                total: 2,
                label: "stk".into(),
                line: "[1/2] stk".into(),
            }),
            Frame::Exit(2),
        ];
        let mut wire = Vec::new();
        for f in &frames {
            f.write_to(&mut wire).unwrap();
        }
        let mut r = &wire[..];
        for f in &frames {
            assert_eq!(Frame::read_from(&mut r).unwrap().as_ref(), Some(f));
        }
        assert!(Frame::read_from(&mut r).unwrap().is_none());
        // Cut inside the header, then inside the payload, of the frame after `Accepted`.
        for end in [5 + 3, 5 + 5 + 2] {
            let mut cut = &wire[..end];
            assert_eq!(Frame::read_from(&mut cut).unwrap(), Some(Frame::Accepted));
            assert!(matches!(
                Frame::read_from(&mut cut),
                Err(ControlError::ServerStopped)
            ));
        }
    }

    #[test]
    fn a_folder_others_may_write_gets_no_channel() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let bound = rt.block_on(async { Listener::bind(dir.path()).map(|_| ()) });
        assert!(
            matches!(bound, Err(ControlError::UnsafeFolder(_))),
            "{bound:?}"
        );
        assert!(!socket_path(dir.path()).exists());
    }

    #[test]
    fn no_socket_or_a_dead_servers_socket_means_no_server() {
        let dir = tempfile::tempdir().unwrap();
        assert!(connect(dir.path()).unwrap().is_none());
        // A socket file nobody accepts on, as a killed server leaves it.
        drop(std::os::unix::net::UnixListener::bind(socket_path(dir.path())).unwrap());
        assert!(socket_path(dir.path()).exists());
        assert!(connect(dir.path()).unwrap().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_streams_its_output_progress_and_exit_code() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::create_dir(dir.path().join("store")).unwrap();
        let listener = Listener::bind(dir.path()).unwrap();
        let mode = std::fs::metadata(socket_path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let addr = std::fs::read_to_string(dir.path().join("store").join(ADDR_FILE)).unwrap();
        assert!(addr.contains(SOCKET_FILE), "{addr}");
        assert!(addr.contains(&std::process::id().to_string()), "{addr}");
        let (stop, stopped) = watch::channel(false);
        let handle = |req: Request, sink: Sink| async move {
            tokio::task::spawn_blocking(move || {
                let mut out = sink.stdout();
                // Far more than the queue and the socket hold: the writer waits for the reader.
                for i in 0..200_000u32 {
                    writeln!(out, "{i} {}", req.args.join(" ")).unwrap();
                }
                drop(out);
                sink.progress(Progress {
                    done: 1,
                    total: 1,
                    label: "x".into(),
                    line: "[1/1] x".into(),
                });
                writeln!(sink.stderr(), "note").unwrap();
                3
            })
            .await
            .unwrap()
        };
        let server = tokio::spawn(listener.run(handle, stopped));
        let path = dir.path().to_path_buf();
        let (out, err, progress, code) = tokio::task::spawn_blocking(move || {
            let mut conn = connect(&path).unwrap().expect("a server answers");
            conn.send(&Request {
                version: PROTOCOL_VERSION,
                args: vec!["a".into(), "b".into()],
            })
            .unwrap();
            let (mut out, mut err, mut progress) = (Vec::new(), Vec::new(), Vec::new());
            loop {
                match conn.next_frame().unwrap() {
                    Frame::Accepted => {}
                    Frame::Stdout(b) => out.extend(b),
                    Frame::Stderr(b) => err.extend(b),
                    Frame::Progress(p) => progress.push(p),
                    Frame::Exit(code) => return (out, err, progress, code),
                }
            }
        })
        .await
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.lines().count(), 200_000);
        assert!(out.starts_with("0 a b\n") && out.ends_with("199999 a b\n"));
        assert_eq!(err, b"note\n");
        assert_eq!(progress.len(), 1);
        assert_eq!(code, 3);
        stop.send(true).unwrap();
        server.await.unwrap();
        assert!(
            !socket_path(dir.path()).exists(),
            "the socket outlived the server"
        );
    }
}
