//! What the runtime tells the process it started once the namespaces exist: either the
//! container's init, or a tenant that joins a running container.

use crate::spec::{Linux, Process, Spec};
use serde::{Deserialize, Serialize};
use std::os::fd::RawFd;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
pub enum Launch {
    Init(Box<InitConfig>),
    Tenant(Box<TenantConfig>),
}

/// What the runtime sends: `Launch` over borrowed parts of the container's config.
#[derive(Serialize)]
pub enum Sent<'a> {
    Init(InitConfig<&'a Spec>),
    Tenant(TenantConfig<&'a Process, &'a Linux>),
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InitConfig<S = Spec> {
    pub spec: S,
    /// The root filesystem's absolute host path.
    pub rootfs: PathBuf,
    /// Relative mount sources are relative to it, as in runc.
    pub bundle: PathBuf,
    /// The state JSON the createContainer and the startContainer hooks get on stdin (status
    /// creating, then created): made by the runtime, which knows init's host pid; empty when
    /// there are no such hooks.
    pub hook_states: [String; 2],
    /// O_PATH fd of the exec fifo, opened for writing once `start` reads it.
    pub fifo_fd: RawFd,
    pub preserve_fds: i32,
    /// The console socket, when process.terminal asks for a pty.
    pub console_fd: Option<RawFd>,
    pub no_pivot: bool,
    pub no_new_keyring: bool,
    /// The runtime runs without root: the process keeps its supplementary groups.
    pub rootless_euid: bool,
    /// A `Filter` frame follows with linux.seccomp, compiled by the runtime.
    pub filter: bool,
    /// The `mounts` entries whose mount the runtime made on the host's side; one fd each
    /// follows, in this order.
    pub trees: Vec<u32>,
}

/// An extra process in a running container: its namespaces already hold the root filesystem,
/// hostname and mounts, so only the process's own credentials and limits remain to apply.
#[derive(Debug, Serialize, Deserialize)]
pub struct TenantConfig<P = Process, L = Linux> {
    pub process: P,
    /// The container's `linux` section without its seccomp profile and resources: a tenant
    /// shares init's personality and NUMA memory policy.
    pub linux: L,
    /// A `Filter` frame follows with the container's seccomp program, which binds every
    /// process in it.
    pub filter: bool,
    pub preserve_fds: i32,
    pub console_fd: Option<RawFd>,
    pub rootless_euid: bool,
}
