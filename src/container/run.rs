//! `run`: create and start; in the foreground husk stays the container's parent, passes
//! signals on to its init, relays its terminal, ends with init's exit status and deletes the
//! container.

use super::create::create_with;
use super::{console, foreground, Container, ContainerError, CreateOptions};
use crate::sys::{fd, signal, wait};

/// Runs a container; returns 0 when detached, else the payload's exit status (128 + N when
/// signal N killed it). Signals are held from the start so none is lost before forwarding,
/// and husk adopts init when the intermediate nsexec process exits.
pub fn run(opts: &CreateOptions, detach: bool, keep: bool) -> Result<i32, ContainerError> {
    if detach {
        return start_or_delete(super::create(opts)?, opts, None).map(|_| 0);
    }
    wait::set_child_subreaper()
        .map_err(|e| ContainerError::io("prctl", "PR_SET_CHILD_SUBREAPER", e))?;
    signal::block(&signal::SigSet::full())
        .map_err(|e| ContainerError::io("block", "signals", e))?;
    let (ours, theirs) =
        fd::socketpair().map_err(|e| ContainerError::io("socketpair", "for the console", e))?;
    let c = create_with(opts, Some(theirs))?;
    let terminal = c.saved.config.process.as_ref().is_some_and(|p| p.terminal);
    let master = match terminal {
        true => match console::receive(&ours) {
            Ok(m) => Some(m),
            Err(e) => {
                let _ = c.delete(true);
                return Err(e);
            }
        },
        false => None,
    };
    // husk stays as the payload's parent: it is the process the caller should watch.
    let c = start_or_delete(c, opts, Some(std::process::id() as i32))?;
    let code = foreground::supervise(c.unlock().pid, master)?;
    if !keep {
        // The payload's status is the answer; a failed cleanup is worth a line, not the status.
        if let Err(e) = Container::load(&opts.root, &opts.id).and_then(|c| c.delete(true)) {
            crate::log::warn(&e.to_string());
        }
    }
    Ok(code)
}

fn start_or_delete(
    mut c: Container,
    opts: &CreateOptions,
    main_pid: Option<i32>,
) -> Result<Container, ContainerError> {
    match c.start_notify(opts.notify_socket.as_deref(), main_pid) {
        Ok(()) => Ok(c),
        Err(e) => {
            let _ = c.delete(true);
            Err(e)
        }
    }
}
