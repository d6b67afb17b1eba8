//! Pseudo-terminals: unlocking, the peer, the controlling terminal, size and raw mode.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(rc)
}

/// Clears the lock a new master starts with, which keeps its peer from being opened.
pub fn unlock(master: BorrowedFd) -> io::Result<()> {
    let zero: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK reads one int from a valid pointer.
    check(unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &zero) }).map(drop)
}

/// The master's peer, opened by the kernel from the master itself (TIOCGPTPEER), so no path
/// in /dev/pts that the container controls is ever looked up.
pub fn peer(master: BorrowedFd) -> io::Result<OwnedFd> {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: TIOCGPTPEER takes open flags and returns a new fd.
    let fd = check(unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, flags) })?;
    // SAFETY: fd was just returned by the kernel and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Starts a new session and makes `tty` its controlling terminal.
pub fn make_controlling(tty: BorrowedFd) -> io::Result<()> {
    new_session()?;
    // SAFETY: TIOCSCTTY takes an integer argument.
    check(unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCSCTTY, 0) }).map(drop)
}

/// Starts a new session (and process group) led by the caller.
pub fn new_session() -> io::Result<()> {
    // SAFETY: setsid takes no arguments.
    check(unsafe { libc::setsid() }).map(drop)
}

pub fn dup2(from: RawFd, to: RawFd) -> io::Result<()> {
    // SAFETY: dup2 only manipulates the descriptor table.
    check(unsafe { libc::dup2(from, to) }).map(drop)
}

pub fn window_size(fd: BorrowedFd) -> io::Result<libc::winsize> {
    // SAFETY: winsize is plain data; TIOCGWINSZ fills it.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: ws is a valid winsize to write.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) })?;
    Ok(ws)
}

pub fn set_window_size(fd: BorrowedFd, ws: &libc::winsize) -> io::Result<()> {
    // SAFETY: TIOCSWINSZ reads a valid winsize.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, ws) }).map(drop)
}

/// Puts the terminal at `fd` in raw mode; returns the settings to restore.
pub fn make_raw(fd: BorrowedFd) -> io::Result<libc::termios> {
    // SAFETY: termios is plain data; tcgetattr fills it.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: t is a valid termios to write.
    check(unsafe { libc::tcgetattr(fd.as_raw_fd(), &mut t) })?;
    let saved = t;
    // SAFETY: t is a valid termios.
    unsafe { libc::cfmakeraw(&mut t) };
    set_attrs(fd, &t)?;
    Ok(saved)
}

pub fn set_attrs(fd: BorrowedFd, t: &libc::termios) -> io::Result<()> {
    // SAFETY: t is a valid termios to read.
    check(unsafe { libc::tcsetattr(fd.as_raw_fd(), libc::TCSANOW, t) }).map(drop)
}
