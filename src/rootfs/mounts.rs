//! The `mounts` array: each entry goes to the kind of mount it asks for, made by `Mounter`.

use super::error::RootfsError;
use super::mounter::Mounter;
use super::options;
use super::{cgroup, copyup};
use crate::spec::Mount;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

impl Mounter<'_> {
    /// `trees` has, entry by entry, the mount the runtime made on the host's side, if any.
    pub fn mount_all(
        &self,
        mounts: &[Mount],
        trees: Vec<Option<OwnedFd>>,
    ) -> Result<(), RootfsError> {
        let mut trees = trees.into_iter();
        mounts
            .iter()
            .enumerate()
            .try_for_each(|(i, m)| self.mount_entry(i, m, trees.next().flatten()))
    }

    fn mount_entry(
        &self,
        index: usize,
        m: &Mount,
        tree: Option<OwnedFd>,
    ) -> Result<(), RootfsError> {
        let place = format!(
            "{} (destination of mounts[{index}])",
            m.destination.display()
        );
        let mut opts = options::parse(&m.options);
        // The nodes and mounts under /dev come later: it turns read-only in `finalize`.
        if super::is_dev(&m.destination) {
            opts.flags &= !libc::MS_RDONLY;
        }
        let kind = m.kind.as_deref().unwrap_or("");
        if opts.is_bind() || kind == "bind" {
            let source = m.source.as_deref().ok_or_else(|| {
                RootfsError::refused(format!("bind mount on {place}"), "no source given")
            })?;
            let mut opts = opts;
            opts.flags |= libc::MS_BIND;
            return match tree {
                Some(tree) => self.bind_fd(&tree, true, source, &m.destination, &opts, &place),
                None => self.bind(source, &m.destination, &opts, &place),
            }
            .map(drop);
        }
        if kind == "cgroup" || kind == "cgroup2" {
            return cgroup::mount(self, &m.destination, &opts, &place);
        }
        let source = m.source.clone().unwrap_or_else(|| PathBuf::from(kind));
        // As with runc, tmpcopyup means something only for a new tmpfs and is ignored elsewhere.
        if opts.tmpcopyup && kind == "tmpfs" && opts.flags & libc::MS_REMOUNT == 0 {
            let name = format!("mounts[{index}] {}", m.destination.display());
            return copyup::mount(self, &source, &m.destination, &opts, &name).map(drop);
        }
        self.fs_mount(kind, &source, &m.destination, &opts, &place)
            .map(drop)
    }
}
