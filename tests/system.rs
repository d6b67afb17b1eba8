//! System containers (`io.husk.system=true`, `--system-containers`): systemd as PID 1 with an
//! unprivileged root, id ranges handed out and returned, and what that root must not reach.
//! The Debian rootfs with systemd comes from HUSK_TEST_SYSROOT (scripts/test sets it to
//! scripts/sysroot's build): without it the systemd test says so and passes, and a setting
//! that names no rootfs fails it. The other tests use the busybox rootfs.

mod common;

use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn sysroot() -> Option<PathBuf> {
    let Some(path) = std::env::var_os("HUSK_TEST_SYSROOT") else {
        eprintln!("skipped: HUSK_TEST_SYSROOT is not set (scripts/test sets it to scripts/sysroot's build)");
        return None;
    };
    let path = PathBuf::from(path);
    assert!(
        path.join("lib/systemd/systemd").is_file(),
        "HUSK_TEST_SYSROOT={} holds no systemd: scripts/sysroot did not build it",
        path.display()
    );
    Some(path)
}

fn system(b: &mut Bundle) -> &mut Bundle {
    b.set("annotations", json!({"io.husk.system": "true"}))
}

fn pid(id: &str) -> u32 {
    state(id)["pid"].as_u64().expect("pid in state") as u32
}

/// The first line of init's uid_map: inside, outside, count.
fn uid_map(pid: u32) -> (u32, u32, u32) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/uid_map")).expect("read uid_map");
    let n: Vec<u32> = text
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    assert_eq!(n.len(), 3, "one mapping expected: {text}");
    (n[0], n[1], n[2])
}

/// The ids the state root's range table holds for `id`.
fn held(id: &str) -> usize {
    use std::io::Read;
    // husk rewrites the table in place under its lock; read between a truncate and a write, a
    // concurrent test's create would show an empty one.
    let Ok(mut file) = std::fs::File::open(state_root().join("system-ids")) else {
        return 0;
    };
    husk::sys::fd::flock(&file).expect("lock the id table");
    let mut table = String::new();
    file.read_to_string(&mut table).expect("read the id table");
    table
        .lines()
        .filter(|l| l.split(' ').nth(1) == Some(id))
        .count()
}

fn owner(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).expect("stat").uid()
}

/// Creates a system container with systemd from `b`'s rootfs, starts it and waits until
/// systemd says it booted (running, or degraded); returns its id and init's pid.
fn boot(b: &mut Bundle) -> (String, u32) {
    system(b)
        .set("process.args", json!(["/sbin/init"]))
        .set("root.readonly", json!(false));
    let id = b.id();
    b.create(&id).assert_ok();
    let pid = pid(&id);
    husk(&["start", &id]).assert_ok();
    // systemctl needs systemd's private bus socket, which comes a moment after the start:
    // until then it says nothing, or "offline".
    let mut booted = husk(&["exec", &id, "true"]);
    wait_for(Duration::from_secs(60), || {
        booted = husk(&["exec", &id, "systemctl", "is-system-running", "--wait"]);
        !["", "offline"].contains(&booted.stdout.trim())
    });
    let status = booted.stdout.trim();
    assert!(
        status == "running" || status == "degraded",
        "systemd reached {status:?}: {booted}"
    );
    (id, pid)
}

/// Stops systemd the way `kill` is asked to, and deletes the container.
fn stop(b: &Bundle, id: &str) {
    husk(&["kill", id, "SIGRTMIN+3"]).assert_ok();
    let stopped = wait_for(Duration::from_secs(30), || state(id)["status"] == "stopped");
    assert!(stopped, "systemd did not stop on SIGRTMIN+3");
    husk(&["delete", id]).assert_ok();
    b.assert_clean(id);
    assert_eq!(held(id), 0, "the id range outlived the container");
}

#[test]
fn systemd_boots_unprivileged_and_stops_on_sigrtmin_plus_3() {
    let Some(root) = sysroot() else { return };
    let mut b = Bundle::writable_of(&root);
    let share = b.share();
    // Plain (not idmapped) bind: what the container writes there lands as its host ids.
    std::fs::set_permissions(&share, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).unwrap();
    let (id, pid) = boot(&mut b);
    let (inside, outside, count) = uid_map(pid);
    assert_eq!((inside, count), (0, 65536));
    assert!(outside >= 65536, "container root is host uid {outside}");
    assert_eq!(state(&id)["annotations"]["io.husk.system"], "true");
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
    assert!(exe.ends_with("systemd/systemd"), "pid 1 runs {exe:?}");
    // debugfs and tracefs can be mounted only from the host's user namespace.
    let failed = husk(&[
        "exec",
        &id,
        "systemctl",
        "--failed",
        "--plain",
        "--no-legend",
    ]);
    for unit in failed
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
    {
        assert!(
            ["sys-kernel-debug.mount", "sys-kernel-tracing.mount"].contains(&unit),
            "unit {unit} failed: {failed}"
        );
    }
    husk(&["exec", &id, "touch", "/shared/made"]).assert_ok();
    assert_eq!(owner(&share.join("made")), outside);
    stop(&b, &id);
}

/// The image's podman (vfs storage in the engine dir husk binds in, crun) runs a busybox
/// image imported from a tarball, as there is no registry: a container of its own, in a pid
/// namespace and a cgroup it made under the delegated one, with a limit that holds, and
/// /dev/fuse and /dev/net/tun open for the container's root.
#[test]
fn podman_inside_runs_a_nested_container() {
    let Some(root) = sysroot() else { return };
    let mut b = Bundle::writable_of(&root);
    let (id, _) = boot(&mut b);
    let devices = "exec 3<>/dev/fuse 4<>/dev/net/tun && echo opened";
    let opened = husk(&["exec", &id, "sh", "-c", devices]);
    assert_eq!(opened.stdout.trim(), "opened", "{opened}");
    let import = "mkdir -p /tmp/bb/bin && cp /bin/busybox /tmp/bb/bin/ \
                  && tar -C /tmp/bb -c . | podman import - bb";
    husk(&["exec", &id, "sh", "-c", import]).assert_ok();
    let script = "echo pid=$$ sum=$((6*7)); busybox cat /proc/self/cgroup; \
                  busybox cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max";
    let nested = husk(&[
        "exec",
        &id,
        "podman",
        "run",
        "--rm",
        "--network",
        "none",
        "--memory",
        "64m",
        "bb",
        "/bin/busybox",
        "sh",
        "-c",
        script,
    ]);
    assert!(nested.stdout.contains("pid=1 sum=42"), "{nested}");
    assert!(
        nested.stdout.contains(":/libpod_parent/libpod-"),
        "nested cgroup: {nested}"
    );
    assert!(
        nested
            .stdout
            .lines()
            .any(|l| l.trim() == (64 << 20).to_string()),
        "the nested memory limit: {nested}"
    );
    stop(&b, &id);
}

#[test]
fn two_containers_get_disjoint_ranges_and_delete_returns_them() {
    let mut b = Bundle::new();
    system(&mut b).set("process.args", json!(["sleep", "60"]));
    let first = b.id();
    b.create(&first).assert_ok();
    // The global flag selects the mode without the annotation.
    let mut plain = Bundle::new();
    plain.set("process.args", json!(["sleep", "60"]));
    let second = plain.id();
    plain.write();
    husk(&[
        "--system-containers",
        "create",
        "--bundle",
        plain.dir_str(),
        &second,
    ])
    .assert_ok();
    let (a, b_) = (uid_map(pid(&first)).1, uid_map(pid(&second)).1);
    assert!(a.abs_diff(b_) >= 65536, "ranges overlap: {a} and {b_}");
    assert_eq!(state(&second)["annotations"]["io.husk.system"], "true");
    assert_eq!((held(&first), held(&second)), (1, 1));
    husk(&["delete", "--force", &first]).assert_ok();
    assert_eq!(held(&first), 0);
    b.assert_clean(&first);
    husk(&["delete", "--force", &second]).assert_ok();
    assert_eq!(held(&second), 0);
}

#[test]
fn twenty_create_delete_cycles_leave_nothing() {
    let mut b = Bundle::new();
    system(&mut b).set("process.args", json!(["true"]));
    for _ in 0..20 {
        let id = b.id();
        b.create(&id).assert_ok();
        assert_eq!(held(&id), 1);
        husk(&["delete", "--force", &id]).assert_ok();
        b.assert_clean(&id);
        assert_eq!(held(&id), 0, "cycle leaked the range of {id}");
    }
}

#[test]
fn escape_attempts_fail() {
    let mut b = Bundle::new();
    let panic = std::fs::read_to_string("/proc/sys/kernel/panic").unwrap();
    let script = "
        mount -o remount,rw /proc/sys 2>/dev/null; echo 7 > /proc/sys/kernel/panic && echo WROTE-SYSCTL
        insmod /bin/busybox 2>&1 || echo NO-MODULE
        mknod /dev/hostdisk b 253 0 && echo MADE-DEVICE
        mount -t ext4 /dev/vda /mnt 2>/dev/null && echo MOUNTED-DISK
        echo procs=$(ls /proc | grep -c '^[0-9]')
    ";
    system(&mut b).set("process.args", json!(["sh", "-c", script]));
    let out = b.run_once();
    assert!(!out.stdout.contains("WROTE"), "{out}");
    assert!(
        !out.stdout.contains("MADE") && !out.stdout.contains("MOUNTED"),
        "{out}"
    );
    // EPERM where the kernel takes modules, ENOSYS where it has none: never a parsed module.
    assert!(out.stdout.contains("NO-MODULE"), "insmod: {out}");
    assert!(
        !out.stdout.contains("Exec format error"),
        "insmod got past the check: {out}"
    );
    let procs: usize = out
        .stdout
        .split("procs=")
        .nth(1)
        .and_then(|n| n.trim().parse().ok())
        .expect("process count");
    assert!(procs <= 5, "host processes visible: {out}");
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/panic").unwrap(),
        panic
    );
}

#[test]
fn host_pid_namespace_is_refused_with_nothing_left() {
    let mut b = Bundle::new();
    system(&mut b).set(
        "linux.namespaces",
        json!([{"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]),
    );
    let id = b.id();
    b.create(&id)
        .assert_fails_naming("linux.namespaces: a system container (io.husk.system)");
    b.assert_clean(&id);
    assert_eq!(held(&id), 0);
}

#[test]
fn an_exhausted_id_range_is_one_line_with_nothing_left() {
    let root = state_root().join("exhausted");
    std::fs::create_dir_all(&root).unwrap();
    let full: String = (0..16384).map(|s| format!("{s} other-{s}\n")).collect();
    std::fs::write(root.join("system-ids"), &full).unwrap();
    let mut b = Bundle::new();
    system(&mut b);
    b.write();
    let mut cmd = std::process::Command::new(runtime());
    cmd.arg("--root").arg(&root);
    cmd.args(["create", "--bundle", b.dir_str(), "full"]);
    let out = run_captured(cmd, None);
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("all 16384 id ranges of 65536"), "{out}");
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    assert!(!root.join("full").exists());
    assert_eq!(
        std::fs::read_to_string(root.join("system-ids")).unwrap(),
        full
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_rootfs_that_cannot_be_idmapped_is_one_line_with_nothing_left() {
    let mut b = Bundle::new();
    let lower = b.rootfs();
    let over = b.dir().join("over");
    for d in ["up", "work", "over"] {
        std::fs::create_dir_all(b.dir().join(d)).unwrap();
    }
    let opts = format!(
        "lowerdir={},upperdir={},workdir={}",
        lower.display(),
        b.dir().join("up").display(),
        b.dir().join("work").display()
    );
    let mounted = std::process::Command::new("mount")
        .args(["-t", "overlay", "overlay", "-o", &opts])
        .arg(&over)
        .status()
        .unwrap();
    assert!(mounted.success());
    system(&mut b).set("root.path", json!("over"));
    let id = b.id();
    let out = b.create(&id);
    let _ = std::process::Command::new("umount").arg(&over).status();
    out.assert_fails_naming("root.path: ")
        .assert_fails_naming("its filesystem cannot be idmapped");
    b.assert_clean(&id);
    assert_eq!(held(&id), 0);
}

/// A profile that denies mount and the namespace calls (as an engine's default does for a
/// container without CAP_SYS_ADMIN) still lets a system container's init, and a process
/// exec'd into it, make a mount namespace and mount in it: the user namespace bounds them.
#[test]
fn the_namespace_calls_are_allowed_whatever_the_profile_says() {
    let deny = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mount", "unshare", "setns"], "action": "SCMP_ACT_ERRNO"}
    ]});
    let script = "unshare -m sh -c 'mount -t tmpfs t /tmp && echo mounted'";
    let mut b = Bundle::new();
    system(&mut b)
        .set("linux.seccomp", deny)
        .set("process.args", json!(["sh", "-c", script]));
    let out = b.run_once();
    assert_eq!(out.stdout.trim(), "mounted", "init: {out}");
    b.set("process.args", json!(["sleep", "60"]));
    let id = b.id();
    b.create(&id).assert_ok();
    let out = husk(&["exec", &id, "sh", "-c", script]);
    assert_eq!(out.stdout.trim(), "mounted", "exec: {out}");
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
}

/// `features` says whether `--system-containers` makes every container a system container.
#[test]
fn features_report_the_mode() {
    for (flags, on) in [(&[][..], "false"), (&["--system-containers"][..], "true")] {
        let args: Vec<&str> = flags.iter().copied().chain(["features"]).collect();
        let out = husk_raw(&args).assert_ok();
        let f: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(f["annotations"]["io.husk.system"], on, "{out}");
    }
}
