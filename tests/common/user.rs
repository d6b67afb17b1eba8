//! An ordinary user for rootless tests, made with useradd and removed with userdel (which also
//! drops its /etc/subuid and /etc/subgid lines), and the runtime run as that user.

use super::{run_captured, runtime, state_root, Out};
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// useradd and userdel lock /etc/passwd and give up when it is busy: one at a time here.
static ACCOUNTS: Mutex<()> = Mutex::new(());

pub struct TestUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// The user's XDG_RUNTIME_DIR.
    pub xdg: PathBuf,
}

fn must(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl TestUser {
    /// A user named after this test process and `tag`, granted `subids` (first id, count) in
    /// /etc/subuid and /etc/subgid when given.
    pub fn new(tag: &str, subids: Option<(u32, u32)>) -> TestUser {
        let name = format!("hk{}{tag}", std::process::id());
        let lock = ACCOUNTS.lock().unwrap_or_else(|e| e.into_inner());
        remove_orphans();
        let no_subids = ["-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0"];
        must(
            Command::new("useradd")
                .args(["-M", "-s", "/usr/sbin/nologin"])
                .args(no_subids)
                .arg(&name),
        );
        let mut user = TestUser {
            uid: 0,
            gid: 0,
            xdg: state_root().join(format!("xdg-{tag}")),
            name,
        };
        drop(lock);
        user.uid = must(Command::new("id").args(["-u", &user.name]))
            .parse()
            .unwrap();
        user.gid = must(Command::new("id").args(["-g", &user.name]))
            .parse()
            .unwrap();
        if let Some((first, count)) = subids {
            let range = format!("{first}-{}", first + count - 1);
            let _lock = ACCOUNTS.lock().unwrap_or_else(|e| e.into_inner());
            must(Command::new("usermod").args([
                "--add-subuids",
                &range,
                "--add-subgids",
                &range,
                &user.name,
            ]));
        }
        fs::create_dir_all(&user.xdg).unwrap();
        user.give(&user.xdg);
        fs::set_permissions(&user.xdg, fs::Permissions::from_mode(0o700)).unwrap();
        user
    }

    /// Hands a host path to the user.
    pub fn give(&self, path: &Path) {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid)).unwrap();
    }

    /// Where the runtime keeps the user's containers by default.
    pub fn root(&self) -> PathBuf {
        self.xdg.join("husk")
    }

    /// The runtime as this user, with only PATH and (if `xdg`) XDG_RUNTIME_DIR set.
    pub fn command(&self, args: &[&str], xdg: bool) -> Command {
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid",
            &self.uid.to_string(),
            "--regid",
            &self.gid.to_string(),
        ])
        .args(["--init-groups", "--"])
        .arg(runtime())
        .args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        if xdg {
            cmd.env("XDG_RUNTIME_DIR", &self.xdg);
        }
        cmd
    }

    pub fn husk(&self, args: &[&str]) -> Out {
        run_captured(self.command(args, true), None)
    }

    /// The container's state JSON as this user sees it.
    pub fn state(&self, id: &str) -> Value {
        let out = self.husk(&["state", id]).assert_ok();
        serde_json::from_str(&out.stdout).expect("state JSON")
    }
}

/// A failed assertion aborts the test process (no unwinding), so users of test processes that
/// are gone are removed before new ones are made.
fn remove_orphans() {
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    for name in passwd.lines().filter_map(|l| l.split(':').next()) {
        let Some(rest) = name.strip_prefix("hk") else {
            continue;
        };
        let pid: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let tag = &rest[pid.len()..];
        let ours = !pid.is_empty() && tag.len() == 1 && tag.chars().all(|c| c.is_ascii_lowercase());
        if ours && !Path::new("/proc").join(&pid).exists() {
            let _ = Command::new("userdel").arg(name).output();
        }
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        for entry in fs::read_dir(self.root()).into_iter().flatten().flatten() {
            let mut cmd = Command::new(runtime());
            cmd.arg("--root")
                .arg(self.root())
                .arg("delete")
                .arg("--force")
                .arg(entry.file_name());
            let _ = run_captured(cmd, None);
        }
        let _ = fs::remove_dir_all(&self.xdg);
        let _lock = ACCOUNTS.lock().unwrap_or_else(|e| e.into_inner());
        let _ = Command::new("userdel").arg(&self.name).output();
    }
}

/// What runc's `spec --rootless` changes, applied to a test config: a user namespace mapping
/// `uids`/`gids`, no network namespace, the host's /sys bound, no devpts gid, no resources.
pub fn make_rootless(config: &mut Value, uids: Value, gids: Value) {
    let linux = &mut config["linux"];
    let ns = linux["namespaces"].as_array_mut().unwrap();
    ns.retain(|n| n["type"] != "network");
    ns.push(json!({"type": "user"}));
    linux["uidMappings"] = uids;
    linux["gidMappings"] = gids;
    linux.as_object_mut().unwrap().remove("resources");
    for m in config["mounts"].as_array_mut().unwrap() {
        if m["destination"] == "/sys" {
            *m = json!({"destination": "/sys", "type": "none", "source": "/sys",
                        "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]});
        }
        if let Some(opts) = m.get_mut("options").and_then(|o| o.as_array_mut()) {
            opts.retain(|o| o != "gid=5");
        }
    }
}

/// One mapping of `size` ids from `inside` to `outside`.
pub fn map(inside: u32, outside: u32, size: u32) -> Value {
    json!({"containerID": inside, "hostID": outside, "size": size})
}
