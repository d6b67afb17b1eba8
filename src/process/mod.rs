//! The container's processes from the inside: the credentials, limits and fds a process
//! gets before execve, and the hooks the runtime runs around them.

pub mod caps;
pub mod console;
pub mod cwd;
pub mod env;
pub mod error;
pub mod exec;
pub mod fds;
pub mod hooks;
pub mod keyring;
pub mod lookpath;
pub mod lsm;
pub mod mempolicy;
pub mod personality;
pub mod ps;
pub mod rlimits;
pub mod sched;
pub mod setup;
pub mod user;
pub mod validate;
