//! End to end: this test binary re-executes itself as `husk init` would be executed, with
//! `_HUSK_INITPIPE` naming one end of a socketpair, and plays the parent on the other end. The
//! constructor runs in the re-executed copy before libtest's `main`; libtest then runs only
//! `container_init`, which reports facts about the process it finds itself in.
//!
//! Needs root: it creates every kind of namespace and writes id maps.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use nsexec::protocol::{Frame, INITPIPE_ENV, INIT_MSG};
use nsexec::{encode, init_socket, parent, read_frame, write_frame, BootstrapSpec};

/// The frame the test's container init describes itself in, where husk's init says it is set up.
const FACTS: Frame = Frame::Ready;

const NEWUSER: u32 = libc::CLONE_NEWUSER as u32;
const NEWNS: u32 = libc::CLONE_NEWNS as u32;
const NEWPID: u32 = libc::CLONE_NEWPID as u32;
const NEWNET: u32 = libc::CLONE_NEWNET as u32;
const NEWUTS: u32 = libc::CLONE_NEWUTS as u32;
const NEWTIME: u32 = libc::CLONE_NEWTIME as u32;

/// The socket end handed to a child is inheritable until it is closed here; spawning under this
/// lock keeps it from leaking into a child started by a concurrent test.
static SPAWN: Mutex<()> = Mutex::new(());

/// The container's init, when this binary was re-executed by `start`; a no-op otherwise.
#[test]
fn container_init() {
    let Some(sock) = init_socket() else {
        return;
    };
    write_frame(sock, FACTS, facts().as_bytes()).unwrap();
    // Stay alive until the parent hangs up, so that others can join these namespaces.
    let _ = read_frame(sock, &mut [0u8; 64]);
}

fn facts() -> String {
    let uptime = fs::read_to_string("/proc/uptime").unwrap();
    let mut facts = format!(
        "pid={}\nuid={}\nuptime={}\n",
        std::process::id(),
        status_uid("self"),
        uptime.split('.').next().unwrap()
    );
    for ns in ["uts", "mnt", "net", "user", "pid"] {
        facts.push_str(&format!("{ns}ns={}\n", ns_id("self", ns)));
    }
    facts
}

fn ns_id(pid: &str, ns: &str) -> String {
    let link = fs::read_link(format!("/proc/{pid}/ns/{ns}")).unwrap();
    link.to_string_lossy().into_owned()
}

/// The real uid on the Uid: line of /proc/PID/status, as seen from the reader's user namespace.
fn status_uid(pid: &str) -> String {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().to_string()
}

/// A running container init and the process that was spawned to become it.
struct Init {
    sock: UnixStream,
    spawned: Child,
    pid: i32,
    /// Owner of /proc/PID/uid_map when MAPS_PLEASE arrived: the process's euid while it is
    /// dumpable, root otherwise.
    maps_owner: Option<u32>,
    reaped: bool,
}

impl Init {
    fn facts(&self) -> HashMap<String, String> {
        let mut buf = [0u8; 4096];
        let (ty, len) = read_frame(self.sock.as_raw_fd(), &mut buf).unwrap();
        assert_eq!(ty, FACTS);
        let text = String::from_utf8(buf[..len].to_vec()).unwrap();
        let pairs = text.lines().filter_map(|l| l.split_once('='));
        pairs.map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Hangs up, which ends the init, and returns its raw wait status.
    fn finish(&mut self) -> i32 {
        self.reap().unwrap()
    }

    fn reap(&mut self) -> std::io::Result<i32> {
        self.reaped = true;
        let _ = self.sock.shutdown(Shutdown::Both);
        if self.pid == self.spawned.id() as i32 {
            return Ok(self.spawned.wait()?.into_raw());
        }
        parent::wait_pid(self.pid)
    }
}

impl Drop for Init {
    /// Reaps on failed assertions too; a panic here would abort the whole test binary.
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.reap();
        }
    }
}

/// How the spawned process ended when it did not become a container init.
#[derive(Debug)]
struct Failed {
    error: Option<String>,
    status: i32,
}

/// What the parent answers to MAPS_PLEASE.
enum Maps {
    Write(&'static str),
    Refuse,
}

/// How the test binary is started as init.
#[derive(Clone, Copy)]
enum Launch {
    AsRoot,
    AsUser(u32),
    /// Inside a private mount namespace where /proc is a tmpfs with a fake oom_score_adj.
    OverFakeProc,
}

/// Replaces /proc, then runs the rest of its arguments.
const FAKE_PROC: &str = "mount -t tmpfs tmpfs /proc && mkdir /proc/self && \
    : > /proc/self/oom_score_adj && exec \"$@\"";

fn command(launch: Launch) -> Command {
    let exe = std::env::current_exe().unwrap();
    let mut command = match launch {
        Launch::OverFakeProc => {
            let mut c = Command::new("unshare");
            c.args([
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                FAKE_PROC,
                "sh",
            ]);
            c.arg(exe);
            c
        }
        _ => Command::new(exe),
    };
    command
        .args(["container_init", "--exact", "--test-threads=1"])
        .stdout(Stdio::null());
    if let Launch::AsUser(id) = launch {
        command.uid(id).gid(id);
    }
    command
}

fn spawn(launch: Launch) -> (UnixStream, Child) {
    parent::set_child_subreaper().unwrap();
    let (ours, theirs) = UnixStream::pair().unwrap();
    let _guard = SPAWN.lock().unwrap();
    let inherited = parent::dup_inheritable(theirs.as_fd()).unwrap();
    let mut command = command(launch);
    command.env(INITPIPE_ENV, inherited.as_raw_fd().to_string());
    let child = command.spawn().unwrap();
    drop(inherited);
    (ours, child)
}

fn start(msg: &[u8], maps: Maps) -> Result<Init, Failed> {
    start_as(Launch::AsRoot, msg, maps)
}

fn start_as(launch: Launch, msg: &[u8], maps: Maps) -> Result<Init, Failed> {
    let (mut sock, mut spawned) = spawn(launch);
    sock.write_all(msg).unwrap();
    let mut maps = Some(maps);
    let mut maps_owner = None;
    let mut buf = [0u8; 4096];
    let pid = loop {
        match read_frame(sock.as_raw_fd(), &mut buf) {
            Ok((Frame::MapsPlease, _)) => {
                let map_file = format!("/proc/{}/uid_map", spawned.id());
                maps_owner = Some(fs::metadata(map_file).unwrap().uid());
                answer_maps(&sock, &spawned, maps.take().unwrap());
            }
            Ok((Frame::Pid, 4)) => break i32::from_ne_bytes(buf[..4].try_into().unwrap()),
            Ok((Frame::Error, len)) => {
                let error = Some(String::from_utf8(buf[..len].to_vec()).unwrap());
                return Err(failed(&mut spawned, error));
            }
            Ok((kind, len)) => panic!("unexpected frame {kind:?} of {len} bytes"),
            Err(_) => return Err(failed(&mut spawned, None)),
        }
    };
    if pid != spawned.id() as i32 {
        assert!(spawned.wait().unwrap().success(), "intermediate failed");
    }
    Ok(Init {
        sock,
        spawned,
        pid,
        maps_owner,
        reaped: false,
    })
}

fn answer_maps(sock: &UnixStream, child: &Child, maps: Maps) {
    let fd = sock.as_raw_fd();
    match maps {
        Maps::Write(map) => {
            for file in ["uid_map", "gid_map"] {
                fs::write(format!("/proc/{}/{file}", child.id()), map).unwrap();
            }
            write_frame(fd, Frame::MapsDone, &[]).unwrap();
        }
        Maps::Refuse => write_frame(fd, Frame::Error, b"test: no maps for you").unwrap(),
    }
}

fn failed(child: &mut Child, error: Option<String>) -> Failed {
    let status = child.wait().unwrap().into_raw();
    Failed { error, status }
}

fn start_spec(spec: &BootstrapSpec) -> Init {
    start(&encode(spec), Maps::Refuse).unwrap()
}

fn exited(code: i32) -> i32 {
    code << 8
}

#[test]
fn creates_pid_uts_and_mount_namespaces() {
    let mut init = start_spec(&BootstrapSpec {
        clone_flags: NEWPID | NEWUTS | NEWNS,
        ..BootstrapSpec::default()
    });
    let facts = init.facts();
    assert_eq!(facts["pid"], "1");
    assert_ne!(
        init.pid,
        init.spawned.id() as i32,
        "no fork into the pid namespace"
    );
    let me = std::process::id().to_string();
    assert_ne!(facts["utsns"], ns_id(&me, "uts"));
    assert_ne!(facts["mntns"], ns_id(&me, "mnt"));
    assert_ne!(facts["pidns"], ns_id(&me, "pid"));
    assert_eq!(facts["netns"], ns_id(&me, "net"));
    assert_eq!(
        facts["utsns"],
        ns_id(&init.pid.to_string(), "uts"),
        "PID names another process"
    );
    assert_eq!(init.finish(), exited(0));
}

#[test]
fn creates_user_namespace_mapped_by_parent() {
    let spec = BootstrapSpec {
        clone_flags: NEWUSER | NEWPID | NEWUTS,
        ..BootstrapSpec::default()
    };
    let mut init = start(&encode(&spec), Maps::Write("0 100000 65536\n")).unwrap();
    let facts = init.facts();
    assert_eq!(facts["pid"], "1");
    assert_eq!(facts["uid"], "0");
    assert_eq!(status_uid(&init.pid.to_string()), "100000");
    assert_ne!(facts["userns"], ns_id("self", "user"));
    assert_eq!(init.finish(), exited(0));
}

#[test]
fn rootless_init_stays_dumpable_for_its_maps() {
    let spec = BootstrapSpec {
        clone_flags: NEWUSER | NEWUTS,
        rootless: true,
        ..BootstrapSpec::default()
    };
    let msg = encode(&spec);
    let mut init = start_as(Launch::AsUser(4242), &msg, Maps::Write("0 4242 1\n")).unwrap();
    assert_eq!(init.maps_owner, Some(4242));
    assert_eq!(init.facts()["uid"], "0");
    assert_eq!(status_uid(&init.pid.to_string()), "4242");
    assert_eq!(init.finish(), exited(0));
}

#[test]
fn init_is_not_dumpable_while_mapped_by_a_privileged_parent() {
    let spec = BootstrapSpec {
        clone_flags: NEWUSER | NEWUTS,
        ..BootstrapSpec::default()
    };
    let msg = encode(&spec);
    let mut init = start_as(Launch::AsUser(4242), &msg, Maps::Write("0 4242 1\n")).unwrap();
    assert_eq!(init.maps_owner, Some(0));
    assert_eq!(init.facts()["uid"], "0");
    assert_eq!(init.finish(), exited(0));
}

#[test]
fn unmapped_root_is_an_error() {
    let spec = BootstrapSpec {
        clone_flags: NEWUSER,
        ..BootstrapSpec::default()
    };
    let failed = start(&encode(&spec), Maps::Write("1 100000 1\n"))
        .err()
        .unwrap();
    let error = failed.error.unwrap();
    assert_eq!(error, "nsexec: setresgid 0: Invalid argument");
    assert_eq!(failed.status, exited(1));
}

#[test]
fn parent_refusing_maps_ends_init_quietly() {
    let spec = BootstrapSpec {
        clone_flags: NEWUSER | NEWPID,
        ..BootstrapSpec::default()
    };
    let failed = start(&encode(&spec), Maps::Refuse).err().unwrap();
    assert_eq!(failed.error, None);
    assert_eq!(failed.status, exited(1));
}

#[test]
fn joins_namespaces_by_path() {
    let helper = start_spec(&BootstrapSpec {
        clone_flags: NEWUTS | NEWNET,
        ..BootstrapSpec::default()
    });
    assert_eq!(
        helper.pid,
        helper.spawned.id() as i32,
        "forked without a pid namespace"
    );
    let helper_facts = helper.facts();
    let ns_path = |ns: &str| PathBuf::from(format!("/proc/{}/ns/{ns}", helper.pid));
    let mut joiner = start_spec(&BootstrapSpec {
        clone_flags: NEWPID,
        ns_paths: vec![(NEWUTS, ns_path("uts")), (NEWNET, ns_path("net"))],
        ..BootstrapSpec::default()
    });
    let facts = joiner.facts();
    assert_eq!(facts["utsns"], helper_facts["utsns"]);
    assert_eq!(facts["netns"], helper_facts["netns"]);
    assert_ne!(facts["utsns"], ns_id("self", "uts"));
    assert_eq!(facts["pid"], "1");
    assert_eq!(joiner.finish(), exited(0));
}

/// A namespace file of another process bind-mounted where an unprivileged process may open it:
/// /proc/PID/ns of a non-dumpable process is reserved to privileged ones.
struct BoundNs(PathBuf);

impl BoundNs {
    fn new(pid: i32, ns: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("husk-nsexec-{}-{pid}-{ns}", std::process::id()));
        fs::write(&path, "").unwrap();
        let bound = BoundNs(path);
        let source = format!("/proc/{pid}/ns/{ns}");
        let status = Command::new("mount")
            .arg("--bind")
            .arg(source)
            .arg(&bound.0)
            .status();
        assert!(status.unwrap().success(), "mount --bind failed");
        bound
    }
}

impl Drop for BoundNs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = fs::remove_file(&self.0);
    }
}

#[test]
fn unprivileged_init_joins_user_namespace_before_the_others() {
    let spec = BootstrapSpec {
        clone_flags: NEWUSER | NEWUTS,
        ..BootstrapSpec::default()
    };
    let helper = start_as(
        Launch::AsUser(4242),
        &encode(&spec),
        Maps::Write("0 4242 1\n"),
    )
    .unwrap();
    let helper_facts = helper.facts();
    let uts = BoundNs::new(helper.pid, "uts");
    let user = BoundNs::new(helper.pid, "user");
    // The uts namespace comes first in the message; joining it before the user namespace that
    // owns it would fail with EPERM.
    let spec = BootstrapSpec {
        ns_paths: vec![(NEWUTS, uts.0.clone()), (NEWUSER, user.0.clone())],
        ..BootstrapSpec::default()
    };
    let mut joiner = start_as(Launch::AsUser(4242), &encode(&spec), Maps::Refuse).unwrap();
    let facts = joiner.facts();
    assert_eq!(facts["userns"], helper_facts["userns"]);
    assert_eq!(facts["utsns"], helper_facts["utsns"]);
    assert_eq!(joiner.finish(), exited(0));
}

#[test]
fn time_namespace_gets_its_offsets() {
    let mut init = start_spec(&BootstrapSpec {
        clone_flags: NEWTIME,
        timens_offsets: Some(b"boottime 1000000 0\n".to_vec()),
        ..BootstrapSpec::default()
    });
    let facts = init.facts();
    let uptime: u64 = facts["uptime"].parse().unwrap();
    let host = fs::read_to_string("/proc/uptime").unwrap();
    let host: u64 = host.split('.').next().unwrap().parse().unwrap();
    assert!(uptime >= host + 999_000, "uptime {uptime}, host {host}");
    assert_ne!(
        init.pid,
        init.spawned.id() as i32,
        "no fork into the time namespace"
    );
    assert_eq!(init.finish(), exited(0));
}

#[test]
fn oom_score_adj_is_written() {
    let mut init = start_spec(&BootstrapSpec {
        clone_flags: NEWUTS,
        oom_score_adj: Some(567),
        ..BootstrapSpec::default()
    });
    let adj = fs::read_to_string(format!("/proc/{}/oom_score_adj", init.pid)).unwrap();
    assert_eq!(adj.trim(), "567");
    init.facts();
    assert_eq!(init.finish(), exited(0));
}

#[test]
fn oom_score_adj_off_procfs_is_refused() {
    let spec = BootstrapSpec {
        oom_score_adj: Some(100),
        ..BootstrapSpec::default()
    };
    let failed = start_as(Launch::OverFakeProc, &encode(&spec), Maps::Refuse)
        .err()
        .unwrap();
    assert_eq!(
        failed.error.unwrap(),
        "nsexec: /proc/self/oom_score_adj is not on procfs"
    );
    assert_eq!(failed.status, exited(1));
}

#[test]
fn malformed_bootstrap_is_reported() {
    let mut msg = vec![0u8; 20];
    msg[0..4].copy_from_slice(&20u32.to_ne_bytes());
    msg[4..6].copy_from_slice(&INIT_MSG.to_ne_bytes());
    msg[16..18].copy_from_slice(&3u16.to_ne_bytes());
    msg[18..20].copy_from_slice(&nsexec::protocol::ATTR_NS_PATH.to_ne_bytes());
    let failed = start(&msg, Maps::Refuse).err().unwrap();
    assert_eq!(
        failed.error.unwrap(),
        "nsexec: bootstrap: attribute 27282 length 3 is shorter than its header"
    );
    assert_eq!(failed.status, exited(1));
}

#[test]
fn missing_namespace_file_is_reported() {
    let spec = BootstrapSpec {
        ns_paths: vec![(NEWNET, PathBuf::from("/nonexistent/ns/net"))],
        ..BootstrapSpec::default()
    };
    let failed = start(&encode(&spec), Maps::Refuse).err().unwrap();
    assert_eq!(
        failed.error.unwrap(),
        "nsexec: open /nonexistent/ns/net: No such file or directory"
    );
    assert_eq!(failed.status, exited(1));
}
