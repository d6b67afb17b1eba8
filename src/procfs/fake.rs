//! Test support: a forked child in a private mount namespace with a tmpfs mounted over part of
//! /proc, where procfs users must refuse what they find.

use crate::sys::{child, mount};
use std::path::Path;

/// Runs `f` in such a child with a tmpfs on `path`; panics with the child's message on failure.
pub fn with_tmpfs_over(path: &str, f: impl FnOnce() -> Result<(), String>) {
    let verdict = child::run(|| {
        child::unshare(libc::CLONE_NEWNS).map_err(|e| format!("unshare: {e}"))?;
        let private = libc::MS_PRIVATE | libc::MS_REC;
        mount::mount(None, Path::new("/"), None, private, None)
            .map_err(|e| format!("make / private: {e}"))?;
        let tmpfs = Some("tmpfs");
        mount::mount(Some(Path::new("tmpfs")), Path::new(path), tmpfs, 0, None)
            .map_err(|e| format!("mount a tmpfs on {path}: {e}"))?;
        f()
    });
    if let Err(msg) = verdict {
        panic!("{msg}");
    }
}
