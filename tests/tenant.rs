//! Tenants: extra processes run through the library in a running container, observed from
//! inside (namespaces, root, cgroup) and by their exit status.

mod common;

use common::*;
use husk::spec::Process;
use husk::ContainerError;
use serde_json::json;
use std::fs;

/// A running `sleep` container from a writable bundle, so a tenant can leave its findings in
/// the rootfs for the test to read.
fn running(bundle: &mut Bundle) -> String {
    bundle
        .set("process.args", json!(["sleep", "1000"]))
        .set("root.readonly", json!(false))
        .set("hostname", json!("tenant-host"));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["start", &id]).assert_ok();
    id
}

fn process(args: &[&str]) -> Process {
    Process {
        args: args.iter().map(|a| a.to_string()).collect(),
        env: vec!["PATH=/bin".into()],
        cwd: "/".into(),
        ..Default::default()
    }
}

fn tenant(id: &str, process: Process) -> Result<i32, ContainerError> {
    husk::ContainerBuilder::new(id)
        .root(state_root())
        .tenant(process)
        .binary(runtime())
        .run()
}

/// Runs `script` in the container and returns what it wrote to stdout.
#[track_caller]
fn output_of(bundle: &Bundle, id: &str, script: &str) -> String {
    let out = bundle.rootfs().join("tmp/tenant.out");
    let _ = fs::remove_file(&out);
    let code = tenant(
        id,
        process(&["sh", "-c", &format!("({script}) > /tmp/tenant.out")]),
    );
    assert_eq!(code.unwrap(), 0, "tenant script failed: {script}");
    fs::read_to_string(&out).unwrap()
}

fn init_pid(id: &str) -> i64 {
    state(id)["pid"].as_i64().unwrap()
}

/// The pids in the container's cgroup, as the host sees them.
fn cgroup_pids(id: &str) -> Vec<String> {
    let dir = cgroups_named(id).pop().expect("the container has a cgroup");
    let procs = fs::read_to_string(dir.join("cgroup.procs")).unwrap();
    procs.lines().map(str::to_string).collect()
}

#[test]
fn exit_status_is_the_tenants() {
    let mut bundle = Bundle::writable();
    let id = running(&mut bundle);
    assert_eq!(tenant(&id, process(&["sh", "-c", "exit 7"])).unwrap(), 7);
    assert_eq!(tenant(&id, process(&["true"])).unwrap(), 0);
    assert_eq!(
        tenant(&id, process(&["sh", "-c", "kill -9 $$"])).unwrap(),
        128 + 9
    );
    assert_eq!(state(&id)["status"], "running");
}

#[test]
fn tenant_is_in_the_containers_namespaces_root_and_cgroup() {
    let mut bundle = Bundle::writable();
    fs::write(bundle.rootfs().join("marker"), "only in this rootfs\n").unwrap();
    let id = running(&mut bundle);
    assert_eq!(
        output_of(&bundle, &id, "cat /marker"),
        "only in this rootfs\n"
    );
    assert_eq!(output_of(&bundle, &id, "hostname"), "tenant-host\n");
    assert_eq!(
        output_of(&bundle, &id, "tr '\\0' ' ' < /proc/1/cmdline"),
        "sleep 1000 "
    );
    let init = init_pid(&id);
    for ns in ["pid", "net", "ipc", "uts", "mnt"] {
        let inside = output_of(&bundle, &id, &format!("readlink /proc/self/ns/{ns}"));
        let of_init = fs::read_link(format!("/proc/{init}/ns/{ns}")).unwrap();
        assert_eq!(inside.trim(), of_init.to_str().unwrap(), "{ns} namespace");
    }
    let host_view = fs::read_to_string(format!("/proc/{init}/cgroup")).unwrap();
    assert_eq!(output_of(&bundle, &id, "cat /proc/self/cgroup"), host_view);
    assert!(host_view.contains(&id), "cgroup of init: {host_view}");
}

#[test]
fn tenant_gets_its_own_user_and_cwd() {
    let mut bundle = Bundle::writable();
    let id = running(&mut bundle);
    let mut p = process(&["sh", "-c", "echo $(id -u) $(pwd) > /tmp/tenant.out"]);
    p.user.uid = 1000;
    p.user.gid = 1000;
    p.cwd = "/tmp".into();
    assert_eq!(tenant(&id, p).unwrap(), 0);
    let out = fs::read_to_string(bundle.rootfs().join("tmp/tenant.out")).unwrap();
    assert_eq!(out, "1000 /tmp\n");
}

#[test]
fn missing_program_is_127_and_leaves_nothing() {
    let mut bundle = Bundle::writable();
    let id = running(&mut bundle);
    let err = tenant(&id, process(&["no-such-program"])).unwrap_err();
    assert_eq!(err.exit_code(), 127, "{err}");
    assert!(err.to_string().contains("no-such-program"), "{err}");
    assert_eq!(cgroup_pids(&id), vec![init_pid(&id).to_string()]);
    assert_eq!(state(&id)["status"], "running");
}

#[test]
fn stopped_container_is_refused_in_runcs_words() {
    let mut bundle = Bundle::writable();
    let id = running(&mut bundle);
    husk(&["kill", &id, "KILL"]).assert_ok();
    wait_status(&id, "stopped");
    let err = tenant(&id, process(&["true"])).unwrap_err();
    assert!(matches!(err, ContainerError::WrongStatus { .. }), "{err:?}");
    assert_eq!(err.to_string(), "cannot exec in a stopped container");
}

/// As with runc: the namespaces exist once init is parked, so a tenant may join them.
#[test]
fn created_container_takes_a_tenant() {
    let bundle = Bundle::new();
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    assert_eq!(tenant(&id, process(&["sh", "-c", "exit 4"])).unwrap(), 4);
    assert_eq!(state(&id)["status"], "created");
}

#[test]
fn unknown_container_does_not_exist() {
    let err = tenant(&unique_id("none"), process(&["true"])).unwrap_err();
    assert!(matches!(err, ContainerError::NotExist(_)), "{err:?}");
}

#[test]
fn the_library_creates_starts_and_deletes_a_container() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.write();
    let id = bundle.id();
    let build = || {
        husk::ContainerBuilder::new(&id)
            .root(state_root())
            .binary(runtime())
    };
    let mut c = build().bundle(bundle.dir()).create().expect("create");
    assert_eq!(c.state().status, husk::spec::Status::Created);
    c.start().expect("start");
    assert_eq!(c.state().status, husk::spec::Status::Running);
    // A Container holds the container's lock; the tenant must not wait behind it.
    drop(c);
    assert_eq!(tenant(&id, process(&["true"])).unwrap(), 0);
    husk::container::delete(state_root(), &id, true).expect("delete");
    bundle.assert_clean(&id);
}
