//! The container's cgroup in every mounted hierarchy: v1 (one per controller), the hybrid
//! layout (v1 plus a cgroup2 mount, as on most older distributions) and unified v2. Resource
//! limits are a later step; this module places, lists, signals and removes.

mod cpuset;
mod error;
mod layout;
mod path;

pub use error::CgroupError;
pub use layout::{Hierarchy, Layout};

use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One directory per hierarchy, all for the same container.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Cgroup {
    pub dirs: Vec<PathBuf>,
}

impl Cgroup {
    /// Where the container's cgroup goes: `cgroups_path` as runc reads it (absolute from each
    /// hierarchy's root, relative to this process's own cgroup), by default `<own cgroup>/<id>`.
    pub fn locate(cgroups_path: Option<&str>, id: &str) -> Result<Cgroup, CgroupError> {
        let layout = Layout::detect()?;
        let rel = path::container_path(cgroups_path, id)?;
        let dirs = layout.hierarchies.iter().map(|h| h.dir_for(&rel)).collect();
        Ok(Cgroup { dirs })
    }

    /// Creates every directory; on failure removes the ones it made.
    pub fn create(&self) -> Result<(), CgroupError> {
        for (i, dir) in self.dirs.iter().enumerate() {
            if let Err(e) = fs::create_dir_all(dir).and_then(|()| cpuset::inherit(dir)) {
                self.dirs[..i].iter().for_each(|d| {
                    let _ = fs::remove_dir(d);
                });
                return Err(CgroupError::io("create", dir, e));
            }
        }
        Ok(())
    }

    /// Moves `pid` into the cgroup in every hierarchy.
    pub fn add(&self, pid: libc::pid_t) -> Result<(), CgroupError> {
        for dir in &self.dirs {
            let procs = dir.join("cgroup.procs");
            fs::write(&procs, pid.to_string()).map_err(|e| CgroupError::io("write", &procs, e))?;
        }
        Ok(())
    }

    /// Every process in the cgroup (read from the first hierarchy that answers).
    pub fn pids(&self) -> Result<Vec<libc::pid_t>, CgroupError> {
        let Some(dir) = self.dirs.first() else {
            return Ok(Vec::new());
        };
        let procs = dir.join("cgroup.procs");
        match fs::read_to_string(&procs) {
            Ok(text) => Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(CgroupError::io("read", &procs, e)),
        }
    }

    /// Removes every directory, waiting up to `patience` for exiting processes to leave.
    pub fn destroy(&self, patience: Duration) -> Result<(), CgroupError> {
        let deadline = Instant::now() + patience;
        for dir in self.dirs.iter().rev() {
            remove_when_empty(dir, deadline)?;
        }
        Ok(())
    }
}

fn remove_when_empty(dir: &PathBuf, deadline: Instant) -> Result<(), CgroupError> {
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(CgroupError::io("remove", dir, e)),
        }
    }
}
