//! Forked children for tests that must change namespaces or the root without disturbing the
//! test process: the child runs a closure and reports its result on a pipe.

use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub fn unshare(flags: libc::c_int) -> io::Result<()> {
    // SAFETY: unshare only affects the calling thread's own namespaces.
    if unsafe { libc::unshare(flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 just created both descriptors and nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Runs `f` in a forked child and returns its verdict: Err holds the child's message, a panic
/// text, or how it died.
pub fn run(f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let (read, write) = pipe().map_err(|e| format!("pipe: {e}"))?;
    // SAFETY: the child only runs `f` and then _exit()s; it never returns into the test harness.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", io::Error::last_os_error()));
    }
    if pid == 0 {
        drop(read);
        let verdict = match catch_unwind(AssertUnwindSafe(f)) {
            Ok(Ok(())) => String::new(),
            Ok(Err(msg)) => msg,
            Err(_) => "child panicked".to_string(),
        };
        let _ = std::fs::File::from(write).write_all(verdict.as_bytes());
        // SAFETY: _exit skips atexit handlers and the harness's state, which belong to the parent.
        unsafe { libc::_exit(i32::from(!verdict.is_empty())) };
    }
    drop(write);
    let mut verdict = String::new();
    let _ = std::fs::File::from(read).read_to_string(&mut verdict);
    let mut status = 0;
    // SAFETY: `pid` is our own child and `status` is a valid out-parameter.
    if unsafe { libc::waitpid(pid, &mut status, 0) } < 0 {
        return Err(format!("waitpid: {}", io::Error::last_os_error()));
    }
    match (verdict.is_empty(), status) {
        (true, 0) => Ok(()),
        (true, s) => Err(format!("child ended with wait status {s:#x}")),
        (false, _) => Err(verdict),
    }
}
