//! `linux.readonlyPaths` and `root.readonly`. mount_setattr changes only the read-only bit, so
//! the other flags (nosuid, nodev, noexec, atime) stay as they were without reading them first.

use super::error::{Context, RootfsError};
use super::resolve::Root;
use crate::sys::mount::{self, MountAttr};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

const READ_ONLY: MountAttr = MountAttr {
    set: libc::MOUNT_ATTR_RDONLY,
    clear: 0,
    propagation: 0,
};

/// Each path is bound onto itself with its submounts, and the top of that bind made read-only.
pub fn paths(root: &Root, paths: &[PathBuf]) -> Result<(), RootfsError> {
    for path in paths {
        let shown = path.display();
        let target = match root.resolve(path) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            other => other.context(|| format!("open read-only path {shown}"))?,
        };
        let tree = mount::clone_tree(target.as_fd(), true)
            .context(|| format!("bind read-only path {shown}"))?;
        mount::mount_setattr(tree.as_fd(), READ_ONLY, false)
            .context(|| format!("make {shown} read-only"))?;
        mount::move_mount(tree.as_fd(), target.as_fd())
            .context(|| format!("mount read-only {shown} in place"))?;
    }
    Ok(())
}

/// The mount at `path` itself, not the mounts below it (a read-only /dev mount).
pub fn mount_at(root: &Root, path: &Path) -> Result<(), RootfsError> {
    let shown = path.display();
    let target = root.resolve(path).context(|| format!("open {shown}"))?;
    mount::mount_setattr(target.as_fd(), READ_ONLY, false)
        .context(|| format!("remount {shown} read-only"))
}

/// `root.readonly`: the root mount itself, not the mounts below it.
pub fn root(root: &Root) -> Result<(), RootfsError> {
    mount::mount_setattr(root.fd(), READ_ONLY, false).context(|| "remount / read-only")
}
