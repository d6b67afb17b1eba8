//! `linux.maskedPaths`: files are covered by /dev/null and directories by an empty read-only
//! tmpfs. The /dev/null used is verified to be the real character device 1:3 and bound by its
//! descriptor, so an image that makes /dev/null a symlink or regular file exposes nothing
//! (CVE-2025-31133).

use super::error::{Context, RootfsError};
use super::resolve::Root;
use crate::sys::{fs, mount};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

pub fn apply(root: &Root, paths: &[PathBuf]) -> Result<(), RootfsError> {
    let mut null: Option<OwnedFd> = None;
    for path in paths {
        let shown = path.display();
        let target = match root.resolve(path) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            other => other.context(|| format!("open masked path {shown}"))?,
        };
        let st = fs::fstat(target.as_fd()).context(|| format!("stat masked path {shown}"))?;
        let cover = if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
            mount::new_detached_fs("tmpfs", libc::MOUNT_ATTR_RDONLY)
                .context(|| format!("create a read-only tmpfs to mask {shown}"))?
        } else {
            let null = match null {
                Some(ref fd) => fd,
                None => null.insert(dev_null(root)?),
            };
            mount::clone_tree(null.as_fd(), false)
                .context(|| format!("clone /dev/null to mask {shown}"))?
        };
        mount::move_mount(cover.as_fd(), target.as_fd()).context(|| format!("mask {shown}"))?;
    }
    Ok(())
}

fn dev_null(root: &Root) -> Result<OwnedFd, RootfsError> {
    let fd = root
        .resolve(Path::new("/dev/null"))
        .context(|| "open /dev/null to mask paths")?;
    let st = fs::fstat(fd.as_fd()).context(|| "stat /dev/null")?;
    let is_null = st.st_mode & libc::S_IFMT == libc::S_IFCHR
        && libc::major(st.st_rdev) == 1
        && libc::minor(st.st_rdev) == 3;
    if !is_null {
        return Err(RootfsError::refused(
            "verify /dev/null before masking paths",
            "it is not the character device 1:3",
        ));
    }
    Ok(fd)
}
