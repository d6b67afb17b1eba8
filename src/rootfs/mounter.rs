//! How one mount is made inside the rootfs: its destination resolved by descriptor, mounted
//! through the descriptor's magic link, then checked to have landed there (CVE-2021-30465).
//! The `mounts` array (mounts.rs), the cgroup tree and tmpcopyup all mount through this.

use super::error::{Context, RootfsError};
use super::options::MountOptions;
use super::procdest;
use super::resolve::{self, Node, Root};
use super::Namespaces;
use crate::procfs::handle::Proc;
use crate::sys::{fs, mount};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Flags a bind remount keeps from the mount it replaces unless the config cleared them; in a
/// user namespace the kernel refuses to drop them anyway.
const CARRIED: &[(libc::c_ulong, libc::c_ulong)] = &[
    (libc::ST_RDONLY, libc::MS_RDONLY),
    (libc::ST_NOSUID, libc::MS_NOSUID),
    (libc::ST_NODEV, libc::MS_NODEV),
    (libc::ST_NOEXEC, libc::MS_NOEXEC),
    (libc::ST_NOATIME, libc::MS_NOATIME),
    (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
    (ST_RELATIME, libc::MS_RELATIME),
];
/// statvfs's f_flag bit for relatime, which the libc crate does not export for musl.
const ST_RELATIME: libc::c_ulong = 0x1000;
const ATIME: libc::c_ulong =
    libc::MS_NOATIME | libc::MS_NODIRATIME | libc::MS_RELATIME | libc::MS_STRICTATIME;

pub struct Mounter<'a> {
    pub root: &'a Root,
    pub proc: &'a Proc,
    pub ns: Namespaces,
}

impl Mounter<'_> {
    /// Bind-mounts host `source` onto `dest` inside the root; returns the new mount's root.
    pub fn bind(
        &self,
        source: &Path,
        dest: &Path,
        opts: &MountOptions,
        place: &str,
    ) -> Result<OwnedFd, RootfsError> {
        let src = fs::openat(None, source, libc::O_PATH, 0)
            .context(|| format!("open bind source {} for {place}", source.display()))?;
        self.bind_fd(&src, false, source, dest, opts, place)
    }

    /// Binds the open `src`, or with `tree` moves the detached mount `src` into place.
    pub(super) fn bind_fd(
        &self,
        src: &OwnedFd,
        tree: bool,
        source: &Path,
        dest: &Path,
        opts: &MountOptions,
        place: &str,
    ) -> Result<OwnedFd, RootfsError> {
        let st = fs::fstat(src.as_fd()).context(|| format!("stat {}", source.display()))?;
        let src_is_proc = fs::fstatfs(src.as_fd())
            .map(|s| s.f_type as i64 == libc::PROC_SUPER_MAGIC)
            .unwrap_or(false);
        self.check_proc(dest, src_is_proc, place)?;
        let node = if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
            Node::Dir
        } else {
            Node::File
        };
        let target = self.target(dest, node, src_is_proc, place)?;
        if src_is_proc {
            self.check_plain(&target, dest, place)?;
        }
        let flags = libc::MS_BIND | (opts.flags & libc::MS_REC);
        match tree {
            true => mount::move_mount(src.as_fd(), target.as_fd()),
            false => mount::mount(
                Some(&self.proc.fd_path(src.as_fd())),
                &self.proc.fd_path(target.as_fd()),
                None,
                flags,
                None,
            ),
        }
        .context(|| format!("bind mount {} on {place}", source.display()))?;
        let mounted = self.landed(&target, dest, place)?;
        if opts.flags & !(libc::MS_BIND | libc::MS_REC | libc::MS_REMOUNT) != 0 {
            self.remount_bind(&mounted, opts, place)?;
        }
        self.finish(&mounted, opts, place)?;
        Ok(mounted)
    }

    fn remount_bind(
        &self,
        mounted: &OwnedFd,
        opts: &MountOptions,
        place: &str,
    ) -> Result<(), RootfsError> {
        let existing = fs::mount_flags(mounted.as_fd()).context(|| format!("statvfs {place}"))?;
        let mut carried = CARRIED
            .iter()
            .filter(|(st, _)| existing & st != 0)
            .fold(0, |acc, (_, ms)| acc | ms);
        if (opts.flags | opts.cleared) & ATIME != 0 {
            carried &= !ATIME;
        }
        let flags = libc::MS_REMOUNT
            | libc::MS_BIND
            | (opts.flags & !libc::MS_REC)
            | (carried & !opts.cleared);
        mount::mount(None, &self.proc.fd_path(mounted.as_fd()), None, flags, None)
            .context(|| format!("remount bind mount {place} with its options"))
    }

    /// Mounts a new instance of filesystem `kind` onto `dest` inside the root.
    pub fn fs_mount(
        &self,
        kind: &str,
        source: &Path,
        dest: &Path,
        opts: &MountOptions,
        place: &str,
    ) -> Result<OwnedFd, RootfsError> {
        self.check_proc(dest, kind == "proc", place)?;
        if opts.flags & libc::MS_REMOUNT != 0 {
            return self.remount(kind, dest, opts, place);
        }
        let target = self.target(dest, Node::Dir, kind == "proc", place)?;
        if kind == "proc" || kind == "sysfs" {
            self.check_plain(&target, dest, place)?;
        }
        let data = (!opts.data.is_empty()).then_some(opts.data.as_str());
        let done = mount::mount(
            Some(source),
            &self.proc.fd_path(target.as_fd()),
            Some(kind),
            opts.flags,
            data,
        );
        match done {
            // sysfs belongs to the network namespace; without our own, a user namespace may
            // only see the host's, as runc does.
            Err(e) if kind == "sysfs" && self.ns.user && e.raw_os_error() == Some(libc::EPERM) => {
                let mut rbind = opts.clone();
                rbind.flags |= libc::MS_BIND | libc::MS_REC;
                return self.bind(Path::new("/sys"), dest, &rbind, place);
            }
            other => other.context(|| format!("mount {kind} on {place}"))?,
        }
        let mounted = self.landed(&target, dest, place)?;
        self.finish(&mounted, opts, place)?;
        Ok(mounted)
    }

    fn remount(
        &self,
        kind: &str,
        dest: &Path,
        opts: &MountOptions,
        place: &str,
    ) -> Result<OwnedFd, RootfsError> {
        let target = self
            .root
            .resolve(dest)
            .context(|| format!("open {place}"))?;
        self.check_proc_at(&target, kind == "proc", place)?;
        let data = (!opts.data.is_empty()).then_some(opts.data.as_str());
        mount::mount(
            None,
            &self.proc.fd_path(target.as_fd()),
            Some(kind),
            opts.flags,
            data,
        )
        .context(|| format!("remount {place}"))?;
        self.finish(&target, opts, place)?;
        Ok(target)
    }

    /// Opens (creating if needed) the mount point for `dest`, checked where it really is.
    pub(super) fn target(
        &self,
        dest: &Path,
        node: Node,
        is_procfs: bool,
        place: &str,
    ) -> Result<OwnedFd, RootfsError> {
        let target = self
            .root
            .ensure(dest, node)
            .context(|| format!("create {place} inside the rootfs"))?;
        self.check_proc_at(&target, is_procfs, place)?;
        Ok(target)
    }

    /// The /proc rule on the destination as written, before anything is created for it.
    pub(super) fn check_proc(
        &self,
        dest: &Path,
        is_procfs: bool,
        place: &str,
    ) -> Result<(), RootfsError> {
        proc_rule(&resolve::clean(dest), is_procfs, place)
    }

    /// The /proc rule on where `target` resolved: an image symlink such as `/myproc -> /proc`
    /// would otherwise carry a mount onto /proc under a name the lexical check allows.
    fn check_proc_at(
        &self,
        target: &OwnedFd,
        is_procfs: bool,
        place: &str,
    ) -> Result<(), RootfsError> {
        let real = self.real_path(target, place)?;
        let rel = real.strip_prefix(self.root.path()).map_err(|_| {
            RootfsError::refused(
                format!("mount on {place}"),
                format!("it resolves outside the rootfs (to {})", real.display()),
            )
        })?;
        proc_rule(rel, is_procfs, place)
    }

    /// procfs and sysfs go only where `dest` names, no symlink on the way: an image whose
    /// /proc points elsewhere would get the kernel's files there (CVE-2023-27561).
    fn check_plain(&self, target: &OwnedFd, dest: &Path, place: &str) -> Result<(), RootfsError> {
        let real = self.real_path(target, place)?;
        if real == self.root.path().join(resolve::clean(dest)) {
            return Ok(());
        }
        Err(RootfsError::refused(
            format!("mount on {place}"),
            format!(
                "the rootfs has a symlink on the way, to {}: procfs and sysfs go only on a plain directory",
                real.display()
            ),
        ))
    }

    /// The host path `fd` refers to now, as the kernel reports it.
    fn real_path(&self, fd: &OwnedFd, place: &str) -> Result<PathBuf, RootfsError> {
        std::fs::read_link(self.proc.fd_path(fd.as_fd()))
            .context(|| format!("read where {place} resolved"))
    }

    /// Re-resolves `dest` inside the root and checks that a new mount now sits where `target`
    /// was and that it is within the rootfs; returns the new mount's root.
    pub(super) fn landed(
        &self,
        target: &OwnedFd,
        dest: &Path,
        place: &str,
    ) -> Result<OwnedFd, RootfsError> {
        let before = fs::mount_id(target.as_fd()).context(|| format!("statx {place}"))?;
        let after = self
            .root
            .resolve(dest)
            .context(|| format!("reopen {place} after mounting"))?;
        let now = fs::mount_id(after.as_fd()).context(|| format!("statx {place}"))?;
        let real = self.real_path(&after, place)?;
        let wrong = if !real.starts_with(self.root.path()) {
            "it now resolves outside the rootfs, to"
        } else if now == before {
            "the new mount is not there: the path was swapped during the mount, and now leads to"
        } else {
            return Ok(after);
        };
        Err(RootfsError::refused(
            format!("verify mount on {place}"),
            format!("{wrong} {}", real.display()),
        ))
    }

    /// Propagation changes and recursive attributes, which mount(2) cannot combine with the mount.
    pub(super) fn finish(
        &self,
        mounted: &OwnedFd,
        opts: &MountOptions,
        place: &str,
    ) -> Result<(), RootfsError> {
        let at = self.proc.fd_path(mounted.as_fd());
        for &p in &opts.propagation {
            mount::mount(None, &at, None, p, None)
                .context(|| format!("set propagation of {place}"))?;
        }
        if !opts.recursive.is_empty() {
            mount::mount_setattr(mounted.as_fd(), opts.recursive, true)
                .context(|| format!("apply recursive mount options to {place}"))?;
        }
        Ok(())
    }
}

fn proc_rule(rel: &Path, is_procfs: bool, place: &str) -> Result<(), RootfsError> {
    if procdest::allowed(rel, is_procfs) {
        return Ok(());
    }
    Err(RootfsError::refused(
        format!("mount on {place}"),
        "only procfs or well-known files may be mounted on /proc",
    ))
}
