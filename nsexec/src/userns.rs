//! Creating a user namespace whose id maps the parent writes.
//!
//! A process may only write a single-range map of its own user namespace, so the parent, which
//! holds the privileges of the outer namespace, writes uid_map, gid_map and setgroups.

use std::os::fd::RawFd;

use crate::fail::{Fail, Subject};
use crate::frame::{read_frame, write_frame};
use crate::protocol::Frame;
use crate::sys;

const NEWUSER: u32 = libc::CLONE_NEWUSER as u32;

/// Enters a new user namespace, has the parent map it, and becomes its root.
pub fn create(sock: RawFd, rootless: bool) -> Result<(), Fail<'static>> {
    sys::unshare(NEWUSER).map_err(Fail::sys("unshare", Subject::Flags(NEWUSER)))?;
    if rootless {
        sys::set_dumpable(true).map_err(Fail::sys("prctl PR_SET_DUMPABLE", Subject::Id(1)))?;
    }
    let maps = request_maps(sock);
    sys::set_dumpable(false).map_err(Fail::sys("prctl PR_SET_DUMPABLE", Subject::Id(0)))?;
    maps?;
    sys::setresgid(0).map_err(Fail::sys("setresgid", Subject::Id(0)))?;
    sys::setresuid(0).map_err(Fail::sys("setresuid", Subject::Id(0)))
}

fn request_maps(sock: RawFd) -> Result<(), Fail<'static>> {
    write_frame(sock, Frame::MapsPlease, &[])
        .map_err(Fail::io("send maps request", Subject::Nothing))?;
    let mut payload = [0u8; 4096];
    match read_frame(sock, &mut payload) {
        Ok((Frame::MapsDone, _)) => Ok(()),
        Ok((Frame::Error, _)) => Err(Fail::ParentGaveUp),
        Ok((kind, _)) => Err(Fail::UnexpectedFrame(kind as u32)),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Fail::ParentGaveUp),
        Err(e) => Err(Fail::io("wait for maps", Subject::Nothing)(e)),
    }
}
