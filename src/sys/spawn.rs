//! Starting a child with chosen fds through posix_spawn, which musl runs as a vfork: cheaper
//! than fork for every container start.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::RawFd;

/// Starts `path` with `argv` and `envp`; each `(from, to)` in `fds` is dup'ed onto `to` in the
/// child (and so loses close-on-exec). Every other close-on-exec fd stays closed.
pub fn spawn(
    path: &CStr,
    argv: &[CString],
    envp: &[CString],
    fds: &[(RawFd, RawFd)],
) -> io::Result<libc::pid_t> {
    let argv = null_terminated(argv);
    let envp = null_terminated(envp);
    let mut actions = FileActions::new()?;
    for &(from, to) in fds {
        actions.dup2(from, to)?;
    }
    let mut pid: libc::pid_t = 0;
    // SAFETY: path, argv and envp are NUL-terminated arrays of valid C strings that outlive the
    // call; actions is initialised; attributes are null (defaults).
    let rc = unsafe {
        libc::posix_spawn(
            &mut pid,
            path.as_ptr(),
            &actions.0,
            std::ptr::null(),
            argv.as_ptr(),
            envp.as_ptr(),
        )
    };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(pid)
}

fn null_terminated(v: &[CString]) -> Vec<*mut libc::c_char> {
    v.iter()
        .map(|s| s.as_ptr() as *mut _)
        .chain(std::iter::once(std::ptr::null_mut()))
        .collect()
}

struct FileActions(libc::posix_spawn_file_actions_t);

impl FileActions {
    fn new() -> io::Result<Self> {
        // SAFETY: an all-zero value is a valid target for posix_spawn_file_actions_init.
        let mut a: libc::posix_spawn_file_actions_t = unsafe { std::mem::zeroed() };
        // SAFETY: a is a valid, writable file-actions object.
        let rc = unsafe { libc::posix_spawn_file_actions_init(&mut a) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(FileActions(a))
    }

    fn dup2(&mut self, from: RawFd, to: RawFd) -> io::Result<()> {
        // SAFETY: self.0 was initialised by posix_spawn_file_actions_init.
        let rc = unsafe { libc::posix_spawn_file_actions_adddup2(&mut self.0, from, to) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(())
    }
}

impl Drop for FileActions {
    fn drop(&mut self) {
        // SAFETY: self.0 was initialised and is destroyed exactly once.
        unsafe { libc::posix_spawn_file_actions_destroy(&mut self.0) };
    }
}
