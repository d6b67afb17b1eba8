//! The container's filesystem view: mounts, devices, pivot_root, masked and read-only paths,
//! sysctls. Runs in the container's init, inside its new mount namespace (or chrooted in the
//! host's), in three steps the init orchestrator calls in order: [`prepare`], [`pivot`],
//! [`finalize`].

mod cgroup;
mod copytree;
mod copyup;
mod devices;
mod devnull;
mod error;
mod masked;
mod mounter;
mod mounts;
mod options;
mod pivot;
mod procdest;
mod propagation;
mod readonly;
mod resolve;
mod restorepoints;
mod sysctl;

pub use error::RootfsError;
pub use restorepoints::restore_points;

use crate::procfs::handle::Proc;
use crate::spec::{Linux, NamespaceType, Spec};
use error::Context;
use std::os::fd::OwnedFd;
use std::path::Path;

/// The namespaces that change how mounts and devices can be made.
#[derive(Debug, Clone, Copy, Default)]
pub struct Namespaces {
    /// Any user namespace, created or joined: mknod is impossible, some mount flags are locked.
    pub user: bool,
    pub cgroup: bool,
    /// Without its own mount namespace the container's mounts are the host's: nothing on the
    /// host's side is bound or re-propagated, and the root is entered with chroot.
    pub mount: bool,
}

impl Namespaces {
    fn of(linux: Option<&Linux>) -> Namespaces {
        let has = |kind| linux.is_some_and(|l| l.namespaces.iter().any(|n| n.kind == kind));
        Namespaces {
            user: has(NamespaceType::User),
            cgroup: has(NamespaceType::Cgroup),
            mount: has(NamespaceType::Mount),
        }
    }
}

/// Before pivot_root, with the host filesystem still visible: propagation, the rootfs bind,
/// every `mounts` entry and /dev. `rootfs` is the absolute host path of the container's root.
/// `trees` has the mount the runtime made on the host's side, if any, for each `mounts` entry.
/// Returns the rootfs's real path, which [`pivot`] takes.
pub fn prepare(
    spec: &Spec,
    rootfs: &Path,
    trees: Vec<Option<OwnedFd>>,
) -> Result<std::path::PathBuf, RootfsError> {
    let linux = spec.linux.as_ref();
    let rootfs =
        std::fs::canonicalize(rootfs).context(|| format!("resolve rootfs {}", rootfs.display()))?;
    let ns = Namespaces::of(linux);
    let flags = propagation::configured(linux.and_then(|l| l.rootfs_propagation.as_deref()))?;
    if ns.mount {
        propagation::prepare_root(flags, &rootfs)?;
    }
    let (mounts, trees) = idmapped_root(&spec.mounts, trees, &rootfs)?;
    let proc = Proc::open().context(|| "open /proc")?;
    // Opened only after the self-bind, so every lookup lands on the mount that becomes `/`.
    let root =
        resolve::Root::open(&rootfs).context(|| format!("open rootfs {}", rootfs.display()))?;
    let mounter = mounter::Mounter {
        root: &root,
        proc: &proc,
        ns,
    };
    mounter.mount_all(mounts, trees)?;
    let devices = devices::Devices {
        root: &root,
        proc: &proc,
        // A runtime already in a user namespace (a rootless engine's) cannot mknod either,
        // though the config asks for none; runc checks both too.
        userns: ns.user || crate::sys::ids::in_user_namespace(),
    };
    devices.setup(&spec.mounts, linux.map_or(&[][..], |l| &l.devices))?;
    Ok(rootfs)
}

/// A first entry that binds an idmapped tree on `/` (a system container's rootfs) goes over
/// the rootfs before anything is resolved in it, so every later mount lands on the mapped view.
fn idmapped_root<'a>(
    mounts: &'a [crate::spec::Mount],
    mut trees: Vec<Option<OwnedFd>>,
    rootfs: &Path,
) -> Result<(&'a [crate::spec::Mount], Vec<Option<OwnedFd>>), RootfsError> {
    let first = mounts.first();
    if !first.is_some_and(|m| m.destination == Path::new("/") && m.idmap().is_some()) {
        return Ok((mounts, trees));
    }
    if let Some(tree) = trees.remove(0) {
        let target = crate::sys::fs::openat(None, rootfs, libc::O_PATH | libc::O_DIRECTORY, 0)
            .context(|| format!("open rootfs {}", rootfs.display()))?;
        use std::os::fd::AsFd;
        crate::sys::mount::move_mount(tree.as_fd(), target.as_fd())
            .context(|| format!("mount the idmapped rootfs on {}", rootfs.display()))?;
    }
    Ok((&mounts[1..], trees))
}

/// Makes `rootfs` the process's `/` with pivot_root, or with MS_MOVE and chroot for `no_pivot`,
/// or with chroot alone in the host's mount namespace, whose root must stay where it is.
/// `rootfs` is the real path [`prepare`] returned.
pub fn pivot(spec: &Spec, rootfs: &Path, no_pivot: bool) -> Result<(), RootfsError> {
    match Namespaces::of(spec.linux.as_ref()).mount {
        true => pivot::pivot(rootfs, no_pivot),
        false => pivot::chroot(rootfs),
    }
}

/// Binds the container's terminal onto /dev/console (after pivot, before /dev may turn
/// read-only): the mount comes from the pty's own fd and lands on a plain file in /dev, never
/// where an image's symlink points (CVE-2025-52565: a pty over a procfs file).
pub fn console(pty: std::os::fd::BorrowedFd) -> Result<(), RootfsError> {
    let root = resolve::Root::open(Path::new("/")).context(|| "open /")?;
    let dev = root
        .ensure(Path::new("/dev"), resolve::Node::Dir)
        .context(|| "create /dev")?;
    let target = resolve::plain_file(std::os::fd::AsFd::as_fd(&dev), Path::new("console"))
        .map_err(|e| match e.raw_os_error() {
            Some(libc::EPERM) => RootfsError::refused(
                "/dev/console",
                "the rootfs holds something other than a regular file there (a symlink, a device, a procfs or sysfs file)",
            ),
            _ => RootfsError::os("create /dev/console", e),
        })?;
    let tree = crate::sys::mount::clone_tree(pty, false).context(|| "clone the pty mount")?;
    crate::sys::mount::move_mount(
        std::os::fd::AsFd::as_fd(&tree),
        std::os::fd::AsFd::as_fd(&target),
    )
    .context(|| "bind the pty onto /dev/console")
}

/// After pivot: stdio off the host's /dev/null, a read-only /dev, rootfsPropagation,
/// sysctls, read-only and masked paths, a read-only root. Sysctls go first because
/// readonlyPaths usually include /proc/sys.
pub fn finalize(spec: &Spec) -> Result<(), RootfsError> {
    let root = resolve::Root::open(Path::new("/")).context(|| "open /")?;
    // In the host's mount namespace the rootfs is no mount of its own to remount, as with runc.
    let own_mounts = Namespaces::of(spec.linux.as_ref()).mount;
    let dev = spec.mounts.iter().rfind(|m| is_dev(&m.destination));
    if own_mounts && dev.is_some_and(|m| options::parse(&m.options).flags & libc::MS_RDONLY != 0) {
        readonly::mount_at(&root, Path::new("/dev"))?;
    }
    if let Some(linux) = spec.linux.as_ref() {
        if own_mounts {
            let flags = propagation::configured(linux.rootfs_propagation.as_deref())?;
            propagation::apply_to_root(flags)?;
        }
        sysctl::apply(&linux.sysctl)?;
        readonly::paths(&root, &linux.readonly_paths)?;
        masked::apply(&root, &linux.masked_paths)?;
    }
    if own_mounts && spec.root.as_ref().is_some_and(|r| r.readonly) {
        readonly::root(&root)?;
    }
    // Last, so a forged /dev/null is named by the masking check that depends on it.
    if !devices::dev_is_bind(&spec.mounts) {
        devnull::reopen()?;
    }
    Ok(())
}

/// A mount on /dev is made writable and turns read-only only once everything under it exists.
fn is_dev(dest: &Path) -> bool {
    dest.components().eq(Path::new("/dev").components())
}

/// Whether `mounts[].options` takes `option` as one of husk's own (not filesystem data).
#[cfg(test)]
pub fn knows_mount_option(option: &str) -> bool {
    !option.starts_with("x-") && options::parse(&[option.to_string()]).data.is_empty()
}

#[cfg(test)]
mod tests;
