//! What checkpoint and restore share: the image and work directories CRIU is handed by fd,
//! its log, and the container's mounts that CRIU must treat as external.

use super::ContainerError;
use crate::cgroups::Cgroup;
use crate::criu::rpc::{CgroupMode, Opts};
use crate::criu::{self, CriuError};
use crate::spec::Spec;
use std::fs::{self, File};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// The flags checkpoint and restore share.
#[derive(Debug, Clone, Default)]
pub struct CriuOptions {
    /// The CRIU binary (runc's `--criu`); None: `criu` from PATH.
    pub binary: Option<PathBuf>,
    pub image_path: PathBuf,
    pub work_path: Option<PathBuf>,
    pub tcp_established: bool,
    pub ext_unix_sk: bool,
    pub shell_job: bool,
    pub file_locks: bool,
    pub lazy_pages: bool,
    pub auto_dedup: bool,
    pub cgroup_mode: CgroupMode,
    /// CLONE_NEW* flags of namespaces CRIU makes empty on restore; the network one always,
    /// as with runc: husk configures no interfaces.
    pub empty_ns: u32,
}

impl CriuOptions {
    /// The CRIU binary: `--criu`'s, else `criu` from PATH.
    pub(super) fn binary(&self) -> Result<PathBuf, ContainerError> {
        let name = self.binary.as_deref().unwrap_or(Path::new("criu"));
        let path = std::env::var("PATH").unwrap_or_default();
        crate::process::lookpath::look_path(&name.to_string_lossy(), &[format!("PATH={path}")])
            .map_err(|e| ContainerError::Criu(CriuError::Protocol(e.to_string()), None))
    }

    /// The request options these flags set, for a container of `spec`.
    pub(super) fn opts(&self, images: &Images, spec: &Spec) -> Opts {
        Opts {
            images_dir_fd: images.dir.as_raw_fd(),
            work_dir_fd: images.work.as_ref().map(|w| w.as_raw_fd()),
            log_file: images.log_name(),
            ext_unix_sk: self.ext_unix_sk,
            tcp_established: self.tcp_established,
            shell_job: self.shell_job,
            file_locks: self.file_locks,
            auto_dedup: self.auto_dedup,
            lazy_pages: self.lazy_pages,
            cgroup_mode: self.cgroup_mode,
            empty_ns: self.empty_ns | libc::CLONE_NEWNET as u32,
            config_file: config_file(spec),
            ..Opts::default()
        }
    }
}

/// The fds CRIU opens through /proc/<husk>/fd (it asks the socket for its peer's pid).
pub(super) struct Images {
    pub dir: File,
    pub work: Option<File>,
    log: PathBuf,
}

impl Images {
    /// `make`: the directories are made when missing (a checkpoint's); a restore needs them.
    pub fn open(c: &CriuOptions, make: bool, log: &str) -> Result<Images, ContainerError> {
        let (image, work) = (c.image_path.as_path(), c.work_path.as_deref());
        let open = |p: &Path, what: &str, make: bool| {
            if make {
                fs::create_dir_all(p).map_err(|e| ContainerError::io("create", p, e))?;
            }
            let f = File::open(p).map_err(|e| ContainerError::io(what, p, e))?;
            match f.metadata().map(|m| m.is_dir()) {
                Ok(true) => Ok(f),
                _ => Err(ContainerError::io(
                    what,
                    p,
                    std::io::Error::from_raw_os_error(libc::ENOTDIR),
                )),
            }
        };
        let dir = open(image, "open the image directory", make)?;
        let log = work.unwrap_or(image).join(log);
        let work = work
            .map(|w| open(w, "open the work directory", true))
            .transpose()?;
        Ok(Images { dir, work, log })
    }

    fn log_name(&self) -> String {
        self.log
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into()
    }

    /// A CRIU failure with the log line that says why, and where the whole log is.
    pub fn failed(&self, e: CriuError) -> ContainerError {
        let reported = match &e {
            CriuError::Failed { msg: Some(m), .. } => m.lines().last().map(str::to_string),
            _ => None,
        };
        let line = criu::log_error(&self.log)
            .or(reported)
            .map(|l| format!("{l} (log: {})", self.log.display()));
        ContainerError::Criu(e, line)
    }
}

/// CRIU's configuration file, as runc picks it: the `org.criu.config` annotation (empty:
/// none), else runc's own file, which also applies to husk.
fn config_file(spec: &Spec) -> Option<String> {
    match spec.annotations.get("org.criu.config") {
        Some(f) if f.is_empty() => None,
        Some(f) => Some(f.clone()),
        None => Some("/etc/criu/runc.conf".into()),
    }
}

/// Mounts whose source is outside the container, keyed by destination: bind mounts, the
/// device nodes and, on a v1 host without a cgroup namespace, each hierarchy bound in under the
/// `cgroup` mount. `source` gives what stands for each at dump (the key itself) or at restore
/// (the host path).
pub(super) fn external_mounts(
    spec: &Spec,
    cgroup: &Cgroup,
    restore: bool,
) -> Result<Vec<(String, String)>, ContainerError> {
    let linux = spec.linux.iter();
    let own_cgroupns = linux
        .clone()
        .flat_map(|l| &l.namespaces)
        .any(|n| n.kind == crate::spec::NamespaceType::Cgroup);
    let mut out = Vec::new();
    let mut add = |dest: &Path, source: &Path| {
        let key = crate::spec::clean_path(&Path::new("/").join(dest));
        let val = if restore { source } else { &key };
        out.push((key.display().to_string(), val.display().to_string()));
    };
    for m in &spec.mounts {
        match m.kind.as_deref() {
            _ if m.is_bind() => add(&m.destination, m.source.as_deref().unwrap_or(Path::new(""))),
            Some("cgroup") if !own_cgroupns && !cgroup.is_v2() => {
                for (name, dir) in cgroup.v1_dirs()? {
                    add(&m.destination.join(name), &dir);
                }
            }
            _ => {}
        }
    }
    for d in linux.flat_map(|l| &l.devices) {
        add(&d.path, &d.path);
    }
    Ok(out)
}
