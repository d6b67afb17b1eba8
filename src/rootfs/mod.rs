//! The container's filesystem view: mounts, devices, pivot_root, masked and read-only paths,
//! sysctls. Runs in the container's init, inside its new mount namespace.

mod error;
mod options;
mod resolve;

pub use error::RootfsError;
