//! Terminals: a pty made inside the container whose master arrives over a console socket, and
//! `husk run` of a shell in the foreground driven through tmux.

mod common;

use common::*;
use husk::sys::fd;
use serde_json::json;
use std::fs::File;
use std::io::Write;

use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::Duration;

fn socket_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("husk-tty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn pty_master_over_the_console_socket_drives_a_shell() {
    let mut b = Bundle::new();
    b.set("process.terminal", json!(true))
        .set("process.args", json!(["sh"]))
        .set("process.consoleSize", json!({"height": 33, "width": 77}));
    let id = b.id();
    let path = socket_path("console.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let receiver = thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        fd::recv_fds(&conn, 1).unwrap().remove(0)
    });
    b.write();
    husk(&[
        "create",
        "--bundle",
        b.dir_str(),
        "--console-socket",
        path.to_str().unwrap(),
        &id,
    ])
    .assert_ok();
    let mut master = File::from(receiver.join().unwrap());
    husk(&["start", &id]).assert_ok();
    master
        .write_all(b"tty; stty size; ls -l /dev/console; echo $((6*7))-done\n")
        .unwrap();
    let seen = read_until(&mut master, "42-done");
    assert!(seen.contains("/dev/pts/0"), "{seen}");
    assert!(seen.contains("33 77"), "{seen}");
    assert!(
        seen.contains("136,   0") || seen.contains("136, 0"),
        "{seen}"
    );
    assert!(seen.contains("42-done"), "{seen}");
    master.write_all(b"exit 3\n").unwrap();
    wait_status(&id, "stopped");
    husk(&["delete", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn exec_with_a_tty_sends_its_own_master() {
    let mut b = Bundle::new();
    b.set("process.args", json!(["sleep", "1000"]));
    let id = b.id();
    b.write();
    let path = socket_path("exec.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let receiver = thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        fd::recv_fds(&conn, 1).unwrap().remove(0)
    });
    husk(&["run", "-d", "--bundle", b.dir_str(), &id]).assert_ok();
    husk(&[
        "exec",
        "-t",
        "-d",
        "--console-socket",
        path.to_str().unwrap(),
        &id,
        "sh",
        "-c",
        "tty; echo exec-$((2+3))",
    ])
    .assert_ok();
    let mut master = File::from(receiver.join().unwrap());
    let seen = read_until(&mut master, "exec-5");
    assert!(
        seen.contains("/dev/pts/") && seen.contains("exec-5"),
        "{seen}"
    );
    husk(&["delete", "-f", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn console_socket_that_is_missing_or_not_a_socket_is_refused() {
    let mut b = Bundle::new();
    b.set("process.terminal", json!(true));
    let not_socket = b.dir().join("config.json");
    for (path, why) in [
        ("/nonexistent/husk.sock", "No such file or directory"),
        (not_socket.to_str().unwrap(), "Connection refused"),
    ] {
        let id = b.id();
        b.write();
        husk(&[
            "create",
            "--bundle",
            b.dir_str(),
            "--console-socket",
            path,
            &id,
        ])
        .assert_fails_naming(path)
        .assert_fails_naming(why);
        b.assert_clean(&id);
    }
    let id = b.id();
    b.create(&id).assert_fails_naming(
        "cannot allocate tty if runc will detach without setting console socket",
    );
    b.assert_clean(&id);
    b.set("process.terminal", json!(false));
    let id = b.id();
    b.write();
    husk(&[
        "create",
        "--bundle",
        b.dir_str(),
        "--console-socket",
        "/x.sock",
        &id,
    ])
    .assert_fails_naming("cannot use console socket if runc will not detach or allocate tty");
    b.assert_clean(&id);
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("run tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Polls the pane until `want` appears; returns the last capture.
fn pane_shows(session: &str, want: &str) -> String {
    let mut last = String::new();
    wait_for(Duration::from_secs(10), || {
        last = tmux(&["capture-pane", "-p", "-t", session]);
        last.contains(want)
    });
    last
}

#[test]
fn run_in_the_foreground_gives_a_shell_that_follows_resizes() {
    let mut b = Bundle::new();
    b.set("process.terminal", json!(true))
        .set("process.args", json!(["sh"]));
    b.write();
    let id = b.id();
    let session = format!("husk-{id}");
    let cmd = format!(
        "{} --root {} run --bundle {} {id}; echo husk-exit=$?; sleep 60",
        runtime().display(),
        state_root().display(),
        b.dir_str()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "100",
        "-y",
        "30",
        &cmd,
    ]);
    let _session = Session(session.clone());
    {
        assert!(pane_shows(&session, "/ #").contains("/ #"));
        tmux(&[
            "send-keys",
            "-t",
            &session,
            "stty size; echo sum-$((40+2))",
            "Enter",
        ]);
        let pane = pane_shows(&session, "sum-42");
        assert!(pane.contains("30 100"), "{pane}");
        tmux(&["resize-window", "-t", &session, "-x", "80", "-y", "20"]);
        wait_for(Duration::from_secs(5), || {
            tmux(&["display", "-p", "-t", &session, "#{window_width}"]).trim() == "80"
        });
        tmux(&["send-keys", "-t", &session, "stty size", "Enter"]);
        let pane = pane_shows(&session, "20 80");
        assert!(pane.contains("20 80"), "{pane}");
        tmux(&["send-keys", "-t", &session, "exit 7", "Enter"]);
        let pane = pane_shows(&session, "husk-exit=");
        assert!(pane.contains("husk-exit=7"), "{pane}");
    }
    b.assert_clean(&id);
}

/// Receives one pty master on a fresh console socket named `name`, from what `go` starts.
fn master_from(name: &str, go: impl FnOnce(&str)) -> File {
    let path = socket_path(name);
    let listener = UnixListener::bind(&path).unwrap();
    let receiver = thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        fd::recv_fds(&conn, 1).unwrap().remove(0)
    });
    go(path.to_str().unwrap());
    File::from(receiver.join().unwrap())
}

/// The pty is made as root; before the switch of user its owner becomes the process's uid
/// (its gid stays devpts's tty group, gid=5 in the mount options), as runc does, for init and
/// for `exec -t`.
#[test]
fn the_pty_belongs_to_a_non_root_user() {
    let mut b = Bundle::new();
    let probe = "stat -c 'owner %u:%g' $(tty); echo done";
    b.set("process.terminal", json!(true))
        .set("process.user", json!({"uid": 1000, "gid": 1000}))
        .set(
            "process.args",
            json!(["sh", "-c", format!("{probe}; sleep 1000")]),
        );
    b.write();
    let id = b.id();
    let dir = b.dir_str().to_string();
    let mut master = master_from("user.sock", |sock| {
        husk(&["run", "-d", "--bundle", &dir, "--console-socket", sock, &id]).assert_ok();
    });
    let seen = read_until(&mut master, "done");
    assert!(seen.contains("owner 1000:5"), "{seen}");
    let mut master = master_from("user-exec.sock", |sock| {
        let exec = [
            "exec",
            "-t",
            "-d",
            "-u",
            "1001:1001",
            "--console-socket",
            sock,
        ];
        husk(&[&exec[..], &[&id, "sh", "-c", probe]].concat()).assert_ok();
    });
    let seen = read_until(&mut master, "done");
    assert!(seen.contains("owner 1001:5"), "{seen}");
    husk(&["delete", "-f", &id]).assert_ok();
    b.assert_clean(&id);
}
