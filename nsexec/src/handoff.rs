//! Telling the parent the pid of the container's init, forking first when a namespace only
//! applies to children.
//!
//! After a fork both the intermediate process and the child hold the socket. The child waits on
//! a pipe until the intermediate has sent the PID frame, so the parent always reads PID before
//! anything the container's init sends, and never half of one frame inside another.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use crate::decode::Bootstrap;
use crate::fail::{Fail, Subject};
use crate::frame::{read_exact, write_all, write_frame};
use crate::protocol::Frame;
use crate::sys;

/// Kinds that a process enters only through its children: setns and unshare change just what
/// the next fork gets.
const CHILDREN_ONLY: u32 = (libc::CLONE_NEWPID | libc::CLONE_NEWTIME) as u32;

/// Reports the container's init to the parent; returns only in that process.
pub fn become_init<'a>(sock: RawFd, boot: &Bootstrap<'a>) -> Result<(), Fail<'a>> {
    let forks = boot.clone_flags & CHILDREN_ONLY != 0
        || boot
            .ns_paths()
            .iter()
            .any(|p| p.nstype & CHILDREN_ONLY != 0);
    if !forks {
        return send_pid(sock, sys::getpid());
    }
    let (wait_end, release_end) = sys::pipe().map_err(Fail::sys("pipe", Subject::Nothing))?;
    match sys::fork().map_err(Fail::sys("fork", Subject::Nothing))? {
        None => {
            drop(release_end);
            wait_for_release(wait_end)
        }
        Some(child) => {
            drop(wait_end);
            release(sock, child, release_end)
        }
    }
}

/// In the intermediate process: sends PID, lets the child go, and exits.
fn release(sock: RawFd, child: libc::pid_t, release_end: OwnedFd) -> ! {
    let sent = send_pid(sock, child).is_ok() && write_all(release_end.as_raw_fd(), b"1").is_ok();
    sys::exit_now(if sent { 0 } else { 1 })
}

/// In the child: an end of file without the byte means the parent never learnt this pid, and
/// the intermediate process has already given up.
fn wait_for_release(wait_end: OwnedFd) -> Result<(), Fail<'static>> {
    let mut byte = [0u8; 1];
    match read_exact(wait_end.as_raw_fd(), &mut byte) {
        Ok(()) => Ok(()),
        Err(_) => Err(Fail::ParentGaveUp),
    }
}

fn send_pid(sock: RawFd, pid: libc::pid_t) -> Result<(), Fail<'static>> {
    write_frame(sock, Frame::Pid, &pid.to_ne_bytes())
        .map_err(Fail::io("send pid", Subject::Nothing))
}
