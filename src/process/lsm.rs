//! AppArmor and SELinux: the profile and label a process gets at execve, and the label files
//! are created with, written into the process's own /proc attr files through the verified
//! procfs handle (a fake /proc cannot swallow them). Requested on a host without the LSM,
//! they are refused before anything is made, as runc refuses them.

use super::error::ProcessError;
use crate::procfs::handle::Proc;
use crate::spec::{FieldError, Process};
use crate::sys::fs;
use std::io::{self, Write};
use std::path::Path;

const SELINUX_MAGIC: i64 = 0xf97c_ff8c;

fn apparmor_enabled() -> bool {
    std::fs::read("/sys/module/apparmor/parameters/enabled").is_ok_and(|v| v.starts_with(b"Y"))
}

fn selinux_enabled() -> bool {
    fs::openat(None, Path::new("/sys/fs/selinux"), libc::O_PATH, 0)
        .and_then(|fd| fs::fstatfs(std::os::fd::AsFd::as_fd(&fd)))
        .is_ok_and(|s| s.f_type as i64 == SELINUX_MAGIC)
}

fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// Whether AppArmor knows `profile`. Its list holds "name (mode)" lines; where it cannot be
/// read (no securityfs), the kernel's refusal at exec has to do.
fn apparmor_profile_loaded(profile: &str) -> bool {
    let Ok(list) = std::fs::read_to_string("/sys/kernel/security/apparmor/profiles") else {
        return true;
    };
    profile == "unconfined"
        || list
            .lines()
            .any(|l| l.rsplit_once(' ').is_some_and(|(name, _)| name == profile))
}

/// Refuses a profile or label this host cannot apply, before anything is made; the
/// disabled-LSM texts are runc's.
pub fn check(process: &Process, mount_label: &Option<String>) -> Result<(), FieldError> {
    // runc's texts name no field; callers match them whole.
    let runc = |text: &str| Err(FieldError::new("", text));
    if let Some(profile) = set(&process.apparmor_profile) {
        if !apparmor_enabled() {
            return runc(
                "apparmor profile is specified in config, but apparmor is disabled or not supported",
            );
        }
        if !apparmor_profile_loaded(profile) {
            return Err(FieldError::new(
                "process.apparmorProfile",
                format!("AppArmor profile {profile:?} is not loaded"),
            ));
        }
    }
    if set(&process.selinux_label).is_some() && !selinux_enabled() {
        return runc(
            "selinux label is specified in config, but selinux is disabled or not supported",
        );
    }
    if set(mount_label).is_some() && !selinux_enabled() {
        return runc(
            "selinux mount label is specified in config, but selinux is disabled or not supported",
        );
    }
    Ok(())
}

/// The AppArmor profile and SELinux label the next execve switches to.
pub fn apply(process: &Process) -> Result<(), ProcessError> {
    if let Some(profile) = set(&process.apparmor_profile) {
        let value = format!("exec {profile}");
        write_attr("apparmor/exec", &value)
            .or_else(|_| write_attr("exec", &value))
            .map_err(|e| ProcessError::failed("process.apparmorProfile", "write attr/exec", e))?;
    }
    if let Some(label) = set(&process.selinux_label) {
        write_attr("exec", label)
            .map_err(|e| ProcessError::failed("process.selinuxLabel", "write attr/exec", e))?;
    }
    Ok(())
}

/// The SELinux label files and directories made from now on get ("" resets it).
pub fn set_mount_label(label: &str) -> Result<(), ProcessError> {
    write_attr("fscreate", label)
        .map_err(|e| ProcessError::failed("linux.mountLabel", "write attr/fscreate", e))
}

/// Writes `value` to this thread's attr/`rel` in one write, as the LSMs require.
fn write_attr(rel: &str, value: &str) -> io::Result<()> {
    write_own("attr", rel, value)
}

fn write_own(dir: &str, rel: &str, value: &str) -> io::Result<()> {
    let proc = Proc::open()?;
    let path = proc.thread_self()?.join(dir).join(rel);
    let fd = proc.open_file(&path, libc::O_WRONLY | libc::O_CLOEXEC)?;
    std::fs::File::from(fd).write_all(value.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procfs::fake::with_tmpfs_over;
    use crate::sys::testing;

    fn process(apparmor: Option<&str>, selinux: Option<&str>) -> Process {
        Process {
            apparmor_profile: apparmor.map(Into::into),
            selinux_label: selinux.map(Into::into),
            ..Default::default()
        }
    }

    /// The test machine has neither LSM, the guest of tests/guest has AppArmor: a request
    /// for an LSM the host lacks is refused with runc's words, one it has passes, and empty
    /// values mean "none", as in runc.
    #[test]
    fn requests_are_checked_against_the_lsms_of_this_host() {
        assert!(!selinux_enabled(), "SELinux is enabled here");
        let none = None;
        let apparmor = |profile| check(&process(Some(profile), None), &none);
        let text = |r: Result<(), FieldError>| r.unwrap_err().to_string();
        match apparmor_enabled() {
            true => {
                assert_eq!(apparmor("unconfined"), Ok(()));
                assert_eq!(
                    text(apparmor("husk-not-loaded")),
                    "process.apparmorProfile: AppArmor profile \"husk-not-loaded\" is not loaded"
                );
            }
            false => assert_eq!(
                text(apparmor("docker-default")),
                "apparmor profile is specified in config, but apparmor is disabled or not supported"
            ),
        }
        assert_eq!(
            text(check(
                &process(None, Some("system_u:system_r:container_t:s0")),
                &none
            )),
            "selinux label is specified in config, but selinux is disabled or not supported"
        );
        let label = Some("system_u:object_r:container_file_t:s0".to_string());
        assert!(text(check(&process(None, None), &label))
            .starts_with("selinux mount label is specified"));
        assert_eq!(
            check(&process(Some(""), Some("")), &Some(String::new())),
            Ok(())
        );
    }

    /// The write path itself: a real procfs file takes the value whole (comm stands in for
    /// the attr files this kernel has no LSM behind); attr/exec without an LSM says why.
    #[test]
    fn attrs_are_written_through_the_verified_proc() {
        let (code, output) = testing::capture_in_child(|mut out| {
            let text = match write_own("", "comm", "husk-lsm") {
                Ok(()) => std::fs::read_to_string("/proc/thread-self/comm").unwrap(),
                Err(e) => format!("ERR {e}"),
            };
            let exec = apply(&process(None, Some("system_u:system_r:container_t:s0")));
            let _ = write!(out, "{}|{}", text.trim(), exec.unwrap_err());
            0
        })
        .unwrap();
        assert_eq!(code, 0);
        assert_eq!(
            output,
            "husk-lsm|process.selinuxLabel: write attr/exec: Invalid argument"
        );
    }

    #[test]
    fn a_fake_proc_cannot_take_an_lsm_write() {
        with_tmpfs_over("/proc", || {
            match set_mount_label("system_u:object_r:x:s0") {
                Ok(()) => Err("a label was written into a tmpfs over /proc".into()),
                Err(e) if e.to_string().contains("not on procfs") => Ok(()),
                Err(e) => Err(format!("unclear error: {e}")),
            }
        });
    }
}
