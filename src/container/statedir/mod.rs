//! A container's state directory under the root, and the lock that serialises commands on it.

pub mod footprint;
pub mod saved;

use super::ContainerError;
use crate::sys::fd;
use footprint::Footprint;
use saved::Saved;
use std::fs::{self, DirBuilder, File};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

const STATE_FILE: &str = "state.json";
const FIFO: &str = "exec.fifo";
const FOOTPRINT: &str = "footprint.json";

/// An open, locked state directory. The lock is held for as long as the value lives.
pub struct StateDir {
    pub path: PathBuf,
    _lock: File,
}

impl StateDir {
    /// Makes the directory for a new container; an existing one means the id is taken.
    pub fn create(root: &Path, id: &str) -> Result<StateDir, ContainerError> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root)
            .map_err(|e| match e.kind() {
                // Only a non-directory makes a recursive create fail with EEXIST.
                io::ErrorKind::AlreadyExists => {
                    ContainerError::io("create", root, io::Error::from_raw_os_error(libc::ENOTDIR))
                }
                _ => ContainerError::io("create", root, e),
            })?;
        let path = root.join(id);
        match DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(ContainerError::Exists(id.into()))
            }
            Err(e) => return Err(ContainerError::io("create", &path, e)),
        }
        let lock = File::open(&path).map_err(|e| ContainerError::io("open", &path, e))?;
        fd::flock(&lock).map_err(|e| ContainerError::io("lock", &path, e))?;
        Ok(StateDir { path, _lock: lock })
    }

    /// Opens and locks container `id`'s directory whatever it holds, once no other command
    /// has it; None if there is none.
    pub fn open_any(root: &Path, id: &str) -> Result<Option<StateDir>, ContainerError> {
        let path = root.join(id);
        let lock = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ContainerError::io("open", &path, e)),
        };
        fd::flock(&lock).map_err(|e| ContainerError::io("lock", &path, e))?;
        Ok(same_file(&lock, &path).then_some(StateDir { path, _lock: lock }))
    }

    /// Opens and locks an existing container's directory. A directory whose state file is gone
    /// was deleted (or is still being created) under us: it does not exist for this command.
    pub fn open(root: &Path, id: &str) -> Result<StateDir, ContainerError> {
        // The directory may have been deleted (and the id even created anew) while we waited:
        // open_any only counts a lock on what the path names now.
        match StateDir::open_any(root, id)? {
            Some(dir) if dir.path.join(STATE_FILE).exists() => Ok(dir),
            _ => Err(ContainerError::NotExist(id.into())),
        }
    }

    pub fn fifo(&self) -> PathBuf {
        self.path.join(FIFO)
    }

    pub fn parked(&self) -> bool {
        parked(&self.path)
    }

    /// Writes the state file atomically, so a reader never sees half of it.
    pub fn save(&self, saved: &Saved) -> Result<(), ContainerError> {
        self.replace(STATE_FILE, &crate::spec::to_json(saved))
    }

    /// Records what create is about to make on the host, before making it.
    pub fn record(&self, footprint: &Footprint) -> Result<(), ContainerError> {
        self.replace(FOOTPRINT, &crate::spec::to_json(footprint))
    }

    /// The record of what create made; the error text says why there is none.
    pub fn footprint(&self) -> Result<Footprint, String> {
        let file = self.path.join(FOOTPRINT);
        let text = fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        crate::spec::from_json(&text).map_err(|e| format!("{}: {e}", file.display()))
    }

    fn replace(&self, name: &str, bytes: &[u8]) -> Result<(), ContainerError> {
        let tmp = self.path.join(format!(".{name}.tmp"));
        write_private(&tmp, bytes).map_err(|e| ContainerError::io("write", &tmp, e))?;
        let dest = self.path.join(name);
        fs::rename(&tmp, &dest).map_err(|e| ContainerError::io("rename", &dest, e))
    }

    pub fn load(&self) -> Result<Saved, ContainerError> {
        load(&self.path)
    }

    /// Removes the directory and everything in it.
    pub fn remove(self) -> Result<(), ContainerError> {
        match fs::remove_dir_all(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(ContainerError::io("remove", &self.path, e))
            }
            _ => Ok(()),
        }
    }
}

fn same_file(open: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (open.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

/// The state holds the whole config, environment secrets included: owner-only, like runc's.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

/// Container `id`'s directory under `root` and its state, read without taking its lock (for
/// the commands that only look or signal).
pub fn peek(root: &Path, id: &str) -> Result<(PathBuf, Saved), ContainerError> {
    super::id::validate(id)?;
    let path = root.join(id);
    let saved = load(&path)?;
    Ok((path, saved))
}

/// Reads a container's state without taking its lock (for `list` and `state`, which only look).
pub fn load(dir: &Path) -> Result<Saved, ContainerError> {
    let file = dir.join(STATE_FILE);
    let text = fs::read(&file).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            ContainerError::NotExist(dir.file_name().unwrap_or_default().to_string_lossy().into())
        }
        _ => ContainerError::io("read", &file, e),
    })?;
    crate::spec::from_json(&text)
        .map_err(|e| ContainerError::io("parse", &file, io::Error::other(e)))
}

/// Whether the container in state dir `dir` is still parked on its exec fifo (created).
pub fn parked(dir: &Path) -> bool {
    dir.join(FIFO).exists()
}
