//! The container's filesystem: root, mounts, devices, masked and
//! read-only paths, sysctls and names, observed from inside.

mod common;

use common::*;
use serde_json::json;
use std::ffi::CString;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

/// One row of the payload's /proc/self/mountinfo.
#[derive(Debug)]
struct Mount {
    point: String,
    options: Vec<String>,
    tags: Vec<String>,
    fstype: String,
    source: String,
    super_options: Vec<String>,
}

fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|row| {
            let (left, right) = row.split_once(" - ")?;
            let left: Vec<&str> = left.split(' ').collect();
            let right: Vec<&str> = right.split(' ').collect();
            let split = |s: &str| s.split(',').map(str::to_string).collect();
            Some(Mount {
                point: left.get(4)?.to_string(),
                options: split(left.get(5)?),
                tags: left[6..].iter().map(|s| s.to_string()).collect(),
                fstype: right.first()?.to_string(),
                source: right.get(1)?.to_string(),
                super_options: split(right.get(2)?),
            })
        })
        .collect()
}

/// Runs the payload script, then dumps the mount table; returns the
/// script's output and the table.
fn run_with_mounts(bundle: &mut Bundle, script: &str) -> (String, Vec<Mount>) {
    bundle.sh(&format!("{script}; echo ===; cat /proc/self/mountinfo"));
    let out = bundle.run_once().assert_ok();
    let (before, table) = out.stdout.split_once("===\n").expect("marker");
    (before.to_string(), parse_mountinfo(table))
}

fn mount_at<'a>(mounts: &'a [Mount], point: &str) -> &'a Mount {
    mounts
        .iter()
        .rev()
        .find(|m| m.point == point)
        .unwrap_or_else(|| panic!("nothing mounted at {point}: {mounts:#?}"))
}

/// A payload line per path: "ok" if a file could be created there.
fn write_probe(paths: &[&str]) -> String {
    paths
        .iter()
        .map(|p| format!("if touch {p} 2>/dev/null; then echo ok; else echo refused; fi"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn a_readonly_root_refuses_writes() {
    let mut bundle = Bundle::new();
    bundle.set("root.readonly", json!(true));
    bundle.sh(&write_probe(&["/probe"]));
    assert_eq!(line(&bundle.run_once().assert_ok()), "refused");
}

#[test]
fn a_writable_root_takes_writes() {
    let mut bundle = Bundle::writable();
    bundle.set("root.readonly", json!(false));
    bundle.sh(&write_probe(&["/probe"]));
    assert_eq!(line(&bundle.run_once().assert_ok()), "ok");
    assert!(bundle.rootfs().join("probe").exists());
}

#[test]
fn tmpfs_mount_options_and_data_are_applied() {
    let mut bundle = Bundle::new();
    bundle.mount(
        "/scratch",
        "tmpfs",
        "tmpfs",
        &["nosuid", "nodev", "noexec", "size=1m", "mode=0710"],
    );
    let (mode, mounts) = run_with_mounts(&mut bundle, "stat -c %a /scratch");
    assert_eq!(mode.trim(), "710");
    let m = mount_at(&mounts, "/scratch");
    assert_eq!(m.fstype, "tmpfs");
    for flag in ["nosuid", "nodev", "noexec"] {
        assert!(m.options.iter().any(|o| o == flag), "{flag} missing: {m:?}");
    }
    assert!(m.super_options.iter().any(|o| o == "size=1024k"), "{m:?}");
}

/// A host directory with a file, to be bind-mounted into a container.
fn host_data(bundle: &Bundle) -> PathBuf {
    let data = bundle.dir().join("data");
    fs::create_dir_all(&data).unwrap();
    fs::write(data.join("file"), "content").unwrap();
    data
}

#[test]
fn a_readonly_bind_mount_shows_files_and_refuses_writes() {
    let mut bundle = Bundle::new();
    let data = host_data(&bundle);
    bundle.mount("/data", "bind", data.to_str().unwrap(), &["bind", "ro"]);
    bundle.sh(&format!(
        "cat /data/file; echo; {}",
        write_probe(&["/data/new"])
    ));
    let out = bundle.run_once().assert_ok();
    assert_eq!(out.stdout, "content\nrefused\n");
    assert!(!data.join("new").exists());
}

#[test]
fn a_writable_bind_mount_reaches_the_host() {
    let mut bundle = Bundle::new();
    let data = host_data(&bundle);
    bundle.mount("/data", "bind", data.to_str().unwrap(), &["bind", "rw"]);
    bundle.sh("echo written > /data/new");
    bundle.run_once().assert_ok();
    assert_eq!(fs::read_to_string(data.join("new")).unwrap(), "written\n");
}

/// A host tmpfs under a bind source, to tell bind from rbind; unmounted
/// and removed with its source tree on drop, so a failing test leaves
/// nothing behind.
struct SubMount(PathBuf);

impl SubMount {
    fn new(dir: &Path) -> SubMount {
        fs::create_dir_all(dir).unwrap();
        let target = CString::new(dir.to_str().unwrap()).unwrap();
        let kind = CString::new("tmpfs").unwrap();
        // SAFETY: all pointers are valid NUL-terminated strings.
        let rc = unsafe {
            libc::mount(
                kind.as_ptr(),
                target.as_ptr(),
                kind.as_ptr(),
                0,
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "mount tmpfs on {}", dir.display());
        fs::write(dir.join("nested"), "nested").unwrap();
        SubMount(dir.to_path_buf())
    }
}

impl Drop for SubMount {
    fn drop(&mut self) {
        let target = CString::new(self.0.to_str().unwrap()).unwrap();
        // SAFETY: target is a valid NUL-terminated path.
        let unmounted = unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) } == 0;
        if let (true, Some(source)) = (unmounted, self.0.parent()) {
            let _ = fs::remove_dir_all(source);
        }
    }
}

/// Source trees live outside the bundle so the bundle's leak check does
/// not trip over the test's own host mount.
fn nested_source(name: &str) -> (PathBuf, SubMount) {
    let source = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(unique_id(name));
    let sub = SubMount::new(&source.join("sub"));
    (source, sub)
}

#[test]
fn bind_leaves_out_submounts_and_rbind_brings_them() {
    let (source, _sub) = nested_source("bind-src");
    let mut bundle = Bundle::new();
    let src = source.to_str().unwrap();
    bundle.mount("/flat", "bind", src, &["bind"]);
    bundle.mount("/deep", "bind", src, &["rbind"]);
    bundle.sh("ls /flat/sub; echo ---; ls /deep/sub");
    let id = bundle.id();
    let out = bundle.run(&id).assert_ok();
    assert_eq!(out.stdout, "---\nnested\n");
    bundle.assert_clean(&id);
}

#[test]
fn rro_makes_submounts_readonly_too() {
    let (source, _sub) = nested_source("rro-src");
    let mut bundle = Bundle::new();
    bundle.mount("/deep", "bind", source.to_str().unwrap(), &["rbind", "rro"]);
    bundle.sh(&write_probe(&["/deep/top", "/deep/sub/below"]));
    let out = bundle.run_once().assert_ok();
    assert_eq!(out.stdout, "refused\nrefused\n");
}

#[test]
fn mount_propagation_options_are_applied() {
    let mut bundle = Bundle::new();
    let data = host_data(&bundle);
    bundle.mount(
        "/data",
        "bind",
        data.to_str().unwrap(),
        &["rbind", "rshared"],
    );
    let (_, mounts) = run_with_mounts(&mut bundle, "true");
    let m = mount_at(&mounts, "/data");
    assert!(m.tags.iter().any(|t| t.starts_with("shared:")), "{m:?}");
}

/// The host here keeps its mounts private, so the root's propagation
/// leaves no tag to observe; what must hold is that every value runc
/// accepts starts the container.
#[test]
fn every_rootfs_propagation_is_accepted() {
    for propagation in [
        "private", "rprivate", "slave", "rslave", "shared", "rshared",
    ] {
        let mut bundle = Bundle::new();
        bundle.set("linux.rootfsPropagation", json!(propagation));
        bundle.sh("echo up");
        let out = bundle.run_once();
        assert_eq!(out.stdout, "up\n", "rootfsPropagation {propagation}: {out}");
    }
}

#[test]
fn a_destination_symlink_cannot_escape_the_rootfs() {
    let target = format!("husk-escape-{}", unique_id("t"));
    let host_path = PathBuf::from("/tmp").join(&target);
    let mut bundle = Bundle::writable();
    symlink(
        format!("../../../../../../../../tmp/{target}"),
        bundle.rootfs().join("evil"),
    )
    .unwrap();
    bundle.mount("/evil", "tmpfs", "tmpfs", &["size=1m"]);
    let (_, mounts) = run_with_mounts(&mut bundle, "true");
    assert!(!host_path.exists(), "mount created {}", host_path.display());
    let inside = format!("/tmp/{target}");
    assert_eq!(mount_at(&mounts, &inside).fstype, "tmpfs");
}

/// The /proc guard (CVE-2019-19921) must judge where a destination
/// lands, not how config.json spells it.
#[test]
fn a_symlink_to_proc_cannot_carry_a_tmpfs_over_proc() {
    let mut bundle = Bundle::writable();
    symlink("/proc", bundle.rootfs().join("myproc")).unwrap();
    bundle.mount("/myproc", "tmpfs", "tmpfs", &["size=1m"]);
    let id = bundle.id();
    bundle
        .create(&id)
        .assert_fails_naming("/myproc (destination of mounts[")
        .assert_fails_naming("only procfs");
    bundle.assert_clean(&id);
}

#[test]
fn default_devices_exist_with_the_right_numbers() {
    let devices = [
        ("null", "1:3"),
        ("zero", "1:5"),
        ("full", "1:7"),
        ("random", "1:8"),
        ("urandom", "1:9"),
        ("tty", "5:0"),
    ];
    let mut bundle = Bundle::new();
    let names: Vec<String> = devices.iter().map(|(n, _)| format!("/dev/{n}")).collect();
    bundle.sh(&format!("stat -c '%n %F %t:%T %a' {}", names.join(" ")));
    let out = bundle.run_once().assert_ok();
    let expected: Vec<String> = devices
        .iter()
        .map(|(n, nums)| format!("/dev/{n} character special file {nums} 666"))
        .collect();
    assert_eq!(out.stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn configured_devices_are_created() {
    let mut bundle = Bundle::new();
    bundle.push(
        "linux.devices",
        json!({"path": "/dev/husk-null", "type": "c", "major": 1, "minor": 3,
               "fileMode": 0o640, "uid": 1000, "gid": 5}),
    );
    bundle.sh("stat -c '%F %t:%T %a %u %g' /dev/husk-null");
    let out = bundle.run_once().assert_ok();
    assert_eq!(line(&out), "character special file 1:3 640 1000 5");
}

#[test]
fn dev_has_the_standard_symlinks() {
    let links = [
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
        ("/dev/ptmx", "pts/ptmx"),
    ];
    let mut bundle = Bundle::new();
    let script: Vec<String> = links
        .iter()
        .map(|(link, _)| format!("readlink {link}"))
        .collect();
    bundle.sh(&script.join("; "));
    let out = bundle.run_once().assert_ok();
    let expected: Vec<&str> = links.iter().map(|(_, target)| *target).collect();
    assert_eq!(out.stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn dev_pts_and_dev_shm_are_mounted() {
    let mut bundle = Bundle::new();
    let (_, mounts) = run_with_mounts(&mut bundle, "true");
    assert_eq!(mount_at(&mounts, "/dev/pts").fstype, "devpts");
    assert_eq!(mount_at(&mounts, "/dev/shm").fstype, "tmpfs");
    assert_eq!(mount_at(&mounts, "/dev").fstype, "tmpfs");
}

/// /proc/kcore is missing on some kernels; mask whichever sensitive
/// proc file this host has.
fn sensitive_proc_file() -> &'static str {
    ["/proc/kcore", "/proc/timer_list", "/proc/keys"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("no maskable proc file on this host")
}

#[test]
fn masked_paths_hide_files_and_directories() {
    let file = sensitive_proc_file();
    let mut bundle = Bundle::new();
    bundle.set("linux.maskedPaths", json!([file, "/etc"]));
    let (out, mounts) = run_with_mounts(
        &mut bundle,
        &format!(
            "wc -c < {file}; ls -A /etc | wc -l; {}",
            write_probe(&["/etc/new"])
        ),
    );
    let rows: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(rows, ["0", "0", "refused"]);
    let etc = mount_at(&mounts, "/etc");
    assert_eq!(etc.fstype, "tmpfs");
    assert_eq!(etc.source, "tmpfs", "named as runc's mount(2) names it");
    assert!(etc.options.iter().any(|o| o == "ro"), "{etc:?}");
}

#[test]
fn readonly_paths_refuse_writes() {
    let mut bundle = Bundle::new();
    let shared = bundle.share();
    bundle.set("linux.readonlyPaths", json!(["/shared", "/proc/sys"]));
    bundle.sh(&write_probe(&["/shared/new"]));
    assert_eq!(line(&bundle.run_once().assert_ok()), "refused");
    assert!(!shared.join("new").exists());
}

#[test]
fn sysctls_are_applied_in_the_containers_namespaces() {
    let mut bundle = Bundle::new();
    bundle.set(
        "linux.sysctl",
        json!({"net.ipv4.ip_forward": "1", "kernel.msgmax": "4321"}),
    );
    bundle.sh("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax");
    let out = bundle.run_once().assert_ok();
    assert_eq!(out.stdout, "1\n4321\n");
}

#[test]
fn hostname_and_domainname_are_set() {
    let mut bundle = Bundle::new();
    bundle.set("hostname", json!("husk-box"));
    bundle.set("domainname", json!("example.org"));
    bundle.sh("hostname; cat /proc/sys/kernel/domainname");
    let out = bundle.run_once().assert_ok();
    assert_eq!(out.stdout, "husk-box\nexample.org\n");
}

/// The host's root holds the workspace; a contained payload cannot see it.
fn containment_probe() -> String {
    let host_only = env!("CARGO_MANIFEST_DIR");
    format!("if [ -e {host_only} ]; then echo escaped; else head -1 /etc/passwd; fi")
}

#[test]
fn pivot_root_confines_the_payload() {
    let mut bundle = Bundle::new();
    bundle.sh(&containment_probe());
    let out = bundle.run_once().assert_ok();
    assert_eq!(line(&out), "root:x:0:0:root:/root:/bin/sh");
}

#[test]
fn no_pivot_still_confines_the_payload() {
    let mut bundle = Bundle::new();
    bundle.sh(&containment_probe());
    bundle.write();
    let id = bundle.id();
    let out = husk(&["run", "--no-pivot", "--bundle", bundle.dir_str(), &id]).assert_ok();
    assert_eq!(line(&out), "root:x:0:0:root:/root:/bin/sh");
    bundle.assert_clean(&id);
}

/// Under --no-pivot the host's procfs stays in the container's mount namespace beneath the
/// chroot; were it left whole, a user namespace made inside could mount a fresh, unmasked
/// procfs (runc's no_pivot.bats). CAP_SETFCAP lets unshare map root.
#[test]
fn no_pivot_leaves_no_host_procfs_to_mount_a_fresh_one_from() {
    let mut bundle = Bundle::new();
    for set in ["bounding", "effective", "permitted"] {
        bundle.push(&format!("process.capabilities.{set}"), json!("CAP_SETFCAP"));
    }
    let script = "mount -t proc none /proc && echo mounted";
    bundle.set(
        "process.args",
        json!(["unshare", "-mrpf", "sh", "-c", script]),
    );
    bundle.write();
    let id = bundle.id();
    let out = husk(&["run", "--no-pivot", "--bundle", bundle.dir_str(), &id]);
    assert!(!out.stdout.contains("mounted"), "{out}");
    out.assert_code(1)
        .assert_fails_naming("mount: permission denied");
    bundle.assert_clean(&id);
}

/// runc refuses a private root under --no-pivot: it would hold the host's mounts, under the
/// chroot, cut off from the host's unmounts.
#[test]
fn no_pivot_refuses_a_private_rootfs_propagation() {
    for propagation in ["private", "rprivate"] {
        let mut bundle = Bundle::new();
        bundle.set("linux.rootfsPropagation", json!(propagation));
        bundle.write();
        let id = bundle.id();
        let out = husk(&["run", "--no-pivot", "--bundle", bundle.dir_str(), &id]);
        let out = out
            .assert_fails_naming("rootfsPropagation of [r]private is not safe without pivot_root");
        assert_eq!(out.stderr.lines().count(), 1, "{out}");
        bundle.assert_clean(&id);
    }
}

#[test]
fn a_device_node_outside_the_allow_list_cannot_be_opened() {
    let mut bundle = Bundle::writable();
    // /dev/kmsg's numbers, placed where the image could ship it; opening it for writing needs
    // no capability, so only the devices cgroup stands in the way.
    let node = std::ffi::CString::new(bundle.rootfs().join("kmsg").to_str().unwrap()).unwrap();
    // SAFETY: a valid path string; mknod has no other memory effects.
    let rc = unsafe { libc::mknod(node.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 11)) };
    assert_eq!(rc, 0, "mknod: {}", std::io::Error::last_os_error());
    // A subshell: busybox sh exits when a redirection of a special builtin fails.
    bundle.sh("if (exec 3>/kmsg) 2>/dev/null; then echo opened; else echo refused; fi; (exec 3>/dev/null) && echo null-ok");
    let out = bundle.run_once().assert_ok();
    assert_eq!(
        out.stdout.lines().collect::<Vec<_>>(),
        ["refused", "null-ok"]
    );
}

/// A rootfs directory /seed holding a file (0640, 1000:1000), a subdirectory, a relative
/// symlink, symlinks to host paths and a fifo, itself 0757; returns the host file those symlinks name.
fn seed_directory(bundle: &Bundle) -> PathBuf {
    let seed = bundle.rootfs().join("seed");
    fs::create_dir_all(seed.join("sub")).unwrap();
    fs::write(seed.join("data"), "seeded\n").unwrap();
    std::os::unix::fs::chown(seed.join("data"), Some(1000), Some(1000)).unwrap();
    fs::set_permissions(seed.join("data"), fs::Permissions::from_mode(0o640)).unwrap();
    fs::set_permissions(&seed, fs::Permissions::from_mode(0o757)).unwrap();
    fs::write(seed.join("sub/inner"), "deep\n").unwrap();
    symlink("data", seed.join("link")).unwrap();
    symlink("/etc/shadow", seed.join("shadow")).unwrap();
    let secret = bundle.dir().join("host-secret");
    fs::write(&secret, "host only\n").unwrap();
    symlink(&secret, seed.join("secret")).unwrap();
    let fifo = CString::new(seed.join("fifo").to_str().unwrap()).unwrap();
    // SAFETY: a valid path for one mkfifo call.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    secret
}

#[test]
fn tmpcopyup_starts_the_tmpfs_with_the_destinations_contents() {
    let mut bundle = Bundle::writable();
    let secret = seed_directory(&bundle);
    bundle.mount(
        "/seed",
        "tmpfs",
        "tmpfs",
        &["tmpcopyup", "nosuid", "size=1m"],
    );
    // The file's owner, so reading and rewriting it shows the copy kept the owner.
    bundle.set("process.user", json!({"uid": 1000, "gid": 1000}));
    let script = "cat /seed/data; stat -c '%a %u:%g' /seed/data /seed; cat /seed/sub/inner; \
        readlink /seed/link; readlink /seed/shadow; readlink /seed/secret; \
        [ -L /seed/secret ] && echo secret-is-link; cat /seed/secret 2>/dev/null || echo unreadable; \
        [ -e /seed/fifo ] || echo no-fifo; \
        echo changed > /seed/data; echo new > /seed/new; cat /seed/data /seed/new";
    let (out, mounts) = run_with_mounts(&mut bundle, script);
    let want = format!(
        "seeded\n640 1000:1000\n757 0:0\ndeep\ndata\n/etc/shadow\n{}\nsecret-is-link\n\
         unreadable\nno-fifo\nchanged\nnew\n",
        secret.display()
    );
    assert_eq!(out, want);
    let m = mount_at(&mounts, "/seed");
    assert_eq!(m.fstype, "tmpfs");
    assert!(m.options.iter().any(|o| o == "nosuid"), "{m:?}");
    assert!(m.super_options.iter().any(|o| o == "size=1024k"), "{m:?}");
    let host = bundle.rootfs().join("seed");
    assert_eq!(fs::read_to_string(host.join("data")).unwrap(), "seeded\n");
    assert!(
        !host.join("new").exists(),
        "a write reached the host rootfs"
    );
}

#[test]
fn tmpcopyup_with_ro_is_filled_then_readonly() {
    let mut bundle = Bundle::writable();
    seed_directory(&bundle);
    bundle.mount("/seed", "tmpfs", "tmpfs", &["tmpcopyup", "ro", "mode=700"]);
    let script = format!(
        "cat /seed/sub/inner; stat -c %a /seed; {}",
        write_probe(&["/seed/x"])
    );
    let (out, mounts) = run_with_mounts(&mut bundle, &script);
    assert_eq!(out, "deep\n700\nrefused\n");
    let m = mount_at(&mounts, "/seed");
    assert!(m.options.iter().any(|o| o == "ro"), "{m:?}");
}

#[test]
fn tmpcopyup_failures_name_the_mount() {
    let mut bundle = Bundle::writable();
    seed_directory(&bundle);
    let index = bundle.config["mounts"].as_array().map_or(0, Vec::len);
    bundle.mount("/seed", "tmpfs", "tmpfs", &["tmpcopyup", "size=bogus"]);
    bundle.sh("true");
    bundle
        .run_once()
        .assert_fails_naming(&format!("mounts[{index}] /seed: tmpfs option size=bogus"));
}

/// A read-only /dev still gets /dev/pts, /dev/shm, /dev/mqueue and the default nodes under it:
/// they are made first and /dev turns read-only last, as runc does.
#[test]
fn a_read_only_dev_still_gets_the_mounts_and_nodes_under_it() {
    let mut bundle = Bundle::new();
    bundle.push("mounts.1.options", json!("ro"));
    let (before, mounts) = run_with_mounts(
        &mut bundle,
        "ls /dev/null /dev/ptmx; touch /dev/x || echo refused",
    );
    let lines: Vec<&str> = before.lines().collect();
    assert_eq!(lines, ["/dev/null", "/dev/ptmx", "refused"]);
    assert!(mount_at(&mounts, "/dev")
        .options
        .contains(&"ro".to_string()));
    assert_eq!(mount_at(&mounts, "/dev/pts").fstype, "devpts");
    assert_eq!(mount_at(&mounts, "/dev/shm").fstype, "tmpfs");
    assert_eq!(mount_at(&mounts, "/dev/mqueue").fstype, "mqueue");
}

/// An engine's detached stdin is the host's /dev/null; runc swaps such stdio for the
/// container's own /dev/null after pivot (CRIU cannot dump an fd into a host mount), and so
/// does husk, unless /dev itself is the host's.
#[test]
fn stdio_on_the_hosts_dev_null_becomes_the_containers() {
    use std::os::unix::fs::MetadataExt;
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    let pid = state(&id)["pid"].as_i64().unwrap();
    let host = fs::metadata("/dev/null").unwrap();
    let stdin = fs::metadata(format!("/proc/{pid}/fd/0")).unwrap();
    husk(&["delete", "--force", &id]).assert_ok();
    bundle.assert_clean(&id);
    assert_eq!(stdin.rdev(), host.rdev(), "stdin is not a null device");
    assert_ne!(
        stdin.dev(),
        host.dev(),
        "stdin is still the host's /dev/null"
    );
}
