//! The one error type of process setup. Every variant names the config field (or path) it is
//! about, so the parent can print it as a single line the user can act on.

use std::fmt;
use std::io;

#[derive(Debug)]
pub enum ProcessError {
    /// The config asks for something impossible; found before anything was changed.
    Invalid { field: String, reason: String },
    /// A step failed in the kernel: `action` says what was attempted.
    Failed {
        field: String,
        action: String,
        source: io::Error,
    },
    /// `args[0]` has no slash and is in no `$PATH` directory.
    NotFound { program: String },
    /// `args[0]` is a path that cannot be stat'ed (runc's text names the stat).
    Stat { program: String, source: io::Error },
    /// `args[0]` is a path to a directory or to a file without execute permission.
    NotExecutable { program: String },
    /// execve itself failed.
    Exec { path: String, source: io::Error },
}

impl ProcessError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ProcessError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn failed(
        field: impl Into<String>,
        action: impl Into<String>,
        source: io::Error,
    ) -> Self {
        ProcessError::Failed {
            field: field.into(),
            action: action.into(),
            source,
        }
    }

    /// A refusal found while checking the config, as the config's error.
    pub fn into_field(self) -> crate::spec::FieldError {
        match self {
            ProcessError::Invalid { field, reason } => crate::spec::FieldError::new(field, reason),
            other => crate::spec::FieldError::new("", other.to_string()),
        }
    }

    /// True when the program to run does not exist, so the caller can exit 127 like a shell.
    pub fn is_not_found(&self) -> bool {
        match self {
            ProcessError::NotFound { .. } => true,
            ProcessError::Stat { source, .. } | ProcessError::Exec { source, .. } => {
                source.kind() == io::ErrorKind::NotFound
            }
            _ => false,
        }
    }
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::Invalid { field, reason } => write!(f, "{field}: {reason}"),
            ProcessError::Failed {
                field,
                action,
                source,
            } => write!(f, "{field}: {action}: {}", crate::log::errno_text(source)),
            ProcessError::NotFound { program } => {
                write!(f, "exec: {program:?}: executable file not found in $PATH")
            }
            // Engines read these texts: podman maps "no such file or directory" to exit 127
            // and "permission denied" to 126, as it does for runc.
            ProcessError::Stat { program, source } => {
                write!(
                    f,
                    "exec: {program:?}: stat {program}: {}",
                    crate::log::errno_text(source)
                )
            }
            ProcessError::NotExecutable { program } => {
                write!(f, "exec: {program:?}: permission denied")
            }
            // Go's os.PathError, as runc 1.3 prints a failed execve and tests match it.
            ProcessError::Exec { path, source } => {
                write!(
                    f,
                    "exec {path}: {}",
                    crate::log::errno_text(source).to_ascii_lowercase()
                )
            }
        }
    }
}

impl std::error::Error for ProcessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProcessError::Failed { source, .. }
            | ProcessError::Stat { source, .. }
            | ProcessError::Exec { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_is_one_line_with_plain_errno_text() {
        let err = ProcessError::failed(
            "process.rlimits[0]",
            "setrlimit RLIMIT_CORE",
            io::Error::from_raw_os_error(libc::EPERM),
        );
        assert_eq!(
            err.to_string(),
            "process.rlimits[0]: setrlimit RLIMIT_CORE: Operation not permitted"
        );
    }

    #[test]
    fn not_found_covers_path_miss_and_execve_enoent() {
        let miss = ProcessError::NotFound {
            program: "foo".into(),
        };
        assert!(miss.is_not_found());
        assert_eq!(
            miss.to_string(),
            "exec: \"foo\": executable file not found in $PATH"
        );
        let enoent = ProcessError::Exec {
            path: "/x".into(),
            source: io::Error::from_raw_os_error(libc::ENOENT),
        };
        assert!(enoent.is_not_found());
        let eacces = ProcessError::Exec {
            path: "/x".into(),
            source: io::Error::from_raw_os_error(libc::EACCES),
        };
        assert!(!eacces.is_not_found());
        assert_eq!(enoent.to_string(), "exec /x: no such file or directory");
    }
}
