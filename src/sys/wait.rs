//! Processes: waiting, signalling, reaping.

use std::io;

/// How a child ended, in the shell's terms: its exit code, or 128 + the signal that killed it.
pub fn exit_code(status: libc::c_int) -> i32 {
    if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    }
}

/// Waits for `pid` to end and returns its raw wait status.
pub fn waitpid(pid: libc::pid_t) -> io::Result<libc::c_int> {
    loop {
        let mut status = 0;
        // SAFETY: status is a valid out pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r >= 0 {
            return Ok(status);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Reaps child `pid` without blocking: its raw wait status, or None if it has not ended.
pub fn try_wait(pid: libc::pid_t) -> io::Result<Option<libc::c_int>> {
    let mut status = 0;
    // SAFETY: status is a valid out pointer.
    let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    match r {
        0 => Ok(None),
        r if r > 0 => Ok(Some(status)),
        _ => Err(io::Error::last_os_error()),
    }
}

pub fn kill(pid: libc::pid_t, sig: libc::c_int) -> io::Result<()> {
    // SAFETY: kill takes plain integers.
    if unsafe { libc::kill(pid, sig) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Makes this process adopt orphaned descendants, so `run` can wait for the container's init
/// after the intermediate process that forked it has exited.
pub fn set_child_subreaper() -> io::Result<()> {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A process handle that stays bound to one process even after its pid is reused.
pub struct PidFd(std::os::fd::OwnedFd);

impl PidFd {
    pub fn open(pid: libc::pid_t) -> io::Result<PidFd> {
        // SAFETY: pidfd_open takes a pid and flags; the fd returned is new.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as libc::c_int;
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd was just opened and is owned here.
        Ok(PidFd(unsafe {
            <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd)
        }))
    }

    pub fn send(&self, sig: libc::c_int) -> io::Result<()> {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&self.0);
        // SAFETY: pidfd_send_signal with a null siginfo and no flags touches no memory of ours.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                fd,
                sig,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Waits up to `timeout` for child `pid` to end: `Some(status)`, or None if it is still running.
pub fn waitpid_timeout(
    pid: libc::pid_t,
    timeout: std::time::Duration,
) -> io::Result<Option<libc::c_int>> {
    let fd = PidFd::open(pid)?;
    let mut pfd = libc::pollfd {
        fd: std::os::fd::AsRawFd::as_raw_fd(&fd.0),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: pfd is one valid pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, ms) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    if n == 0 {
        return Ok(None);
    }
    waitpid(pid).map(Some)
}
