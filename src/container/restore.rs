//! `restore`: a new container from a checkpoint's images. It is made as `create` makes one
//! (state dir, footprint, cgroup, limits), except that CRIU, placed in the cgroup, brings the
//! processes back instead of husk's init; any failure takes all of it away again.

use super::checkpoint::{external_key, DESCRIPTORS};
use super::create::{place, write_pid_file, Undo};
use super::images::{self, CriuOptions, Images};
use super::plan::Plan;
use super::statedir::saved::{proc_start, Saved};
use super::{console, foreground, hooks, Container, ContainerError, CreateOptions};
use crate::criu::rpc::{Kind, Opts, Request};
use crate::criu::Swrk;
use crate::spec::{self, Namespace, NamespaceType, Spec};
use crate::sys::{fd, mount, signal, wait};
use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// runc's restore flags: where the container goes (as for create) and the CRIU options.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    pub create: CreateOptions,
    pub criu: CriuOptions,
    pub lsm_profile: Option<String>,
    pub lsm_mount_context: Option<String>,
}

/// Restores the container and returns it running; its processes are children of this one.
pub fn restore(opts: &RestoreOptions) -> Result<Container, ContainerError> {
    let binary = opts.criu.binary()?;
    let images = Images::open(&opts.criu, false, "restore.log")?;
    let stdio = descriptors(&opts.criu.image_path)?;
    let Plan {
        bundle,
        spec,
        placement,
        system,
        ..
    } = Plan::make(&opts.create)?;
    if system {
        return Err(ContainerError::Usage(
            "a system container cannot be restored: its id range and idmapped mounts are not in the checkpoint",
        ));
    }
    let terminal = spec.process.as_ref().is_some_and(|p| p.terminal);
    let console = console::socket(terminal, opts.create.console_socket.as_deref(), None)?;
    let namespaces = External::open(&spec)?;
    mount_points(&spec, &bundle)?;
    let mut undo = Undo::begin(&opts.create, &placement)?;
    let root = RootMount::new(&spec::rootfs_path(&spec, &bundle), &opts.create.id)?;
    let swrk =
        Swrk::start(&binary, &namespaces.fds(), true).map_err(|e| ContainerError::Criu(e, None))?;
    let linux = spec.linux();
    let rootless = opts.create.rootless.unwrap_or(!crate::sys::ids::is_root());
    let dir = undo.dir.as_ref().expect("armed");
    let cgroup = place(
        placement,
        swrk.pid,
        linux,
        rootless,
        (dir, &undo.planned),
        &mut undo.cgroup,
    )?;
    let mut req = Opts {
        root: root.path.display().to_string(),
        rst_sibling: true,
        evasive_devices: true,
        lsm_profile: opts.lsm_profile.clone(),
        lsm_mount_context: opts.lsm_mount_context.clone(),
        ext_mounts: images::external_mounts(&spec, &cgroup, true)?,
        inherit_fds: namespaces.inherit,
        join_ns: namespaces.join,
        cgroup_roots: cgroup_roots(swrk.pid)?,
        ..opts.criu.opts(&images, &spec)
    };
    if !linux.masked_paths.is_empty() {
        req.ext_mounts
            .push(("/dev/null".into(), "/dev/null".into()));
    }
    req.inherit_fds.extend(stdio);
    let mut saved = Saved {
        id: opts.create.id.clone(),
        pid: 0,
        start_time: 0,
        rootfs: spec::rootfs_path(&spec, &bundle),
        bundle,
        created: spec::rfc3339_nanos(std::time::SystemTime::now()),
        owner: super::owner::name(),
        cgroup,
        config: spec,
    };
    let mut on = |script: &str, pid: i32, fd: Option<OwnedFd>| {
        notified(script, pid, fd, &mut saved, console.as_ref())
    };
    let resp = swrk
        .call(&Request::Run(Kind::Restore, &req), &mut on)
        .map_err(|e| images.failed(e))?;
    drop(root);
    saved.pid = resp.restored_pid.unwrap_or(0);
    saved.start_time = proc_start(saved.pid).map(|(_, t)| t).ok_or_else(|| {
        let what = format!("reported restored pid {}, which is not running", saved.pid);
        ContainerError::Criu(crate::criu::CriuError::Protocol(what), None)
    })?;
    join_time_namespace(&mut saved);
    dir.save(&saved)?;
    if let Some(p) = &opts.create.pid_file {
        write_pid_file(p, saved.pid)?;
    }
    let dir = undo.disarm();
    Ok(Container { dir, saved })
}

/// A restore that stays attached, as `run` does: husk passes signals on, exits with the
/// container's status and deletes it.
pub fn restore_foreground(opts: &RestoreOptions, subreaper: bool) -> Result<i32, ContainerError> {
    if subreaper {
        wait::set_child_subreaper()
            .map_err(|e| ContainerError::io("prctl", "PR_SET_CHILD_SUBREAPER", e))?;
    }
    signal::block(&signal::SigSet::full())
        .map_err(|e| ContainerError::io("block", "signals", e))?;
    let c = restore(opts)?;
    let code = foreground::supervise(c.unlock().pid, None)?;
    if let Err(e) = Container::load(&opts.create.root, &opts.create.id).and_then(|c| c.delete(true))
    {
        crate::log::warn(&e.to_string());
    }
    Ok(code)
}

/// The mount points the rootfs lacks, made before CRIU mounts onto them.
fn mount_points(spec: &Spec, bundle: &Path) -> Result<(), ContainerError> {
    let rootfs = spec::rootfs_path(spec, bundle);
    crate::rootfs::restore_points(spec, &rootfs)
        .map_err(|(point, e)| ContainerError::io("create the mount point", point, e))
}

/// CRIU brings the processes back in a time namespace of their own, whose clocks go on from
/// the dumped ones: the saved config names it, as runc's does, so that exec joins it too.
fn join_time_namespace(saved: &mut Saved) {
    use std::os::unix::fs::MetadataExt;
    let linux = saved.config.linux.get_or_insert_with(Default::default);
    let ino = |pid: &str| std::fs::metadata(format!("/proc/{pid}/ns/time")).map(|m| m.ino());
    let own = ino(&saved.pid.to_string()).ok();
    let named = linux
        .namespaces
        .iter()
        .any(|n| n.kind == NamespaceType::Time);
    if !named && own.is_some() && own != ino("self").ok() {
        linux.namespaces.push(Namespace {
            kind: NamespaceType::Time,
            path: None,
        });
    }
}

/// What CRIU tells husk while it restores: when to run the runtime's hooks, the pty master of
/// a terminal (for the console socket).
fn notified(
    script: &str,
    pid: i32,
    fd: Option<OwnedFd>,
    saved: &mut Saved,
    console: Option<&OwnedFd>,
) -> Result<(), String> {
    match (script, fd, console) {
        ("setup-namespaces", _, _) => {
            saved.pid = pid;
            hooks::runtime(saved).map_err(|e| e.to_string())
        }
        ("orphan-pts-master", Some(master), Some(sock)) => {
            fd::send_fds(sock, &[master.as_raw_fd()], b"orphan-pts-master")
                .map_err(|e| format!("send the pty master over the console socket: {e}"))
        }
        _ => Ok(()),
    }
}

/// The container's stdio pipes recorded at checkpoint, matched to husk's own stdio: CRIU gives
/// the restored processes these fds where they had those pipes.
fn descriptors(image: &Path) -> Result<Vec<(String, i32)>, ContainerError> {
    let file = image.join(DESCRIPTORS);
    let text = std::fs::read(&file).map_err(|e| ContainerError::io("read", &file, e))?;
    let links: Vec<String> = spec::from_json(&text)
        .map_err(|e| ContainerError::io("parse", &file, std::io::Error::other(e)))?;
    Ok((0..)
        .zip(links)
        .filter(|(_, l)| l.contains("pipe:"))
        .map(|(fd, l)| (l, fd))
        .collect())
}

/// Where CRIU restores each v1 controller's (and the v2) cgroup: where it itself was placed.
fn cgroup_roots(pid: libc::pid_t) -> Result<Vec<(String, String)>, ContainerError> {
    let file = format!("/proc/{pid}/cgroup");
    let text = std::fs::read_to_string(&file).map_err(|e| ContainerError::io("read", &file, e))?;
    Ok(crate::procfs::cgroup::parse(&text)
        .into_iter()
        .map(|m| (m.controllers, m.path.display().to_string()))
        .collect())
}

/// Joined namespaces: network and pid ones are handed to CRIU as fds by runc's keys, the
/// others named by path for CRIU to join.
#[derive(Default)]
struct External {
    files: Vec<File>,
    inherit: Vec<(String, i32)>,
    join: Vec<(String, String)>,
}

impl External {
    fn open(spec: &Spec) -> Result<External, ContainerError> {
        let mut ext = External::default();
        for ns in spec.linux.iter().flat_map(|l| &l.namespaces) {
            let Some(path) = &ns.path else { continue };
            match external_key(ns.kind) {
                Some(key) => {
                    let f = File::open(path)
                        .map_err(|e| ContainerError::io("open namespace", path, e))?;
                    // CRIU finds them after its socket, at 4 and on.
                    ext.inherit.push((key.into(), 4 + ext.files.len() as i32));
                    ext.files.push(f);
                }
                None => ext
                    .join
                    .push((ns.kind.proc_name().into(), path.display().to_string())),
            }
        }
        Ok(ext)
    }

    fn fds(&self) -> Vec<i32> {
        self.files.iter().map(|f| f.as_raw_fd()).collect()
    }
}

/// CRIU needs the root to be a mount point whose parent is not overmounted: the rootfs bound
/// on a directory of its own for the restore, outside the state dir (which `delete` removes
/// recursively), and unmounted again when dropped.
struct RootMount {
    path: PathBuf,
}

impl RootMount {
    fn new(rootfs: &Path, id: &str) -> Result<RootMount, ContainerError> {
        let path = std::env::temp_dir().join(format!("husk-criu-root.{id}.{}", std::process::id()));
        std::fs::create_dir(&path).map_err(|e| ContainerError::io("create", &path, e))?;
        let flags = libc::MS_BIND | libc::MS_REC;
        if let Err(e) = mount::mount(Some(rootfs), &path, None, flags, None) {
            let _ = std::fs::remove_dir(&path);
            return Err(ContainerError::io("bind the rootfs for CRIU on", &path, e));
        }
        Ok(RootMount { path })
    }
}

impl Drop for RootMount {
    fn drop(&mut self) {
        let _ = mount::umount2(&self.path, libc::MNT_DETACH);
        let _ = std::fs::remove_dir(&self.path);
    }
}
