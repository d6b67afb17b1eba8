//! Every v2 (and v1) resource file against a scratch directory laid out like a cgroup mount:
//! the files exist empty, as a kernel with every controller enabled would show them, and each
//! write is appended, so a file holds every line written to it.

use super::Cgroup;
use crate::spec::Resources;
use std::fs;
use std::path::PathBuf;

fn scratch(name: &str, files: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("husk-cg-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for f in files {
        fs::write(dir.join(f), "").unwrap();
    }
    dir
}

fn resources(json: &str) -> Resources {
    Resources::from_json(json.as_bytes()).unwrap()
}

const ALL: &str = r#"{
    "memory": {"limit": 1048576, "reservation": 524288, "swap": 3145728, "swappiness": 10,
               "kernelTCP": 4096, "disableOOMKiller": true, "useHierarchy": true},
    "cpu": {"shares": 1024, "quota": 20000, "period": 100000, "burst": 1000, "idle": 1,
            "cpus": "0-1", "mems": "0"},
    "pids": {"limit": 7},
    "blockIO": {"weight": 500, "leafWeight": 300,
                "weightDevice": [{"major": 8, "minor": 0, "weight": 200, "leafWeight": 100}],
                "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1000}],
                "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2000}],
                "throttleReadIOPSDevice": [{"major": 8, "minor": 16, "rate": 30}],
                "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 40}]},
    "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
    "rdma": {"mlx5_0": {"hcaHandles": 3, "hcaObjects": 100}}
}"#;

#[test]
fn v2_files_take_runcs_values() {
    let files = [
        "cgroup.controllers",
        "memory.max",
        "memory.low",
        "memory.swap.max",
        "cpu.weight",
        "cpu.max",
        "cpu.max.burst",
        "cpu.idle",
        "cpuset.cpus",
        "cpuset.mems",
        "pids.max",
        "io.weight",
        "io.bfq.weight",
        "io.max",
        "hugetlb.2MB.max",
        "rdma.max",
        "memory.high",
    ];
    let dir = scratch("v2", &files);
    let cg = Cgroup {
        dirs: vec![dir.clone()],
        created: Vec::new(),
        unified: Some(dir.clone()),
        ..Default::default()
    };
    let mut r = resources(ALL);
    r.unified.insert("memory.high".into(), "900000".into());
    cg.apply(&r).unwrap();
    let want = [
        ("memory.max", "1048576"),
        ("memory.low", "524288"),
        ("memory.swap.max", "2097152"),
        ("cpu.weight", "39"),
        ("cpu.max", "20000 100000"),
        ("cpu.max.burst", "1000"),
        ("cpu.idle", "1"),
        ("cpuset.cpus", "0-1"),
        ("cpuset.mems", "0"),
        ("pids.max", "7"),
        ("io.weight", "4950"),
        ("io.bfq.weight", "8:0 200"),
        (
            "io.max",
            "8:0 rbps=10008:0 wbps=20008:16 riops=308:16 wiops=40",
        ),
        ("hugetlb.2MB.max", "4194304"),
        ("rdma.max", "mlx5_0 hca_handle=3 hca_object=100"),
        ("memory.high", "900000"),
    ];
    for (file, value) in want {
        assert_eq!(fs::read_to_string(dir.join(file)).unwrap(), value, "{file}");
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn v2_special_values() {
    let dir = scratch(
        "v2max",
        &["memory.max", "memory.swap.max", "cpu.max", "pids.max"],
    );
    let cg = Cgroup {
        dirs: vec![dir.clone()],
        created: Vec::new(),
        unified: Some(dir.clone()),
        ..Default::default()
    };
    cg.apply(&resources(
        r#"{"memory": {"limit": -1, "swap": -1}, "cpu": {"quota": -1}, "pids": {"limit": -1}}"#,
    ))
    .unwrap();
    for file in ["memory.max", "memory.swap.max", "cpu.max", "pids.max"] {
        assert_eq!(fs::read_to_string(dir.join(file)).unwrap(), "max", "{file}");
    }
    let e = cg
        .check(&resources(r#"{"memory": {"swap": 5}}"#))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("linux.resources.memory.swap:"), "{e}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn v1_files_take_runcs_values() {
    let files = [
        "memory.limit_in_bytes",
        "memory.soft_limit_in_bytes",
        "memory.memsw.limit_in_bytes",
        "memory.swappiness",
        "memory.kmem.tcp.limit_in_bytes",
        "memory.oom_control",
        "memory.use_hierarchy",
        "cpu.shares",
        "cpu.cfs_quota_us",
        "cpu.cfs_period_us",
        "cpu.cfs_burst_us",
        "cpu.idle",
        "cpuset.cpus",
        "cpuset.mems",
        "pids.max",
        "blkio.weight",
        "blkio.leaf_weight",
        "blkio.weight_device",
        "blkio.leaf_weight_device",
        "blkio.throttle.read_bps_device",
        "blkio.throttle.write_bps_device",
        "blkio.throttle.read_iops_device",
        "blkio.throttle.write_iops_device",
        "hugetlb.2MB.limit_in_bytes",
        "rdma.max",
        "net_cls.classid",
        "net_prio.ifpriomap",
    ];
    let dir = scratch("v1", &files);
    let v2 = scratch("v1-unified", &[]);
    let cg = Cgroup {
        dirs: vec![dir.clone(), v2.clone()],
        created: Vec::new(),
        unified: Some(v2.clone()),
        ..Default::default()
    };
    let mut r = resources(ALL);
    r.network = resources(
        r#"{"network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 5}]}}"#,
    )
    .network;
    cg.apply(&r).unwrap();
    let want = [
        ("memory.limit_in_bytes", "1048576"),
        ("memory.soft_limit_in_bytes", "524288"),
        ("memory.memsw.limit_in_bytes", "3145728"),
        ("memory.swappiness", "10"),
        ("memory.kmem.tcp.limit_in_bytes", "4096"),
        ("memory.oom_control", "1"),
        ("memory.use_hierarchy", "1"),
        ("cpu.shares", "1024"),
        ("cpu.cfs_quota_us", "20000"),
        ("cpu.cfs_period_us", "100000"),
        ("cpu.cfs_burst_us", "1000"),
        ("cpu.idle", "1"),
        ("pids.max", "7"),
        ("blkio.weight", "500"),
        ("blkio.leaf_weight", "300"),
        ("blkio.weight_device", "8:0 200"),
        ("blkio.leaf_weight_device", "8:0 100"),
        ("blkio.throttle.read_bps_device", "8:0 1000"),
        ("blkio.throttle.write_iops_device", "8:16 40"),
        ("hugetlb.2MB.limit_in_bytes", "4194304"),
        ("net_cls.classid", "1048577"),
        ("net_prio.ifpriomap", "eth0 5"),
    ];
    for (file, value) in want {
        assert_eq!(fs::read_to_string(dir.join(file)).unwrap(), value, "{file}");
    }
    let e = cg
        .apply(&resources(r#"{"unified": {"memory.max": "1"}}"#))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "linux.resources.unified: invalid configuration: cannot use unified on cgroup v1"
    );
    fs::remove_dir_all(&dir).unwrap();
    fs::remove_dir_all(&v2).unwrap();
}

#[test]
fn device_programs_end_every_path_with_a_verdict() {
    use crate::spec::DeviceRule;
    let rules = vec![
        DeviceRule {
            allow: false,
            access: Some("rwm".into()),
            ..Default::default()
        },
        DeviceRule {
            allow: true,
            kind: Some("c".into()),
            major: Some(1),
            minor: Some(3),
            access: Some("rw".into()),
        },
    ];
    let p = super::bpf::program(&rules);
    // Six loads, the 1:3 block (3 access + 3 number tests + 2), then deny-all (2) and no
    // unreachable default after it.
    assert_eq!(p.len(), 6 + 8 + 2);
    assert_eq!(p.last().map(|i| i & 0xff), Some(0x95));
}

#[test]
fn zeros_are_not_set_as_docker_sends_them() {
    // Docker's create gives every container blockIO.weight 0, and its update fills the rest.
    let docker = resources(
        r#"{"memory": {"limit": 100663296, "reservation": 0, "kernel": 0},
            "cpu": {"shares": 0, "quota": 0, "period": 0}, "blockIO": {"weight": 0}}"#,
    );
    for v2 in [false, true] {
        let writes = super::resources::plan(&docker, v2).unwrap();
        let files: Vec<_> = writes.iter().map(|w| w.file.as_str()).collect();
        let limit = if v2 {
            "memory.max"
        } else {
            "memory.limit_in_bytes"
        };
        assert_eq!(files, [limit], "v2 {v2}");
        assert_eq!(writes[0].value, "100663296");
    }
    let weight = resources(r#"{"blockIO": {"weight": 5}}"#);
    assert!(
        super::resources::plan(&weight, false).is_err(),
        "a set weight is still checked"
    );
}

#[test]
fn a_v2_cpuset_is_left_to_inherit() {
    // The v2 root has no cpuset.cpus, and an empty one below it means "the parent's".
    let root = scratch("v2cpuset", &[]);
    let leaf = root.join("c");
    fs::create_dir(&leaf).unwrap();
    for f in ["cpuset.cpus", "cpuset.mems", "cgroup.procs"] {
        fs::write(leaf.join(f), "").unwrap();
    }
    let mut cg = Cgroup {
        dirs: vec![leaf.clone()],
        unified: Some(leaf.clone()),
        ..Default::default()
    };
    cg.create().unwrap();
    assert_eq!(fs::read_to_string(leaf.join("cpuset.cpus")).unwrap(), "");
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_sub_cgroup_is_joined_lexically_and_never_above() {
    use std::path::Path;
    let below = |p: &str| super::lexically_below(Path::new(p));
    assert_eq!(below("/a/./b"), Some(PathBuf::from("a/b")));
    assert_eq!(below("a/../b"), Some(PathBuf::from("b")));
    assert_eq!(below("/"), Some(PathBuf::new()));
    assert_eq!(below("../../x"), None);
    assert_eq!(below("a/../../x"), None);
}

#[test]
fn a_control_file_is_found_in_its_controllers_directory_or_else_by_looking() {
    let file = "memory.limit_in_bytes";
    let (first, memory) = (scratch("ctl-a", &[file]), scratch("ctl-b", &[file]));
    let mut cg = Cgroup {
        dirs: vec![first.clone(), memory.clone()],
        controllers: vec!["cpu,cpuacct".into(), "memory".into()],
        ..Default::default()
    };
    assert_eq!(cg.dir_with(file), Some(&memory));
    assert_eq!(cg.dir_with("cpuacct.usage"), None);
    fs::remove_file(memory.join(file)).unwrap();
    assert_eq!(cg.dir_with(file), Some(&first), "the recorded one lacks it");
    fs::write(memory.join(file), "").unwrap();
    // A record written before the controllers were kept.
    cg.controllers.clear();
    assert_eq!(cg.dir_with(file), Some(&first));
    for d in [first, memory] {
        fs::remove_dir_all(d).unwrap();
    }
}
