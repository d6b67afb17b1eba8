//! `husk features`: what this husk implements, in runtime-spec features.md's layout. One
//! function per section, each reporting only what the code does today.

use crate::process::{caps, mempolicy};
use crate::seccomp;
use crate::spec::OCI_VERSION;

/// Every mount option `mounts[].options` takes (flags, propagation, recursive mount_setattr
/// attributes, idmapped binds, tmpcopyup), space-separated: one string needs no relocation per name.
pub const MOUNT_OPTIONS: &str = "async atime bind defaults dev diratime dirsync exec idmap lazytime loud mand noatime nodev nodiratime noexec nolazytime nomand norelatime nostrictatime nosuid nosymfollow private ratime rbind rdev rdiratime relatime remount rexec ridmap rnoatime rnodev rnodiratime rnoexec rnorelatime rnostrictatime rnosuid rnosymfollow ro rprivate rrelatime rro rrw rshared rslave rstrictatime rsuid rsymfollow runbindable rw shared silent slave strictatime suid symfollow sync tmpcopyup unbindable";

/// The features document as compact JSON, members in runc's order.
/// `system`: whether `--system-containers` makes every container a system container, which
/// the `io.husk.system` annotation reports.
pub fn features(system: bool) -> String {
    object(&[
        ("ociVersionMin", string("1.0.0")),
        ("ociVersionMax", string(OCI_VERSION)),
        ("hooks", list(HOOKS.split(' '))),
        ("mountOptions", list(MOUNT_OPTIONS.split(' '))),
        ("linux", linux()),
        ("annotations", annotations(system)),
    ])
}

const HOOKS: &str = "prestart createRuntime createContainer startContainer poststart poststop";

fn linux() -> String {
    let on = || object(&[("enabled", "true".into())]);
    object(&[
        ("namespaces", list(NAMESPACES.split(' '))),
        ("capabilities", list(caps::NAMES.iter().copied())),
        ("cgroup", cgroup()),
        ("seccomp", seccomp()),
        ("apparmor", on()),
        ("selinux", on()),
        ("intelRdt", object(&[("enabled", "false".into())])),
        ("memoryPolicy", memory_policy()),
        ("mountExtensions", object(&[("idmap", on())])),
        ("netDevices", on()),
    ])
}

/// Sorted by name, as runc lists them.
fn memory_policy() -> String {
    let mut modes = mempolicy::MODES;
    modes.sort_unstable();
    object(&[
        ("modes", list(modes.iter().copied())),
        ("flags", list(mempolicy::FLAGS.iter().copied())),
    ])
}

/// husk's own compiler: no libseccomp version to report, and the supported flags are the
/// ones this kernel accepts.
fn seccomp() -> String {
    let supported: Vec<&str> = seccomp::supported_flags().collect();
    object(&[
        ("enabled", "true".into()),
        ("actions", list(seccomp::ACTIONS.iter().copied())),
        ("operators", list(seccomp::OPERATORS.iter().copied())),
        ("archs", list(seccomp::arch::KNOWN.iter().copied())),
        ("knownFlags", list(seccomp::FLAGS.iter().copied())),
        ("supportedFlags", list(supported.into_iter())),
    ])
}

/// Callers (containerd) read whether checkpoint works from here; runc says "true" as a
/// build with checkpoint support, whether CRIU is installed or not, and so does husk.
fn annotations(system: bool) -> String {
    object(&[
        ("org.opencontainers.runc.checkpoint.enabled", string("true")),
        (super::system::ANNOTATION, string(&system.to_string())),
    ])
}

const NAMESPACES: &str = "cgroup ipc mount network pid time user uts";

/// Placement and v1 device rules work in v1, hybrid and unified layouts, with cgroupfs or
/// systemd (the system manager, or the user's when rootless).
fn cgroup() -> String {
    let yes = |on: bool| on.to_string();
    object(&[
        ("v1", yes(true)),
        ("v2", yes(true)),
        ("systemd", yes(true)),
        ("systemdUser", yes(true)),
        ("rdma", yes(true)),
    ])
}

/// The names here are husk's own constants: nothing to escape.
fn string(s: &str) -> String {
    format!("\"{s}\"")
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(string).collect();
    format!("[{}]", items.join(","))
}

fn object(members: &[(&str, String)]) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{v}", string(k)))
        .collect();
    format!("{{{}}}", members.join(","))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_mount_option_is_one_husk_applies() {
        for o in super::MOUNT_OPTIONS.split(' ') {
            assert!(crate::rootfs::knows_mount_option(o), "{o}");
        }
        assert!(!crate::rootfs::knows_mount_option("x-systemd.automount"));
    }

    #[test]
    fn the_document_is_json_in_runc_order() {
        let text = super::features(false);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["linux"]["capabilities"][40], "CAP_CHECKPOINT_RESTORE");
        assert!(text.starts_with("{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\""));
        assert_eq!(v["annotations"]["io.husk.system"], "false");
        let all: serde_json::Value = serde_json::from_str(&super::features(true)).unwrap();
        assert_eq!(all["annotations"]["io.husk.system"], "true");
    }
}
