//! The library's front door: build a container from a bundle the way `husk create` does, or
//! run a tenant process in one that is running.

use super::{create, Container, ContainerError, CreateOptions, TenantBuilder};
use crate::spec::Process;
use std::path::{Path, PathBuf};

/// Builds an init container: `ContainerBuilder::new("id").bundle("/b").create()`.
#[derive(Debug, Clone)]
pub struct ContainerBuilder {
    opts: CreateOptions,
}

impl ContainerBuilder {
    /// A container `id` under the default root, /run/husk, from the current directory's bundle.
    pub fn new(id: &str) -> ContainerBuilder {
        let opts = CreateOptions {
            id: id.into(),
            root: PathBuf::from("/run/husk"),
            bundle: PathBuf::from("."),
            ..Default::default()
        };
        ContainerBuilder { opts }
    }

    /// Where state directories live (`--root`).
    pub fn root(mut self, root: impl AsRef<Path>) -> Self {
        self.opts.root = root.as_ref().into();
        self
    }

    pub fn bundle(mut self, bundle: impl AsRef<Path>) -> Self {
        self.opts.bundle = bundle.as_ref().into();
        self
    }

    pub fn pid_file(mut self, path: impl AsRef<Path>) -> Self {
        self.opts.pid_file = Some(path.as_ref().into());
        self
    }

    /// Pass fds 3..3+n of this process on to the container.
    pub fn preserve_fds(mut self, n: i32) -> Self {
        self.opts.preserve_fds = n;
        self
    }

    pub fn no_pivot(mut self, yes: bool) -> Self {
        self.opts.no_pivot = yes;
        self
    }

    pub fn no_new_keyring(mut self, yes: bool) -> Self {
        self.opts.no_new_keyring = yes;
        self
    }

    /// Creates the container; its process waits until `Container::start`.
    pub fn create(&self) -> Result<Container, ContainerError> {
        create(&self.opts)
    }

    /// The husk binary that starts the container's init, for programs other than husk that
    /// use this library (init runs from a sealed copy of it); by default the running program.
    pub fn binary(mut self, path: impl AsRef<Path>) -> Self {
        self.opts.binary = Some(path.as_ref().into());
        self
    }

    /// A tenant running `process` in this container, which must be created or running by then.
    pub fn tenant(self, process: Process) -> TenantBuilder {
        let tenant = TenantBuilder::new(self.opts.root, self.opts.id, process);
        match self.opts.binary {
            Some(b) => tenant.binary(b),
            None => tenant,
        }
    }
}
