//! What the kernel says about this process in /proc, for every module that needs it: a verified
//! handle for opening and writing /proc files, and the text files rootfs and cgroups both parse
//! (the mount table and the cgroup membership).

pub mod cgroup;
#[cfg(test)]
pub mod fake;
pub mod handle;
pub mod mountinfo;

/// `pid`'s number in its own pid namespace (the last of /proc/PID/status's NSpid), as the
/// process itself sees it with getpid.
pub fn inner_pid(pid: libc::pid_t) -> Option<libc::pid_t> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("NSpid:"))?;
    line.split_whitespace().last()?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn own_inner_pid_is_own_pid() {
        let me = std::process::id() as libc::pid_t;
        assert_eq!(super::inner_pid(me), Some(me));
        assert_eq!(super::inner_pid(-1), None);
    }
}
