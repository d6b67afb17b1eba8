//! OCI hooks: every kind runs at its point with its path, args, env and
//! the state on stdin; failures and timeouts are handled as the spec says.

mod common;

use common::*;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A hook that records its state, its arguments and its environment.
/// Host hooks write through the host path of the shared dir; hooks run
/// inside the container see it at /shared.
fn recording_hook(name: &str, dir: &str, sh: &str) -> Value {
    json!({
        "path": sh,
        "args": ["sh", "-c",
                 format!("cat > {dir}/{name}.json; echo \"$0 $1 $HOOK_VAR\" >> {dir}/order"),
                 name, "arg1"],
        "env": ["HOOK_VAR=from-config"]
    })
}

fn hooked_bundle() -> (Bundle, PathBuf) {
    let mut bundle = Bundle::new();
    let shared = bundle.share();
    let host = shared.to_str().unwrap().to_string();
    for kind in [
        "prestart",
        "createRuntime",
        "createContainer",
        "poststart",
        "poststop",
    ] {
        bundle.push(
            &format!("hooks.{kind}"),
            recording_hook(kind, &host, "/bin/sh"),
        );
    }
    bundle.push(
        "hooks.startContainer",
        recording_hook("startContainer", "/shared", "/bin/sh"),
    );
    (bundle, shared)
}

/// Runs the hooked bundle with a payload that outlives poststart, so every hook sees the
/// container running; returns the bundle, the shared directory and the container id.
fn run_past_poststart() -> (Bundle, PathBuf, String) {
    let (mut bundle, shared) = hooked_bundle();
    bundle.sh("i=0; while [ ! -s /shared/poststart.json ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done");
    let id = bundle.id();
    bundle.run(&id).assert_ok();
    (bundle, shared, id)
}

fn hook_state(shared: &Path, kind: &str) -> Value {
    let text = fs::read_to_string(shared.join(format!("{kind}.json")))
        .unwrap_or_else(|e| panic!("{kind} hook did not run: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{kind} stdin is not JSON: {e}: {text}"))
}

#[test]
fn every_hook_runs_in_order_with_args_and_env() {
    let (bundle, shared, id) = run_past_poststart();

    let order = fs::read_to_string(shared.join("order")).unwrap();
    let rows: Vec<&str> = order.lines().collect();
    let expected: Vec<String> = [
        "prestart",
        "createRuntime",
        "createContainer",
        "startContainer",
        "poststart",
        "poststop",
    ]
    .iter()
    .map(|kind| format!("{kind} arg1 from-config"))
    .collect();
    assert_eq!(rows, expected);
    bundle.assert_clean(&id);
}

#[test]
fn hooks_get_the_state_on_stdin() {
    let (bundle, shared, id) = run_past_poststart();

    for kind in [
        "prestart",
        "createRuntime",
        "createContainer",
        "startContainer",
        "poststart",
        "poststop",
    ] {
        let state = hook_state(&shared, kind);
        assert_eq!(state["id"], id.as_str(), "{kind}: {state}");
        assert_eq!(state["bundle"], bundle.dir_str(), "{kind}: {state}");
    }
    // The hooks init runs get init's pid as the container's pid namespace numbers it (runc's
    // getpid there), the others its host pid.
    for (kind, status) in [
        ("createContainer", "creating"),
        ("startContainer", "created"),
    ] {
        let state = hook_state(&shared, kind);
        assert_eq!(state["status"], status, "{kind}: {state}");
        assert_eq!(state["pid"], 1, "{kind}: {state}");
    }
    assert_eq!(hook_state(&shared, "poststart")["status"], "running");
    assert_eq!(hook_state(&shared, "poststop")["status"], "stopped");
    let pid = hook_state(&shared, "createRuntime")["pid"]
        .as_i64()
        .unwrap();
    assert!(pid > 0, "createRuntime saw pid {pid}");
}

/// A script file with a recognisable name, so errors can be checked for it.
fn failing_hook(bundle: &Bundle, name: &str) -> String {
    let path = bundle.dir().join(name);
    fs::write(&path, "#!/bin/sh\nexit 3\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_failing_prestart_hook_fails_the_run_and_leaves_nothing() {
    for kind in ["prestart", "createRuntime", "createContainer"] {
        let mut bundle = Bundle::new();
        let shared = bundle.share();
        let hook = failing_hook(&bundle, &format!("failing-{kind}-hook"));
        bundle.push(&format!("hooks.{kind}"), json!({"path": hook}));
        bundle.sh("touch /shared/payload-ran");
        let id = bundle.id();
        let out = bundle.run(&id);
        assert!(!out.success(), "{kind}: {out}");
        assert!(!shared.join("payload-ran").exists(), "{kind}: payload ran");
        bundle.assert_clean(&id);
        out.assert_fails_naming(&hook);
    }
}

#[test]
fn a_hook_past_its_timeout_is_killed_and_fails() {
    let mut bundle = Bundle::new();
    bundle.push(
        "hooks.createRuntime",
        json!({"path": "/bin/sleep", "args": ["sleep", "5"], "timeout": 1}),
    );
    bundle.sh("true");
    let id = bundle.id();
    let started = Instant::now();
    bundle.run(&id).assert_fails_naming("timeout");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "hook ran for {:?}",
        started.elapsed()
    );
    bundle.assert_clean(&id);
}

/// The spec makes poststart and poststop failures warnings: the lifecycle
/// carries on as if they had succeeded.
#[test]
fn failing_poststart_and_poststop_hooks_only_warn() {
    for kind in ["poststart", "poststop"] {
        let mut bundle = Bundle::new();
        let hook = failing_hook(&bundle, &format!("failing-{kind}-hook"));
        bundle.push(&format!("hooks.{kind}"), json!({"path": hook}));
        bundle.sh("sleep 0.2; exit 7");
        let id = bundle.id();
        let out = bundle.run(&id);
        assert_eq!(out.code(), 7, "{kind}: {out}");
        assert!(
            out.stderr.contains(&hook),
            "{kind} failure not reported: {out}"
        );
        bundle.assert_clean(&id);
    }
}

/// A hook that writes its argv[0], cwd and environment (one line each) to `out`.
fn where_hook(argv0: &str, out: &str, env: Option<&[&str]>) -> Value {
    let script = format!("{{ echo \"$0\"; pwd; env | grep -v '^PWD=\\|^SHLVL=\\|^_=' | sort | tr '\\n' ' '; }} > {out}");
    let mut hook = json!({"path": "/bin/sh", "args": [argv0, "-c", script]});
    if let Some(env) = env {
        hook["env"] = json!(env);
    }
    hook
}

/// runc changes into the bundle before its own hooks and into the rootfs before
/// createContainer, so relative paths resolve there; startContainer runs in the process's
/// cwd and, without an `env` of its own, with the process's environment. A hook's argv is its
/// `args` as given, argv[0] included. Checked through create and start, where poststart is
/// run by `start`.
#[test]
fn each_hook_kind_starts_where_runc_starts_it() {
    let mut bundle = Bundle::new();
    let shared = bundle.share();
    let host = shared.to_str().unwrap().to_string();
    let relative = bundle.dir().join("relative-hook");
    fs::write(&relative, format!("#!/bin/sh\npwd > {host}/relative\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&relative, fs::Permissions::from_mode(0o755)).unwrap();
    bundle.push("hooks.createRuntime", json!({"path": "relative-hook"}));
    let only_x: &[&str] = &["X=1"];
    for kind in ["prestart", "createRuntime", "createContainer", "poststart"] {
        let out = format!("{host}/{kind}");
        bundle.push(
            &format!("hooks.{kind}"),
            where_hook("my-sh", &out, Some(only_x)),
        );
    }
    let start = |name: &str, env| where_hook("sh", &format!("/shared/{name}"), env);
    bundle.push(
        "hooks.startContainer",
        start("startContainer", Some(only_x)),
    );
    bundle.push("hooks.startContainer", start("startContainer-bare", None));
    bundle.set("process.cwd", json!("/shared"));
    bundle.set("process.env", json!(["PATH=/bin", "C=2"]));
    bundle.sh("true");
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["start", &id]).assert_ok();
    let read = |name: &str| fs::read_to_string(shared.join(name)).unwrap_or_default();
    let dir = bundle.dir_str();
    assert_eq!(
        read("relative"),
        format!("{dir}\n"),
        "createRuntime by a relative path"
    );
    for kind in ["prestart", "createRuntime", "poststart"] {
        assert_eq!(read(kind), format!("my-sh\n{dir}\nX=1 "), "{kind}");
    }
    let rootfs = bundle.rootfs();
    let rootfs = rootfs.to_str().unwrap();
    assert_eq!(read("createContainer"), format!("my-sh\n{rootfs}\nX=1 "));
    assert_eq!(
        read("startContainer"),
        "sh\n/shared\nPATH=/sbin:/usr/sbin:/bin:/usr/bin X=1 "
    );
    assert_eq!(
        read("startContainer-bare"),
        "sh\n/shared\nC=2 HOME=/root PATH=/bin "
    );
    wait_status(&id, "stopped");
    husk(&["delete", &id]).assert_ok();
    bundle.assert_clean(&id);
}
