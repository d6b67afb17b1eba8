//! Switching the process's root to the prepared rootfs.

use super::error::{Context, RootfsError};
use crate::procfs::mountinfo;
use crate::sys::{fs, mount};
use std::os::fd::AsFd;
use std::path::Path;

pub fn pivot(rootfs: &Path, no_pivot: bool) -> Result<(), RootfsError> {
    if no_pivot {
        move_root(rootfs)
    } else {
        pivot_root(rootfs)
    }
}

/// pivot_root(".", ".") stacks the old root on top of the new one, so no put_old directory has
/// to exist in (or be created in) the image; the old root is then detached from under us.
fn pivot_root(rootfs: &Path) -> Result<(), RootfsError> {
    let dir = libc::O_DIRECTORY | libc::O_RDONLY;
    let old = fs::openat(None, Path::new("/"), dir, 0).context(|| "open the old root /")?;
    let new =
        fs::openat(None, rootfs, dir, 0).context(|| format!("open rootfs {}", rootfs.display()))?;
    fs::fchdir(new.as_fd()).context(|| format!("chdir into rootfs {}", rootfs.display()))?;
    mount::pivot_root(Path::new("."), Path::new("."))
        .context(|| format!("pivot_root into {}", rootfs.display()))?;
    fs::fchdir(old.as_fd()).context(|| "chdir to the old root")?;
    // The detach below must not propagate to the host's mounts.
    mount::mount(
        None,
        Path::new("."),
        None,
        libc::MS_SLAVE | libc::MS_REC,
        None,
    )
    .context(|| "make the old root rslave")?;
    mount::umount2(Path::new("."), libc::MNT_DETACH).context(|| "detach the old root")?;
    std::env::set_current_dir("/").context(|| "chdir / in the new root")
}

/// For roots pivot_root cannot leave (e.g. an initramfs): move the rootfs over / and chroot.
fn move_root(rootfs: &Path) -> Result<(), RootfsError> {
    let rootfs = &std::fs::canonicalize(rootfs)
        .context(|| format!("resolve rootfs {}", rootfs.display()))?;
    hide_host_pseudo_filesystems(rootfs)?;
    std::env::set_current_dir(rootfs)
        .context(|| format!("chdir into rootfs {}", rootfs.display()))?;
    mount::mount(Some(rootfs), Path::new("/"), None, libc::MS_MOVE, None)
        .context(|| format!("move rootfs {} onto /", rootfs.display()))?;
    fs::chroot(Path::new(".")).context(|| format!("chroot into {}", rootfs.display()))?;
    std::env::set_current_dir("/").context(|| "chdir / in the new root")
}

/// The host's whole procfs and sysfs mounts stay in this mount namespace under a chroot, and a
/// fully visible one is what lets a user namespace's root mount a fresh, unmasked procfs or
/// sysfs. Each is detached (without telling the host), or covered with a tmpfs where the
/// kernel keeps it locked, as runc does.
fn hide_host_pseudo_filesystems(rootfs: &Path) -> Result<(), RootfsError> {
    let text =
        std::fs::read_to_string("/proc/self/mountinfo").context(|| "read /proc/self/mountinfo")?;
    let whole = |m: &&mountinfo::MountInfo| {
        m.root == Path::new("/")
            && matches!(m.fstype.as_str(), "proc" | "sysfs")
            && !m.mount_point.starts_with(rootfs)
    };
    for m in mountinfo::parse(&text).iter().filter(whole) {
        let at = &m.mount_point;
        let shown = || format!("hide the host's {} at {}", m.fstype, at.display());
        match mount::mount(None, at, None, libc::MS_SLAVE | libc::MS_REC, None) {
            // A detached parent took it along already.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            other => other.context(shown)?,
        }
        match mount::umount2(at, libc::MNT_DETACH) {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EPERM)) => {
                let tmpfs = Path::new("tmpfs");
                mount::mount(Some(tmpfs), at, Some("tmpfs"), 0, None).context(shown)?
            }
            other => other.context(shown)?,
        }
    }
    Ok(())
}
