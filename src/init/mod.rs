//! The container's init, in Rust `main` after nsexec made the namespaces: root filesystem,
//! hooks, hostname, credentials, then parked on the exec fifo until `husk start`. A tenant
//! (a process joining a running container) takes the same path with only the credentials.

pub mod config;

use crate::launch::channel::{Channel, ChannelError, Frame};
use crate::process::error::ProcessError;
use crate::process::hooks::{self, HookError, Setting};
use crate::process::setup::Filter;
use crate::process::{console, exec, lsm, mempolicy, setup};
use crate::rootfs::{self, RootfsError};
use crate::seccomp::Program;
use crate::spec::{Process, Spec};
use crate::sys::{fd, uts};
use config::{InitConfig, Launch, TenantConfig};
use std::convert::Infallible;
use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

#[derive(Debug)]
pub enum InitError {
    Channel(ChannelError),
    Rootfs(RootfsError),
    Hook(HookError),
    Process(ProcessError),
    Io(&'static str, io::Error),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Channel(e) => e.fmt(f),
            InitError::Rootfs(e) => e.fmt(f),
            InitError::Hook(e) => e.fmt(f),
            InitError::Process(e) => e.fmt(f),
            InitError::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

wrap_errors!(
    InitError: Channel(ChannelError),
    Rootfs(RootfsError),
    Hook(HookError),
    Process(ProcessError)
);

/// Runs as the container's init or a tenant; never returns. Errors before `start` (and every
/// error of a tenant) go to the runtime over the init socket, errors after it (a
/// startContainer hook, execve) into the exec fifo that `husk start` is reading.
pub fn run(sock: RawFd) -> ! {
    let chan = match fd::adopt(sock) {
        Ok(fd) => Channel(UnixStream::from(fd)),
        Err(e) => fail_early(e),
    };
    let mut fifo = None;
    let Err(e) = launch(&chan, &mut fifo);
    let not_found = matches!(&e, InitError::Process(p) if p.is_not_found());
    let kind = if not_found {
        Frame::NotFound
    } else {
        Frame::Error
    };
    let told = match fifo {
        // After start, `husk start` reads the fifo, not the socket.
        Some(mut f) => f.write_all(e.to_string().as_bytes()).is_ok(),
        None => chan.send(kind, e.to_string().as_bytes()).is_ok(),
    };
    if !told {
        let _ = writeln!(io::stderr(), "husk init: {e}");
    }
    std::process::exit(if not_found { 127 } else { 1 });
}

fn fail_early(e: io::Error) -> ! {
    let _ = writeln!(io::stderr(), "husk init: init socket: {e}");
    std::process::exit(1);
}

fn launch(chan: &Channel, fifo: &mut Option<std::fs::File>) -> Result<Infallible, InitError> {
    match chan.expect_json(Frame::Config)? {
        Launch::Init(cfg) => {
            let program = filter(chan, cfg.filter)?;
            init(chan, *cfg, program, fifo)
        }
        Launch::Tenant(cfg) => {
            let program = filter(chan, cfg.filter)?;
            tenant(chan, &cfg, program)
        }
    }
}

/// The seccomp program the runtime compiled, when the config said one follows.
fn filter(chan: &Channel, follows: bool) -> Result<Option<Program>, InitError> {
    if !follows {
        return Ok(None);
    }
    let body = chan.expect(Frame::Filter)?;
    Program::from_wire(&body)
        .map(Some)
        .ok_or(InitError::Channel(ChannelError::Unexpected(Frame::Filter)))
}

/// Joining the container's mount namespace already made its root ours; the cwd is set from
/// "/" so that a relative `process.cwd` cannot mean a host directory.
fn tenant(
    chan: &Channel,
    cfg: &TenantConfig,
    program: Option<Program>,
) -> Result<Infallible, InitError> {
    std::env::set_current_dir("/")
        .map_err(|e| InitError::Io("chdir to the container's root", e))?;
    match cfg.console_fd {
        Some(sock) => console::attach(terminal(sock, &cfg.process)?)?,
        None => console::own_session()?,
    }
    mempolicy::apply(cfg.linux.memory_policy.as_ref())?;
    let mut hand = |fd| hand_listener(chan, fd);
    let filter = program.map(|program| Filter {
        program,
        hand: &mut hand,
    });
    let prepared = setup::prepare(
        &cfg.process,
        cfg.linux.personality.as_ref(),
        cfg.preserve_fds,
        false,
        cfg.rootless_euid,
        filter,
    )?;
    Err(exec::exec(prepared).into())
}

fn terminal(sock: RawFd, process: &Process) -> Result<OwnedFd, InitError> {
    let sock = fd::adopt(sock).map_err(|e| InitError::Io("console socket", e))?;
    Ok(console::allocate(sock, process.console_size)?)
}

/// The runtime passes the listener on to its agent and says when that is done.
fn hand_listener(chan: &Channel, fd: OwnedFd) -> io::Result<()> {
    chan.send_fd(Frame::SeccompListener, fd.as_fd())
        .and_then(|()| chan.expect(Frame::HooksDone))
        .map(drop)
        .map_err(|e| io::Error::other(e.to_string()))
}

fn init(
    chan: &Channel,
    mut cfg: InitConfig,
    program: Option<Program>,
    fifo: &mut Option<std::fs::File>,
) -> Result<Infallible, InitError> {
    let process = cfg.spec.process.take().unwrap_or_default();
    let spec = &cfg.spec;
    // Relative mount sources are relative to the bundle, as in runc.
    std::env::set_current_dir(&cfg.bundle).map_err(|e| InitError::Io("chdir to the bundle", e))?;
    let mount_label = spec.linux.as_ref().and_then(|l| l.mount_label.as_deref());
    if let Some(label) = mount_label.filter(|l| !l.is_empty()) {
        lsm::set_mount_label(label)?;
    }
    let real_rootfs = rootfs::prepare(spec, &cfg.rootfs, host_trees(chan, spec, &cfg.trees)?)?;
    if needs_runtime_hooks(spec) {
        chan.send(Frame::Hooks, &[])?;
        chan.expect(Frame::HooksDone)?;
    }
    let hooks = spec.hooks();
    // runc's init changes into the rootfs right before these, still outside it.
    let in_rootfs = Setting {
        cwd: Some(&cfg.rootfs),
        default_env: None,
    };
    let [creating, created] = &cfg.hook_states;
    hooks::run(
        "createContainer",
        &hooks.create_container,
        creating.as_bytes(),
        in_rootfs,
    )?;
    rootfs::pivot(spec, &real_rootfs, cfg.no_pivot)?;
    match cfg.console_fd {
        Some(sock) => {
            let pty = terminal(sock, &process)?;
            rootfs::console(pty.as_fd())?;
            console::attach(pty)?;
        }
        None => console::own_session()?,
    }
    rootfs::finalize(spec)?;
    set_names(spec)?;
    let personality = spec.linux.as_ref().and_then(|l| l.personality.as_ref());
    mempolicy::apply(spec.linux.as_ref().and_then(|l| l.memory_policy.as_ref()))?;
    let mut hand = |fd| hand_listener(chan, fd);
    let filter = program.map(|program| Filter {
        program,
        hand: &mut hand,
    });
    let mut prepared = setup::prepare(
        &process,
        personality,
        cfg.preserve_fds,
        cfg.no_new_keyring,
        cfg.rootless_euid,
        filter,
    )?;
    chan.send(Frame::Ready, &[])?;
    *fifo = Some(wait_for_start(cfg.fifo_fd)?);
    prepared.install_pending_filter()?;
    // In the process's cwd; without an `env` of their own, with the process's, as runc.
    let as_process = Setting {
        cwd: None,
        default_env: Some(&prepared.envp),
    };
    hooks::run(
        "startContainer",
        &hooks.start_container,
        created.as_bytes(),
        as_process,
    )?;
    if let Some(f) = fifo.as_mut() {
        f.write_all(b"1")
            .map_err(|e| InitError::Io("write exec fifo", e))?;
    }
    Err(exec::exec(prepared).into())
}

/// The mounts the runtime made on the host's side follow the config, one per entry `which`
/// names; the result has a slot per `mounts` entry.
fn host_trees(
    chan: &Channel,
    spec: &Spec,
    which: &[u32],
) -> Result<Vec<Option<OwnedFd>>, InitError> {
    let mut trees: Vec<Option<OwnedFd>> = spec.mounts.iter().map(|_| None).collect();
    if which.is_empty() {
        return Ok(trees);
    }
    let fds = fd::recv_fds(&chan.0, which.len())
        .map_err(|e| InitError::Io("receive the runtime's mounts", e))?;
    for (&i, fd) in which.iter().zip(fds) {
        if let Some(slot) = trees.get_mut(i as usize) {
            *slot = Some(fd);
        }
    }
    Ok(trees)
}

fn needs_runtime_hooks(spec: &Spec) -> bool {
    spec.hooks
        .as_ref()
        .is_some_and(|h| !h.prestart.is_empty() || !h.create_runtime.is_empty())
}

fn set_names(spec: &Spec) -> Result<(), InitError> {
    if let Some(h) = &spec.hostname {
        uts::set_hostname(h).map_err(|e| InitError::Io("sethostname", e))?;
    }
    if let Some(d) = &spec.domainname {
        uts::set_domainname(d).map_err(|e| InitError::Io("setdomainname", e))?;
    }
    Ok(())
}

/// Blocks until `husk start` opens the fifo for reading, then tells it init is going ("0";
/// "1" follows right before execve, so a `start` that sees only "0" knows init died first). The
/// fifo stays open (close-on-exec) so `start` sees its end only once the payload runs, after
/// the startContainer hooks.
fn wait_for_start(fifo_fd: RawFd) -> Result<std::fs::File, InitError> {
    let path = format!("/proc/self/fd/{fifo_fd}");
    let mut fifo = OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(|e| InitError::Io("open exec fifo", e))?;
    fifo.write_all(b"0")
        .map_err(|e| InitError::Io("write exec fifo", e))?;
    Ok(fifo)
}
