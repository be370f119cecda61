//! The server side: the socket, the peer check, and the sink a command writes its answer into.

use std::future::Future;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use tokio::io::AsyncBufReadExt;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

use super::{
    ADDR_FILE, ControlError, Frame, MAX_FRAME, MAX_REQUEST, PROTOCOL_VERSION, Progress, Request,
    my_uid, socket_path,
};

/// Frames queued between a command and the thread writing them to its client: a command that
/// writes faster than the client reads waits (an export of any size holds only this much).
const QUEUED_FRAMES: usize = 32;
/// Bytes a [`SinkWriter`] collects before it sends them as one frame.
const WRITER_BUFFER: usize = 32 << 10;

/// The bound control socket of a server; removed again when [`Listener::run`] stops.
pub struct Listener {
    listener: tokio::net::UnixListener,
    path: PathBuf,
    addr_file: PathBuf,
}

impl Listener {
    /// Binds `data_dir/control.sock` (mode 0600) and writes its address to
    /// `data_dir/store/control.addr`. Call only while holding the store's lock: a socket file
    /// found there is a dead server's and is replaced. Refuses a data folder that users other
    /// than its owner (this process's uid) could write, since they could swap the socket.
    pub fn bind(data_dir: &Path) -> Result<Listener, ControlError> {
        check_folder(data_dir)?;
        let path = socket_path(data_dir);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(ControlError::io(&path, e));
            }
            _ => {}
        }
        let listener =
            tokio::net::UnixListener::bind(&path).map_err(|e| ControlError::io(&path, e))?;
        // Connections before the chmod are still checked by uid in `run`.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| ControlError::io(&path, e))?;
        let addr_file = data_dir.join("store").join(ADDR_FILE);
        let absolute = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
        std::fs::write(
            &addr_file,
            format!("{}\n{}\n", absolute.display(), std::process::id()),
        )
        .map_err(|e| ControlError::io(&addr_file, e))?;
        Ok(Listener {
            listener,
            path,
            addr_file,
        })
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Accepts connections until `stop` turns true, then removes the socket and the address
    /// file. Each connection from a peer of this uid sends one [`Request`]; `handle` runs it,
    /// writing its output into the [`Sink`] and returning the exit code, which is sent last.
    /// Peers of other uids are closed without an answer.
    pub async fn run<F, Fut>(self, handle: F, mut stop: watch::Receiver<bool>)
    where
        F: Fn(Request, Sink) -> Fut + Send + Sync + Clone + 'static,
        Fut: Future<Output = u8> + Send + 'static,
    {
        loop {
            let accepted = tokio::select! {
                a = self.listener.accept() => a,
                _ = stop.wait_for(|s| *s) => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "control channel: accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            match stream.peer_cred() {
                Ok(cred) if cred.uid() == my_uid() => {}
                Ok(cred) => {
                    tracing::warn!(
                        uid = cred.uid(),
                        "control channel: refused a connection from another user"
                    );
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "control channel: peer unknown; refused");
                    continue;
                }
            }
            let handle = handle.clone();
            tokio::spawn(async move {
                if let Err(e) = serve_one(stream, handle).await {
                    tracing::warn!(error = %e, "control channel: connection failed");
                }
            });
        }
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(&self.addr_file);
    }
}

/// Reads the request, hands it to `handle`, sends the exit frame.
async fn serve_one<F, Fut>(mut stream: tokio::net::UnixStream, handle: F) -> io::Result<()>
where
    F: Fn(Request, Sink) -> Fut,
    Fut: Future<Output = u8>,
{
    let mut line = Vec::new();
    let mut reader = tokio::io::BufReader::new((&mut stream).take(MAX_REQUEST as u64));
    let read = reader.read_until(b'\n', &mut line);
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no request within 10 s"))??;
    drop(reader);
    let stream = stream.into_std()?;
    stream.set_nonblocking(false)?;
    let sink = Sink::start(stream)?;
    let code = match serde_json::from_slice::<Request>(&line) {
        Ok(req) if req.version == PROTOCOL_VERSION => {
            sink.send(Frame::Accepted)?;
            tracing::info!(args = ?req.args, "control channel: running a command");
            handle(req, sink.clone()).await
        }
        Ok(req) => {
            let _ = sink.send(Frame::Stderr(
                format!(
                    "error: the server speaks control protocol {PROTOCOL_VERSION}, the client {}; use the same govwire for both\n",
                    req.version
                )
                .into_bytes(),
            ));
            1
        }
        Err(e) => {
            let _ = sink.send(Frame::Stderr(
                format!("error: bad request: {e}\n").into_bytes(),
            ));
            1
        }
    };
    let _ = sink.send(Frame::Exit(code));
    Ok(())
}

/// Refuses a folder owned by another uid or writable by group or others.
fn check_folder(dir: &Path) -> Result<(), ControlError> {
    let meta = std::fs::metadata(dir).map_err(|e| ControlError::io(dir, e))?;
    if meta.uid() != my_uid() || meta.mode() & 0o022 != 0 {
        return Err(ControlError::UnsafeFolder(dir.to_path_buf()));
    }
    Ok(())
}

/// Where a command served over the channel writes its answer. Cheap to clone; the frames go
/// through a bounded queue to a thread that writes them to the client, so a command never
/// waits on the async runtime, only (with backpressure) on the client reading. Every method
/// fails with `BrokenPipe` once the client is gone.
#[derive(Clone)]
pub struct Sink {
    tx: SyncSender<Frame>,
}

impl Sink {
    fn start(stream: std::os::unix::net::UnixStream) -> io::Result<Sink> {
        let (tx, rx) = sync_channel(QUEUED_FRAMES);
        std::thread::Builder::new()
            .name("control-writer".into())
            .spawn(move || write_frames(stream, rx))?;
        Ok(Sink { tx })
    }

    /// A sink whose frames go to `tx` (for tests of the commands' output).
    pub fn from_sender(tx: SyncSender<Frame>) -> Sink {
        Sink { tx }
    }

    /// Queues one frame, waiting while the queue is full.
    pub fn send(&self, frame: Frame) -> io::Result<()> {
        self.tx
            .send(frame)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }

    /// Queues a progress step; dropped rather than waited for when the queue is full.
    pub fn progress(&self, p: Progress) {
        if let Err(TrySendError::Full(f)) = self.tx.try_send(Frame::Progress(p)) {
            let _ = self.send(f);
        }
    }

    /// A writer whose bytes reach the client's standard output.
    pub fn stdout(&self) -> SinkWriter {
        SinkWriter::new(self.clone(), false)
    }

    /// A writer whose bytes reach the client's standard error.
    pub fn stderr(&self) -> SinkWriter {
        SinkWriter::new(self.clone(), true)
    }
}

/// Writes queued frames until every [`Sink`] is dropped or the client goes away; flushes
/// whenever the queue runs empty, so progress shows at once.
fn write_frames(stream: std::os::unix::net::UnixStream, rx: Receiver<Frame>) {
    let mut w = BufWriter::with_capacity(64 << 10, &stream);
    'outer: while let Ok(frame) = rx.recv() {
        if frame.write_to(&mut w).is_err() {
            break;
        }
        while let Ok(more) = rx.try_recv() {
            if more.write_to(&mut w).is_err() {
                break 'outer;
            }
        }
        if w.flush().is_err() {
            break;
        }
    }
    drop(w);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// An [`io::Write`] sending its bytes as stdout or stderr frames, in pieces of up to 32 KiB;
/// flushes on drop.
pub struct SinkWriter {
    sink: Sink,
    stderr: bool,
    buf: Vec<u8>,
}

impl SinkWriter {
    fn new(sink: Sink, stderr: bool) -> SinkWriter {
        SinkWriter {
            sink,
            stderr,
            buf: Vec::new(),
        }
    }
}

impl Write for SinkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= WRITER_BUFFER {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        for piece in std::mem::take(&mut self.buf).chunks(MAX_FRAME) {
            let piece = piece.to_vec();
            self.sink.send(if self.stderr {
                Frame::Stderr(piece)
            } else {
                Frame::Stdout(piece)
            })?;
        }
        Ok(())
    }
}

impl Drop for SinkWriter {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
