//! The container's cgroup in every mounted hierarchy: v1 (one per controller), the hybrid
//! layout (v1 plus a cgroup2 mount, as on most older distributions) and unified v2. Resource
//! limits are a later step; this module places, lists, signals and removes, and applies v1
//! device rules.

mod cpuset;
mod devices;
mod error;
mod layout;
mod path;

pub use error::CgroupError;
pub use layout::{Hierarchy, Layout};

use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One directory per hierarchy, all for the same container.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Cgroup {
    pub dirs: Vec<PathBuf>,
    /// The directories husk made, the only ones it removes again.
    #[serde(default)]
    pub created: Vec<PathBuf>,
}

impl Cgroup {
    /// Where the container's cgroup goes: `cgroups_path` as runc reads it (absolute from each
    /// hierarchy's root, relative to this process's own cgroup), by default `<own cgroup>/<id>`.
    pub fn locate(cgroups_path: Option<&str>, id: &str) -> Result<Cgroup, CgroupError> {
        let layout = Layout::detect()?;
        let rel = path::container_path(cgroups_path, id)?;
        let dirs = layout.hierarchies.iter().map(|h| h.dir_for(&rel)).collect();
        Ok(Cgroup {
            dirs,
            created: Vec::new(),
        })
    }

    /// Creates every directory that does not exist yet. An existing one must be empty (as runc
    /// requires): a failed create and every delete kill what is inside. On failure the
    /// directories made so far are removed again.
    pub fn create(&mut self) -> Result<(), CgroupError> {
        for dir in self.dirs.clone() {
            if let Err(e) = self.create_one(&dir) {
                let _ = self.destroy(Duration::ZERO);
                return Err(e);
            }
        }
        Ok(())
    }

    /// `create` for a caller without root: a hierarchy whose directory it may not make or
    /// enter (a v1 tree nobody delegated to it) is left out instead of failing; returns those.
    pub fn create_rootless(&mut self) -> Result<Vec<PathBuf>, CgroupError> {
        let mut skipped = Vec::new();
        for dir in self.dirs.clone() {
            match self.create_one(&dir).and_then(|()| writable(&dir)) {
                Err(CgroupError::Io { err, .. }) if is_denied(&err) => {
                    if self.created.last() == Some(&dir) {
                        self.created.pop();
                        let _ = fs::remove_dir(&dir);
                    }
                    self.dirs.retain(|d| *d != dir);
                    skipped.push(dir);
                }
                Err(e) => {
                    let _ = self.destroy(Duration::ZERO);
                    return Err(e);
                }
                Ok(()) => {}
            }
        }
        Ok(skipped)
    }

    fn create_one(&mut self, dir: &Path) -> Result<(), CgroupError> {
        if dir.exists() {
            let pids = procs_under(dir)?;
            if !pids.is_empty() {
                return Err(CgroupError::NotEmpty(dir.to_path_buf(), pids.len()));
            }
        } else {
            fs::create_dir_all(dir).map_err(|e| CgroupError::io("create", dir, e))?;
            self.created.push(dir.to_path_buf());
        }
        cpuset::inherit(dir).map_err(|e| CgroupError::io("fill cpuset of", dir, e))
    }

    /// Applies device rules in every v1 devices hierarchy; false if there is none (v2 needs
    /// an eBPF program, not written yet).
    pub fn apply_devices(&self, rules: &[crate::spec::DeviceRule]) -> Result<bool, CgroupError> {
        let mut applied = false;
        for dir in self
            .dirs
            .iter()
            .filter(|d| d.join("devices.allow").exists())
        {
            devices::apply_v1(dir, rules)?;
            applied = true;
        }
        Ok(applied)
    }

    /// Moves `pid` into the cgroup in every hierarchy.
    pub fn add(&self, pid: libc::pid_t) -> Result<(), CgroupError> {
        for dir in &self.dirs {
            let procs = dir.join("cgroup.procs");
            fs::write(&procs, pid.to_string()).map_err(|e| CgroupError::io("write", &procs, e))?;
        }
        Ok(())
    }

    /// The existing sub-cgroup `sub` (relative, inside this one) in every hierarchy.
    pub fn sub(&self, sub: &Path) -> Result<Cgroup, CgroupError> {
        let inside = sub
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let dirs: Vec<PathBuf> = self.dirs.iter().map(|d| d.join(sub)).collect();
        match dirs.iter().find(|d| !inside || !d.is_dir()) {
            Some(d) => Err(CgroupError::io(
                "join sub-cgroup",
                d,
                io::Error::from_raw_os_error(libc::ENOENT),
            )),
            None => Ok(Cgroup {
                dirs,
                created: Vec::new(),
            }),
        }
    }

    /// Every process in the cgroup and its sub-cgroups, as the first hierarchy lists them.
    pub fn pids(&self) -> Result<Vec<libc::pid_t>, CgroupError> {
        match self.dirs.first() {
            Some(dir) => procs_under(dir),
            None => Ok(Vec::new()),
        }
    }

    /// Removes the directories husk made, waiting up to `patience` for exiting processes.
    pub fn destroy(&self, patience: Duration) -> Result<(), CgroupError> {
        let deadline = Instant::now() + patience;
        for dir in self.created.iter().rev() {
            remove_when_empty(dir, deadline)?;
        }
        Ok(())
    }
}

fn is_denied(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EACCES | libc::EPERM | libc::EROFS)
    )
}

/// Whether processes can be moved in: opening for writing writes nothing.
fn writable(dir: &Path) -> Result<(), CgroupError> {
    let procs = dir.join("cgroup.procs");
    fs::OpenOptions::new()
        .write(true)
        .open(&procs)
        .map(drop)
        .map_err(|e| CgroupError::io("open", &procs, e))
}

/// The pids in `dir`'s cgroup.procs and in those of every cgroup below it; a directory that
/// is gone has none.
fn procs_under(dir: &Path) -> Result<Vec<libc::pid_t>, CgroupError> {
    let procs = dir.join("cgroup.procs");
    let mut pids: Vec<libc::pid_t> = match fs::read_to_string(&procs) {
        Ok(text) => text.lines().filter_map(|l| l.trim().parse().ok()).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(CgroupError::io("read", &procs, e)),
    };
    let entries = fs::read_dir(dir).map_err(|e| CgroupError::io("list", dir, e))?;
    for entry in entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
    {
        pids.extend(procs_under(&entry.path())?);
    }
    Ok(pids)
}

fn remove_when_empty(dir: &Path, deadline: Instant) -> Result<(), CgroupError> {
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
