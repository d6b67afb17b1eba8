use super::idrange::IdRangeError;
use crate::cgroups::CgroupError;
use crate::criu::CriuError;
use crate::launch::spawn::SpawnError;
use crate::process::error::ProcessError;
use crate::process::hooks::HookError;
use crate::spec::{FieldError, SpecError, Status};
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything a lifecycle command can fail with. The texts keep runc's wording where callers
/// match it (`does not exist`, `container not running`, `container with id exists`).
#[derive(Debug)]
pub enum ContainerError {
    InvalidId(String),
    Exists(String),
    NotExist(String),
    NotRunning(String),
    /// The container is in `status`, and `action` needs another.
    WrongStatus {
        id: String,
        action: &'static str,
        status: Status,
    },
    Spec(SpecError),
    /// A config value refused once its file is out of view (update, a rootless cgroup).
    Field(FieldError),
    /// A command-line flag that cannot be honoured: the flag as given, and why.
    Flag {
        flag: String,
        reason: String,
    },
    /// A combination of flags and config refused in runc's own words, which callers match.
    Usage(&'static str),
    /// Init's own error line, read from the exec fifo after `start`.
    Init(String),
    /// `ps` could not run or its output could not be read.
    Ps(ProcessError),
    Cgroup(CgroupError),
    Hook(HookError),
    Spawn(SpawnError),
    /// No id range is free for a system container, or its table cannot be kept.
    IdRange(IdRangeError),
    /// CRIU failed, with the line of its log that says why when there is one.
    Criu(CriuError, Option<String>),
    Io {
        what: String,
        path: PathBuf,
        err: io::Error,
    },
}

impl ContainerError {
    pub fn io(what: &str, path: impl Into<PathBuf>, err: io::Error) -> ContainerError {
        ContainerError::Io {
            what: what.to_string(),
            path: path.into(),
            err,
        }
    }

    /// The exit status runc's callers expect: 127 when the executable does not exist.
    pub fn exit_code(&self) -> i32 {
        match self {
            ContainerError::Spawn(e) if e.is_not_found() => 127,
            _ => 1,
        }
    }
}

impl fmt::Display for ContainerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ContainerError::*;
        match self {
            InvalidId(why) => write!(f, "invalid container ID format: {why}"),
            Exists(id) => write!(f, "container with id exists: {id}"),
            NotExist(id) => write!(f, "container does not exist: {id}"),
            NotRunning(id) => write!(f, "container not running: {id}"),
            WrongStatus {
                id,
                action: "delete",
                status,
            } => {
                write!(
                    f,
                    "cannot delete container {id} that is not stopped: {status}"
                )
            }
            WrongStatus {
                action: "exec",
                status: Status::Paused,
                ..
            } => f.write_str("cannot exec in a paused container (use --ignore-paused to override)"),
            WrongStatus {
                action: "exec",
                status,
                ..
            } => write!(f, "cannot exec in a {status} container"),
            WrongStatus {
                action: "checkpoint",
                status,
                ..
            } => write!(f, "Container cannot be checkpointed in {status} state"),
            WrongStatus { id, action, status } => {
                write!(f, "cannot {action} container {id}: it is {status}")
            }
            Spec(e) => e.fmt(f),
            Field(e) => e.fmt(f),
            Flag { flag, reason } => write!(f, "{flag}: {reason}"),
            Usage(text) => f.write_str(text),
            Init(line) => f.write_str(line),
            Ps(e) => e.fmt(f),
            Cgroup(e) => e.fmt(f),
            Hook(e) => e.fmt(f),
            Spawn(e) => e.fmt(f),
            IdRange(e) => e.fmt(f),
            Criu(e, None) => e.fmt(f),
            Criu(e, Some(line)) => write!(f, "{e}: {line}"),
            Io { what, path, err } => write!(f, "{what} {}: {err}", path.display()),
        }
    }
}

impl std::error::Error for ContainerError {}

wrap_errors!(
    ContainerError: Spec(SpecError),
    Field(FieldError),
    Cgroup(CgroupError),
    Hook(HookError),
    Spawn(SpawnError),
    IdRange(IdRangeError)
);
