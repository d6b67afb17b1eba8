//! `start`: release the init parked on the exec fifo.

use super::notify::{self, Proxy};
use super::{hooks, Container, ContainerError};
use crate::spec::Status;
use crate::sys::fd;
use std::fs::File;
use std::io::Read;
use std::path::Path;

impl Container {
    pub fn start(&mut self) -> Result<(), ContainerError> {
        self.start_notify(None, None)
    }

    /// Starts, then with `notify` (the caller's NOTIFY_SOCKET, for a container created with
    /// one) returns only once the payload said READY or ended. The caller is told to watch
    /// `main_pid`, or else init.
    pub fn start_notify(
        &mut self,
        notify: Option<&Path>,
        main_pid: Option<i32>,
    ) -> Result<(), ContainerError> {
        match self.status() {
            Status::Created => {}
            status => {
                return Err(ContainerError::WrongStatus {
                    id: self.saved.id.clone(),
                    action: "start",
                    status,
                })
            }
        }
        let proxy = match notify.filter(|_| notify::dir(&self.dir).exists()) {
            Some(host) => Some(Proxy::open(&self.dir, host)?),
            None => None,
        };
        let path = self.dir.fifo();
        let fifo =
            fd::open_fifo_nonblocking(&path).map_err(|e| ContainerError::io("open", &path, e))?;
        self.await_init(&fifo)?;
        crate::log::debug(|| format!("{}: process started", self.saved.id));
        // The fifo's presence is what says `created`; it must go once the payload runs.
        std::fs::remove_file(&path).map_err(|e| ContainerError::io("remove", &path, e))?;
        hooks::poststart(&self.saved);
        crate::log::debug(|| format!("{}: poststart hooks run", self.saved.id));
        match proxy {
            Some(p) => p.relay(main_pid.unwrap_or(self.saved.pid), || self.saved.alive()),
            None => Ok(()),
        }
    }

    /// Opening the fifo lets init's open for writing return; what it writes until the fifo
    /// ends (execve or death closes it) is judged by `outcome`. An init that dies before
    /// opening the fifo never writes, so liveness is checked between polls.
    fn await_init(&self, fifo: &std::os::fd::OwnedFd) -> Result<(), ContainerError> {
        let path = self.dir.fifo();
        let mut reader = File::from(
            fifo.try_clone()
                .map_err(|e| ContainerError::io("dup", &path, e))?,
        );
        let mut said = Vec::new();
        loop {
            if fd::poll_readable(fifo, 50).map_err(|e| ContainerError::io("poll", &path, e))? {
                let mut buf = [0u8; 512];
                match reader.read(&mut buf) {
                    Ok(0) => return self.outcome(&said),
                    Ok(n) => said.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(ContainerError::io("read", &path, e)),
                }
            } else if said.is_empty() && !self.saved.alive() {
                return Err(ContainerError::NotRunning(self.saved.id.clone()));
            }
        }
    }

    /// Init writes "0" when released and "1" right before execve; any text after either is
    /// its error. The fifo's end alone says nothing: execve and death both close it.
    fn outcome(&self, said: &[u8]) -> Result<(), ContainerError> {
        let error = |text: &[u8]| {
            Err(ContainerError::Init(
                String::from_utf8_lossy(text).into_owned(),
            ))
        };
        match said {
            [b'0', b'1'] => Ok(()),
            [b'0', b'1', text @ ..] | [b'0', text @ ..] if !text.is_empty() => error(text),
            _ => Err(ContainerError::NotRunning(self.saved.id.clone())),
        }
    }
}
