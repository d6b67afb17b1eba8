//! Turning `process` into the state of the init process, in the order the kernel's privilege
//! rules require, ending with everything execve needs.

use super::caps::{self, CapSets};
use super::error::ProcessError;
use super::{cwd, fds, keyring, lookpath, personality, rlimits, sched, user};
use crate::spec::{Capabilities, Personality, Process};
use crate::sys::caps as sys_caps;
use crate::sys::proc as sys_proc;
use crate::sys::seccomp::{self as sys_seccomp, Program};
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt;

const DEFAULT_UMASK: u32 = 0o022;

/// What `exec` needs: all strings already converted, so nothing can fail between the exec fifo
/// and execve except execve itself.
#[derive(Debug)]
pub struct Prepared {
    pub(crate) path: CString,
    pub(crate) argv: Vec<CString>,
    pub(crate) envp: Vec<CString>,
    /// A filter still to install, right before execve.
    pub(crate) seccomp: Option<Program>,
}

/// A compiled filter and what to do with its user-notification listener: hand it to the
/// runtime, which passes it on to the agent. That happens right after install, since any call
/// after it may be one the agent must answer.
pub struct Filter<'a> {
    pub program: Program,
    pub hand: &'a mut dyn FnMut(OwnedFd) -> std::io::Result<()>,
}

impl Prepared {
    /// Installs a filter still pending now instead of right before execve, so that what runs
    /// in between (the startContainer hooks) runs under it, as with runc.
    pub fn install_pending_filter(&mut self) -> Result<(), ProcessError> {
        install(self.seccomp.take()).map(drop)
    }

    /// The resolved program, e.g. "/bin/sh" for args[0] "sh".
    #[cfg(test)]
    pub fn path(&self) -> &std::ffi::CStr {
        &self.path
    }
}

/// Applies `process` to the calling process. `keep_fds` descriptors after stdio are preserved
/// for the payload; every other descriptor is marked close-on-exec now, so none survives into
/// the payload even if the caller forgets one.
///
/// The `seccomp` filter goes in as late as it can: right before execve when no_new_privs or
/// a kept CAP_SYS_ADMIN allows it there; before the switch of user and capabilities when
/// neither will (as runc); at the end of this setup when its listener must reach the runtime
/// first.
pub fn prepare(
    process: &Process,
    personality: Option<&Personality>,
    keep_fds: i32,
    no_new_keyring: bool,
    keep_groups: bool,
    mut seccomp: Option<Filter<'_>>,
) -> Result<Prepared, ProcessError> {
    fds::close_stray_fds(keep_fds)?;
    rlimits::apply(&process.rlimits)?;
    sched::apply(process)?;
    if !no_new_keyring {
        keyring::join_new_session()?;
    }
    if let Some(personality) = personality {
        personality::apply(personality)?;
    }
    super::lsm::apply(process)?;
    if !process.no_new_privileges && !keeps_sys_admin(process) {
        install_and_hand(seccomp.take())?;
    }
    let env = super::env::prepare(&process.env, process.user.uid);
    let entered = enter_cwd_privileged(&process.cwd)?;
    set_identity(process, keep_groups)?;
    sys_proc::umask(process.user.umask.unwrap_or(DEFAULT_UMASK));
    if !entered {
        cwd::enter(&process.cwd)?;
    }
    let mut prepared = resolve(process, &env)?;
    if process.no_new_privileges {
        sys_caps::set_no_new_privs().map_err(|e| {
            ProcessError::failed("process.noNewPrivileges", "prctl PR_SET_NO_NEW_PRIVS", e)
        })?;
    }
    if seccomp.as_ref().is_some_and(|f| f.program.has_listener()) {
        install_and_hand(seccomp.take())?;
    }
    prepared.seccomp = seccomp.map(|f| f.program);
    Ok(prepared)
}

/// The cwd is entered before the switch of user, as runc does, so a directory only the
/// runtime's user may enter still works; where that user is denied (a user namespace's root
/// facing a directory owned by the container's user), false says to try again after it.
fn enter_cwd_privileged(cwd: &str) -> Result<bool, ProcessError> {
    match cwd::enter(cwd) {
        Ok(()) => Ok(true),
        Err(ProcessError::Failed { source, .. })
            if source.kind() == std::io::ErrorKind::PermissionDenied =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Whether the payload keeps CAP_SYS_ADMIN in its effective set, which lets it install a
/// filter without no_new_privs: root without a `capabilities` object keeps all it has.
fn keeps_sys_admin(process: &Process) -> bool {
    match &process.capabilities {
        None => process.user.uid == 0,
        Some(c) => c
            .effective
            .as_ref()
            .is_some_and(|e| e.iter().any(|n| n == "CAP_SYS_ADMIN")),
    }
}

fn install_and_hand(filter: Option<Filter<'_>>) -> Result<(), ProcessError> {
    let Some(filter) = filter else {
        return Ok(());
    };
    match install(Some(filter.program))? {
        Some(listener) => (filter.hand)(listener).map_err(|e| {
            ProcessError::failed("linux.seccomp", "hand the listener to the runtime", e)
        }),
        None => Ok(()),
    }
}

pub(crate) fn install(filter: Option<Program>) -> Result<Option<OwnedFd>, ProcessError> {
    match filter {
        Some(f) => sys_seccomp::install(&f).map_err(|e| {
            ProcessError::failed("linux.seccomp", "seccomp SECCOMP_SET_MODE_FILTER", e)
        }),
        None => Ok(None),
    }
}

/// Without `capabilities` the kernel's own rules apply: root keeps its sets, any other uid
/// loses them at setresuid.
fn set_identity(process: &Process, keep_groups: bool) -> Result<(), ProcessError> {
    match &process.capabilities {
        Some(config) => switch_user_keeping(process, config, keep_groups),
        None => user::switch(&process.user, keep_groups),
    }
}

/// The bounding set must shrink while still privileged, and keep-caps stops setresuid from
/// clearing the permitted set that capset then narrows to the configured one.
fn switch_user_keeping(
    process: &Process,
    config: &Capabilities,
    keep_groups: bool,
) -> Result<(), ProcessError> {
    let last_cap = caps::last_cap();
    let sets = CapSets::parse(config).limit_to(last_cap);
    caps::drop_bounding(sets.bounding, last_cap)?;
    set_keep_caps(true)?;
    user::switch(&process.user, keep_groups)?;
    set_keep_caps(false)?;
    caps::apply(&sets)
}

fn set_keep_caps(keep: bool) -> Result<(), ProcessError> {
    sys_caps::set_keep_caps(keep).map_err(|e| {
        ProcessError::failed(
            "process.capabilities",
            format!("prctl PR_SET_KEEPCAPS {}", u8::from(keep)),
            e,
        )
    })
}

/// Runs after chdir so that a relative PATH element means the container's cwd.
fn resolve(process: &Process, env: &[String]) -> Result<Prepared, ProcessError> {
    let program = process
        .args
        .first()
        .ok_or_else(|| ProcessError::invalid("process.args", "must not be empty"))?;
    let path = lookpath::look_path(program, &process.env)?;
    Ok(Prepared {
        path: c_string("process.args[0]", path.into_os_string().into_vec())?,
        argv: c_strings("process.args", &process.args)?,
        envp: c_strings("process.env", env)?,
        seccomp: None,
    })
}

fn c_strings(field: &str, strings: &[String]) -> Result<Vec<CString>, ProcessError> {
    strings
        .iter()
        .enumerate()
        .map(|(i, s)| c_string(&format!("{field}[{i}]"), s.clone().into_bytes()))
        .collect()
}

fn c_string(field: &str, bytes: Vec<u8>) -> Result<CString, ProcessError> {
    CString::new(bytes).map_err(|_| ProcessError::invalid(field, "contains a NUL byte"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Rlimit, User};
    use crate::sys::testing;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    fn process(user: User) -> Process {
        Process {
            user,
            args: vec!["true".into()],
            env: vec!["PATH=/usr/bin:/bin".into()],
            cwd: "/".into(),
            ..Default::default()
        }
    }

    fn names(names: &[&str]) -> Option<Vec<String>> {
        Some(names.iter().map(|n| n.to_string()).collect())
    }

    /// Runs `prepare` in a forked child and returns its /proc/self/status, or the error text.
    fn status_after(process: Process) -> Result<String, String> {
        let (code, output) = testing::capture_in_child(move |mut out| {
            let text = match prepare(&process, None, 0, false, false, None) {
                Ok(_) => std::fs::read_to_string("/proc/self/status").unwrap(),
                Err(e) => format!("ERR {e}"),
            };
            out.write_all(text.as_bytes()).unwrap();
            0
        })
        .unwrap();
        assert_eq!(code, 0, "child failed: {output}");
        match output.strip_prefix("ERR ") {
            Some(err) => Err(err.to_string()),
            None => Ok(output),
        }
    }

    fn field<'a>(status: &'a str, name: &str) -> &'a str {
        status
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in status"))
            .trim()
    }

    #[test]
    fn user_groups_caps_and_no_new_privs() {
        let mut p = process(User {
            uid: 1000,
            gid: 1000,
            additional_gids: vec![5, 6],
            ..Default::default()
        });
        p.capabilities = Some(Capabilities {
            bounding: names(&["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]),
            permitted: names(&["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]),
            effective: names(&["CAP_KILL", "CAP_NET_BIND_SERVICE"]),
            inheritable: names(&["CAP_CHOWN", "CAP_NET_BIND_SERVICE"]),
            ambient: names(&["CAP_NET_BIND_SERVICE"]),
        });
        p.no_new_privileges = true;
        let status = status_after(p).unwrap();
        assert_eq!(field(&status, "Uid"), "1000\t1000\t1000\t1000");
        assert_eq!(field(&status, "Gid"), "1000\t1000\t1000\t1000");
        assert_eq!(field(&status, "Groups"), "5 6");
        assert_eq!(field(&status, "CapBnd"), "0000000000000421");
        assert_eq!(field(&status, "CapPrm"), "0000000000000421");
        assert_eq!(field(&status, "CapEff"), "0000000000000420");
        assert_eq!(field(&status, "CapInh"), "0000000000000401");
        assert_eq!(field(&status, "CapAmb"), "0000000000000400");
        assert_eq!(field(&status, "NoNewPrivs"), "1");
    }

    #[test]
    fn without_capabilities_root_keeps_its_sets() {
        let before = std::fs::read_to_string("/proc/self/status").unwrap();
        let status = status_after(process(User::default())).unwrap();
        for set in ["CapEff", "CapPrm", "CapBnd"] {
            assert_eq!(field(&status, set), field(&before, set), "{set}");
        }
        assert_eq!(field(&status, "NoNewPrivs"), "0");
    }

    #[test]
    fn umask_is_configured_or_defaults_to_0022() {
        let status = status_after(process(User::default())).unwrap();
        assert_eq!(field(&status, "Umask"), "0022");
        let status = status_after(process(User {
            umask: Some(0o027),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(field(&status, "Umask"), "0027");
    }

    #[test]
    fn raising_a_hard_rlimit_without_cap_sys_resource_is_refused() {
        let (code, output) = testing::capture_in_child(|mut out| {
            sys_proc::setrlimit(libc::RLIMIT_NOFILE, 1024, 20000).unwrap();
            let all = (1u64 << (caps::last_cap() + 1)) - 1;
            let without_sys_resource = all & !(1 << caps::number("CAP_SYS_RESOURCE").unwrap());
            sys_caps::capset(without_sys_resource, without_sys_resource, 0).unwrap();
            let mut p = process(User::default());
            p.rlimits = vec![Rlimit {
                kind: "RLIMIT_NOFILE".into(),
                soft: 30000,
                hard: 30000,
            }];
            let text = match prepare(&p, None, 0, false, false, None) {
                Ok(_) => "prepared".to_string(),
                Err(e) => e.to_string(),
            };
            out.write_all(text.as_bytes()).unwrap();
            0
        })
        .unwrap();
        assert_eq!(code, 0);
        assert_eq!(
            output,
            "process.rlimits[0]: cannot raise RLIMIT_NOFILE hard limit to 30000 (current 20000): \
             Operation not permitted"
        );
    }

    #[test]
    fn cwd_through_a_leaked_fd_outside_the_root_is_refused() {
        let root = std::env::temp_dir().join(format!("husk-cwd-root-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let root_str = root.to_str().unwrap().to_string();
        let (code, output) = testing::capture_in_child(move |mut out| {
            let outside = std::fs::File::open("/").unwrap();
            testing::enter_root_with_proc(&root_str).unwrap();
            let mut p = process(User::default());
            p.cwd = format!("/proc/self/fd/{}", outside.as_raw_fd());
            let text = match prepare(&p, None, 0, false, false, None) {
                Ok(_) => "prepared".to_string(),
                Err(e) => e.to_string(),
            };
            out.write_all(text.as_bytes()).unwrap();
            0
        })
        .unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(code, 0);
        assert!(
            output.starts_with("process.cwd: \"/proc/self/fd/")
                && output.contains("is outside the container root"),
            "{output}"
        );
    }

    #[test]
    fn personality_linux32_is_applied() {
        let (code, output) = testing::capture_in_child(|mut out| {
            let linux32 = Personality {
                domain: "LINUX32".into(),
                flags: vec![],
            };
            let text = match prepare(
                &process(User::default()),
                Some(&linux32),
                0,
                true,
                false,
                None,
            ) {
                Ok(_) => std::fs::read_to_string("/proc/self/personality").unwrap(),
                Err(e) => e.to_string(),
            };
            out.write_all(text.as_bytes()).unwrap();
            0
        })
        .unwrap();
        assert_eq!(code, 0);
        assert_eq!(output.trim(), "00000008");
    }

    #[test]
    fn args0_is_resolved_in_path_from_env() {
        let (code, output) = testing::capture_in_child(|mut out| {
            let mut p = process(User::default());
            p.args = vec!["busybox".into(), "true".into()];
            p.env = vec!["PATH=/nonexistent:/bin".into()];
            let text = match prepare(&p, None, 0, true, false, None) {
                Ok(prepared) => prepared.path().to_string_lossy().into_owned(),
                Err(e) => e.to_string(),
            };
            out.write_all(text.as_bytes()).unwrap();
            0
        })
        .unwrap();
        assert_eq!(code, 0);
        assert_eq!(output, "/bin/busybox");
    }
}
