//! Writes to this process's own /proc files, refusing anything not on procfs: a container image
//! or an earlier mount could otherwise redirect the write somewhere harmful.

use core::fmt::Write;
use std::ffi::CStr;
use std::os::fd::{AsFd, AsRawFd};

use crate::fail::{Fail, Subject};
use crate::frame::write_all;
use crate::stackbuf::StackBuf;
use crate::sys;

const OOM_SCORE_ADJ: &CStr = c"/proc/self/oom_score_adj";
const TIMENS_OFFSETS: &CStr = c"/proc/self/timens_offsets";

pub fn write_oom_score_adj(adj: i32) -> Result<(), Fail<'static>> {
    let mut text = StackBuf::<16>::default();
    _ = write!(text, "{adj}");
    write_proc_file(OOM_SCORE_ADJ, text.as_bytes())
}

pub fn write_timens_offsets(offsets: &[u8]) -> Result<(), Fail<'static>> {
    write_proc_file(TIMENS_OFFSETS, offsets)
}

fn write_proc_file(path: &'static CStr, data: &[u8]) -> Result<(), Fail<'static>> {
    let shown = Subject::Path(path.to_bytes());
    let fd = sys::open(path, libc::O_WRONLY | libc::O_CLOEXEC).map_err(Fail::sys("open", shown))?;
    if !sys::is_procfs(fd.as_fd()).map_err(Fail::sys("fstatfs", shown))? {
        return Err(Fail::NotProcfs(path.to_bytes()));
    }
    write_all(fd.as_raw_fd(), data).map_err(Fail::io("write", shown))
}
