//! The foreground of `run`: husk stays the container's parent, passes signals on to its init
//! and ends with init's exit status.

use crate::sys::{signal, wait};

/// Forwards every signal but SIGCHLD to `init` until it exits; returns its exit status (128 + N
/// when signal N killed it). The caller must have made this process a child subreaper before
/// init was started, and blocked all signals.
pub fn wait_and_forward(init: libc::pid_t) -> i32 {
    let all = signal::SigSet::full();
    loop {
        if let Some(code) = reap(init) {
            return code;
        }
        match signal::wait(&all) {
            Ok(libc::SIGCHLD) | Err(_) => {}
            Ok(libc::SIGURG) | Ok(libc::SIGWINCH) => {}
            Ok(sig) => {
                let _ = wait::kill(init, sig);
            }
        }
    }
}

/// Reaps every ended child (orphans adopted as subreaper included); Some when init was one.
/// Having no child at all means init is not ours to wait for: 255, as runc gives for that.
fn reap(init: libc::pid_t) -> Option<i32> {
    let mut found = None;
    loop {
        match wait::reap_any() {
            Ok(Some((pid, status))) if pid == init => found = Some(wait::exit_code(status)),
            Ok(Some(_)) => {}
            Ok(None) => return found,
            Err(_) => return found.or(Some(255)),
        }
    }
}
