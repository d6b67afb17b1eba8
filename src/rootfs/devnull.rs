//! Stdio that is the host's /dev/null (an engine's stdin for a detached container) is swapped
//! for the container's own once the root is pivoted, as runc does: no fd of the payload then
//! points into a host mount, which the container need not reach and CRIU cannot dump.

use super::error::RootfsError;
use crate::sys::{fs, tty};
use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

pub fn reopen() -> Result<(), RootfsError> {
    let null = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| RootfsError::os("open the container's /dev/null", e))?;
    if !is_null(null.as_fd()).map_err(|e| RootfsError::os("stat /dev/null", e))? {
        return Err(RootfsError::refused(
            "/dev/null",
            "the container's /dev/null is not the null device",
        ));
    }
    let (stdin, stdout, stderr) = (io::stdin(), io::stdout(), io::stderr());
    for fd in [stdin.as_fd(), stdout.as_fd(), stderr.as_fd()] {
        match is_null(fd) {
            Ok(true) => tty::dup2(null.as_raw_fd(), fd.as_raw_fd())
                .map_err(|e| RootfsError::os("dup the container's /dev/null onto stdio", e))?,
            Ok(false) => {}
            Err(e) if e.raw_os_error() == Some(libc::EBADF) => {}
            Err(e) => return Err(RootfsError::os("stat stdio", e)),
        }
    }
    Ok(())
}

fn is_null(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let st = fs::fstat(fd)?;
    Ok(st.st_mode & libc::S_IFMT == libc::S_IFCHR && st.st_rdev == libc::makedev(1, 3))
}
