//! Faults: husk killed with SIGKILL at any point of a command, or a state.json damaged since,
//! must never strand a container: `delete --force` removes everything of it (state dir, cgroup
//! directories in every hierarchy, processes, mounts) and the id can be created again.

mod common;

use common::*;
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Kill points per command; five commands make the suite's 550.
const POINTS: usize = 110;

/// A payload that outlives every command of a test.
fn sleeper() -> Bundle {
    let mut bundle = Bundle::new();
    bundle.set("process.args", serde_json::json!(["sleep", "1000"]));
    bundle.write();
    bundle
}

/// `husk ARGS` started in the bundle's directory, so that each process it makes has its cwd
/// or root inside the bundle, where `assert_gone` looks for them.
fn spawn(bundle: &Bundle, args: &[&str]) -> Child {
    let stderr = fs::File::create(bundle.dir().join("stderr")).expect("create stderr file");
    husk_command(args)
        .current_dir(bundle.dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("spawn husk")
}

/// Runs `husk ARGS`, SIGKILLed after `after` unless it finished first; true if it was killed.
fn killed_after(bundle: &Bundle, args: &[&str], after: Duration) -> bool {
    let mut child = spawn(bundle, args);
    std::thread::sleep(after);
    let _ = child.kill();
    let status = child.wait().expect("wait for husk");
    status.signal() == Some(libc::SIGKILL)
}

/// How long `husk ARGS` takes when nothing interrupts it.
fn duration(bundle: &Bundle, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = spawn(bundle, args).wait().expect("wait for husk");
    let stderr = fs::read_to_string(bundle.dir().join("stderr")).unwrap_or_default();
    assert!(status.success(), "husk {args:?}: {stderr}");
    start.elapsed()
}

/// xorshift64: reproducible from the seed each test prints when it fails.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        Rng(u64::from(nanos) | 1)
    }

    /// A point in [0, span]: most kills land inside the command, some (spawning takes time) after.
    fn point(&mut self, span: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        span.mul_f64((self.0 % 1000) as f64 / 1000.0)
    }
}

/// The container's cgroup directories, found once while it exists.
fn cgroups_of(bundle: &Bundle, id: &str) -> Vec<PathBuf> {
    husk(&["create", "--bundle", bundle.dir_str(), id]).assert_ok();
    let dirs = cgroups_named(id);
    husk(&["delete", "--force", id]).assert_ok();
    assert!(!dirs.is_empty(), "no cgroup of {id} found");
    dirs
}

/// Nothing of `id` is left: no state dir, no cgroup directory, no process and no mount.
#[track_caller]
fn assert_gone(bundle: &Bundle, id: &str, cgroups: &[PathBuf], at: &str) {
    assert!(
        !state_root().join(id).exists(),
        "{at}: state dir of {id} left"
    );
    let left: Vec<_> = cgroups.iter().filter(|d| d.exists()).collect();
    assert!(left.is_empty(), "{at}: cgroups of {id} left: {left:?}");
    let mut procs = Vec::new();
    let settled = wait_for(Duration::from_secs(2), || {
        procs = processes_in(bundle.dir());
        procs.extend(processes_in(&bundle.rootfs()));
        procs.is_empty()
    });
    assert!(settled, "{at}: processes of {id} left: {procs:?}");
    assert!(
        mounts_under(bundle.dir()).is_empty(),
        "{at}: mounts left under {}",
        bundle.dir().display()
    );
}

/// Kills `command` at POINTS random moments; `before` readies the container (its result must
/// be success, which also proves the id free again after the last round).
fn kill_at_random_points(command: &str, before: &[&[&str]], args: &[&str]) {
    let bundle = sleeper();
    let id = bundle.id();
    let cgroups = cgroups_of(&bundle, &id);
    let with_id = |a: &[&str]| -> Vec<String> {
        a.iter()
            .map(|s| s.replace("ID", &id).replace("B", bundle.dir_str()))
            .collect()
    };
    let ready = || {
        for step in before {
            let step = with_id(step);
            husk(&step.iter().map(String::as_str).collect::<Vec<_>>()).assert_ok();
        }
    };
    let args = with_id(args);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut spans: Vec<Duration> = (0..5)
        .map(|_| {
            ready();
            let span = duration(&bundle, &args);
            husk(&["delete", "--force", &id]).assert_ok();
            span
        })
        .collect();
    spans.sort();
    let span = spans[2];
    let mut rng = Rng::new();
    let seed = rng.0;
    let mut killed = 0;
    // Under load a kill lands after the command finished more often: go on past POINTS
    // rounds (up to three times as many) until enough kills landed mid-way.
    for n in 0..3 * POINTS {
        if n >= POINTS && killed >= POINTS / 4 {
            break;
        }
        ready();
        let after = rng.point(span);
        killed += usize::from(killed_after(&bundle, &args, after));
        let stderr = fs::read_to_string(bundle.dir().join("stderr")).unwrap_or_default();
        assert!(
            !stderr.contains("exists"),
            "{command} {n}: the id was not free: {stderr}"
        );
        husk(&["delete", "--force", &id]).assert_ok();
        let at = format!("{command} killed after {after:?} (round {n}, seed {seed})");
        assert_gone(&bundle, &id, &cgroups, &at);
    }
    husk(&["create", "--bundle", bundle.dir_str(), &id]).assert_ok();
    husk(&["delete", &id]).assert_ok();
    eprintln!("{command}: {killed} kills landed mid-way (span {span:?}, seed {seed})");
    assert!(
        killed >= POINTS / 4,
        "{command}: only {killed} kills landed"
    );
}

#[test]
fn create_killed_at_any_point_leaves_nothing_after_delete_force() {
    kill_at_random_points("create", &[], &["create", "--bundle", "B", "ID"]);
}

#[test]
fn start_killed_at_any_point_leaves_nothing_after_delete_force() {
    let create: &[&str] = &["create", "--bundle", "B", "ID"];
    kill_at_random_points("start", &[create], &["start", "ID"]);
}

#[test]
fn exec_killed_at_any_point_leaves_nothing_after_delete_force() {
    let run: &[&str] = &["run", "-d", "--bundle", "B", "ID"];
    kill_at_random_points("exec", &[run], &["exec", "ID", "true"]);
}

#[test]
fn delete_killed_at_any_point_leaves_nothing_after_delete_force() {
    let run: &[&str] = &["run", "-d", "--bundle", "B", "ID"];
    kill_at_random_points("delete", &[run], &["delete", "--force", "ID"]);
}

#[test]
fn run_killed_at_any_point_leaves_nothing_after_delete_force() {
    kill_at_random_points("run", &[], &["run", "-d", "--bundle", "B", "ID"]);
}

/// A create killed as soon as its state dir appears (before state.json exists): `list` warns
/// about it, and after `delete --force` create, state, delete and list all agree it is gone.
#[test]
fn a_stranded_create_is_listed_and_removed_by_delete_force() {
    let bundle = sleeper();
    let id = bundle.id();
    let cgroups = cgroups_of(&bundle, &id);
    let dir = state_root().join(&id);
    let mut child = spawn(&bundle, &["create", "--bundle", bundle.dir_str(), &id]);
    assert!(wait_for(Duration::from_secs(5), || dir.exists()));
    let _ = child.kill();
    child.wait().unwrap();
    if !dir.join("state.json").exists() {
        let out = husk(&["list", "-q"]).assert_ok();
        assert!(
            out.stderr.contains(&format!("load container {id}: ")),
            "{out}"
        );
        assert!(!out.stdout.contains(&id), "{out}");
    }
    let out = husk(&["delete", "--force", &id]).assert_ok();
    assert_gone(&bundle, &id, &cgroups, "create killed at its state dir");
    assert!(!husk(&["list", "-q"]).stdout.contains(&id), "{out}");
    husk(&["state", &id]).assert_fails_naming("does not exist");
    husk(&["delete", &id]).assert_fails_naming("does not exist");
    husk(&["create", "--bundle", bundle.dir_str(), &id]).assert_ok();
    husk(&["delete", "--force", &id]).assert_ok();
}

/// state.json truncated, empty, garbage, wrong-typed or missing (also without footprint.json,
/// as an older husk left it): `list` names the container on a line of its own, and `delete
/// --force` removes the payload, cgroups and state dir, saying in one line what was damaged.
#[test]
fn a_damaged_state_json_does_not_block_delete_force() {
    let bundle = sleeper();
    let id = bundle.id();
    let cgroups = cgroups_of(&bundle, &id);
    let state = state_root().join(&id).join("state.json");
    type Damage = fn(&std::path::Path);
    let damages: [(&str, Damage); 6] = [
        ("truncated", |f| {
            let text = fs::read(f).unwrap();
            fs::write(f, &text[..text.len() / 2]).unwrap()
        }),
        ("empty", |f| fs::write(f, "").unwrap()),
        ("garbage", |f| fs::write(f, "\u{1}\u{2}not json").unwrap()),
        ("wrong-typed", |f| {
            let text = fs::read_to_string(f).unwrap();
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            v["pid"] = serde_json::json!("one");
            fs::write(f, v.to_string()).unwrap()
        }),
        ("missing", |f| fs::remove_file(f).unwrap()),
        // A state dir from a husk before footprint.json: the default cgroup path is used.
        ("garbage, unrecorded", |f| {
            fs::write(f, "x").unwrap();
            fs::remove_file(f.with_file_name("footprint.json")).unwrap()
        }),
    ];
    for (what, damage) in damages {
        husk(&["run", "-d", "--bundle", bundle.dir_str(), &id]).assert_ok();
        damage(&state);
        let list = husk(&["list"]).assert_ok();
        assert!(
            list.stderr.contains(&format!("load container {id}: ")),
            "{what}: {list}"
        );
        let out = husk(&["delete", "--force", &id]).assert_ok();
        assert_eq!(out.stderr.lines().count(), 1, "{what}: {out}");
        let named = if what == "missing" {
            "no state.json"
        } else {
            "state.json"
        };
        assert!(
            out.stderr.contains(named) && out.stderr.contains("killed 1 process"),
            "{what}: {out}"
        );
        assert_gone(&bundle, &id, &cgroups, what);
    }
}
