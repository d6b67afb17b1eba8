//! Running OCI hooks: each gets the container's state JSON on stdin, and a hook that fails,
//! or outlives its timeout, fails the step it belongs to.

use crate::spec::Hook;
use crate::sys::{fd, spawn, wait};
use std::ffi::CString;
use std::fmt;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug)]
pub struct HookError {
    pub stage: &'static str,
    pub index: usize,
    pub path: PathBuf,
    pub reason: String,
}

impl fmt::Display for HookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error running {} hook #{} ({}): {}",
            self.stage,
            self.index,
            self.path.display(),
            self.reason
        )
    }
}

impl std::error::Error for HookError {}

/// Where a kind of hook runs, as runc runs it: the directory it starts in (None: the caller's
/// own), and the environment a hook without `env` gets (None: the caller's own, as Go's
/// exec gives it; startContainer hooks get the container process's).
#[derive(Clone, Copy)]
pub struct Setting<'a> {
    pub cwd: Option<&'a Path>,
    pub default_env: Option<&'a [CString]>,
}

/// Runs `hooks` in order; `stage` names them in errors (`prestart`, `createRuntime`, ...).
pub fn run(
    stage: &'static str,
    hooks: &[Hook],
    state: &[u8],
    setting: Setting<'_>,
) -> Result<(), HookError> {
    for (index, hook) in hooks.iter().enumerate() {
        run_one(hook, state, setting).map_err(|reason| HookError {
            stage,
            index,
            path: hook.path.clone(),
            reason,
        })?;
    }
    Ok(())
}

fn run_one(hook: &Hook, state: &[u8], setting: Setting<'_>) -> Result<(), String> {
    let path = cstring(hook.path.as_os_str().as_bytes())?;
    let argv = match hook.args.is_empty() {
        true => vec![path.clone()],
        false => hook
            .args
            .iter()
            .map(|a| cstring(a.as_bytes()))
            .collect::<Result<_, _>>()?,
    };
    let envp = hook
        .env
        .iter()
        .map(|e| cstring(e.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    let envp = match (hook.env.is_empty(), setting.default_env) {
        (false, _) => Some(envp.as_slice()),
        (true, default) => default,
    };
    let cwd = setting
        .cwd
        .map(|d| cstring(d.as_os_str().as_bytes()))
        .transpose()?;
    let (r, w) = fd::pipe().map_err(|e| format!("pipe: {e}"))?;
    let stdin = [(std::os::fd::AsRawFd::as_raw_fd(&r), 0)];
    let pid =
        spawn::spawn_in(&path, &argv, envp, &stdin, cwd.as_deref()).map_err(|e| e.to_string())?;
    drop(r);
    feed(w, state);
    let status = wait_for(pid, hook.timeout)?;
    match wait::exit_code(status) {
        0 => Ok(()),
        code if code > 128 => Err(format!("killed by signal {}", code - 128)),
        code => Err(format!("exit status {code}")),
    }
}

/// Writes the state without ever blocking, so a hook that never reads stdin still meets its
/// timeout; one that exits without reading it is not an error.
fn feed(w: std::os::fd::OwnedFd, state: &[u8]) {
    if fd::fit_pipe_nonblocking(&w, state.len()).is_ok() {
        let _ = std::fs::File::from(w).write_all(state);
    }
}

fn wait_for(pid: libc::pid_t, timeout: Option<i64>) -> Result<libc::c_int, String> {
    let Some(secs) = timeout else {
        return wait::waitpid(pid).map_err(|e| format!("wait: {e}"));
    };
    match wait::waitpid_timeout(pid, Duration::from_secs(secs.max(0) as u64)) {
        Ok(Some(status)) => Ok(status),
        Ok(None) => {
            let _ = wait::kill(pid, libc::SIGKILL);
            let _ = wait::waitpid(pid);
            Err(format!("killed after running past its timeout of {secs}s"))
        }
        Err(e) => Err(format!("wait: {e}")),
    }
}

fn cstring(b: &[u8]) -> Result<CString, String> {
    CString::new(b).map_err(|_| format!("{:?} contains a NUL byte", String::from_utf8_lossy(b)))
}
