//! A process husk stays attached to (`run`, `exec` without --detach): signals are passed on,
//! a terminal is relayed between its pty master and husk's stdio, and its exit status is
//! husk's answer.

use super::ContainerError;
use crate::sys::{fd, signal, tty, wait};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

/// Supervises child `pid` until it exits and returns its exit status (128 + N for signal N).
/// Every signal must already be blocked, since before `pid` was started, so none is lost.
pub(super) fn supervise(pid: libc::pid_t, master: Option<OwnedFd>) -> Result<i32, ContainerError> {
    let fail = |what: &str, e: io::Error| ContainerError::io(what, "in the foreground", e);
    let signals = signal::signalfd(&signal::SigSet::full()).map_err(|e| fail("signalfd", e))?;
    let mut relay = master
        .map(Relay::new)
        .transpose()
        .map_err(|e| fail("relay the terminal", e))?;
    loop {
        if let Some(code) = reap(pid) {
            if let Some(r) = relay.as_mut() {
                r.drain();
            }
            return Ok(code);
        }
        let mut fds = vec![pollfd(signals.as_raw_fd())];
        if let Some(r) = &relay {
            fds.push(pollfd(if r.stdin_open { 0 } else { -1 }));
            fds.push(pollfd(if r.master_open {
                r.master.as_raw_fd()
            } else {
                -1
            }));
        }
        // Another thread of a library user may take the SIGCHLD: look again now and then.
        fd::poll(&mut fds, 250).map_err(|e| fail("poll", e))?;
        while let Some(sig) =
            signal::read_signal(signals.as_fd()).map_err(|e| fail("read signals", e))?
        {
            match sig {
                libc::SIGCHLD | libc::SIGURG => {}
                libc::SIGWINCH => relay.iter().for_each(Relay::resize),
                sig => drop(wait::kill(pid, sig)),
            }
        }
        if let Some(r) = relay.as_mut() {
            r.pump(fds[1].revents != 0, fds[2].revents != 0);
        }
    }
}

fn pollfd(fd: libc::c_int) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// Some(exit status) once `pid` has ended. A `pid` that is not husk's child at all cannot be
/// waited for: 255, as runc gives for that.
fn reap(pid: libc::pid_t) -> Option<i32> {
    match wait::try_wait(pid) {
        Ok(status) => status.map(wait::exit_code),
        Err(_) => Some(255),
    }
}

/// A pty master relayed to husk's stdin and stdout; a terminal on stdin is put in raw mode
/// (restored on drop) so keys such as ^C reach the container's terminal, not husk.
struct Relay {
    master: File,
    stdin: File,
    stdout: File,
    stdin_open: bool,
    master_open: bool,
    saved: Option<libc::termios>,
}

impl Relay {
    fn new(master: OwnedFd) -> io::Result<Relay> {
        let stdin = File::from(io::stdin().as_fd().try_clone_to_owned()?);
        let r = Relay {
            master: File::from(master),
            stdout: File::from(io::stdout().as_fd().try_clone_to_owned()?),
            saved: tty::make_raw(stdin.as_fd()).ok(),
            stdin,
            stdin_open: true,
            master_open: true,
        };
        r.resize();
        Ok(r)
    }

    /// The container's terminal takes the size of husk's own.
    fn resize(&self) {
        if let Ok(ws) = tty::window_size(self.stdin.as_fd()) {
            let _ = tty::set_window_size(self.master.as_fd(), &ws);
        }
    }

    fn pump(&mut self, stdin_ready: bool, master_ready: bool) {
        let mut buf = [0u8; 4096];
        if stdin_ready {
            self.stdin_open = match self.stdin.read(&mut buf) {
                Ok(n) if n > 0 => self.master.write_all(&buf[..n]).is_ok(),
                _ => false,
            };
        }
        if master_ready {
            self.master_open = match self.master.read(&mut buf) {
                Ok(n) if n > 0 => self.stdout.write_all(&buf[..n]).is_ok(),
                _ => false,
            };
        }
    }

    /// What the process wrote before it ended.
    fn drain(&mut self) {
        while self.master_open && fd::poll_readable(&self.master, 0).unwrap_or(false) {
            self.pump(false, true);
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(t) = &self.saved {
            let _ = tty::set_attrs(self.stdin.as_fd(), t);
        }
    }
}
