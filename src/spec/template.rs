//! The config.json that `husk spec` writes: runc's example, field for field, so tools and
//! docs written against `runc spec` keep working.

use super::state::OCI_VERSION;
use super::{IdMapping, Linux, Mount, Namespace, NamespaceType, Spec};
use crate::sys::ids;
use std::path::Path;

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

/// runc's example as data: as code, the same config cost 3.4 KiB of the binary.
const EXAMPLE: &str = include_str!("template.json");

fn example_for(cgroup_ns: bool) -> Spec {
    let mut spec: Spec =
        super::from_json(EXAMPLE.as_bytes()).expect("the built-in template parses");
    spec.oci_version = OCI_VERSION.to_string();
    if cgroup_ns {
        let linux = spec.linux.get_or_insert_with(Linux::default);
        linux.namespaces.push(new_namespace(NamespaceType::Cgroup));
    }
    spec
}

fn mount(destination: &str, kind: &str, source: &str, options: &[&str]) -> Mount {
    Mount {
        destination: destination.into(),
        kind: Some(kind.to_string()),
        source: Some(source.into()),
        options: options.iter().map(|s| s.to_string()).collect(),
        ..Mount::default()
    }
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

#[cfg(test)]
mod tests;
