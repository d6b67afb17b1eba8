//! Per-process attributes: resource limits, credentials, umask, personality and the session
//! keyring.

use libc::{c_int, c_ulong};
use std::io;

/// The type libc uses for `RLIMIT_*` constants, which differs between glibc and musl.
#[cfg(target_env = "gnu")]
pub type Resource = libc::__rlimit_resource_t;
#[cfg(not(target_env = "gnu"))]
pub type Resource = c_int;

const KEYCTL_JOIN_SESSION_KEYRING: c_int = 1;

fn check(rc: c_int) -> io::Result<()> {
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Returns (soft, hard).
pub fn getrlimit(resource: Resource) -> io::Result<(u64, u64)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for the duration of the call.
    check(unsafe { libc::getrlimit(resource, &mut limit) })?;
    Ok((limit.rlim_cur, limit.rlim_max))
}

pub fn setrlimit(resource: Resource, soft: u64, hard: u64) -> io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: `limit` is a valid rlimit the kernel only reads.
    check(unsafe { libc::setrlimit(resource, &limit) })
}

pub fn setgroups(gids: &[u32]) -> io::Result<()> {
    // SAFETY: the pointer and length describe the live slice `gids`.
    check(unsafe { libc::setgroups(gids.len(), gids.as_ptr()) })
}

pub fn setresgid(gid: u32) -> io::Result<()> {
    // SAFETY: plain integer arguments.
    check(unsafe { libc::setresgid(gid, gid, gid) })
}

pub fn setresuid(uid: u32) -> io::Result<()> {
    // SAFETY: plain integer arguments.
    check(unsafe { libc::setresuid(uid, uid, uid) })
}

pub fn umask(mask: u32) {
    // SAFETY: umask cannot fail and takes an integer.
    unsafe { libc::umask(mask) };
}

pub fn personality(persona: c_ulong) -> io::Result<()> {
    // SAFETY: plain integer argument.
    check(unsafe { libc::personality(persona) })
}

/// Joins a new anonymous session keyring, so the container does not share the host's.
pub fn join_new_session_keyring() -> io::Result<()> {
    let anonymous: *const libc::c_char = std::ptr::null();
    // SAFETY: a null name asks the kernel for an anonymous keyring; nothing else is passed.
    let rc = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, anonymous) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
