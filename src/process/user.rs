//! Switching to `process.user`: supplementary groups, then gid, then uid (uid last, because
//! after it the process may no longer change the others).

use super::error::ProcessError;
use crate::spec::User;
use crate::sys::proc as sys;

pub fn switch(user: &User) -> Result<(), ProcessError> {
    if setgroups_allowed() {
        sys::setgroups(&user.additional_gids).map_err(|e| {
            ProcessError::failed(
                "process.user.additionalGids",
                format!("setgroups {:?}", user.additional_gids),
                e,
            )
        })?;
    }
    sys::setresgid(user.gid).map_err(|e| {
        ProcessError::failed("process.user.gid", format!("setresgid {}", user.gid), e)
    })?;
    sys::setresuid(user.uid)
        .map_err(|e| ProcessError::failed("process.user.uid", format!("setresuid {}", user.uid), e))
}

/// In a user namespace whose gid_map was written without privilege, setgroups is denied and
/// would fail with EPERM; the groups are then whatever the namespace allows.
fn setgroups_allowed() -> bool {
    match std::fs::read_to_string("/proc/self/setgroups") {
        Ok(state) => state.trim() != "deny",
        Err(_) => true,
    }
}
