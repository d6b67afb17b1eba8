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

#[cfg(test)]
mod tests {
    use super::*;

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
