//! The process's terminal, made inside the container: a pty from the container's own devpts,
//! its master sent to whoever holds the console socket, its peer the controlling terminal and
//! stdio.

use super::error::ProcessError;
use crate::spec::ConsoleSize;
use crate::sys::{fs, tty};
use std::fs::OpenOptions;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;

const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;

fn failed(action: &str, e: std::io::Error) -> ProcessError {
    ProcessError::failed("process.terminal", action, e)
}

/// Allocates the pty and sends its master over `sock`; returns the peer. /dev/pts/ptmx must
/// be a devpts ptmx (char 5:2), so an image cannot hand out a terminal of its own making.
pub fn allocate(sock: OwnedFd, size: Option<ConsoleSize>) -> Result<OwnedFd, ProcessError> {
    let master: OwnedFd = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open("/dev/pts/ptmx")
        .map_err(|e| failed("open /dev/pts/ptmx", e))?
        .into();
    let st = fs::fstat(master.as_fd()).map_err(|e| failed("stat /dev/pts/ptmx", e))?;
    let sfs = fs::fstatfs(master.as_fd()).map_err(|e| failed("statfs /dev/pts/ptmx", e))?;
    let is_ptmx = st.st_mode & libc::S_IFMT == libc::S_IFCHR
        && (libc::major(st.st_rdev), libc::minor(st.st_rdev)) == (5, 2);
    if !is_ptmx || sfs.f_type as i64 != DEVPTS_SUPER_MAGIC {
        return Err(ProcessError::invalid(
            "process.terminal",
            "/dev/pts/ptmx is not the ptmx of a devpts filesystem",
        ));
    }
    tty::unlock(master.as_fd()).map_err(|e| failed("unlock the pty", e))?;
    let peer = tty::peer(master.as_fd()).map_err(|e| failed("open the pty peer", e))?;
    if let Some(s) = size {
        let ws = libc::winsize {
            ws_row: s.height as u16,
            ws_col: s.width as u16,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        tty::set_window_size(peer.as_fd(), &ws).map_err(|e| failed("set the console size", e))?;
    }
    let name = std::fs::read_link(format!("/proc/self/fd/{}", peer.as_raw_fd()))
        .map_err(|e| failed("name the pty", e))?;
    let name = name.as_os_str().as_encoded_bytes();
    crate::sys::fd::send_fds(&sock, &[master.as_raw_fd()], name)
        .map_err(|e| failed("send the pty master over the console socket", e))?;
    Ok(peer)
}

/// Without a terminal the process still leads a session of its own, as runc's does: it is
/// not in the caller's, and CRIU can dump it without `--shell-job`.
pub fn own_session() -> Result<(), ProcessError> {
    tty::new_session().map_err(|e| failed("setsid", e))
}

/// Makes `peer` the controlling terminal of a new session and the process's stdio.
pub fn attach(peer: OwnedFd) -> Result<(), ProcessError> {
    tty::make_controlling(peer.as_fd())
        .map_err(|e| failed("make the pty the controlling terminal", e))?;
    for fd in 0..3 {
        tty::dup2(peer.as_raw_fd(), fd).map_err(|e| failed("dup the pty onto stdio", e))?;
    }
    Ok(())
}
