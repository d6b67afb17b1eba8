//! Idmapped bind mounts. The kernel lets only a process privileged over the source's
//! filesystem idmap a mount, which init inside its user namespace is not: the runtime makes
//! each one as a detached tree, mapped through init's user namespace, and hands it to init.

use super::ContainerError;
use crate::spec::{IdMapping, Linux, Mount, NamespaceType, Spec};
use crate::sys::{fs, mount};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

/// One detached, idmapped tree per mount entry that asks for it, in entry order.
pub fn trees(
    spec: &Spec,
    bundle: &Path,
    init: libc::pid_t,
) -> Result<Vec<OwnedFd>, ContainerError> {
    let wanted: Vec<(usize, &Mount, bool)> = spec
        .mounts
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.idmap().map(|rec| (i, m, rec)))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let ns_path = format!("/proc/{init}/ns/user");
    let userns = fs::openat(None, Path::new(&ns_path), libc::O_RDONLY, 0)
        .map_err(|e| ContainerError::io("open", &ns_path, e))?;
    let mut trees = Vec::with_capacity(wanted.len());
    for (i, m, recursive) in wanted {
        // Relative sources are relative to the bundle, as init reads them.
        let source = bundle.join(m.source.as_deref().unwrap_or(Path::new("")));
        let whole = recursive || m.options.iter().any(|o| o == "rbind");
        let tree = fs::openat(None, &source, libc::O_PATH, 0)
            .and_then(|src| mount::clone_tree(src.as_fd(), whole))
            .and_then(|tree| mount::idmap(tree.as_fd(), userns.as_fd(), recursive).map(|()| tree))
            .map_err(|e| {
                ContainerError::io(
                    "make an idmapped mount of",
                    format!("{} (mounts[{i}])", source.display()),
                    e,
                )
            })?;
        trees.push(tree);
    }
    Ok(trees)
}

/// An idmapped mount must be a bind mount, needs a new user namespace, and (for now) maps
/// through that namespace: its own mappings, when given, must be the container's.
pub fn check(spec: &Spec, linux: &Linux) -> Result<(), String> {
    let userns = linux
        .namespaces
        .iter()
        .any(|n| n.kind == NamespaceType::User && n.path.is_none());
    let same = |own: &[IdMapping], theirs: &[IdMapping]| own.is_empty() || own == theirs;
    for (i, m) in spec.mounts.iter().enumerate() {
        let bind = m.kind.as_deref() == Some("bind")
            || m.options.iter().any(|o| o == "bind" || o == "rbind");
        let why = match m.idmap() {
            None => continue,
            Some(_) if !bind => "an idmapped mount must be a bind mount",
            Some(_) if !userns => "an idmapped mount needs a new user namespace in linux.namespaces",
            Some(_)
                if !same(&m.uid_mappings, &linux.uid_mappings)
                    || !same(&m.gid_mappings, &linux.gid_mappings) =>
            {
                "mappings other than the container's (linux.uidMappings, linux.gidMappings) are not supported yet"
            }
            Some(_) => continue,
        };
        return Err(format!("mounts[{i}]: {why}"));
    }
    Ok(())
}
