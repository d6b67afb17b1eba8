//! End-to-end checks as root: each test forks a child that unshares its mount namespace, so
//! prepare/pivot/finalize run for real against a throwaway rootfs without touching the host.

use super::{finalize, pivot, prepare};
use crate::spec::{Device, Linux, Mount, Namespace, NamespaceType, Root, Spec};
use crate::sys::{child, mount};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

struct Bundle {
    dir: PathBuf,
    root: PathBuf,
}

impl Bundle {
    fn new(tag: &str) -> Bundle {
        let dir = std::env::temp_dir().join(format!("husk-rootfs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = dir.join("root");
        for d in ["bin", "proc", "dev", "etc"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
        Bundle { dir, root }
    }

    fn file(&self, rel: &str, content: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
}

impl Drop for Bundle {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn mnt(dest: &str, kind: &str, source: &str, options: &[&str]) -> Mount {
    Mount {
        destination: dest.into(),
        kind: Some(kind.into()),
        source: Some(source.into()),
        options: options.iter().map(|s| s.to_string()).collect(),
        ..Mount::default()
    }
}

/// Every test here runs in a mount namespace of its own, as its spec says.
fn spec(mounts: Vec<Mount>, mut linux: Linux) -> Spec {
    linux.namespaces.push(Namespace {
        kind: NamespaceType::Mount,
        path: None,
    });
    Spec {
        mounts,
        linux: Some(linux),
        ..Spec::default()
    }
}

fn err<E: Display>(what: &'static str) -> impl Fn(E) -> String {
    move |e| format!("{what}: {e}")
}

fn ensure(ok: bool, msg: impl Into<String>) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(msg.into())
    }
}

/// Runs `f` in a child with private mount (and UTS, for the hostname sysctl) namespaces.
fn isolated(f: impl FnOnce() -> Result<(), String>) {
    let verdict = child::run(|| {
        child::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWUTS).map_err(err("unshare"))?;
        mount::mount(
            None,
            Path::new("/"),
            None,
            libc::MS_PRIVATE | libc::MS_REC,
            None,
        )
        .map_err(err("make / private"))?;
        f()
    });
    if let Err(msg) = verdict {
        panic!("{msg}");
    }
}

fn write_errno(path: &str) -> Option<i32> {
    std::fs::write(path, "x")
        .err()
        .and_then(|e| e.raw_os_error())
}

fn is_dev(path: &Path, major: u32, minor: u32) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| {
        m.file_type().is_char_device()
            && libc::major(m.rdev()) == major
            && libc::minor(m.rdev()) == minor
    })
}

fn mounted_at(path: &Path) -> bool {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let path = path.to_string_lossy();
    info.lines()
        .any(|l| l.split(' ').nth(4) == Some(path.as_ref()))
}

fn standard_mounts(host_data: &Path) -> Vec<Mount> {
    vec![
        mnt("/proc", "proc", "proc", &[]),
        mnt(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        ),
        mnt(
            "/dev/pts",
            "devpts",
            "devpts",
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
            ],
        ),
        mnt(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        ),
        mnt(
            "/data",
            "bind",
            host_data.to_str().unwrap(),
            &["rbind", "ro", "nosuid"],
        ),
    ]
}

#[test]
fn prepare_pivot_finalize_builds_a_hardened_root() {
    let b = Bundle::new("flow");
    let host_data = b.dir.join("hostdata");
    std::fs::create_dir_all(&host_data).unwrap();
    std::fs::write(host_data.join("file"), "from host").unwrap();
    b.file("masked_file", "secret");
    b.file("masked_dir/secret", "secret");
    b.file("rodir/f", "ro");
    let linux = Linux {
        devices: vec![Device {
            kind: "c".into(),
            path: "/dev/husk-null".into(),
            major: 1,
            minor: 3,
            file_mode: Some(0o600),
            uid: Some(1000),
            gid: Some(1000),
        }],
        masked_paths: vec![
            "/masked_file".into(),
            "/masked_dir".into(),
            "/missing".into(),
        ],
        readonly_paths: vec!["/rodir".into(), "/missing".into()],
        sysctl: BTreeMap::from([("kernel.hostname".to_string(), "husk-test".to_string())]),
        ..Linux::default()
    };
    let mut spec = spec(standard_mounts(&host_data), linux);
    spec.root = Some(Root {
        path: b.root.clone(),
        readonly: true,
    });
    let root = b.root.clone();
    isolated(move || {
        prepare(&spec, &root, Vec::new()).map_err(err("prepare"))?;
        ensure(is_dev(&root.join("dev/null"), 1, 3), "/dev/null is not 1:3")?;
        ensure(is_dev(&root.join("dev/tty"), 5, 0), "/dev/tty is not 5:0")?;
        let custom = std::fs::metadata(root.join("dev/husk-null")).map_err(err("stat"))?;
        ensure(
            custom.permissions().mode() & 0o7777 == 0o600 && custom.uid() == 1000,
            format!(
                "custom device mode {:o} uid {}",
                custom.mode(),
                custom.uid()
            ),
        )?;
        let link = |n: &str| std::fs::read_link(root.join("dev").join(n)).unwrap_or_default();
        ensure(link("ptmx") == Path::new("pts/ptmx"), "no /dev/ptmx link")?;
        ensure(link("fd") == Path::new("/proc/self/fd"), "no /dev/fd link")?;
        ensure(
            link("stderr") == Path::new("/proc/self/fd/2"),
            "no /dev/stderr link",
        )?;
        ensure(
            mounted_at(&root.join("proc")),
            "proc not mounted in the rootfs",
        )?;
        let data = std::fs::read_to_string(root.join("data/file")).map_err(err("read bind"))?;
        ensure(data == "from host", "bind mount shows the wrong content")?;
        let ro = write_errno(root.join("data/new").to_str().unwrap());
        ensure(
            ro == Some(libc::EROFS),
            format!("ro bind write gave {ro:?}"),
        )?;

        pivot(&spec, &root, false).map_err(err("pivot"))?;
        let cwd = std::env::current_dir().map_err(err("getcwd"))?;
        ensure(cwd == Path::new("/"), "cwd is not / after pivot")?;
        ensure(Path::new("/bin/busybox").exists(), "rootfs is not /")?;
        ensure(!mounted_at(&root), "the old root is still attached")?;

        finalize(&spec).map_err(err("finalize"))?;
        let masked = std::fs::read_to_string("/masked_file").map_err(err("read masked"))?;
        ensure(masked.is_empty(), "masked file still readable")?;
        let entries = std::fs::read_dir("/masked_dir")
            .map_err(err("list"))?
            .count();
        ensure(entries == 0, "masked directory still shows entries")?;
        ensure(
            write_errno("/masked_dir/x") == Some(libc::EROFS),
            "masked dir writable",
        )?;
        ensure(
            write_errno("/rodir/new") == Some(libc::EROFS),
            "readonly path writable",
        )?;
        ensure(
            write_errno("/newfile") == Some(libc::EROFS),
            "root is not read-only",
        )?;
        ensure(write_errno("/dev/shm/x").is_none(), "/dev/shm not writable")?;
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        ensure(
            host == "husk-test\n",
            format!("sysctl not applied: {host:?}"),
        )
    });
}

#[test]
fn symlinked_destinations_and_dev_stay_inside_the_rootfs() {
    let b = Bundle::new("symlinks");
    let fake = format!("run/husk-fakedev-{}", std::process::id());
    let host_fake = Path::new("/").join(&fake);
    std::fs::create_dir_all(&host_fake).unwrap();
    std::fs::create_dir_all(b.root.join(&fake)).unwrap();
    std::fs::remove_dir(b.root.join("etc")).unwrap();
    std::os::unix::fs::symlink("/", b.root.join("etc")).unwrap();
    std::os::unix::fs::symlink("../../../..", b.root.join("up")).unwrap();
    std::fs::remove_dir(b.root.join("dev")).unwrap();
    // Followed on the host from the rootfs, this would be the host's /run/husk-fakedev-PID.
    std::os::unix::fs::symlink(Path::new("../../..").join(&fake), b.root.join("dev")).unwrap();
    let mounts = vec![
        mnt("/etc/husk-escape-a", "tmpfs", "tmpfs", &[]),
        mnt("/up/husk-escape-b", "tmpfs", "tmpfs", &[]),
    ];
    let spec = spec(mounts, Linux::default());
    let root = b.root.clone();
    let fake_in_root = b.root.join(&fake);
    isolated(move || {
        prepare(&spec, &root, Vec::new()).map_err(err("prepare"))?;
        for name in ["husk-escape-a", "husk-escape-b"] {
            ensure(
                !Path::new("/").join(name).exists(),
                format!("/{name} created on the host"),
            )?;
            ensure(
                mounted_at(&root.join(name)),
                format!("{name} not mounted in the rootfs"),
            )?;
        }
        ensure(
            is_dev(&fake_in_root.join("null"), 1, 3),
            "devices not created in the rootfs",
        )
    });
    let leaked = std::fs::read_dir(&host_fake).unwrap().count();
    std::fs::remove_dir(&host_fake).unwrap();
    assert_eq!(leaked, 0, "device nodes were created on the host");
}

#[test]
fn forged_dev_null_is_refused_for_masking() {
    let b = Bundle::new("forged-null");
    b.file("dev/null", "not a device");
    b.file("secret", "top secret");
    let linux = Linux {
        masked_paths: vec!["/secret".into()],
        ..Linux::default()
    };
    let spec = spec(vec![], linux);
    let root = b.root.clone();
    isolated(move || {
        prepare(&spec, &root, Vec::new()).map_err(err("prepare"))?;
        pivot(&spec, &root, false).map_err(err("pivot"))?;
        match finalize(&spec) {
            Ok(()) => Err("finalize accepted a regular file as /dev/null".into()),
            Err(e) => ensure(e.to_string().contains("1:3"), format!("unclear error: {e}")),
        }
    });
}

#[test]
fn non_procfs_over_proc_makes_sysctl_fail() {
    let b = Bundle::new("fake-proc");
    let linux = Linux {
        sysctl: BTreeMap::from([("kernel.hostname".to_string(), "evil".to_string())]),
        ..Linux::default()
    };
    let spec = spec(vec![mnt("/proc", "proc", "proc", &[])], linux);
    let root = b.root.clone();
    isolated(move || {
        prepare(&spec, &root, Vec::new()).map_err(err("prepare"))?;
        pivot(&spec, &root, true).map_err(err("pivot without pivot_root"))?;
        let tmpfs = Some("tmpfs");
        mount::mount(None, Path::new("/proc"), tmpfs, 0, None).map_err(err("fake /proc"))?;
        std::fs::create_dir_all("/proc/sys/kernel").map_err(err("mkdir"))?;
        std::fs::write("/proc/sys/kernel/hostname", "orig").map_err(err("write"))?;
        let result = finalize(&spec);
        let left = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        ensure(left == "orig", "the fake /proc file was written")?;
        match result {
            Ok(()) => Err("sysctl was written through a fake /proc".into()),
            Err(e) => ensure(
                e.to_string().contains("not on procfs"),
                format!("unclear error: {e}"),
            ),
        }
    });
}

#[test]
fn cgroup_mount_shows_only_the_containers_cgroups_read_only() {
    let b = Bundle::new("cgroup");
    let spec = spec(
        vec![mnt(
            "/sys/fs/cgroup",
            "cgroup",
            "cgroup",
            &["nosuid", "noexec", "nodev", "relatime", "ro"],
        )],
        Linux::default(),
    );
    let root = b.root.clone();
    isolated(move || {
        prepare(&spec, &root, Vec::new()).map_err(err("prepare"))?;
        let cg = root.join("sys/fs/cgroup");
        let entries = std::fs::read_dir(&cg)
            .map_err(err("list cgroup mount"))?
            .count();
        ensure(entries > 0, "cgroup mount is empty")?;
        let w = write_errno(cg.join("husk-probe").to_str().unwrap());
        ensure(
            w == Some(libc::EROFS),
            format!("cgroup mount writable: {w:?}"),
        )
    });
}

#[test]
fn shared_rootfs_propagation_still_pivots() {
    let b = Bundle::new("rshared");
    let linux = Linux {
        rootfs_propagation: Some("rshared".into()),
        ..Linux::default()
    };
    let spec = spec(vec![mnt("/proc", "proc", "proc", &[])], linux);
    let root = b.root.clone();
    isolated(move || {
        prepare(&spec, &root, Vec::new()).map_err(err("prepare"))?;
        pivot(&spec, &root, false).map_err(err("pivot"))?;
        finalize(&spec).map_err(err("finalize"))?;
        let info = std::fs::read_to_string("/proc/self/mountinfo").map_err(err("mountinfo"))?;
        let top = info.lines().find(|l| l.split(' ').nth(4) == Some("/"));
        ensure(
            top.is_some_and(|l| l.contains("shared:")),
            format!("/ is not shared: {top:?}"),
        )
    });
}

#[test]
fn tmpcopyup_through_a_destination_symlink_copies_nothing_from_the_host() {
    let b = Bundle::new("copyup-escape");
    let host_dir = b.dir.join("hostdir");
    std::fs::create_dir_all(&host_dir).unwrap();
    std::fs::write(host_dir.join("hostfile"), "host only").unwrap();
    let escape = Path::new("../../../../../../..").join(host_dir.strip_prefix("/").unwrap());
    std::os::unix::fs::symlink(&escape, b.root.join("evil")).unwrap();
    b.file("seed/kept", "from the image");
    let mounts = vec![
        mnt("/evil", "tmpfs", "tmpfs", &["tmpcopyup"]),
        mnt("/seed", "tmpfs", "tmpfs", &["tmpcopyup"]),
    ];
    let spec = spec(mounts, Linux::default());
    let inside = b.root.join(host_dir.strip_prefix("/").unwrap());
    let root = b.root.clone();
    isolated(move || {
        prepare(&spec, &root, Vec::new()).map_err(err("prepare"))?;
        ensure(
            mounted_at(&inside),
            format!("{} is not a mount", inside.display()),
        )?;
        let copied: Vec<_> = std::fs::read_dir(&inside).map_err(err("list"))?.collect();
        ensure(copied.is_empty(), "host files were copied into the tmpfs")?;
        ensure(mounted_at(&root.join("seed")), "/seed is not a mount")?;
        let kept = std::fs::read_to_string(root.join("seed/kept")).map_err(err("read"))?;
        ensure(
            kept == "from the image",
            format!("/seed/kept reads {kept:?}"),
        )
    });
    assert!(!mounted_at(&host_dir));
}
