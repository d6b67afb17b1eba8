//! The last steps before execve(2): descriptor hygiene, signal state, and execve itself.

use libc::c_int;
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::RawFd;
use std::ptr;

/// Marks every descriptor from `first` upwards close-on-exec: in one call where the kernel
/// has CLOSE_RANGE_CLOEXEC (5.11+), else one by one from /proc/self/fd.
pub fn cloexec_from(first: u32) -> io::Result<()> {
    // SAFETY: close_range only changes descriptor flags; integer arguments only.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENOSYS) | Some(libc::EINVAL) => cloexec_each_from(first),
        _ => Err(e),
    }
}

fn cloexec_each_from(first: u32) -> io::Result<()> {
    let fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|fd| u32::try_from(*fd).is_ok_and(|fd| fd >= first))
        .collect();
    for fd in fds {
        match set_cloexec(fd) {
            Err(e) if e.raw_os_error() == Some(libc::EBADF) => {}
            result => result?,
        }
    }
    Ok(())
}

pub fn set_cloexec(fd: RawFd) -> io::Result<()> {
    // SAFETY: F_SETFD on any descriptor number is safe; a closed one yields EBADF.
    let rc = unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sets every catchable signal back to SIG_DFL. execve resets handlers but keeps SIG_IGN, so
/// without this an ignored SIGPIPE (Rust's default) would leak into the payload.
pub fn reset_signal_dispositions() {
    for signal in 1..=libc::SIGRTMAX() {
        if signal == libc::SIGKILL || signal == libc::SIGSTOP {
            continue;
        }
        reset_signal(signal);
    }
}

/// Uses the raw system call because libc's sigaction refuses the signals it reserves for
/// itself, which a parent may still have left ignored. An all-zero kernel sigaction means
/// SIG_DFL, no flags and an empty mask on every architecture; 64 bytes exceeds its size on all.
fn reset_signal(signal: c_int) {
    let default = [0u64; 8];
    let sigset_size = (libc::SIGRTMAX() as usize + 1) / 8;
    // SAFETY: `default` is a readable buffer at least as large as the kernel's sigaction, the
    // old action is not requested. Failures are only for SIGKILL/SIGSTOP, which are skipped.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            signal,
            default.as_ptr(),
            ptr::null_mut::<u64>(),
            sigset_size,
        )
    };
}

pub fn unblock_all_signals() -> io::Result<()> {
    // SAFETY: sigset_t is plain old data, initialised by sigemptyset before use.
    let mut empty: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `empty` is a valid sigset_t; the old mask is not requested.
    let rc = unsafe {
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, ptr::null_mut())
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Replaces the process image; returns only the error when that fails.
pub fn execve(path: &CStr, argv: &[CString], envp: &[CString]) -> io::Error {
    let argv = super::spawn::null_terminated(argv);
    let envp = super::spawn::null_terminated(envp);
    // SAFETY: `path` is NUL-terminated, and `argv`/`envp` are NULL-terminated arrays of pointers
    // into CStrings that outlive the call.
    unsafe { libc::execve(path.as_ptr(), argv.as_ptr().cast(), envp.as_ptr().cast()) };
    io::Error::last_os_error()
}
