//! Which fds a process carries into its exec: stdio, the preserved ones, nothing else.

use super::error::ProcessError;
use crate::sys::exec as sys;
use std::io;

/// Marks every fd from 3 + keep_fds close-on-exec rather than closing it: on success execve
/// closes them all at once, and on failure the caller still holds its channel to the parent to
/// report why.
pub(crate) fn close_stray_fds(keep_fds: i32) -> Result<(), ProcessError> {
    let first = u32::try_from(keep_fds)
        .ok()
        .and_then(|keep| keep.checked_add(3))
        .ok_or_else(|| {
            ProcessError::invalid("preserve-fds", format!("invalid count {keep_fds}"))
        })?;
    match sys::cloexec_from(first) {
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS) | Some(libc::EINVAL)) => {
            cloexec_each_from(first)
        }
        result => result.map_err(|e| ProcessError::failed("preserve-fds", "close_range", e)),
    }
}

/// For kernels before 5.11, which lack CLOSE_RANGE_CLOEXEC.
fn cloexec_each_from(first: u32) -> Result<(), ProcessError> {
    let fail = |e: io::Error| ProcessError::failed("preserve-fds", "listing /proc/self/fd", e);
    let fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .map_err(fail)?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|fd| u32::try_from(*fd).is_ok_and(|fd| fd >= first))
        .collect();
    for fd in fds {
        match sys::set_cloexec(fd) {
            Err(e) if e.raw_os_error() == Some(libc::EBADF) => {}
            result => result
                .map_err(|e| ProcessError::failed("preserve-fds", format!("fcntl {fd}"), e))?,
        }
    }
    Ok(())
}
