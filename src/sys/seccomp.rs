//! seccomp(2): installing a compiled filter and asking which filter flags the kernel knows.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// A classic BPF program and the SECCOMP_FILTER_FLAG_* bits to install it with.
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub insns: Vec<libc::sock_filter>,
    pub flags: u32,
}

impl Program {
    /// True when installing returns a user-notification listener.
    pub fn has_listener(&self) -> bool {
        u64::from(self.flags) & libc::SECCOMP_FILTER_FLAG_NEW_LISTENER != 0
    }

    /// The program as bytes for the init socket: the flags, then each instruction's code,
    /// jt, jf and k, native endian (both ends are the same binary on the same host).
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 8 * self.insns.len());
        out.extend_from_slice(&self.flags.to_ne_bytes());
        for i in &self.insns {
            out.extend_from_slice(&i.code.to_ne_bytes());
            out.extend_from_slice(&[i.jt, i.jf]);
            out.extend_from_slice(&i.k.to_ne_bytes());
        }
        out
    }

    /// The program `to_wire` encoded; None for a body of another shape.
    pub fn from_wire(body: &[u8]) -> Option<Program> {
        let (flags, insns) = body.split_first_chunk::<4>()?;
        if insns.len() % 8 != 0 {
            return None;
        }
        let insns = insns
            .chunks_exact(8)
            .map(|c| libc::sock_filter {
                code: u16::from_ne_bytes([c[0], c[1]]),
                jt: c[2],
                jf: c[3],
                k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
            })
            .collect();
        Some(Program {
            insns,
            flags: u32::from_ne_bytes(*flags),
        })
    }
}

/// Installs `program` on the calling thread (all threads with TSYNC) and returns the
/// listener fd when the flags ask for one. The caller needs no_new_privs or CAP_SYS_ADMIN.
pub fn install(program: &Program) -> io::Result<Option<OwnedFd>> {
    let len = u16::try_from(program.insns.len())
        .map_err(|_| io::Error::from_raw_os_error(libc::E2BIG))?;
    let fprog = libc::sock_fprog {
        len,
        filter: program.insns.as_ptr().cast_mut(),
    };
    // SAFETY: fprog points at `len` instructions that outlive the call; the kernel copies them.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            program.flags,
            &fprog as *const libc::sock_fprog,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    if !program.has_listener() {
        return Ok(None);
    }
    // SAFETY: with NEW_LISTENER the kernel returned a fresh fd that nothing else owns.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(rc as i32) }))
}

/// Whether the kernel knows filter flag `flag`: with a NULL program it fails with EFAULT
/// after accepting the flags, and with EINVAL for a flag it does not know.
pub fn flag_supported(flag: u32) -> bool {
    // SAFETY: a NULL program is never dereferenced once the flags are refused or accepted.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flag,
            std::ptr::null::<libc::sock_fprog>(),
        )
    };
    rc < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EFAULT)
}
