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

/// `process.env` with HOME set from the container's /etc/passwd entry for `uid` (or `/`) when
/// it lacks HOME or has it empty, as runc does; read before the switch of user, since the
/// file may be readable by root alone.
pub fn with_home(env: &[String], uid: u32) -> Vec<String> {
    let set = env
        .iter()
        .any(|e| e.strip_prefix("HOME=").is_some_and(|v| !v.is_empty()));
    if set {
        return env.to_vec();
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let home = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 5 && f[2].parse() == Ok(uid))
        .map_or("/", |f| f[5]);
    let mut env: Vec<String> = env.iter().filter(|e| *e != "HOME=").cloned().collect();
    env.push(format!("HOME={home}"));
    env
}
