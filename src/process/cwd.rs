//! Entering `process.cwd`, refusing a directory outside the container root.

use super::error::ProcessError;
use std::os::unix::ffi::OsStrExt;

/// chdir, then check with getcwd that the result is reachable from the root. A cwd such as
/// /proc/self/fd/N can name a directory fd leaked from the host; the kernel then reports the
/// path as "(unreachable)/..." (or getcwd fails), and starting the payload there would hand it
/// the host filesystem (CVE-2024-21626).
pub fn enter(cwd: &str) -> Result<(), ProcessError> {
    std::env::set_current_dir(cwd)
        .map_err(|e| ProcessError::failed("process.cwd", format!("chdir {cwd:?}"), e))?;
    let actual = std::env::current_dir().map_err(|e| {
        ProcessError::failed(
            "process.cwd",
            format!("{cwd:?} is outside the container root (getcwd)"),
            e,
        )
    })?;
    if actual.as_os_str().as_bytes().first() != Some(&b'/') {
        return Err(ProcessError::invalid(
            "process.cwd",
            format!(
                "{cwd:?} is outside the container root (resolves to {:?})",
                actual
            ),
        ));
    }
    Ok(())
}
