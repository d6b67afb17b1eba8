//! Frames exchanged after the bootstrap message: u32 type, u32 payload length, payload.
//!
//! Neither function allocates, so both sides use them, the init process before `main` too.

use std::io::{self, ErrorKind};
use std::os::fd::RawFd;

use crate::protocol::{Frame, FRAME_HDRLEN};
use crate::sys::{self, Errno};

/// Writes one frame, retrying short writes and EINTR.
pub fn write_frame(fd: RawFd, kind: Frame, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(|_| io::Error::from(ErrorKind::InvalidInput))?;
    let mut header = [0u8; FRAME_HDRLEN];
    let (ty_bytes, len_bytes) = header.split_at_mut(4);
    ty_bytes.copy_from_slice(&(kind as u32).to_ne_bytes());
    len_bytes.copy_from_slice(&len.to_ne_bytes());
    write_all(fd, &header)?;
    write_all(fd, payload)
}

/// Reads one frame into `buf` and returns its kind and payload length.
///
/// Fails with `UnexpectedEof` if the peer hangs up, and with `InvalidData` if the kind is
/// unknown or the payload does not fit `buf`, in which case the stream is no longer at a
/// frame boundary.
pub fn read_frame(fd: RawFd, buf: &mut [u8]) -> io::Result<(Frame, usize)> {
    let (kind, len) = read_header(fd)?;
    let payload = buf.get_mut(..len).ok_or_else(invalid)?;
    read_exact(fd, payload)?;
    Ok((kind, len))
}

/// Reads a frame header: the kind and the length of the payload that follows.
pub fn read_header(fd: RawFd) -> io::Result<(Frame, usize)> {
    let mut header = [0u8; FRAME_HDRLEN];
    read_exact(fd, &mut header)?;
    let [t0, t1, t2, t3, l0, l1, l2, l3] = header;
    let kind = Frame::from_wire(u32::from_ne_bytes([t0, t1, t2, t3])).ok_or_else(invalid)?;
    let len = usize::try_from(u32::from_ne_bytes([l0, l1, l2, l3])).map_err(|_| invalid())?;
    Ok((kind, len))
}

/// Reads exactly `buf.len()` bytes, retrying short reads and EINTR.
pub fn read_exact(fd: RawFd, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match sys::read(fd, buf) {
            Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
            Ok(n) => buf = buf.get_mut(n..).unwrap_or_default(),
            Err(Errno(libc::EINTR)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Writes all of `buf`, retrying short writes and EINTR.
pub(crate) fn write_all(fd: RawFd, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match sys::write(fd, buf) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => buf = buf.get(n..).unwrap_or_default(),
            Err(Errno(libc::EINTR)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn invalid() -> io::Error {
    ErrorKind::InvalidData.into()
}

#[cfg(test)]
mod tests;
