//! Mount propagation of the host side: keep the container's mounts from leaking back to the
//! host, and make the rootfs a mount point that pivot_root accepts.

use super::error::{Context, RootfsError};
use super::options;
use crate::procfs::mountinfo;
use crate::sys::mount::mount;
use libc::c_ulong;
use std::path::Path;

/// `linux.rootfsPropagation` as mount flags; None when unset.
pub fn configured(value: Option<&str>) -> Result<Option<c_ulong>, RootfsError> {
    value
        .map(|v| {
            options::propagation(v).ok_or_else(|| {
                RootfsError::refused(
                    "linux.rootfsPropagation",
                    format!("unknown propagation {v:?}"),
                )
            })
        })
        .transpose()
}

/// Runs before any container mount: `/` becomes rslave (or the configured propagation), the
/// rootfs's parent mount stops being shared, and the rootfs is bound onto itself.
pub fn prepare_root(flags: Option<c_ulong>, rootfs: &Path) -> Result<(), RootfsError> {
    let flags = flags.unwrap_or(libc::MS_SLAVE | libc::MS_REC);
    mount(None, Path::new("/"), None, flags, None).context(|| "set propagation of /")?;
    // A recursive slave, private or unbindable `/` leaves no mount shared to look for.
    let unshared = libc::MS_SLAVE | libc::MS_PRIVATE | libc::MS_UNBINDABLE;
    if flags & libc::MS_REC == 0 || flags & unshared == 0 {
        make_parent_private(rootfs)?;
    }
    mount(
        Some(rootfs),
        rootfs,
        None,
        libc::MS_BIND | libc::MS_REC,
        None,
    )
    .context(|| format!("bind mount rootfs {} onto itself", rootfs.display()))
}

/// pivot_root(2) refuses a new root whose parent mount is shared.
fn make_parent_private(rootfs: &Path) -> Result<(), RootfsError> {
    let text =
        std::fs::read_to_string("/proc/self/mountinfo").context(|| "read /proc/self/mountinfo")?;
    let mounts = mountinfo::parse(&text);
    let Some(parent) = mountinfo::containing(&mounts, rootfs).filter(|m| m.is_shared()) else {
        return Ok(());
    };
    mount(None, &parent.mount_point, None, libc::MS_PRIVATE, None).context(|| {
        format!(
            "make {} (parent mount of the rootfs) private",
            parent.mount_point.display()
        )
    })
}

/// After pivot_root: the configured rootfsPropagation applies to the new `/`. Doing it earlier
/// would make pivot_root fail for "shared" and could change the host's mount.
pub fn apply_to_root(flags: Option<c_ulong>) -> Result<(), RootfsError> {
    match flags {
        Some(f) => mount(None, Path::new("/"), None, f, None)
            .context(|| "apply linux.rootfsPropagation to /"),
        None => Ok(()),
    }
}
