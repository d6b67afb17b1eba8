//! `create`: from a bundle to an init parked on the exec fifo, or nothing at all.

use super::dir::StateDir;
use super::footprint::Footprint;
use super::init_config::{InitConfig, Launch};
use super::saved::{proc_start, Saved};
use super::{bootstrap, console, devices, hooks, id, idmapped, notify, Container, ContainerError};
use crate::cgroups::{Cgroup, Placement};
use crate::process::spawn::Child;
use crate::spec::{self, Seccomp, Spec, State, Status};
use crate::sys::fd;
use std::fs;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Everything `create` needs besides the bundle's config.json.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub root: PathBuf,
    pub id: String,
    pub bundle: PathBuf,
    pub pid_file: Option<PathBuf>,
    pub preserve_fds: i32,
    /// Socket-activation fds (systemd's LISTEN_FDS): passed on at 3.. ahead of the preserved
    /// ones, with LISTEN_FDS and LISTEN_PID=1 added to the process's environment.
    pub listen_fds: i32,
    /// Where to send the pty master when process.terminal is set (runc's --console-socket).
    pub console_socket: Option<PathBuf>,
    pub no_pivot: bool,
    pub no_new_keyring: bool,
    /// The caller's sd_notify socket (NOTIFY_SOCKET): the payload gets a proxy of it.
    pub notify_socket: Option<PathBuf>,
    /// `--systemd-cgroup`: the cgroup is a systemd unit, named by the path's systemd form.
    pub systemd_cgroup: bool,
    /// Cgroups the caller may not write are skipped; None: rootless unless run as root.
    pub rootless: Option<bool>,
    /// The husk binary whose sealed copy becomes init; None is the running program (husk
    /// itself, for the CLI).
    pub binary: Option<PathBuf>,
}

pub fn create(opts: &CreateOptions) -> Result<Container, ContainerError> {
    create_with(opts, None)
}

/// `foreground`: for a `run` that stays attached, the socket end init sends a pty master to.
pub(super) fn create_with(
    opts: &CreateOptions,
    foreground: Option<OwnedFd>,
) -> Result<Container, ContainerError> {
    let passed = opts.listen_fds.max(0) + opts.preserve_fds;
    check_preserved_fds(passed)?;
    let (bundle, mut spec, placement) = prepare(opts)?;
    let process = spec.process.as_mut().expect("checked");
    if opts.listen_fds > 0 {
        process.env.push(format!("LISTEN_FDS={}", opts.listen_fds));
        process.env.push("LISTEN_PID=1".into());
    }
    let console = console::socket(process.terminal, opts.console_socket.as_deref(), foreground)?;
    let mut undo = Undo::begin(opts, &placement)?;
    let dir = undo.dir.as_ref().expect("armed");
    if opts.notify_socket.is_some() {
        notify::setup(&mut spec, dir)?;
    }
    let saved = build(opts, &bundle, spec, placement, console, &mut undo)?;
    let dir = undo.disarm();
    Ok(Container { dir, saved })
}

fn build(
    opts: &CreateOptions,
    bundle: &Path,
    spec: Spec,
    placement: Placement,
    console: Option<OwnedFd>,
    undo: &mut Undo,
) -> Result<Saved, ContainerError> {
    let passed = opts.listen_fds.max(0) + opts.preserve_fds;
    let dir = undo.dir.as_ref().expect("state dir lives until disarmed");
    let linux = spec.linux.clone().unwrap_or_default();
    let rootless = opts.rootless.unwrap_or(!crate::sys::ids::is_root());
    make_fifo(&dir.fifo())?;
    let fifo = fd::open_path(&dir.fifo()).map_err(|e| ContainerError::io("open", dir.fifo(), e))?;
    let exe = opts
        .binary
        .as_deref()
        .unwrap_or(Path::new("/proc/self/exe"));
    // Spawned first, since a systemd unit is made with its first process; it waits for the
    // bootstrap, so it runs nothing before its cgroup and limits are in place.
    let child = undo
        .child
        .insert(Child::spawn(exe, passed, Some(&fifo), console.as_ref())?);
    let cgroup = place(
        placement,
        child.first,
        &linux,
        rootless,
        (dir, &undo.planned),
        &mut undo.cgroup,
    )?;
    crate::log::debug(|| format!("{}: cgroup {:?}", opts.id, cgroup.dirs));
    super::affinity::reset(child.first);
    let pid = child.bootstrap(&bootstrap::message(&spec), bootstrap::id_maps(&linux))?;
    super::netdev::move_all(&linux.net_devices, pid)?;
    let trees = idmapped::trees(&spec, bundle, pid, exe)?;
    crate::log::debug(|| {
        format!(
            "{}: init is pid {pid} (husk init was {})",
            opts.id, child.first
        )
    });
    let start_time = proc_start(pid).map(|(_, t)| t).ok_or_else(|| {
        ContainerError::io(
            "read start time of",
            format!("/proc/{pid}/stat"),
            std::io::ErrorKind::NotFound.into(),
        )
    })?;
    let saved = Saved {
        id: opts.id.clone(),
        pid,
        start_time,
        bundle: bundle.to_path_buf(),
        rootfs: spec::rootfs_path(&spec, bundle),
        created: spec::rfc3339_nanos(std::time::SystemTime::now()),
        owner: super::owner::name(),
        cgroup,
        config: spec,
    };
    let cfg = InitConfig {
        spec: saved.config.clone(),
        rootfs: saved.rootfs.clone(),
        state: saved.state(Status::Creating),
        fifo_fd: child.fifo_fd.expect("spawned with the exec fifo"),
        preserve_fds: passed,
        console_fd: child.console_fd,
        no_pivot: opts.no_pivot,
        no_new_keyring: opts.no_new_keyring,
        rootless_euid: !crate::sys::ids::is_root(),
    };
    let seccomp = saved.config.linux.as_ref().and_then(|l| l.seccomp.as_ref());
    child.finish(
        &Launch::Init(Box::new(cfg)),
        &trees,
        || hooks::runtime(&saved).map_err(|e| e.to_string()),
        |fd| hand_listener(seccomp, pid, &saved.state(Status::Creating), fd),
    )?;
    crate::log::debug(|| format!("{}: init is parked on the exec fifo", opts.id));
    dir.save(&saved)?;
    if let Some(p) = &opts.pid_file {
        write_pid_file(p, pid)?;
    }
    Ok(saved)
}

/// Reads and checks the bundle's config and where its cgroup goes; nothing is made yet.
pub(super) fn prepare(opts: &CreateOptions) -> Result<(PathBuf, Spec, Placement), ContainerError> {
    id::validate(&opts.id)?;
    let bundle = absolute(&opts.bundle)?;
    let spec = spec::load(&bundle.join("config.json"))?;
    spec::validate(&spec, &bundle)?;
    super::check::check(&spec)?;
    let linux = spec.linux.clone().unwrap_or_default();
    let rootless = opts.rootless.unwrap_or(!crate::sys::ids::is_root());
    let placement = Placement::new(
        linux.cgroups_path.as_deref(),
        &opts.id,
        opts.systemd_cgroup,
        rootless,
    )?;
    placement.check(&linux.resources.clone().unwrap_or_default())?;
    Ok((bundle, spec, placement))
}

/// Makes the cgroup with `pid` in it (recorded in `dir`'s footprint and in `made`, for the
/// undo) and applies the config's limits and device rules.
pub(super) fn place(
    placement: Placement,
    pid: libc::pid_t,
    linux: &crate::spec::Linux,
    rootless: bool,
    (dir, planned): (&StateDir, &Footprint),
    made: &mut Option<Cgroup>,
) -> Result<Cgroup, ContainerError> {
    let resources = linux.resources.clone().unwrap_or_default();
    // Device rules need CAP_SYS_ADMIN on the host; runc skips them when rootless too.
    let rules = match rootless {
        true => Vec::new(),
        false => devices::rules(linux),
    };
    let cgroup = match placement {
        Placement::Fs(mut cgroup) => {
            match rootless {
                true => rootless_cgroup(&mut cgroup, linux)?,
                false => cgroup.create()?,
            }
            *made = Some(cgroup.clone());
            cgroup.add(pid)?;
            cgroup
        }
        Placement::Systemd { scope, v2 } => {
            let cgroup = scope.place(pid, v2, &resources, &rules)?;
            made.insert(cgroup).clone()
        }
    };
    // Usually every directory was missing, and the record already says what was made.
    let made = Footprint::made(&cgroup);
    if made != *planned {
        dir.record(&made)?;
    }
    cgroup.apply(&resources)?;
    if !rootless && !cgroup.apply_devices(&rules)? {
        crate::log::warn("linux.resources.devices: no devices cgroup and no cgroup2 mount; device rules are not enforced");
    }
    Ok(cgroup)
}

/// Sends a seccomp listener of the process `pid` to the profile's agent; the text of a
/// failure is the one line the caller sees.
pub(super) fn hand_listener(
    seccomp: Option<&Seccomp>,
    pid: libc::pid_t,
    state: &State,
    fd: OwnedFd,
) -> Result<(), String> {
    let s = seccomp.ok_or("a seccomp listener without linux.seccomp")?;
    let path = s.listener_path.as_deref().unwrap_or(Path::new(""));
    crate::seccomp::notify::send(path, s.listener_metadata.as_deref(), pid, state, fd.as_fd())
        .map_err(|e| format!("linux.seccomp.listenerPath: {}: {e}", path.display()))
}

/// Without a delegated subtree a rootless container stays in the caller's cgroup: fine unless
/// the config asks for limits, which then cannot be applied (as runc refuses them).
fn rootless_cgroup(cgroup: &mut Cgroup, linux: &crate::spec::Linux) -> Result<(), ContainerError> {
    let skipped = cgroup.create_rootless()?;
    let Some(first) = skipped.first() else {
        return Ok(());
    };
    let first = first.display();
    if let Some(field) = super::check::limits(linux).first() {
        let _ = cgroup.destroy(Duration::ZERO);
        return Err(ContainerError::Config(format!(
            "{field}: cannot set limit: a rootless container could not create or join cgroup {first}"
        )));
    }
    crate::log::warn(&format!(
        "rootless: no write access to cgroup {first} ({} hierarchies): the container runs in the caller's cgroup, without limits",
        skipped.len()
    ));
    Ok(())
}

/// Every fd the caller asked to pass on must be open before husk opens anything: a closed one
/// would be taken by husk's own files, and the container would receive those instead.
pub(super) fn check_preserved_fds(n: i32) -> Result<(), ContainerError> {
    let (limit, _) = crate::sys::proc::getrlimit(libc::RLIMIT_NOFILE as _).unwrap_or((1024, 1024));
    if n < 0 || n as u64 + 3 > limit {
        return Err(ContainerError::Config(format!(
            "--preserve-fds {n}: must be between 0 and the open-file limit less 3 ({})",
            limit.saturating_sub(3)
        )));
    }
    match (3..3 + n).find(|&f| !fd::is_open(f)) {
        Some(f) => Err(ContainerError::Config(format!(
            "--preserve-fds {n}: fd {f} is not open"
        ))),
        None => Ok(()),
    }
}

/// The exec fifo, writable by anyone (mkfifo is subject to the umask): init opens it after
/// switching to the container's user, and only init holds a path to it.
fn make_fifo(path: &Path) -> Result<(), ContainerError> {
    use std::os::unix::fs::PermissionsExt;
    fd::mkfifo(path, 0o622).map_err(|e| ContainerError::io("mkfifo", path, e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o622))
        .map_err(|e| ContainerError::io("chmod", path, e))
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

/// Written whole or not at all: callers such as conmon take a partial pid file for a pid.
pub(super) fn write_pid_file(path: &Path, pid: libc::pid_t) -> Result<(), ContainerError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.husk-tmp"));
    fs::write(&tmp, pid.to_string()).map_err(|e| ContainerError::io("write pid file", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| ContainerError::io("write pid file", path, e))
}

/// What a failed create must take away again: the processes, the cgroup, the state dir.
pub(super) struct Undo {
    pub dir: Option<StateDir>,
    /// What the state dir's footprint says is about to be made.
    pub planned: Footprint,
    pub cgroup: Option<Cgroup>,
    pub child: Option<Child>,
}

impl Undo {
    /// Makes and locks the state dir, recording the cgroup about to be made.
    pub fn begin(opts: &CreateOptions, placement: &Placement) -> Result<Undo, ContainerError> {
        let dir = StateDir::create(&opts.root, &opts.id)?;
        let planned = Footprint::planned(placement);
        let undo = Undo {
            dir: Some(dir),
            planned,
            cgroup: None,
            child: None,
        };
        if let Some(dir) = &undo.dir {
            dir.record(&undo.planned)?;
        }
        Ok(undo)
    }

    pub fn disarm(&mut self) -> StateDir {
        self.cgroup = None;
        self.child = None;
        self.dir.take().expect("disarmed once")
    }
}

impl Drop for Undo {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            child.kill();
        }
        if let Some(cg) = self.cgroup.take() {
            let _ = cg.kill_all(libc::SIGKILL);
            let _ = cg.destroy(Duration::from_secs(5));
        }
        if let Some(dir) = self.dir.take() {
            let _ = dir.remove();
        }
    }
}
