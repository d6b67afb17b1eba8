//! Thin safe wrappers over libc: the one place `unsafe` lives. Each wrapper returns
//! `std::io::Result` and callers add the context (which path, which field) in their own errors.

pub mod fd;
pub mod ids;
pub mod memfd;
pub mod signal;
pub mod spawn;
pub mod uts;
pub mod wait;
