//! `delete`: remove a stopped container, or with `force` stop it first.

use super::statedir::StateDir;
use super::{hooks, id, kill, Container, ContainerError};
use crate::cgroups::Cgroup;
use crate::spec::Status;
use crate::sys::wait;
use std::path::Path;
use std::time::{Duration, Instant};

/// Deletes container `id` under `root`. With `force` it is killed before its lock is taken,
/// so a container whose `start` hangs in a hook can still be removed.
pub fn delete(root: &Path, id: &str, force: bool) -> Result<(), ContainerError> {
    if !force {
        return Container::load(root, id)?.delete(false);
    }
    let _ = kill::kill(root, id, libc::SIGKILL, true);
    id::validate(id)?;
    // As with runc: forcing the removal of a container that is already gone succeeds, so an
    // engine cleaning up after a failed create does not log an error.
    let Some(dir) = StateDir::open_any(root, id)? else {
        return Ok(());
    };
    match dir.load() {
        Ok(saved) => Container { dir, saved }.delete(true),
        Err(e) => salvage(dir, id, &e),
    }
}

/// Removes a container whose state.json is missing (its create was killed) or damaged, from
/// the footprint create recorded first; one line says what was wrong and what was removed.
fn salvage(dir: StateDir, id: &str, damage: &ContainerError) -> Result<(), ContainerError> {
    let why = match damage {
        ContainerError::NotExist(_) => "no state.json (its create was interrupted)".into(),
        e => format!("damaged state ({e})"),
    };
    let (cgroup, found) = match dir.footprint() {
        Ok(f) => (f.cgroup, "recorded"),
        // A state dir of a husk before footprints: the cgroup where create puts one by default.
        Err(_) => {
            let mut c = Cgroup::locate(None, id)?;
            c.created.clone_from(&c.dirs);
            (c, "default")
        }
    };
    let killed = empty(&cgroup)?;
    let made = cgroup.created.iter().filter(|d| d.exists()).count();
    cgroup.destroy(Duration::from_secs(5))?;
    release(&dir)?;
    dir.remove()?;
    crate::log::warn(&format!(
        "container {id}: {why}; killed {killed} process(es), removed {made} cgroup dir(s) ({found} path) and its state dir"
    ));
    Ok(())
}

/// Returns a system container's id range (a no-op for any other container).
pub(super) fn release(dir: &StateDir) -> Result<(), ContainerError> {
    let (root, id) = (dir.path.parent(), dir.path.file_name());
    match (root, id) {
        (Some(root), Some(id)) => super::system::release(root, &id.to_string_lossy()),
        _ => Ok(()),
    }
}

/// Kills everything in `cgroup` until nothing is left, forks racing the kill included;
/// returns how many processes there were.
fn empty(cgroup: &Cgroup) -> Result<usize, ContainerError> {
    let first = cgroup.pids()?.len();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cgroup.pids()?.is_empty() && Instant::now() < deadline {
        cgroup.kill_all(libc::SIGKILL)?;
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(first)
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
        self.saved.cgroup.kill_all(libc::SIGKILL)?;
        self.saved.cgroup.destroy(Duration::from_secs(5))?;
        hooks::poststop(&self.saved);
        if super::system::range(&self.saved.config).is_some() {
            release(&self.dir)?;
        }
        self.dir.remove()
    }

    /// SIGKILL to everything in the container, then wait until init is gone.
    fn stop(&self) -> Result<(), ContainerError> {
        let _ = wait::kill(self.saved.pid, libc::SIGKILL);
        self.saved.cgroup.kill_all(libc::SIGKILL)?;
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
