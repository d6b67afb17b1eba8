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
    drop_host_pseudo_fs(rootfs)?;
    std::env::set_current_dir(rootfs)
        .context(|| format!("chdir into rootfs {}", rootfs.display()))?;
    mount::mount(Some(rootfs), Path::new("/"), None, libc::MS_MOVE, None)
        .context(|| format!("move rootfs {} onto /", rootfs.display()))?;
    chroot_here(rootfs)
}

/// Without a mount namespace of its own, the container's root is the rootfs directory itself.
pub fn chroot(rootfs: &Path) -> Result<(), RootfsError> {
    std::env::set_current_dir(rootfs)
        .context(|| format!("chdir into rootfs {}", rootfs.display()))?;
    chroot_here(rootfs)
}

fn chroot_here(rootfs: &Path) -> Result<(), RootfsError> {
    fs::chroot(Path::new(".")).context(|| format!("chroot into {}", rootfs.display()))?;
    std::env::set_current_dir("/").context(|| "chdir / in the new root")
}

/// The host's whole procfs and sysfs mounts stay in this mount namespace under the chroot, and
/// the kernel lets a new user namespace mount a fresh procfs or sysfs while one is fully
/// visible there: each is detached, or covered where it cannot be. `rootfs` is a real path,
/// as mountinfo names the container's own /proc and /sys under it.
fn drop_host_pseudo_fs(rootfs: &Path) -> Result<(), RootfsError> {
    let text =
        std::fs::read_to_string("/proc/self/mountinfo").context(|| "read /proc/self/mountinfo")?;
    let whole = |m: &&mountinfo::MountInfo| {
        m.root == Path::new("/")
            && matches!(m.fstype.as_str(), "proc" | "sysfs")
            && !m.mount_point.starts_with(rootfs)
    };
    for m in mountinfo::parse(&text).iter().filter(whole) {
        let point = &m.mount_point;
        // Made a slave first, so the detach does not propagate to the host.
        let done = match mount::mount(None, point, None, libc::MS_SLAVE | libc::MS_REC, None) {
            // Under a mount detached before it.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Ok(()) => match mount::umount2(point, libc::MNT_DETACH) {
                Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EPERM)) => {
                    mount::mount(Some(Path::new("tmpfs")), point, Some("tmpfs"), 0, None)
                }
                other => other,
            },
            err => err,
        };
        done.context(|| format!("take the host's {} off {}", m.fstype, point.display()))?;
    }
    Ok(())
}
