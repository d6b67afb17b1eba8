//! `husk kill [--all] ID [SIGNAL]`: send a signal, SIGTERM by default.

use super::{flags::UsageError, Failure, Global};
use std::ffi::OsString;

const HELP: &str = "usage: husk kill [--all|-a] ID [SIGNAL]

Sends SIGNAL (a name such as KILL or SIGKILL, or a number; default TERM) to the container's
init, or with --all to every process in the container.";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut all = false;
    let ops = super::parse(rest, "kill", HELP, |a, _| {
        let matched = a.is(Some('a'), "all");
        all |= matched;
        Ok(matched)
    })?;
    let (id, sig) = match ops.as_slice() {
        [id] => (id, libc::SIGTERM),
        [id, sig] => (id, parse_signal(sig)?),
        [] => return Err(UsageError("kill: the container id is missing".into()).into()),
        _ => return Err(UsageError("kill: expected ID [SIGNAL]".into()).into()),
    };
    husk::container::kill(&g.root, id, sig, all)?;
    Ok(0)
}

const NAMES: &[(&str, libc::c_int)] = &[
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("IOT", libc::SIGIOT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("STKFLT", libc::SIGSTKFLT),
    ("CHLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("POLL", libc::SIGPOLL),
    ("PWR", libc::SIGPWR),
    ("SYS", libc::SIGSYS),
];

/// A signal as runc takes it: `9`, `KILL` or `SIGKILL` (any case).
fn parse_signal(s: &str) -> Result<libc::c_int, UsageError> {
    if let Ok(n) = s.parse::<libc::c_int>() {
        return match n {
            // 0 sends nothing: it asks whether the container is running.
            0..=64 => Ok(n),
            _ => Err(UsageError(format!("kill: invalid signal number {n}"))),
        };
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    // Real-time signals by offset, as systemd documents its stop signal (SIGRTMIN+3).
    let rt = |p, base: i32, sign| {
        let n = name.strip_prefix(p)?;
        let off: i32 = n
            .strip_prefix(['+', '-'])
            .map_or(Some(0), |d| d.parse().ok())?;
        let sig = base + sign * off;
        (n.is_empty() || n.starts_with(if sign > 0 { '+' } else { '-' }))
            .then_some(sig)
            .filter(|s| (34..=64).contains(s))
    };
    if let Some(sig) = rt("RTMIN", 34, 1).or_else(|| rt("RTMAX", 64, -1)) {
        return Ok(sig);
    }
    NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, sig)| sig)
        .ok_or_else(|| UsageError(format!("kill: unknown signal {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::parse_signal;

    #[test]
    fn names_with_and_without_sig_and_numbers() {
        assert_eq!(parse_signal("KILL").unwrap(), 9);
        assert_eq!(parse_signal("sigterm").unwrap(), 15);
        assert_eq!(parse_signal("SIGUSR1").unwrap(), 10);
        assert_eq!(parse_signal("2").unwrap(), 2);
        assert_eq!(parse_signal("0").unwrap(), 0);
        assert!(parse_signal("65").is_err());
        assert!(parse_signal("-1").is_err());
        assert!(parse_signal("SIGFOO").is_err());
        assert_eq!(parse_signal("SIGRTMIN+3").unwrap(), 37);
        assert_eq!(parse_signal("rtmax-1").unwrap(), 63);
        assert!(parse_signal("RTMIN-1").is_err());
        assert!(parse_signal("RTMIN+31").is_err());
    }
}
