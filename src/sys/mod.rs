//! Thin safe wrappers over libc: the one place `unsafe` lives. Each wrapper returns
//! `std::io::Result` and callers add the context (which path, which field) in their own errors.

pub mod caps;
pub mod exec;
pub mod proc;
#[cfg(test)]
pub mod testing;
