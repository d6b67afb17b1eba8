//! Helpers for the parent side: handing the init socket to `husk init` and reaping the processes
//! it turns into.

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

use crate::sys;

/// Duplicates `fd` without close-on-exec, to pass it to `husk init` through [`crate::protocol::INITPIPE_ENV`].
pub fn dup_inheritable(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    Ok(sys::dup_inheritable(fd)?)
}

/// Becomes the reaper of orphaned descendants, so the container's init is reparented here when
/// the intermediate process of a pid namespace exits.
pub fn set_child_subreaper() -> io::Result<()> {
    Ok(sys::set_child_subreaper()?)
}

/// Waits for the child `pid` and returns its raw wait status.
pub fn wait_pid(pid: libc::pid_t) -> io::Result<i32> {
    Ok(sys::waitpid(pid)?)
}
