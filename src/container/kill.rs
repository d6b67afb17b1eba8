//! `kill`: a signal to init, or to every process of the container. Signalling takes no lock,
//! so a container whose `start` hangs (a startContainer hook without a timeout) can still be
//! stopped.

use super::statedir::saved::Saved;
use super::{statedir, Container, ContainerError};
use crate::spec::Status;
use crate::sys::wait::PidFd;
use std::path::Path;

impl Container {
    pub fn kill(&self, sig: libc::c_int, all: bool) -> Result<(), ContainerError> {
        signal(&self.saved, self.status(), sig, all)
    }
}

/// Signals container `id` under `root` without waiting for its lock.
pub fn kill(root: &Path, id: &str, sig: libc::c_int, all: bool) -> Result<(), ContainerError> {
    let (path, saved) = statedir::peek(root, id)?;
    signal(
        &saved,
        saved.status(super::statedir::parked(&path)),
        sig,
        all,
    )
}

fn signal(
    saved: &Saved,
    status: Status,
    sig: libc::c_int,
    all: bool,
) -> Result<(), ContainerError> {
    let not_running = || ContainerError::NotRunning(saved.id.clone());
    // runc made --all obsolete and, with it, quiet about a container that has stopped.
    if status == Status::Stopped {
        return if all { Ok(()) } else { Err(not_running()) };
    }
    // Without a cgroup of its own (rootless) the container's processes cannot be listed; init
    // alone is signalled.
    if all && !saved.cgroup.dirs.is_empty() {
        return saved.cgroup.kill_all(sig).map_err(ContainerError::from);
    }
    // The pidfd pins the process; checking the start time after opening it means a pid reused
    // since can never receive the signal.
    let pidfd = PidFd::open(saved.pid).map_err(|_| not_running())?;
    if !saved.alive() {
        return Err(not_running());
    }
    pidfd.send(sig).map_err(|e| match e.raw_os_error() {
        Some(libc::ESRCH) => not_running(),
        _ => ContainerError::io("kill", format!("pid {}", saved.pid), e),
    })
}
