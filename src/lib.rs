//! husk: an OCI container runtime with runc's command line, as a library.
//!
//! The CLI in `src/main.rs` is a thin layer over this crate. Dependencies run one way:
//! `container` → `init` → `launch`, `process`, `rootfs`, `cgroups`, `seccomp`, `criu` → `spec`,
//! `procfs`, `sys`.
#![deny(unsafe_code)]

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod cgroups;

pub mod container;
pub mod criu;
pub mod init;
pub mod launch;
pub mod log;
pub mod process;
pub mod procfs;
pub mod rootfs;
pub mod seccomp;
pub mod spec;
#[allow(unsafe_code)]
pub mod sys;

pub use container::{Container, ContainerBuilder, ContainerError, TenantBuilder};
