//! What may be mounted on or under the container's /proc. Anything else could hide or fake the
//! files the runtime and the kernel rely on there (CVE-2019-19921).

use std::path::Path;

/// Files lxcfs-style tools legitimately replace with their own views.
const REPLACEABLE: &[&str] = &[
    "proc/cpuinfo",
    "proc/diskstats",
    "proc/meminfo",
    "proc/stat",
    "proc/swaps",
    "proc/uptime",
    "proc/loadavg",
    "proc/slabinfo",
    "proc/net/dev",
    "proc/sys/kernel/ns_last_pid",
];

/// `rel` is the cleaned destination relative to the root; `is_procfs` says whether the mounted
/// filesystem (or bind source) is procfs itself.
pub fn allowed(rel: &Path, is_procfs: bool) -> bool {
    if !rel.starts_with("proc") || is_procfs {
        return true;
    }
    REPLACEABLE.iter().any(|p| rel == Path::new(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_procfs_or_known_files_under_proc() {
        assert!(allowed(Path::new("proc"), true));
        assert!(!allowed(Path::new("proc"), false));
        assert!(allowed(Path::new("proc/meminfo"), false));
        assert!(!allowed(Path::new("proc/self"), false));
        assert!(allowed(Path::new("procfoo/x"), false));
        assert!(allowed(Path::new("etc/hosts"), false));
    }
}
