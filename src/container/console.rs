//! Where a container's pty master goes: to the console socket the caller names, or, for a
//! process husk keeps in the foreground, to husk itself over a socket pair.

use super::ContainerError;
use crate::sys::fd;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::Path;

/// The socket end to hand the process, by runc's rules: a console socket only with a
/// terminal and a detached process, a detached terminal only with a console socket.
/// `foreground` is husk's own pair end when it stays attached.
pub(super) fn socket(
    terminal: bool,
    path: Option<&Path>,
    foreground: Option<OwnedFd>,
) -> Result<Option<OwnedFd>, ContainerError> {
    let refuse = |text| Err(ContainerError::Usage(text));
    match (terminal, path, foreground) {
        (true, Some(p), None) => UnixStream::connect(p)
            .map(|s| Some(s.into()))
            .map_err(|e| ContainerError::io("connect to the console socket", p, e)),
        (_, Some(_), _) => {
            refuse("cannot use console socket if runc will not detach or allocate tty")
        }
        (true, None, None) => {
            refuse("cannot allocate tty if runc will detach without setting console socket")
        }
        (true, None, theirs) => Ok(theirs),
        (false, None, _) => Ok(None),
    }
}

/// The pty master the process sent to husk's own end of the pair.
pub(super) fn receive(ours: &OwnedFd) -> Result<OwnedFd, ContainerError> {
    fd::recv_fds(ours, 1)
        .map(|mut fds| fds.remove(0))
        .map_err(|e| {
            ContainerError::io("receive the pty master over", "the console socket pair", e)
        })
}
