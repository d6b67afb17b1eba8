//! What husk keeps about a container between commands, and its status derived from the live
//! process rather than stored, so it is right even after the process dies on its own.

use crate::cgroups::Cgroup;
use crate::spec::{Spec, State, Status, OCI_VERSION};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    pub id: String,
    pub pid: libc::pid_t,
    /// Field 22 of /proc/PID/stat when init started: a pid reused by another process has a
    /// different start time, so the container is then stopped.
    pub start_time: u64,
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    pub created: String,
    pub owner: String,
    pub cgroup: Cgroup,
    pub config: Spec,
}

impl Saved {
    /// `parked`: whether the state dir still holds the exec fifo, which init opens on start.
    pub fn status(&self, parked: bool) -> Status {
        if !self.alive() {
            return Status::Stopped;
        }
        if self.cgroup.is_frozen() {
            return Status::Paused;
        }
        if parked {
            return Status::Created;
        }
        Status::Running
    }

    /// Whether init is still the process it was, and not a zombie.
    pub fn alive(&self) -> bool {
        self.pid > 0
            && proc_start(self.pid).is_some_and(|(state, start)| {
                start == self.start_time && !matches!(state, 'Z' | 'X')
            })
    }

    /// The OCI state JSON; `pid` is 0 once the container has stopped.
    pub fn state(&self, status: Status) -> State {
        State {
            oci_version: OCI_VERSION.to_string(),
            id: self.id.clone(),
            pid: if status == Status::Stopped {
                0
            } else {
                self.pid
            },
            status,
            bundle: self.bundle.clone(),
            rootfs: self.rootfs.clone(),
            created: self.created.clone(),
            annotations: self.config.annotations.clone(),
            owner: self.owner.clone(),
        }
    }
}

/// The state letter and start time of `pid`, from /proc/PID/stat (the command name may hold
/// spaces and parentheses, so fields are counted from the last `)`).
pub fn proc_start(pid: libc::pid_t) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_start_time_is_read_and_stable() {
        let me = std::process::id() as libc::pid_t;
        let (state, start) = proc_start(me).unwrap();
        // Running, sleeping or briefly in disk wait: anything but dead.
        assert!(!matches!(state, 'Z' | 'X'), "state {state}");
        assert_eq!(proc_start(me).unwrap().1, start);
        assert!(proc_start(-1).is_none());
    }
}
