//! Blocking signals and taking them synchronously, for `run`'s forwarding loop.

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

/// Waits for one signal of `set` (which must be blocked) and returns its number.
pub fn wait(set: &SigSet) -> io::Result<libc::c_int> {
    loop {
        // SAFETY: set is a valid sigset_t; info is not requested.
        let sig = unsafe { libc::sigwaitinfo(&set.0, std::ptr::null_mut()) };
        if sig > 0 {
            return Ok(sig);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}
