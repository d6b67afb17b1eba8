//! What moving a network device needs from the kernel beyond plain reads and writes: a
//! route netlink socket, an interface's index, and entering a network namespace.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};

/// A NETLINK_ROUTE socket in the calling thread's network namespace, close-on-exec; requests
/// are written to it and replies read from it.
pub fn route_socket() -> io::Result<File> {
    let kind = libc::SOCK_RAW | libc::SOCK_CLOEXEC;
    // SAFETY: socket takes integers only and returns a new fd or -1.
    let fd = unsafe { libc::socket(libc::AF_NETLINK, kind, libc::NETLINK_ROUTE) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just created and is owned by nobody else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// The index of interface `name` in the calling thread's network namespace.
pub fn if_index(name: &str) -> io::Result<i32> {
    let name = CString::new(name).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: name is a NUL-terminated string that outlives the call.
    match unsafe { libc::if_nametoindex(name.as_ptr()) } {
        0 => Err(io::Error::last_os_error()),
        i => Ok(i as i32),
    }
}

/// Moves the calling thread into the network namespace `ns` refers to.
pub fn enter_net(ns: &impl AsRawFd) -> io::Result<()> {
    // SAFETY: setns takes an fd and a namespace type; it changes only this thread.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
