//! Capability syscalls: capset(2) and the prctl(2) operations on the bounding set, the ambient
//! set, keep-caps and no_new_privs.

use libc::{c_int, c_ulong};
use std::io;

/// `_LINUX_CAPABILITY_VERSION_3`: 64-bit sets passed as two 32-bit halves.
const CAPABILITY_V3: u32 = 0x2008_0522;

#[repr(C)]
struct Header {
    version: u32,
    pid: c_int,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Data {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Sets the calling thread's effective, permitted and inheritable sets (bit n = capability n).
pub fn capset(effective: u64, permitted: u64, inheritable: u64) -> io::Result<()> {
    let half = |shift: u32| Data {
        effective: (effective >> shift) as u32,
        permitted: (permitted >> shift) as u32,
        inheritable: (inheritable >> shift) as u32,
    };
    let mut header = Header {
        version: CAPABILITY_V3,
        pid: 0,
    };
    let data = [half(0), half(32)];
    // SAFETY: `header` and `data` live across the call; with version 3 the kernel reads exactly
    // two `Data` entries, which is the array we pass.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &mut header as *mut Header, data.as_ptr()) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn prctl(option: c_int, arg2: c_ulong, arg3: c_ulong) -> io::Result<c_int> {
    let zero: c_ulong = 0;
    // SAFETY: every option used in this module takes integer arguments only, no pointers.
    let rc = unsafe { libc::prctl(option, arg2, arg3, zero, zero) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(rc)
}

/// Whether `cap` is in the bounding set; EINVAL when the kernel does not know `cap`.
pub fn bounding_has(cap: u32) -> io::Result<bool> {
    prctl(libc::PR_CAPBSET_READ, cap.into(), 0).map(|rc| rc == 1)
}

pub fn bounding_drop(cap: u32) -> io::Result<()> {
    prctl(libc::PR_CAPBSET_DROP, cap.into(), 0).map(drop)
}

pub fn set_keep_caps(keep: bool) -> io::Result<()> {
    prctl(libc::PR_SET_KEEPCAPS, keep.into(), 0).map(drop)
}

pub fn ambient_clear_all() -> io::Result<()> {
    let op = libc::PR_CAP_AMBIENT_CLEAR_ALL as c_ulong;
    prctl(libc::PR_CAP_AMBIENT, op, 0).map(drop)
}

pub fn ambient_raise(cap: u32) -> io::Result<()> {
    let op = libc::PR_CAP_AMBIENT_RAISE as c_ulong;
    prctl(libc::PR_CAP_AMBIENT, op, cap.into()).map(drop)
}

pub fn set_no_new_privs() -> io::Result<()> {
    prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0).map(drop)
}
