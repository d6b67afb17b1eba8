//! Processes: starting the container's init from the runtime, the init itself, hooks.

pub mod channel;
pub mod hooks;
pub mod idmap;
pub mod init;
pub mod init_config;
pub mod spawn;
