//! Joining namespaces by path, creating the rest, and forking into those that only apply to
//! children.

use std::os::fd::{AsFd, OwnedFd, RawFd};

use crate::decode::{Bootstrap, NsPath};
use crate::fail::{Fail, Subject};
use crate::frame::write_frame;
use crate::protocol::{frame, MAX_NS_PATHS};
use crate::stackbuf::to_cstr;
use crate::sys::{self, Errno};

const NEWUSER: u32 = libc::CLONE_NEWUSER as u32;
const NEWNS: u32 = libc::CLONE_NEWNS as u32;
/// Kinds that a process enters only through its children: setns and unshare change just what
/// the next fork gets.
const CHILDREN_ONLY: u32 = (libc::CLONE_NEWPID | libc::CLONE_NEWTIME) as u32;

/// Joins every namespace in `boot`. All files are opened before any setns, since entering a mount
/// namespace changes what the paths resolve to; the user namespace goes first so the others are
/// joined with its capabilities, the mount namespace last.
pub fn join<'a>(boot: &Bootstrap<'a>) -> Result<(), Fail<'a>> {
    let mut fds: [Option<OwnedFd>; MAX_NS_PATHS] = Default::default();
    for (slot, ns) in fds.iter_mut().zip(boot.ns_paths()) {
        *slot = Some(open_ns(ns)?);
    }
    for pass in 0..3 {
        for (fd, ns) in fds.iter().zip(boot.ns_paths()) {
            if let (Some(fd), true) = (fd, join_pass(ns.nstype) == pass) {
                let shown = Subject::Path(ns.path);
                sys::setns(fd.as_fd(), ns.nstype).map_err(Fail::sys("setns", shown))?;
            }
        }
    }
    Ok(())
}

fn join_pass(nstype: u32) -> u8 {
    match nstype {
        NEWUSER => 0,
        NEWNS => 2,
        _ => 1,
    }
}

fn open_ns<'a>(ns: &NsPath<'a>) -> Result<OwnedFd, Fail<'a>> {
    let shown = Subject::Path(ns.path);
    let mut buf = [0u8; libc::PATH_MAX as usize];
    let path = to_cstr(ns.path, &mut buf).ok_or(Fail::Sys {
        op: "open",
        subject: shown,
        errno: Errno(libc::ENAMETOOLONG),
    })?;
    sys::open(path, libc::O_RDONLY | libc::O_CLOEXEC).map_err(Fail::sys("open", shown))
}

/// Creates every requested namespace but the user namespace, in one call.
pub fn unshare_rest(clone_flags: u32) -> Result<(), Fail<'static>> {
    let flags = clone_flags & !NEWUSER;
    if flags == 0 {
        return Ok(());
    }
    sys::unshare(flags).map_err(Fail::sys("unshare", Subject::Flags(flags)))
}

/// Reports the pid of the container's init to the parent, forking first when a pid or time
/// namespace only applies to children. Returns only in the container's init.
pub fn become_init<'a>(sock: RawFd, boot: &Bootstrap<'a>) -> Result<(), Fail<'a>> {
    let forks = boot.clone_flags & CHILDREN_ONLY != 0
        || boot
            .ns_paths()
            .iter()
            .any(|p| p.nstype & CHILDREN_ONLY != 0);
    if !forks {
        return send_pid(sock, sys::getpid());
    }
    match sys::fork().map_err(Fail::sys("fork", Subject::Nothing))? {
        None => Ok(()),
        Some(child) => {
            let code = match send_pid(sock, child) {
                Ok(()) => 0,
                Err(_) => 1,
            };
            sys::exit_now(code)
        }
    }
}

fn send_pid(sock: RawFd, pid: libc::pid_t) -> Result<(), Fail<'static>> {
    write_frame(sock, frame::PID, &pid.to_ne_bytes())
        .map_err(Fail::io("send pid", Subject::Nothing))
}
