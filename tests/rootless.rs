//! Rootless: an ordinary user runs containers in a user namespace, with its own id mapped
//! directly or more ids through newuidmap/newgidmap and /etc/subuid, and cgroups only where
//! they were delegated to it.

mod common;

use common::user::{make_rootless, map, TestUser};
use common::*;
use serde_json::json;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

/// A bundle that `user` can use as runc's rootless template describes, with /shared the
/// user's own directory.
fn rootless_bundle(
    user: &TestUser,
    uids: serde_json::Value,
    gids: serde_json::Value,
) -> (Bundle, std::path::PathBuf) {
    let mut b = Bundle::new();
    make_rootless(&mut b.config, uids, gids);
    let shared = b.share();
    user.give(&shared);
    (b, shared)
}

fn owner(path: &Path) -> (u32, u32) {
    let m = fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (m.uid(), m.gid())
}

#[test]
fn one_mapped_id_lifecycle() {
    let user = TestUser::new("a", None);
    let own = json!([map(0, user.uid, 1)]);
    let own_gid = json!([map(0, user.gid, 1)]);
    let (mut b, shared) = rootless_bundle(&user, own, own_gid);
    b.sh("touch /shared/made; exec sleep 60");
    b.write();
    let id = unique_id("rl");
    user.husk(&["create", "--bundle", b.dir_str(), &id])
        .assert_ok();
    assert!(
        user.root().join(&id).is_dir(),
        "state is not under $XDG_RUNTIME_DIR/husk"
    );
    assert_eq!(user.state(&id)["status"], "created");
    user.husk(&["start", &id]).assert_ok();
    assert_eq!(user.state(&id)["status"], "running");
    let made = shared.join("made");
    assert!(
        wait_for(Duration::from_secs(5), || made.exists()),
        "payload did not run"
    );
    assert_eq!(owner(&made), (user.uid, user.gid));
    let out = user.husk(&["exec", &id, "sh", "-c", "touch /shared/exec && id -u"]);
    assert_eq!(out.assert_ok().stdout.trim(), "0");
    assert_eq!(owner(&shared.join("exec")), (user.uid, user.gid));
    // No cgroup of its own to list processes from: --all signals init.
    user.husk(&["kill", "--all", &id, "KILL"]).assert_ok();
    assert!(wait_for(Duration::from_secs(5), || user.state(&id)
        ["status"]
        == "stopped"));
    user.husk(&["delete", &id]).assert_ok();
    assert!(!user.root().join(&id).exists(), "state dir outlived delete");
    assert_no_cgroup(&id);
    assert_no_processes_in(&b.rootfs());
}

#[test]
fn ranges_from_subuid_go_through_newuidmap() {
    let (first, count) = (200_000, 65_536);
    let user = TestUser::new("b", Some((first, count)));
    let uids = json!([map(0, user.uid, 1), map(1, first, count)]);
    let gids = json!([map(0, user.gid, 1), map(1, first, count)]);
    let (mut b, shared) = rootless_bundle(&user, uids, gids);
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o777)).unwrap();
    b.set("process.user", json!({"uid": 1000, "gid": 1000}));
    // Device nodes are the host's, bound in: mknod is impossible in a user namespace.
    b.sh("echo x >/dev/null && touch /shared/u1000 && exec sleep 60");
    b.write();
    let id = unique_id("rl");
    user.husk(&["run", "--detach", "--bundle", b.dir_str(), &id])
        .assert_ok();
    let made = shared.join("u1000");
    assert!(
        wait_for(Duration::from_secs(5), || made.exists()),
        "payload did not run"
    );
    let exec = ["exec", "--user", "2000:2000", &id, "touch", "/shared/u2000"];
    user.husk(&exec).assert_ok();
    assert_eq!(owner(&shared.join("u2000")), (first + 1999, first + 1999));
    let out = user
        .husk(&["exec", &id, "cat", "/proc/self/uid_map"])
        .assert_ok();
    let lines: Vec<Vec<u32>> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().map(|n| n.parse().unwrap()).collect())
        .collect();
    assert_eq!(
        lines,
        [vec![0, user.uid, 1], vec![1, first, count]],
        "{out}"
    );
    user.husk(&["delete", "--force", &id]).assert_ok();
    assert_eq!(owner(&shared.join("u1000")), (first + 999, first + 999));
    assert!(!user.root().join(&id).exists());
    assert_no_processes_in(&b.rootfs());
}

/// runc sets supplementary groups only when its own euid is root: run by a user, the process
/// keeps the groups it came with (the user's own gid, 0 inside) even where newgidmap allowed
/// setgroups, and additionalGids go unused, in init and in exec alike.
#[test]
fn a_rootless_runtime_keeps_the_supplementary_groups() {
    let (first, count) = (300_000, 65_536);
    let user = TestUser::new("h", Some((first, count)));
    let uids = json!([map(0, user.uid, 1), map(1, first, count)]);
    let gids = json!([map(0, user.gid, 1), map(1, first, count)]);
    let (mut b, _shared) = rootless_bundle(&user, uids, gids);
    b.set(
        "process.user",
        json!({"uid": 0, "gid": 0, "additionalGids": [5]}),
    );
    b.sh("exec sleep 60");
    b.write();
    let id = unique_id("rl");
    user.husk(&["run", "--detach", "--bundle", b.dir_str(), &id])
        .assert_ok();
    let grep = ["grep", "Groups", "/proc/1/status", "/proc/self/status"];
    let out = user.husk(&[&["exec", "-g", "6", &id][..], &grep[..]].concat());
    assert_eq!(
        out.assert_ok().stdout,
        "/proc/1/status:Groups:\t0 \n/proc/self/status:Groups:\t0 \n"
    );
    user.husk(&["delete", "--force", &id]).assert_ok();
    assert_no_processes_in(&b.rootfs());
}

/// Everything a refused create could have left: state, cgroup, processes.
#[track_caller]
fn nothing_left(user: &TestUser, b: &Bundle, id: &str) {
    assert!(
        !user.root().join(id).exists(),
        "state dir of {id} left behind"
    );
    assert_no_cgroup(id);
    assert_no_processes_in(&b.rootfs());
}

#[test]
fn bad_maps_fail_clearly_and_leave_nothing() {
    let user = TestUser::new("c", None);
    let cases = [
        (
            json!([map(0, user.uid, 1), map(1, 300_000, 10)]),
            "not allowed",
        ),
        (
            json!([map(0, user.uid, 1), map(0, 300_000, 10)]),
            "linux.uidMappings[1]: containerID range overlaps",
        ),
        (
            json!([map(0, user.uid, 0)]),
            "linux.uidMappings[0].size: must be greater than zero",
        ),
    ];
    for (uids, needle) in cases {
        let (b, _) = rootless_bundle(&user, uids, json!([map(0, user.gid, 1)]));
        b.write();
        let id = unique_id("rl");
        user.husk(&["create", "--bundle", b.dir_str(), &id])
            .assert_fails_naming(needle);
        nothing_left(&user, &b, &id);
    }
}

#[test]
fn without_xdg_runtime_dir_the_default_root_is_refused() {
    let user = TestUser::new("d", None);
    let (b, _) = rootless_bundle(
        &user,
        json!([map(0, user.uid, 1)]),
        json!([map(0, user.gid, 1)]),
    );
    b.write();
    let id = unique_id("rl");
    let out = run_captured(
        user.command(&["create", "--bundle", b.dir_str(), &id], false),
        None,
    );
    out.assert_fails_naming(&format!("/run/husk/{id}"));
    assert!(!Path::new("/run/husk").join(&id).exists());
    nothing_left(&user, &b, &id);
}

#[test]
fn limits_without_a_writable_cgroup_are_an_error() {
    let user = TestUser::new("e", None);
    let (mut b, _) = rootless_bundle(
        &user,
        json!([map(0, user.uid, 1)]),
        json!([map(0, user.gid, 1)]),
    );
    b.set("linux.resources.pids", json!({"limit": 10}));
    b.write();
    let id = unique_id("rl");
    user.husk(&["create", "--bundle", b.dir_str(), &id])
        .assert_fails_naming("linux.resources.pids: cannot set limit");
    nothing_left(&user, &b, &id);
    b.remove("linux.resources");
    b.write();
    let out = user
        .husk(&["run", "--bundle", b.dir_str(), &id])
        .assert_ok();
    assert!(out.stderr.contains("no write access to cgroup"), "{out}");
    user.husk(&["--rootless", "false", "run", "--bundle", b.dir_str(), &id])
        .assert_fails_naming("cgroup: create");
    nothing_left(&user, &b, &id);
}

/// A v1 pids cgroup handed to the user (as a delegating manager would) is used; the others
/// are skipped.
#[test]
fn a_delegated_cgroup_is_used() {
    let hierarchy = Path::new("/sys/fs/cgroup/pids");
    if !hierarchy.join("cgroup.procs").exists() {
        eprintln!("no v1 pids hierarchy: skipped");
        return;
    }
    let user = TestUser::new("f", None);
    let parent = format!("husk-deleg-{}", std::process::id());
    let dir = hierarchy.join(&parent);
    fs::create_dir(&dir).unwrap();
    for f in ["", "cgroup.procs", "tasks"] {
        user.give(&dir.join(f));
    }
    let (mut b, _) = rootless_bundle(
        &user,
        json!([map(0, user.uid, 1)]),
        json!([map(0, user.gid, 1)]),
    );
    let id = unique_id("rl");
    b.set("linux.cgroupsPath", json!(format!("/{parent}/{id}")));
    b.sh("cat /proc/self/cgroup");
    b.write();
    let out = user.husk(&["run", "--bundle", b.dir_str(), &id]);
    let _ = fs::remove_dir(dir.join(&id));
    let _ = fs::remove_dir(&dir);
    let out = out.assert_ok();
    assert!(
        out.stdout.contains(&format!("pids:/{parent}/{id}\n")),
        "{out}"
    );
    assert!(!dir.exists(), "delegated cgroup left behind");
}

#[test]
fn oom_score_adj_may_rise_but_not_fall() {
    let user = TestUser::new("g", None);
    let own = || (json!([map(0, user.uid, 1)]), json!([map(0, user.gid, 1)]));
    let (uids, gids) = own();
    let (mut b, _) = rootless_bundle(&user, uids, gids);
    b.set("process.oomScoreAdj", json!(500));
    b.set("process.args", json!(["cat", "/proc/self/oom_score_adj"]));
    b.write();
    let id = unique_id("rl");
    let out = user
        .husk(&["run", "--bundle", b.dir_str(), &id])
        .assert_ok();
    assert_eq!(out.stdout.trim(), "500", "{out}");
    b.set("process.oomScoreAdj", json!(-500));
    b.write();
    user.husk(&["create", "--bundle", b.dir_str(), &id])
        .assert_fails_naming("process.oomScoreAdj: -500 is below the caller's own");
    nothing_left(&user, &b, &id);
}

/// A rootless engine (podman) runs the runtime as root of its own user namespace, with a config
/// that asks for none: mknod is refused there too, so the device nodes are bound from the host.
/// A bundle for a runtime that is root of a user namespace mapping root alone, as a rootless
/// engine's is: gid 5 (tty) is not mapped there.
fn engine_bundle() -> Bundle {
    let mut b = Bundle::new();
    for m in b.config["mounts"].as_array_mut().unwrap() {
        if let Some(opts) = m.get_mut("options").and_then(|o| o.as_array_mut()) {
            opts.retain(|o| !o.as_str().unwrap_or("").starts_with("gid="));
        }
    }
    b
}

/// The runtime as a rootless engine runs it: root of its own user namespace (and, with
/// `mount`, of its own mount namespace too), with the test's state root.
fn in_engine_namespaces(mount: bool, args: &[&str]) -> Out {
    let mut cmd = std::process::Command::new("unshare");
    cmd.arg("--user").arg("--map-root-user");
    if mount {
        cmd.arg("--mount");
    }
    cmd.arg(runtime())
        .arg("--root")
        .arg(state_root())
        .args(args);
    run_captured(cmd, None)
}

#[test]
fn a_runtime_in_an_engines_user_namespace_binds_the_device_nodes() {
    let mut b = engine_bundle();
    b.set(
        "process.args",
        json!([
            "sh",
            "-c",
            "echo x >/dev/null && stat -c '%F %t:%T' /dev/null"
        ]),
    );
    b.write();
    let id = b.id();
    let out = in_engine_namespaces(false, &["run", "--bundle", b.dir_str(), &id]);
    assert!(out.success(), "{out}");
    assert_eq!(out.stdout.trim(), "character special file 1:3", "{out}");
    b.assert_clean(&id);
}

/// There too init starts from the read-only overlayfs view of the binary, not a memfd copy:
/// the view's spare layer is the state root, which the kernel takes where it refuses /dev for
/// its locked mounts (and logs each refusal).
#[test]
fn a_runtime_in_an_engines_namespaces_starts_init_from_the_read_only_view() {
    let mut b = engine_bundle();
    b.set("process.args", json!(["sleep", "1000"]));
    b.write();
    let id = b.id();
    let out = in_engine_namespaces(true, &["create", "--bundle", b.dir_str(), &id]);
    assert!(out.success(), "{out}");
    let exe = format!("/proc/{}/exe", state(&id)["pid"]);
    let (target, write) = (
        fs::read_link(&exe),
        fs::OpenOptions::new().write(true).open(&exe),
    );
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
    let target = target.unwrap();
    assert!(
        !target.to_string_lossy().starts_with("/memfd:"),
        "{target:?}"
    );
    let e = write.expect_err("opened for writing");
    assert_eq!(e.raw_os_error(), Some(libc::EROFS), "{exe}: {e}");
}
