//! Test support: run a closure in a forked child, so tests can change credentials, signals and
//! mounts without touching the test harness process.

use std::ffi::CString;
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::panic::{self, AssertUnwindSafe};

/// Forks; the child runs `body` and exits with its result (101 on panic). Returns the child's
/// wait status as (exit code or 128 + signal).
pub fn run_in_child(body: impl FnOnce() -> i32) -> io::Result<i32> {
    // SAFETY: the child only runs `body` and then _exits, never returning into the harness.
    let pid = unsafe { libc::fork() };
    if pid == -1 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        let code = panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(101);
        // SAFETY: _exit skips atexit handlers and destructors that belong to the parent.
        unsafe { libc::_exit(code) };
    }
    wait(pid)
}

/// Like `run_in_child`, handing the child one end of a socket pair; returns the child's status
/// and everything it wrote there.
pub fn capture_in_child(body: impl FnOnce(UnixStream) -> i32) -> io::Result<(i32, String)> {
    let (mut ours, theirs) = UnixStream::pair()?;
    let status = run_in_child(move || body(theirs));
    let mut output = String::new();
    ours.read_to_string(&mut output)?;
    Ok((status?, output))
}

fn wait(pid: libc::pid_t) -> io::Result<i32> {
    let mut status = 0;
    loop {
        // SAFETY: `status` is a valid out-pointer.
        if unsafe { libc::waitpid(pid, &mut status, 0) } != -1 {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    if libc::WIFSIGNALED(status) {
        return Ok(128 + libc::WTERMSIG(status));
    }
    Ok(libc::WEXITSTATUS(status))
}

pub fn ignore_signal(signal: libc::c_int) {
    // SAFETY: installing SIG_IGN involves no handler code.
    unsafe { libc::signal(signal, libc::SIG_IGN) };
}

pub fn block_signal(signal: libc::c_int) {
    // SAFETY: the set is initialised by sigemptyset before use; the old mask is not requested.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// A private mount namespace with /proc bind-mounted into `root`, then chroot there: a small
/// stand-in for a container root in which /proc/self/fd can point outside the root.
pub fn enter_root_with_proc(root: &str) -> io::Result<()> {
    // SAFETY: unshare takes flags only.
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } == -1 {
        return Err(io::Error::last_os_error());
    }
    mount("none", "/", libc::MS_REC | libc::MS_PRIVATE)?;
    let target = format!("{root}/proc");
    std::fs::create_dir_all(&target)?;
    mount("/proc", &target, libc::MS_BIND | libc::MS_REC)?;
    std::os::unix::fs::chroot(root)?;
    std::env::set_current_dir("/")
}

fn mount(source: &str, target: &str, flags: libc::c_ulong) -> io::Result<()> {
    let source = CString::new(source)?;
    let target = CString::new(target)?;
    // SAFETY: both strings are NUL-terminated and outlive the call; no fstype or data.
    let rc = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            std::ptr::null(),
            flags,
            std::ptr::null(),
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
