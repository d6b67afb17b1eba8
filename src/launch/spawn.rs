//! The runtime's side of starting a container's init or a tenant: a sealed view of husk, the
//! bootstrap message, the id maps when asked, and the wait until init is parked or the tenant
//! has exec'd.

use super::channel::{Channel, ChannelError, Frame};
use super::idmap;
use crate::spec::IdMapping;
use crate::sys::seccomp::Program;
use crate::sys::{fd, spawn, wait};
use nsexec::protocol::INITPIPE_ENV;
use nsexec::BootstrapSpec;
use std::ffi::CString;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::Path;

#[derive(Debug)]
pub enum SpawnError {
    Io(&'static str, io::Error),
    Channel(ChannelError),
}

impl SpawnError {
    /// True when init could not find the executable to run (exit status 127).
    pub fn is_not_found(&self) -> bool {
        matches!(self, SpawnError::Channel(ChannelError::NotFound(_)))
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Io(what, e) => write!(f, "{what}: {e}"),
            SpawnError::Channel(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SpawnError {}

impl From<ChannelError> for SpawnError {
    fn from(e: ChannelError) -> Self {
        SpawnError::Channel(e)
    }
}

/// User namespace maps for the parent to write when init asks.
pub struct IdMaps<'a> {
    pub uids: &'a [IdMapping],
    pub gids: &'a [IdMapping],
}

/// A container's init or a tenant on its way up. `first` is the process husk started; `init`
/// the one that runs the payload (the same, unless a pid or time namespace made nsexec fork).
pub struct Child {
    pub first: libc::pid_t,
    pub init: Option<libc::pid_t>,
    /// Where the child finds the exec fifo, when it was given one.
    pub fifo_fd: Option<RawFd>,
    /// Where the child finds the console socket, when it was given one.
    pub console_fd: Option<RawFd>,
    chan: Channel,
}

impl Child {
    /// Starts `husk init` from a sealed view of the husk binary `exe` (/proc/self/exe when
    /// husk is the running program) that takes `state_root` as its spare layer. The child
    /// finds fds 3..3+preserve_fds as the caller left them, then the init socket, then the
    /// exec fifo if there is one (a tenant has none), then the console socket if there is one.
    pub fn spawn(
        (exe, state_root): (&Path, &Path),
        preserve_fds: i32,
        fifo: Option<&OwnedFd>,
        console: Option<&OwnedFd>,
    ) -> Result<Child, SpawnError> {
        let sock_fd = 3 + preserve_fds;
        let fifo_fd = sock_fd + 1;
        let console_fd = fifo_fd + i32::from(fifo.is_some());
        // The caller checked that 3..sock_fd are open fds it means to pass on.
        u32::try_from(sock_fd)
            .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
            .and_then(crate::sys::exec::cloexec_from)
            .map_err(|e| SpawnError::Io("mark inherited fds close-on-exec", e))?;
        let above =
            |f: &OwnedFd| fd::dup_above(f, console_fd + 1).map_err(|e| SpawnError::Io("dup", e));
        let exe = above(
            &super::sealed_exe::open(exe, state_root)
                .map_err(|e| SpawnError::Io("seal the husk binary", e))?,
        )?;
        let (ours, theirs) = fd::socketpair().map_err(|e| SpawnError::Io("socketpair", e))?;
        let theirs = above(&theirs)?;
        let fifo = fifo.map(above).transpose()?;
        let console = console.map(above).transpose()?;
        let mut fds: Vec<(RawFd, RawFd)> = (3..sock_fd).map(|f| (f, f)).collect();
        fds.push((theirs.as_raw_fd(), sock_fd));
        for (f, at) in [(&fifo, fifo_fd), (&console, console_fd)] {
            if let Some(f) = f {
                fds.push((f.as_raw_fd(), at));
            }
        }
        let path =
            CString::new(format!("/proc/self/fd/{}", exe.as_raw_fd())).expect("no NUL in a number");
        let argv = [c"husk".to_owned(), c"init".to_owned()];
        let envp = [CString::new(format!("{INITPIPE_ENV}={sock_fd}")).expect("no NUL in a number")];
        let first = spawn::spawn(&path, &argv, &envp, &fds)
            .map_err(|e| SpawnError::Io("start husk init", e))?;
        Ok(Child {
            first,
            init: None,
            fifo_fd: fifo.is_some().then_some(fifo_fd),
            console_fd: console.is_some().then_some(console_fd),
            chan: Channel(UnixStream::from(ours)),
        })
    }

    /// Sends the bootstrap, writes id maps when asked, and returns init's pid once nsexec has
    /// made every namespace. The intermediate process, if any, is reaped here.
    pub fn bootstrap(
        &mut self,
        b: &BootstrapSpec,
        maps: Option<IdMaps>,
    ) -> Result<libc::pid_t, SpawnError> {
        self.chan.send_raw(&nsexec::encode(b))?;
        crate::log::debug(|| format!("bootstrap sent to nsexec (pid {})", self.first));
        let pid = loop {
            match self.chan.recv()? {
                (Frame::MapsPlease, _) => {
                    let m = maps
                        .as_ref()
                        .ok_or(SpawnError::Channel(ChannelError::Unexpected(
                            Frame::MapsPlease,
                        )))?;
                    idmap::write(self.first, m.uids, m.gids)
                        .map_err(|e| SpawnError::Io("id maps", e))?;
                    self.chan.send(Frame::MapsDone, &[])?;
                    crate::log::debug(|| {
                        format!("uid and gid maps written for pid {}", self.first)
                    });
                }
                (Frame::Pid, body) => break pid_from(&body)?,
                (k, _) => return Err(ChannelError::Unexpected(k).into()),
            }
        };
        crate::log::debug(|| format!("namespaces joined: init is pid {pid}"));
        self.init = Some(pid);
        if pid != self.first {
            wait::waitpid(self.first).map_err(|e| SpawnError::Io("wait for nsexec", e))?;
        }
        Ok(pid)
    }

    /// Puts the child in a new user namespace mapped with `maps` and returns that namespace
    /// (for an idmapped mount with mappings of its own); the child is only killed afterwards.
    pub fn user_namespace(&mut self, maps: IdMaps) -> Result<OwnedFd, SpawnError> {
        let b = BootstrapSpec {
            clone_flags: libc::CLONE_NEWUSER as u32,
            ns_paths: Vec::new(),
            oom_score_adj: None,
            timens_offsets: None,
            rootless: !crate::sys::ids::is_root(),
        };
        self.chan.send_raw(&nsexec::encode(&b))?;
        self.chan.expect(Frame::MapsPlease)?;
        idmap::write(self.first, maps.uids, maps.gids).map_err(|e| SpawnError::Io("id maps", e))?;
        let path = format!("/proc/{}/ns/user", self.first);
        crate::sys::fs::openat(None, Path::new(&path), libc::O_RDONLY, 0)
            .map_err(|e| SpawnError::Io("open the new user namespace", e))
    }

    /// Hands init its configuration and serves its requests until it is parked: `on_hooks`
    /// runs the prestart and createRuntime hooks when init reaches that point, and
    /// `on_listener` takes a seccomp listener. The compiled `filter` and then `trees`
    /// (idmapped mounts) follow the configuration.
    pub fn finish<H: fmt::Display, L: fmt::Display>(
        &self,
        config: &[u8],
        filter: Option<&Program>,
        trees: &[OwnedFd],
        mut on_hooks: impl FnMut() -> Result<(), H>,
        mut on_listener: impl FnMut(OwnedFd) -> Result<(), L>,
    ) -> Result<(), SpawnError> {
        self.configure(config, filter)?;
        if !trees.is_empty() {
            let fds: Vec<RawFd> = trees.iter().map(|t| t.as_raw_fd()).collect();
            fd::send_fds(&self.chan.0, &fds, &[0])
                .map_err(|e| SpawnError::Io("send idmapped mounts", e))?;
        }
        loop {
            match self.chan.recv()? {
                (Frame::SeccompListener, _) => self.answer(on_listener(self.chan.recv_fd()?))?,
                (Frame::Hooks, _) => {
                    crate::log::debug(|| {
                        "mounts done: running prestart and createRuntime hooks".into()
                    });
                    self.answer(on_hooks())?;
                    crate::log::debug(|| "hooks run".into());
                }
                (Frame::Ready, _) => {
                    crate::log::debug(|| "init ready: waiting on the exec fifo".into());
                    return Ok(());
                }
                (k, _) => return Err(ChannelError::Unexpected(k).into()),
            }
        }
    }

    /// Hands a tenant its configuration and returns once it has exec'd: the init socket is
    /// close-on-exec, so its end means the payload runs. Errors before that arrive as frames;
    /// `on_listener` takes a seccomp listener.
    pub fn hand_over<L: fmt::Display>(
        &self,
        config: &[u8],
        filter: Option<&Program>,
        mut on_listener: impl FnMut(OwnedFd) -> Result<(), L>,
    ) -> Result<(), SpawnError> {
        self.configure(config, filter)?;
        loop {
            match self.chan.recv() {
                Err(ChannelError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    crate::log::debug(|| "process started".into());
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
                Ok((Frame::SeccompListener, _)) => {
                    self.answer(on_listener(self.chan.recv_fd()?))?
                }
                Ok((k, _)) => return Err(ChannelError::Unexpected(k).into()),
            }
        }
    }

    /// The configuration, and the seccomp program when there is one (the configuration says
    /// so), so that the child only installs what the runtime checked and compiled.
    fn configure(&self, config: &[u8], filter: Option<&Program>) -> Result<(), SpawnError> {
        self.chan.send(Frame::Config, config)?;
        if let Some(program) = filter {
            self.chan.send(Frame::Filter, &program.to_wire())?;
        }
        Ok(())
    }

    /// The child waits for the runtime's word after a request: DONE, or the error's text.
    fn answer(&self, result: Result<(), impl fmt::Display>) -> Result<(), SpawnError> {
        match result {
            Ok(()) => Ok(self.chan.send(Frame::HooksDone, &[])?),
            Err(e) => {
                let text = e.to_string();
                let _ = self.chan.send(Frame::Error, text.as_bytes());
                Err(ChannelError::Peer(text).into())
            }
        }
    }

    /// Kills the process that is (or was becoming) the container's init or the tenant; callers
    /// of create then kill what remains in the cgroup and wait for it to empty. The process is
    /// reaped when it is husk's: `first` always, a forked one when husk is a child subreaper
    /// (otherwise waitpid fails at once with ECHILD).
    pub fn kill(&self) {
        let target = self.init.unwrap_or(self.first);
        let _ = wait::kill(target, libc::SIGKILL);
        let _ = wait::waitpid(target);
    }
}

fn pid_from(body: &[u8]) -> Result<libc::pid_t, SpawnError> {
    let bytes: [u8; 4] = body
        .try_into()
        .map_err(|_| ChannelError::Unexpected(Frame::Pid))?;
    Ok(libc::pid_t::from_ne_bytes(bytes))
}
