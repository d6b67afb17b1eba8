//! Messages between the runtime and the container's init after the bootstrap: the frames of
//! `nsexec::protocol`, with JSON bodies where there is structure to carry.

pub use nsexec::protocol::Frame;
use serde::de::DeserializeOwned;
use std::fmt;
use std::io;
use std::io::Write;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

/// The InitConfig carries config.json at most once and its annotations twice more (in the
/// hooks' states): the largest config husk reads still fits; more is a broken peer.
const MAX_FRAME: usize = 4 * crate::spec::MAX_CONFIG as usize;

#[derive(Debug)]
pub enum ChannelError {
    Io(io::Error),
    /// The peer reported an error; its text is the whole message.
    Peer(String),
    /// Init could not find the executable; the text says which.
    NotFound(String),
    Unexpected(Frame),
    Json(String),
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                write!(f, "container init exited during setup")
            }
            ChannelError::Io(e) => write!(f, "init channel: {e}"),
            ChannelError::Peer(text) | ChannelError::NotFound(text) => f.write_str(text),
            ChannelError::Unexpected(k) => write!(f, "init channel: unexpected message {k:?}"),
            ChannelError::Json(e) => write!(f, "init channel: {e}"),
        }
    }
}

impl std::error::Error for ChannelError {}

pub struct Channel(pub UnixStream);

impl Channel {
    pub fn send(&self, kind: Frame, payload: &[u8]) -> Result<(), ChannelError> {
        nsexec::write_frame(self.0.as_raw_fd(), kind, payload).map_err(ChannelError::Io)
    }

    /// Bytes with no frame around them: the bootstrap message.
    pub fn send_raw(&self, bytes: &[u8]) -> Result<(), ChannelError> {
        (&self.0).write_all(bytes).map_err(ChannelError::Io)
    }

    /// An empty frame of `kind`, then `fd` (one byte with SCM_RIGHTS).
    pub fn send_fd(&self, kind: Frame, fd: BorrowedFd<'_>) -> Result<(), ChannelError> {
        self.send(kind, &[])?;
        crate::sys::fd::send_fds(&self.0, &[fd.as_raw_fd()], &[0]).map_err(ChannelError::Io)
    }

    /// The fd that follows a frame sent with `send_fd`.
    pub fn recv_fd(&self) -> Result<OwnedFd, ChannelError> {
        let mut fds = crate::sys::fd::recv_fds(&self.0, 1).map_err(ChannelError::Io)?;
        Ok(fds.pop().expect("recv_fds returns the one fd asked for"))
    }

    /// The next frame; an ERROR frame becomes `ChannelError::Peer`. The body is read up to
    /// the header's length (nsexec's reader takes a fixed buffer, as it may not allocate).
    pub fn recv(&self) -> Result<(Frame, Vec<u8>), ChannelError> {
        let (kind, len) = nsexec::read_header(self.0.as_raw_fd()).map_err(ChannelError::Io)?;
        if len > MAX_FRAME {
            return Err(ChannelError::Io(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("frame of {len} bytes"),
            )));
        }
        // Grown as the bytes arrive: a header alone cannot make us allocate its length.
        let mut body = Vec::new();
        while body.len() < len {
            let at = body.len();
            body.resize(len.min(at + (1 << 20)), 0);
            nsexec::read_exact(self.0.as_raw_fd(), &mut body[at..]).map_err(ChannelError::Io)?;
        }
        let text = || String::from_utf8_lossy(&body).into_owned();
        match kind {
            Frame::Error => Err(ChannelError::Peer(text())),
            Frame::NotFound => Err(ChannelError::NotFound(text())),
            _ => Ok((kind, body)),
        }
    }

    /// The next frame, which must be of `kind`.
    pub fn expect(&self, kind: Frame) -> Result<Vec<u8>, ChannelError> {
        match self.recv()? {
            (k, body) if k == kind => Ok(body),
            (k, _) => Err(ChannelError::Unexpected(k)),
        }
    }

    pub fn expect_json<T: DeserializeOwned>(&self, kind: Frame) -> Result<T, ChannelError> {
        crate::spec::from_json(&self.expect(kind)?).map_err(|e| ChannelError::Json(e.to_string()))
    }
}
