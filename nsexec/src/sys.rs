//! Thin safe wrappers over the system calls the crate needs; the only place with `unsafe`.
//!
//! None of them allocates, so all are usable from the pre-main constructor.

use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// An errno value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    fn last() -> Self {
        Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}

impl From<Errno> for std::io::Error {
    fn from(e: Errno) -> Self {
        std::io::Error::from_raw_os_error(e.0)
    }
}

fn check(ret: libc::c_int) -> Result<libc::c_int, Errno> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// The value of an environment variable, as bytes.
pub fn getenv(name: &CStr) -> Option<&'static [u8]> {
    // SAFETY: name is NUL-terminated; before main the process is single-threaded, so nothing
    // changes the environment while the caller uses the returned string.
    let ptr = unsafe { libc::getenv(name.as_ptr()) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: getenv returned a non-null pointer to a NUL-terminated string.
    Some(unsafe { CStr::from_ptr(ptr) }.to_bytes())
}

/// Removes an environment variable.
pub fn unsetenv(name: &CStr) {
    // SAFETY: name is NUL-terminated; only called before main, while single-threaded.
    unsafe { libc::unsetenv(name.as_ptr()) };
}

/// Sets whether the process may be ptraced, core-dumped and have its /proc files opened by its
/// owner.
pub fn set_dumpable(dumpable: bool) -> Result<(), Errno> {
    let arg = libc::c_ulong::from(dumpable);
    // SAFETY: PR_SET_DUMPABLE takes a plain integer and touches no memory.
    check(unsafe { libc::prctl(libc::PR_SET_DUMPABLE, arg, 0, 0, 0) }).map(drop)
}

/// Names the calling thread, as ps shows it until the payload's execve: init is exec'd
/// through /proc/self/fd/N, which would name it "N".
pub fn set_name(name: &CStr) {
    // SAFETY: name is NUL-terminated and outlives the call; the kernel copies 16 bytes at most.
    unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr(), 0, 0, 0) };
}

/// Makes the calling process the reaper of its orphaned descendants.
pub fn set_child_subreaper() -> Result<(), Errno> {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes a plain integer and touches no memory.
    check(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }).map(drop)
}

/// Sets FD_CLOEXEC on `fd`.
pub fn set_cloexec(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: F_SETFD takes an integer; an invalid fd only yields EBADF.
    check(unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) }).map(drop)
}

/// Duplicates `fd` without FD_CLOEXEC, so that it survives exec.
pub fn dup_inheritable(fd: BorrowedFd<'_>) -> Result<OwnedFd, Errno> {
    // SAFETY: F_DUPFD takes an integer and returns a new fd or -1.
    let new = check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD, 3) })?;
    // SAFETY: F_DUPFD succeeded, so `new` is a freshly opened fd owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// read(2), once.
pub fn read(fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most buf.len() bytes into buf.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    usize::try_from(n).map_err(|_| Errno::last())
}

/// Writes once. Sockets are written with MSG_NOSIGNAL: before `main` SIGPIPE still has its
/// default action, and a parent hanging up must surface as EPIPE rather than kill the process.
pub fn write(fd: RawFd, buf: &[u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel reads at most buf.len() bytes from buf.
    let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
    match usize::try_from(n) {
        Ok(n) => Ok(n),
        Err(_) if Errno::last() == Errno(libc::ENOTSOCK) => write_plain(fd, buf),
        Err(_) => Err(Errno::last()),
    }
}

fn write_plain(fd: RawFd, buf: &[u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel reads at most buf.len() bytes from buf.
    let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
    usize::try_from(n).map_err(|_| Errno::last())
}

/// open(2) without O_CREAT.
pub fn open(path: &CStr, flags: libc::c_int) -> Result<OwnedFd, Errno> {
    // SAFETY: path is NUL-terminated; no mode argument is read without O_CREAT.
    let fd = check(unsafe { libc::open(path.as_ptr(), flags) })?;
    // SAFETY: open succeeded, so `fd` is a freshly opened fd owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Whether `fd` refers to a file on procfs.
pub fn is_procfs(fd: BorrowedFd<'_>) -> Result<bool, Errno> {
    // SAFETY: statfs is plain old data, for which all-zero bytes are a valid value.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: st is a valid, writable statfs.
    check(unsafe { libc::fstatfs(fd.as_raw_fd(), &mut st) })?;
    // f_type's integer type differs between libcs; the magic fits all of them.
    Ok(st.f_type == libc::PROC_SUPER_MAGIC as _)
}

/// setns(2).
pub fn setns(fd: BorrowedFd<'_>, nstype: u32) -> Result<(), Errno> {
    // SAFETY: setns takes plain integers and touches no memory of ours.
    check(unsafe { libc::setns(fd.as_raw_fd(), nstype as libc::c_int) }).map(drop)
}

/// unshare(2).
pub fn unshare(flags: u32) -> Result<(), Errno> {
    // SAFETY: unshare takes a plain integer and touches no memory of ours.
    check(unsafe { libc::unshare(flags as libc::c_int) }).map(drop)
}

/// pipe2(2) with O_CLOEXEC: the read end, then the write end.
pub fn pipe() -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [-1; 2];
    // SAFETY: fds has room for the two fds pipe2 writes.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    let [read, write] = fds;
    // SAFETY: pipe2 succeeded, so both are freshly opened fds owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(read), OwnedFd::from_raw_fd(write)) })
}

/// fork(2): `Some(child pid)` in the parent, `None` in the child.
pub fn fork() -> Result<Option<libc::pid_t>, Errno> {
    // SAFETY: only called before main, while the process is single-threaded, so the child
    // inherits no lock held by another thread.
    match check(unsafe { libc::fork() })? {
        0 => Ok(None),
        pid => Ok(Some(pid)),
    }
}

/// getpid(2).
pub fn getpid() -> libc::pid_t {
    // SAFETY: getpid cannot fail and touches no memory.
    unsafe { libc::getpid() }
}

/// setresuid(2) with all three ids equal.
pub fn setresuid(uid: libc::uid_t) -> Result<(), Errno> {
    // SAFETY: setresuid takes plain integers and touches no memory of ours.
    check(unsafe { libc::setresuid(uid, uid, uid) }).map(drop)
}

/// setresgid(2) with all three ids equal.
pub fn setresgid(gid: libc::gid_t) -> Result<(), Errno> {
    // SAFETY: setresgid takes plain integers and touches no memory of ours.
    check(unsafe { libc::setresgid(gid, gid, gid) }).map(drop)
}

/// _exit(2): ends the process at once, running no atexit handlers and flushing nothing.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns and touches no memory of ours.
    unsafe { libc::_exit(code) }
}

/// Waits for the child `pid` to end and returns its raw wait status.
pub fn waitpid(pid: libc::pid_t) -> Result<i32, Errno> {
    let mut status = 0;
    loop {
        // SAFETY: status is a valid, writable int.
        match check(unsafe { libc::waitpid(pid, &mut status, 0) }) {
            Err(Errno(libc::EINTR)) => continue,
            other => return other.map(|_| status),
        }
    }
}

/// Calls `f` with the text of `errno`, which is only valid for the duration of the call.
pub fn with_strerror<R>(errno: i32, f: impl FnOnce(&[u8]) -> R) -> R {
    // SAFETY: strerror returns a NUL-terminated string that stays valid until the next strerror
    // call on this thread, which cannot happen before `f` returns.
    let text = unsafe { CStr::from_ptr(libc::strerror(errno)) };
    f(text.to_bytes())
}
