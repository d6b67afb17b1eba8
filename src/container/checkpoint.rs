//! `checkpoint`: CRIU dumps the running container's processes into an image directory.

use super::images::{self, CriuOptions, Images};
use super::{Container, ContainerError};
use crate::criu::rpc::{Kind, Opts, Request};
use crate::criu::Swrk;
use crate::spec::{NamespaceType, Status};
use std::path::{Path, PathBuf};

/// runc's checkpoint flags beyond those restore shares.
#[derive(Debug, Clone, Default)]
pub struct CheckpointOptions {
    pub criu: CriuOptions,
    /// A previous (pre-)dump's images, relative to the image path.
    pub parent_path: Option<PathBuf>,
    pub leave_running: bool,
    /// Link open files whose name was removed back under a temporary name for the dump.
    pub link_remap: bool,
    pub tcp_skip_in_flight: bool,
    pub status_fd: Option<i32>,
    pub page_server: Option<(String, i32)>,
    pub pre_dump: bool,
}

/// Where runc keeps the container's stdio descriptions, so that restore can hand CRIU the
/// pipes that stand for them.
pub(super) const DESCRIPTORS: &str = "descriptors.json";

impl Container {
    /// Dumps the container; unless `leave_running` or `pre_dump`, CRIU ends its processes
    /// (the caller then deletes it, as runc does).
    pub fn checkpoint(&self, opts: &CheckpointOptions) -> Result<(), ContainerError> {
        if let s @ (Status::Created | Status::Stopped) = self.status() {
            return Err(ContainerError::WrongStatus {
                id: self.saved.id.clone(),
                action: "checkpoint",
                status: s,
            });
        }
        let c = &opts.criu;
        let binary = c.binary()?;
        let parent = parent_path(opts)?;
        check_features(&binary, opts)?;
        let images = Images::open(c, true, "dump.log")?;
        let req = self.dump_opts(opts, &images, parent)?;
        if !opts.pre_dump {
            self.save_descriptors(&c.image_path)?;
        }
        let kind = if opts.pre_dump {
            Kind::PreDump
        } else {
            Kind::Dump
        };
        let swrk = Swrk::start(&binary, &[], false).map_err(|e| ContainerError::Criu(e, None))?;
        let mut status_fd = opts.status_fd.filter(|_| c.lazy_pages);
        let mut on = |script: &str, _: i32, _| {
            if let Some(fd) = status_fd.take().filter(|_| script == "status-ready") {
                lazy_pages_ready(fd);
            }
            Ok(())
        };
        swrk.call(&Request::Run(kind, &req), &mut on)
            .map(drop)
            .map_err(|e| images.failed(e))
    }

    fn dump_opts(
        &self,
        opts: &CheckpointOptions,
        images: &Images,
        parent: Option<String>,
    ) -> Result<Opts, ContainerError> {
        let s = &self.saved;
        let mut ext_mounts = match opts.pre_dump {
            true => Vec::new(),
            false => images::external_mounts(&s.config, &s.cgroup, false)?,
        };
        if !opts.pre_dump {
            ext_mounts.extend(self.masked_files());
        }
        Ok(Opts {
            pid: Some(s.pid),
            root: s.rootfs.display().to_string(),
            leave_running: opts.leave_running,
            link_remap: opts.link_remap,
            tcp_skip_in_flight: opts.tcp_skip_in_flight,
            track_mem: parent.is_some(),
            parent_img: parent,
            page_server: opts.page_server.clone(),
            freeze_cgroup: s.cgroup.freezer_dir().map(|d| d.display().to_string()),
            ext_mounts,
            external: self.external_namespaces()?,
            ..opts.criu.opts(images, &s.config)
        })
    }

    /// Masked files are /dev/null bound over them: CRIU re-creates them from the host's.
    fn masked_files(&self) -> Vec<(String, String)> {
        let root = PathBuf::from(format!("/proc/{}/root", self.saved.pid));
        let linux = self.saved.config.linux.iter();
        linux
            .flat_map(|l| &l.masked_paths)
            .filter(|p| {
                std::fs::metadata(root.join(p.strip_prefix("/").unwrap_or(p)))
                    .is_ok_and(|m| !m.is_dir())
            })
            .map(|p| (p.display().to_string(), "/dev/null".to_string()))
            .collect()
    }

    /// Joined network and pid namespaces stay out of the image, named by their inode.
    fn external_namespaces(&self) -> Result<Vec<String>, ContainerError> {
        use std::os::unix::fs::MetadataExt;
        let mut out = Vec::new();
        for ns in self.saved.config.linux.iter().flat_map(|l| &l.namespaces) {
            let (Some(path), Some(key)) = (&ns.path, external_key(ns.kind)) else {
                continue;
            };
            let ino = std::fs::metadata(path)
                .map_err(|e| ContainerError::io("stat namespace", path, e))?
                .ino();
            out.push(format!("{}[{ino}]:{key}", ns.kind.proc_name()));
        }
        Ok(out)
    }

    /// The stdio of init as runc records it (`pipe:[N]`, `/dev/null`): restore hands CRIU its
    /// own stdio in place of these pipes.
    fn save_descriptors(&self, image: &Path) -> Result<(), ContainerError> {
        let links: Vec<String> = (0..3)
            .map(|n| {
                std::fs::read_link(format!("/proc/{}/fd/{n}", self.saved.pid))
                    .map(|l| l.display().to_string())
                    .unwrap_or_default()
            })
            .collect();
        let file = image.join(DESCRIPTORS);
        std::fs::write(&file, crate::spec::to_json(&links))
            .map_err(|e| ContainerError::io("write", &file, e))
    }
}

/// Tells the caller waiting on `--status-fd` that the lazy-pages server is up: a NUL, then
/// the fd is closed.
fn lazy_pages_ready(fd: i32) {
    use std::io::Write;
    if let Ok(owned) = crate::sys::fd::adopt(fd) {
        if std::fs::File::from(owned).write_all(&[0]).is_err() {
            crate::log::warn(&format!("--status-fd {fd}: cannot write the ready byte"));
        }
    }
}

/// The key runc names an external namespace by, the same at dump and restore.
pub(super) fn external_key(kind: NamespaceType) -> Option<&'static str> {
    match kind {
        NamespaceType::Network => Some("extRootNetNS"),
        NamespaceType::Pid => Some("extRootPidNS"),
        _ => None,
    }
}

fn parent_path(opts: &CheckpointOptions) -> Result<Option<String>, ContainerError> {
    let Some(p) = &opts.parent_path else {
        return Ok(None);
    };
    if p.is_absolute() {
        return Err(ContainerError::Flag {
            flag: "--parent-path".into(),
            reason: "must be relative".into(),
        });
    }
    let real = opts.criu.image_path.join(p);
    match std::fs::metadata(&real) {
        Ok(m) if m.is_dir() => Ok(Some(p.display().to_string())),
        Ok(_) => Err(ContainerError::io(
            "invalid --parent-path",
            real,
            std::io::Error::from_raw_os_error(libc::ENOTDIR),
        )),
        Err(e) => Err(ContainerError::io("invalid --parent-path", real, e)),
    }
}

/// Pre-dumps need the kernel's memory change tracking and lazy pages userfaultfd: CRIU says
/// whether it has them, and a missing one is refused before anything is dumped.
fn check_features(binary: &Path, opts: &CheckpointOptions) -> Result<(), ContainerError> {
    let lazy = opts.criu.lazy_pages;
    if !opts.pre_dump && !lazy {
        return Ok(());
    }
    let req = Request::Features {
        mem_track: opts.pre_dump,
        lazy_pages: lazy,
    };
    let swrk = Swrk::start(binary, &[], false).map_err(|e| ContainerError::Criu(e, None))?;
    let resp = swrk
        .call(&req, &mut |_, _, _| Ok(()))
        .map_err(|e| ContainerError::Criu(e, None))?;
    let (mem_track, lazy_pages) = resp.features;
    let mut missing = Vec::new();
    if opts.pre_dump && !mem_track {
        missing.push("MemTrack (--pre-dump needs the kernel's soft-dirty page tracking)");
    }
    if lazy && !lazy_pages {
        missing.push("LazyPages (--lazy-pages needs userfaultfd)");
    }
    match missing.is_empty() {
        true => Ok(()),
        false => Err(ContainerError::Criu(
            crate::criu::CriuError::Missing(missing.join(", ")),
            None,
        )),
    }
}
