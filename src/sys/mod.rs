//! Thin safe wrappers over libc: the one place `unsafe` lives.
