//! `start`: release the init parked on the exec fifo.

use super::{hooks, Container, ContainerError};
use crate::spec::Status;
use crate::sys::fd;
use std::fs::File;
use std::io::Read;

impl Container {
    pub fn start(&mut self) -> Result<(), ContainerError> {
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
        let path = self.dir.fifo();
        let fifo =
            fd::open_fifo_nonblocking(&path).map_err(|e| ContainerError::io("open", &path, e))?;
        self.await_init(&fifo)?;
        let _ = std::fs::remove_file(&path);
        hooks::poststart(&self.saved);
        Ok(())
    }

    /// Opening the fifo lets init's open for writing return; its byte says it is going, and
    /// the end of the fifo that the payload has replaced init (execve closed the writer). An
    /// init that dies first never writes, so liveness is checked between polls.
    fn await_init(&self, fifo: &std::os::fd::OwnedFd) -> Result<(), ContainerError> {
        let path = self.dir.fifo();
        let mut reader = File::from(fifo.try_clone().map_err(|e| ContainerError::io("dup", &path, e))?);
        let mut got_byte = false;
        loop {
            if fd::poll_readable(fifo, 50).map_err(|e| ContainerError::io("poll", &path, e))? {
                let mut buf = [0u8; 16];
                match reader.read(&mut buf) {
                    Ok(0) if got_byte => return Ok(()),
                    Ok(0) => return Err(ContainerError::NotRunning(self.saved.id.clone())),
                    Ok(_) => got_byte = true,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(ContainerError::io("read", &path, e)),
                }
            } else if !got_byte && !self.saved.alive() {
                return Err(ContainerError::NotRunning(self.saved.id.clone()));
            }
        }
    }
}
