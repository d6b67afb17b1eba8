//! The cgroup v2 code path, live. On a unified host (cgroup2 at /sys/fs/cgroup, as under
//! systemd: the guest tests/guest runs in) husk uses the host's tree as it is. On the hybrid
//! test machine, husk runs in a private mount namespace with the hybrid cgroup2 mounted at
//! /sys/fs/cgroup (it has no controller but hugetlb, so limits other than hugetlb are checked
//! by the library's unit tests against a scratch tree there). The cgroup2 root's
//! subtree_control, which husk changes as runc does, is restored after each test.

mod common;

use common::*;
use serde_json::{json, Value};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The cgroup2 mount as this test process sees it.
fn v2_root() -> &'static Path {
    match unified_host() {
        true => Path::new("/sys/fs/cgroup"),
        false => Path::new("/sys/fs/cgroup/unified"),
    }
}

fn unified_host() -> bool {
    Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

/// Where husk sees cgroup2 at /sys/fs/cgroup: the host itself on a unified host, else a
/// process holding a mount namespace with cgroup2 there, which commands enter. Tests that
/// use it run one at a time, since each restores the shared subtree_control.
struct V2 {
    holder: Option<Child>,
    subtree: String,
    _one_at_a_time: MutexGuard<'static, ()>,
}

impl V2 {
    fn new() -> V2 {
        static LOCK: Mutex<()> = Mutex::new(());
        let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let subtree = fs::read_to_string(v2_root().join("cgroup.subtree_control")).unwrap();
        V2 {
            holder: (!unified_host()).then(mount_cgroup2_privately),
            subtree,
            _one_at_a_time: guard,
        }
    }

    fn husk(&self, args: &[&str]) -> Out {
        let mut cmd = match &self.holder {
            Some(holder) => {
                let mut cmd = Command::new("nsenter");
                cmd.arg("-t")
                    .arg(holder.id().to_string())
                    .arg("-m")
                    .arg("--")
                    .arg(runtime());
                cmd
            }
            None => Command::new(runtime()),
        };
        cmd.arg("--root").arg(state_root()).args(args);
        run_captured(cmd, None)
    }

    /// The running container's cgroup as this process sees it, found from its init's
    /// /proc/PID/cgroup: where husk puts it depends on the caller's own cgroup.
    fn cgroup_dir(&self, id: &str) -> PathBuf {
        let pid = self.state(id)["pid"].to_string();
        let own = fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
        let path = own
            .lines()
            .find_map(|l| l.strip_prefix("0::"))
            .unwrap_or_else(|| panic!("no cgroup2 line in /proc/{pid}/cgroup: {own}"));
        let dir = v2_root().join(path.trim_start_matches('/'));
        assert_eq!(dir.file_name().unwrap(), id, "container {id} is in {dir:?}");
        dir
    }

    fn state(&self, id: &str) -> Value {
        let out = self.husk(&["state", id]).assert_ok();
        serde_json::from_str(&out.stdout).unwrap()
    }

    fn status(&self, id: &str) -> String {
        self.state(id)["status"].as_str().unwrap().to_string()
    }
}

fn mount_cgroup2_privately() -> Child {
    let script = "mount -t cgroup2 none /sys/fs/cgroup && echo ready && exec sleep 1000";
    let mut holder = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script])
        .stdout(Stdio::piped())
        .spawn()
        .expect("unshare");
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n", "cgroup2 could not be mounted");
    holder
}

impl Drop for V2 {
    fn drop(&mut self) {
        // On a unified host the root's controllers serve every other cgroup too (systemd's
        // slices among them): what husk enabled there stays, as it does after runc.
        let Some(holder) = &mut self.holder else {
            return;
        };
        let _ = holder.kill();
        let _ = holder.wait();
        let file = v2_root().join("cgroup.subtree_control");
        let now = fs::read_to_string(&file).unwrap_or_default();
        for c in now
            .split_whitespace()
            .filter(|c| !self.subtree.split_whitespace().any(|s| s == *c))
        {
            // A controller stays busy until the removed cgroups are fully gone.
            let off = || fs::write(&file, format!("-{c}")).is_ok();
            assert!(
                wait_for(Duration::from_secs(10), off),
                "cannot restore {file:?}"
            );
        }
    }
}

fn read(path: PathBuf) -> String {
    fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path:?}: {e}"))
        .trim()
        .to_string()
}

#[test]
fn procs_freeze_kill_and_the_device_program() {
    let v2 = V2::new();
    let mut bundle = Bundle::writable();
    let shared = bundle.share();
    let node = std::ffi::CString::new(bundle.rootfs().join("fuse").to_str().unwrap()).unwrap();
    // SAFETY: node is a valid path; mknod only creates a device file in the test's rootfs.
    let rc = unsafe { libc::mknod(node.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(10, 229)) };
    assert_eq!(rc, 0);
    bundle.sh("(head -c 0 /dev/null && echo null-ok; head -c 0 /fuse 2>&1) > /shared/out; while :; do :; done");
    bundle.write();
    let id = bundle.id();
    v2.husk(&["create", "--bundle", bundle.dir_str(), &id])
        .assert_ok();
    let pid = v2.state(&id)["pid"].to_string();
    let dir = v2.cgroup_dir(&id);
    assert_eq!(read(dir.join("cgroup.procs")), pid);
    v2.husk(&["start", &id]).assert_ok();
    // The file exists once the shell opened it, and is whole once it holds both lines.
    let written = || fs::read_to_string(shared.join("out")).is_ok_and(|t| t.lines().count() == 2);
    assert!(wait_for(Duration::from_secs(5), written));
    let out = read(shared.join("out"));
    assert!(
        out.starts_with("null-ok\n") && out.contains("Operation not permitted"),
        "{out}"
    );

    v2.husk(&["pause", &id]).assert_ok();
    assert_eq!(v2.status(&id), "paused");
    assert_eq!(read(dir.join("cgroup.freeze")), "1");
    assert!(read(dir.join("cgroup.events")).contains("frozen 1"));
    v2.husk(&["resume", &id]).assert_ok();
    assert_eq!(v2.status(&id), "running");
    assert!(read(dir.join("cgroup.events")).contains("frozen 0"));

    v2.husk(&["pause", &id]).assert_ok();
    v2.husk(&["kill", "--all", &id, "KILL"]).assert_ok();
    assert!(wait_for(Duration::from_secs(5), || v2.status(&id) == "stopped"));
    v2.husk(&["delete", &id]).assert_ok();
    bundle.assert_clean(&id);
}

/// hugetlb is on cgroup2 here, except while scripts/bench has it mounted as a v1 hierarchy
/// for crun: the limit is checked in whichever layout the machine has.
#[test]
fn a_hugetlb_limit_is_written_and_reported() {
    let v1_root = Path::new("/sys/fs/cgroup/hugetlb");
    let on_v1 = v1_root.join("cgroup.procs").exists();
    let v2 = (!on_v1).then(V2::new);
    let run = |args: &[&str]| match &v2 {
        Some(v2) => v2.husk(args),
        None => husk(args),
    };
    let mut bundle = Bundle::new();
    bundle
        .set(
            "linux.resources.hugepageLimits",
            json!([{"pageSize": "2MB", "limit": 4194304}]),
        )
        .sh("sleep 100");
    bundle.write();
    let id = bundle.id();
    run(&["run", "-d", "--bundle", bundle.dir_str(), &id]).assert_ok();
    let limit = match on_v1 {
        true => cgroups_named(&id)
            .into_iter()
            .find(|d| d.starts_with(v1_root))
            .unwrap()
            .join("hugetlb.2MB.limit_in_bytes"),
        false => v2.as_ref().unwrap().cgroup_dir(&id).join("hugetlb.2MB.max"),
    };
    assert_eq!(read(limit), "4194304");
    let out = run(&["events", "--stats", &id]).assert_ok();
    let e: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(e["data"]["hugetlb"]["2MB"]["failcnt"], 0, "{out}");
    assert!(e["data"]["cpu"]["usage"]["user"].is_u64(), "{out}");
    run(&["delete", "--force", &id]).assert_ok();
    bundle.assert_clean(&id);
}

#[test]
fn missing_controllers_and_v1_only_limits_are_refused_naming_the_field() {
    let v2 = V2::new();
    let mut cases = vec![
        (
            "linux.resources.cpu.realtimeRuntime",
            json!({"cpu": {"realtimeRuntime": 5}}),
        ),
        (
            "linux.resources.network",
            json!({"network": {"classID": 1}}),
        ),
    ];
    // The hybrid machine's cgroup2 has no pids controller; a unified host has one.
    let controllers = read(v2_root().join("cgroup.controllers"));
    if !controllers.split_whitespace().any(|c| c == "pids") {
        cases.push(("linux.resources.pids.limit", json!({"pids": {"limit": 5}})));
    }
    for (field, resources) in cases {
        let mut bundle = Bundle::new();
        bundle.set("linux.resources", resources);
        bundle.write();
        let id = bundle.id();
        v2.husk(&["create", "--bundle", bundle.dir_str(), &id])
            .assert_fails_naming(field);
        bundle.assert_clean(&id);
    }
}
