//! Tenants: extra processes run inside a container, joined to its namespaces and cgroup: the
//! core of `husk exec`. In the foreground the tenant is waited for (its terminal relayed);
//! detached, it is left running once it has exec'd.

use super::statedir::saved::Saved;
use super::{affinity, bootstrap, console, foreground, Container, ContainerError};
use crate::init::config::{Sent, TenantConfig};
use crate::launch::spawn::Child;
use crate::spec::{Process, Status};
use crate::sys::{fd, signal, wait};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// Runs one process in a container: `ContainerBuilder::new("id").tenant(p).run()`.
#[derive(Debug, Clone)]
pub struct TenantBuilder {
    root: PathBuf,
    id: String,
    process: Process,
    binary: PathBuf,
    detach: bool,
    pid_file: Option<PathBuf>,
    console_socket: Option<PathBuf>,
    preserve_fds: i32,
    ignore_paused: bool,
    sub_cgroup: Option<PathBuf>,
}

impl TenantBuilder {
    pub(super) fn new(root: PathBuf, id: String, process: Process) -> TenantBuilder {
        TenantBuilder {
            root,
            id,
            process,
            binary: PathBuf::from("/proc/self/exe"),
            detach: false,
            pid_file: None,
            console_socket: None,
            preserve_fds: 0,
            ignore_paused: false,
            sub_cgroup: None,
        }
    }

    /// The husk binary that starts the tenant; by default the running program, which will do
    /// only when it is husk (its `main` must hand the init socket to `husk::init::run`).
    pub fn binary(mut self, path: impl AsRef<Path>) -> Self {
        self.binary = path.as_ref().into();
        self
    }

    /// Return once the process runs instead of waiting for it.
    pub fn detach(mut self, yes: bool) -> Self {
        self.detach = yes;
        self
    }

    /// Where to write the process's pid once it runs.
    pub fn pid_file(mut self, path: impl AsRef<Path>) -> Self {
        self.pid_file = Some(path.as_ref().into());
        self
    }

    /// Where a detached process with `terminal` sends its pty master.
    pub fn console_socket(mut self, path: impl AsRef<Path>) -> Self {
        self.console_socket = Some(path.as_ref().into());
        self
    }

    /// Pass fds 3..3+n of this process on to the tenant.
    pub fn preserve_fds(mut self, n: i32) -> Self {
        self.preserve_fds = n;
        self
    }

    /// Run in a paused container too (the process starts frozen).
    pub fn ignore_paused(mut self, yes: bool) -> Self {
        self.ignore_paused = yes;
        self
    }

    /// Join this existing sub-cgroup of the container's (in every hierarchy) instead.
    pub fn sub_cgroup(mut self, path: impl AsRef<Path>) -> Self {
        self.sub_cgroup = Some(path.as_ref().into());
        self
    }

    /// Starts the process. In the foreground, waits for it and returns its exit status (128 + N
    /// when signal N killed it), relaying its terminal to this process's stdio; this process
    /// becomes a child subreaper to wait for a tenant nsexec forked into the container's pid
    /// namespace, and holds every signal meanwhile to pass it on. Detached, returns 0 once the
    /// process has exec'd.
    pub fn run(&self) -> Result<i32, ContainerError> {
        if self.detach {
            return self.launch(None).map(|_| 0);
        }
        wait::set_child_subreaper()
            .map_err(|e| ContainerError::io("prctl", "PR_SET_CHILD_SUBREAPER", e))?;
        let held = signal::block(&signal::SigSet::full())
            .map_err(|e| ContainerError::io("block", "signals", e))?;
        let result = self.foreground();
        let _ = signal::restore(&held);
        result
    }

    fn foreground(&self) -> Result<i32, ContainerError> {
        let (ours, theirs) =
            fd::socketpair().map_err(|e| ContainerError::io("socketpair", "for the console", e))?;
        let pid = self.launch(Some(theirs))?;
        let master = match self.process.terminal {
            true => Some(console::receive(&ours)?),
            false => None,
        };
        foreground::supervise(pid, master)
    }

    /// Starts the process and returns its pid once it has exec'd.
    fn launch(&self, foreground: Option<OwnedFd>) -> Result<libc::pid_t, ContainerError> {
        let mut saved = self.target()?;
        let console = console::socket(
            self.process.terminal,
            self.console_socket.as_deref(),
            foreground,
        )?;
        super::create::check_preserved_fds(self.preserve_fds)?;
        let mut undo = Undo(Some(Child::spawn(
            (&self.binary, &self.root),
            self.preserve_fds,
            None,
            console.as_ref(),
        )?));
        let child = undo.0.as_mut().expect("set above");
        let process = self.affinity_source(&saved);
        affinity::initial(child.first, process)?;
        match &self.sub_cgroup {
            Some(sub) => saved.cgroup.sub(sub)?.add(child.first)?,
            None => saved.cgroup.add(child.first)?,
        }
        let linux = saved.config.linux();
        let filter = super::plan::compile(linux.seccomp.as_ref())
            .map_err(|e| e.in_file(&saved.bundle.join("config.json")))?;
        let pid = child.bootstrap(
            &bootstrap::join(saved.pid, linux, self.process.oom_score_adj),
            None,
        )?;
        affinity::settle(pid, process)?;
        // Init alive now, with its start time, was alive all along: the namespaces nsexec
        // joined were its own and not those of a process that took over a reused pid.
        if !saved.alive() {
            return Err(ContainerError::NotRunning(saved.id));
        }
        let state = saved.state(Status::Running);
        // The tenant installs the compiled filter and never reads the profile or the resources.
        let mut linux = saved.config.linux.take().unwrap_or_default();
        let seccomp = linux.seccomp.take();
        linux.resources = None;
        let tenant = TenantConfig {
            process: &self.process,
            linux: &linux,
            preserve_fds: self.preserve_fds,
            console_fd: child.console_fd,
            filter: filter.is_some(),
            rootless_euid: !crate::sys::ids::is_root(),
        };
        let config = crate::spec::to_json(&Sent::Tenant(tenant));
        child.hand_over(&config, filter.as_ref(), |fd| {
            super::create::hand_listener(seccomp.as_ref(), pid, &state, fd)
        })?;
        undo.0 = None;
        if let Some(p) = &self.pid_file {
            super::create::write_pid_file(p, pid)?;
        }
        Ok(pid)
    }

    /// An exec's process without `execCPUAffinity` of its own takes config.json's, as in runc.
    fn affinity_source<'a>(&'a self, saved: &'a Saved) -> &'a Process {
        match (&self.process.exec_cpu_affinity, &saved.config.process) {
            (None, Some(p)) => p,
            _ => &self.process,
        }
    }

    /// The container's saved state, with its lock released: a tenant may run for as long as
    /// the container does, and other commands (kill, state) must still get at it meanwhile.
    fn target(&self) -> Result<Saved, ContainerError> {
        let c = Container::load(&self.root, &self.id)?;
        match c.status() {
            Status::Created | Status::Running => {}
            Status::Paused if self.ignore_paused => {}
            status => {
                return Err(ContainerError::WrongStatus {
                    id: self.id.clone(),
                    action: "exec",
                    status,
                })
            }
        }
        Ok(c.unlock())
    }
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
