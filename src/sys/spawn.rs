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
    start(
        libc::posix_spawn,
        path,
        argv,
        Some(envp),
        fds,
        FileActions::new()?,
    )
}

/// Like [`spawn`], but with this process's environment when `envp` is None, and in `cwd`
/// when given (the child changes into it before execve; a relative `path` is found there).
pub fn spawn_in(
    path: &CStr,
    argv: &[CString],
    envp: Option<&[CString]>,
    fds: &[(RawFd, RawFd)],
    cwd: Option<&CStr>,
) -> io::Result<libc::pid_t> {
    let mut actions = FileActions::new()?;
    if let Some(dir) = cwd {
        actions.chdir(dir)?;
    }
    start(libc::posix_spawn, path, argv, envp, fds, actions)
}

/// Starts `program`, found in this process's PATH, with this process's environment.
pub fn spawn_in_path(
    program: &CStr,
    argv: &[CString],
    fds: &[(RawFd, RawFd)],
) -> io::Result<libc::pid_t> {
    start(
        libc::posix_spawnp,
        program,
        argv,
        None,
        fds,
        FileActions::new()?,
    )
}

type PosixSpawn = unsafe extern "C" fn(
    *mut libc::pid_t,
    *const libc::c_char,
    *const libc::posix_spawn_file_actions_t,
    *const libc::posix_spawnattr_t,
    *const *mut libc::c_char,
    *const *mut libc::c_char,
) -> libc::c_int;

fn start(
    how: PosixSpawn,
    path: &CStr,
    argv: &[CString],
    envp: Option<&[CString]>,
    fds: &[(RawFd, RawFd)],
    mut actions: FileActions,
) -> io::Result<libc::pid_t> {
    extern "C" {
        static environ: *const *mut libc::c_char;
    }
    let argv = null_terminated(argv);
    let envp = envp.map(null_terminated);
    for &(from, to) in fds {
        actions.dup2(from, to)?;
    }
    let attrs = CleanSignals::new()?;
    let mut pid: libc::pid_t = 0;
    // SAFETY: path, argv and envp (or this process's environ) are NUL-terminated arrays of
    // valid C strings that outlive the call; actions and attrs are initialised.
    let rc = unsafe {
        let envp = envp.as_ref().map_or(environ, |e| e.as_ptr());
        how(
            &mut pid,
            path.as_ptr(),
            &actions.0,
            &attrs.0,
            argv.as_ptr(),
            envp,
        )
    };
    check(rc)?;
    Ok(pid)
}

/// A C array of the strings' pointers, NULL-terminated, as exec-family calls take.
pub(crate) fn null_terminated(v: &[CString]) -> Vec<*mut libc::c_char> {
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
        check(unsafe { libc::posix_spawn_file_actions_init(&mut a) })?;
        Ok(FileActions(a))
    }

    fn dup2(&mut self, from: RawFd, to: RawFd) -> io::Result<()> {
        // SAFETY: self.0 was initialised by posix_spawn_file_actions_init.
        check(unsafe { libc::posix_spawn_file_actions_adddup2(&mut self.0, from, to) })
    }

    fn chdir(&mut self, dir: &CStr) -> io::Result<()> {
        // SAFETY: self.0 was initialised; musl copies the NUL-terminated path.
        check(unsafe { libc::posix_spawn_file_actions_addchdir_np(&mut self.0, dir.as_ptr()) })
    }
}

impl Drop for FileActions {
    fn drop(&mut self) {
        // SAFETY: self.0 was initialised and is destroyed exactly once.
        unsafe { libc::posix_spawn_file_actions_destroy(&mut self.0) };
    }
}

/// Spawn attributes giving the child an empty signal mask and default dispositions, whatever
/// the parent blocks or ignores (`run` blocks every signal to forward them).
struct CleanSignals(libc::posix_spawnattr_t);

impl CleanSignals {
    fn new() -> io::Result<Self> {
        // SAFETY: an all-zero value is a valid target for posix_spawnattr_init.
        let mut raw: libc::posix_spawnattr_t = unsafe { std::mem::zeroed() };
        // SAFETY: raw is writable; only once this succeeded is it wrapped (and later destroyed).
        check(unsafe { libc::posix_spawnattr_init(&mut raw) })?;
        let mut a = CleanSignals(raw);
        // SAFETY: sigset_t values are fully initialised by sigemptyset/sigfillset.
        let (mut none, mut all): (libc::sigset_t, libc::sigset_t) =
            unsafe { (std::mem::zeroed(), std::mem::zeroed()) };
        // SAFETY: pointers to valid sigset_t values.
        unsafe {
            libc::sigemptyset(&mut none);
            libc::sigfillset(&mut all);
        }
        let flags = (libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF) as libc::c_short;
        // SAFETY: a.0 is initialised; the sets are valid for the duration of each call.
        unsafe {
            check(libc::posix_spawnattr_setsigmask(&mut a.0, &none))?;
            check(libc::posix_spawnattr_setsigdefault(&mut a.0, &all))?;
            check(libc::posix_spawnattr_setflags(&mut a.0, flags))?;
        }
        Ok(a)
    }
}

impl Drop for CleanSignals {
    fn drop(&mut self) {
        // SAFETY: self.0 was initialised and is destroyed exactly once.
        unsafe { libc::posix_spawnattr_destroy(&mut self.0) };
    }
}

fn check(rc: libc::c_int) -> io::Result<()> {
    match rc {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}
