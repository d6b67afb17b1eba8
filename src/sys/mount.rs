//! Mount syscalls: classic mount(2)/umount2(2)/pivot_root(2) and the descriptor-based mount API
//! (open_tree, move_mount, fsopen/fsmount, mount_setattr) that needs no path at all.

use super::fs::cstring;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::ptr;

fn check(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn owned(ret: libc::c_long) -> io::Result<OwnedFd> {
    let fd = check(ret)?;
    // SAFETY: the kernel just returned this descriptor to us and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

fn opt_cstring(s: Option<&str>) -> io::Result<Option<CString>> {
    s.map(cstring).transpose()
}

fn ptr_of(c: &Option<CString>) -> *const libc::c_char {
    c.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// mount(2). `source`, `fstype` and `data` may be absent, as for remounts and propagation changes.
pub fn mount(
    source: Option<&Path>,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> io::Result<()> {
    let source = source.map(cstring).transpose()?;
    let target = cstring(target)?;
    let fstype = opt_cstring(fstype)?;
    let data = opt_cstring(data)?;
    // SAFETY: every pointer is either null or a NUL-terminated string that outlives the call.
    let ret = unsafe {
        libc::mount(
            ptr_of(&source),
            target.as_ptr(),
            ptr_of(&fstype),
            flags,
            ptr_of(&data).cast(),
        )
    };
    check(ret as libc::c_long).map(drop)
}

pub fn umount2(target: &Path, flags: libc::c_int) -> io::Result<()> {
    let c = cstring(target)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    check(unsafe { libc::umount2(c.as_ptr(), flags) } as libc::c_long).map(drop)
}

pub fn pivot_root(new_root: &Path, put_old: &Path) -> io::Result<()> {
    let new = cstring(new_root)?;
    let old = cstring(put_old)?;
    // SAFETY: both strings are valid and NUL-terminated for the duration of the call.
    check(unsafe { libc::syscall(libc::SYS_pivot_root, new.as_ptr(), old.as_ptr()) }).map(drop)
}

/// Attributes for mount_setattr(2): bits to set, bits to clear, and a propagation type (0 = keep).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MountAttr {
    pub set: u64,
    pub clear: u64,
    pub propagation: u64,
}

impl MountAttr {
    pub fn is_empty(&self) -> bool {
        self.set == 0 && self.clear == 0 && self.propagation == 0
    }
}

/// mount_setattr(2) on the mount `fd` is the root of (AT_EMPTY_PATH), optionally the whole subtree.
pub fn mount_setattr(fd: BorrowedFd<'_>, attr: MountAttr, recursive: bool) -> io::Result<()> {
    setattr(fd, attr, 0, recursive)
}

/// Idmaps the detached mount `fd` (optionally its whole subtree) with the id maps of user
/// namespace `userns`: its files' owners are shown and stored through them.
pub fn idmap(fd: BorrowedFd<'_>, userns: BorrowedFd<'_>, recursive: bool) -> io::Result<()> {
    let attr = MountAttr {
        set: libc::MOUNT_ATTR_IDMAP,
        ..Default::default()
    };
    setattr(fd, attr, userns.as_raw_fd() as u64, recursive)
}

fn setattr(fd: BorrowedFd<'_>, attr: MountAttr, userns_fd: u64, recursive: bool) -> io::Result<()> {
    let mut flags = libc::AT_EMPTY_PATH;
    if recursive {
        flags |= libc::AT_RECURSIVE;
    }
    let kattr = libc::mount_attr {
        attr_set: attr.set,
        attr_clr: attr.clear,
        propagation: attr.propagation,
        userns_fd,
    };
    // SAFETY: `kattr` is a valid mount_attr and its size is passed; the empty path is NUL-terminated.
    check(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            c"".as_ptr(),
            flags as libc::c_uint,
            &kattr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    })
    .map(drop)
}

/// open_tree(fd, "", OPEN_TREE_CLONE): a detached copy of the mount at `fd` (recursive on request).
pub fn clone_tree(fd: BorrowedFd<'_>, recursive: bool) -> io::Result<OwnedFd> {
    let mut flags = libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC | libc::AT_EMPTY_PATH as u32;
    if recursive {
        flags |= libc::AT_RECURSIVE as u32;
    }
    // SAFETY: the empty path is NUL-terminated; the fd is borrowed for the call.
    owned(unsafe { libc::syscall(libc::SYS_open_tree, fd.as_raw_fd(), c"".as_ptr(), flags) })
}

/// move_mount(2) of the detached or attached mount `from` onto the inode `to` refers to.
pub fn move_mount(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> io::Result<()> {
    let flags = libc::MOVE_MOUNT_F_EMPTY_PATH | libc::MOVE_MOUNT_T_EMPTY_PATH;
    // SAFETY: the empty paths are NUL-terminated; both fds are borrowed for the call.
    check(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            from.as_raw_fd(),
            c"".as_ptr(),
            to.as_raw_fd(),
            c"".as_ptr(),
            flags,
        )
    })
    .map(drop)
}

/// A new, detached, option-less filesystem of `fstype` (fsopen + FSCONFIG_CMD_CREATE + fsmount),
/// its source named `fstype` in /proc/mounts as mount(2) with that source would show it
/// (fsopen alone leaves "none").
pub fn new_detached_fs(fstype: &str, attr_flags: u64) -> io::Result<OwnedFd> {
    let ctx = fs_open(fstype)?;
    fs_config(ctx.as_fd(), "source", Some(fstype))?;
    fs_mount(ctx.as_fd(), attr_flags)
}

/// fsopen(2): a context for a new `fstype` superblock, configured with [`fs_config`] before
/// [`fs_mount`] creates it.
pub fn fs_open(fstype: &str) -> io::Result<OwnedFd> {
    let name = cstring(fstype)?;
    // SAFETY: `name` is a valid NUL-terminated string that outlives the call.
    owned(unsafe { libc::syscall(libc::SYS_fsopen, name.as_ptr(), libc::FSOPEN_CLOEXEC) })
}

/// fsconfig(2) with one option: `key=value`, or the bare flag `key` when `value` is None.
pub fn fs_config(ctx: BorrowedFd<'_>, key: &str, value: Option<&str>) -> io::Result<()> {
    let key = cstring(key)?;
    let value = opt_cstring(value)?;
    let cmd = if value.is_some() {
        libc::FSCONFIG_SET_STRING
    } else {
        libc::FSCONFIG_SET_FLAG
    };
    // SAFETY: `key` is NUL-terminated, the value is null or NUL-terminated, both outlive the call.
    check(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            ctx.as_raw_fd(),
            cmd,
            key.as_ptr(),
            ptr_of(&value),
            0,
        )
    })
    .map(drop)
}

/// Creates the superblock a configured context describes and returns a detached mount of it.
pub fn fs_mount(ctx: BorrowedFd<'_>, attr_flags: u64) -> io::Result<OwnedFd> {
    // SAFETY: FSCONFIG_CMD_CREATE takes no key or value; the fd is borrowed for the call.
    check(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            ctx.as_raw_fd(),
            libc::FSCONFIG_CMD_CREATE,
            ptr::null::<libc::c_char>(),
            ptr::null::<libc::c_void>(),
            0,
        )
    })?;
    // SAFETY: the context fd is configured; the kernel returns a new mount fd.
    owned(unsafe {
        libc::syscall(
            libc::SYS_fsmount,
            ctx.as_raw_fd(),
            libc::FSMOUNT_CLOEXEC,
            attr_flags,
        )
    })
}
