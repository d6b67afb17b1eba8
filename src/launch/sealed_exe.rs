//! What husk init is started from: a view of the husk binary that nothing in a container can
//! write through /proc/PID/exe (CVE-2019-5736).
//!
//! The first choice is the binary seen through a private overlayfs with no upper layer: it is
//! read-only for good (no remount can reach a detached mount), shares the binary's page cache
//! and costs a handful of syscalls. A sealed memfd copy costs a copy of the whole binary per
//! container and fresh pages to fault in, so it is only the fallback: a caller without root
//! cannot make an overlayfs, and some filesystems cannot be its layers.

use crate::sys::{memfd, mount};
use std::fs;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// An fd of the binary at `exe` (usually /proc/self/exe) that can be exec'd through
/// /proc/self/fd and never written.
///
/// overlayfs without an upper layer needs two lower ones: the binary's directory on top, so
/// that nothing below can shadow the binary, and a spare one under it that only has to
/// exist, be writable by the caller alone, not nest with the binary's directory and have no
/// mounts below it. The state root `spare` comes first: in a user namespace (a rootless
/// engine's runtime) the kernel refuses a layer with locked mounts below, as /dev has, and
/// logs each refusal. /dev is the second choice, for a binary kept within the state root or
/// above it.
pub fn open(exe: &Path, spare: &Path) -> io::Result<OwnedFd> {
    let real = real_path(exe);
    let dir = real.parent().unwrap_or(Path::new("/"));
    let mut why = io::Error::other("every spare layer nests with the binary's directory");
    // A layer that nests with another is refused too, after the kernel has set up and torn
    // down a whole overlay (about a millisecond) and logged it.
    for layer in [spare, Path::new("/dev")] {
        if layer.starts_with(dir) || dir.starts_with(layer) {
            continue;
        }
        match overlay_view(&real, layer) {
            Ok(fd) => return Ok(fd),
            Err(e) => why = e,
        }
    }
    crate::log::debug(|| {
        format!("sealed exe: no overlayfs view of {real:?} ({why}): copying it into a memfd")
    });
    memfd::sealed_copy(exe)
}

/// /proc/self/exe names the running binary by a magic link; overlayfs needs its real path.
fn real_path(exe: &Path) -> PathBuf {
    fs::read_link(exe)
        .or_else(|_| fs::canonicalize(exe))
        .unwrap_or_else(|_| exe.to_path_buf())
}

fn overlay_view(real: &Path, spare: &Path) -> io::Result<OwnedFd> {
    let (Some(dir), Some(name)) = (real.parent(), real.file_name()) else {
        return Err(io::ErrorKind::InvalidInput.into());
    };
    let ctx = mount::fs_open("overlay")?;
    let lower = format!("{}:{}", escape_layer(dir), escape_layer(spare));
    mount::fs_config(ctx.as_fd(), "lowerdir", Some(&lower))?;
    // xino only matters to readdir and stat of merged dirs; left on it may warn in dmesg.
    let _ = mount::fs_config(ctx.as_fd(), "xino", Some("off"));
    let attrs = libc::MOUNT_ATTR_RDONLY | libc::MOUNT_ATTR_NODEV | libc::MOUNT_ATTR_NOSUID;
    let mnt = mount::fs_mount(ctx.as_fd(), attrs)?;
    let inside = Path::new("/proc/self/fd")
        .join(mnt.as_raw_fd().to_string())
        .join(name);
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_NOFOLLOW)
        .open(inside)?;
    Ok(file.into())
}

/// A layer list separates paths with ':' and escapes with '\'.
fn escape_layer(dir: &Path) -> String {
    dir.to_string_lossy()
        .replace('\\', "\\\\")
        .replace(':', "\\:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_path_escapes_separators() {
        assert_eq!(escape_layer(Path::new("/a:b\\c")), "/a\\:b\\\\c");
    }
}
