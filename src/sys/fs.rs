//! File-system calls by descriptor: the primitives that let rootfs resolve and create paths
//! inside a root without ever handing the kernel a host path that a container could redirect.

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Converts a path for the kernel; an interior NUL can only come from a malformed config.
pub fn cstring(path: impl AsRef<OsStr>) -> io::Result<CString> {
    CString::new(path.as_ref().as_bytes()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn owned(ret: libc::c_long) -> io::Result<OwnedFd> {
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just returned this descriptor to us and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(ret as RawFd) })
}

fn raw(dirfd: Option<BorrowedFd<'_>>) -> RawFd {
    dirfd.map_or(libc::AT_FDCWD, |fd| fd.as_raw_fd())
}

/// openat(2); `dirfd` None means the current directory. O_CLOEXEC is always added.
pub fn openat(
    dirfd: Option<BorrowedFd<'_>>,
    path: &Path,
    flags: libc::c_int,
    mode: libc::mode_t,
) -> io::Result<OwnedFd> {
    let c = cstring(path)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let fd = unsafe { libc::openat(raw(dirfd), c.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    owned(fd as libc::c_long)
}

/// openat2(2) with the given RESOLVE_* flags. O_CLOEXEC is always added.
pub fn openat2(
    dirfd: BorrowedFd<'_>,
    path: &Path,
    flags: libc::c_int,
    resolve: u64,
) -> io::Result<OwnedFd> {
    let c = cstring(path)?;
    // SAFETY: open_how is plain data; zeroed is a valid initial value.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64;
    how.resolve = resolve;
    // SAFETY: `c` and `how` are valid for the duration of the call and the size matches.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dirfd.as_raw_fd(),
            c.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    owned(fd)
}

pub fn mkdirat(dirfd: BorrowedFd<'_>, name: &Path, mode: libc::mode_t) -> io::Result<()> {
    let c = cstring(name)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    check(unsafe { libc::mkdirat(dirfd.as_raw_fd(), c.as_ptr(), mode) }).map(drop)
}

pub fn mknodat(
    dirfd: BorrowedFd<'_>,
    name: &Path,
    mode: libc::mode_t,
    major: u32,
    minor: u32,
) -> io::Result<()> {
    let c = cstring(name)?;
    let dev = libc::makedev(major, minor);
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    check(unsafe { libc::mknodat(dirfd.as_raw_fd(), c.as_ptr(), mode, dev) }).map(drop)
}

pub fn symlinkat(target: &Path, dirfd: BorrowedFd<'_>, name: &Path) -> io::Result<()> {
    let t = cstring(target)?;
    let c = cstring(name)?;
    // SAFETY: both strings are valid and NUL-terminated for the duration of the call.
    check(unsafe { libc::symlinkat(t.as_ptr(), dirfd.as_raw_fd(), c.as_ptr()) }).map(drop)
}

pub fn unlinkat(dirfd: BorrowedFd<'_>, name: &Path, flags: libc::c_int) -> io::Result<()> {
    let c = cstring(name)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    check(unsafe { libc::unlinkat(dirfd.as_raw_fd(), c.as_ptr(), flags) }).map(drop)
}

/// Reads the target of the symlink that an O_PATH|O_NOFOLLOW descriptor refers to.
pub fn readlink_fd(fd: BorrowedFd<'_>) -> io::Result<PathBuf> {
    readlinkat(fd, Path::new(""))
}

/// readlinkat(2): the target of the symlink `name` in `dirfd`, never followed.
pub fn readlinkat(dirfd: BorrowedFd<'_>, name: &Path) -> io::Result<PathBuf> {
    let c = cstring(name)?;
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: `buf` is writable for its whole length and `c` is NUL-terminated.
    let n = unsafe {
        libc::readlinkat(
            dirfd.as_raw_fd(),
            c.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(n as usize);
    Ok(PathBuf::from(OsString::from_vec(buf)))
}

/// fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW): what `name` itself is, a symlink included.
pub fn lstatat(dirfd: BorrowedFd<'_>, name: &Path) -> io::Result<libc::stat> {
    let c = cstring(name)?;
    // SAFETY: stat is plain data; the kernel fills it in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is NUL-terminated and `st` is a valid, writable stat buffer.
    check(unsafe {
        libc::fstatat(
            dirfd.as_raw_fd(),
            c.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })?;
    Ok(st)
}

pub fn fstat(fd: BorrowedFd<'_>) -> io::Result<libc::stat> {
    // SAFETY: stat is plain data; the kernel fills it in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid, writable stat buffer.
    check(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok(st)
}

pub fn fstatfs(fd: BorrowedFd<'_>) -> io::Result<libc::statfs> {
    // SAFETY: statfs is plain data; the kernel fills it in.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid, writable statfs buffer.
    check(unsafe { libc::fstatfs(fd.as_raw_fd(), &mut st) })?;
    Ok(st)
}

/// The ST_* flags of the mount `fd` lives on: statvfs's f_flag, which every libc has (glibc's
/// statfs lacks f_flags, and the fuzz targets build against glibc).
pub fn mount_flags(fd: BorrowedFd<'_>) -> io::Result<libc::c_ulong> {
    // SAFETY: statvfs is plain data; the kernel fills it in.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid, writable statvfs buffer.
    check(unsafe { libc::fstatvfs(fd.as_raw_fd(), &mut st) })?;
    Ok(st.f_flag as libc::c_ulong)
}

/// The id of the mount `fd` lives on, so a caller can tell whether a new mount covers it.
pub fn mount_id(fd: BorrowedFd<'_>) -> io::Result<u64> {
    // SAFETY: statx is plain data; the kernel fills it in.
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: the empty path is NUL-terminated and `stx` is a valid, writable buffer.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_statx,
            fd.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH,
            libc::STATX_MNT_ID,
            &mut stx as *mut libc::statx,
        )
    };
    check(ret as libc::c_int)?;
    Ok(stx.stx_mnt_id)
}

/// fchownat(fd, "", AT_EMPTY_PATH): changes the inode itself, even through an O_PATH fd.
pub fn chown_fd(fd: BorrowedFd<'_>, uid: u32, gid: u32) -> io::Result<()> {
    // SAFETY: the empty path is NUL-terminated; the fd is borrowed for the call.
    check(unsafe { libc::fchownat(fd.as_raw_fd(), c"".as_ptr(), uid, gid, libc::AT_EMPTY_PATH) })
        .map(drop)
}

/// fchownat(dirfd, name, AT_SYMLINK_NOFOLLOW): changes a symlink itself, not its target.
pub fn lchownat(dirfd: BorrowedFd<'_>, name: &Path, uid: u32, gid: u32) -> io::Result<()> {
    let c = cstring(name)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    check(unsafe {
        libc::fchownat(
            dirfd.as_raw_fd(),
            c.as_ptr(),
            uid,
            gid,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
    .map(drop)
}

/// fchmod(2) on a descriptor opened for reading or writing (not O_PATH).
pub fn chmod_fd(fd: BorrowedFd<'_>, mode: libc::mode_t) -> io::Result<()> {
    // SAFETY: the fd is borrowed for the call.
    check(unsafe { libc::fchmod(fd.as_raw_fd(), mode) }).map(drop)
}

/// The names in a directory opened for reading ("." and ".." left out), read with getdents64
/// through one fixed buffer so a huge directory costs no more memory than a small one.
pub struct DirNames<'a> {
    dir: BorrowedFd<'a>,
    buf: Vec<u8>,
    at: usize,
    len: usize,
}

/// Offsets inside a linux_dirent64 record: d_ino (8), d_off (8), d_reclen (2), d_type (1), name.
const RECLEN_AT: usize = 16;
const NAME_AT: usize = 19;

impl<'a> DirNames<'a> {
    pub fn new(dir: BorrowedFd<'a>) -> DirNames<'a> {
        DirNames {
            dir,
            buf: vec![0; 8192],
            at: 0,
            len: 0,
        }
    }

    fn refill(&mut self) -> io::Result<usize> {
        // SAFETY: `buf` is writable for its whole length; the fd is borrowed for the call.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                self.dir.as_raw_fd(),
                self.buf.as_mut_ptr(),
                self.buf.len(),
            )
        };
        check(n as libc::c_int)?;
        self.at = 0;
        self.len = n as usize;
        Ok(self.len)
    }

    fn take_record(&mut self) -> OsString {
        let rec = &self.buf[self.at..self.len];
        let reclen = u16::from_ne_bytes([rec[RECLEN_AT], rec[RECLEN_AT + 1]]) as usize;
        let name = &rec[NAME_AT..reclen];
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        self.at += reclen;
        OsString::from_vec(name[..end].to_vec())
    }
}

impl Iterator for DirNames<'_> {
    type Item = io::Result<OsString>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.at >= self.len {
                match self.refill() {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return Some(Err(e)),
                }
            }
            let name = self.take_record();
            if name != "." && name != ".." {
                return Some(Ok(name));
            }
        }
    }
}

pub fn fchdir(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: the fd is borrowed for the call.
    check(unsafe { libc::fchdir(fd.as_raw_fd()) }).map(drop)
}

pub fn chroot(path: &Path) -> io::Result<()> {
    let c = cstring(path)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    check(unsafe { libc::chroot(c.as_ptr()) }).map(drop)
}
