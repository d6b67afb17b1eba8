//! `delete`: remove a stopped container, or with `force` stop it first.

use super::{hooks, kill, kill::kill_all, Container, ContainerError};
use crate::spec::Status;
use crate::sys::wait;
use std::path::Path;
use std::time::{Duration, Instant};

/// Deletes container `id` under `root`. With `force` it is killed before its lock is taken,
/// so a container whose `start` hangs in a hook can still be removed.
pub fn delete(root: &Path, id: &str, force: bool) -> Result<(), ContainerError> {
    if force {
        let _ = kill::kill(root, id, libc::SIGKILL, true);
    }
    match Container::load(root, id) {
        // As with runc: forcing the removal of a container that is already gone succeeds, so
        // an engine cleaning up after a failed create does not log an error.
        Err(ContainerError::NotExist(_)) if force => Ok(()),
        loaded => loaded?.delete(force),
    }
}

impl Container {
    pub fn delete(self, force: bool) -> Result<(), ContainerError> {
        match self.status() {
            Status::Stopped => {}
            Status::Created => self.stop()?,
            _ if force => self.stop()?,
            status => {
                return Err(ContainerError::WrongStatus {
                    id: self.saved.id.clone(),
                    action: "delete",
                    status,
                })
            }
        }
        // Without a pid namespace, processes can outlive init; they go with the container.
        kill_all(&self.saved.cgroup, libc::SIGKILL)?;
        self.saved.cgroup.destroy(Duration::from_secs(5))?;
        hooks::poststop(&self.saved);
        self.dir.remove()
    }

    /// SIGKILL to everything in the container, then wait until init is gone.
    fn stop(&self) -> Result<(), ContainerError> {
        let _ = wait::kill(self.saved.pid, libc::SIGKILL);
        kill_all(&self.saved.cgroup, libc::SIGKILL)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.saved.alive() {
            if Instant::now() > deadline {
                return Err(ContainerError::io(
                    "stop",
                    format!("pid {}", self.saved.pid),
                    std::io::ErrorKind::TimedOut.into(),
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }
}
