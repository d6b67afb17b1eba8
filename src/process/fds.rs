//! Which fds a process carries into its exec: stdio, the preserved ones, nothing else.

use super::error::ProcessError;
use crate::sys::exec as sys;

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
    sys::cloexec_from(first).map_err(|e| ProcessError::failed("preserve-fds", "close_range", e))
}
