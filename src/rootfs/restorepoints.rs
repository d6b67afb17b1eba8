//! The mount points a restore needs. CRIU mounts everything again onto the points it dumped,
//! but a rootfs that never held this container (podman's `restore --import` unpacks a fresh
//! one) lacks the points create made in it. They are made where create made them: a point
//! nested in an earlier bind mount lives in that bind's source, so it is made there, and
//! nothing needs to be mounted for it.

use super::resolve::{Node, Root};
use crate::spec::{Mount, Spec};
use std::io;
use std::path::{Path, PathBuf};

/// Makes the missing mount points of `spec`'s mounts inside `rootfs`. Cgroup mounts need none
/// (CRIU keeps the v1 tree's points, v2's come with /sys), nor do mounts under a tmpfs, whose
/// whole content CRIU restores. A failure names the point's host path.
pub fn restore_points(spec: &Spec, rootfs: &Path) -> Result<(), (PathBuf, io::Error)> {
    for (i, m) in spec.mounts.iter().enumerate() {
        let dest = &m.destination;
        if m.kind.as_deref().is_some_and(|k| k.starts_with("cgroup")) || under_tmpfs(dest, spec) {
            continue;
        }
        let node = match bind_source(m).map(|s| s.is_dir()) {
            Some(false) => Node::File,
            _ => Node::Dir,
        };
        // The last bind mounted over the destination's parents is what it lands in.
        let (base, rel) = spec.mounts[..i]
            .iter()
            .rev()
            .find_map(|b| Some((bind_source(b)?, dest.strip_prefix(&b.destination).ok()?)))
            .unwrap_or((rootfs, dest));
        Root::open(base)
            .and_then(|r| r.ensure(rel, node))
            .map_err(|e| (base.join(rel), e))?;
    }
    Ok(())
}

fn bind_source(m: &Mount) -> Option<&Path> {
    m.source.as_deref().filter(|_| m.is_bind())
}

fn under_tmpfs(dest: &Path, spec: &Spec) -> bool {
    spec.mounts.iter().any(|m| {
        m.kind.as_deref() == Some("tmpfs")
            && dest != m.destination
            && dest.starts_with(&m.destination)
    })
}
