//! A fresh session keyring, so keys the host session holds are not visible in the container.

use super::error::ProcessError;
use crate::sys::proc as sys;

/// ENOSYS (no keyring support) and EACCES (keyctl filtered by an outer seccomp policy, or a
/// nested runtime) leave the process in its inherited keyring, as runc allows.
pub fn join_new_session() -> Result<(), ProcessError> {
    match sys::join_new_session_keyring() {
        Ok(()) => Ok(()),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS) | Some(libc::EACCES)) => Ok(()),
        Err(e) => Err(ProcessError::failed(
            "session keyring",
            "keyctl JOIN_SESSION_KEYRING",
            e,
        )),
    }
}
