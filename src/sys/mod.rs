//! Thin safe wrappers over libc: the one place `unsafe` lives. Each wrapper returns
//! `std::io::Result` and callers add the context (which path, which field) in their own errors.

pub mod ids;
