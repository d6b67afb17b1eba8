//! checkpoint and restore with CRIU: real containers dumped and brought back. CRIU comes from
//! HUSK_TEST_CRIU (scripts/test builds CRIU 4.2 with scripts/criu and sets it); without it the
//! tests say so and pass, and a setting that names no CRIU fails them.

mod common;

use common::*;
use husk::sys::fd;
use serde_json::json;
use std::cell::Cell;
use std::io::{BufRead, BufReader, Write};

use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::Mutex;
use std::time::Duration;

/// Prints the number it is at every 100 ms, counting from where its memory says.
const COUNTER: &str = "i=0; while :; do echo $i; i=$((i+1)); sleep 0.1; done";

/// CRIU runs one at a time: two restores at once on a cgroup v1 host can race in CRIU's
/// cgroup yard (one finds the other's temporary mount and loses it).
static ONE_CRIU: Mutex<()> = Mutex::new(());

fn one_criu() -> std::sync::MutexGuard<'static, ()> {
    ONE_CRIU.lock().unwrap_or_else(|e| e.into_inner())
}

fn criu() -> Option<PathBuf> {
    let Some(path) = std::env::var_os("HUSK_TEST_CRIU") else {
        eprintln!(
            "skipped: HUSK_TEST_CRIU is not set (scripts/test sets it to scripts/criu's build)"
        );
        return None;
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "HUSK_TEST_CRIU={} is not a file: scripts/criu did not build CRIU",
        path.display()
    );
    Some(path)
}

/// A husk command whose stdio are pipes held here, as an engine holds them: CRIU needs the
/// container's stdio to be pipes it can hand back on restore. The output arrives line by line.
struct Piped {
    lines: Receiver<String>,
    last: Cell<Option<u64>>,
    _stdin: ChildStdin,
    _stderr: std::process::ChildStderr,
}

impl Piped {
    #[track_caller]
    fn start(criu: &Path, args: &[&str]) -> Piped {
        let mut cmd = husk_command(&["--criu", criu.to_str().unwrap()]);
        cmd.args(args);
        let serial = one_criu();
        let mut child = spawn_piped(cmd);
        // Taken first: wait() would close it, and the container's stdin with it.
        let stdin = child.stdin.take().unwrap();
        let status = child.wait().unwrap();
        drop(serial);
        let mut stderr = child.stderr.take().unwrap();
        if !status.success() {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
            panic!("husk {args:?} failed: {text}");
        }
        let (tx, lines) = mpsc::channel();
        let out = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Piped {
            lines,
            last: Cell::new(None),
            _stdin: stdin,
            _stderr: stderr,
        }
    }

    /// The next number printed, within 5 s.
    #[track_caller]
    fn next(&self) -> u64 {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(5))
            .expect("the counter printed nothing for 5 s");
        let n = line.trim().parse().expect("a number");
        self.last.set(Some(n));
        n
    }

    /// The last number printed once the writers are gone (the container was dumped and ended).
    #[track_caller]
    fn last(&self) -> u64 {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(10)) {
                Ok(l) => self.last.set(Some(l.trim().parse().unwrap())),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(e) => panic!("the counter's pipe is still open after 10 s: {e}"),
            }
        }
        self.last.get().expect("the counter printed nothing")
    }
}

fn spawn_piped(mut cmd: Command) -> Child {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn counter_bundle() -> Bundle {
    let mut b = Bundle::new();
    b.sh(COUNTER);
    b.write();
    b
}

/// A detached container of bundle `b` under a fresh id, its stdio on pipes held here.
fn run_detached(criu: &Path, b: &Bundle) -> (String, Piped) {
    let id = b.id();
    let run = Piped::start(criu, &["run", "-d", "--bundle", b.dir_str(), &id]);
    (id, run)
}

/// The counter running detached.
fn counter(criu: &Path) -> (Bundle, String, Piped) {
    let b = counter_bundle();
    let (id, run) = run_detached(criu, &b);
    (b, id, run)
}

/// `restore -d` with `extra` flags and its stdio on files, for a restore expected to fail.
fn restore_out(criu: &Path, image: &str, b: &Bundle, id: &str, extra: &[&str]) -> Out {
    let head = ["--criu", criu.to_str().unwrap(), "restore", "-d"];
    let tail = ["--image-path", image, "--bundle", b.dir_str(), id];
    let _serial = one_criu();
    husk(&[&head[..], extra, &tail].concat())
}

fn images(b: &Bundle, name: &str) -> String {
    b.dir().join(name).to_str().unwrap().to_string()
}

fn checkpoint(criu: &Path, args: &[&str]) -> Out {
    let mut all = vec!["--criu", criu.to_str().unwrap(), "checkpoint"];
    all.extend(args);
    let _serial = one_criu();
    husk(&all)
}

fn restore_detached(criu: &Path, b: &Bundle, image: &str, id: &str) -> Piped {
    b.adopt(id);
    Piped::start(
        criu,
        &[
            "restore",
            "-d",
            "--image-path",
            image,
            "--bundle",
            b.dir_str(),
            id,
        ],
    )
}

#[test]
fn a_restored_counter_goes_on_from_where_it_was_dumped() {
    let Some(criu) = criu() else { return };
    let (b, id, run) = counter(&criu);
    while run.next() < 3 {}
    let image = images(&b, "img");
    checkpoint(&criu, &["--image-path", &image, &id]).assert_ok();
    // Dumped and ended: its pipe closes, and the container is gone.
    let last = run.last();
    b.assert_clean(&id);
    let restored = restore_detached(&criu, &b, &image, &id);
    assert_eq!(restored.next(), last + 1, "the count did not go on");
    assert_eq!(restored.next(), last + 2);
    let s = state(&id);
    assert_eq!(s["status"], "running");
    husk(&["exec", &id, "test", "-d", "/proc/1"]).assert_ok();
    husk(&["kill", &id, "KILL"]).assert_ok();
    wait_status(&id, "stopped");
    husk(&["delete", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn exec_joins_the_time_namespace_criu_restored_into() {
    let Some(criu) = criu() else { return };
    let b = counter_bundle();
    let (id, image) = run_and_dump(&criu, &b);
    let _restored = restore_detached(&criu, &b, &image, &id);
    // CRIU brings the processes back in a time namespace of their own, whose clocks go on
    // from the dumped ones; a process exec'd afterwards must see the same clocks.
    let timens = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/time")).unwrap();
    let init = timens(&state(&id)["pid"].to_string());
    assert_ne!(
        init,
        timens("self"),
        "CRIU restored into the host's time namespace"
    );
    let out = husk(&["exec", &id, "readlink", "/proc/self/ns/time"]).assert_ok();
    assert_eq!(
        Path::new(out.stdout.trim()),
        init,
        "exec is in another time namespace"
    );
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn leave_running_then_restore_into_another_id_and_checkpoint_that_again() {
    let Some(criu) = criu() else { return };
    let (b, id, run) = counter(&criu);
    while run.next() < 2 {}
    let image = images(&b, "img1");
    checkpoint(&criu, &["--leave-running", "--image-path", &image, &id]).assert_ok();
    let at_dump = run.next();
    assert_eq!(state(&id)["status"], "running");
    assert!(run.next() > at_dump, "the original stopped counting");

    let copy = unique_id("t");
    let second = restore_detached(&criu, &b, &image, &copy);
    let from = second.next();
    assert!(from > 2, "restored at {from}, though dumped after 2");
    assert_ne!(state(&copy)["pid"], state(&id)["pid"]);

    // The restored container is an ordinary one: it can be dumped and restored again.
    let image2 = images(&b, "img2");
    checkpoint(&criu, &["--image-path", &image2, &copy]).assert_ok();
    let last = second.last();
    // The original still runs in the same rootfs: only the copy must be gone.
    assert_no_state(&copy);
    assert_no_cgroup(&copy);
    let third_id = unique_id("t");
    let third = restore_detached(&criu, &b, &image2, &third_id);
    assert_eq!(third.next(), last + 1);
    husk(&["delete", "--force", &third_id]).assert_ok();
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&third_id);
    b.assert_clean(&id);
}

/// Runs `b` detached until it prints, then checkpoints it into `img` and lets it end.
fn run_and_dump(criu: &Path, b: &Bundle) -> (String, String) {
    let (id, run) = run_detached(criu, b);
    run.next();
    let image = images(b, "img");
    checkpoint(criu, &["--image-path", &image, &id]).assert_ok();
    run.last();
    (id, image)
}

#[test]
fn bind_mounts_and_a_tmpfs_come_back() {
    let Some(criu) = criu() else { return };
    let mut b = Bundle::new();
    let shared = b.share();
    b.mount("/scratch", "tmpfs", "tmpfs", &["nosuid", "size=1m"]);
    b.sh("echo kept > /scratch/note; echo 0; while :; do sleep 0.1; done");
    b.write();
    let (id, image) = run_and_dump(&criu, &b);
    let _restored = restore_detached(&criu, &b, &image, &id);
    let out = husk(&["exec", &id, "cat", "/scratch/note"]).assert_ok();
    assert_eq!(out.stdout.trim(), "kept", "the tmpfs content is lost");
    husk(&["exec", &id, "sh", "-c", "echo after > /shared/mark"]).assert_ok();
    assert_eq!(
        std::fs::read_to_string(shared.join("mark")).unwrap().trim(),
        "after",
        "the bind mount does not reach the host directory"
    );
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn mount_points_missing_from_the_rootfs_are_made_again_before_restore() {
    let Some(criu) = criu() else { return };
    let mut b = Bundle::new();
    let shared = b.share();
    let greeting = b.dir().join("greeting");
    std::fs::write(&greeting, "hello\n").unwrap();
    b.mount(
        "/etc/greeting",
        "bind",
        greeting.to_str().unwrap(),
        &["rbind", "ro"],
    );
    b.mount("/shared/inner", "tmpfs", "tmpfs", &["size=1m"]);
    b.mount("/deep/er", "tmpfs", "tmpfs", &["size=1m"]);
    b.sh("echo kept > /shared/inner/note; echo 0; while :; do sleep 0.1; done");
    b.write();
    let (id, image) = run_and_dump(&criu, &b);
    // As in a rootfs unpacked afresh (podman's restore --import): none of the points create
    // made, neither in the rootfs nor in the bind's source, where /shared/inner lives.
    let rootfs = b.rootfs();
    std::fs::remove_file(rootfs.join("etc/greeting")).unwrap();
    std::fs::remove_dir(shared.join("inner")).unwrap();
    std::fs::remove_dir(rootfs.join("shared")).unwrap();
    std::fs::remove_dir_all(rootfs.join("deep")).unwrap();
    let _restored = restore_detached(&criu, &b, &image, &id);
    let out = husk(&["exec", &id, "cat", "/etc/greeting", "/shared/inner/note"]).assert_ok();
    assert_eq!(out.stdout, "hello\nkept\n");
    let out = husk(&[
        "exec",
        &id,
        "grep",
        "-c",
        " /deep/er tmpfs ",
        "/proc/mounts",
    ])
    .assert_ok();
    assert_eq!(out.stdout.trim(), "1", "/deep/er is not mounted");
    assert!(
        shared.join("inner").is_dir(),
        "the nested point is not in the bind's source"
    );
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn link_remap_dumps_an_open_file_whose_name_is_gone_but_whose_inode_is_linked() {
    let Some(criu) = criu() else { return };
    let mut b = Bundle::new();
    b.set("root.readonly", json!(false));
    // The shell keeps /tmp/a open on fd 3 after removing that name; /tmp/b still links it.
    b.sh("echo kept > /tmp/a; ln /tmp/a /tmp/b; exec 3</tmp/a; rm /tmp/a; echo 0; while :; do sleep 0.1; done");
    b.write();
    let (id, run) = run_detached(&criu, &b);
    run.next();
    let image = images(&b, "img");
    let out = checkpoint(&criu, &["--image-path", &image, &id]);
    out.assert_fails_naming("Use link-remap option");
    assert_eq!(
        state(&id)["status"],
        "running",
        "a failed dump stopped the container"
    );
    let flags = ["--link-remap", "--tcp-skip-in-flight"];
    checkpoint(
        &criu,
        &[&flags[..], &["--image-path", &image, &id]].concat(),
    )
    .assert_ok();
    run.last();
    let _restored = restore_detached(&criu, &b, &image, &id);
    let out = husk(&["exec", &id, "cat", "/proc/1/fd/3"]).assert_ok();
    assert_eq!(out.stdout, "kept\n", "fd 3 lost its file");
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
}

fn memory_limit(id: &str) -> String {
    let dir = cgroups_named(id)
        .into_iter()
        .find(|d| d.join("memory.limit_in_bytes").exists() || d.join("memory.max").exists())
        .expect("a memory cgroup for the container");
    let file = ["memory.limit_in_bytes", "memory.max"]
        .iter()
        .map(|f| dir.join(f))
        .find(|f| f.exists())
        .unwrap();
    std::fs::read_to_string(file).unwrap().trim().to_string()
}

#[test]
fn the_memory_limit_is_kept_in_each_cgroup_mode() {
    let Some(criu) = criu() else { return };
    let mut b = counter_bundle();
    b.set("linux.resources.memory", json!({"limit": 67108864}));
    b.write();
    for mode in ["soft", "full", "ignore"] {
        let (id, run) = run_detached(&criu, &b);
        run.next();
        assert_eq!(memory_limit(&id), "67108864");
        let image = images(&b, &format!("img-{mode}"));
        let cg = ["--manage-cgroups-mode", mode];
        checkpoint(&criu, &[&cg[..], &["--image-path", &image, &id]].concat()).assert_ok();
        let last = run.last();
        b.adopt(&id);
        let restored = Piped::start(
            &criu,
            &[
                &["restore", "-d"][..],
                &cg,
                &["--image-path", &image, "--bundle", b.dir_str(), &id],
            ]
            .concat(),
        );
        assert_eq!(restored.next(), last + 1, "mode {mode}");
        assert_eq!(memory_limit(&id), "67108864", "mode {mode}");
        husk(&["delete", "--force", &id]).assert_ok();
        b.assert_clean(&id);
    }
}

#[test]
fn strict_cgroup_mode_fails_on_the_made_cgroup_and_leaves_nothing() {
    let Some(criu) = criu() else { return };
    let (b, id, run) = counter(&criu);
    run.next();
    let image = images(&b, "img");
    checkpoint(
        &criu,
        &[
            "--manage-cgroups-mode",
            "strict",
            "--image-path",
            &image,
            &id,
        ],
    )
    .assert_ok();
    run.last();
    b.assert_clean(&id);
    // The runtime makes the cgroup before CRIU restores into it, as runc does; strict mode
    // refuses an existing one, and the half-made container goes again.
    let strict = ["--manage-cgroups-mode", "strict"];
    let out = restore_out(&criu, &image, &b, &id, &strict);
    let out = out.assert_fails_naming("Abort restore of existing cgroups");
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    b.assert_clean(&id);
}

#[test]
fn pre_dump_is_refused_in_one_line_on_a_kernel_without_soft_dirty() {
    let Some(criu) = criu() else { return };
    let soft_dirty = Command::new(&criu)
        .args(["check", "--feature", "mem_dirty_track"])
        .output()
        .unwrap()
        .status
        .success();
    let (b, id, run) = counter(&criu);
    run.next();
    let image = images(&b, "pre");
    let out = checkpoint(&criu, &["--pre-dump", "--image-path", &image, &id]);
    if soft_dirty {
        out.assert_ok();
    } else {
        let out = out.assert_fails_naming("criu is missing features: MemTrack");
        assert_eq!(out.stderr.lines().count(), 1, "{out}");
    }
    // A pre-dump never stops the container.
    let n = run.next();
    assert!(run.next() > n);
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
}

#[test]
fn bad_inputs_fail_in_one_line_and_leave_nothing() {
    let Some(criu) = criu() else { return };
    let b = counter_bundle();
    let id = b.id();
    let missing = images(&b, "missing");
    let one_line = |out: Out| assert_eq!(out.stderr.lines().count(), 1, "{out}");

    let out = restore_out(&criu, &missing, &b, &id, &[]);
    one_line(out.assert_fails_naming(&missing));
    b.assert_clean(&id);

    let run = Piped::start(&criu, &["run", "-d", "--bundle", b.dir_str(), &id]);
    run.next();
    let image = images(&b, "img");
    let out = husk(&[
        "--criu",
        "/nonexistent/criu",
        "checkpoint",
        "--image-path",
        &image,
        &id,
    ]);
    one_line(out.assert_fails_naming("/nonexistent/criu"));
    let mut cmd = husk_command(&["checkpoint", "--image-path", &image, &id]);
    cmd.env("PATH", "/nonexistent");
    one_line(run_captured(cmd, None).assert_fails_naming("not found in $PATH"));
    assert_eq!(state(&id)["status"], "running");

    checkpoint(&criu, &["--leave-running", "--image-path", &image, &id]).assert_ok();
    let out = restore_out(&criu, &image, &b, &id, &[]);
    one_line(out.assert_fails_naming(&format!("container with id exists: {id}")));
    assert_eq!(state(&id)["status"], "running");

    // A rootfs without the dumped program: CRIU fails, says why, and nothing is left.
    let other = Bundle::new();
    std::fs::remove_file(other.rootfs().join("bin/busybox")).unwrap();
    std::fs::copy(b.dir().join("config.json"), other.dir().join("config.json")).unwrap();
    let id2 = other.id();
    let out = restore_out(&criu, &image, &other, &id2, &[]);
    let out = out.assert_fails_naming("Error (criu/");
    one_line(out.assert_fails_naming("restore.log"));
    other.assert_clean(&id2);

    husk(&["checkpoint", "--help"]).assert_ok();
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
}

/// A console socket whose first connection's fd arrives on the returned channel.
fn console_socket(b: &Bundle, name: &str) -> (String, mpsc::Receiver<std::fs::File>) {
    let path = b.dir().join(name);
    let listener = UnixListener::bind(&path).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        let master = fd::recv_fds(&conn, 1).unwrap().remove(0);
        let _ = tx.send(std::fs::File::from(master));
    });
    (path.to_str().unwrap().to_string(), rx)
}

#[test]
fn a_terminal_container_gets_a_new_master_over_the_console_socket() {
    let Some(criu) = criu() else { return };
    let criu_arg = criu.to_str().unwrap();
    let mut b = Bundle::new();
    b.set("process.terminal", json!(true))
        .set("process.args", json!(["sh"]));
    b.write();
    let id = b.id();
    let (sock, masters) = console_socket(&b, "c1.sock");
    let bundle = b.dir_str();
    husk(&[
        "run",
        "-d",
        "--console-socket",
        &sock,
        "--bundle",
        bundle,
        &id,
    ])
    .assert_ok();
    let mut master = masters.recv_timeout(Duration::from_secs(10)).unwrap();
    master.write_all(b"x=41; echo set-$x\n").unwrap();
    let image = images(&b, "img");
    assert!(read_until(&mut master, "set-41").contains("set-41"));
    checkpoint(&criu, &["--image-path", &image, &id]).assert_ok();
    drop(master);
    b.assert_clean(&id);

    let (sock, masters) = console_socket(&b, "c2.sock");
    let args = [
        "--criu",
        criu_arg,
        "restore",
        "-d",
        "--console-socket",
        &sock,
    ];
    let out = {
        let _serial = one_criu();
        husk(
            &[
                &args[..],
                &["--image-path", &image, "--bundle", bundle, &id],
            ]
            .concat(),
        )
    };
    out.assert_ok();
    let mut master = masters.recv_timeout(Duration::from_secs(10)).unwrap();
    // The shell kept its variable and answers on the new terminal.
    master.write_all(b"echo $((x+1))-back\n").unwrap();
    let seen = read_until(&mut master, "42-back");
    assert!(seen.contains("42-back"), "{seen}");
    husk(&["delete", "--force", &id]).assert_ok();
    b.assert_clean(&id);
}

/// A system container's user namespace lives over an id range and idmapped mounts that the
/// checkpoint does not carry: its restore is refused before anything is made.
#[test]
fn a_system_container_is_not_restored() {
    let Some(criu) = criu() else { return };
    let mut b = counter_bundle();
    b.set(
        "annotations",
        serde_json::json!({ "io.husk.system": "true" }),
    );
    b.write();
    let image = images(&b, "img");
    std::fs::create_dir(&image).unwrap();
    let stdio = r#"["/dev/null","/dev/null","/dev/null"]"#;
    std::fs::write(Path::new(&image).join("descriptors.json"), stdio).unwrap();
    let id = b.id();
    let out = restore_out(&criu, &image, &b, &id, &[]);
    let out = out.assert_fails_naming("a system container cannot be restored");
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    b.assert_clean(&id);
}
