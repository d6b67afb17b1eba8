//! What the runtime tells the container's init after the namespaces exist.

use crate::spec::{Spec, State};
use serde::{Deserialize, Serialize};
use std::os::fd::RawFd;
use std::path::PathBuf;

#[derive(Debug, Serialize, Deserialize)]
pub struct InitConfig {
    pub spec: Spec,
    /// The root filesystem's absolute host path.
    pub rootfs: PathBuf,
    /// The state hooks receive on stdin; init updates pid and status.
    pub state: State,
    /// O_PATH fd of the exec fifo, opened for writing once `start` reads it.
    pub fifo_fd: RawFd,
    pub preserve_fds: i32,
    pub no_pivot: bool,
    pub no_new_keyring: bool,
}
