use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum CgroupError {
    Io {
        op: &'static str,
        path: PathBuf,
        err: io::Error,
    },
    /// `linux.cgroupsPath` is unusable; the text says why.
    Path(String),
    /// A `linux.resources` field (path below it) that cannot be applied, and why.
    Invalid(&'static str, String),
    /// An existing cgroup already holds this many processes.
    NotEmpty(PathBuf, usize),
    /// An existing cgroup is frozen, where init would hang.
    Frozen(PathBuf),
    /// `exec --cgroup` named a path that climbs out of the container's cgroup.
    NotSub(PathBuf),
    /// An `org.systemd.property.*` annotation that is no unit property; the text says which.
    Annotation(String),
    /// What systemd or the bus said when asked to `op` a unit.
    Systemd {
        op: &'static str,
        unit: String,
        err: super::systemd::BusError,
    },
}

impl CgroupError {
    pub fn io(op: &'static str, path: &Path, err: io::Error) -> CgroupError {
        CgroupError::Io {
            op,
            path: path.to_path_buf(),
            err,
        }
    }
}

impl fmt::Display for CgroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CgroupError::Io { op, path, err } => {
                write!(f, "cgroup: {op} {}: {err}", path.display())
            }
            CgroupError::Path(msg) => write!(f, "linux.cgroupsPath: {msg}"),
            CgroupError::Annotation(msg) => f.write_str(msg),
            CgroupError::Invalid(field, msg) => write!(f, "linux.resources.{field}: {msg}"),
            CgroupError::Systemd { op, unit, err } => {
                write!(f, "systemd cgroup: {op} unit {unit}: {err}")
            }
            // Callers match runc's wording of these two.
            CgroupError::NotEmpty(path, n) => write!(
                f,
                "container's cgroup is not empty: {n} process(es) found in {}",
                path.display()
            ),
            CgroupError::NotSub(path) => {
                write!(f, "{} is not a sub cgroup path", path.display())
            }
            CgroupError::Frozen(path) => {
                write!(
                    f,
                    "container's cgroup unexpectedly frozen: {}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for CgroupError {}
