//! linux.seccomp on real containers: podman's default profile, errno and argument rules seen
//! from inside, 32-bit calls through int 0x80, kill actions seen from outside, a NOTIFY rule
//! answered by an agent on listenerPath, and the filter in tenants.

mod common;

use common::*;
use serde_json::{json, Value};
use std::fs;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const MKDIR_I386: u32 = 39;
const GETPID: u32 = libc::SYS_getpid as u32;
const PERSONALITY: u32 = libc::SYS_personality as u32;
const USTAT: u32 = libc::SYS_ustat as u32;

/// tests/programs/sc.c built static (musl-gcc, from musl-tools) once per test process.
fn sc_binary() -> &'static Path {
    static SC: OnceLock<PathBuf> = OnceLock::new();
    SC.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("husk-sc-{}", std::process::id()));
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/sc.c");
        let status = Command::new("musl-gcc")
            .args(["-static", "-no-pie", "-O2", "-o"])
            .arg(&out)
            .arg(&src)
            .status()
            .expect("run musl-gcc (musl-tools)");
        assert!(status.success(), "building {}", src.display());
        out
    })
}

/// A bundle with `sc` at /sc and `profile` as linux.seccomp.
fn bundle_with(profile: Value) -> Bundle {
    let mut bundle = Bundle::new();
    fs::copy(sc_binary(), bundle.rootfs().join("sc")).unwrap();
    bundle.set("linux.seccomp", profile);
    bundle
}

fn run_sh(bundle: &mut Bundle, script: &str) -> Out {
    bundle.sh(script);
    bundle.run_once()
}

/// podman's conversion of its profile format to OCI for a container with `caps` on
/// x86_64: the archMap entry of the native arch gives the architectures, and a rule is kept
/// when its includes hold and its excludes do not (arches by Go name, caps).
fn podman_to_oci(profile: &Value, caps: &[&str]) -> Value {
    let arches = profile["archMap"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["architecture"] == "SCMP_ARCH_X86_64")
        .map(|m| {
            let mut list = vec![m["architecture"].clone()];
            list.extend(m["subArchitectures"].as_array().unwrap().iter().cloned());
            list
        })
        .unwrap();
    let has_arch = |v: &Value| v.as_array().is_some_and(|a| a.iter().any(|x| x == "amd64"));
    let has_caps = |v: &Value, all: bool| match v.as_array() {
        None => None,
        Some(list) if all => Some(list.iter().all(|c| caps.iter().any(|k| c == k))),
        Some(list) => Some(list.iter().any(|c| caps.iter().any(|k| c == k))),
    };
    let syscalls: Vec<Value> = profile["syscalls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            let (inc, exc) = (&s["includes"], &s["excludes"]);
            (inc["arches"].is_null() || has_arch(&inc["arches"]))
                && has_caps(&inc["caps"], true) != Some(false)
                && !has_arch(&exc["arches"])
                && has_caps(&exc["caps"], false) != Some(true)
        })
        .map(|s| {
            let mut rule = json!({"names": s["names"], "action": s["action"]});
            for key in ["args", "errnoRet"] {
                if !s[key].is_null() {
                    rule[key] = s[key].clone();
                }
            }
            rule
        })
        .collect();
    json!({
        "defaultAction": profile["defaultAction"],
        "defaultErrnoRet": profile["defaultErrnoRet"],
        "architectures": arches,
        "syscalls": syscalls,
    })
}

fn podman_profile() -> Value {
    let text = fs::read_to_string("/usr/share/containers/seccomp.json")
        .expect("podman's profile (golang-github-containers-common)");
    let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
    podman_to_oci(&serde_json::from_str(&text).unwrap(), &caps)
}

/// Busybox runs as usual; ustat is refused with the profile's EPERM where the kernel itself
/// says EINVAL, and personality(4) is outside the argument values it allows (ENOSYS, the
/// default), where without a filter it succeeds.
#[test]
fn podmans_default_profile_runs_busybox_and_blocks_what_it_blocks() {
    let script = format!(
        "echo hello; ls /bin/busybox; /sc {USTAT} 0 0; /sc {PERSONALITY} 4; /sc {PERSONALITY} 8"
    );
    let mut bundle = bundle_with(podman_profile());
    let out = run_sh(&mut bundle, &script);
    assert_eq!(
        out.stdout, "hello\n/bin/busybox\nerrno 1\nerrno 38\nok 0\n",
        "{out}"
    );
    bundle.remove("linux.seccomp");
    let out = run_sh(&mut bundle, &script);
    assert_eq!(
        out.stdout, "hello\n/bin/busybox\nerrno 22\nok 0\nok 0\n",
        "{out}"
    );
}

/// With the default errno made EPERM, a call numbered above every call the profile names
/// (1000: newer than any kernel's table) still fails with ENOSYS, as libseccomp's stub in
/// runc returns, while an unnamed call below them (184, tuxcall, which the kernel itself
/// answers with ENOSYS) gets the default's EPERM.
#[test]
fn a_call_newer_than_the_profile_gets_enosys_not_the_default_errno() {
    let mut profile = podman_profile();
    profile["defaultErrnoRet"] = json!(libc::EPERM);
    let mut bundle = bundle_with(profile);
    let out = run_sh(&mut bundle, "/sc 1000; /sc 184");
    assert_eq!(out.stdout, "errno 38\nerrno 1\n", "{out}");
}

/// Allows everything but mkdir, which fails with EXDEV.
fn mkdir_denied() -> Value {
    json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [errno_rule(&["mkdir", "mkdirat"], libc::EXDEV)]
    })
}

fn errno_rule(names: &[&str], errno: i32) -> Value {
    json!({"names": names, "action": "SCMP_ACT_ERRNO", "errnoRet": errno})
}

#[test]
fn an_errno_rule_is_seen_from_inside() {
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [errno_rule(&["mkdir", "mkdirat", "no_such_syscall"], libc::EXDEV)]
    });
    let mut bundle = bundle_with(profile);
    let out = run_sh(&mut bundle, "mkdir /tmp/d; echo $?; rmdir /tmp");
    assert!(
        out.stderr
            .contains("can't create directory '/tmp/d': Invalid cross-device link"),
        "{out}"
    );
    assert!(out.stdout.starts_with("1\n"), "{out}");
}

/// With noNewPrivileges the filter could wait until right before execve, but runc installs it
/// before the startContainer hooks, so they run under it too.
#[test]
fn start_container_hooks_run_under_the_filter() {
    let mut bundle = bundle_with(mkdir_denied());
    let hook = "mkdir /dev/shm/d 2>/dev/shm/err; echo $? >/dev/shm/rc";
    bundle.set(
        "hooks",
        json!({"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", hook]}]}),
    );
    let out = run_sh(&mut bundle, "cat /dev/shm/rc /dev/shm/err");
    assert!(out.stdout.starts_with("1\n"), "{out}");
    assert!(out.stdout.contains("Invalid cross-device link"), "{out}");
}

/// MASKED_EQ takes value as the mask and valueTwo as the datum; several checks of one
/// argument are alternatives.
#[test]
fn argument_filters_pick_calls_by_their_arguments() {
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [
            {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 99,
             "args": [{"index": 0, "value": 0xff00, "valueTwo": 0x0100, "op": "SCMP_CMP_MASKED_EQ"}]},
            {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 98,
             "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_EQ"},
                      {"index": 0, "value": 7, "op": "SCMP_CMP_GE"}]}
        ]
    });
    let mut bundle = bundle_with(profile);
    let prio = libc::SYS_getpriority;
    let script = format!(
        "/sc {PERSONALITY} 0x0142; /sc {PERSONALITY} 0x0242; /sc {PERSONALITY} 0xffffffff; \
         /sc {prio} 5 0; /sc {prio} 6 0; /sc {prio} 9 0"
    );
    let out = run_sh(&mut bundle, &script);
    assert_eq!(
        out.stdout, "errno 99\nok 0\nok 0\nerrno 98\nerrno 22\nerrno 98\n",
        "{out}"
    );
}

/// mkdir through int 0x80 enters the i386 table: the rule written for mkdir holds there too
/// when the profile lists SCMP_ARCH_X86, and the call is killed when it does not.
#[test]
fn an_i386_call_is_filtered_like_a_native_one() {
    let mut profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
        "syscalls": [errno_rule(&["mkdir", "mkdirat"], libc::EROFS)]
    });
    let script = format!("/sc -32 {MKDIR_I386} /tmp/d; ls -d /tmp/d");
    let mut bundle = bundle_with(profile.clone());
    bundle.set("root.readonly", json!(false));
    let out = run_sh(&mut bundle, &script);
    assert!(out.stdout.starts_with("errno 30\n"), "{out}");
    assert!(out.stderr.contains("No such file or directory"), "{out}");
    profile["architectures"] = json!(["SCMP_ARCH_X86_64"]);
    bundle.set("linux.seccomp", profile);
    bundle.set("process.args", json!(["/sc", "-32", "20"]));
    let out = bundle.run_once();
    assert_eq!(out.code(), 128 + libc::SIGSYS, "{out}");
}

/// KILL_PROCESS, KILL_THREAD and TRAP end the payload with SIGSYS, which `run` reports as
/// 128 + 31; LOG lets the call through.
#[test]
fn kill_actions_are_seen_from_outside() {
    for (action, code) in [
        ("SCMP_ACT_KILL_PROCESS", 128 + libc::SIGSYS),
        ("SCMP_ACT_KILL", 128 + libc::SIGSYS),
        ("SCMP_ACT_TRAP", 128 + libc::SIGSYS),
        ("SCMP_ACT_LOG", 0),
    ] {
        let profile = json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["getpid"], "action": action}]
        });
        let mut bundle = bundle_with(profile);
        bundle.set("process.args", json!(["/sc", GETPID.to_string()]));
        let out = bundle.run_once();
        assert_eq!(out.code(), code, "{action}: {out}");
    }
}

/// Without no_new_privs, root that gives up CAP_SYS_ADMIN still gets its filter.
#[test]
fn no_new_privileges_false_still_installs_the_filter() {
    let mut bundle = bundle_with(mkdir_denied());
    bundle.set("process.noNewPrivileges", json!(false));
    let out = run_sh(
        &mut bundle,
        "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; mkdir /tmp/d",
    );
    assert_eq!(out.stdout, "NoNewPrivs:\t0\nSeccomp:\t2\n", "{out}");
    assert!(out.stderr.contains("Invalid cross-device link"), "{out}");
}

/// Without no_new_privs the filter goes in before the switch of credentials, so fd hygiene
/// after it must not need close_range, which older profiles do not list.
#[test]
fn a_profile_denying_close_range_still_runs() {
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [errno_rule(&["close_range"], libc::EPERM)]
    });
    let mut bundle = bundle_with(profile);
    bundle.set("process.noNewPrivileges", json!(false));
    let out = run_sh(&mut bundle, "ls /proc/self/fd");
    assert_eq!(out.stdout, "0\n1\n2\n3\n", "{out}");
}

/// The agent's side of SECCOMP_IOCTL_NOTIF_RECV / SEND.
#[repr(C)]
#[derive(Default)]
struct Notif {
    id: u64,
    pid: u32,
    flags: u32,
    nr: i32,
    arch: u32,
    ip: u64,
    args: [u64; 6],
}

#[repr(C)]
struct NotifResp {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

const NOTIF_RECV: libc::Ioctl = 0xc050_2100u32 as libc::Ioctl;
const NOTIF_SEND: libc::Ioctl = 0xc018_2101u32 as libc::Ioctl;

/// Accepts one connection, keeps the state JSON, and answers every notified call with
/// -`errno` until the listener closes.
fn agent(listener: UnixListener, errno: i32) -> std::thread::JoinHandle<(String, Vec<i32>)> {
    agent_passing(listener, errno, &[])
}

/// As `agent`, but lets the calls numbered in `pass` go on as if unfiltered.
fn agent_passing(
    listener: UnixListener,
    errno: i32,
    pass: &'static [i64],
) -> std::thread::JoinHandle<(String, Vec<i32>)> {
    std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 8192];
        let mut cmsg = [0u64; 8];
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cmsg.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&cmsg) as _;
        let n = unsafe { libc::recvmsg(conn.as_raw_fd(), &mut msg, 0) };
        assert!(n > 0, "recvmsg: {}", std::io::Error::last_os_error());
        let fd = unsafe {
            let hdr = libc::CMSG_FIRSTHDR(&msg);
            assert!(!hdr.is_null(), "no fd came with the state");
            OwnedFd::from_raw_fd(std::ptr::read_unaligned(libc::CMSG_DATA(hdr).cast()))
        };
        let text = String::from_utf8_lossy(&buf[..n as usize]).into_owned();
        let mut calls = Vec::new();
        loop {
            let mut req = Notif::default();
            if unsafe { libc::ioctl(fd.as_raw_fd(), NOTIF_RECV, &mut req) } < 0 {
                break;
            }
            let passes = pass.contains(&i64::from(req.nr));
            if !passes {
                calls.push(req.nr);
            }
            let resp = NotifResp {
                id: req.id,
                val: 0,
                error: if passes { 0 } else { -errno },
                flags: u32::from(passes),
            };
            unsafe { libc::ioctl(fd.as_raw_fd(), NOTIF_SEND, &resp) };
        }
        (text, calls)
    })
}

#[test]
fn a_notify_rule_is_answered_by_the_agent_on_listener_path() {
    let dir = std::env::temp_dir().join(unique_id("agent"));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("agent.sock");
    let agent = agent(UnixListener::bind(&path).unwrap(), libc::EXDEV);
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": path,
        "listenerMetadata": "hello agent",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]
    });
    let mut bundle = bundle_with(profile);
    bundle.sh("mkdir /tmp/d; echo $?");
    let id = bundle.id();
    let out = bundle.run(&id);
    let (state, calls) = agent.join().unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert!(out.stderr.contains("Invalid cross-device link"), "{out}");
    assert_eq!(out.stdout, "1\n", "{out}");
    assert_eq!(calls, vec![libc::SYS_mkdir as i32], "{state}");
    let state: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["fds"], json!(["seccompFd"]));
    assert_eq!(state["metadata"], "hello agent");
    assert_eq!(state["state"]["id"], id.as_str());
    assert_eq!(state["state"]["status"], "creating");
    assert!(state["pid"].as_i64().unwrap() > 0);
    assert_eq!(state["pid"], state["state"]["pid"]);
}

/// The calls the runtime itself makes between the filter and execve (reads and closes of its
/// channel, the exec fifo's open, execve) go to the agent too: without no_new_privs the filter
/// goes in early, and its listener must reach the agent before any of them.
#[test]
fn a_notify_profile_on_the_runtimes_own_calls_runs_with_either_no_new_privileges() {
    const PASS: &[i64] = &[
        libc::SYS_execve,
        libc::SYS_openat,
        libc::SYS_open,
        libc::SYS_read,
        libc::SYS_close,
        libc::SYS_fcntl,
    ];
    for nnp in [false, true] {
        let dir = std::env::temp_dir().join(unique_id("agent"));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("agent.sock");
        let agent = agent_passing(UnixListener::bind(&path).unwrap(), libc::EXDEV, PASS);
        let profile = json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "listenerPath": path,
            "syscalls": [{"names": ["execve", "openat", "open", "read", "close", "fcntl",
                                    "mkdir", "mkdirat"],
                          "action": "SCMP_ACT_NOTIFY"}]
        });
        let mut bundle = bundle_with(profile);
        bundle.set("process.noNewPrivileges", json!(nnp));
        let out = run_sh(&mut bundle, "mkdir /tmp/d; echo $?");
        let (_, calls) = agent.join().unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(out.stdout, "1\n", "noNewPrivileges {nnp}: {out}");
        assert_eq!(calls, vec![libc::SYS_mkdir as i32], "noNewPrivileges {nnp}");
    }
}

#[test]
fn an_unreachable_listener_path_fails_create_and_leaves_nothing() {
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": "/nonexistent/agent.sock",
        "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]
    });
    let bundle = bundle_with(profile);
    let id = bundle.id();
    bundle
        .create(&id)
        .assert_fails_naming(
        "linux.seccomp.listenerPath: /nonexistent/agent.sock: cannot connect to the seccomp agent: No such file",
    );
    bundle.assert_clean(&id);
}

#[test]
fn a_notify_rule_on_write_is_refused_at_create() {
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": "/nonexistent/agent.sock",
        "syscalls": [{"names": ["mkdir", "write"], "action": "SCMP_ACT_NOTIFY"}]
    });
    let bundle = bundle_with(profile);
    let id = bundle.id();
    bundle.create(&id).assert_fails_naming(
        "linux.seccomp.syscalls[0].names: SCMP_ACT_NOTIFY cannot be used for the write syscall",
    );
    bundle.assert_clean(&id);
}

#[test]
fn a_bad_profile_names_its_field_and_leaves_nothing() {
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                     {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
                      "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]
    });
    let bundle = bundle_with(profile);
    let id = bundle.id();
    bundle.create(&id).assert_fails_naming(
        "linux.seccomp.syscalls[1].args[0]: index 7 is past the 6 syscall arguments",
    );
    bundle.assert_clean(&id);
}

/// The profile is compiled by the runtime before anything exists: a bad one stops create
/// before the prestart and createRuntime hooks, which run once init has its mounts.
#[test]
fn a_bad_profile_is_refused_before_any_hook_runs() {
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NO_SUCH_ACTION"}]
    });
    let mut bundle = bundle_with(profile);
    let shared = bundle.share();
    let marker = shared.join("hook-ran");
    for kind in ["prestart", "createRuntime"] {
        bundle.push(
            &format!("hooks.{kind}"),
            json!({"path": "/bin/sh", "args": ["sh", "-c", format!("touch {}", marker.display())]}),
        );
    }
    let id = bundle.id();
    bundle
        .create(&id)
        .assert_fails_naming("linux.seccomp.syscalls[0].action");
    bundle.assert_clean(&id);
    assert!(
        !marker.exists(),
        "a hook ran before the profile was refused"
    );
}

/// A process started in a running container is bound by the container's filter.
#[test]
fn a_tenant_gets_the_containers_filter() {
    let mut bundle = bundle_with(mkdir_denied());
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["start", &id]).assert_ok();
    let process = husk::spec::Process {
        args: ["sh", "-c", "/sc 83 0 > /dev/shm/out"]
            .iter()
            .map(|a| a.to_string())
            .collect(),
        env: vec!["PATH=/bin".into()],
        cwd: "/".into(),
        ..Default::default()
    };
    let code = husk::ContainerBuilder::new(&id)
        .root(state_root())
        .tenant(process)
        .binary(runtime())
        .run()
        .unwrap();
    let pid = state(&id)["pid"].as_i64().unwrap();
    let out = fs::read_to_string(format!("/proc/{pid}/root/dev/shm/out")).unwrap();
    husk(&["delete", "--force", &id]).assert_ok();
    assert_eq!((code, out.as_str()), (1, "errno 18\n"));
}

/// podman's whole profile on three ABIs, compiled through the library, is a small fraction of
/// the kernel's 4096 instructions.
#[test]
fn podmans_profile_compiles_small() {
    let profile: husk::spec::Seccomp = serde_json::from_value(podman_profile()).unwrap();
    let program = husk::seccomp::compile(&profile).unwrap();
    eprintln!("podman's profile: {} instructions", program.insns.len());
    assert!(program.insns.len() < 1024, "{}", program.insns.len());
}
