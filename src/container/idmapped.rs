//! Mounts the runtime makes on the host's side for init. The kernel lets only a process
//! privileged over the source's filesystem idmap a mount, which init inside its user namespace
//! is not; and a bind source under a directory the container's mapped root cannot search is
//! out of init's reach, as runc finds. The runtime makes each such mount as a detached tree
//! (idmapped through init's user namespace where asked) and hands it to init.

use super::ContainerError;
use crate::launch::spawn::{Child, IdMaps};
use crate::spec::{FieldError, IdMapping, Linux, Mount, NamespaceType, Spec};
use crate::sys::{fs, ids, mount};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

/// One detached tree per mount entry that needs one, with the entry's index, in entry order:
/// idmapped through init's user namespace or one made with the mount's own mappings, or a
/// plain bind of a source init could not open. `husk` is what a helper init is started from
/// (the binary and the state root, as for `Child::spawn`).
pub fn trees(
    spec: &Spec,
    bundle: &Path,
    init: libc::pid_t,
    husk: (&Path, &Path),
) -> Result<Vec<(u32, OwnedFd)>, ContainerError> {
    let mut trees = Vec::new();
    let linux = spec.linux.as_ref();
    let mapped_root = (
        linux.and_then(|l| mapped(&l.uid_mappings)),
        linux.and_then(|l| mapped(&l.gid_mappings)),
    );
    for (i, m) in spec.mounts.iter().enumerate() {
        // Relative sources are relative to the bundle, as init reads them.
        let source = bundle.join(m.source.as_deref().unwrap_or(Path::new("")));
        let userns = match m.idmap() {
            Some(_) if m.uid_mappings.is_empty() => Some(open_userns(init)?),
            Some(_) => Some(own_userns(husk, m)?),
            None if m.is_bind() && !reachable(&source, mapped_root) => None,
            None => continue,
        };
        let tree = make_tree(m, &source, userns.as_ref()).map_err(|e| {
            // A system container's rootfs is the entry on `/`, which its config never had.
            let field = match m.destination == Path::new("/") {
                true => "root.path".into(),
                false => format!("mounts[{i}]"),
            };
            let src = source.display();
            match e.raw_os_error() {
                Some(libc::EINVAL) if userns.is_some() => ContainerError::Field(FieldError::new(field, format!(
                    "{src}: its filesystem cannot be idmapped (overlayfs cannot; ext4, xfs, btrfs and tmpfs can)"
                ))),
                _ => ContainerError::io("make a mount of", format!("{src} ({field})"), e),
            }
        })?;
        trees.push((i as u32, tree));
    }
    Ok(trees)
}

/// A detached copy of `source`'s mount, idmapped through `userns` when one is given. A copy
/// of a shared mount joins its peer group: made a slave, the container's mounts under it do
/// not propagate to the host, as with every mount init makes.
fn make_tree(m: &Mount, source: &Path, userns: Option<&OwnedFd>) -> std::io::Result<OwnedFd> {
    let recursive = m.idmap() == Some(true);
    let whole = recursive || m.options.iter().any(|o| o == "rbind");
    let src = fs::openat(None, source, libc::O_PATH, 0)?;
    let tree = mount::clone_tree(src.as_fd(), whole)?;
    let slave = mount::MountAttr {
        propagation: libc::MS_SLAVE,
        ..Default::default()
    };
    mount::mount_setattr(tree.as_fd(), slave, true)?;
    if let Some(ns) = userns {
        mount::idmap(tree.as_fd(), ns.as_fd(), recursive)?;
    }
    Ok(tree)
}

/// The host id the container's root maps to, when it is not root's own.
fn mapped(maps: &[IdMapping]) -> Option<u32> {
    maps.iter()
        .find(|m| m.container_id == 0)
        .map(|m| m.host_id)
        .filter(|&id| id != 0)
}

/// Whether init, running as the container's mapped root, may search its way to `source`.
/// Checked as those host ids without root's file capabilities, which init lacks over files
/// of unmapped owners.
fn reachable(source: &Path, (uid, gid): (Option<u32>, Option<u32>)) -> bool {
    let (Some(uid), true) = (uid, ids::is_root()) else {
        return true;
    };
    // Any other failure (a missing source) is init's to report, naming the entry.
    let failed = ids::with_fs_ids(uid, gid.unwrap_or(uid), || {
        fs::openat(None, source, libc::O_PATH, 0).err()
    });
    failed.and_then(|e| e.raw_os_error()) != Some(libc::EACCES)
}

fn open_userns(pid: libc::pid_t) -> Result<OwnedFd, ContainerError> {
    let path = format!("/proc/{pid}/ns/user");
    fs::openat(None, Path::new(&path), libc::O_RDONLY, 0)
        .map_err(|e| ContainerError::io("open", &path, e))
}

/// A user namespace with the mount's own maps, made by a husk init that is killed again.
fn own_userns(husk: (&Path, &Path), m: &Mount) -> Result<OwnedFd, ContainerError> {
    let mut child = Child::spawn(husk, 0, None, None)?;
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
        let bind = m.is_bind();
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
