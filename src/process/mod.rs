//! Processes: starting the container's init from the runtime, the channel to it, hooks, and
//! the credentials and limits the container's process gets before execve.

pub mod caps;
pub mod channel;
pub mod console;
pub mod cpulist;
pub mod cwd;
pub mod env;
pub mod error;
pub mod exec;
pub mod fds;
pub mod hooks;
pub mod idmap;
pub mod keyring;
pub mod lookpath;
pub mod lsm;
pub mod mempolicy;
pub mod personality;
pub mod ps;
pub mod rlimits;
pub mod sched;
pub mod sealed_exe;
pub mod setup;
pub mod spawn;
pub mod user;
pub mod validate;
