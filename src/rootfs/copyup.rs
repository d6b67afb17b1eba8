//! `tmpcopyup`: a tmpfs that starts out with a copy of the directory it covers (podman asks for
//! it with `--tmpfs`). The tmpfs is created detached with fsopen/fsmount, filled while nothing
//! else can reach it, and only then attached over the destination: the copy never writes
//! through a path the image controls, and the container never sees it half filled.

use super::copytree;
use super::error::{Context, RootfsError};
use super::mounter::Mounter;
use super::options::MountOptions;
use super::resolve::Node;
use crate::sys::fs;
use crate::sys::mount::{self, MountAttr};
use libc::c_ulong;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

/// Superblock flags, which mount(2) takes as MS_* bits and fsconfig(2) by name. MS_SILENT has
/// no name there; it only quiets the kernel's log while mounting, so it is left out.
const SUPERBLOCK: &[(c_ulong, &str)] = &[
    (libc::MS_SYNCHRONOUS, "sync"),
    (libc::MS_DIRSYNC, "dirsync"),
    (libc::MS_LAZYTIME, "lazytime"),
    (libc::MS_MANDLOCK, "mand"),
];

/// Per-mount flags, which fsmount(2) takes as MOUNT_ATTR_* bits. MS_RDONLY is not here: it is
/// applied once the copy is in.
const PER_MOUNT: &[(c_ulong, u64)] = &[
    (libc::MS_NOSUID, libc::MOUNT_ATTR_NOSUID),
    (libc::MS_NODEV, libc::MOUNT_ATTR_NODEV),
    (libc::MS_NOEXEC, libc::MOUNT_ATTR_NOEXEC),
    (libc::MS_NODIRATIME, libc::MOUNT_ATTR_NODIRATIME),
    (libc::MS_NOSYMFOLLOW, libc::MOUNT_ATTR_NOSYMFOLLOW),
];

/// Mounts a tmpfs holding a copy of `dest`'s contents onto `dest`; `name` ("mounts[3] /tmp")
/// starts every error.
pub fn mount(
    m: &Mounter,
    source: &Path,
    dest: &Path,
    opts: &MountOptions,
    name: &str,
) -> Result<OwnedFd, RootfsError> {
    m.check_proc(dest, false, name)?;
    let target = m.target(dest, Node::Dir, false, name)?;
    let from = open_dir(target.as_fd()).context(|| format!("{name}: open it to copy up"))?;
    let st = fs::fstat(from.as_fd()).context(|| format!("{name}: stat"))?;
    let tmpfs = detached_tmpfs(source, opts, st.st_mode & 0o7777, name)?;
    let to = open_dir(tmpfs.as_fd()).context(|| format!("{name}: open the new tmpfs"))?;
    copytree::copy_contents(from.as_fd(), to.as_fd())
        .map_err(|f| RootfsError::os(format!("{name}: copy up {}", f.path.display()), f.err))?;
    if opts.flags & libc::MS_RDONLY != 0 {
        let ro = MountAttr {
            set: libc::MOUNT_ATTR_RDONLY,
            ..MountAttr::default()
        };
        mount::mount_setattr(tmpfs.as_fd(), ro, false)
            .context(|| format!("{name}: make the tmpfs read-only"))?;
    }
    mount::move_mount(tmpfs.as_fd(), target.as_fd())
        .context(|| format!("{name}: attach the tmpfs"))?;
    let mounted = m.landed(&target, dest, name)?;
    m.finish(&mounted, opts, name)?;
    Ok(mounted)
}

fn open_dir(fd: BorrowedFd<'_>) -> std::io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY;
    fs::openat(Some(fd), Path::new("."), flags, 0)
}

/// A detached tmpfs configured as mount(2) would configure it from the same options. Its root
/// takes the covered directory's `mode` unless the options set one, as runc does.
fn detached_tmpfs(
    source: &Path,
    opts: &MountOptions,
    mode: libc::mode_t,
    name: &str,
) -> Result<OwnedFd, RootfsError> {
    let ctx = mount::fs_open("tmpfs").context(|| format!("{name}: open a tmpfs context"))?;
    let set = |key: &str, value: Option<&str>| {
        mount::fs_config(ctx.as_fd(), key, value).context(|| match value {
            Some(v) => format!("{name}: tmpfs option {key}={v}"),
            None => format!("{name}: tmpfs option {key}"),
        })
    };
    set("source", Some(&source.to_string_lossy()))?;
    set("mode", Some(&format!("{mode:o}")))?;
    for &(bit, key) in SUPERBLOCK {
        if opts.flags & bit != 0 {
            set(key, None)?;
        }
    }
    for option in opts.data.split(',').filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            Some((key, value)) => set(key, Some(value))?,
            None => set(option, None)?,
        }
    }
    mount::fs_mount(ctx.as_fd(), attributes(opts.flags))
        .context(|| format!("{name}: create the tmpfs"))
}

/// The MOUNT_ATTR_* set for `flags`; strictatime beats noatime, and relatime (0) is the
/// default, as with mount(2).
fn attributes(flags: c_ulong) -> u64 {
    let atime = if flags & libc::MS_STRICTATIME != 0 {
        libc::MOUNT_ATTR_STRICTATIME
    } else if flags & libc::MS_NOATIME != 0 {
        libc::MOUNT_ATTR_NOATIME
    } else {
        libc::MOUNT_ATTR_RELATIME
    };
    PER_MOUNT
        .iter()
        .filter(|(ms, _)| flags & ms != 0)
        .fold(atime, |acc, (_, attr)| acc | attr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_follow_mount2s_precedence() {
        assert_eq!(attributes(0), libc::MOUNT_ATTR_RELATIME);
        assert_eq!(
            attributes(libc::MS_NOATIME | libc::MS_STRICTATIME),
            libc::MOUNT_ATTR_STRICTATIME
        );
        assert_eq!(
            attributes(libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOATIME | libc::MS_RDONLY),
            libc::MOUNT_ATTR_NOSUID | libc::MOUNT_ATTR_NODEV | libc::MOUNT_ATTR_NOATIME
        );
    }
}
