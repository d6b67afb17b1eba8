//! Blocking signals and taking them through a signalfd, for the foreground loop of `run` and
//! `exec`.

use std::io;

pub struct SigSet(libc::sigset_t);

impl SigSet {
    pub fn full() -> SigSet {
        // SAFETY: sigfillset initialises the zeroed set completely.
        let mut s: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: s is a valid sigset_t.
        unsafe { libc::sigfillset(&mut s) };
        SigSet(s)
    }
}

/// Blocks every signal in `set` for this thread and returns the previous mask.
pub fn block(set: &SigSet) -> io::Result<SigSet> {
    // SAFETY: the old set is written by the kernel; both pointers are valid.
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: pointers to valid sigset_t values.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set.0, &mut old) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(SigSet(old))
}

/// Sets this thread's signal mask to `set`, as `block` returned it.
pub fn restore(set: &SigSet) -> io::Result<()> {
    // SAFETY: a pointer to a valid sigset_t; the old mask is not requested.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &set.0, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(())
}

/// A descriptor that becomes readable when a signal of `set` (which must be blocked) is
/// pending, so a poll loop can take signals along with its other fds.
pub fn signalfd(set: &SigSet) -> io::Result<std::os::fd::OwnedFd> {
    // SAFETY: set is a valid sigset_t; the fd returned is new.
    let fd = unsafe { libc::signalfd(-1, &set.0, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just created and is owned by nobody else.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) })
}

/// The next pending signal from a `signalfd`, or None when there is none.
pub fn read_signal(fd: std::os::fd::BorrowedFd) -> io::Result<Option<libc::c_int>> {
    // SAFETY: signalfd_siginfo is plain data.
    let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
    let len = std::mem::size_of_val(&info);
    // SAFETY: info is a writable buffer of len bytes.
    let n = unsafe {
        libc::read(
            std::os::fd::AsRawFd::as_raw_fd(&fd),
            (&mut info as *mut libc::signalfd_siginfo).cast(),
            len,
        )
    };
    match n {
        n if n as usize == len => Ok(Some(info.ssi_signo as libc::c_int)),
        n if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock => Ok(None),
        n if n < 0 => Err(io::Error::last_os_error()),
        _ => Ok(None),
    }
}
