//! Integration-test harness: runs the runtime under test against real
//! busybox containers and checks that nothing of a container outlives it.
//!
//! Every test file includes this with `mod common;` and uses only part of
//! it, hence the blanket `dead_code` allowance.
#![allow(dead_code)]

pub mod user;

use serde_json::{json, Value};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// Long enough for a slow CI machine, short enough that a hung runtime
/// fails its test instead of stalling the whole suite.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a leak check waits for asynchronous teardown (a killed
/// process being reaped, a cgroup emptying) before calling it a leak.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(2);

/// The binary under test: `HUSK_TEST_RUNTIME` lets the same suite be
/// validated against runc or crun.
pub fn runtime() -> PathBuf {
    match std::env::var_os("HUSK_TEST_RUNTIME") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_husk")),
    }
}

/// A state root private to this test process, so parallel test binaries
/// and a host's real containers never see each other.
pub fn state_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = PathBuf::from(format!("/run/husk-test/{}", std::process::id()));
        fs::create_dir_all(&root).expect("create state root");
        root
    })
}

/// Ids embed the pid so that concurrent test binaries cannot collide,
/// and stay short because some runtimes bound id length.
pub fn unique_id(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

fn scratch_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The outcome of one runtime invocation.
#[derive(Debug)]
pub struct Out {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// The exit code, or 128+N when the runtime itself died of signal N,
    /// so a crash never looks like success.
    pub fn code(&self) -> i32 {
        match (self.status.code(), self.status.signal()) {
            (Some(code), _) => code,
            (None, Some(sig)) => 128 + sig,
            (None, None) => -1,
        }
    }

    pub fn success(&self) -> bool {
        self.status.success()
    }

    #[track_caller]
    pub fn assert_ok(self) -> Self {
        assert!(self.success(), "runtime failed: {self}");
        self
    }

    #[track_caller]
    pub fn assert_code(self, code: i32) -> Self {
        assert_eq!(self.code(), code, "unexpected exit status: {self}");
        self
    }

    /// A failure must be a clean error exit, not a crash, and must say
    /// what it is about.
    #[track_caller]
    pub fn assert_fails_naming(self, needle: &str) -> Self {
        assert!(!self.success(), "expected a failure: {self}");
        assert!(
            self.status.code().is_some(),
            "runtime died of a signal: {self}"
        );
        assert!(
            self.stderr.contains(needle),
            "stderr does not name {needle:?}: {self}"
        );
        self
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Options for one invocation beyond its arguments.
#[derive(Default)]
pub struct Invocation<'a> {
    pub stdin: Option<&'a [u8]>,
    pub cwd: Option<&'a Path>,
    /// Leave out the global `--root`, e.g. for `--version` or to test the
    /// default root.
    pub no_root: bool,
}

/// Runs the runtime with the private `--root` and the given arguments.
pub fn husk(args: &[&str]) -> Out {
    husk_with(args, &Invocation::default())
}

/// Runs the runtime without `--root`.
pub fn husk_raw(args: &[&str]) -> Out {
    husk_with(
        args,
        &Invocation {
            no_root: true,
            ..Default::default()
        },
    )
}

/// Output goes to files rather than pipes: a detached container inherits
/// the runtime's stdio and would otherwise hold a pipe open long after
/// the runtime itself has exited.
pub fn husk_with(args: &[&str], how: &Invocation) -> Out {
    let mut cmd = if how.no_root {
        let mut cmd = Command::new(runtime());
        cmd.args(args);
        cmd
    } else {
        husk_command(args)
    };
    if let Some(dir) = how.cwd {
        cmd.current_dir(dir);
    }
    run_captured(cmd, how.stdin)
}

/// The runtime with the private `--root`, for tests that need to shape
/// the process themselves (extra fds, environment) before `run_captured`.
pub fn husk_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(runtime());
    cmd.arg("--root").arg(state_root()).args(args);
    cmd
}

/// Runs any command with captured output and the harness timeout.
pub fn run_captured(mut cmd: Command, stdin: Option<&[u8]>) -> Out {
    let out_path = scratch_file("stdout");
    let err_path = scratch_file("stderr");
    let out_file = fs::File::create(&out_path).expect("create stdout capture");
    let err_file = fs::File::create(&err_path).expect("create stderr capture");
    cmd.stdout(out_file).stderr(err_file);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(data).expect("write stdin");
    }
    let status = wait_with_timeout(&mut child, COMMAND_TIMEOUT);
    let stdout = String::from_utf8_lossy(&fs::read(&out_path).unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&fs::read(&err_path).unwrap_or_default()).into_owned();
    let _ = fs::remove_file(&out_path);
    let _ = fs::remove_file(&err_path);
    match status {
        Some(status) => Out {
            status,
            stdout,
            stderr,
        },
        None => panic!(
            "{cmd:?} timed out after {COMMAND_TIMEOUT:?}\nstdout: {stdout}\nstderr: {stderr}"
        ),
    }
}

fn scratch_file(kind: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = scratch_dir().join("capture");
    fs::create_dir_all(&dir).expect("create capture dir");
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{}-{n}.{kind}", std::process::id()))
}

/// A watchdog thread kills the child at the deadline, so the common case
/// is a plain blocking wait with no polling latency.
fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> Option<ExitStatus> {
    let pid = child.id() as libc::pid_t;
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = thread::spawn(move || {
        let timed_out = finished.recv_timeout(limit) == Err(mpsc::RecvTimeoutError::Timeout);
        if timed_out {
            // SAFETY: pid is our unreaped child, so it cannot have been recycled.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        timed_out
    });
    let status = child.wait().expect("wait for runtime");
    let _ = done.send(());
    let timed_out = watchdog.join().expect("watchdog thread");
    (!timed_out).then_some(status)
}

/// Polls `cond` until it holds or `limit` passes; returns whether it held.
pub fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(2);
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Reads from the master until `want` shows up (or 10 s pass); returns all that was read.
pub fn read_until(master: &mut fs::File, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = String::new();
    let mut buf = [0u8; 1024];
    while !seen.contains(want) && Instant::now() < deadline {
        let fd = std::os::fd::AsFd::as_fd(master);
        if husk::sys::fd::poll_readable(&fd, 100).unwrap() {
            match master.read(&mut buf) {
                Ok(n) if n > 0 => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                _ => break,
            }
        }
    }
    seen
}

/// Parses `state ID`, panicking with the runtime's output if it fails.
#[track_caller]
pub fn state(id: &str) -> Value {
    let out = husk(&["state", id]).assert_ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("state is not JSON ({e}): {out}"))
}

/// Waits until the container reports `status`, e.g. after a payload exits.
#[track_caller]
pub fn wait_status(id: &str, status: &str) {
    let reached = wait_for(Duration::from_secs(10), || {
        let out = husk(&["state", id]);
        serde_json::from_str::<Value>(&out.stdout)
            .map(|s| s["status"] == status)
            .unwrap_or(false)
    });
    assert!(reached, "container {id} never became {status}");
}

/// The base busybox rootfs at target/bundle/rootfs, where scripts/test
/// builds it with scripts/mkbundle; built here when missing so that plain
/// `cargo test` works.
pub fn base_rootfs() -> PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bundle/rootfs");
        if !base.join("bin/busybox").exists() {
            build_rootfs_atomically(&base);
        }
        base
    })
    .clone()
}

/// Builds beside the target and renames into place, so concurrent test
/// processes never see a half-built rootfs.
fn build_rootfs_atomically(base: &Path) {
    let parent = base.parent().expect("rootfs parent");
    fs::create_dir_all(parent).expect("create bundle dir");
    let tmp = parent.join(format!("rootfs.tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    build_rootfs(&tmp);
    if fs::rename(&tmp, base).is_err() {
        // Another process won the race; its rootfs is just as good.
        let _ = fs::remove_dir_all(&tmp);
    }
}

fn build_rootfs(rootfs: &Path) {
    for dir in ["bin", "etc", "proc", "sys", "dev", "tmp"] {
        fs::create_dir_all(rootfs.join(dir)).expect("create rootfs dir");
    }
    fs::set_permissions(rootfs.join("tmp"), fs::Permissions::from_mode(0o1777)).expect("chmod tmp");
    let busybox = rootfs.join("bin/busybox");
    fs::copy("/bin/busybox", &busybox).expect("copy /bin/busybox (install busybox-static)");
    let list = Command::new(&busybox)
        .arg("--list")
        .output()
        .expect("busybox --list");
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" {
            symlink("busybox", rootfs.join("bin").join(applet)).expect("link applet");
        }
    }
    fs::write(
        rootfs.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\n\
         user:x:1000:1000:user:/home/user:/bin/sh\n\
         nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    .expect("write passwd");
    fs::write(
        rootfs.join("etc/group"),
        "root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n",
    )
    .expect("write group");
}

/// The configuration `runc spec` writes, with terminal off: tests change
/// only the fields they are about.
pub fn default_config() -> Value {
    let caps = json!(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    json!({
        "ociVersion": "1.0.2-dev",
        "process": {
            "terminal": false,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm"
            ],
            "cwd": "/",
            "capabilities": {
                "bounding": caps, "effective": caps, "permitted": caps, "ambient": caps
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": true
        },
        "root": {"path": "rootfs", "readonly": true},
        "hostname": "runc",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
        ],
        "linux": {
            "resources": {"devices": [{"allow": false, "access": "rwm"}]},
            "namespaces": [
                {"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                {"type": "uts"}, {"type": "mount"}
            ],
            "maskedPaths": [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                "/proc/sched_debug", "/sys/firmware", "/proc/scsi"
            ],
            "readonlyPaths": [
                "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
            ]
        }
    })
}

/// A bundle private to one test: its own rootfs copy and config, and the
/// ids of every container made from it, all torn down on drop even when
/// the test panics.
pub struct Bundle {
    dir: PathBuf,
    pub config: Value,
    ids: Mutex<Vec<String>>,
}

impl Bundle {
    /// A hardlinked rootfs: cheap, but the test must not write into it,
    /// since the files are shared with the base rootfs.
    pub fn new() -> Bundle {
        Bundle::with_copy(&["-al"])
    }

    /// A real copy, for tests that change files in the rootfs.
    pub fn writable() -> Bundle {
        Bundle::with_copy(&["-a"])
    }

    fn with_copy(cp_flags: &[&str]) -> Bundle {
        Bundle::copy_of(&base_rootfs(), cp_flags)
    }

    /// A real copy of another rootfs (a system container's Debian, say).
    pub fn writable_of(base: &Path) -> Bundle {
        Bundle::copy_of(base, &["-a"])
    }

    fn copy_of(base: &Path, cp_flags: &[&str]) -> Bundle {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = scratch_dir().join(format!("b-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create bundle dir");
        let status = Command::new("cp")
            .args(cp_flags)
            .arg(base)
            .arg(dir.join("rootfs"))
            .status()
            .expect("run cp");
        assert!(status.success(), "copying the base rootfs failed");
        Bundle {
            dir,
            config: default_config(),
            ids: Mutex::new(Vec::new()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn dir_str(&self) -> &str {
        self.dir.to_str().expect("utf-8 bundle path")
    }

    pub fn rootfs(&self) -> PathBuf {
        self.dir.join("rootfs")
    }

    /// A fresh id whose container is force-deleted when the bundle drops.
    pub fn id(&self) -> String {
        let id = unique_id("t");
        self.adopt(&id);
        id
    }

    /// Registers an id made elsewhere for cleanup on drop.
    pub fn adopt(&self, id: &str) {
        self.ids.lock().unwrap().push(id.to_string());
    }

    /// Sets a field by dotted path (`process.user.uid`), creating objects
    /// on the way; a numeric segment indexes an array.
    pub fn set(&mut self, path: &str, value: Value) -> &mut Self {
        *slot(&mut self.config, path) = value;
        self
    }

    /// Appends to the array at a dotted path, creating it if absent.
    pub fn push(&mut self, path: &str, value: Value) -> &mut Self {
        let target = slot(&mut self.config, path);
        if !target.is_array() {
            *target = json!([]);
        }
        target.as_array_mut().unwrap().push(value);
        self
    }

    /// Removes the field at a dotted path if present.
    pub fn remove(&mut self, path: &str) -> &mut Self {
        let (parent, key) = match path.rsplit_once('.') {
            Some((parent, key)) => (slot(&mut self.config, parent), key),
            None => (&mut self.config, path),
        };
        if let Some(map) = parent.as_object_mut() {
            map.remove(key);
        }
        self
    }

    /// Sets the payload to a shell script.
    pub fn sh(&mut self, script: &str) -> &mut Self {
        self.set("process.args", json!(["sh", "-c", script]))
    }

    /// Adds a mount at the end of the mount list.
    pub fn mount(
        &mut self,
        destination: &str,
        kind: &str,
        source: &str,
        options: &[&str],
    ) -> &mut Self {
        self.push(
            "mounts",
            json!({"destination": destination, "type": kind, "source": source, "options": options}),
        )
    }

    /// Bind-mounts a fresh host directory read-write at /shared in the
    /// container: the channel for markers and files a test inspects.
    pub fn share(&mut self) -> PathBuf {
        let host = self.dir.join("shared");
        fs::create_dir_all(&host).expect("create shared dir");
        fs::create_dir_all(self.rootfs().join("shared")).expect("create /shared");
        let source = host.to_str().expect("utf-8 path").to_string();
        self.mount("/shared", "bind", &source, &["rbind", "rw"]);
        host
    }

    /// Adds a namespace entry, new when `path` is None.
    pub fn namespace(&mut self, kind: &str, path: Option<&str>) -> &mut Self {
        let entry = match path {
            Some(p) => json!({"type": kind, "path": p}),
            None => json!({"type": kind}),
        };
        let list = slot(&mut self.config, "linux.namespaces");
        if let Some(items) = list.as_array_mut() {
            items.retain(|ns| ns["type"] != kind);
        }
        self.push("linux.namespaces", entry)
    }

    pub fn write(&self) {
        let text = serde_json::to_string_pretty(&self.config).expect("serialize config");
        fs::write(self.dir.join("config.json"), text).expect("write config.json");
    }

    /// Writes the config and runs `run --bundle DIR ID` in the foreground.
    pub fn run(&self, id: &str) -> Out {
        self.write();
        husk(&["run", "--bundle", self.dir_str(), id])
    }

    /// Runs a fresh container and returns its output; the common case.
    pub fn run_once(&self) -> Out {
        let id = self.id();
        self.run(&id)
    }

    /// Writes the config and runs `create --bundle DIR ID`.
    pub fn create(&self, id: &str) -> Out {
        self.write();
        husk(&["create", "--bundle", self.dir_str(), id])
    }

    /// Asserts that nothing of container `id` is left: state, cgroups,
    /// mounts under the bundle, processes inside the rootfs.
    #[track_caller]
    pub fn assert_clean(&self, id: &str) {
        assert_no_state(id);
        assert_no_cgroup(id);
        assert_no_mounts_under(&self.dir);
        assert_no_processes_in(&self.rootfs());
    }
}

impl Drop for Bundle {
    fn drop(&mut self) {
        for id in self.ids.lock().unwrap().iter() {
            let mut cmd = Command::new(runtime());
            cmd.arg("--root")
                .arg(state_root())
                .args(["delete", "--force", id]);
            let _ = run_captured(cmd, None);
        }
        // A leaked mount under the bundle may be a bind of a host
        // directory: removing the tree through it would destroy host files.
        detach_mounts_under(&self.dir);
        if mounts_under(&self.dir).is_empty() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn slot<'a>(mut value: &'a mut Value, path: &str) -> &'a mut Value {
    for key in path.split('.') {
        value = match key.parse::<usize>() {
            Ok(i) if value.is_array() => &mut value.as_array_mut().unwrap()[i],
            _ => {
                if !value.is_object() {
                    *value = json!({});
                }
                value
                    .as_object_mut()
                    .unwrap()
                    .entry(key)
                    .or_insert(Value::Null)
            }
        };
    }
    value
}

#[track_caller]
pub fn assert_no_state(id: &str) {
    let dir = state_root().join(id);
    assert!(
        wait_for(SETTLE_TIMEOUT, || !dir.exists()),
        "state dir {} outlived container {id}",
        dir.display()
    );
}

/// Runtimes nest a container's cgroup under the caller's own cgroup in
/// some hierarchies, so the whole tree is searched rather than guessed.
#[track_caller]
pub fn assert_no_cgroup(id: &str) {
    let mut found = Vec::new();
    let gone = wait_for(SETTLE_TIMEOUT, || {
        found = cgroups_named(id);
        found.is_empty()
    });
    assert!(gone, "cgroups of {id} leaked: {found:?}");
}

pub fn cgroups_named(id: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::from("/sys/fs/cgroup")];
    while let Some(dir) = pending.pop() {
        // Cgroups of other tests come and go while we walk; skip them.
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if !is_dir {
                continue;
            }
            let path = entry.path();
            if entry.file_name().as_bytes() == id.as_bytes() {
                found.push(path.clone());
            }
            pending.push(path);
        }
    }
    found
}

#[track_caller]
pub fn assert_no_mounts_under(dir: &Path) {
    let mut found = Vec::new();
    let gone = wait_for(SETTLE_TIMEOUT, || {
        found = mounts_under(dir);
        found.is_empty()
    });
    assert!(gone, "mounts leaked under {}: {found:?}", dir.display());
}

/// Mount points at or below `dir` in this process's mount namespace.
pub fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let info = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    info.lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|field| PathBuf::from(unescape_mountinfo(field)))
        .filter(|point| point.starts_with(dir))
        .collect()
}

/// mountinfo escapes space, tab, newline and backslash as octal.
fn unescape_mountinfo(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            std::str::from_utf8(d)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 8).ok())
        });
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn detach_mounts_under(dir: &Path) {
    let mut points = mounts_under(dir);
    // Deepest first, so parents are not busy with children.
    points.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
    for point in points {
        if let Ok(c) = std::ffi::CString::new(point.as_os_str().as_bytes()) {
            // SAFETY: c is a valid NUL-terminated path.
            unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
        }
    }
}

#[track_caller]
pub fn assert_no_processes_in(rootfs: &Path) {
    let mut found = Vec::new();
    let gone = wait_for(SETTLE_TIMEOUT, || {
        found = processes_in(rootfs);
        found.is_empty()
    });
    assert!(
        gone,
        "processes still live in {}: {found:?}",
        rootfs.display()
    );
}

/// Pids living in `rootfs`. After pivot_root in its own mount namespace a
/// process's root link reads as plain "/", so the root directory is
/// compared by identity; before pivoting, its root or cwd path gives it
/// away.
pub fn processes_in(rootfs: &Path) -> Vec<u32> {
    let Ok(identity) = fs::metadata(rootfs).map(|m| (m.dev(), m.ino())) else {
        return Vec::new();
    };
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let root_is_rootfs = fs::metadata(format!("/proc/{pid}/root"))
                .map(|m| (m.dev(), m.ino()) == identity)
                .unwrap_or(false);
            root_is_rootfs
                || ["root", "cwd"].iter().any(|link| {
                    fs::read_link(format!("/proc/{pid}/{link}"))
                        .map(|target| target.starts_with(rootfs))
                        .unwrap_or(false)
                })
        })
        .collect()
}

/// The single line of a foreground container's output, trimmed.
pub fn line(out: &Out) -> &str {
    out.stdout.trim_end_matches('\n')
}
