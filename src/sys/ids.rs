//! The calling process's credentials.

/// The effective uid: what the kernel checks for permissions, so what a rootless id map
/// must point at.
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid takes no arguments, touches no memory and cannot fail.
    unsafe { libc::geteuid() }
}

/// The effective gid, for the same reason as `effective_uid`.
pub fn effective_gid() -> u32 {
    // SAFETY: getegid takes no arguments, touches no memory and cannot fail.
    unsafe { libc::getegid() }
}

pub fn is_root() -> bool {
    effective_uid() == 0
}

/// Runs `f` with this thread's filesystem ids set to `uid` and `gid`: its path lookups are
/// checked as for a process of those ids, without root's capabilities over files.
pub fn with_fs_ids<T>(uid: u32, gid: u32, f: impl FnOnce() -> T) -> T {
    // SAFETY: setfsgid and setfsuid take plain integers, change only this thread's
    // credentials and return the previous id.
    let (old_gid, old_uid) = unsafe { (libc::setfsgid(gid), libc::setfsuid(uid)) };
    let out = f();
    // SAFETY: as above, putting the previous ids back.
    unsafe {
        (
            libc::setfsuid(old_uid as u32),
            libc::setfsgid(old_gid as u32),
        )
    };
    out
}

/// Whether this process is in a user namespace other than the initial one, whose uid_map
/// alone maps every id onto itself.
pub fn in_user_namespace() -> bool {
    let map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    !map.split_whitespace().eq(["0", "0", "4294967295"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_runs_in_the_initial_user_namespace_and_a_child_of_unshare_does_not() {
        assert!(!in_user_namespace());
        let out = std::process::Command::new("unshare")
            .args(["--user", "cat", "/proc/self/uid_map"])
            .output()
            .expect("unshare");
        let map = String::from_utf8_lossy(&out.stdout);
        assert!(
            !map.split_whitespace().eq(["0", "0", "4294967295"]),
            "{map}"
        );
    }

    #[test]
    fn ids_match_proc_status() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let field = |name: &str| -> u32 {
            let line = status.lines().find(|l| l.starts_with(name)).unwrap();
            line.split_whitespace().nth(2).unwrap().parse().unwrap()
        };
        assert_eq!(effective_uid(), field("Uid:"));
        assert_eq!(effective_gid(), field("Gid:"));
    }
}
