//! Switching to `process.user`: supplementary groups, then gid, then uid (uid last, because
//! after it the process may no longer change the others).

use super::error::ProcessError;
use crate::spec::User;
use crate::sys::{fs, proc as sys};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;

/// `keep_groups`: a runtime run without root leaves the supplementary groups as they came
/// (runc sets them only when its euid is root), even where the gid map would allow setgroups.
pub fn switch(user: &User, keep_groups: bool) -> Result<(), ProcessError> {
    give_stdio(user.uid)?;
    if !keep_groups && setgroups_allowed() {
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

/// The process's stdio goes to its user before the switch, as runc does, so a terminal made as
/// root (or a pipe) stays usable: the uid changes, the gid (devpts's tty group) stays.
/// /dev/null is left alone, and a refusal (an owner or gid the user namespace does not map, a
/// read-only /dev) leaves the fd as it is.
fn give_stdio(uid: u32) -> Result<(), ProcessError> {
    let null = std::fs::metadata("/dev/null").map(|m| m.rdev()).ok();
    let (stdin, stdout, stderr) = (io::stdin(), io::stdout(), io::stderr());
    let stdio = [stdin.as_fd(), stdout.as_fd(), stderr.as_fd()];
    for (n, fd) in stdio.into_iter().enumerate() {
        let Ok(st) = fs::fstat(fd) else { continue };
        if st.st_uid == uid || Some(st.st_rdev) == null {
            continue;
        }
        match fs::chown_fd(fd, uid, st.st_gid) {
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EINVAL | libc::EPERM | libc::EROFS)
                ) => {}
            r => r.map_err(|e| {
                ProcessError::failed("process.user.uid", format!("chown stdio fd {n}"), e)
            })?,
        }
    }
    Ok(())
}
