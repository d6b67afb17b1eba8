//! The container's cgroup in every mounted hierarchy: v1 (one per controller), the hybrid
//! layout (v1 plus a cgroup2 mount, as on most older distributions) and unified v2: placing,
//! limiting (`linux.resources`), freezing, signalling, reading statistics and removing.

mod bpf;
mod cpuset;
mod devices;
mod error;
mod freezer;
mod layout;
mod path;
mod resources;
mod stats;
pub mod systemd;

pub use error::CgroupError;
pub use layout::{Hierarchy, Layout};
pub use path::systemd_unit;

use crate::spec::Resources;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One directory per hierarchy, all for the same container.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Cgroup {
    pub dirs: Vec<PathBuf>,
    /// The directories husk made, the only ones it removes again.
    #[serde(default)]
    pub created: Vec<PathBuf>,
    /// The directory in the cgroup2 hierarchy, if one is mounted.
    #[serde(default)]
    pub unified: Option<PathBuf>,
    /// The v1 controllers of each of `dirs` (`cpu,cpuacct`; empty for cgroup2), so that a
    /// control file is found without a look into every hierarchy. A record made before they
    /// were kept has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controllers: Vec<String>,
    /// The systemd unit that holds the cgroup (`--systemd-cgroup`), stopped on destroy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<systemd::Unit>,
}

/// Where a new container's cgroup comes from: directories husk makes, or a systemd unit.
pub enum Placement {
    Fs(Cgroup),
    Systemd { scope: systemd::Scope, v2: bool },
}

impl Placement {
    /// Reads `linux.cgroupsPath` (and the systemd driver's annotations); nothing is made yet.
    pub fn new(
        cgroups_path: Option<&str>,
        id: &str,
        systemd: bool,
        rootless: bool,
        annotations: &std::collections::BTreeMap<String, String>,
    ) -> Result<Placement, CgroupError> {
        if !systemd {
            return Cgroup::locate(cgroups_path, id).map(Placement::Fs);
        }
        Ok(Placement::Systemd {
            scope: systemd::Scope::locate(cgroups_path, id, rootless, annotations)?,
            v2: Layout::detect()?.is_unified(),
        })
    }

    /// Refuses resources that cannot be written in this layout, naming the field.
    pub fn check(&self, r: &Resources) -> Result<(), CgroupError> {
        let v2 = match self {
            Placement::Fs(cg) => cg.is_v2(),
            Placement::Systemd { v2, .. } => *v2,
        };
        resources::plan(r, v2).map(drop)
    }
}

impl systemd::Scope {
    /// Has systemd make the unit with `pid` in it and the resources it knows as properties,
    /// then joins `pid` to the unit's cgroup in the hierarchies systemd leaves alone. On
    /// failure nothing is left: the unit is stopped and the directories made are removed.
    pub fn place(
        self,
        pid: libc::pid_t,
        v2: bool,
        r: &Resources,
        devices: &[crate::spec::DeviceRule],
    ) -> Result<Cgroup, CgroupError> {
        let props = systemd::properties(&resources::plan(r, v2)?, devices);
        let path = self.start(pid, props, v2)?;
        let mut cgroup = Cgroup::locate(Some(&path), &self.id)?;
        cgroup.unit = Some(self.unit);
        if let Err(e) = cgroup.join(pid) {
            let _ = cgroup.destroy(Duration::ZERO);
            return Err(e);
        }
        Ok(cgroup)
    }
}

impl Cgroup {
    /// Where the container's cgroup goes: `cgroups_path` as runc reads it (absolute from each
    /// hierarchy's root, relative to this process's own cgroup), by default `<own cgroup>/<id>`.
    pub fn locate(cgroups_path: Option<&str>, id: &str) -> Result<Cgroup, CgroupError> {
        let layout = Layout::detect()?;
        let rel = path::container_path(cgroups_path, id)?;
        let dirs = layout.hierarchies.iter().map(|h| h.dir_for(&rel)).collect();
        let unified = layout.hierarchies.iter().find(|h| h.v2);
        let controllers = layout
            .hierarchies
            .iter()
            .map(|h| h.controllers.join(","))
            .collect();
        Ok(Cgroup {
            dirs,
            created: Vec::new(),
            unified: unified.map(|h| h.dir_for(&rel)),
            controllers,
            unit: None,
        })
    }

    /// Whether only the unified hierarchy is mounted, so limits take their v2 form.
    pub fn is_v2(&self) -> bool {
        self.dirs.len() == 1 && self.unified.is_some()
    }

    /// Refuses resources that cannot be written in this layout, naming the field.
    pub fn check(&self, r: &Resources) -> Result<(), CgroupError> {
        resources::plan(r, self.is_v2()).map(drop)
    }

    /// `update`'s request `new`, with swap lifted along with memory where swap is accounted.
    pub fn lift_swap_with_memory(&self, new: Resources) -> Resources {
        let has = |file: &str| self.dir_with(file).is_some();
        resources::lift_swap_with_memory(&new, self.is_v2(), has).unwrap_or(new)
    }

    /// Writes every limit of `r` (not the device rules) into the hierarchy that has its file.
    pub fn apply(&self, r: &Resources) -> Result<(), CgroupError> {
        let mut failed = Vec::new();
        for w in resources::plan(r, self.is_v2())? {
            if self.write(&w).is_err() {
                failed.push(w);
            }
        }
        // A limit may be bounded by one written after it (memsw by memory, a cfs quota by its
        // period): whatever failed gets a second try once the rest is in place.
        failed.iter().try_for_each(|w| self.write(w))
    }

    fn write(&self, w: &resources::Write) -> Result<(), CgroupError> {
        let Some(dir) = self.dir_with(&w.file) else {
            return Err(CgroupError::Invalid(
                w.field,
                format!("no cgroup of the container has {}: its controller is not mounted or not enabled", w.file),
            ));
        };
        let path = dir.join(&w.file);
        // Appending: cgroup files take one line per write (io.max, devices, ifpriomap).
        fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(w.value.as_bytes()))
            .map_err(|e| {
                CgroupError::Invalid(
                    w.field,
                    format!("write {:?} to {}: {e}", w.value, path.display()),
                )
            })
    }

    /// The directory that has control file `file`: its controller's (named by the file's
    /// first part) where that is known and has it, else the first that has it.
    fn dir_with(&self, file: &str) -> Option<&PathBuf> {
        let has = |d: &&PathBuf| d.join(file).exists();
        (self
            .dir_of(file.split('.').next().unwrap_or(file))
            .filter(has))
        .or_else(|| self.dirs.iter().find(has))
    }

    /// The directory of v1 controller `name`, where the record knows it.
    fn dir_of(&self, name: &str) -> Option<&PathBuf> {
        let known = self.controllers.len() == self.dirs.len();
        let mut pairs = self.dirs.iter().zip(&self.controllers).filter(|_| known);
        pairs
            .find(|(_, c)| c.split(',').any(|c| c == name))
            .map(|(d, _)| d)
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
                    if let Some(i) = self.dirs.iter().position(|d| *d == dir) {
                        self.dirs.remove(i);
                        if i < self.controllers.len() {
                            self.controllers.remove(i);
                        }
                    }
                    if self.unified.as_ref() == Some(&dir) {
                        self.unified = None;
                    }
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
        if !self.make_dir(dir)? {
            let pids = procs_under(dir)?;
            if !pids.is_empty() {
                return Err(CgroupError::NotEmpty(dir.to_path_buf(), pids.len()));
            }
            if freezer::frozen_at(dir) {
                return Err(CgroupError::Frozen(dir.to_path_buf()));
            }
        }
        self.ready(dir)
    }

    /// Moves `pid` into a cgroup that may already hold it (a systemd unit's), making it in
    /// the hierarchies where it does not exist yet.
    fn join(&mut self, pid: libc::pid_t) -> Result<(), CgroupError> {
        for dir in self.dirs.clone() {
            self.make_dir(&dir)?;
            self.ready(&dir)?;
        }
        self.add(pid)
    }

    /// Makes `dir` and every missing level above it, recording each so that a failure removes
    /// all of them again; false if `dir` existed. mkdir comes first: on a fresh container it
    /// is all that is needed, without a lookup of every level.
    fn make_dir(&mut self, dir: &Path) -> Result<bool, CgroupError> {
        match (fs::create_dir(dir), dir.parent()) {
            (Ok(()), _) => {}
            (Err(e), _) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
            (Err(e), Some(parent)) if e.kind() == io::ErrorKind::NotFound => {
                self.make_dir(parent)?;
                fs::create_dir(dir).map_err(|e| CgroupError::io("create", dir, e))?;
            }
            (Err(e), _) => return Err(CgroupError::io("create", dir, e)),
        }
        self.created.push(dir.to_path_buf());
        Ok(true)
    }

    /// Readies a directory for processes.
    fn ready(&self, dir: &Path) -> Result<(), CgroupError> {
        if self.is_v2() {
            enable_controllers(dir);
        }
        // A v2 cpuset left empty takes its parent's effective set: only v1 needs filling.
        if self.unified.as_deref() == Some(dir) {
            return Ok(());
        }
        if self.controllers.len() == self.dirs.len()
            && self.dir_of("cpuset").map(|d| &**d) != Some(dir)
        {
            return Ok(());
        }
        cpuset::inherit(dir).map_err(|e| CgroupError::io("fill cpuset of", dir, e))
    }

    /// Applies device rules in the v1 devices hierarchy, or else as an eBPF program on the
    /// cgroup2 directory; false if there is neither.
    pub fn apply_devices(&self, rules: &[crate::spec::DeviceRule]) -> Result<bool, CgroupError> {
        match (self.dir_with("devices.allow"), &self.unified) {
            (Some(dir), _) => devices::apply_v1(dir, rules).map(|()| true),
            (None, Some(dir)) => bpf::apply(dir, rules).map(|()| true),
            (None, None) => Ok(false),
        }
    }

    /// Moves `pid` into the cgroup in every hierarchy.
    pub fn add(&self, pid: libc::pid_t) -> Result<(), CgroupError> {
        for dir in &self.dirs {
            let procs = dir.join("cgroup.procs");
            fs::write(&procs, pid.to_string()).map_err(|e| CgroupError::io("write", &procs, e))?;
        }
        Ok(())
    }

    /// Each v1 hierarchy's directory of this cgroup, by the name of the hierarchy's mount
    /// point (`memory`, `cpu,cpuacct`): what a container sees under its /sys/fs/cgroup.
    pub fn v1_dirs(&self) -> Result<Vec<(String, PathBuf)>, CgroupError> {
        let layout = Layout::detect()?;
        let v1 = layout.hierarchies.iter().filter(|h| !h.v2);
        Ok(v1
            .filter_map(|h| {
                let dir = self.dirs.iter().find(|d| d.starts_with(&h.mountpoint))?;
                let name = h.mountpoint.file_name()?.to_string_lossy().into_owned();
                Some((name, dir.clone()))
            })
            .collect())
    }

    /// The existing sub-cgroup `sub` in every hierarchy, joined below this one as runc joins
    /// it: lexically, a leading `/` staying inside and a `..` never climbing out.
    pub fn sub(&self, sub: &Path) -> Result<Cgroup, CgroupError> {
        let below = lexically_below(sub).ok_or_else(|| CgroupError::NotSub(sub.into()))?;
        let dirs: Vec<PathBuf> = self.dirs.iter().map(|d| d.join(&below)).collect();
        match dirs.iter().find(|d| !d.is_dir()) {
            Some(d) => Err(CgroupError::io(
                "join sub-cgroup",
                d,
                io::Error::from_raw_os_error(libc::ENOENT),
            )),
            None => Ok(Cgroup {
                dirs,
                created: Vec::new(),
                unified: self.unified.as_ref().map(|d| d.join(&below)),
                controllers: self.controllers.clone(),
                unit: None,
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

    /// Sends `sig` to every process in the cgroup; SIGKILL goes through cgroup.kill where the
    /// kernel has it, and thaws a frozen cgroup so that its processes can die.
    pub fn kill_all(&self, sig: libc::c_int) -> Result<(), CgroupError> {
        let by_kernel = sig == libc::SIGKILL
            && self
                .unified
                .as_ref()
                .is_some_and(|d| fs::write(d.join("cgroup.kill"), "1").is_ok());
        if !by_kernel {
            for pid in self.pids()? {
                let _ = crate::sys::wait::kill(pid, sig);
            }
        }
        if sig == libc::SIGKILL && self.is_frozen() {
            self.freeze(false)?;
        }
        Ok(())
    }

    /// Writes `r` for `update`: as unit properties first where systemd holds the cgroup, so
    /// that systemd does not put back the old values, then into the files.
    pub fn update(&self, r: &Resources) -> Result<(), CgroupError> {
        if let Some(unit) = &self.unit {
            unit.set(&systemd::properties(
                &resources::plan(r, self.is_v2())?,
                &[],
            ))?;
        }
        self.apply(r)
    }

    /// Stops the systemd unit, if any, then removes the directories husk made, waiting up to
    /// `patience` for exiting processes.
    pub fn destroy(&self, patience: Duration) -> Result<(), CgroupError> {
        if let Some(unit) = &self.unit {
            unit.stop()?;
        }
        let deadline = Instant::now() + patience;
        for dir in self.created.iter().rev() {
            match self.dirs.contains(dir) {
                true => remove_tree(dir, deadline)?,
                // A level above may hold another container's cgroup by now.
                false => drop(fs::remove_dir(dir)),
            }
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

/// A v2 cgroup sees only the controllers its parents enable: enable every available one
/// from the top of the hierarchy down to `dir`'s parent, as runc does. A controller that
/// cannot be enabled shows up later as a missing file, named with its field.
fn enable_controllers(dir: &Path) {
    let mut levels: Vec<&Path> = dir
        .ancestors()
        .skip(1)
        .take_while(|a| a.join("cgroup.subtree_control").exists())
        .collect();
    levels.reverse();
    for level in levels {
        let available = fs::read_to_string(level.join("cgroup.controllers")).unwrap_or_default();
        for c in available.split_whitespace() {
            let _ = fs::write(level.join("cgroup.subtree_control"), format!("+{c}"));
        }
    }
}

/// A payload may have made cgroups below its own: the kernel removes only leaves. Usually
/// there are none, and the first rmdir is all it takes.
fn remove_tree(dir: &Path, deadline: Instant) -> Result<(), CgroupError> {
    if fs::remove_dir(dir).is_ok() {
        return Ok(());
    }
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_tree(&entry.path(), deadline)?;
            }
        }
    }
    remove_when_empty(dir, deadline)
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

/// `sub` as a relative path with `.`, `..` and a leading `/` resolved, or None where a `..`
/// would leave the directory it is joined to.
fn lexically_below(sub: &Path) -> Option<PathBuf> {
    let mut parts = Vec::new();
    for c in sub.components() {
        match c {
            std::path::Component::Normal(p) => parts.push(p),
            std::path::Component::ParentDir => {
                parts.pop()?;
            }
            _ => {}
        }
    }
    Some(parts.iter().collect())
}

#[cfg(test)]
mod tests;
