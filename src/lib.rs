//! husk: an OCI container runtime with runc's command line, as a library.
//!
//! The CLI in `src/main.rs` is a thin layer over this crate. Dependencies run one way:
//! `container` → `init` → `launch`, `process`, `rootfs`, `cgroups`, `seccomp`, `criu` → `spec`,
//! `procfs`, `sys`.
#![deny(unsafe_code)]

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// `From` impls that wrap each error type in its variant of `$enum`, for the error types
/// that gather the layers below them (defined before the modules, which use it).
macro_rules! wrap_errors {
    ($enum:ident: $($variant:ident($t:ty)),*) => {$(
        impl From<$t> for $enum {
            fn from(e: $t) -> Self { $enum::$variant(e) }
        }
    )*};
}

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
