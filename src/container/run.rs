//! `run`: create and start; in the foreground husk stays the container's parent, passes
//! signals on to its init, ends with init's exit status and deletes the container.

use super::{create, Container, ContainerError, CreateOptions};
use crate::sys::{signal, wait};

/// Runs a container; returns 0 when detached, else the payload's exit status (128 + N when
/// signal N killed it). Signals are held from the start so none is lost before forwarding,
/// and husk adopts init when the intermediate nsexec process exits.
pub fn run(opts: &CreateOptions, detach: bool, keep: bool) -> Result<i32, ContainerError> {
    if !detach {
        wait::set_child_subreaper()
            .map_err(|e| ContainerError::io("prctl", "PR_SET_CHILD_SUBREAPER", e))?;
        signal::block(&signal::SigSet::full())
            .map_err(|e| ContainerError::io("block", "signals", e))?;
    }
    let mut c = create(opts)?;
    if let Err(e) = c.start() {
        let _ = c.delete(true);
        return Err(e);
    }
    if detach {
        return Ok(0);
    }
    let code = wait_and_forward(c.unlock().pid);
    if !keep {
        // The payload's status is the answer; a failed cleanup is worth a line, not the status.
        if let Err(e) = Container::load(&opts.root, &opts.id).and_then(|c| c.delete(true)) {
            crate::log::warn(&e.to_string());
        }
    }
    Ok(code)
}

/// Forwards every signal but SIGCHLD to `init` until it exits and returns its exit status.
fn wait_and_forward(init: libc::pid_t) -> i32 {
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
