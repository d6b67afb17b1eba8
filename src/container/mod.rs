//! Containers and their lifecycle: create, start, kill, delete, and the state kept between.

mod affinity;
mod bootstrap;
mod builder;
mod check;
mod checkpoint;
mod console;
mod create;
mod delete;
mod devices;
mod error;
mod exec;
mod features;
mod foreground;
mod hooks;
pub mod id;
mod idmapped;
mod idrange;
mod images;
mod kill;
mod netdev;
mod notify;
mod owner;
mod plan;
mod resources;
mod restore;
mod run;
mod start;
pub mod statedir;
mod system;
mod tenant;

pub use crate::criu::rpc::CgroupMode;
pub use builder::ContainerBuilder;
pub use checkpoint::CheckpointOptions;
pub use create::{create, CreateOptions};
pub use delete::delete;
pub use error::ContainerError;
pub use exec::{exec_process, ExecProcess, ProcessFlags};
pub use features::features;
pub use images::CriuOptions;
pub use kill::kill;
pub use resources::{events, pause};
pub use restore::{restore, restore_foreground, RestoreOptions};
pub use run::run;
pub use tenant::TenantBuilder;

use crate::spec::{State, Status};
use statedir::saved::Saved;
use statedir::StateDir;
use std::path::Path;

/// A container whose state directory this process holds locked.
pub struct Container {
    dir: StateDir,
    pub saved: Saved,
}

impl Container {
    /// Opens an existing container, waiting for any other command on it to finish first.
    pub fn load(root: &Path, id: &str) -> Result<Container, ContainerError> {
        id::validate(id)?;
        let dir = StateDir::open(root, id)?;
        let saved = dir.load()?;
        Ok(Container { dir, saved })
    }

    pub fn status(&self) -> Status {
        self.saved.status(self.dir.parked())
    }

    pub fn state(&self) -> State {
        self.saved.state(self.status())
    }

    /// Lets other commands at the container while this process only waits on it.
    pub fn unlock(self) -> Saved {
        self.saved
    }
}

/// The state of every container under `root`, by id, and a line for each directory whose
/// state cannot be read (as runc prints them); one deleted while the root is read is skipped.
pub fn list(root: &Path) -> (Vec<State>, Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return (Vec::new(), Vec::new());
    };
    let mut states = Vec::new();
    let mut unreadable = Vec::new();
    for e in entries.flatten().filter(|e| e.path().is_dir()) {
        match statedir::load(&e.path()) {
            Ok(saved) => states.push(saved.state(saved.status(statedir::parked(&e.path())))),
            Err(_) if !e.path().exists() => {}
            Err(err) => unreadable.push(format!(
                "load container {}: {}",
                e.file_name().to_string_lossy(),
                match err {
                    ContainerError::NotExist(_) => "no state.json (being created, or its create was interrupted: delete --force removes it)".into(),
                    err => err.to_string(),
                }
            )),
        }
    }
    // Ids are unique in a root: an unstable sort gives the one order.
    states.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    (states, unreadable)
}

/// The pids in container `id`'s cgroup, read without waiting for its lock.
pub fn pids(root: &Path, id: &str) -> Result<Vec<libc::pid_t>, ContainerError> {
    Ok(statedir::peek(root, id)?.1.cgroup.pids()?)
}

/// `ps ARGS` of the host, cut down to container `id`'s processes.
pub fn ps_table(root: &Path, id: &str, args: &[String]) -> Result<String, ContainerError> {
    let pids = pids(root, id)?;
    crate::process::ps::table(args, &pids).map_err(ContainerError::Ps)
}

/// The state of one container, read without waiting for its lock.
pub fn state(root: &Path, id: &str) -> Result<State, ContainerError> {
    let (path, saved) = statedir::peek(root, id)?;
    Ok(saved.state(saved.status(statedir::parked(&path))))
}
