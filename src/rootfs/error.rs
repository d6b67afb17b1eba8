//! The one error type of rootfs setup: what was being done, to which path, and why it failed.

use std::fmt;
use std::io;

#[derive(Debug)]
pub struct RootfsError {
    context: String,
    cause: Cause,
}

#[derive(Debug)]
enum Cause {
    Os(io::Error),
    Refused(String),
}

impl RootfsError {
    /// A failed system call; `context` names the operation and the path, e.g. "mount proc on /proc".
    pub fn os(context: impl Into<String>, err: io::Error) -> Self {
        RootfsError {
            context: context.into(),
            cause: Cause::Os(err),
        }
    }

    /// Something husk refuses on purpose (a bad option, a forged /dev/null, a fake /proc).
    pub fn refused(context: impl Into<String>, why: impl Into<String>) -> Self {
        RootfsError {
            context: context.into(),
            cause: Cause::Refused(why.into()),
        }
    }

    /// The OS error behind this failure, if it came from a system call.
    pub fn os_error(&self) -> Option<&io::Error> {
        match &self.cause {
            Cause::Os(e) => Some(e),
            Cause::Refused(_) => None,
        }
    }
}

impl fmt::Display for RootfsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Os(e) => write!(f, "{}: {}", self.context, crate::log::errno_text(e)),
            Cause::Refused(why) => write!(f, "{}: {}", self.context, why),
        }
    }
}

impl std::error::Error for RootfsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Os(e) => Some(e),
            Cause::Refused(_) => None,
        }
    }
}

/// Attaches context to an io::Result lazily, so the happy path formats nothing.
pub trait Context<T> {
    fn context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T, RootfsError>;
}

impl<T> Context<T> for io::Result<T> {
    fn context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T, RootfsError> {
        self.map_err(|e| RootfsError::os(what(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_context_and_os_error() {
        let e = RootfsError::os(
            "mount proc on /proc (destination of mounts[2])",
            io::Error::from_raw_os_error(libc::EPERM),
        );
        assert_eq!(
            e.to_string(),
            "mount proc on /proc (destination of mounts[2]): Operation not permitted"
        );
    }
}
