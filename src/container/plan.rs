//! A container's plan: its bundle's config read, checked and converted once, before anything
//! exists, so that a bad value is refused naming its field and nothing is left to undo.

use super::{id, notify, system, ContainerError, CreateOptions};
use crate::cgroups::Placement;
use crate::seccomp::{self, Program};
use crate::spec::{self, FieldError, Seccomp, Spec};
use std::fs;
use std::path::{Path, PathBuf};

pub(super) struct Plan {
    /// The bundle as a clean absolute path.
    pub bundle: PathBuf,
    pub spec: Spec,
    /// Where the cgroup goes, its writes checked against the config's resources.
    pub placement: Placement,
    /// linux.seccomp as BPF: init and tenants install what the runtime compiled.
    pub filter: Option<Program>,
    /// A system container's: `system::provision` gives it its ids once its state dir exists.
    pub system: bool,
}

impl Plan {
    pub fn make(opts: &CreateOptions) -> Result<Plan, ContainerError> {
        id::validate(&opts.id)?;
        let bundle = absolute(&opts.bundle)?;
        let file = bundle.join("config.json");
        let mut spec = spec::load(&file)?;
        spec::validate(&spec, &bundle)?;
        super::check::check(&spec).map_err(|e| e.in_file(&file))?;
        let system = options(&mut spec, opts)?;
        let linux = spec.linux();
        let rootless = opts.rootless_cgroups();
        let placement = Placement::new(
            linux.cgroups_path.as_deref(),
            &opts.id,
            opts.systemd_cgroup,
            rootless,
            &spec.annotations,
        )?;
        placement.check(linux.resources())?;
        let filter = compile(linux.seccomp.as_ref()).map_err(|e| e.in_file(&file))?;
        Ok(Plan {
            bundle,
            spec,
            placement,
            filter,
            system,
        })
    }
}

/// What the command's options and the system-container mode make of the checked config;
/// whether it is a system container's now. The state dir does not exist yet: what goes in it
/// is named here and made by create.
fn options(spec: &mut Spec, opts: &CreateOptions) -> Result<bool, ContainerError> {
    let propagation = spec
        .linux
        .as_ref()
        .and_then(|l| l.rootfs_propagation.as_deref());
    // A private root under --no-pivot would keep the host's mounts under the chroot, cut off
    // from their unmounts on the host.
    if opts.no_pivot && matches!(propagation, Some("private" | "rprivate")) {
        return Err(FieldError::new(
            "linux.rootfsPropagation",
            "rootfsPropagation of [r]private is not safe without pivot_root",
        )
        .into());
    }
    let state = opts.root.join(&opts.id);
    let system = system::wanted(spec, opts.system);
    if system {
        system::convert(spec, &state)?;
    }
    if opts.notify_socket.is_some() {
        notify::convert(spec, &state);
    }
    if opts.listen_fds > 0 {
        let env = &mut spec.process.as_mut().expect("checked").env;
        env.push(format!("LISTEN_FDS={}", opts.listen_fds));
        env.push("LISTEN_PID=1".into());
    }
    Ok(system)
}

/// The container's seccomp profile as the program every process in it installs.
pub(super) fn compile(profile: Option<&Seccomp>) -> Result<Option<Program>, FieldError> {
    profile.map(seccomp::compile).transpose()
}

/// The bundle as a clean absolute path, as the state reports it (symlinks are kept, like runc).
fn absolute(bundle: &Path) -> Result<PathBuf, ContainerError> {
    let cwd = std::env::current_dir().map_err(|e| ContainerError::io("getcwd", ".", e))?;
    let abs = spec::clean_path(&cwd.join(bundle));
    let meta = fs::metadata(&abs).map_err(|e| ContainerError::io("bundle", &abs, e))?;
    if !meta.is_dir() {
        return Err(ContainerError::io(
            "bundle",
            &abs,
            std::io::Error::from_raw_os_error(libc::ENOTDIR),
        ));
    }
    Ok(abs)
}
