//! What every runtime owes its host (CVE-2019-5736, CVE-2021-30465, CVE-2025-31133,
//! CVE-2019-16884, CVE-2025-52881): each test builds the hostile bundle and checks that the
//! host is untouched and the refusal is one clear line.

mod common;

use common::*;
use serde_json::json;
use std::fs;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{symlink, MetadataExt};

/// The container's init runs from a view sealed against writes: even the host side cannot
/// open it for writing. A read-only overlayfs view refuses with EROFS (a running host binary
/// would refuse with ETXTBSY, and take the write once init has exec'd); a memfd copy has
/// every seal (a plain file has none).
#[test]
fn init_exe_cannot_be_written_to_reach_the_host_binary() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    let pid = state(&id)["pid"].as_i64().unwrap();
    let exe = format!("/proc/{pid}/exe");
    let before = fs::read(runtime()).unwrap();
    let write = fs::OpenOptions::new().write(true).open(&exe);
    let target = fs::read_link(&exe).unwrap();
    if target.to_string_lossy().starts_with("/memfd:") {
        assert!(write.is_err(), "{exe} opened for writing");
        let file = fs::File::open(&exe).unwrap();
        let seals = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GET_SEALS) };
        let all = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
        assert!(
            seals >= 0 && seals & all == all,
            "seals of {exe}: {seals:#x}"
        );
    } else {
        let e = write.expect_err("opened for writing");
        assert_eq!(
            e.raw_os_error(),
            Some(libc::EROFS),
            "{exe} -> {target:?}: {e}"
        );
    }
    husk(&["delete", "--force", &id]).assert_ok();
    assert!(
        fs::read(runtime()).unwrap() == before,
        "the husk binary changed"
    );
}

/// A binary kept above its state root (the kernel refuses overlay layers that nest) still
/// starts init from the read-only view, with /dev as its spare layer, not from a memfd copy.
#[test]
fn a_binary_above_its_state_root_still_starts_init_from_the_read_only_view() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.write();
    let bin = std::path::Path::new(bundle.dir_str()).join("bin");
    fs::create_dir(&bin).unwrap();
    fs::copy(runtime(), bin.join("husk")).unwrap();
    let here = |args: &[&str]| {
        let mut cmd = std::process::Command::new(bin.join("husk"));
        cmd.arg("--root").arg(bin.join("state")).args(args);
        run_captured(cmd, None)
    };
    let id = bundle.id();
    let created = here(&["create", "--bundle", bundle.dir_str(), &id]);
    let state: serde_json::Value = serde_json::from_str(&here(&["state", &id]).stdout).unwrap();
    let target = fs::read_link(format!("/proc/{}/exe", state["pid"]));
    let deleted = here(&["delete", "--force", &id]);
    assert!(
        created.success() && deleted.success(),
        "{created}\n{deleted}"
    );
    bundle.assert_clean(&id);
    let target = target.unwrap();
    assert!(
        !target.to_string_lossy().starts_with("/memfd:"),
        "{target:?}"
    );
}

/// Mounts on the host's /dev or below, as this (the host's) mount namespace shows them.
fn host_dev_mounts() -> Vec<String> {
    let mounts = fs::read_to_string("/proc/self/mountinfo").unwrap();
    mounts
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|point| *point == "/dev" || point.starts_with("/dev/"))
        .map(str::to_string)
        .collect()
}

/// An image whose /dev points at the host's (absolute or by climbing) resolves inside the
/// rootfs, where it loops: refused, and nothing is created or mounted on the host's /dev.
#[test]
fn a_dev_symlink_to_the_host_dev_does_not_touch_it() {
    for target in ["/dev", "../../../../../../dev"] {
        let bundle = Bundle::writable();
        fs::remove_dir_all(bundle.rootfs().join("dev")).unwrap();
        symlink(target, bundle.rootfs().join("dev")).unwrap();
        let before = host_dev_mounts();
        let null = fs::metadata("/dev/null").unwrap();
        let id = bundle.id();
        bundle
            .create(&id)
            .assert_fails_naming("/dev (destination of mounts[1]) inside the rootfs");
        assert_eq!(
            host_dev_mounts(),
            before,
            "mounts on the host's /dev ({target})"
        );
        let now = fs::metadata("/dev/null").unwrap();
        assert_eq!(
            (now.ino(), now.mode()),
            (null.ino(), null.mode()),
            "the host's /dev/null was replaced"
        );
        bundle.assert_clean(&id);
    }
}

/// maskedPaths bind /dev/null over what they hide; an image that makes /dev/null a symlink
/// to a file of its choice or a regular file would expose that instead, so it is refused.
#[test]
fn masked_paths_refuse_a_dev_null_that_is_not_the_device() {
    for forged in ["symlink", "file"] {
        let mut bundle = Bundle::writable();
        bundle.config["mounts"]
            .as_array_mut()
            .unwrap()
            .retain(|m| !m["destination"].as_str().unwrap().starts_with("/dev"));
        let null = bundle.rootfs().join("dev/null");
        let _ = fs::remove_file(&null);
        match forged {
            "symlink" => symlink("/etc/passwd", &null).unwrap(),
            _ => fs::write(&null, "not a device").unwrap(),
        }
        let id = bundle.id();
        bundle.create(&id).assert_fails_naming(
            "/dev/null before masking paths: it is not the character device 1:3",
        );
        bundle.assert_clean(&id);
    }
}

/// A tmpfs over /proc, or an image whose /proc is a symlink, cannot stand in for procfs,
/// where sysctl and LSM writes would go.
#[test]
fn a_non_procfs_over_proc_is_refused() {
    let mut bundle = Bundle::writable();
    bundle.mount("/proc", "tmpfs", "tmpfs", &[]);
    let id = bundle.id();
    bundle
        .create(&id)
        .assert_fails_naming("only procfs or well-known files may be mounted on /proc");
    bundle.assert_clean(&id);

    let mut bundle = Bundle::writable();
    bundle.set("linux.sysctl", json!({"kernel.domainname": "evil"}));
    fs::remove_dir(bundle.rootfs().join("proc")).unwrap();
    symlink("tmp", bundle.rootfs().join("proc")).unwrap();
    let id = bundle.id();
    bundle.create(&id).assert_fails_naming("/proc");
    bundle.assert_clean(&id);
}

fn cgroup_mkdir(bundle: &mut Bundle) -> String {
    let opts = json!(["nosuid", "noexec", "nodev"]);
    for m in bundle.config["mounts"].as_array_mut().unwrap() {
        if m["destination"] == "/sys/fs/cgroup" {
            m["options"] = opts.clone();
        }
    }
    bundle.sh("mkdir /sys/fs/cgroup/probe 2>&1; echo $?");
    bundle.run_once().assert_ok().stdout
}

/// Without a cgroup namespace the cgroup mount is read-only even when its options leave out
/// "ro"; with one, the options decide.
#[test]
fn the_cgroup_mount_is_read_only_without_a_cgroup_namespace() {
    let mut bundle = Bundle::new();
    let out = cgroup_mkdir(&mut bundle);
    assert!(out.contains("Read-only file system\n1\n"), "{out}");
    bundle.namespace("cgroup", None);
    assert_eq!(cgroup_mkdir(&mut bundle), "0\n");
}

/// This host has neither AppArmor nor SELinux: a container asking for a profile or a label
/// is refused before anything is made, in runc's words.
#[test]
fn an_lsm_request_without_the_lsm_is_refused() {
    let requests = [
        (
            "process.apparmorProfile",
            "docker-default",
            "apparmor profile is specified in config, but apparmor is disabled",
        ),
        (
            "process.selinuxLabel",
            "system_u:system_r:container_t:s0",
            "selinux label is specified in config, but selinux is disabled",
        ),
        (
            "linux.mountLabel",
            "system_u:object_r:container_file_t:s0",
            "selinux mount label is specified in config, but selinux is disabled",
        ),
    ];
    for (field, value, text) in requests {
        let mut bundle = Bundle::new();
        bundle.set(field, json!(value));
        let id = bundle.id();
        bundle.create(&id).assert_fails_naming(text).assert_code(1);
        bundle.assert_clean(&id);
    }
}
