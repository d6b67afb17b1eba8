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

    /// Opening the fifo lets init's open for writing return; its byte says it is going. An
    /// init that died meanwhile never writes, so liveness is checked between polls.
    fn await_init(&self, fifo: &std::os::fd::OwnedFd) -> Result<(), ContainerError> {
        let path = self.dir.fifo();
        loop {
            if fd::poll_readable(fifo, 50).map_err(|e| ContainerError::io("poll", &path, e))? {
                let mut byte = [0u8; 1];
                let n = File::from(
                    fifo.try_clone()
                        .map_err(|e| ContainerError::io("dup", &path, e))?,
                )
                .read(&mut byte)
                .map_err(|e| ContainerError::io("read", &path, e))?;
                if n == 1 {
                    return Ok(());
                }
            }
            if !self.saved.alive() {
                return Err(ContainerError::NotRunning(self.saved.id.clone()));
            }
        }
    }
}
