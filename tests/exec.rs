//! `husk exec`, `ps`, `features`, socket activation and JSON logs, as engines call them.

mod common;

use common::*;
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;

/// A detached `sleep` container.
fn running(b: &mut Bundle) -> String {
    b.set("process.args", json!(["sleep", "1000"]));
    b.write();
    let id = b.id();
    husk(&["run", "-d", "--bundle", b.dir_str(), &id]).assert_ok();
    id
}

/// A field of a /proc/PID/status text.
fn field<'a>(status: &'a str, name: &str) -> &'a str {
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {status}"))
        .trim()
}

fn cap_bit(n: u32) -> u64 {
    1 << n
}

#[test]
fn every_exec_flag_is_seen_from_inside() {
    let mut b = Bundle::new();
    b.set("process.noNewPrivileges", json!(false));
    let id = running(&mut b);
    let script = "pwd; id -u; id -G; echo A=$A B=$B; echo PATH=$PATH; cat /proc/self/status";
    let out = husk(&[
        "exec",
        "--cwd",
        "/tmp",
        "-e",
        "A=1",
        "--env",
        "B=2",
        "-u",
        "1000:100",
        "-g",
        "5",
        "--additional-gids",
        "6",
        "--no-new-privs",
        &id,
        "sh",
        "-c",
        script,
    ])
    .assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "/tmp", "{out}");
    assert_eq!(lines[1], "1000", "{out}");
    assert_eq!(lines[2], "100 5 6", "{out}");
    assert_eq!(lines[3], "A=1 B=2", "{out}");
    assert!(
        lines[4].starts_with("PATH=/usr/local/sbin"),
        "config env kept: {out}"
    );
    assert_eq!(field(&out.stdout, "NoNewPrivs"), "1");
    let out = husk(&["exec", &id, "cat", "/proc/self/status"]).assert_ok();
    assert_eq!(
        field(&out.stdout, "NoNewPrivs"),
        "0",
        "the config's own setting"
    );
    // The config gives CAP_AUDIT_WRITE, CAP_KILL and CAP_NET_BIND_SERVICE; --cap adds to the
    // bounding, effective and permitted sets and never to inheritable or ambient.
    let out = husk(&[
        "exec",
        "--cap",
        "CAP_NET_RAW",
        "-c",
        "CAP_SYS_TIME",
        &id,
        "cat",
        "/proc/self/status",
    ])
    .assert_ok();
    let set = |name| u64::from_str_radix(field(&out.stdout, name), 16).unwrap();
    let added = cap_bit(13) | cap_bit(25);
    for name in ["CapBnd", "CapPrm", "CapEff"] {
        assert_eq!(set(name) & added, added, "{name}: {out}");
    }
    assert_eq!(set("CapInh") & added, 0, "{out}");
    assert_eq!(set("CapAmb") & added, 0, "{out}");
    husk(&["delete", "-f", &id]).assert_ok();
    b.assert_clean(&id);
}

/// The environment a process sees, entry by entry, as its /proc/self/environ holds it.
fn environ(out: &Out) -> Vec<&str> {
    out.stdout.split('\0').filter(|e| !e.is_empty()).collect()
}

#[test]
fn exec_env_overrides_the_configs_value_and_newlines_stay_intact() {
    let mut b = Bundle::new();
    b.push("process.env", json!("RUN=one\ntwo"));
    let id = running(&mut b);
    let cat = ["cat", "/proc/self/environ"];
    let out = husk(&[&["exec", "-e", "TERM=dumb", "-e", "NL=a\nb", &id], &cat[..]].concat());
    let out = out.assert_ok();
    let env = environ(&out);
    assert_eq!(
        env.iter()
            .filter(|e| e.starts_with("TERM="))
            .collect::<Vec<&&str>>(),
        [&"TERM=dumb"],
        "{env:?}"
    );
    assert!(env.contains(&"NL=a\nb"), "{env:?}");
    assert!(env.contains(&"RUN=one\ntwo"), "{env:?}");
    let file = b.dir().join("process.json");
    let env = ["A=1", "PATH=/bin", "B=x", "A=2\n3"];
    let user = json!({"uid": 0, "gid": 0});
    let process = json!({"args": cat, "cwd": "/", "env": env, "user": user});
    fs::write(&file, process.to_string()).unwrap();
    let out = husk(&["exec", "--process", file.to_str().unwrap(), &id]);
    assert_eq!(
        environ(&out.assert_ok()),
        ["PATH=/bin", "B=x", "A=2\n3", "HOME=/root"]
    );
    husk(&["delete", "-f", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn exec_cap_is_ambient_too_when_the_process_lists_an_inheritable_set() {
    let mut b = Bundle::new();
    let caps = json!(["CAP_KILL"]);
    let wider = json!(["CAP_KILL", "CAP_NET_RAW"]);
    b.set(
        "process.capabilities",
        json!({"bounding": wider, "effective": caps, "permitted": caps, "inheritable": wider}),
    );
    let id = running(&mut b);
    let cap = ["exec", "--cap", "CAP_NET_RAW", "--cap", "CAP_SYS_TIME"];
    let out = husk(&[&cap[..], &[&id, "cat", "/proc/self/status"]].concat()).assert_ok();
    let set = |name| u64::from_str_radix(field(&out.stdout, name), 16).unwrap();
    let (net_raw, sys_time) = (cap_bit(13), cap_bit(25));
    assert_eq!(set("CapPrm"), cap_bit(5) | net_raw | sys_time, "{out}");
    assert_eq!(set("CapInh"), cap_bit(5) | net_raw, "{out}");
    // The kernel holds an ambient cap only while it is inheritable: CAP_SYS_TIME is not.
    assert_eq!(set("CapAmb"), net_raw, "{out}");
    husk(&["delete", "-f", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn exec_keeps_the_containers_dropped_caps_and_limits() {
    let mut b = Bundle::new();
    let caps = json!(["CAP_KILL"]);
    b.set(
        "process.capabilities",
        json!({"bounding": caps, "effective": caps, "permitted": caps}),
    );
    let id = running(&mut b);
    let init = state(&id)["pid"].as_i64().unwrap();
    let init_status = fs::read_to_string(format!("/proc/{init}/status")).unwrap();
    let out = husk(&["exec", &id, "cat", "/proc/self/status", "/proc/self/limits"]).assert_ok();
    for f in ["CapBnd", "CapEff", "CapPrm", "NoNewPrivs"] {
        assert_eq!(field(&out.stdout, f), field(&init_status, f), "{f}");
    }
    assert_eq!(field(&out.stdout, "CapBnd"), format!("{:016x}", cap_bit(5)));
    assert!(
        out.stdout
            .contains("Max open files            1024                 1024"),
        "{out}"
    );
    husk(&["delete", "-f", &id]).assert_ok();
}

/// As with runc, an exec'd process without a terminal leads a session of its own instead of
/// staying in the caller's (a session outside the container's pid namespace reads as 0).
#[test]
fn an_exec_without_a_terminal_leads_its_own_session() {
    let mut b = Bundle::new();
    let id = running(&mut b);
    let out = husk(&[
        "exec",
        &id,
        "cut",
        "-d",
        " ",
        "-f",
        "1,6",
        "/proc/self/stat",
    ])
    .assert_ok();
    let ids: Vec<&str> = out.stdout.split_whitespace().collect();
    assert_eq!(ids.len(), 2, "{out}");
    assert_eq!(ids[0], ids[1], "pid and session id: {out}");
    husk(&["delete", "-f", &id]).assert_ok();
}

#[test]
fn exec_exits_with_the_process_status_and_255_when_exec_fails() {
    let mut b = Bundle::new();
    let id = running(&mut b);
    husk(&["exec", &id, "sh", "-c", "exit 7"]).assert_code(7);
    husk(&["exec", &id, "sh", "-c", "kill -TERM $$"]).assert_code(128 + 15);
    husk(&["exec", &id, "/nonexistent"])
        .assert_code(255)
        .assert_fails_naming("/nonexistent");
    husk(&["exec", "--cgroup", "nosuch", &id, "true"])
        .assert_code(255)
        .assert_fails_naming("nosuch");
    husk(&["exec", "--cgroup", "../../x", &id, "true"])
        .assert_code(255)
        .assert_fails_naming("../../x is not a sub cgroup path");
    // The script is found; execve fails on its missing interpreter, in Go's words as runc 1.3
    // prints them (its integration tests match this text).
    let script = b.rootfs().join("run.sh");
    fs::write(&script, "#!/mmnnttbb foo bar\nsh\n").unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let out = husk(&["exec", &id, "/run.sh"]).assert_code(255);
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    assert!(
        out.stderr
            .contains("exec /run.sh: no such file or directory"),
        "{out}"
    );
    let ghost = unique_id("ghost");
    husk(&["exec", &ghost, "true"])
        .assert_code(255)
        .assert_fails_naming("container does not exist");
    husk(&["kill", &id, "KILL"]).assert_ok();
    wait_status(&id, "stopped");
    husk(&["exec", &id, "true"])
        .assert_code(255)
        .assert_fails_naming("cannot exec in a stopped container");
    husk(&["delete", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn exec_of_a_process_json_detached_writes_its_pid_file() {
    let mut b = Bundle::new();
    let id = running(&mut b);
    let file = b.dir().join("process.json");
    let pid_file = b.dir().join("exec.pid");
    fs::write(
        &file,
        json!({"args": ["sleep", "500"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}})
            .to_string(),
    )
    .unwrap();
    husk(&[
        "exec",
        "--process",
        file.to_str().unwrap(),
        "-d",
        "--pid-file",
        pid_file.to_str().unwrap(),
        &id,
    ])
    .assert_ok();
    let pid: i64 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let pids: Vec<i64> =
        serde_json::from_str(&husk(&["ps", "--format", "json", &id]).assert_ok().stdout).unwrap();
    assert!(pids.contains(&pid), "{pid} not in {pids:?}");
    assert_eq!(pids.len(), 2, "{pids:?}");
    let cmdline = fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap();
    assert_eq!(cmdline, "sleep\x00500\x00");
    husk(&["delete", "-f", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn a_bad_process_json_is_refused_naming_file_and_field() {
    let mut b = Bundle::new();
    let id = running(&mut b);
    let file = b.dir().join("bad.json");
    let file_s = file.to_str().unwrap();
    let before = husk(&["ps", "--format", "json", &id]).assert_ok().stdout;
    for (text, field) in [
        (r#"{"args": "sh", "cwd": "/"}"#, "args"),
        (r#"{"args": [], "cwd": "/"}"#, "process.args"),
        (r#"{"args": ["sh"], "cwd": "rel"}"#, "process.cwd"),
        (
            r#"{"args": ["sh"], "cwd": "/", "rlimits": [{"type": "RLIMIT_NOPE", "hard": 1, "soft": 1}]}"#,
            "RLIMIT_NOPE",
        ),
        ("{bad", "key must be a string"),
    ] {
        fs::write(&file, text).unwrap();
        husk(&["exec", "--process", file_s, &id])
            .assert_code(255)
            .assert_fails_naming(file_s.rsplit('/').next().unwrap())
            .assert_fails_naming(field);
    }
    husk(&["exec", "--process", "/nonexistent.json", &id]).assert_fails_naming("/nonexistent.json");
    assert_eq!(
        husk(&["ps", "--format", "json", &id]).assert_ok().stdout,
        before
    );
    husk(&["delete", "-f", &id]).assert_ok();
}

#[test]
fn ps_lists_the_containers_processes_as_a_table_or_json() {
    let mut b = Bundle::new();
    let id = running(&mut b);
    let init = state(&id)["pid"].as_i64().unwrap();
    let out = husk(&["ps", &id]).assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].contains("PID") && lines[0].contains("CMD"),
        "{out}"
    );
    assert_eq!(lines.len(), 2, "only the container's row: {out}");
    assert!(
        lines[1].split_whitespace().nth(1) == Some(&init.to_string()),
        "{out}"
    );
    let out = husk(&["ps", &id, "-o", "pid,comm"]).assert_ok();
    assert_eq!(
        out.stdout
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        [&init.to_string(), "sleep"]
    );
    let out = husk(&["ps", "--format", "json", &id]).assert_ok();
    assert_eq!(
        serde_json::from_str::<Value>(&out.stdout).unwrap(),
        json!([init])
    );
    husk(&["ps", "--format", "yaml", &id]).assert_fails_naming("--format");
    husk(&["delete", "-f", &id]).assert_ok();
}

#[test]
fn features_lists_what_husk_implements() {
    let out = husk_raw(&["features"]).assert_ok();
    let f: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(f["ociVersionMin"], "1.0.0");
    let spec_line = husk_raw(&["--version"]).assert_ok().stdout;
    assert!(spec_line.contains(&format!("spec: {}", f["ociVersionMax"].as_str().unwrap())));
    assert_eq!(f["hooks"].as_array().unwrap().len(), 6);
    // containerd offers checkpoint only where this says so; husk has the command.
    assert_eq!(
        f["annotations"]["org.opencontainers.runc.checkpoint.enabled"],
        "true"
    );
    assert!(husk_raw(&["checkpoint", "--help"]).success());
    let opts = f["mountOptions"].as_array().unwrap();
    for o in [
        "rro",
        "rbind",
        "tmpcopyup",
        "nosymfollow",
        "idmap",
        "ridmap",
    ] {
        assert!(opts.contains(&json!(o)), "{o}");
    }
    assert!(!opts.iter().any(|o| o.as_str().unwrap().starts_with("x-")));
    let linux = &f["linux"];
    assert!(linux["namespaces"]
        .as_array()
        .unwrap()
        .contains(&json!("user")));
    assert_eq!(linux["capabilities"][0], "CAP_CHOWN");
    assert_eq!(linux["cgroup"]["systemd"], true);
    assert_eq!(linux["cgroup"]["systemdUser"], true);
    assert_eq!(linux["seccomp"]["enabled"], true);
    assert_eq!(linux["cgroup"]["rdma"], true);
    assert_eq!(linux["mountExtensions"]["idmap"]["enabled"], true);
    // 4-space indentation, like runc.
    assert!(
        out.stdout
            .starts_with("{\n    \"ociVersionMin\": \"1.0.0\",\n"),
        "{out}"
    );
}

fn names(v: &Value) -> Vec<&str> {
    let list = v.as_array().unwrap_or_else(|| panic!("not a list: {v}"));
    list.iter().map(|n| n.as_str().unwrap()).collect()
}

/// Every action, operator, architecture and supported flag `features` lists goes into one
/// profile that a container runs under, with the rules' effects seen; a name it leaves out is
/// refused.
#[test]
fn features_seccomp_lists_what_a_profile_may_use() {
    let f: Value = serde_json::from_str(&husk_raw(&["features"]).assert_ok().stdout).unwrap();
    let sc = &f["linux"]["seccomp"];
    assert_eq!(sc["enabled"], true);
    let known = names(&sc["knownFlags"]);
    let supported = names(&sc["supportedFlags"]);
    assert!(supported.iter().all(|s| known.contains(s)), "{sc}");
    assert!(supported.contains(&"SECCOMP_FILTER_FLAG_LOG"), "{sc}");
    // Rarely used syscalls the shell never makes, one per action that would end the payload.
    let mut spare = [
        "acct",
        "swapon",
        "swapoff",
        "reboot",
        "kexec_load",
        "syslog",
    ]
    .into_iter();
    let mut rules = vec![];
    for action in names(&sc["actions"]) {
        match action {
            "SCMP_ACT_ALLOW" | "SCMP_ACT_NOTIFY" => continue,
            "SCMP_ACT_ERRNO" => rules.push(json!({"names": ["mkdir"], "action": action})),
            _ => rules.push(json!({"names": [spare.next().unwrap()], "action": action})),
        }
    }
    for (i, op) in names(&sc["operators"]).into_iter().enumerate() {
        let arg = json!({"index": 0, "op": op, "value": 7 + i, "valueTwo": 7 + i});
        rules.push(json!({"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "args": [arg]}));
    }
    let archs = names(&sc["archs"]);
    assert!(archs.contains(&"SCMP_ARCH_X86_64") && archs.contains(&"SCMP_ARCH_S390X"));
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": archs,
        "flags": supported,
        "syscalls": rules,
    });
    let mut b = Bundle::new();
    b.set("linux.seccomp", profile)
        .sh("mkdir /tmp/x 2>&1; echo done");
    let out = b.run_once().assert_ok();
    assert!(out.stdout.contains("Operation not permitted"), "{out}");
    assert!(out.stdout.contains("done"), "{out}");
    b.set("linux.seccomp.architectures", json!(["SCMP_ARCH_PDP11"]));
    b.run_once()
        .assert_fails_naming("linux.seccomp.architectures[0]");
    let mut b = Bundle::new();
    b.set("linux.seccomp.defaultAction", json!("SCMP_ACT_ALLOW"))
        .set("linux.seccomp.flags", json!(["SECCOMP_FILTER_FLAG_FAST"]));
    b.run_once().assert_fails_naming("linux.seccomp.flags[0]");
}

#[test]
fn exec_failure_is_the_last_json_log_line() {
    let b = Bundle::new();
    let log = b.dir().join("exec-log.json");
    let ghost = unique_id("ghost");
    husk(&[
        "--log",
        log.to_str().unwrap(),
        "--log-format",
        "json",
        "exec",
        &ghost,
        "true",
    ])
    .assert_code(255);
    let text = fs::read_to_string(&log).unwrap();
    let entry: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(entry["level"], "error");
    assert_eq!(
        entry["msg"],
        format!("exec failed: container does not exist: {ghost}")
    );
    assert!(entry["time"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn socket_activation_fds_and_env_reach_the_payload() {
    let mut b = Bundle::new();
    b.sh("echo fds=$LISTEN_FDS pid=$LISTEN_PID; cat <&3; cat <&4");
    b.write();
    let (l1, l2) = (b.dir().join("listen1"), b.dir().join("listen2"));
    fs::write(&l1, "first\n").unwrap();
    fs::write(&l2, "preserved\n").unwrap();
    let id = b.id();
    let script = format!(
        "exec 3<{} 4<{}; LISTEN_PID=$$ LISTEN_FDS=1 exec \"$@\"",
        l1.display(),
        l2.display()
    );
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(script).arg("sh").arg(runtime());
    cmd.args([
        "--root",
        state_root().to_str().unwrap(),
        "run",
        "--preserve-fds",
        "1",
    ]);
    cmd.args(["--bundle", b.dir_str(), &id]);
    cmd.process_group(0);
    let out = run_captured(cmd, None);
    assert_eq!(out.stdout, "fds=1 pid=1\nfirst\npreserved\n", "{out}");
    b.assert_clean(&id);
}

#[test]
fn exec_passes_preserved_fds_on() {
    let mut b = Bundle::new();
    let id = running(&mut b);
    let file = b.dir().join("handed");
    fs::write(&file, "through fd 3\n").unwrap();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(format!("exec 3<{}; exec \"$@\"", file.display()))
        .arg("sh");
    cmd.arg(runtime())
        .args(["--root", state_root().to_str().unwrap()]);
    cmd.args([
        "exec",
        "--preserve-fds",
        "1",
        &id,
        "sh",
        "-c",
        "cat <&3; ls /proc/self/fd",
    ]);
    let out = run_captured(cmd, None);
    assert_eq!(out.stdout, "through fd 3\n0\n1\n2\n3\n4\n", "{out}");
    husk(&["delete", "-f", &id]).assert_ok();
}

fn debug_msgs(text: &str, json: bool) -> Vec<String> {
    text.lines()
        .map(|l| match json {
            true => {
                let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
                assert_eq!(v["level"], "debug", "{l}");
                assert!(v["time"].is_string(), "{l}");
                v["msg"].as_str().unwrap().to_string()
            }
            false => {
                let (head, msg) = l
                    .split_once(" level=debug msg=")
                    .unwrap_or_else(|| panic!("{l}"));
                assert!(head.starts_with("time=\""), "{l}");
                serde_json::from_str::<String>(msg).unwrap_or_else(|e| panic!("{l}: {e}"))
            }
        })
        .collect()
}

#[track_caller]
fn assert_stages(msgs: &[String], stages: &[&str]) {
    for s in stages {
        assert!(msgs.iter().any(|m| m.contains(s)), "no {s:?} in {msgs:#?}");
    }
}

/// `--debug` names the stages of run and exec, in text and JSON, to stderr or the --log file;
/// exec makes its --log file even with nothing to say, as runc does.
#[test]
fn debug_lines_name_the_stages_of_every_command() {
    let mut b = Bundle::new();
    b.push(
        "hooks.createRuntime",
        json!({"path": "/bin/true", "args": ["true"]}),
    );
    let log = b.dir().join("run-log.json");
    let log_s = log.to_str().unwrap().to_string();
    b.set("process.args", json!(["sleep", "1000"]));
    b.write();
    let id = b.id();
    husk(&[
        "--debug",
        "--log",
        &log_s,
        "--log-format",
        "json",
        "run",
        "-d",
        "--bundle",
        b.dir_str(),
        &id,
    ])
    .assert_ok();
    let msgs = debug_msgs(&fs::read_to_string(&log).unwrap(), true);
    assert_stages(
        &msgs,
        &[
            "bootstrap sent",
            "namespaces joined",
            "mounts done",
            "hooks run",
            "process started",
        ],
    );
    let exec_log = b.dir().join("exec-log");
    let exec_log_s = exec_log.to_str().unwrap();
    husk(&["--log", exec_log_s, "exec", &id, "true"]).assert_ok();
    assert_eq!(fs::read_to_string(&exec_log).unwrap(), "");
    husk(&["--debug", "--log", exec_log_s, "exec", &id, "true"]).assert_ok();
    let msgs = debug_msgs(&fs::read_to_string(&exec_log).unwrap(), false);
    assert_stages(
        &msgs,
        &[
            "exec",
            "bootstrap sent",
            "namespaces joined",
            "process started",
        ],
    );
    let out = husk(&["--debug", "state", &id]).assert_ok();
    assert_stages(&debug_msgs(&out.stderr, false), &["state"]);
    husk(&["delete", "-f", &id]).assert_ok();
}
