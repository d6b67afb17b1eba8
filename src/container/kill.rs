//! `kill`: a signal to init, or to every process of the container.

use super::{Container, ContainerError};
use crate::cgroups::Cgroup;
use crate::spec::Status;
use crate::sys::wait;

impl Container {
    pub fn kill(&self, sig: libc::c_int, all: bool) -> Result<(), ContainerError> {
        if self.status() == Status::Stopped {
            return Err(ContainerError::NotRunning(self.saved.id.clone()));
        }
        if all {
            kill_all(&self.saved.cgroup, sig);
            return Ok(());
        }
        wait::kill(self.saved.pid, sig).map_err(|e| match e.raw_os_error() {
            Some(libc::ESRCH) => ContainerError::NotRunning(self.saved.id.clone()),
            _ => ContainerError::io("kill", format!("pid {}", self.saved.pid), e),
        })
    }
}

/// Signals every process in the cgroup; ones that exit meanwhile are no error.
pub fn kill_all(cgroup: &Cgroup, sig: libc::c_int) {
    for pid in cgroup.pids().unwrap_or_default() {
        let _ = wait::kill(pid, sig);
    }
}
