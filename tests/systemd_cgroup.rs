//! The systemd cgroup driver, live, on a host whose PID 1 is systemd: the unit as `systemctl`
//! sees it, limits read back from the cgroup files and biting, update, pause, exec, delete and
//! bad input. This machine has no systemd, so the tests are ignored here and run in the Debian
//! guest that `scripts/guest` boots (with `--include-ignored`), once with cgroup v2 and once
//! with systemd's v1 (hybrid) layout, where a limit is read from its v1 file.

mod common;

use common::*;
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A property of `unit` as systemd reports it.
fn show(unit: &str, property: &str) -> String {
    let out = Command::new("systemctl")
        .args(["show", unit, "-p", property, "--value"])
        .output()
        .expect("systemctl");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The cgroup systemd gave `unit`, relative to the root of every hierarchy.
fn control_group(unit: &str) -> String {
    let cg = show(unit, "ControlGroup");
    assert!(cg.starts_with('/'), "{unit} has no cgroup: {cg:?}");
    cg[1..].to_string()
}

fn read(dir: &Path, file: &str) -> String {
    fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
        .trim()
        .to_string()
}

fn unified() -> bool {
    Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

/// `unit`'s directory in every hierarchy (one on v2; one per v1 mount on a v1 host).
fn unit_dirs(unit: &str) -> Vec<PathBuf> {
    let cg = control_group(unit);
    if unified() {
        return vec![Path::new("/sys/fs/cgroup").join(cg)];
    }
    let mounts = fs::read_dir("/sys/fs/cgroup").unwrap().flatten();
    // cpu and cpuacct are symbolic links to the one cpu,cpuacct hierarchy.
    let real = mounts.filter(|e| e.file_type().is_ok_and(|t| t.is_dir()));
    real.map(|e| e.path().join(&cg)).collect()
}

/// `unit`'s limit in the v2 file `file`, from the v1 file that holds it on a v1 host, in the
/// v2 form: cpu.max as "quota period", cgroup.freeze as 1 or 0.
fn limit(unit: &str, file: &str) -> String {
    let cg = control_group(unit);
    let root = Path::new("/sys/fs/cgroup");
    if unified() {
        return read(&root.join(cg), file);
    }
    let v1 = |hierarchy: &str, file: &str| read(&root.join(hierarchy).join(&cg), file);
    match file {
        "memory.max" => v1("memory", "memory.limit_in_bytes"),
        "memory.low" => v1("memory", "memory.soft_limit_in_bytes"),
        "cpu.max" => format!(
            "{} {}",
            v1("cpu", "cpu.cfs_quota_us"),
            v1("cpu", "cpu.cfs_period_us")
        ),
        "cgroup.freeze" => match v1("freezer", "freezer.state").as_str() {
            "FROZEN" => "1".into(),
            _ => "0".into(),
        },
        "pids.max" | "cgroup.procs" => v1("pids", file),
        _ => panic!("{file} has no v1 counterpart here"),
    }
}

fn systemd(args: &[&str]) -> Out {
    let mut all = vec!["--systemd-cgroup"];
    all.extend_from_slice(args);
    husk(&all)
}

/// A created and started container under the systemd driver; returns its id and unit.
fn started(bundle: &mut Bundle, slice: &str, script: &str) -> (String, String) {
    let id = bundle.id();
    bundle
        .set("linux.cgroupsPath", json!(format!("{slice}:husk:{id}")))
        .sh(script)
        .write();
    systemd(&["create", "--bundle", bundle.dir_str(), &id]).assert_ok();
    husk(&["start", &id]).assert_ok();
    (id.clone(), format!("husk-{id}.scope"))
}

/// Deletes the container and checks that its unit and cgroups went with it.
fn gone(bundle: &Bundle, id: &str, unit: &str, dirs: &[PathBuf]) {
    husk(&["delete", "--force", id]).assert_ok();
    bundle.assert_clean(id);
    assert!(
        wait_for(std::time::Duration::from_secs(5), || show(
            unit,
            "LoadState"
        ) == "not-found"),
        "unit {unit} outlived its container: {}",
        show(unit, "ActiveState")
    );
    for dir in dirs {
        assert!(!dir.exists(), "{} outlived its unit", dir.display());
    }
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn the_scope_holds_the_container_with_its_limits_as_systemd_sees_them() {
    let mut bundle = Bundle::new();
    bundle.set(
        "linux.resources",
        json!({"memory": {"limit": 33554432}, "pids": {"limit": 20},
               "cpu": {"quota": 50000, "period": 100000}}),
    );
    let (id, unit) = started(&mut bundle, "system.slice", "sleep 100");
    assert_eq!(show(&unit, "ActiveState"), "active");
    assert_eq!(show(&unit, "Delegate"), "yes");
    assert_eq!(show(&unit, "Slice"), "system.slice");
    // systemd's v1 name for the memory limit is MemoryLimit.
    let memory = if unified() {
        "MemoryMax"
    } else {
        "MemoryLimit"
    };
    assert_eq!(show(&unit, memory), "33554432");
    assert_eq!(show(&unit, "TasksMax"), "20");
    assert_eq!(show(&unit, "CPUQuotaPerSecUSec"), "500ms");
    assert_eq!(control_group(&unit), format!("system.slice/{unit}"));
    assert_eq!(limit(&unit, "memory.max"), "33554432");
    assert_eq!(limit(&unit, "pids.max"), "20");
    assert_eq!(limit(&unit, "cpu.max"), "50000 100000");
    let pid = state(&id)["pid"].as_i64().unwrap();
    assert!(limit(&unit, "cgroup.procs")
        .lines()
        .any(|l| l == pid.to_string()));
    gone(&bundle, &id, &unit, &unit_dirs(&unit));
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn an_empty_path_is_runcs_scope_in_the_system_slice() {
    let mut bundle = Bundle::new();
    bundle.sh("sleep 100");
    let id = bundle.id();
    bundle.write();
    systemd(&["create", "--bundle", bundle.dir_str(), &id]).assert_ok();
    let unit = format!("runc-{id}.scope");
    assert_eq!(show(&unit, "Slice"), "system.slice");
    gone(&bundle, &id, &unit, &unit_dirs(&unit));
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn a_nested_slice_is_made_by_systemd() {
    let mut bundle = Bundle::new();
    let (id, unit) = started(&mut bundle, "husk-test.slice", "sleep 100");
    assert_eq!(
        control_group(&unit),
        format!("husk.slice/husk-test.slice/{unit}")
    );
    gone(&bundle, &id, &unit, &unit_dirs(&unit));
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn a_memory_limit_oom_kills_the_payload_with_137() {
    let mut bundle = Bundle::new();
    let id = bundle.id();
    bundle
        .set(
            "linux.resources.memory",
            json!({"limit": 33554432, "swap": 33554432}),
        )
        .set(
            "linux.cgroupsPath",
            json!(format!("system.slice:husk:{id}")),
        )
        .sh("exec dd if=/dev/zero of=/dev/null bs=64M count=1")
        .write();
    systemd(&["run", "--bundle", bundle.dir_str(), &id]).assert_code(137);
    bundle.assert_clean(&id);
    assert_eq!(show(&format!("husk-{id}.scope"), "LoadState"), "not-found");
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn a_pids_limit_stops_a_fork_loop() {
    let mut bundle = Bundle::new();
    let id = bundle.id();
    bundle
        .set("linux.resources.pids.limit", json!(8))
        .set(
            "linux.cgroupsPath",
            json!(format!("system.slice:husk:{id}")),
        )
        .sh("(for i in $(seq 30); do sleep 5 & done) 2>/dev/null; set -- /proc/[0-9]*; echo $#")
        .write();
    let out = systemd(&["run", "--bundle", bundle.dir_str(), &id]).assert_ok();
    let n: u32 = line(&out).trim().parse().unwrap();
    assert!((2..=8).contains(&n), "{n} processes under 8: {out}");
    bundle.assert_clean(&id);
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn update_sets_the_units_properties_and_the_files() {
    let mut bundle = Bundle::new();
    bundle.set("linux.resources.memory.limit", json!(33554432));
    let (id, unit) = started(&mut bundle, "system.slice", "sleep 100");
    husk(&["update", "--memory", "64m", "--pids-limit", "50", &id]).assert_ok();
    let memory = if unified() {
        "MemoryMax"
    } else {
        "MemoryLimit"
    };
    assert_eq!(show(&unit, memory), "67108864");
    assert_eq!(show(&unit, "TasksMax"), "50");
    assert_eq!(limit(&unit, "memory.max"), "67108864");
    assert_eq!(limit(&unit, "pids.max"), "50");
    gone(&bundle, &id, &unit, &unit_dirs(&unit));
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn pause_exec_and_kill_all_act_on_the_scope() {
    let mut bundle = Bundle::new();
    let (id, unit) = started(&mut bundle, "system.slice", "sleep 100");
    let dirs = unit_dirs(&unit);
    let out = husk(&["exec", &id, "cat", "/proc/self/cgroup"]).assert_ok();
    assert!(out.stdout.contains(&unit), "exec outside the scope: {out}");
    husk(&["pause", &id]).assert_ok();
    assert_eq!(state(&id)["status"], "paused");
    assert_eq!(limit(&unit, "cgroup.freeze"), "1");
    husk(&["resume", &id]).assert_ok();
    assert_eq!(state(&id)["status"], "running");
    husk(&["kill", "--all", &id, "KILL"]).assert_ok();
    wait_status(&id, "stopped");
    gone(&bundle, &id, &unit, &dirs);
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn an_invalid_slice_is_one_line_and_leaves_nothing() {
    let mut bundle = Bundle::new();
    let id = bundle.id();
    bundle
        .set("linux.cgroupsPath", json!(format!("a--b.slice:husk:{id}")))
        .write();
    let out = systemd(&["create", "--bundle", bundle.dir_str(), &id]).assert_code(1);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{out}");
    assert!(
        out.stderr.contains("invalid slice name: a--b.slice"),
        "{out}"
    );
    bundle.assert_clean(&id);
    assert_eq!(show(&format!("husk-{id}.scope"), "LoadState"), "not-found");
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn cgroupfs_on_a_unified_host_places_the_container_beside_the_caller() {
    let own = fs::read_to_string("/proc/self/cgroup").unwrap();
    let own = own.trim().strip_prefix("0::").expect("a unified host");
    let parent = Path::new(own).parent().unwrap_or(Path::new("/"));
    let mut bundle = Bundle::new();
    bundle
        .set("linux.resources.memory.limit", json!(33554432))
        .sh("sleep 100");
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    let dir = Path::new("/sys/fs/cgroup")
        .join(parent.strip_prefix("/").unwrap())
        .join(&id);
    assert_eq!(read(&dir, "memory.max"), "33554432");
    husk(&["delete", "--force", &id]).assert_ok();
    bundle.assert_clean(&id);
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn events_report_the_scopes_statistics() {
    let mut bundle = Bundle::new();
    bundle.set("linux.resources.pids.limit", json!(20));
    let (id, unit) = started(&mut bundle, "system.slice", "sleep 100");
    let out = husk(&["events", "--stats", &id]).assert_ok();
    let event: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(event["type"], "stats", "{out}");
    assert!(
        event["data"]["memory"]["usage"]["usage"].as_u64() > Some(0),
        "{out}"
    );
    assert_eq!(event["data"]["pids"]["limit"], 20, "{out}");
    assert!(
        event["data"]["pids"]["current"].as_u64() >= Some(1),
        "{out}"
    );
    gone(&bundle, &id, &unit, &unit_dirs(&unit));
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn a_scope_systemd_already_removed_is_deleted_without_error() {
    let mut bundle = Bundle::new();
    let (id, unit) = started(&mut bundle, "system.slice", "exit 3");
    wait_status(&id, "stopped");
    // The scope's last process is gone, so systemd stops and drops the unit by itself.
    assert!(
        wait_for(std::time::Duration::from_secs(10), || show(
            &unit,
            "LoadState"
        ) == "not-found"),
        "{unit} still {}",
        show(&unit, "ActiveState")
    );
    husk(&["delete", &id]).assert_ok();
    bundle.assert_clean(&id);
    let failed = Command::new("systemctl")
        .args(["list-units", "--failed", "--plain", "--no-legend"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&failed.stdout).contains(&unit),
        "{unit} left failed"
    );
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn every_resource_is_written_to_the_scope_with_runcs_conversions() {
    let disk = fs::read_to_string("/sys/block/vda/dev").expect("the guest's virtio disk");
    let (major, minor) = disk.trim().split_once(':').unwrap();
    let (major, minor): (i64, i64) = (major.parse().unwrap(), minor.parse().unwrap());
    let mut bundle = Bundle::new();
    bundle.set(
        "linux.resources",
        json!({
            "memory": {"limit": 67108864, "reservation": 33554432, "swap": 100663296},
            "cpu": {"shares": 1024, "quota": 20000, "period": 50000, "burst": 1000, "idle": 0,
                    "cpus": "0", "mems": "0"},
            "pids": {"limit": 30},
            "blockIO": {"weight": 500,
                        "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 1048576}]},
            "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
            "unified": {"memory.high": "50331648"}
        }),
    );
    let (id, unit) = started(&mut bundle, "system.slice", "sleep 100");
    let dir = &unit_dirs(&unit)[0];
    let want = [
        ("memory.max", "67108864".to_string()),
        ("memory.low", "33554432".into()),
        ("memory.swap.max", "33554432".into()),
        ("memory.high", "50331648".into()),
        ("cpu.weight", "39".into()),
        ("cpu.max", "20000 50000".into()),
        ("cpu.max.burst", "1000".into()),
        ("cpu.idle", "0".into()),
        ("cpuset.cpus", "0".into()),
        ("cpuset.mems", "0".into()),
        ("pids.max", "30".into()),
        ("hugetlb.2MB.max", "4194304".into()),
    ];
    for (file, value) in want {
        assert_eq!(read(dir, file), value, "{file}");
    }
    assert!(
        read(dir, "io.max").contains(&format!("{major}:{minor} rbps=1048576")),
        "io.max: {}",
        read(dir, "io.max")
    );
    assert_eq!(show(&unit, "CPUWeight"), "39");
    assert_eq!(show(&unit, "AllowedCPUs"), "0");
    assert_eq!(show(&unit, "MemoryLow"), "33554432");
    gone(&bundle, &id, &unit, &unit_dirs(&unit));
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn property_annotations_are_set_on_the_scope() {
    let mut bundle = Bundle::new();
    bundle.set(
        "annotations",
        json!({"org.systemd.property.CollectMode": "'inactive-or-failed'",
               "org.systemd.property.TimeoutStopSec": "uint64 7",
               "org.systemd.property.RuntimeMaxUSec": "@t 300000000",
               "org.systemd.property.SendSIGHUP": "true",
               "org.systemd.propertyless": "x"}),
    );
    let (id, unit) = started(&mut bundle, "system.slice", "sleep 100");
    assert_eq!(show(&unit, "CollectMode"), "inactive-or-failed");
    assert_eq!(show(&unit, "TimeoutStopUSec"), "7s");
    assert_eq!(show(&unit, "RuntimeMaxUSec"), "5min");
    assert_eq!(show(&unit, "SendSIGHUP"), "yes");
    gone(&bundle, &id, &unit, &unit_dirs(&unit));
}

#[test]
#[ignore = "needs systemd as PID 1: runs in the guest (scripts/guest)"]
fn a_property_systemd_refuses_is_one_line_and_leaves_nothing() {
    let mut bundle = Bundle::new();
    let id = bundle.id();
    bundle
        .set(
            "annotations",
            json!({"org.systemd.property.NoSuchProperty": "true"}),
        )
        .set(
            "linux.cgroupsPath",
            json!(format!("system.slice:husk:{id}")),
        )
        .write();
    let out = systemd(&["create", "--bundle", bundle.dir_str(), &id]).assert_code(1);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{out}");
    assert!(out.stderr.contains("NoSuchProperty"), "{out}");
    bundle.assert_clean(&id);
    assert_eq!(show(&format!("husk-{id}.scope"), "LoadState"), "not-found");
}
