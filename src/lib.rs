//! husk: an OCI container runtime with runc's command line, as a library.
//!
//! The CLI in `src/main.rs` is a thin layer over this crate. Dependencies run one way:
//! `container` → `process`, `rootfs`, `cgroups` → `spec`, `sys`.

pub mod rootfs;
pub mod spec;
pub mod sys;
