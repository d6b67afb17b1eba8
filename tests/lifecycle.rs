//! The container lifecycle as callers drive it: create, start, state,
//! kill, delete, list, run, and the command-line spellings they use.

mod common;

use common::*;
use serde_json::{json, Value};
use std::fs;
use std::path::Path;
use std::thread;
use std::time::Duration;

/// A payload that stays up until signalled and tells the host when its
/// traps are in place, so a signal is never sent before it can be caught.
fn trapping_payload(bundle: &mut Bundle) -> std::path::PathBuf {
    let shared = bundle.share();
    bundle.sh(
        "trap 'exit 10' USR1; trap 'exit 11' HUP; trap 'exit 12' USR2; trap 'exit 15' TERM; \
         touch /shared/ready; sleep 1000 & wait",
    );
    shared.join("ready")
}

fn wait_ready(marker: &Path) {
    assert!(
        wait_for(Duration::from_secs(10), || marker.exists()),
        "payload never became ready"
    );
}

#[test]
fn run_exits_with_the_payload_status() {
    let mut bundle = Bundle::new();
    bundle.sh("exit 42");
    let id = bundle.id();
    bundle.run(&id).assert_code(42);
    bundle.assert_clean(&id);
}

#[test]
fn run_passes_payload_output_through() {
    let mut bundle = Bundle::new();
    bundle.sh("echo out; echo err >&2");
    let out = bundle.run_once().assert_ok();
    assert_eq!(out.stdout, "out\n");
    assert!(out.stderr.contains("err\n"), "{out}");
}

/// Sends `signal` (in the spelling under test) to a foreground `run`
/// and returns run's exit status.
fn run_and_kill(signal: Option<&str>) -> i32 {
    let mut bundle = Bundle::new();
    let marker = trapping_payload(&mut bundle);
    let id = bundle.id();
    let status = thread::scope(|s| {
        let runner = s.spawn(|| bundle.run(&id));
        wait_ready(&marker);
        let mut args = vec!["kill", id.as_str()];
        args.extend(signal);
        husk(&args).assert_ok();
        runner.join().expect("run thread").code()
    });
    bundle.assert_clean(&id);
    status
}

/// Signal 0 only asks whether the container runs; `--all` on a stopped container is no error,
/// as in runc since --all became obsolete.
#[test]
fn kill_signal_zero_checks_the_container_is_running() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["kill", &id, "0"]).assert_ok();
    husk(&["kill", "--all", &id, "0"]).assert_ok();
    husk(&["kill", &id, "KILL"]).assert_ok();
    wait_status(&id, "stopped");
    husk(&["kill", &id, "0"]).assert_fails_naming("container not running");
    husk(&["kill", "--all", &id, "0"]).assert_ok();
    husk(&["delete", &id]).assert_ok();
    bundle.assert_clean(&id);
}

#[test]
fn kill_defaults_to_sigterm() {
    assert_eq!(run_and_kill(None), 15);
}

#[test]
fn kill_accepts_a_name_without_sig() {
    assert_eq!(run_and_kill(Some("USR1")), 10);
}

#[test]
fn kill_accepts_a_name_with_sig() {
    assert_eq!(run_and_kill(Some("SIGUSR2")), 12);
}

#[test]
fn kill_accepts_a_number() {
    assert_eq!(run_and_kill(Some(&libc::SIGHUP.to_string())), 11);
}

#[test]
fn run_dying_of_a_signal_exits_128_plus_n() {
    assert_eq!(run_and_kill(Some("KILL")), 128 + libc::SIGKILL);
}

/// A created container whose payload touches the returned marker once started, then sleeps.
fn created_sleeper() -> (Bundle, String, std::path::PathBuf) {
    let mut bundle = Bundle::new();
    let started = bundle.share().join("started");
    bundle.sh("touch /shared/started; sleep 1000");
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    (bundle, id, started)
}

#[test]
fn create_parks_init_until_start() {
    let (bundle, id, started) = created_sleeper();

    let created = state(&id);
    assert_eq!(created["status"], "created");
    let pid = created["pid"].as_i64().expect("pid");
    assert!(pid > 0, "created container has pid {pid}");
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    assert!(!started.exists(), "payload ran before start");

    husk(&["start", &id]).assert_ok();
    assert!(wait_for(Duration::from_secs(10), || started.exists()));
    let running = state(&id);
    assert_eq!(running["status"], "running");
    assert_eq!(running["pid"], created["pid"]);

    husk(&["kill", &id, "KILL"]).assert_ok();
    wait_status(&id, "stopped");
    assert_eq!(state(&id)["pid"], 0);
    husk(&["delete", &id]).assert_ok();
    bundle.assert_clean(&id);
}

#[test]
fn state_is_laid_out_like_runcs() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.set("annotations", json!({"org.husk.test": "yes"}));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    let out = husk(&["state", &id]).assert_ok();

    assert!(
        out.stdout.starts_with("{\n  \"ociVersion\""),
        "not 2-space indented: {out}"
    );
    let state: Value = serde_json::from_str(&out.stdout).expect("state JSON");
    // The state follows the runtime's spec version, which --version names.
    let version = husk(&["--version"]).assert_ok().stdout;
    let spec_line = version
        .lines()
        .find_map(|l| l.strip_prefix("spec: "))
        .expect("spec line");
    assert_eq!(state["ociVersion"], spec_line);
    assert_eq!(state["id"], id.as_str());
    assert_eq!(state["status"], "created");
    assert_eq!(state["bundle"], bundle.dir_str());
    assert_eq!(state["rootfs"], bundle.rootfs().to_str().unwrap());
    assert_eq!(state["annotations"], json!({"org.husk.test": "yes"}));
    assert!(state["owner"].is_string(), "owner missing: {state}");
    let created = state["created"].as_str().expect("created");
    assert!(
        is_rfc3339_nanos(created),
        "created is not RFC 3339 with nanoseconds: {created}"
    );
}

/// `2026-11-23T19:30:13.585720621Z`: date, time, fraction, zone.
fn is_rfc3339_nanos(text: &str) -> bool {
    let Some((date, time)) = text.split_once('T') else {
        return false;
    };
    let Some((clock, fraction)) = time.split_once('.') else {
        return false;
    };
    let digits = fraction.trim_end_matches('Z');
    date.len() == 10
        && clock.len() == 8
        && fraction.ends_with('Z')
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
}

#[test]
fn pid_file_holds_the_init_pid() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.write();
    let id = bundle.id();
    let pid_file = bundle.dir().join("init.pid");
    husk(&[
        "create",
        "--bundle",
        bundle.dir_str(),
        "--pid-file",
        pid_file.to_str().unwrap(),
        &id,
    ])
    .assert_ok();
    let written = fs::read_to_string(&pid_file).expect("pid file");
    assert_eq!(
        json!(written.trim().parse::<i64>().unwrap()),
        state(&id)["pid"]
    );
}

#[test]
fn flags_accept_equals_and_short_spellings() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.write();
    let id = bundle.id();
    let pid_file = bundle.dir().join("pid");
    let bundle_flag = format!("--bundle={}", bundle.dir_str());
    let pid_flag = format!("--pid-file={}", pid_file.display());
    husk(&["create", &bundle_flag, &pid_flag, &id]).assert_ok();
    assert!(pid_file.exists());
    husk(&["delete", "--force", &id]).assert_ok();

    let id = bundle.id();
    husk(&["create", "-b", bundle.dir_str(), &id]).assert_ok();
    assert_eq!(state(&id)["status"], "created");
}

#[test]
fn single_dash_long_flags_are_accepted() {
    let mut bundle = Bundle::new();
    bundle.sh("exit 3");
    bundle.write();
    let id = bundle.id();
    husk(&["run", "-no-subreaper", "-bundle", bundle.dir_str(), &id]).assert_code(3);
    bundle.assert_clean(&id);
}

#[test]
fn run_detached_returns_with_the_container_running() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.write();
    let id = bundle.id();
    husk(&["run", "-d", "--bundle", bundle.dir_str(), &id]).assert_ok();
    assert_eq!(state(&id)["status"], "running");
    husk(&["delete", "--force", &id]).assert_ok();
    bundle.assert_clean(&id);
}

#[test]
fn run_keep_leaves_a_stopped_container() {
    let mut bundle = Bundle::new();
    bundle.sh("exit 0");
    bundle.write();
    let id = bundle.id();
    husk(&["run", "--keep", "--bundle", bundle.dir_str(), &id]).assert_ok();
    assert_eq!(state(&id)["status"], "stopped");
    husk(&["delete", &id]).assert_ok();
    bundle.assert_clean(&id);
}

#[test]
fn delete_force_kills_a_running_container() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["start", &id]).assert_ok();
    let pid = state(&id)["pid"].as_i64().unwrap();
    husk(&["delete", "--force", &id]).assert_ok();
    let proc_dir = format!("/proc/{pid}");
    assert!(wait_for(Duration::from_secs(2), || !Path::new(&proc_dir).exists()));
    bundle.assert_clean(&id);
}

#[test]
fn delete_removes_a_created_container_with_force() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["delete", "--force", &id]).assert_ok();
    husk(&["state", &id]).assert_fails_naming("does not exist");
    bundle.assert_clean(&id);
}

#[test]
fn kill_all_signals_every_process() {
    let mut bundle = Bundle::new();
    bundle.sh("sleep 1000 & sleep 1000 & wait");
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["start", &id]).assert_ok();
    husk(&["kill", "--all", &id, "KILL"]).assert_ok();
    wait_status(&id, "stopped");
    husk(&["delete", &id]).assert_ok();
    bundle.assert_clean(&id);
}

#[test]
fn list_shows_containers_in_every_format() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let root = bundle.dir().join("state");
    let root_str = root.to_str().unwrap();
    let id = unique_id("list");
    bundle.write();
    husk_raw(&[
        "--root",
        root_str,
        "create",
        "--bundle",
        bundle.dir_str(),
        &id,
    ])
    .assert_ok();
    let guard = ForeignRoot(root_str, &id);

    let quiet = husk_raw(&["--root", root_str, "list", "-q"]).assert_ok();
    assert_eq!(quiet.stdout, format!("{id}\n"));

    let table = husk_raw(&["--root", root_str, "list"]).assert_ok();
    let mut rows = table.stdout.lines();
    let header: Vec<&str> = rows.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    );
    let row: Vec<&str> = rows.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(row[0], id);
    assert_eq!(row[2], "created");
    assert_eq!(row[3], bundle.dir_str());

    let listed = husk_raw(&["--root", root_str, "list", "--format", "json"]).assert_ok();
    let items: Value = serde_json::from_str(&listed.stdout).expect("list JSON");
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["status"], "created");
    assert_eq!(items.as_array().map(Vec::len), Some(1));
    drop(guard);
}

/// Force-deletes a container kept under a root other than the harness's.
struct ForeignRoot<'a>(&'a str, &'a str);

impl Drop for ForeignRoot<'_> {
    fn drop(&mut self) {
        husk_raw(&["--root", self.0, "delete", "--force", self.1]);
    }
}

#[test]
fn list_json_prints_null_when_empty() {
    let bundle = Bundle::new();
    let root = bundle.dir().join("empty-root");
    let out = husk_raw(&["--root", root.to_str().unwrap(), "list", "--format=json"]).assert_ok();
    assert_eq!(out.stdout.trim(), "null");
}

#[test]
fn errors_use_the_text_log_line() {
    let id = unique_id("ghost");
    let out = husk(&["state", &id]).assert_code(1);
    assert!(out.stderr.starts_with("time=\""), "{out}");
    // runc's exact phrase (containerd and podman match it), then the id.
    assert!(
        out.stderr
            .contains("level=error msg=\"container does not exist"),
        "{out}"
    );
    assert!(out.stderr.contains(&id), "{out}");
}

#[test]
fn json_log_holds_one_object_per_error() {
    let bundle = Bundle::new();
    let log = bundle.dir().join("log.json");
    let id = unique_id("ghost");
    husk(&[
        "--log",
        log.to_str().unwrap(),
        "--log-format=json",
        "delete",
        &id,
    ])
    .assert_code(1);
    let text = fs::read_to_string(&log).expect("log file");
    let last = text.lines().last().expect("a log line");
    let entry: Value = serde_json::from_str(last).expect("log line is JSON");
    assert_eq!(entry["level"], "error");
    assert!(entry["msg"].as_str().unwrap().contains("does not exist"));
    assert!(entry["time"].is_string());
}

#[test]
fn global_flags_callers_pass_are_accepted() {
    let out = husk(&[
        "--debug",
        "--systemd-cgroup",
        "--rootless=false",
        "--log-format",
        "text",
        "list",
        "-q",
    ]);
    assert!(out.success(), "{out}");
}

#[test]
fn version_names_husk_then_commit_and_spec() {
    let out = husk_raw(&["--version"]).assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("husk version "), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("commit: ")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("spec: 1.")), "{out}");
}

#[test]
fn every_command_has_help() {
    for command in [
        "spec", "create", "start", "run", "state", "kill", "delete", "list",
    ] {
        let out = husk_raw(&[command, "--help"]);
        assert_eq!(out.code(), 0, "{command} --help: {out}");
        assert!(out.stdout.contains(command), "{command} --help: {out}");
    }
}

#[test]
fn spec_writes_a_config_runc_accepts() {
    let bundle = Bundle::new();
    fs::remove_file(bundle.dir().join("config.json")).ok();
    husk_raw(&["spec", "--bundle", bundle.dir_str()]).assert_ok();
    let path = bundle.dir().join("config.json");
    let mut config: Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).expect("spec JSON");
    assert_eq!(config["root"]["path"], "rootfs");
    config["process"]["terminal"] = json!(false);
    config["process"]["args"] = json!(["sh", "-c", "echo accepted"]);
    fs::write(&path, config.to_string()).unwrap();

    let runc = Path::new("/usr/sbin/runc");
    if runc.exists() {
        let mut cmd = std::process::Command::new(runc);
        let root = bundle.dir().join("runc-root");
        cmd.arg("--root")
            .arg(&root)
            .args(["run", "--bundle", bundle.dir_str()]);
        cmd.arg(unique_id("specrunc"));
        let out = run_captured(cmd, None).assert_ok();
        assert_eq!(out.stdout, "accepted\n");
    }
}

#[test]
fn spec_refuses_to_overwrite() {
    let bundle = Bundle::new();
    husk_raw(&["spec", "--bundle", bundle.dir_str()]).assert_ok();
    husk_raw(&["spec", "--bundle", bundle.dir_str()]).assert_fails_naming("config.json");
}

#[test]
fn spec_rootless_adds_a_user_namespace() {
    let bundle = Bundle::new();
    husk_raw(&["spec", "--rootless", "--bundle", bundle.dir_str()]).assert_ok();
    let text = fs::read_to_string(bundle.dir().join("config.json")).unwrap();
    let config: Value = serde_json::from_str(&text).unwrap();
    let kinds: Vec<&Value> = config["linux"]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ns| &ns["type"])
        .collect();
    assert!(kinds.contains(&&json!("user")), "{text}");
    assert!(config["linux"]["uidMappings"].is_array(), "{text}");
}

#[test]
fn processes_that_outlive_init_go_with_the_container() {
    let mut bundle = Bundle::new();
    // Without a pid namespace the background sleep survives init's exit.
    let namespaces = bundle.config["linux"]["namespaces"].as_array_mut().unwrap();
    namespaces.retain(|ns| ns["type"] != "pid");
    bundle.sh("sleep 1000 </dev/null >/dev/null 2>&1 & echo started");
    let id = bundle.id();
    let out = bundle.run(&id).assert_ok();
    assert_eq!(out.stdout.trim(), "started");
    bundle.assert_clean(&id);
}

#[test]
fn state_files_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    let dir = state_root().join(&id);
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.join("state.json")), 0o600);
    assert_eq!(mode(&dir), 0o700);
}

#[test]
fn a_container_whose_start_hangs_can_still_be_killed_and_deleted() {
    let mut bundle = Bundle::new();
    bundle.set(
        "hooks",
        json!({"startContainer": [{"path": "/bin/sleep", "args": ["sleep", "1000"]}]}),
    );
    bundle.set("process.args", json!(["true"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    let mut start = husk_command(&["start", &id])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // start now holds the container's lock while init sits in the hook.
    thread::sleep(Duration::from_millis(200));
    husk(&["delete", "--force", &id]).assert_ok();
    let status = start.wait().unwrap();
    assert!(
        !status.success(),
        "start reported success for a container deleted under it"
    );
    bundle.assert_clean(&id);
}

#[test]
fn signals_to_husk_run_reach_the_payload() {
    let mut bundle = Bundle::new();
    bundle.sh("trap 'exit 42' TERM; echo ready; while true; do sleep 0.05; done");
    bundle.write();
    let id = bundle.id();
    let mut run = husk_command(&["run", "--bundle", bundle.dir_str(), &id])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(run.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    // SAFETY: kill takes plain integers.
    assert_eq!(unsafe { libc::kill(run.id() as i32, libc::SIGTERM) }, 0);
    let status = run.wait().unwrap();
    assert_eq!(status.code(), Some(42), "husk run did not forward SIGTERM");
    bundle.assert_clean(&id);
}

#[test]
fn a_reused_pid_reads_as_stopped() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    assert_eq!(state(&id)["status"], "created");
    // Same pid, other start time: what a recycled pid looks like from the state file.
    let file = state_root().join(&id).join("state.json");
    let mut saved: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    saved["start_time"] = json!(saved["start_time"].as_u64().unwrap() + 1);
    fs::write(&file, serde_json::to_vec(&saved).unwrap()).unwrap();
    let s = state(&id);
    assert_eq!(s["status"], "stopped");
    assert_eq!(s["pid"], 0);
    husk(&["kill", &id, "KILL"]).assert_fails_naming("container not running");
}

/// CVE-2019-5736: the container holds /proc/PID/exe of husk init and, once init has exec'd
/// the payload, reopens it for writing to replace the runtime on the host. The husk here is a
/// private copy, which no other test keeps busy (a busy binary refuses writes by itself).
#[test]
fn the_binary_init_ran_from_cannot_be_written_through_proc_exe() {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.write();
    let copy = bundle.dir().join("husk-copy");
    fs::copy(runtime(), &copy).unwrap();
    let before = fs::read(&copy).unwrap();
    let husk_copy = |args: &[&str]| {
        let mut cmd = std::process::Command::new(&copy);
        cmd.arg("--root").arg(state_root()).args(args);
        run_captured(cmd, None)
    };
    let id = bundle.id();
    husk_copy(&["create", "--bundle", bundle.dir_str(), &id]).assert_ok();
    let pid = state(&id)["pid"].as_i64().unwrap();
    let held = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open(format!("/proc/{pid}/exe"))
        .unwrap();
    husk_copy(&["start", &id]).assert_ok();
    let reopened = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&held));
    let wrote = fs::OpenOptions::new()
        .append(true)
        .open(&reopened)
        .and_then(|mut f| f.write_all(b"\0"));
    husk_copy(&["delete", "--force", &id]).assert_ok();
    assert!(wrote.is_err(), "init's binary took a write");
    assert_eq!(fs::read(&copy).unwrap(), before, "the host's husk changed");
}

#[test]
fn output_into_a_closed_pipe_is_not_a_crash() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = husk_command(&["--help"])
        .stdout(writer)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "husk died writing to a closed pipe: {status}"
    );
}

#[test]
fn a_parked_init_is_named_for_ps() {
    let (bundle, id, _) = created_sleeper();
    let pid = state(&id)["pid"].as_i64().expect("pid");
    let comm = fs::read_to_string(format!("/proc/{pid}/comm"));
    husk(&["delete", "--force", &id]).assert_ok();
    bundle.assert_clean(&id);
    assert_eq!(comm.unwrap(), "husk init\n");
}

/// Takes out of the record of container `id` what the previous release did not write: each
/// cgroup directory's controllers, in state.json and footprint.json.
fn as_previous_release_wrote(id: &str) {
    for file in ["state.json", "footprint.json"] {
        let path = state_root().join(id).join(file);
        let mut record: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        let cgroup = record["cgroup"].as_object_mut().unwrap();
        assert!(cgroup.remove("controllers").is_some(), "{file}: {cgroup:?}");
        fs::write(&path, record.to_string()).unwrap();
    }
}

/// Control file `file` of container `id`, read in whichever of its recorded cgroup directories
/// (one per v1 hierarchy, or the cgroup2 one) has it.
fn recorded_cgroup_file(id: &str, file: &str) -> String {
    let record: Value =
        serde_json::from_slice(&fs::read(state_root().join(id).join("state.json")).unwrap())
            .unwrap();
    let dirs = record["cgroup"]["dirs"].as_array().unwrap();
    let found = dirs
        .iter()
        .find_map(|d| fs::read_to_string(Path::new(d.as_str().unwrap()).join(file)).ok());
    found.unwrap_or_else(|| panic!("no cgroup of {id} has {file}: {dirs:?}"))
}

#[test]
fn a_container_recorded_by_the_previous_release_is_paused_started_killed_and_deleted() {
    let (bundle, id, started) = created_sleeper();
    as_previous_release_wrote(&id);
    husk(&["start", &id]).assert_ok();
    assert!(wait_for(Duration::from_secs(10), || started.exists()));
    husk(&["pause", &id]).assert_ok();
    assert_eq!(state(&id)["status"], "paused");
    husk(&["resume", &id]).assert_ok();
    assert_eq!(state(&id)["status"], "running");
    husk(&["update", "--pids-limit", "50", &id]).assert_ok();
    assert_eq!(recorded_cgroup_file(&id, "pids.max").trim(), "50");
    husk(&["kill", &id, "KILL"]).assert_ok();
    wait_status(&id, "stopped");
    husk(&["delete", &id]).assert_ok();
    bundle.assert_clean(&id);
}
