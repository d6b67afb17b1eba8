//! Which cgroup hierarchies are mounted, read from /proc/self/mountinfo and /proc/self/cgroup.

use super::CgroupError;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchy {
    pub mountpoint: PathBuf,
    /// This process's own cgroup in the hierarchy, relative to the mount's root.
    pub own: PathBuf,
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
        let mountinfo = read("/proc/self/mountinfo")?;
        let own = read("/proc/self/cgroup")?;
        Ok(Layout::parse(&mountinfo, &own))
    }

    /// One hierarchy per cgroup mount whose root is the hierarchy's root (bind mounts of
    /// sub-cgroups would place the container in the wrong spot) and that this process is in.
    fn parse(mountinfo: &str, own: &str) -> Layout {
        let mut hierarchies: Vec<Hierarchy> = Vec::new();
        for line in mountinfo.lines() {
            let Some(m) = CgroupMount::parse(line) else {
                continue;
            };
            let Some(own) = own_cgroup(own, &m) else {
                continue;
            };
            if hierarchies.iter().all(|h| h.mountpoint != m.mountpoint) {
                hierarchies.push(Hierarchy {
                    mountpoint: m.mountpoint,
                    own,
                });
            }
        }
        Layout { hierarchies }
    }
}

fn read(path: &str) -> Result<String, CgroupError> {
    fs::read_to_string(path).map_err(|e| CgroupError::io("read", Path::new(path), e))
}

struct CgroupMount {
    mountpoint: PathBuf,
    /// None for cgroup2; else the v1 controllers and name= options of the mount.
    v1_options: Option<Vec<String>>,
}

impl CgroupMount {
    fn parse(line: &str) -> Option<CgroupMount> {
        let (left, right) = line.split_once(" - ")?;
        let fields: Vec<&str> = left.split(' ').collect();
        let mut r = right.split(' ');
        let fstype = r.next()?;
        let super_opts = r.nth(1)?;
        if fields.get(3) != Some(&"/") {
            return None;
        }
        let mountpoint = PathBuf::from(unescape(fields.get(4)?));
        let v1_options = match fstype {
            "cgroup2" => None,
            "cgroup" => Some(
                super_opts
                    .split(',')
                    .filter(|o| is_controller_option(o))
                    .map(str::to_string)
                    .collect(),
            ),
            _ => return None,
        };
        Some(CgroupMount {
            mountpoint,
            v1_options,
        })
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

/// mountinfo escapes space, tab, newline and backslash as octal.
fn unescape(s: &str) -> String {
    s.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// This process's cgroup in the hierarchy of mount `m`, from /proc/self/cgroup lines
/// `ID:controllers:path` (controllers empty for v2).
fn own_cgroup(own: &str, m: &CgroupMount) -> Option<PathBuf> {
    own.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let matches = match &m.v1_options {
            None => controllers.is_empty(),
            Some(opts) => {
                let mut listed: Vec<&str> = controllers.split(',').collect();
                let mut mounted: Vec<&str> = opts.iter().map(String::as_str).collect();
                listed.sort_unstable();
                mounted.sort_unstable();
                !controllers.is_empty() && listed == mounted
            }
        };
        matches.then(|| PathBuf::from(path))
    })
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
        let l = Layout::parse(MOUNTINFO, OWN);
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
    }

    #[test]
    fn relative_paths_hang_under_own_cgroup_absolute_under_root() {
        let l = Layout::parse(MOUNTINFO, OWN);
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
