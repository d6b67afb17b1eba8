//! The payload process as configured by `process`: what it runs, as whom,
//! with which privileges, limits and file descriptors.

mod common;

use common::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::fs;
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::time::Duration;

/// `/proc/self/status` of the payload, as field name -> value.
fn payload_status(bundle: &mut Bundle) -> BTreeMap<String, String> {
    bundle.sh("cat /proc/self/status");
    let out = bundle.run_once().assert_ok();
    out.stdout
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

fn cap_mask(names: &[&str]) -> String {
    let mask = names.iter().fold(0u64, |mask, name| {
        let bit = match *name {
            "CAP_CHOWN" => 0,
            "CAP_KILL" => 5,
            "CAP_NET_BIND_SERVICE" => 10,
            "CAP_AUDIT_WRITE" => 29,
            other => panic!("no bit known for {other}"),
        };
        mask | 1 << bit
    });
    format!("{mask:016x}")
}

#[test]
fn args_env_and_cwd_reach_the_payload() {
    let mut bundle = Bundle::new();
    bundle.set(
        "process.args",
        json!(["sh", "-c", "echo \"$0 $1 $GREETING\"; pwd", "zero", "one"]),
    );
    bundle.push("process.env", json!("GREETING=hello"));
    bundle.set("process.cwd", json!("/etc"));
    let out = bundle.run_once().assert_ok();
    assert_eq!(out.stdout, "zero one hello\n/etc\n");
}

/// HOME comes from the container's /etc/passwd (or is `/`) when the env lacks it or has it
/// empty; a value given is kept.
#[test]
fn home_is_set_from_passwd_when_missing_or_empty() {
    let path = "PATH=/bin";
    for (uid, env, home) in [
        (0, vec![path], "/root"),
        (1000, vec![path], "/home/user"),
        (4242, vec![path], "/"),
        (0, vec![path, "HOME="], "/root"),
        (1000, vec![path, "HOME=/given"], "/given"),
    ] {
        let mut bundle = Bundle::new();
        bundle.set("process.user.uid", json!(uid));
        bundle.set("process.env", json!(env));
        bundle.sh("echo \"$HOME\"; env | grep -c ^HOME=");
        let out = bundle.run_once();
        assert_eq!(
            out.stdout,
            format!("{home}\n1\n"),
            "uid {uid} {env:?}: {out}"
        );
    }
}

/// A capability name husk does not know is left out with one warning, and the rest apply.
#[test]
fn an_unknown_capability_is_ignored_with_a_warning() {
    let mut bundle = Bundle::new();
    let caps = json!(["CAP_KILL", "CAP_BOGUS"]);
    for set in ["bounding", "effective", "permitted", "ambient"] {
        bundle.set(&format!("process.capabilities.{set}"), caps.clone());
    }
    bundle.sh("grep ^CapEff: /proc/self/status");
    let out = bundle.run_once();
    assert_eq!(
        out.stdout,
        format!("CapEff:\t{}\n", cap_mask(&["CAP_KILL"])),
        "{out}"
    );
    let warning = "ignoring unknown or unavailable capabilities: [CAP_BOGUS]";
    assert_eq!(out.stderr.matches(warning).count(), 1, "{out}");
}

/// The cwd is entered before the switch of user, so a 0700 root directory still works.
#[test]
fn a_cwd_only_root_can_enter_works_for_another_user() {
    let mut bundle = Bundle::writable();
    let secret = bundle.rootfs().join("secret");
    fs::create_dir(&secret).unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o700)).unwrap();
    bundle.set("process.user", json!({"uid": 1000, "gid": 1000}));
    bundle.set("process.cwd", json!("/secret"));
    bundle.set("process.args", json!(["pwd"]));
    let out = bundle.run_once();
    assert_eq!(out.stdout, "/secret\n", "{out}");
}

#[test]
fn user_groups_and_umask_are_applied() {
    let mut bundle = Bundle::new();
    bundle.set(
        "process.user",
        json!({"uid": 1000, "gid": 1000, "additionalGids": [5, 65534], "umask": 0o027}),
    );
    let status = payload_status(&mut bundle);
    assert_eq!(
        status["Uid"].split_whitespace().collect::<Vec<_>>(),
        ["1000"; 4]
    );
    assert_eq!(
        status["Gid"].split_whitespace().collect::<Vec<_>>(),
        ["1000"; 4]
    );
    assert_eq!(
        status["Groups"].split_whitespace().collect::<Vec<_>>(),
        ["5", "65534"]
    );
    assert_eq!(status["Umask"], "0027");
}

fn capabilities(bundle: &mut Bundle, sets: [&[&str]; 5]) {
    let [bounding, permitted, effective, inheritable, ambient] = sets;
    bundle.set(
        "process.capabilities",
        json!({
            "bounding": bounding, "permitted": permitted, "effective": effective,
            "inheritable": inheritable, "ambient": ambient
        }),
    );
}

const BOUNDING: &[&str] = &[
    "CAP_CHOWN",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_AUDIT_WRITE",
];
const PERMITTED: &[&str] = &["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
const EFFECTIVE: &[&str] = &["CAP_CHOWN", "CAP_KILL"];
const INHERITABLE: &[&str] = &["CAP_KILL", "CAP_NET_BIND_SERVICE"];
const AMBIENT: &[&str] = &["CAP_KILL"];

/// execve recomputes permitted and effective: for a non-root payload
/// without file capabilities both become the ambient set, so that is what
/// proves ambient (and the permitted and inheritable sets it needs) was
/// raised before exec.
#[test]
fn capability_sets_survive_exec_as_a_non_root_user() {
    let mut bundle = Bundle::new();
    capabilities(
        &mut bundle,
        [BOUNDING, PERMITTED, EFFECTIVE, INHERITABLE, AMBIENT],
    );
    bundle.set("process.user", json!({"uid": 1000, "gid": 1000}));
    bundle.set("process.noNewPrivileges", json!(false));
    let status = payload_status(&mut bundle);
    assert_eq!(status["CapBnd"], cap_mask(BOUNDING));
    assert_eq!(status["CapInh"], cap_mask(INHERITABLE));
    assert_eq!(status["CapAmb"], cap_mask(AMBIENT));
    assert_eq!(status["CapPrm"], cap_mask(AMBIENT));
    assert_eq!(status["CapEff"], cap_mask(AMBIENT));
}

/// Root would regain the whole bounding set on exec; no_new_privs caps it
/// at the permitted set the runtime left, which is what this observes.
#[test]
fn root_keeps_only_the_permitted_set_under_no_new_privs() {
    let mut bundle = Bundle::new();
    capabilities(
        &mut bundle,
        [BOUNDING, PERMITTED, EFFECTIVE, INHERITABLE, AMBIENT],
    );
    bundle.set("process.noNewPrivileges", json!(true));
    let status = payload_status(&mut bundle);
    assert_eq!(status["CapBnd"], cap_mask(BOUNDING));
    assert_eq!(status["CapPrm"], cap_mask(PERMITTED));
    assert_eq!(status["CapEff"], cap_mask(PERMITTED));
}

#[test]
fn no_new_privileges_is_set_when_asked() {
    let mut bundle = Bundle::new();
    bundle.set("process.noNewPrivileges", json!(true));
    assert_eq!(payload_status(&mut bundle)["NoNewPrivs"], "1");
}

#[test]
fn no_new_privileges_stays_off_when_not_asked() {
    let mut bundle = Bundle::new();
    bundle.set("process.noNewPrivileges", json!(false));
    assert_eq!(payload_status(&mut bundle)["NoNewPrivs"], "0");
}

#[test]
fn rlimits_are_applied() {
    let mut bundle = Bundle::new();
    bundle.set(
        "process.rlimits",
        json!([
            {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 600},
            {"type": "RLIMIT_CORE", "soft": 4096, "hard": 8192}
        ]),
    );
    bundle.sh("cat /proc/self/limits");
    let out = bundle.run_once().assert_ok();
    let limit = |name: &str| -> Vec<String> {
        let row = out
            .stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {out}"));
        row[name.len()..]
            .split_whitespace()
            .take(2)
            .map(str::to_string)
            .collect()
    };
    assert_eq!(limit("Max open files"), ["512", "600"]);
    assert_eq!(limit("Max core file size"), ["4096", "8192"]);
}

#[test]
fn an_rlimit_above_the_hard_limit_fails_naming_it() {
    let mut hard = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: hard is a valid rlimit to fill in.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut hard) },
        0
    );
    let above = hard.rlim_max + 1000;
    let mut bundle = Bundle::new();
    bundle.set(
        "process.rlimits",
        json!([{"type": "RLIMIT_NOFILE", "soft": above, "hard": above}]),
    );
    bundle.sh("true");
    let id = bundle.id();
    bundle.run(&id).assert_fails_naming("RLIMIT_NOFILE");
    bundle.assert_clean(&id);
}

#[test]
fn oom_score_adj_is_applied() {
    let mut bundle = Bundle::new();
    bundle.set("process.oomScoreAdj", json!(423));
    bundle.sh("cat /proc/self/oom_score_adj");
    assert_eq!(line(&bundle.run_once().assert_ok()), "423");
}

#[test]
fn personality_linux32_reports_a_32_bit_machine() {
    let mut bundle = Bundle::new();
    bundle.set("linux.personality", json!({"domain": "LINUX32"}));
    bundle.sh("uname -m");
    assert_eq!(line(&bundle.run_once().assert_ok()), "i686");
}

#[test]
fn a_missing_executable_exits_127_naming_it() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["no-such-program", "arg"]));
    let id = bundle.id();
    let out = bundle.run(&id).assert_code(127);
    assert!(out.stderr.contains("no-such-program"), "{out}");
    bundle.assert_clean(&id);
}

#[test]
fn a_missing_absolute_executable_fails_create_and_run_exits_127() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["/no/such/program"]));
    let id = bundle.id();
    let out = bundle.create(&id).assert_code(127);
    // runc's words: podman turns "no such file or directory" into its own exit status 127.
    let text = r#"exec: \"/no/such/program\": stat /no/such/program: No such file or directory"#;
    assert!(out.stderr.contains(text), "{out}");
    bundle.assert_clean(&id);
    let out = bundle.run(&id).assert_code(127);
    assert!(out.stderr.contains(text), "{out}");
    bundle.assert_clean(&id);
}

#[test]
fn a_non_executable_path_fails_create_with_permission_denied() {
    for path in ["/etc/passwd", "/etc"] {
        let mut bundle = Bundle::new();
        bundle.set("process.args", json!([path]));
        let id = bundle.id();
        let out = bundle.create(&id).assert_code(1);
        // podman maps "permission denied" to 126, as for runc.
        let text = format!(r#"exec: \"{path}\": permission denied"#);
        assert!(out.stderr.contains(&text), "{out}");
        bundle.assert_clean(&id);
    }
}

/// Opens a file to hand to the runtime as an inherited descriptor.
fn scratch_fd(bundle: &Bundle, name: &str) -> fs::File {
    let path = bundle.dir().join(name);
    fs::write(&path, name).unwrap();
    fs::File::open(path).unwrap()
}

#[test]
fn only_stdio_and_preserved_fds_reach_the_payload() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.write();
    let id = bundle.id();
    let preserved = scratch_fd(&bundle, "preserved");
    let stray = scratch_fd(&bundle, "stray");
    let (preserved_fd, stray_fd) = (preserved.as_raw_fd(), stray.as_raw_fd());
    let mut cmd = husk_command(&[
        "create",
        "--preserve-fds",
        "1",
        "--bundle",
        bundle.dir_str(),
        &id,
    ]);
    // SAFETY: only async-signal-safe dup2/fcntl between fork and exec; the
    // copies lack CLOEXEC, as a careless caller's fds would. dup2 onto the
    // same number keeps CLOEXEC, so that case clears it instead.
    unsafe {
        cmd.pre_exec(move || {
            for (from, to) in [(preserved_fd, 3), (stray_fd, 4)] {
                let rc = if from == to {
                    libc::fcntl(to, libc::F_SETFD, 0)
                } else {
                    libc::dup2(from, to)
                };
                if rc < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    run_captured(cmd, None).assert_ok();
    husk(&["start", &id]).assert_ok();
    let pid = state(&id)["pid"].as_i64().unwrap();
    let cmdline = format!("/proc/{pid}/cmdline");
    assert!(wait_for(Duration::from_secs(10), || fs::read(&cmdline)
        .map(|c| c.starts_with(b"sleep\0"))
        .unwrap_or(false)));

    let mut fds: Vec<i32> = fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
        .collect();
    fds.sort();
    assert_eq!(fds, [0, 1, 2, 3]);
    let target = fs::read_link(format!("/proc/{pid}/fd/3")).unwrap();
    assert_eq!(target, bundle.dir().join("preserved"));
}

#[test]
fn scheduler_and_io_priority_are_applied() {
    let mut bundle = Bundle::new();
    bundle.set(
        "process.scheduler",
        json!({"policy": "SCHED_BATCH", "nice": 5}),
    );
    bundle.set(
        "process.ioPriority",
        json!({"class": "IOPRIO_CLASS_IDLE", "priority": 0}),
    );
    // Fields 19 and 41 of /proc/PID/stat are nice and policy (SCHED_BATCH is 3).
    bundle.sh("cut -d' ' -f19,41 /proc/self/stat; ionice -p $$");
    let out = bundle.run_once().assert_ok();
    assert_eq!(out.stdout.lines().collect::<Vec<_>>(), ["5 3", "idle"]);
}

#[test]
fn an_unknown_scheduler_policy_is_refused_naming_the_field() {
    let mut bundle = Bundle::new();
    bundle.set("process.scheduler", json!({"policy": "SCHED_FAST"}));
    let id = bundle.id();
    bundle
        .create(&id)
        .assert_fails_naming("process.scheduler.policy");
    bundle.assert_clean(&id);
}

/// The policy of the payload's first mapping, as /proc/self/numa_maps words it: what the
/// process's NUMA policy was when it started.
const NUMA_POLICY: &str = "head -n 1 /proc/self/numa_maps | cut -d' ' -f2";

#[test]
fn memory_policy_is_applied_to_run_and_exec() {
    let mut bundle = Bundle::new();
    bundle.sh(NUMA_POLICY);
    for (policy, seen) in [
        (
            json!({"mode": "MPOL_INTERLEAVE", "nodes": "0"}),
            "interleave:0",
        ),
        (
            json!({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}),
            "bind=static:0",
        ),
        (json!({"mode": "MPOL_DEFAULT"}), "default"),
    ] {
        bundle.set("linux.memoryPolicy", policy);
        let out = bundle.run_once().assert_ok();
        assert_eq!(out.stdout.trim(), seen);
    }
    bundle.set(
        "linux.memoryPolicy",
        json!({"mode": "MPOL_PREFERRED", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES"]}),
    );
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    let out = husk(&["exec", &id, "sh", "-c", NUMA_POLICY]).assert_ok();
    assert_eq!(out.stdout.trim(), "prefer=relative:0");
}

#[test]
fn a_bad_memory_policy_is_refused_naming_the_field() {
    let mut bundle = Bundle::new();
    for (policy, field, words) in [
        (
            json!({"mode": "INTERLEAVE", "nodes": "0"}),
            "mode",
            "invalid memory policy mode",
        ),
        (
            json!({"nodes": "0-7"}),
            "mode",
            "invalid memory policy mode",
        ),
        (
            json!({"mode": "MPOL_PREFERRED", "flags": ["MPOL_F_RELATIVE_NODES", "badflag"]}),
            "flags",
            "invalid memory policy flag \\\"badflag",
        ),
        (
            json!({"mode": "MPOL_DEFAULT", "nodes": "0-7"}),
            "nodes",
            "requires 0 nodes but got 8",
        ),
        (
            json!({"mode": "MPOL_BIND"}),
            "nodes",
            "requires at least one node but got 0",
        ),
        (
            json!({"mode": "MPOL_BIND", "nodes": "0-9876543210"}),
            "nodes",
            "invalid memory policy",
        ),
    ] {
        bundle.set("linux.memoryPolicy", policy);
        let id = bundle.id();
        let out = bundle.create(&id);
        let out = out.assert_fails_naming(&format!("linux.memoryPolicy.{field}: "));
        assert!(out.stderr.contains(words), "{out}");
        assert_eq!(out.stderr.lines().count(), 1, "{out}");
        bundle.assert_clean(&id);
    }
}

/// `features` lists every mode and flag husk takes, and each one listed runs.
#[test]
fn features_lists_the_memory_policies_that_run() {
    let out = husk(&["features"]).assert_ok();
    let f: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let names = |key: &str| -> Vec<String> {
        let list = f["linux"]["memoryPolicy"][key].as_array().cloned();
        let list = list.unwrap_or_else(|| panic!("no memoryPolicy.{key}: {f}"));
        list.iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    let (modes, flags) = (names("modes"), names("flags"));
    assert_eq!(modes.len(), 7, "{modes:?}");
    assert_eq!(flags.len(), 3, "{flags:?}");
    let mut bundle = Bundle::new();
    bundle.sh("true");
    let policies = modes.iter().map(|mode| match mode.as_str() {
        "MPOL_DEFAULT" | "MPOL_LOCAL" => json!({"mode": mode}),
        _ => json!({"mode": mode, "nodes": "0"}),
    });
    let flagged = flags
        .iter()
        .map(|flag| json!({"mode": "MPOL_BIND", "nodes": "0", "flags": [flag]}));
    for policy in policies.chain(flagged) {
        bundle.set("linux.memoryPolicy", policy.clone());
        let out = bundle.run_once();
        assert!(out.success(), "{policy}: {out}");
    }
}

/// `husk ARGS` pinned to CPU 0 by taskset, as a caller's own affinity would be.
fn husk_on_cpu0(args: &[&str]) -> Out {
    let mut cmd = std::process::Command::new("taskset");
    cmd.args(["-c", "0"])
        .arg(runtime())
        .arg("--root")
        .arg(state_root());
    cmd.args(args);
    run_captured(cmd, None)
}

const CPUS_ALLOWED: &str = "grep Cpus_allowed_list /proc/self/status | cut -f2";

/// The CPUs this test may run on, which a container without a cpuset gets back.
fn own_cpus() -> String {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Cpus_allowed_list:"));
    line.unwrap().split('\t').nth(1).unwrap().to_string()
}

#[test]
fn the_runtimes_cpu_affinity_is_not_the_containers() {
    let all = own_cpus();
    if all == "0" {
        eprintln!("skipped: one CPU only, nothing to reset");
        return;
    }
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.write();
    husk_on_cpu0(&["run", "-d", "--bundle", bundle.dir_str(), &id]).assert_ok();
    let out = husk_on_cpu0(&["exec", &id, "sh", "-c", CPUS_ALLOWED]).assert_ok();
    assert_eq!(out.stdout.trim(), all);
    let init = state(&id)["pid"].as_i64().unwrap();
    let status = fs::read_to_string(format!("/proc/{init}/status")).unwrap();
    assert!(
        status.contains(&format!("Cpus_allowed_list:\t{all}\n")),
        "{status}"
    );
}

#[test]
fn exec_cpu_affinity_initial_and_final_are_applied() {
    if own_cpus() == "0" {
        eprintln!("skipped: one CPU only");
        return;
    }
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"])).set(
        "process.execCPUAffinity",
        json!({"initial": "0", "final": "1"}),
    );
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    let out = husk(&["exec", &id, "sh", "-c", CPUS_ALLOWED]).assert_ok();
    assert_eq!(out.stdout.trim(), "1", "config.json's final");
    let process = bundle.dir().join("process.json");
    for (affinity, seen) in [
        (json!({"initial": "1"}), "1"),
        (json!({"initial": "1", "final": "0"}), "0"),
    ] {
        let p = json!({"args": ["/bin/sh", "-c", CPUS_ALLOWED], "env": ["PATH=/bin"], "cwd": "/",
            "execCPUAffinity": affinity});
        fs::write(&process, p.to_string()).unwrap();
        let out = husk(&["exec", "--process", process.to_str().unwrap(), &id]).assert_ok();
        assert_eq!(out.stdout.trim(), seen, "{affinity}");
    }
    let p = json!({"args": ["/bin/true"], "cwd": "/", "execCPUAffinity": {"final": "1-0"}});
    fs::write(&process, p.to_string()).unwrap();
    let out = husk(&["exec", "--process", process.to_str().unwrap(), &id]);
    out.assert_fails_naming("process.execCPUAffinity.final: invalid range");
}
