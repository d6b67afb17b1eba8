//! The NOTIFY_SOCKET proxy: the payload's READY reaches the caller's socket with MAINPID, and
//! `start` returns only after it (or after a payload that never says READY has ended).

mod common;

use common::*;
use serde_json::json;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const HELPER: &str = "HUSK_NOTIFY_HELPER";

/// The payload of the tests below (busybox has no sd_notify client): this test binary, run
/// inside the container with HELPER set. Outside one it does nothing.
#[test]
fn payload_says_ready() {
    if std::env::var_os(HELPER).is_none() {
        return;
    }
    let path = std::env::var("NOTIFY_SOCKET").expect("NOTIFY_SOCKET in the payload");
    let sock = UnixDatagram::unbound().expect("socket");
    sock.send_to(b"STATUS=warming up", &path)
        .expect("send STATUS");
    sock.send_to(b"READY=1", &path).expect("send READY");
}

/// A bundle whose payload sleeps `delay`, says READY through the helper, then sleeps on.
fn ready_after(delay: &str) -> Bundle {
    let mut b = Bundle::new();
    let exe = std::env::current_exe().expect("test binary");
    b.mount(
        "/notify-helper",
        "bind",
        exe.to_str().unwrap(),
        &["bind", "ro"],
    );
    b.push("process.env", json!(format!("{HELPER}=1")));
    b.sh(&format!(
        "sleep {delay}; /notify-helper --exact payload_says_ready -q --test-threads=1 >/dev/null && sleep 100"
    ));
    b
}

/// The caller's socket, as systemd or podman would bind it.
fn host_socket(b: &Bundle) -> (UnixDatagram, PathBuf) {
    let path = b.dir().join("host.sock");
    let _ = std::fs::remove_file(&path);
    let sock = UnixDatagram::bind(&path).expect("bind the host socket");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    (sock, path)
}

fn with_notify(args: &[&str], path: &PathBuf) -> Out {
    let mut cmd = husk_command(args);
    cmd.env("NOTIFY_SOCKET", path);
    run_captured(cmd, None)
}

/// Creates and starts a container with NOTIFY_SOCKET set; returns its id and how long `start`
/// took.
fn create_and_start(b: &Bundle, path: &PathBuf) -> (String, Duration) {
    let id = b.id();
    b.write();
    with_notify(&["create", "--bundle", b.dir_str(), &id], path).assert_ok();
    let began = Instant::now();
    with_notify(&["start", &id], path).assert_ok();
    (id, began.elapsed())
}

fn message(sock: &UnixDatagram) -> String {
    let mut buf = [0u8; 4096];
    let n = sock.recv(&mut buf).expect("a message on the host socket");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn start_waits_for_ready_and_passes_it_on() {
    let b = ready_after("0.5");
    let (sock, path) = host_socket(&b);
    let (id, took) = create_and_start(&b, &path);
    assert!(
        took >= Duration::from_millis(500),
        "start returned after {took:?}, before the payload said READY"
    );
    sock.set_nonblocking(true).expect("nonblocking");
    assert_eq!(message(&sock), "READY=1\n");
    let pid = state(&id)["pid"].as_i64().expect("pid in the state");
    assert_eq!(message(&sock), format!("MAINPID={pid}\n"));
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn start_without_ready_returns_when_the_payload_ends() {
    let mut b = Bundle::new();
    b.sh("echo NOTIFY_SOCKET=$NOTIFY_SOCKET; sleep 0.5");
    let (sock, path) = host_socket(&b);
    let (id, took) = create_and_start(&b, &path);
    assert!(
        took >= Duration::from_millis(500),
        "start returned after {took:?}"
    );
    sock.set_nonblocking(true).expect("nonblocking");
    let mut buf = [0u8; 64];
    assert!(sock.recv(&mut buf).is_err(), "a message without READY");
    wait_status(&id, "stopped");
    husk(&["delete", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn run_names_itself_as_main_pid() {
    let b = ready_after("0");
    let (sock, path) = host_socket(&b);
    let id = b.id();
    b.write();
    let mut cmd = husk_command(&["run", "--bundle", b.dir_str(), &id]);
    cmd.env("NOTIFY_SOCKET", &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut run = cmd.spawn().expect("spawn run");
    assert_eq!(message(&sock), "READY=1\n");
    assert_eq!(message(&sock), format!("MAINPID={}\n", run.id()));
    husk(&["kill", &id, "KILL"]).assert_ok();
    run.wait().expect("wait for run");
    b.assert_clean(&id);
}
