//! Tenants: extra processes run inside a running container, joined to its namespaces and
//! cgroup, and waited for. The core of `husk exec`.

use super::init_config::{Launch, TenantConfig};
use super::saved::Saved;
use super::{bootstrap, Container, ContainerError};
use crate::process::spawn::Child;
use crate::spec::{Process, Status};
use crate::sys::wait;
use std::path::{Path, PathBuf};

/// Runs one process in a running container: `ContainerBuilder::new("id").tenant(p).run()`.
#[derive(Debug, Clone)]
pub struct TenantBuilder {
    root: PathBuf,
    id: String,
    process: Process,
    binary: PathBuf,
}

impl TenantBuilder {
    pub(super) fn new(root: PathBuf, id: String, process: Process) -> TenantBuilder {
        TenantBuilder {
            root,
            id,
            process,
            binary: PathBuf::from("/proc/self/exe"),
        }
    }

    /// The husk binary that starts the tenant; by default the running program, which will do
    /// only when it is husk (its `main` must hand the init socket to `container::init::run`).
    pub fn binary(mut self, path: impl AsRef<Path>) -> Self {
        self.binary = path.as_ref().into();
        self
    }

    /// Starts the process, waits for it and returns its exit status (128 + N when signal N
    /// killed it). This process becomes a child subreaper, so that it can wait for a tenant
    /// that nsexec forked into the container's pid namespace.
    pub fn run(&self) -> Result<i32, ContainerError> {
        let saved = running(Container::load(&self.root, &self.id)?)?;
        wait::set_child_subreaper()
            .map_err(|e| ContainerError::io("prctl", "PR_SET_CHILD_SUBREAPER", e))?;
        let mut undo = Undo(Some(Child::spawn(&self.binary, 0, None)?));
        let child = undo.0.as_mut().expect("set above");
        saved.cgroup.add(child.first)?;
        let linux = saved.config.linux.clone().unwrap_or_default();
        let pid = child.bootstrap(
            &bootstrap::join(saved.pid, &linux, self.process.oom_score_adj),
            None,
        )?;
        // Init alive now, with its start time, was alive all along: the namespaces nsexec
        // joined were its own and not those of a process that took over a reused pid.
        if !saved.alive() {
            return Err(ContainerError::NotRunning(saved.id));
        }
        let tenant = TenantConfig {
            process: self.process.clone(),
            personality: linux.personality,
            seccomp: linux.seccomp,
        };
        let state = saved.state(Status::Running);
        child.hand_over(&Launch::Tenant(tenant.clone()), |fd| {
            super::create::hand_listener(tenant.seccomp.as_ref(), pid, &state, fd)
        })?;
        undo.0 = None;
        let status = wait::waitpid(pid)
            .map_err(|e| ContainerError::io("wait for tenant", format!("pid {pid}"), e))?;
        Ok(wait::exit_code(status))
    }
}

/// The container's saved state, with its lock released: a tenant may run for as long as the
/// container does, and other commands (kill, state) must still get at it meanwhile.
fn running(c: Container) -> Result<Saved, ContainerError> {
    if c.status() != Status::Running {
        return Err(ContainerError::NotRunning(c.saved.id));
    }
    Ok(c.unlock())
}

/// A tenant that failed before exec is killed and reaped.
struct Undo(Option<Child>);

impl Drop for Undo {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            child.kill();
        }
    }
}
