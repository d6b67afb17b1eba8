//! Cgroup resources on this machine's v1 hierarchies, live: limits that bite, values read
//! back from the cgroup files, device rules, pause/resume, update and events. Every test ends
//! with no cgroup directory of its container left in any hierarchy.

mod common;

use common::*;
use serde_json::{json, Value};
use std::fs;
use std::path::PathBuf;
use std::time::Duration;

/// The container's directory in the v1 hierarchy mounted at /sys/fs/cgroup/`controller`.
fn cgroup_file(id: &str, controller: &str, file: &str) -> String {
    let root = PathBuf::from("/sys/fs/cgroup").join(controller);
    let dir = cgroups_named(id)
        .into_iter()
        .find(|d| d.starts_with(&root))
        .unwrap_or_else(|| panic!("{id} has no {controller} cgroup"));
    fs::read_to_string(dir.join(file))
        .unwrap()
        .trim()
        .to_string()
}

/// A running container whose payload is `script`.
fn running(bundle: &mut Bundle, script: &str) -> String {
    bundle.sh(script);
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["start", &id]).assert_ok();
    id
}

fn finish(bundle: &Bundle, id: &str) {
    husk(&["delete", "--force", id]).assert_ok();
    bundle.assert_clean(id);
}

/// A bundle whose payload gets 32 MiB of memory and no swap: a 64 MiB buffer is OOM-killed.
fn memory_capped() -> Bundle {
    let mut bundle = Bundle::new();
    bundle.set(
        "linux.resources.memory",
        json!({"limit": 33554432, "swap": 33554432}),
    );
    bundle
}

#[test]
fn a_memory_limit_oom_kills_the_payload() {
    let mut bundle = memory_capped();
    bundle.sh("exec dd if=/dev/zero of=/dev/null bs=64M count=1");
    let id = bundle.id();
    bundle.run(&id).assert_code(137);
    bundle.assert_clean(&id);
}

#[test]
fn a_pids_limit_stops_a_fork_loop() {
    let mut bundle = Bundle::new();
    bundle
        .set("linux.resources.pids.limit", json!(8))
        .sh("(for i in $(seq 30); do sleep 5 & done) 2>/dev/null; set -- /proc/[0-9]*; echo $#");
    let id = bundle.id();
    let out = bundle.run(&id).assert_ok();
    let n: u32 = line(&out).trim().parse().unwrap();
    assert!(
        (2..=8).contains(&n),
        "{n} processes under a limit of 8: {out}"
    );
    bundle.assert_clean(&id);
}

#[test]
fn cpu_and_cpuset_values_are_written_to_the_cgroup() {
    let mut bundle = Bundle::new();
    bundle.set(
        "linux.resources.cpu",
        json!({"shares": 512, "quota": 20000, "period": 50000, "cpus": "0", "mems": "0"}),
    );
    let id = running(&mut bundle, "sleep 100");
    assert_eq!(cgroup_file(&id, "cpu", "cpu.shares"), "512");
    assert_eq!(cgroup_file(&id, "cpu", "cpu.cfs_quota_us"), "20000");
    assert_eq!(cgroup_file(&id, "cpu", "cpu.cfs_period_us"), "50000");
    assert_eq!(cgroup_file(&id, "cpuset", "cpuset.cpus"), "0");
    assert_eq!(cgroup_file(&id, "cpuset", "cpuset.mems"), "0");
    finish(&bundle, &id);
}

/// A script reading /dev/null (allowed by default) and /fuse, a node of /dev/fuse (10:229)
/// made in the rootfs, which only an allow rule lets it open.
fn device_bundle() -> Bundle {
    let mut bundle = Bundle::writable();
    let node = std::ffi::CString::new(bundle.rootfs().join("fuse").to_str().unwrap()).unwrap();
    // SAFETY: node is a valid path; mknod only creates a device file in the test's rootfs.
    let rc = unsafe { libc::mknod(node.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(10, 229)) };
    assert_eq!(rc, 0, "mknod {node:?}");
    bundle.sh("head -c 0 /dev/null && echo null-ok; head -c 0 /fuse 2>&1 || true");
    bundle
}

#[test]
fn device_rules_allow_null_and_deny_other_nodes() {
    let bundle = device_bundle();
    let id = bundle.id();
    let out = bundle.run(&id).assert_ok();
    assert!(out.stdout.starts_with("null-ok\n"), "{out}");
    assert!(out.stdout.contains("Operation not permitted"), "{out}");
    bundle.assert_clean(&id);
}

#[test]
fn an_allow_rule_opens_a_device() {
    let mut bundle = device_bundle();
    bundle.push(
        "linux.resources.devices",
        json!({"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}),
    );
    let id = bundle.id();
    let out = bundle.run(&id).assert_ok();
    assert_eq!(out.stdout, "null-ok\n", "{out}");
    bundle.assert_clean(&id);
}

/// runc's default allow-list, in the order runc writes it (by major, minor, then type).
#[test]
fn the_default_allow_list_is_runcs() {
    let mut bundle = Bundle::new();
    let id = running(&mut bundle, "sleep 100");
    let list = cgroup_file(&id, "devices", "devices.list");
    let want = [
        "b *:* m",
        "c *:* m",
        "c 1:3 rwm",
        "c 1:5 rwm",
        "c 1:7 rwm",
        "c 1:8 rwm",
        "c 1:9 rwm",
        "c 5:0 rwm",
        "c 5:2 rwm",
        "c 10:200 rwm",
        "c 136:* rwm",
    ];
    assert_eq!(list.lines().collect::<Vec<_>>(), want);
    finish(&bundle, &id);
}

/// A node made from linux.devices gets no rule of its own, a deny rule the kernel would
/// refuse ("rwa") is never written, and updates leave the rules as they are (runc's
/// dev.bats and update.bats cases).
#[test]
fn a_configured_device_stays_denied_by_a_deny_all_config_across_updates() {
    let mut bundle = Bundle::new();
    bundle
        .push(
            "linux.resources.devices",
            json!({"allow": false, "type": "c", "major": 1, "minor": 11, "access": "rwa"}),
        )
        .push(
            "linux.devices",
            json!({"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11}),
        );
    for set in ["bounding", "effective", "permitted"] {
        bundle.push(&format!("process.capabilities.{set}"), json!("CAP_SYSLOG"));
    }
    let id = running(&mut bundle, "sleep 100");
    let denied = |id: &str| {
        for script in ["head -n 1 /dev/kmsg", "hostname | tee /dev/kmsg"] {
            let out = husk(&["exec", id, "sh", "-c", script]);
            assert!(!out.success(), "{out}");
            assert!(out.stderr.contains("Operation not permitted"), "{out}");
        }
    };
    denied(&id);
    let before = cgroup_file(&id, "devices", "devices.list");
    for _ in 0..3 {
        husk(&["update", "--pids-limit", "42", &id]).assert_ok();
    }
    assert_eq!(cgroup_file(&id, "devices", "devices.list"), before);
    denied(&id);
    finish(&bundle, &id);
}

/// utime + stime of `pid` in clock ticks.
fn cpu_ticks(pid: i64) -> u64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn pause_freezes_a_busy_loop_and_resume_thaws_it() {
    let mut bundle = Bundle::new();
    let id = running(&mut bundle, "while :; do :; done");
    let pid = state(&id)["pid"].as_i64().unwrap();
    husk(&["pause", &id]).assert_ok();
    assert_eq!(state(&id)["status"], "paused");
    assert_eq!(cgroup_file(&id, "freezer", "freezer.state"), "FROZEN");
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(cpu_ticks(pid), before, "a paused loop ran");
    husk(&["pause", &id]).assert_fails_naming("not running");
    husk(&["resume", &id]).assert_ok();
    assert_eq!(state(&id)["status"], "running");
    assert!(
        wait_for(Duration::from_secs(5), || cpu_ticks(pid) > before),
        "the loop did not run again"
    );
    husk(&["resume", &id]).assert_fails_naming("running");
    husk(&["pause", &id]).assert_ok();
    // A paused container is killed and deleted whole.
    finish(&bundle, &id);
}

#[test]
fn update_changes_a_running_containers_limits() {
    let mut bundle = Bundle::new();
    bundle.set("linux.resources.memory.limit", json!(100 << 20));
    let id = running(&mut bundle, "sleep 100");
    husk(&[
        "update",
        "--memory",
        "64m",
        "--pids-limit",
        "33",
        "--cpu-share",
        "300",
        &id,
    ])
    .assert_ok();
    assert_eq!(
        cgroup_file(&id, "memory", "memory.limit_in_bytes"),
        (64 << 20).to_string()
    );
    assert_eq!(cgroup_file(&id, "pids", "pids.max"), "33");
    assert_eq!(cgroup_file(&id, "cpu", "cpu.shares"), "300");
    let body = br#"{"pids": {"limit": 44}, "cpu": {"quota": 30000}}"#;
    let how = Invocation {
        stdin: Some(body),
        ..Default::default()
    };
    husk_with(&["update", "--resources", "-", &id], &how).assert_ok();
    assert_eq!(cgroup_file(&id, "pids", "pids.max"), "44");
    assert_eq!(cgroup_file(&id, "cpu", "cpu.cfs_quota_us"), "30000");
    assert_eq!(
        cgroup_file(&id, "cpu", "cpu.shares"),
        "300",
        "update kept earlier values"
    );
    let bad = Invocation {
        stdin: Some(br#"{"memory": {"limit": "x"}}"#),
        ..Default::default()
    };
    husk_with(&["update", "-r", "-", &id], &bad)
        .assert_fails_naming("linux.resources.memory.limit");
    husk(&["update", "--cpuset-cpus", "9-x", &id]).assert_fails_naming("linux.resources.cpu.cpus");
    finish(&bundle, &id);
}

#[test]
fn events_stats_is_one_json_line_with_runcs_fields() {
    let mut bundle = Bundle::new();
    bundle
        .set("linux.resources.memory.limit", json!(50 << 20))
        .set("linux.resources.pids.limit", json!(20))
        .set("linux.resources.cpu", json!({"cpus": "0-1", "mems": "0"}));
    let id = running(&mut bundle, "sleep 100");
    let out = husk(&["events", "--stats", &id]).assert_ok();
    assert_eq!(out.stdout.lines().count(), 1, "{out}");
    let e: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(e["type"], "stats");
    assert_eq!(e["id"], id.as_str());
    let d = &e["data"];
    assert_eq!(d["pids"]["current"], 1);
    assert_eq!(d["pids"]["limit"], 20);
    assert_eq!(d["memory"]["usage"]["limit"], 50 << 20);
    assert!(d["memory"]["usage"]["usage"].as_u64().unwrap() > 0, "{out}");
    assert!(d["memory"]["raw"]["total_rss"].is_u64(), "{out}");
    assert!(d["cpu"]["usage"]["total"].as_u64().unwrap() > 0, "{out}");
    assert!(d["cpu"]["usage"]["percpu"].is_array(), "{out}");
    assert!(d["blkio"].is_object() && d["hugetlb"].is_object(), "{out}");
    assert_eq!(d["cpuset"]["cpus"], json!([0, 1]), "{out}");
    assert_eq!(d["cpuset"]["mems"], json!([0]), "{out}");
    finish(&bundle, &id);
}

#[test]
fn events_stream_stats_and_an_oom_until_the_container_stops() {
    let mut bundle = memory_capped();
    let id = running(
        &mut bundle,
        "sleep 0.5; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 0.5",
    );
    let out = husk(&["events", "--interval", "200ms", &id]).assert_ok();
    let events: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |t: &str| events.iter().filter(|e| e["type"] == t).count();
    assert!(of("stats") >= 3, "{out}");
    assert_eq!(of("oom"), 1, "{out}");
    assert!(events.iter().all(|e| e["id"] == id.as_str()), "{out}");
    finish(&bundle, &id);
}

#[test]
fn events_interval_takes_go_durations_only() {
    let bundle = Bundle::new();
    let id = bundle.id();
    husk(&["events", "--interval", "5", &id]).assert_fails_naming("--interval");
    bundle.assert_clean(&id);
}

#[test]
fn invalid_resources_are_refused_naming_the_field_before_anything_exists() {
    let cases = [
        ("linux.resources.cpu.cpus", json!({"cpu": {"cpus": "0-x"}})),
        (
            "linux.resources.memory.swap",
            json!({"memory": {"limit": 100000000, "swap": 1000}}),
        ),
        (
            "linux.resources.memory.swappiness",
            json!({"memory": {"swappiness": 101}}),
        ),
        (
            "linux.resources.blockIO.weight",
            json!({"blockIO": {"weight": 5}}),
        ),
        (
            "linux.resources.hugepageLimits.pageSize",
            json!({"hugepageLimits": [{"pageSize": "2X", "limit": 1}]}),
        ),
        ("linux.resources.unified", json!({"unified": {"../x": "1"}})),
        (
            "linux.resources.unified: invalid configuration",
            json!({"unified": {"hugetlb.2MB.max": "4194304"}}),
        ),
        (
            "linux.resources.network",
            json!({"network": {"classID": 1}}),
        ),
    ];
    for (field, resources) in cases {
        let mut bundle = Bundle::new();
        bundle.set("linux.resources", resources);
        let id = bundle.id();
        bundle.create(&id).assert_fails_naming(field);
        bundle.assert_clean(&id);
    }
}

#[test]
fn kill_all_uses_the_cgroup_and_delete_removes_every_hierarchy() {
    let mut bundle = Bundle::new();
    let id = running(&mut bundle, "sleep 100 & sleep 100 & sleep 100");
    assert!(cgroups_named(&id).len() >= 5, "{:?}", cgroups_named(&id));
    husk(&["kill", "--all", &id, "KILL"]).assert_ok();
    wait_status(&id, "stopped");
    husk(&["delete", &id]).assert_ok();
    bundle.assert_clean(&id);
}

/// A payload may make cgroups of its own below the container's: `delete --force` kills what
/// runs there too and removes the tree from the leaves up.
#[test]
fn delete_force_kills_and_removes_nested_cgroups() {
    let mut bundle = Bundle::new();
    let id = running(&mut bundle, "sleep 100 & exec sleep 100");
    let init = state(&id)["pid"].as_i64().unwrap().to_string();
    let dirs = cgroups_named(&id);
    let mut procs = String::new();
    wait_for(Duration::from_secs(5), || {
        procs = fs::read_to_string(dirs[0].join("cgroup.procs")).unwrap();
        procs.lines().count() == 2
    });
    let child = procs
        .lines()
        .find(|p| *p != init)
        .expect("the background sleep");
    for dir in &dirs {
        let nested = dir.join("a/b");
        for level in [dir.join("a"), nested.clone()] {
            fs::create_dir(&level).unwrap();
            // A new cpuset cgroup takes no process until it has cpus and mems.
            for file in ["cpuset.cpus", "cpuset.mems"] {
                if let Ok(value) = fs::read_to_string(dir.join(file)) {
                    fs::write(level.join(file), value).unwrap();
                }
            }
        }
        fs::write(nested.join("cgroup.procs"), child).unwrap();
    }
    finish(&bundle, &id);
}

/// -1 lifts a limit: memory alone lifts the swap limit with it, which would otherwise stay
/// below the new memory limit, where the kernel refuses it.
#[test]
fn update_minus_one_means_unlimited() {
    let mut bundle = memory_capped();
    let id = running(&mut bundle, "exec sleep 100");
    let unlimited = |file: &str| cgroup_file(&id, "memory", file).parse::<u64>().unwrap() > 1 << 60;
    assert!(!unlimited("memory.memsw.limit_in_bytes"));
    husk(&["update", "--memory", "-1", &id]).assert_ok();
    assert!(unlimited("memory.limit_in_bytes"));
    assert!(unlimited("memory.memsw.limit_in_bytes"));
    husk(&["update", "--pids-limit", "5", "--cpu-quota", "50000", &id]).assert_ok();
    husk(&["update", "--pids-limit", "-1", "--cpu-quota", "-1", &id]).assert_ok();
    assert_eq!(cgroup_file(&id, "pids", "pids.max"), "max");
    assert_eq!(cgroup_file(&id, "cpu", "cpu.cfs_quota_us"), "-1");
    finish(&bundle, &id);
}
