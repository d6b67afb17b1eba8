//! CRIU driven as runc drives it: `criu swrk 3` on one end of a SOCK_SEQPACKET pair, one
//! request, then notifications (answered once handled) until the final response.

pub mod proto;
pub mod rpc;

use crate::sys::{fd, spawn, wait};
use rpc::{Kind, Request, Response};
use std::ffi::CString;
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixDatagram;
use std::path::Path;

#[derive(Debug)]
pub enum CriuError {
    Io(&'static str, io::Error),
    /// CRIU answered a request with failure; `msg` is its first logged error.
    Failed {
        kind: &'static str,
        errno: i32,
        msg: Option<String>,
    },
    /// A notification handler refused to go on: its reason.
    Notify(String, String),
    /// The exchange broke off or made no sense.
    Protocol(String),
    /// Features the host's CRIU or kernel lacks, each with what needs it.
    Missing(String),
}

impl fmt::Display for CriuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CriuError::Io(what, e) => write!(f, "criu: {what}: {e}"),
            CriuError::Failed { kind, errno, .. } => {
                write!(f, "criu failed: type {kind} errno {errno}")
            }
            CriuError::Notify(script, why) => write!(f, "criu notification {script}: {why}"),
            CriuError::Protocol(what) => write!(f, "criu: {what}"),
            CriuError::Missing(what) => write!(f, "criu is missing features: {what}"),
        }
    }
}

impl std::error::Error for CriuError {}

/// A running `criu swrk`, reaped when dropped.
pub struct Swrk {
    pub pid: libc::pid_t,
    /// A datagram socket's send(2) keeps the seqpacket's message boundaries.
    sock: Option<UnixDatagram>,
}

/// What a notification handler is given: the script's name, the pid it concerns and the fd
/// that came with it (the pty master of `orphan-pts-master`).
pub type OnNotify<'a> = dyn FnMut(&str, i32, Option<OwnedFd>) -> Result<(), String> + 'a;

impl Swrk {
    /// Starts CRIU with its end of the socket at fd 3 and `extra` at fds 4.., as runc passes
    /// them. With `stdio`, CRIU gets this process's own (a restored process inherits it);
    /// without, /dev/null, so that its warnings do not reach the caller.
    pub fn start(binary: &Path, extra: &[RawFd], stdio: bool) -> Result<Swrk, CriuError> {
        let (ours, theirs) = fd::seqpacket_pair().map_err(|e| CriuError::Io("socketpair", e))?;
        let null = match stdio {
            true => None,
            false => Some(File::open("/dev/null").map_err(|e| CriuError::Io("open /dev/null", e))?),
        };
        let quiet = null.iter().flat_map(|n| [n.as_raw_fd(); 3]);
        // Moved above every target number first, so no dup2 overwrites a later source.
        let sources = quiet
            .chain(std::iter::once(theirs.as_raw_fd()))
            .chain(extra.iter().copied())
            .map(|f| fd::dup_above(&f, 10 + extra.len() as RawFd))
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| CriuError::Io("dup", e))?;
        let first = if stdio { 3 } else { 0 };
        let map: Vec<(RawFd, RawFd)> = (first..)
            .zip(&sources)
            .map(|(to, f)| (f.as_raw_fd(), to))
            .collect();
        let argv = ["criu", "swrk", "3"].map(|a| CString::new(a).expect("no NUL"));
        let path = crate::sys::fs::cstring(binary).map_err(|e| CriuError::Io("path", e))?;
        let pid =
            spawn::spawn_in_path(&path, &argv, &map).map_err(|e| CriuError::Io("spawn", e))?;
        Ok(Swrk {
            pid,
            sock: Some(UnixDatagram::from(ours)),
        })
    }

    /// Sends `req` and serves notifications until CRIU's final answer, then reaps CRIU.
    pub fn call(mut self, req: &Request, on: &mut OnNotify) -> Result<Response, CriuError> {
        let kind = match req {
            Request::Run(k, _) => *k,
            _ => Kind::FeatureCheck,
        };
        self.send(&req.encode())?;
        loop {
            let (resp, fd) = self.receive()?;
            if !resp.success {
                return Err(CriuError::Failed {
                    kind: name(resp.kind),
                    errno: resp.errno,
                    msg: resp.errmsg,
                });
            }
            match resp.notify.as_ref().filter(|_| resp.is(Kind::Notify)) {
                Some((script, pid)) => {
                    crate::log::debug(|| format!("criu: notify {script} (pid {pid})"));
                    on(script, *pid, fd).map_err(|e| CriuError::Notify(script.clone(), e))?;
                    self.send(&Request::NotifyDone.encode())?;
                }
                None if resp.kind == kind as u64 => {
                    self.finish();
                    return Ok(resp);
                }
                None => {
                    return Err(CriuError::Protocol(format!(
                        "unexpected answer of type {}",
                        name(resp.kind)
                    )))
                }
            }
        }
    }

    fn send(&self, msg: &[u8]) -> Result<(), CriuError> {
        let sock = self.sock.as_ref().expect("open until finished");
        sock.send(msg)
            .map(drop)
            .map_err(|e| CriuError::Io("send request", e))
    }

    fn receive(&self) -> Result<(Response, Option<OwnedFd>), CriuError> {
        let sock = self.sock.as_ref().expect("open until finished");
        let mut buf = vec![0u8; 10 * 4096];
        let (n, fd) = fd::recv_msg(sock, &mut buf).map_err(|e| CriuError::Io("receive", e))?;
        if n == 0 {
            return Err(CriuError::Protocol(
                "CRIU ended without an answer (see its log)".into(),
            ));
        }
        let resp = Response::decode(&buf[..n])
            .ok_or_else(|| CriuError::Protocol("undecodable answer".into()))?;
        Ok((resp, fd))
    }

    fn finish(&mut self) {
        if self.sock.take().is_some() {
            let _ = wait::waitpid(self.pid);
        }
    }
}

impl Drop for Swrk {
    fn drop(&mut self) {
        self.finish();
    }
}

fn name(kind: u64) -> &'static str {
    match kind {
        1 => "DUMP",
        2 => "RESTORE",
        4 => "PRE_DUMP",
        6 => "NOTIFY",
        9 => "FEATURE_CHECK",
        _ => "EMPTY",
    }
}

/// Errors CRIU logs on every run here and survives: its kernel probes (a tun device, raising
/// RLIMIT_NOFILE without CAP_SYS_RESOURCE).
const HARMLESS: [&str; 2] = ["RLIMIT_NOFILE", "Unable to create tun"];

/// The line of CRIU's log that says why it failed: the first error that is not one of the
/// harmless ones (or the first of those, when there is nothing else).
pub fn log_error(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let errors = || text.lines().filter(|l| l.contains("Error"));
    errors()
        .find(|l| !HARMLESS.iter().any(|h| l.contains(h)))
        .or_else(|| errors().next())
        .map(|l| l.trim().to_string())
}
