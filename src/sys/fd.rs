//! File descriptors: socket pairs, locks, fifos, close-on-exec sweeps.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A connected SOCK_STREAM unix socket pair, both ends close-on-exec.
pub fn socketpair() -> io::Result<(OwnedFd, OwnedFd)> {
    pair(libc::SOCK_STREAM)
}

/// A connected SOCK_SEQPACKET unix socket pair (message boundaries kept), close-on-exec.
pub fn seqpacket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    pair(libc::SOCK_SEQPACKET)
}

fn pair(kind: libc::c_int) -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors the kernel writes.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            kind | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Takes an exclusive whole-file advisory lock on `fd`, waiting for it.
pub fn flock(fd: &impl AsRawFd) -> io::Result<()> {
    let op = libc::LOCK_EX;
    loop {
        // SAFETY: flock takes an fd and flags.
        if unsafe { libc::flock(fd.as_raw_fd(), op) } == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

pub fn mkfifo(path: &Path, mode: libc::mode_t) -> io::Result<()> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: c is a valid C string.
    if unsafe { libc::mkfifo(c.as_ptr(), mode) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Opens `path` with O_PATH: a handle that names the file without opening it for I/O.
pub fn open_path(path: &Path) -> io::Result<OwnedFd> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: c is a valid C string; the fd returned is new.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only reads fd flags.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

/// Takes ownership of an fd number inherited from the parent process.
pub fn adopt(fd: RawFd) -> io::Result<OwnedFd> {
    if !is_open(fd) {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    // SAFETY: the fd is open and this process has not handed it to anything else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A close-on-exec duplicate of `fd` numbered at least `min`, so fds that a child must find at
/// fixed low numbers cannot be overwritten while they are moved there.
pub fn dup_above(fd: &impl AsRawFd, min: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new fd and touches no memory.
    let new = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, min) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: new was just created and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// Most descriptors one message carries (the kernel's SCM_MAX_FD).
pub const MAX_PASSED_FDS: usize = 253;

fn one_byte(byte: &mut [u8; 1]) -> libc::iovec {
    libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    }
}

/// A message of the bytes `iov` points at, with room in `cmsg` for `n` descriptors.
fn fd_message(iov: &mut libc::iovec, cmsg: &mut [u64], n: usize) -> libc::msghdr {
    // SAFETY: msghdr is plain data; all-zero is a valid empty value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cmsg.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE only computes a size.
    msg.msg_controllen = unsafe { libc::CMSG_SPACE((n * 4) as u32) } as _;
    msg
}

/// Sends `fds` over unix socket `sock` (SCM_RIGHTS) with `data`, which must not be empty: a
/// console socket's reader takes the terminal's name from it.
pub fn send_fds(sock: &impl AsRawFd, fds: &[RawFd], data: &[u8]) -> io::Result<()> {
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut _,
        iov_len: data.len(),
    };
    let mut cmsg = vec![0u64; 2 + fds.len()];
    let msg = fd_message(&mut iov, &mut cmsg, fds.len());
    // SAFETY: msg points at `data` (only read) and at `cmsg`, which CMSG_SPACE(n*4) fits in; the header
    // written through CMSG_FIRSTHDR lies within it, the fd array right after.
    let rc = unsafe {
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = libc::SOL_SOCKET;
        (*c).cmsg_type = libc::SCM_RIGHTS;
        (*c).cmsg_len = libc::CMSG_LEN((fds.len() * 4) as u32) as _;
        std::ptr::copy_nonoverlapping(fds.as_ptr(), libc::CMSG_DATA(c).cast(), fds.len());
        libc::sendmsg(sock.as_raw_fd(), &msg, libc::MSG_NOSIGNAL)
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Receives exactly `n` descriptors sent with [`send_fds`], close-on-exec, and one byte of
/// their data.
pub fn recv_fds(sock: &impl AsRawFd, n: usize) -> io::Result<Vec<OwnedFd>> {
    let mut byte = [0u8];
    let mut iov = one_byte(&mut byte);
    let mut cmsg = vec![0u64; 2 + n];
    let mut msg = fd_message(&mut iov, &mut cmsg, n);
    // SAFETY: msg's buffers outlive the call and CMSG_SPACE(n*4) fits in `cmsg`; the fds
    // read from CMSG_DATA were just installed in this process and are owned by nobody else.
    unsafe {
        if libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) < 0 {
            return Err(io::Error::last_os_error());
        }
        let c = libc::CMSG_FIRSTHDR(&msg);
        let got = if c.is_null() || (*c).cmsg_type != libc::SCM_RIGHTS {
            0
        } else {
            ((*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / 4
        };
        let data: *const RawFd = if got > 0 {
            libc::CMSG_DATA(c).cast()
        } else {
            std::ptr::null()
        };
        let fds: Vec<OwnedFd> = (0..got)
            .map(|i| OwnedFd::from_raw_fd(data.add(i).read_unaligned()))
            .collect();
        if got != n || msg.msg_flags & libc::MSG_CTRUNC != 0 {
            return Err(io::Error::other(format!(
                "expected {n} descriptors, got {got}"
            )));
        }
        Ok(fds)
    }
}

/// Receives one message into `buf` with at most one descriptor riding along (close-on-exec):
/// the message's length and the descriptor, if one came.
pub fn recv_msg(sock: &impl AsRawFd, buf: &mut [u8]) -> io::Result<(usize, Option<OwnedFd>)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut cmsg = [0u64; 3];
    let mut msg = fd_message(&mut iov, &mut cmsg, 1);
    // SAFETY: msg's buffers outlive the call and CMSG_SPACE(4) fits in `cmsg`; an fd read from
    // CMSG_DATA was just installed in this process and is owned by nobody else.
    unsafe {
        let n = libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC);
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let c = libc::CMSG_FIRSTHDR(&msg);
        let fd = (!c.is_null() && (*c).cmsg_type == libc::SCM_RIGHTS)
            .then(|| OwnedFd::from_raw_fd(libc::CMSG_DATA(c).cast::<RawFd>().read_unaligned()));
        Ok((n as usize, fd))
    }
}

/// A pipe, both ends close-on-exec: (read, write).
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Opens a fifo for reading without waiting for a writer.
pub fn open_fifo_nonblocking(path: &Path) -> io::Result<OwnedFd> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: c is a valid C string; the fd returned is new.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Waits up to `ms` milliseconds (-1: for ever) for any of `fds`; an interrupted wait
/// counts as nothing ready.
pub fn poll(fds: &mut [libc::pollfd], ms: libc::c_int) -> io::Result<usize> {
    // SAFETY: fds is a valid slice of pollfd for its length.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted {
            Ok(0)
        } else {
            Err(e)
        };
    }
    Ok(n as usize)
}

/// Waits up to `ms` milliseconds for `fd` to become readable or hung up; true if it did.
pub fn poll_readable(fd: &impl AsRawFd, ms: libc::c_int) -> io::Result<bool> {
    let mut pfd = [libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    }];
    let n = poll(&mut pfd, ms)?;
    Ok(n > 0 && pfd[0].revents & (libc::POLLIN | libc::POLLHUP) != 0)
}

/// Makes the pipe behind `fd` hold at least `len` bytes (best effort: the kernel caps it at
/// /proc/sys/fs/pipe-max-size) and makes writes to it return instead of blocking.
pub fn fit_pipe_nonblocking(fd: &impl AsRawFd, len: usize) -> io::Result<()> {
    let len = libc::c_int::try_from(len).unwrap_or(libc::c_int::MAX);
    // SAFETY: F_SETPIPE_SZ takes an int and touches no memory; failure leaves the size as is.
    unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, len) };
    // SAFETY: F_GETFL/F_SETFL read and set file status flags only.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0
        || unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0
    {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
