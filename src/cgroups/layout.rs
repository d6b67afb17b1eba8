//! Which cgroup hierarchies are mounted, read from /proc/self/mountinfo and /proc/self/cgroup.

use super::CgroupError;
use crate::procfs::cgroup::{self, Membership};
use crate::procfs::mountinfo::{self, MountInfo};
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchy {
    pub mountpoint: PathBuf,
    /// This process's own cgroup in the hierarchy, relative to the mount's root.
    pub own: PathBuf,
    /// A cgroup2 mount: the unified hierarchy, alone or beside v1 ones (hybrid).
    pub v2: bool,
    /// The v1 controllers mounted here (`cpu`, `cpuacct`), none for cgroup2.
    pub controllers: Vec<String>,
}

impl Hierarchy {
    pub fn dir_for(&self, rel: &Path) -> PathBuf {
        match rel.strip_prefix("/") {
            Ok(abs) => self.mountpoint.join(abs),
            Err(_) => self
                .mountpoint
                .join(self.own.strip_prefix("/").unwrap_or(&self.own))
                .join(rel),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub hierarchies: Vec<Hierarchy>,
}

impl Layout {
    pub fn detect() -> Result<Layout, CgroupError> {
        let path = Path::new("/proc/self/mountinfo");
        let text = fs::read_to_string(path).map_err(|e| CgroupError::io("read", path, e))?;
        let own = cgroup::own()
            .map_err(|e| CgroupError::io("read", Path::new("/proc/self/cgroup"), e))?;
        Ok(Layout::from_parts(&mountinfo::parse(&text), &own))
    }

    /// Only the cgroup2 hierarchy is mounted.
    pub fn is_unified(&self) -> bool {
        matches!(&self.hierarchies[..], [h] if h.v2)
    }

    /// One hierarchy per cgroup mount whose root is the hierarchy's root (bind mounts of
    /// sub-cgroups would place the container in the wrong spot) and that this process is in.
    fn from_parts(mounts: &[MountInfo], own: &[Membership]) -> Layout {
        let mut hierarchies: Vec<Hierarchy> = Vec::new();
        // A later mount at or above a mount point hides it (cgroup2 mounted over the v1 tree).
        let visible = |(i, m): &(usize, &MountInfo)| {
            !mounts[i + 1..]
                .iter()
                .any(|l| m.mount_point.starts_with(&l.mount_point))
        };
        for (_, m) in mounts
            .iter()
            .enumerate()
            .filter(visible)
            .filter(|(_, m)| m.root == Path::new("/"))
        {
            let Some(controllers) = controllers_of(m) else {
                continue;
            };
            let Some(own) = own.iter().find(|o| o.controller_set() == controllers) else {
                continue;
            };
            if hierarchies.iter().all(|h| h.mountpoint != m.mount_point) {
                hierarchies.push(Hierarchy {
                    mountpoint: m.mount_point.clone(),
                    own: own.path.clone(),
                    v2: controllers.is_empty(),
                    controllers: controllers
                        .iter()
                        .filter(|c| !c.starts_with("name="))
                        .map(|c| c.to_string())
                        .collect(),
                });
            }
        }
        // v2 lets no cgroup that holds processes hand controllers to its children, and the
        // caller's own cgroup holds at least the caller: on a unified host the container
        // hangs under its parent instead, as runc places it.
        if let [h] = &mut hierarchies[..] {
            if h.v2 {
                h.own = h.own.parent().unwrap_or(&h.own).to_path_buf();
            }
        }
        Layout { hierarchies }
    }
}

/// The sorted controllers (and name=) of a cgroup mount, empty for cgroup2; None if `m` is not
/// a cgroup mount.
fn controllers_of(m: &MountInfo) -> Option<Vec<&str>> {
    match m.fstype.as_str() {
        "cgroup2" => Some(Vec::new()),
        "cgroup" => {
            let mut c: Vec<&str> = m
                .super_options
                .split(',')
                .filter(|o| is_controller_option(o))
                .collect();
            c.sort_unstable();
            Some(c)
        }
        _ => None,
    }
}

/// Mount options of a v1 hierarchy that /proc/self/cgroup lists for it.
fn is_controller_option(o: &str) -> bool {
    const CONTROLLERS: &[&str] = &[
        "cpu",
        "cpuacct",
        "cpuset",
        "memory",
        "devices",
        "freezer",
        "net_cls",
        "net_prio",
        "blkio",
        "perf_event",
        "hugetlb",
        "pids",
        "rdma",
        "misc",
    ];
    o.starts_with("name=") || CONTROLLERS.contains(&o)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw
32 30 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct
34 30 0:30 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,xattr,name=systemd
35 30 0:28 /sub /mnt/bound rw - cgroup cgroup rw,memory
";
    const OWN: &str = "4:memory:/process_api/abc\n3:cpu,cpuacct:/\n2:name=systemd:/\n0::/\n";

    #[test]
    fn hybrid_layout_finds_every_hierarchy_once() {
        let l = Layout::from_parts(&mountinfo::parse(MOUNTINFO), &cgroup::parse(OWN));
        let mps: Vec<_> = l
            .hierarchies
            .iter()
            .map(|h| h.mountpoint.to_str().unwrap())
            .collect();
        assert_eq!(
            mps,
            [
                "/sys/fs/cgroup/unified",
                "/sys/fs/cgroup/memory",
                "/sys/fs/cgroup/cpu,cpuacct",
                "/sys/fs/cgroup/systemd"
            ]
        );
        assert_eq!(l.hierarchies[1].own, PathBuf::from("/process_api/abc"));
        assert!(l.hierarchies[0].v2 && !l.hierarchies[1].v2);
    }

    #[test]
    fn pure_v1_and_unified_layouts() {
        let v1: String = MOUNTINFO
            .lines()
            .filter(|l| !l.contains("cgroup2"))
            .map(|l| l.to_owned() + "\n")
            .collect();
        let l = Layout::from_parts(&mountinfo::parse(&v1), &cgroup::parse(OWN));
        assert_eq!(l.hierarchies.len(), 3);
        assert!(l.hierarchies.iter().all(|h| !h.v2));
        let v2 = MOUNTINFO.to_owned() + "40 30 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        let l = Layout::from_parts(&mountinfo::parse(&v2), &cgroup::parse("0::/a/b\n"));
        assert_eq!(l.hierarchies.len(), 1);
        assert!(l.hierarchies[0].v2);
        assert_eq!(
            l.hierarchies[0].dir_for(Path::new("c")),
            PathBuf::from("/sys/fs/cgroup/a/c"),
            "on a unified host the container goes beside the caller, not below it"
        );
        let l = Layout::from_parts(&mountinfo::parse(&v2), &cgroup::parse("0::/\n"));
        assert_eq!(
            l.hierarchies[0].dir_for(Path::new("c")),
            PathBuf::from("/sys/fs/cgroup/c")
        );
    }

    #[test]
    fn relative_paths_hang_under_own_cgroup_absolute_under_root() {
        let l = Layout::from_parts(&mountinfo::parse(MOUNTINFO), &cgroup::parse(OWN));
        let mem = &l.hierarchies[1];
        assert_eq!(
            mem.dir_for(Path::new("c1")),
            PathBuf::from("/sys/fs/cgroup/memory/process_api/abc/c1")
        );
        assert_eq!(
            mem.dir_for(Path::new("/a/c1")),
            PathBuf::from("/sys/fs/cgroup/memory/a/c1")
        );
    }
}
