//! A sealed in-memory copy of the running binary, so a container can never write to the host's
//! husk through /proc/PID/exe (CVE-2019-5736).

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

const SEALS: libc::c_int =
    libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;

/// Copies the binary at `path` (usually /proc/self/exe) into a memfd and seals it against
/// every change.
pub fn sealed_copy(path: &Path) -> io::Result<OwnedFd> {
    let memfd = memfd_create(c"husk", libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING)?;
    let exe = File::open(path)?;
    let len = exe.metadata()?.len();
    copy_all(&exe, &memfd, len)?;
    add_seals(&memfd, SEALS)?;
    if seals(&memfd)? & SEALS != SEALS {
        return Err(io::Error::other("memfd copy of husk is not sealed"));
    }
    Ok(memfd)
}

fn memfd_create(name: &std::ffi::CStr, flags: libc::c_uint) -> io::Result<OwnedFd> {
    // SAFETY: name is a valid C string; the returned fd is new and owned by nobody else.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just returned by memfd_create and is open.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn copy_all(from: &File, to: &OwnedFd, mut left: u64) -> io::Result<()> {
    while left > 0 {
        let chunk = left.min(1 << 30) as usize;
        // SAFETY: both fds are open for the duration of the call; null offsets use file positions.
        let n = unsafe {
            libc::sendfile(
                to.as_raw_fd(),
                from.as_raw_fd(),
                std::ptr::null_mut(),
                chunk,
            )
        };
        match n {
            n if n > 0 => left -= n as u64,
            0 => return Err(io::Error::other("the binary ended early")),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}

fn add_seals(fd: &OwnedFd, seals: libc::c_int) -> io::Result<()> {
    // SAFETY: F_ADD_SEALS takes an int argument and touches no memory.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn seals(fd: &OwnedFd) -> io::Result<libc::c_int> {
    // SAFETY: F_GET_SEALS takes no argument and touches no memory.
    let s = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) };
    if s < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn copy_is_sealed_against_writes() {
        let fd = sealed_copy(Path::new("/proc/self/exe")).unwrap();
        let mut f = File::from(fd);
        let err = f.write_all(b"x").unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EPERM));
        let exe_len = std::fs::metadata("/proc/self/exe").unwrap().len();
        assert_eq!(f.metadata().unwrap().len(), exe_len);
    }
}
