//! The config.json that `husk spec` writes: runc's example, field for field, so tools and
//! docs written against `runc spec` keep working.

use super::state::OCI_VERSION;
use super::{
    Capabilities, DeviceRule, IdMapping, Linux, Mount, Namespace, NamespaceType, Process,
    Resources, Rlimit, Root, Spec,
};
use crate::sys::ids;
use std::path::Path;

const DEFAULT_CAPS: [&str; 3] = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

const MASKED_PATHS: [&str; 10] = [
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
];

const READONLY_PATHS: [&str; 5] = [
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// The example config, with a cgroup namespace when the host runs cgroup v2 only, as runc
/// adds one there.
pub fn example() -> Spec {
    example_for(cgroup2_unified())
}

/// `spec --rootless`: no network namespace (an unprivileged user cannot wire one up), a
/// user namespace mapping root to the caller, sysfs bind-mounted instead of mounted (a new
/// sysfs needs a network namespace the user owns), no uid=/gid= mount options (those ids are
/// unmapped) and no cgroup limits (the user cannot write them).
pub fn make_rootless(spec: &mut Spec) {
    let linux = spec.linux.get_or_insert_with(Linux::default);
    linux
        .namespaces
        .retain(|ns| !matches!(ns.kind, NamespaceType::Network | NamespaceType::User));
    linux.namespaces.push(new_namespace(NamespaceType::User));
    linux.uid_mappings = vec![map_root_to(ids::effective_uid())];
    linux.gid_mappings = vec![map_root_to(ids::effective_gid())];
    linux.resources = None;
    for mount in &mut spec.mounts {
        if is_sys(&mount.destination) {
            *mount = sys_rbind();
        } else {
            mount
                .options
                .retain(|o| !o.starts_with("uid=") && !o.starts_with("gid="));
        }
    }
}

/// Writes `spec` as runc writes config.json: tab-indented, no trailing newline.
pub fn to_pretty_json(spec: &Spec) -> String {
    super::to_json_pretty(spec, "\t")
}

/// runc asks statfs whether /sys/fs/cgroup is cgroup2; only a cgroup2 root holds
/// cgroup.controllers, which answers the same question without unsafe code.
fn cgroup2_unified() -> bool {
    Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

fn example_for(cgroup_ns: bool) -> Spec {
    Spec {
        oci_version: OCI_VERSION.to_string(),
        process: Some(process()),
        root: Some(Root {
            path: "rootfs".into(),
            readonly: true,
        }),
        hostname: Some("runc".to_string()),
        mounts: mounts(),
        linux: Some(linux(cgroup_ns)),
        ..Spec::default()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn process() -> Process {
    let caps = Some(strings(&DEFAULT_CAPS));
    Process {
        terminal: true,
        args: strings(&["sh"]),
        env: strings(&[
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "TERM=xterm",
        ]),
        cwd: "/".to_string(),
        capabilities: Some(Capabilities {
            bounding: caps.clone(),
            effective: caps.clone(),
            inheritable: None,
            permitted: caps.clone(),
            ambient: caps,
        }),
        rlimits: vec![Rlimit {
            kind: "RLIMIT_NOFILE".to_string(),
            hard: 1024,
            soft: 1024,
        }],
        no_new_privileges: true,
        ..Process::default()
    }
}

fn mount(destination: &str, kind: &str, source: &str, options: &[&str]) -> Mount {
    Mount {
        destination: destination.into(),
        kind: Some(kind.to_string()),
        source: Some(source.into()),
        options: strings(options),
        ..Mount::default()
    }
}

fn mounts() -> Vec<Mount> {
    let hardened = ["nosuid", "noexec", "nodev"];
    vec![
        mount("/proc", "proc", "proc", &[]),
        mount(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        ),
        mount(
            "/dev/pts",
            "devpts",
            "devpts",
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5",
            ],
        ),
        mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            &[&hardened[..], &["mode=1777", "size=65536k"]].concat(),
        ),
        mount("/dev/mqueue", "mqueue", "mqueue", &hardened),
        mount("/sys", "sysfs", "sysfs", &[&hardened[..], &["ro"]].concat()),
        mount(
            "/sys/fs/cgroup",
            "cgroup",
            "cgroup",
            &[&hardened[..], &["relatime", "ro"]].concat(),
        ),
    ]
}

fn sys_rbind() -> Mount {
    mount(
        "/sys",
        "none",
        "/sys",
        &["rbind", "nosuid", "noexec", "nodev", "ro"],
    )
}

/// runc compares the cleaned destination, so `/sys/` and `/sys/.` count too.
fn is_sys(destination: &Path) -> bool {
    let mut parts = destination.components();
    parts.next() == Some(std::path::Component::RootDir)
        && parts.next().is_some_and(|c| c.as_os_str() == "sys")
        && parts.next().is_none()
}

fn new_namespace(kind: NamespaceType) -> Namespace {
    Namespace { kind, path: None }
}

fn map_root_to(host_id: u32) -> IdMapping {
    IdMapping {
        container_id: 0,
        host_id,
        size: 1,
    }
}

fn linux(cgroup_ns: bool) -> Linux {
    let mut kinds = vec![
        NamespaceType::Pid,
        NamespaceType::Network,
        NamespaceType::Ipc,
        NamespaceType::Uts,
        NamespaceType::Mount,
    ];
    if cgroup_ns {
        kinds.push(NamespaceType::Cgroup);
    }
    Linux {
        resources: Some(Resources {
            devices: vec![DeviceRule {
                allow: false,
                access: Some("rwm".to_string()),
                ..DeviceRule::default()
            }],
            ..Resources::default()
        }),
        namespaces: kinds.into_iter().map(new_namespace).collect(),
        masked_paths: MASKED_PATHS.iter().map(Into::into).collect(),
        readonly_paths: READONLY_PATHS.iter().map(Into::into).collect(),
        ..Linux::default()
    }
}

#[cfg(test)]
mod tests;
