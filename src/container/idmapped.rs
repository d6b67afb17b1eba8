//! Idmapped bind mounts. The kernel lets only a process privileged over the source's
//! filesystem idmap a mount, which init inside its user namespace is not: the runtime makes
//! each one as a detached tree, mapped through init's user namespace, and hands it to init.

use super::ContainerError;
use crate::launch::spawn::{Child, IdMaps};
use crate::spec::{FieldError, Linux, Mount, NamespaceType, Spec};
use crate::sys::{fs, mount};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

/// One detached, idmapped tree per mount entry that asks for it, in entry order: mapped
/// through init's user namespace, or one made with the mount's own mappings.
pub fn trees(
    spec: &Spec,
    bundle: &Path,
    init: libc::pid_t,
    exe: &Path,
) -> Result<Vec<OwnedFd>, ContainerError> {
    let mut trees = Vec::new();
    for (i, m) in spec.mounts.iter().enumerate() {
        let Some(recursive) = m.idmap() else {
            continue;
        };
        let userns = match m.uid_mappings.is_empty() {
            true => open_userns(init),
            false => own_userns(exe, m),
        }?;
        // Relative sources are relative to the bundle, as init reads them.
        let source = bundle.join(m.source.as_deref().unwrap_or(Path::new("")));
        let whole = recursive || m.options.iter().any(|o| o == "rbind");
        let tree = fs::openat(None, &source, libc::O_PATH, 0)
            .and_then(|src| mount::clone_tree(src.as_fd(), whole))
            .and_then(|tree| mount::idmap(tree.as_fd(), userns.as_fd(), recursive).map(|()| tree))
            .map_err(|e| {
                // A system container's rootfs is the entry on `/`, which its config never had.
                let field = match m.destination == Path::new("/") {
                    true => "root.path".into(),
                    false => format!("mounts[{i}]"),
                };
                let src = source.display();
                match e.raw_os_error() {
                    Some(libc::EINVAL) => ContainerError::Field(FieldError::new(field, format!(
                        "{src}: its filesystem cannot be idmapped (overlayfs cannot; ext4, xfs, btrfs and tmpfs can)"
                    ))),
                    _ => ContainerError::io("make an idmapped mount of", format!("{src} ({field})"), e),
                }
            })?;
        trees.push(tree);
    }
    Ok(trees)
}

fn open_userns(pid: libc::pid_t) -> Result<OwnedFd, ContainerError> {
    let path = format!("/proc/{pid}/ns/user");
    fs::openat(None, Path::new(&path), libc::O_RDONLY, 0)
        .map_err(|e| ContainerError::io("open", &path, e))
}

/// A user namespace with the mount's own maps, made by a husk init that is killed again.
fn own_userns(exe: &Path, m: &Mount) -> Result<OwnedFd, ContainerError> {
    let mut child = Child::spawn(exe, 0, None, None)?;
    let ns = child.user_namespace(IdMaps {
        uids: &m.uid_mappings,
        gids: &m.gid_mappings,
    });
    child.kill();
    Ok(ns?)
}

/// An idmapped mount must be a bind mount. Its own mappings, uid and gid both, make a user
/// namespace of their own; without them it maps through the container's new one.
pub fn check(spec: &Spec, linux: &Linux) -> Result<(), FieldError> {
    let userns = linux
        .namespaces
        .iter()
        .any(|n| n.kind == NamespaceType::User && n.path.is_none());
    for (i, m) in spec.mounts.iter().enumerate() {
        let bind = m.kind.as_deref() == Some("bind")
            || m.options.iter().any(|o| o == "bind" || o == "rbind");
        let own = (m.uid_mappings.is_empty(), m.gid_mappings.is_empty());
        let why = match m.idmap() {
            None => continue,
            Some(_) if !bind => "an idmapped mount must be a bind mount",
            Some(_) if own.0 != own.1 => "uidMappings and gidMappings go together",
            Some(_) if own.0 && !userns => {
                "an idmapped mount without its own mappings needs a new user namespace in linux.namespaces"
            }
            Some(_) => continue,
        };
        return Err(FieldError::new(format!("mounts[{i}]"), why));
    }
    Ok(())
}
