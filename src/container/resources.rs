//! A running container's cgroup: pause, resume, update, and the events `husk events` reports.

use super::{statedir, Container, ContainerError};
use crate::spec::{Resources, Status};
use std::path::Path;
use std::time::{Duration, Instant};

impl Container {
    /// Freezes every process; a created container can be paused too, as with runc.
    pub fn pause(&self) -> Result<(), ContainerError> {
        match self.status() {
            Status::Running | Status::Created => Ok(self.saved.cgroup.freeze(true)?),
            _ => Err(ContainerError::NotRunning(self.saved.id.clone())),
        }
    }

    pub fn resume(&self) -> Result<(), ContainerError> {
        match self.status() {
            Status::Paused => Ok(self.saved.cgroup.freeze(false)?),
            status => Err(ContainerError::WrongStatus {
                id: self.saved.id.clone(),
                action: "resume",
                status,
            }),
        }
    }

    /// Merges `new` into the container's resources, writes them all and saves them, so the
    /// state keeps what the cgroup holds. Device rules are fixed at create.
    pub fn update(&mut self, new: Resources) -> Result<(), ContainerError> {
        if self.status() == Status::Stopped {
            return Err(ContainerError::NotRunning(self.saved.id.clone()));
        }
        let linux = self.saved.config.linux.get_or_insert_with(Default::default);
        let r = linux.resources.get_or_insert_with(Default::default);
        let limit = new.memory.as_ref().and_then(|m| m.limit);
        let cgroup = &self.saved.cgroup;
        r.merge(cgroup.lift_swap_with_memory(new));
        cgroup.check(r)?;
        let check = r.memory.as_ref().and_then(|m| m.check_before_update);
        if let (Some(true), Some(limit)) = (check, limit.filter(|l| *l > 0)) {
            let usage = cgroup.memory_usage();
            if usage > limit as u64 {
                return Err(ContainerError::Field(crate::spec::FieldError::new(
                    "linux.resources.memory.limit",
                    format!("{limit} is below the current usage {usage} (checkBeforeUpdate)"),
                )));
            }
        }
        cgroup.update(r)?;
        self.dir.save(&self.saved)
    }
}

/// Pauses (or resumes) container `id` under `root`.
pub fn pause(root: &Path, id: &str, paused: bool) -> Result<(), ContainerError> {
    let c = Container::load(root, id)?;
    match paused {
        true => c.pause(),
        false => c.resume(),
    }
}

/// `events`: with no interval, one stats event; else a stats event every `interval` and an
/// `oom` event whenever the kernel OOM-kills in the cgroup, until the container stops. Each
/// event is one JSON line handed to `emit`.
pub fn events(
    root: &Path,
    id: &str,
    interval: Option<Duration>,
    mut emit: impl FnMut(&str),
) -> Result<(), ContainerError> {
    let (path, saved) = statedir::peek(root, id)?;
    // A valid id has no character JSON would escape.
    let quoted = format!("\"{id}\"");
    let stats = || {
        format!(
            "{{\"type\":\"stats\",\"id\":{quoted},\"data\":{}}}",
            saved.cgroup.stats_json()
        )
    };
    if saved.status(super::statedir::parked(&path)) == Status::Stopped {
        return Err(ContainerError::NotRunning(id.into()));
    }
    let Some(interval) = interval else {
        emit(&stats());
        return Ok(());
    };
    let mut ooms = saved.cgroup.oom_kills();
    let mut next = Instant::now();
    while saved.alive() {
        if Instant::now() >= next {
            emit(&stats());
            next += interval;
        }
        let now = saved.cgroup.oom_kills();
        if now > ooms {
            emit(&format!("{{\"type\":\"oom\",\"id\":{quoted}}}"));
            ooms = now;
        }
        std::thread::sleep(Duration::from_millis(100).min(interval));
    }
    Ok(())
}
