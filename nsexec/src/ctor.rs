//! The constructor that turns `husk init` into the container's init before `main` runs.
//!
//! Namespaces that need a single-threaded process (user, mount) can only be entered before the
//! Rust runtime starts threads, hence `.init_array`. Nothing here allocates or panics.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::decode::{decode, message_len, Bootstrap, DecodeError};
use crate::fail::{Fail, Subject};
use crate::frame::{read_exact, write_all, write_frame};
use crate::protocol::{Frame, INITPIPE_ENV, MAX_BOOTSTRAP, NLMSG_HDRLEN};
use crate::stackbuf::to_cstr;
use crate::{handoff, ns, procfs, sys, userns};

const NEWUSER: u32 = libc::CLONE_NEWUSER as u32;
const NEWTIME: u32 = libc::CLONE_NEWTIME as u32;

// SAFETY: an .init_array entry is a plain `extern "C" fn()` taking nothing, which `nsexec` is;
// the loader calls it once, before main, in a single-threaded process.
#[allow(unsafe_code)]
#[used]
#[link_section = ".init_array"]
static CONSTRUCTOR: extern "C" fn() = nsexec;

static INIT_SOCKET: AtomicI32 = AtomicI32::new(-1);

/// The init socket, in the process the constructor returned into as the container's init.
pub fn init_socket() -> Option<RawFd> {
    let fd = INIT_SOCKET.load(Ordering::Relaxed);
    (fd >= 0).then_some(fd)
}

// musl calls .init_array entries without arguments, unlike glibc, so the environment is read
// through getenv rather than an envp parameter.
extern "C" fn nsexec() {
    let mut name_buf = [0u8; 32];
    let Some(name) = to_cstr(INITPIPE_ENV.as_bytes(), &mut name_buf) else {
        return;
    };
    let Some(value) = sys::getenv(name) else {
        return;
    };
    let Some(sock) = parse_fd(value) else {
        _ = write_all(
            2,
            b"nsexec: _HUSK_INITPIPE is not a file descriptor number\n",
        );
        sys::exit_now(1)
    };
    // The container's processes must not run this constructor again.
    sys::unsetenv(name);
    if run(sock).is_err() {
        sys::exit_now(1);
    }
    INIT_SOCKET.store(sock, Ordering::Relaxed);
}

/// Accepts only plain decimal digits of a non-negative `RawFd`: no sign, space or suffix.
fn parse_fd(text: &[u8]) -> Option<RawFd> {
    if text.is_empty() || text.len() > 10 {
        return None;
    }
    text.iter().try_fold(0 as RawFd, |acc, &b| {
        let digit = RawFd::from(b.checked_sub(b'0').filter(|d| *d <= 9)?);
        acc.checked_mul(10)?.checked_add(digit)
    })
}

fn run(sock: RawFd) -> Result<(), ()> {
    let mut msg = [0u8; MAX_BOOTSTRAP];
    let result = lock_down(sock)
        .and_then(|()| read_bootstrap(sock, &mut msg))
        .and_then(|boot| setup(sock, &boot));
    result.map_err(|fail| report(sock, &fail))
}

fn lock_down(sock: RawFd) -> Result<(), Fail<'static>> {
    sys::set_dumpable(false).map_err(Fail::sys("prctl PR_SET_DUMPABLE", Subject::Id(0)))?;
    sys::set_name(c"husk init");
    let shown = Subject::Id(sock as u32);
    sys::set_cloexec(sock).map_err(Fail::sys("fcntl FD_CLOEXEC on init socket", shown))
}

fn read_bootstrap(sock: RawFd, msg: &mut [u8]) -> Result<Bootstrap<'_>, Fail<'_>> {
    let header = msg.get_mut(..NLMSG_HDRLEN).ok_or(too_short())?;
    read_exact(sock, header).map_err(Fail::io("read bootstrap", Subject::Nothing))?;
    let len = message_len(header).map_err(Fail::Bootstrap)?;
    let body = msg.get_mut(NLMSG_HDRLEN..len).ok_or(too_short())?;
    read_exact(sock, body).map_err(Fail::io("read bootstrap", Subject::Nothing))?;
    let msg: &[u8] = msg;
    decode(msg.get(..len).unwrap_or_default()).map_err(Fail::Bootstrap)
}

fn too_short() -> Fail<'static> {
    Fail::Bootstrap(DecodeError::ShortHeader(0))
}

fn setup<'a>(sock: RawFd, boot: &Bootstrap<'a>) -> Result<(), Fail<'a>> {
    if let Some(adj) = boot.oom_score_adj {
        oom_score_adj(adj, boot.rootless)?;
    }
    ns::join(boot)?;
    if boot.clone_flags & NEWUSER != 0 {
        userns::create(sock, boot.rootless)?;
    }
    ns::unshare_rest(boot.clone_flags)?;
    if let (Some(offsets), true) = (boot.timens_offsets, boot.clone_flags & NEWTIME != 0) {
        procfs::write_timens_offsets(offsets)?;
    }
    handoff::become_init(sock, boot)
}

/// Non-dumpable makes /proc/self root's, which an unprivileged runtime then cannot write; no
/// namespace is joined yet, so being dumpable for the write exposes nothing.
fn oom_score_adj(adj: i32, rootless: bool) -> Result<(), Fail<'static>> {
    if rootless {
        sys::set_dumpable(true).map_err(Fail::sys("prctl PR_SET_DUMPABLE", Subject::Id(1)))?;
    }
    let done = procfs::write_oom_score_adj(adj);
    sys::set_dumpable(false).map_err(Fail::sys("prctl PR_SET_DUMPABLE", Subject::Id(0)))?;
    done
}

fn report(sock: RawFd, fail: &Fail<'_>) {
    if let Some(line) = fail.line() {
        _ = write_frame(sock, Frame::Error, line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::parse_fd;

    #[test]
    fn fd_numbers_are_parsed_strictly() {
        assert_eq!(parse_fd(b"0"), Some(0));
        assert_eq!(parse_fd(b"17"), Some(17));
        assert_eq!(parse_fd(b"2147483647"), Some(i32::MAX));
        for bad in [
            &b""[..],
            b"-1",
            b"+3",
            b" 3",
            b"3 ",
            b"3x",
            b"2147483648",
            b"99999999999",
        ] {
            assert_eq!(parse_fd(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
