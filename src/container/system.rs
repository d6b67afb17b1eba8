//! System containers (`io.husk.system=true`, or `--system-containers` for all): systemd or a
//! nested engine as the payload, with an unprivileged root. One transformation of the checked
//! config gives it a user namespace over an id range of its own, an idmapped rootfs, a cgroup
//! namespace over a delegated cgroup, and what systemd and a nested engine expect; the rest of
//! `create` runs unchanged on the result.

use super::idrange::{self, IdRange, SIZE};
use super::ContainerError;
use crate::cgroups::Cgroup;
use crate::spec::{
    DeviceRule, FieldError, IdMapping, Mount, Namespace, NamespaceType, Spec, Syscall,
};
use crate::sys::fs::mknodat;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

pub const ANNOTATION: &str = "io.husk.system";
/// Dirs a nested engine keeps its layers in: overlayfs cannot stack on the container's own.
const ENGINE_DIRS: [&str; 3] = ["docker", "containers", "containerd"];
/// Nodes a nested engine opens (fuse-overlayfs, a rootless network), named with '-' for '/'
/// under /dev; /dev/net/tun is in the default device rules already, /dev/fuse gets one.
const NESTED_DEVICES: [(&str, u32, u32); 2] = [("fuse", 10, 229), ("net-tun", 10, 200)];
/// Under the state dir: the nested engine's storage, and the nodes of NESTED_DEVICES.
const SYSTEM: &str = "system";
const DEVICES: &str = "system/dev";
/// What a nested runtime makes its containers with; the kernel holds each of them to what the
/// container's user namespace owns, whatever the config's seccomp profile says of them.
/// One string, split where used: no relocation per name.
const NAMESPACE_CALLS: &str = "mount umount2 unshare setns clone clone3 pivot_root open_tree move_mount mount_setattr fsopen fsconfig fsmount fspick";
/// What a delegated cgroup's owner may write: moving processes and making children, never the
/// limits set on the cgroup itself from outside.
const DELEGATED: [&str; 5] = [
    "cgroup.procs",
    "tasks",
    "cgroup.clone_children",
    "cgroup.subtree_control",
    "cgroup.threads",
];

pub fn wanted(spec: &Spec, all: bool) -> bool {
    all || spec
        .annotations
        .get(ANNOTATION)
        .is_some_and(|v| v == "true")
}

/// The container's range, from its user namespace's maps once `apply` made them.
pub fn range(spec: &Spec) -> Option<IdRange> {
    spec.annotations.get(ANNOTATION).filter(|v| *v == "true")?;
    let linux = spec.linux.as_ref()?;
    Some(IdRange {
        uid: linux.uid_mappings.first()?.host_id,
        gid: linux.gid_mappings.first()?.host_id,
    })
}

/// Turns the checked `spec` into a system container's, all but its id maps (see `provision`);
/// `dir` is the state dir create makes, which holds the host side of the nested engine's
/// storage and devices and goes with it.
pub fn convert(spec: &mut Spec, dir: &Path) -> Result<(), ContainerError> {
    refuse_host_namespaces(spec)?;
    allow_namespace_calls(spec);
    let rootfs = spec
        .root
        .as_ref()
        .map(|r| r.path.clone())
        .unwrap_or_default();
    spec.annotations.insert(ANNOTATION.into(), "true".into());
    let linux = spec.linux.get_or_insert_with(Default::default);
    // crun writes the nested container's sysctls through this /proc/sys before its own proc
    // is mounted; the user namespace keeps every sysctl it does not own read-only.
    linux.readonly_paths.retain(|p| p != Path::new("/proc/sys"));
    let rules = &mut linux.resources.get_or_insert_with(Default::default).devices;
    rules.push(DeviceRule {
        allow: true,
        kind: Some("c".into()),
        major: Some(10),
        minor: Some(229),
        access: Some("rwm".into()),
    });
    for kind in [NamespaceType::User, NamespaceType::Cgroup] {
        if !linux.namespaces.iter().any(|n| n.kind == kind) {
            linux.namespaces.push(Namespace { kind, path: None });
        }
    }
    let process = spec.process.as_mut().expect("checked");
    process.env.retain(|e| !e.starts_with("container="));
    process.env.push("container=husk".into());
    let all: Vec<String> = crate::process::caps::NAMES
        .iter()
        .map(|n| n.to_string())
        .collect();
    let caps = process.capabilities.get_or_insert_with(Default::default);
    for set in [&mut caps.bounding, &mut caps.effective, &mut caps.permitted] {
        *set = Some(all.clone());
    }
    mounts(spec, rootfs, dir);
    Ok(())
}

/// What a converted system container needs made once its state dir exists: an id range of its
/// own for its user namespace's maps, and the host side of its devices and engine storage.
pub fn provision(spec: &mut Spec, root: &Path, id: &str, dir: &Path) -> Result<(), ContainerError> {
    let ids = idrange::allocate(root, id)?;
    let linux = spec.linux.get_or_insert_with(Default::default);
    let map = |host_id| {
        vec![IdMapping {
            container_id: 0,
            host_id,
            size: SIZE,
        }]
    };
    linux.uid_mappings = map(ids.uid);
    linux.gid_mappings = map(ids.gid);
    for (name, major, minor) in NESTED_DEVICES {
        make_node(&dir.join(DEVICES), name, major, minor)?;
    }
    for name in ENGINE_DIRS {
        let host = dir.join(SYSTEM).join(name);
        std::fs::create_dir_all(&host).map_err(|e| ContainerError::io("make", &host, e))?;
    }
    Ok(())
}

/// A system container's seccomp profile, before it is compiled: the profile's own rules for
/// these calls go, argument checks and all, and one allows them.
fn allow_namespace_calls(spec: &mut Spec) {
    let Some(profile) = spec.linux.as_mut().and_then(|l| l.seccomp.as_mut()) else {
        return;
    };
    let ours = |n: &String| NAMESPACE_CALLS.split(' ').any(|c| c == n);
    for call in profile.syscalls.iter_mut() {
        call.names.retain(|n| !ours(n));
    }
    profile.syscalls.retain(|c| !c.names.is_empty());
    profile.syscalls.push(Syscall {
        names: NAMESPACE_CALLS.split(' ').map(Into::into).collect(),
        action: "SCMP_ACT_ALLOW".into(),
        ..Default::default()
    });
}

/// A config that shares the host's pid namespace or brings a user namespace of its own asks for
/// what an unprivileged root with its own ids cannot be.
fn refuse_host_namespaces(spec: &Spec) -> Result<(), ContainerError> {
    let linux = spec.linux.as_ref().expect("checked");
    let has = |kind| linux.namespaces.iter().find(|n| n.kind == kind);
    let why = match (has(NamespaceType::Pid), has(NamespaceType::User)) {
        (None, _) => "has no pid namespace of its own (the host's processes would be visible)",
        (Some(n), _) if n.path.is_some() => "joins an existing pid namespace",
        (_, Some(n)) if n.path.is_some() => "joins an existing user namespace",
        _ if !linux.uid_mappings.is_empty() || !linux.gid_mappings.is_empty() => {
            "brings its own uid/gid mappings"
        }
        _ => return Ok(()),
    };
    Err(FieldError::new(
        "linux.namespaces",
        format!("a system container ({ANNOTATION}) gets its own user and pid namespaces, but this config {why}"),
    )
    .into())
}

fn mount(dest: &Path, kind: &str, source: PathBuf, opts: &[&str]) -> Mount {
    Mount {
        destination: dest.into(),
        kind: Some(kind.into()),
        source: Some(source),
        options: opts.iter().map(|o| o.to_string()).collect(),
        ..Default::default()
    }
}

/// The rootfs idmapped first, a writable cgroup tree, tmpfs where systemd expects it, and the
/// nested engine's storage: host dirs under the state dir (0700, which the container's root
/// could not traverse), bound in as idmapped trees the runtime opens.
fn mounts(spec: &mut Spec, rootfs: PathBuf, dir: &Path) {
    let idmapped = ["rbind", "idmap"];
    spec.mounts
        .insert(0, mount(Path::new("/"), "bind", rootfs, &idmapped));
    for m in spec.mounts.iter_mut() {
        if m.kind.as_deref() == Some("cgroup") {
            m.options.retain(|o| o != "ro");
        }
    }
    let tmpfs = [
        ("/run", "mode=755"),
        ("/run/lock", "size=5m"),
        ("/tmp", "mode=1777"),
    ];
    for (dest, opt) in tmpfs {
        let dest = Path::new(dest);
        if !spec.mounts.iter().any(|m| m.destination == dest) {
            let opts = ["nosuid", "nodev", opt];
            spec.mounts
                .push(mount(dest, "tmpfs", "tmpfs".into(), &opts));
        }
    }
    for (name, _, _) in NESTED_DEVICES {
        let dest = Path::new("/dev").join(name.replace('-', "/"));
        let node = dir.join(DEVICES).join(name);
        spec.mounts
            .push(mount(&dest, "bind", node, &["bind", "idmap", "rdev"]));
    }
    for name in ENGINE_DIRS {
        let host = dir.join(SYSTEM).join(name);
        let dest = Path::new("/var/lib").join(name);
        spec.mounts.push(mount(&dest, "bind", host, &idmapped));
    }
}

/// A node of the host's device `major:minor`, owned by root and open to all as hosts have
/// them: the idmapped bind shows it owned by the container's root. The host's own node cannot
/// be bound (devtmpfs cannot be idmapped, and it is the host root's); one bound from a path the
/// container's mount namespace holds nodev would stay nodev, so the runtime makes the tree.
fn make_node(devs: &Path, name: &str, major: u32, minor: u32) -> Result<PathBuf, ContainerError> {
    use std::os::unix::fs::PermissionsExt;
    let node = devs.join(name);
    let fail = |e| ContainerError::io("make device node", &node, e);
    std::fs::create_dir_all(devs).map_err(fail)?;
    let dir = std::fs::File::open(devs).map_err(fail)?;
    mknodat(dir.as_fd(), Path::new(name), libc::S_IFCHR, major, minor).map_err(fail)?;
    std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o666)).map_err(fail)?;
    Ok(node)
}

/// Hands the container's root its cgroup to manage: the dir itself (to make children in) and
/// the files that move processes, in every hierarchy.
pub fn delegate(spec: &Spec, cgroup: &Cgroup) -> Result<(), ContainerError> {
    let Some(ids) = range(spec) else {
        return Ok(());
    };
    for dir in cgroup.dirs.iter().chain(&cgroup.unified) {
        let files = DELEGATED.iter().map(|f| dir.join(f));
        for path in std::iter::once(dir.clone()).chain(files) {
            match std::os::unix::fs::chown(&path, Some(ids.uid), Some(ids.gid)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(ContainerError::io("delegate cgroup", &path, e))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Gives back the id range of container `id`; its host dirs go with its state dir.
pub fn release(root: &Path, id: &str) -> Result<(), ContainerError> {
    Ok(idrange::release(root, id)?)
}
