//! A `cgroup` mount entry. On a cgroup v2 host it is cgroup2 itself. On a v1 host it is a tmpfs
//! holding one directory per hierarchy: the container's own cgroup bound in (or, with a cgroup
//! namespace, a fresh mount of that hierarchy), so the container never sees its siblings.

use super::error::{Context, RootfsError};
use super::mounter::Mounter;
use super::options::MountOptions;
use crate::procfs::cgroup::{self as membership, Membership as OwnCgroup};
use crate::procfs::mountinfo::{self, MountInfo};
use crate::sys::{fs, mount};
use std::os::fd::AsFd;
use std::path::Path;

const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// Read-only unless the container has its own cgroup namespace, whatever the options say: a
/// writable view of the host's hierarchies would let the container move itself out of its
/// cgroup or change its own limits.
pub fn mount(
    m: &Mounter,
    dest: &Path,
    opts: &MountOptions,
    place: &str,
) -> Result<(), RootfsError> {
    let mut forced;
    let opts = match m.ns.cgroup {
        true => opts,
        false => {
            forced = opts.clone();
            forced.flags |= libc::MS_RDONLY;
            &forced
        }
    };
    let host = fs::openat(None, Path::new(CGROUP_ROOT), libc::O_PATH, 0)
        .context(|| format!("open {CGROUP_ROOT}"))?;
    let magic = fs::fstatfs(host.as_fd())
        .context(|| format!("statfs {CGROUP_ROOT}"))?
        .f_type as i64;
    let own = own_cgroups()?;
    if magic == libc::CGROUP2_SUPER_MAGIC {
        unified(m, dest, opts, place, &own)
    } else {
        per_hierarchy(m, dest, opts, place, &own)
    }
}

fn own_cgroups() -> Result<Vec<OwnCgroup>, RootfsError> {
    membership::own().context(|| "read /proc/self/cgroup")
}

/// Without a cgroup namespace a user namespace may not mount cgroup2; binding our own cgroup
/// directory shows the same subtree.
fn unified(
    m: &Mounter,
    dest: &Path,
    opts: &MountOptions,
    place: &str,
    own: &[OwnCgroup],
) -> Result<(), RootfsError> {
    let err = match m.fs_mount("cgroup2", Path::new("cgroup2"), dest, opts, place) {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    let fallback = matches!(
        err.os_error().and_then(|e| e.raw_os_error()),
        Some(libc::EPERM | libc::EBUSY)
    );
    let Some(cg) = own
        .iter()
        .find(|c| c.controllers.is_empty())
        .filter(|_| fallback)
    else {
        return Err(err);
    };
    let source = Path::new(CGROUP_ROOT).join(cg.path.strip_prefix("/").unwrap_or(&cg.path));
    let mut bind = opts.clone();
    bind.flags |= libc::MS_BIND | libc::MS_REC;
    m.bind(&source, dest, &bind, place).map(drop)
}

fn per_hierarchy(
    m: &Mounter,
    dest: &Path,
    opts: &MountOptions,
    place: &str,
    own: &[OwnCgroup],
) -> Result<(), RootfsError> {
    let mut tmpfs = MountOptions {
        flags: (opts.flags | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC) & !libc::MS_RDONLY,
        data: "mode=755".into(),
        ..MountOptions::default()
    };
    tmpfs.propagation = opts.propagation.clone();
    let top = m.fs_mount("tmpfs", Path::new("tmpfs"), dest, &tmpfs, place)?;
    let text =
        std::fs::read_to_string("/proc/self/mountinfo").context(|| "read /proc/self/mountinfo")?;
    let mounts = mountinfo::parse(&text);
    for cg in own.iter().filter(|c| !c.controllers.is_empty()) {
        let Some(host) = hierarchy(&mounts, &cg.controllers) else {
            continue;
        };
        hierarchy_mount(m, dest, opts, place, cg, host)?;
        link_controllers(&top, host, place)?;
    }
    if opts.flags & libc::MS_RDONLY != 0 {
        let ro = mount::MountAttr {
            set: libc::MOUNT_ATTR_RDONLY,
            ..Default::default()
        };
        mount::mount_setattr(top.as_fd(), ro, false)
            .context(|| format!("make {place} read-only"))?;
    }
    Ok(())
}

/// The host's v1 mount carrying exactly this line's controllers.
fn hierarchy<'a>(mounts: &'a [MountInfo], controllers: &str) -> Option<&'a MountInfo> {
    mounts.iter().find(|mi| {
        mi.fstype == "cgroup"
            && controllers
                .split(',')
                .all(|c| mi.super_options.split(',').any(|o| o == c))
    })
}

fn hierarchy_mount(
    m: &Mounter,
    dest: &Path,
    opts: &MountOptions,
    place: &str,
    cg: &OwnCgroup,
    host: &MountInfo,
) -> Result<(), RootfsError> {
    let name = host.mount_point.file_name().unwrap_or_default();
    let sub = dest.join(name);
    let sub_place = format!("{} (for {place})", sub.display());
    if m.ns.cgroup {
        let mut fresh = opts.clone();
        fresh.data = cg.controllers.clone();
        return m
            .fs_mount("cgroup", Path::new("cgroup"), &sub, &fresh, &sub_place)
            .map(drop);
    }
    let within = cg.path.strip_prefix(&host.root).unwrap_or(&cg.path);
    let source = host.mount_point.join(within);
    let mut bind = opts.clone();
    bind.flags |= libc::MS_BIND | libc::MS_REC;
    m.bind(&source, &sub, &bind, &sub_place).map(drop)
}

/// "cpu" and "cpuacct" as symlinks to "cpu,cpuacct", as on the host.
fn link_controllers(
    top: &std::os::fd::OwnedFd,
    host: &MountInfo,
    place: &str,
) -> Result<(), RootfsError> {
    let name = host.mount_point.file_name().unwrap_or_default();
    let Some(combined) = name.to_str().filter(|n| n.contains(',')) else {
        return Ok(());
    };
    for controller in combined.split(',') {
        match fs::symlinkat(Path::new(combined), top.as_fd(), Path::new(controller)) {
            Err(e) if e.raw_os_error() != Some(libc::EEXIST) => {
                return Err(RootfsError::os(
                    format!("symlink {controller} -> {combined} in {place}"),
                    e,
                ))
            }
            _ => {}
        }
    }
    Ok(())
}
