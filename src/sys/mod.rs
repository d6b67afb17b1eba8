//! Thin safe wrappers over libc: the one place `unsafe` lives. Each wrapper returns
//! `std::io::Result` and callers add the context (which path, which field) in their own errors.

pub mod alloc;
pub mod bpf;
pub mod caps;
#[cfg(test)]
pub mod child;
pub mod exec;
pub mod fd;
pub mod fs;
pub mod ids;
pub mod memfd;
pub mod mount;
pub mod netlink;
pub mod proc;
pub mod sched;
pub mod seccomp;
pub mod signal;
pub mod spawn;
#[cfg(test)]
pub mod testing;
pub mod tty;
pub mod uts;
pub mod wait;
