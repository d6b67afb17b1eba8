//! Joining namespaces by path and creating the rest.

use std::os::fd::{AsFd, OwnedFd};

use crate::decode::{Bootstrap, NsPath};
use crate::fail::{Fail, Subject};
use crate::protocol::MAX_NS_PATHS;
use crate::stackbuf::to_cstr;
use crate::sys::{self, Errno};

const NEWUSER: u32 = libc::CLONE_NEWUSER as u32;
const NEWNS: u32 = libc::CLONE_NEWNS as u32;

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
