//! The NOTIFY_SOCKET proxy, as runc does it: the payload gets a datagram socket in the state
//! dir (bind-mounted at /run/notify); `start` passes its READY on to the caller's socket with
//! MAINPID, so systemd or podman watch the container instead of the short-lived runtime.

use super::{statedir::StateDir, ContainerError};
use crate::spec::{Mount, Spec};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::{Path, PathBuf};

const IN_CONTAINER: &str = "/run/notify";
const SOCKET: &str = "notify.sock";

pub(super) fn dir(state: &StateDir) -> PathBuf {
    in_state_dir(&state.path)
}

fn in_state_dir(state: &Path) -> PathBuf {
    state.join("notify")
}

/// With `--notify-socket`, points the payload at the socket `start` binds in the state dir
/// `state`; the directory is mounted rather than the socket, which does not exist until then.
pub(super) fn convert(spec: &mut Spec, state: &Path) {
    spec.mounts.push(Mount {
        destination: IN_CONTAINER.into(),
        kind: Some("bind".into()),
        source: Some(in_state_dir(state)),
        options: ["bind", "nosuid", "noexec", "nodev", "ro"]
            .map(String::from)
            .into(),
        ..Default::default()
    });
    let process = spec.process.as_mut().expect("checked");
    process
        .env
        .push(format!("NOTIFY_SOCKET={IN_CONTAINER}/{SOCKET}"));
}

/// The directory `convert` mounted, once the state dir exists.
pub(super) fn make_dir(state: &StateDir) -> Result<(), ContainerError> {
    let dir = dir(state);
    std::fs::create_dir(&dir).map_err(|e| ContainerError::io("create", &dir, e))
}

/// The two ends, ready before the payload runs so that no message is missed: the payload's
/// socket (writable by any container user) and the caller's.
pub(super) struct Proxy {
    ours: UnixDatagram,
    host: UnixDatagram,
}

impl Proxy {
    pub fn open(state: &StateDir, host: &Path) -> Result<Proxy, ContainerError> {
        let named = |e| ContainerError::io("connect to NOTIFY_SOCKET", host, e);
        let addr = match host.as_os_str().as_encoded_bytes() {
            [b'@', name @ ..] => SocketAddr::from_abstract_name(name),
            _ => SocketAddr::from_pathname(host),
        };
        let to = UnixDatagram::unbound().map_err(named)?;
        to.connect_addr(&addr.map_err(named)?).map_err(named)?;
        let path = dir(state).join(SOCKET);
        let ours = UnixDatagram::bind(&path).map_err(|e| ContainerError::io("bind", &path, e))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))
            .map_err(|e| ContainerError::io("chmod", &path, e))?;
        Ok(Proxy { ours, host: to })
    }

    /// Waits for the payload's READY and tells the caller, naming `main_pid` as the process
    /// to watch; a payload that ends without READY ends the wait too, as with runc.
    pub fn relay(&self, main_pid: i32, alive: impl Fn() -> bool) -> Result<(), ContainerError> {
        let err = |what, e| ContainerError::io(what, "NOTIFY_SOCKET", e);
        let mut buf = [0u8; 4096];
        loop {
            if !crate::sys::fd::poll_readable(&self.ours, 100).map_err(|e| err("poll", e))? {
                if !alive() {
                    return Ok(());
                }
                continue;
            }
            let n = self.ours.recv(&mut buf).map_err(|e| err("recv", e))?;
            if let Some(ready) = buf[..n]
                .split(|&b| b == b'\n')
                .find(|l| l.starts_with(b"READY="))
            {
                let mut line = ready.to_vec();
                line.push(b'\n');
                self.host.send(&line).map_err(|e| err("send", e))?;
                let pid = format!("MAINPID={main_pid}\n");
                return self
                    .host
                    .send(pid.as_bytes())
                    .map(drop)
                    .map_err(|e| err("send", e));
            }
        }
    }
}
