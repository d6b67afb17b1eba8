//! `create`: from a bundle to an init parked on the exec fifo, or nothing at all.

use super::plan::Plan;
use super::statedir::footprint::Footprint;
use super::statedir::saved::{proc_start, Saved};
use super::statedir::StateDir;
use super::{bootstrap, console, devices, hooks, idmapped, notify, Container, ContainerError};
use crate::cgroups::{Cgroup, Placement};
use crate::init::config::{InitConfig, Sent};
use crate::launch::spawn::Child;
use crate::spec::{self, FieldError, Seccomp, Spec, State, Status};
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
    /// Cgroups the caller may not write are skipped; None: as `rootless_cgroups` decides.
    pub rootless: Option<bool>,
    /// `--system-containers`: every container is a system container, not only those whose
    /// config carries the annotation.
    pub system: bool,
    /// The husk binary whose sealed copy becomes init; None is the running program (husk
    /// itself, for the CLI).
    pub binary: Option<PathBuf>,
}

impl CreateOptions {
    /// runc's choice when `--rootless` is auto: rootless unless run as root. Root in a user
    /// namespace (a rootless engine's) is rootless too, but under the systemd driver only with
    /// a session bus to reach the user's systemd (runc asks that bus for its owner): one named
    /// by DBUS_SESSION_BUS_ADDRESS or at $XDG_RUNTIME_DIR/bus, where podman leaves it.
    pub(super) fn rootless_cgroups(&self) -> bool {
        use crate::sys::ids;
        let set = |var| std::env::var_os(var).filter(|v| !v.is_empty());
        let session = || {
            set("DBUS_SESSION_BUS_ADDRESS").is_some()
                || set("XDG_RUNTIME_DIR").is_some_and(|d| Path::new(&d).join("bus").exists())
        };
        self.rootless.unwrap_or_else(|| {
            !ids::is_root() || (ids::in_user_namespace() && (!self.systemd_cgroup || session()))
        })
    }
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
    let mut plan = Plan::make(opts)?;
    let terminal = plan.spec.process.as_ref().is_some_and(|p| p.terminal);
    let console = console::socket(terminal, opts.console_socket.as_deref(), foreground)?;
    let mut undo = Undo::begin(opts, &plan.placement)?;
    let dir = undo.dir.as_ref().expect("armed");
    if plan.system {
        super::system::provision(&mut plan.spec, &opts.root, &opts.id, &dir.path)?;
    }
    if opts.notify_socket.is_some() {
        notify::make_dir(dir)?;
    }
    let saved = build(opts, plan, console, &mut undo)?;
    let dir = undo.disarm();
    Ok(Container { dir, saved })
}

fn build(
    opts: &CreateOptions,
    plan: Plan,
    console: Option<OwnedFd>,
    undo: &mut Undo,
) -> Result<Saved, ContainerError> {
    let Plan {
        bundle,
        spec,
        placement,
        filter,
        ..
    } = plan;
    let passed = opts.listen_fds.max(0) + opts.preserve_fds;
    let dir = undo.dir.as_ref().expect("state dir lives until disarmed");
    let linux = spec.linux();
    let rootless = opts.rootless_cgroups();
    make_fifo(&dir.fifo())?;
    let fifo = fd::open_path(&dir.fifo()).map_err(|e| ContainerError::io("open", dir.fifo(), e))?;
    let exe = opts
        .binary
        .as_deref()
        .unwrap_or(Path::new("/proc/self/exe"));
    let husk = (exe, opts.root.as_path());
    // Spawned first, since a systemd unit is made with its first process; it waits for the
    // bootstrap, so it runs nothing before its cgroup and limits are in place.
    let child = undo
        .child
        .insert(Child::spawn(husk, passed, Some(&fifo), console.as_ref())?);
    let cgroup = place(
        placement,
        child.first,
        linux,
        rootless,
        (dir, &undo.planned),
        &mut undo.cgroup,
    )?;
    crate::log::debug(|| format!("{}: cgroup {:?}", opts.id, cgroup.dirs));
    super::affinity::reset(child.first);
    super::system::delegate(&spec, &cgroup)?;
    let pid = child.bootstrap(&bootstrap::message(&spec), bootstrap::id_maps(linux))?;
    super::netdev::move_all(&linux.net_devices, pid)?;
    let (tree_at, trees): (Vec<u32>, Vec<_>) = idmapped::trees(&spec, &bundle, pid, husk)?
        .into_iter()
        .unzip();
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
    let mut saved = Saved {
        id: opts.id.clone(),
        pid,
        start_time,
        rootfs: spec::rootfs_path(&spec, &bundle),
        bundle,
        created: spec::rfc3339_nanos(std::time::SystemTime::now()),
        owner: super::owner::name(),
        cgroup,
        config: spec,
    };
    let hooks = saved.config.hooks();
    let hooked = !hooks.create_container.is_empty() || !hooks.start_container.is_empty();
    let hook_states = [Status::Creating, Status::Created].map(|s| match hooked {
        true => hook_state(&saved, s, pid),
        false => String::new(),
    });
    let (rootfs, bundle) = (saved.rootfs.clone(), saved.bundle.clone());
    let config = for_init(&mut saved.config, |spec| InitConfig {
        spec,
        rootfs,
        bundle,
        hook_states,
        fifo_fd: child.fifo_fd.expect("spawned with the exec fifo"),
        preserve_fds: passed,
        console_fd: child.console_fd,
        no_pivot: opts.no_pivot,
        no_new_keyring: opts.no_new_keyring,
        rootless_euid: !crate::sys::ids::is_root(),
        filter: filter.is_some(),
        trees: tree_at,
    });
    let seccomp = saved.config.linux.as_ref().and_then(|l| l.seccomp.as_ref());
    child.finish(
        &config,
        filter.as_ref(),
        &trees,
        || hooks::runtime(&saved),
        |fd| hand_listener(seccomp, pid, &saved.state(Status::Creating), fd),
    )?;
    crate::log::debug(|| format!("{}: init is parked on the exec fifo", opts.id));
    dir.save(&saved)?;
    if let Some(p) = &opts.pid_file {
        write_pid_file(p, pid)?;
    }
    Ok(saved)
}

/// The state a hook run by init gets: as runc's init, it gives its own pid, numbered as the
/// container's pid namespace numbers it.
fn hook_state(saved: &Saved, status: Status, pid: libc::pid_t) -> String {
    let mut state = saved.state(status);
    state.pid = crate::procfs::inner_pid(pid).unwrap_or(pid);
    String::from_utf8_lossy(&spec::to_json(&state)).into_owned()
}

/// Init's configuration as sent, over what init reads of the config. The seccomp program
/// follows compiled, and the resources and annotations are the runtime's business: they are
/// taken out while the message is written, so init does not parse them again (an engine's
/// default seccomp profile is most of a config's bytes).
fn for_init(spec: &mut Spec, cfg: impl FnOnce(&Spec) -> InitConfig<&Spec>) -> Vec<u8> {
    let annotations = std::mem::take(&mut spec.annotations);
    let linux = spec
        .linux
        .as_mut()
        .map(|l| (l.seccomp.take(), l.resources.take()));
    let message = spec::to_json(&Sent::Init(cfg(spec)));
    spec.annotations = annotations;
    if let (Some(l), Some((seccomp, resources))) = (spec.linux.as_mut(), linux) {
        (l.seccomp, l.resources) = (seccomp, resources);
    }
    message
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
    let resources = linux.resources();
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
            let cgroup = scope.place(pid, v2, resources, &rules)?;
            made.insert(cgroup).clone()
        }
    };
    // Usually every directory was missing, and the record already says what was made.
    let made = Footprint::made(&cgroup);
    if made != *planned {
        dir.record(&made)?;
    }
    cgroup.apply(resources)?;
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
) -> Result<(), FieldError> {
    let field = "linux.seccomp.listenerPath";
    let s = seccomp
        .ok_or_else(|| FieldError::new(field, "a seccomp listener without linux.seccomp"))?;
    let path = s.listener_path.as_deref().unwrap_or(Path::new(""));
    crate::seccomp::notify::send(path, s.listener_metadata.as_deref(), pid, state, fd.as_fd())
        .map_err(|e| FieldError::new(field, format!("{}: {e}", path.display())))
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
        return Err(ContainerError::Field(FieldError::new(
            field.as_str(),
            format!(
                "cannot set limit: a rootless container could not create or join cgroup {first}"
            ),
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
        return Err(ContainerError::Flag {
            flag: format!("--preserve-fds {n}"),
            reason: format!(
                "must be between 0 and the open-file limit less 3 ({})",
                limit.saturating_sub(3)
            ),
        });
    }
    match (3..3 + n).find(|&f| !fd::is_open(f)) {
        Some(f) => Err(ContainerError::Flag {
            flag: format!("--preserve-fds {n}"),
            reason: format!("fd {f} is not open"),
        }),
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
            let _ = super::delete::release(&dir);
            let _ = dir.remove();
        }
    }
}
