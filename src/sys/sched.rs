//! Scheduling policy and I/O priority of the calling thread (before execve, so the payload
//! starts with them).

use std::io;

/// The kernel's `struct sched_attr` (version 1, without utilisation clamps).
#[repr(C)]
#[derive(Default)]
pub struct SchedAttr {
    pub size: u32,
    pub policy: u32,
    pub flags: u64,
    pub nice: i32,
    pub priority: u32,
    pub runtime: u64,
    pub deadline: u64,
    pub period: u64,
}

pub fn sched_setattr(attr: &mut SchedAttr) -> io::Result<()> {
    attr.size = std::mem::size_of::<SchedAttr>() as u32;
    // SAFETY: attr points to a valid, fully initialised sched_attr of the size it declares;
    // pid 0 is the calling thread and flags must be 0.
    let rc = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, attr as *mut SchedAttr, 0) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sets the calling process's I/O priority (`IOPRIO_PRIO_VALUE(class, level)`).
pub fn ioprio_set(class: u32, level: u32) -> io::Result<()> {
    const IOPRIO_WHO_PROCESS: libc::c_int = 1;
    const IOPRIO_CLASS_SHIFT: u32 = 13;
    let value = (class << IOPRIO_CLASS_SHIFT) | level;
    // SAFETY: ioprio_set takes integers only; 0 means the calling process.
    let rc = unsafe { libc::syscall(libc::SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sets the CPU affinity of `pid` (0: the calling thread) to the bitmask `mask`.
pub fn sched_setaffinity(pid: libc::pid_t, mask: &[u64]) -> io::Result<()> {
    // SAFETY: mask is a live buffer of exactly the byte length passed with it.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_sched_setaffinity,
            pid,
            mask.len() * 8,
            mask.as_ptr(),
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sets the calling thread's NUMA memory policy: `mode` with its flags, over the node bitmask
/// `nodes` (empty for none).
pub fn set_mempolicy(mode: i32, nodes: &[u64]) -> io::Result<()> {
    // The kernel reads one bit less than maxnode says.
    let (ptr, maxnode) = match nodes.is_empty() {
        true => (std::ptr::null(), 0),
        false => (nodes.as_ptr(), nodes.len() * 64 + 1),
    };
    // SAFETY: nodes is a live buffer (or null with maxnode 0) of the bit count passed with it.
    let rc = unsafe { libc::syscall(libc::SYS_set_mempolicy, mode, ptr, maxnode) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
