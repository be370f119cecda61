//! The client side: finding the server that owns a data folder and reading its answer.

use std::io::{self, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use super::{ControlError, Frame, Request, my_uid, socket_path};

/// An open connection to the server owning a data folder.
pub struct Connection {
    reader: BufReader<UnixStream>,
    path: PathBuf,
    accepted: bool,
}

/// Connects to the server owning `data_dir`. `Ok(None)` when no server answers there: no
/// socket, or a socket left by a server that died (nothing accepts on it). A socket owned by
/// another user (other than root) is refused, since it is not our server's.
pub fn connect(data_dir: &Path) -> Result<Option<Connection>, ControlError> {
    let path = socket_path(data_dir);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ControlError::io(&path, e)),
    };
    if meta.uid() != my_uid() && meta.uid() != 0 {
        return Err(ControlError::ForeignSocket(path));
    }
    match UnixStream::connect(&path) {
        Ok(stream) => Ok(Some(Connection {
            reader: BufReader::with_capacity(64 << 10, stream),
            path,
            accepted: false,
        })),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(ControlError::io(&path, e)),
    }
}

impl Connection {
    /// Sends the request (one JSON line).
    pub fn send(&mut self, request: &Request) -> Result<(), ControlError> {
        let mut line = serde_json::to_vec(request)
            .map_err(|e| ControlError::Protocol(format!("cannot encode the request: {e}")))?;
        line.push(b'\n');
        match self.reader.get_mut().write_all(&line) {
            Ok(()) => Ok(()),
            // Closed at once: refused; `next_frame` says so.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(ControlError::io(&self.path, e)),
        }
    }

    /// The next frame of the answer. A stream that ends before the exit frame is
    /// [`ControlError::ServerStopped`]; one that ends before [`Frame::Accepted`] is a refusal
    /// (the server answers nobody but its own uid), reported as a protocol error.
    pub fn next_frame(&mut self) -> Result<Frame, ControlError> {
        let read = match Frame::read_from(&mut self.reader) {
            Err(ControlError::ServerStopped) if !self.accepted => Ok(None),
            other => other,
        };
        match read? {
            Some(frame) => {
                self.accepted = true;
                Ok(frame)
            }
            None if !self.accepted => Err(ControlError::Protocol(format!(
                "the server at {} closed the connection without answering (it serves only the user it runs as)",
                self.path.display()
            ))),
            None => Err(ControlError::ServerStopped),
        }
    }
}
