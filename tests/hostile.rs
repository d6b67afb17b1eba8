//! Hostile images: a rootfs whose /dev/console, /proc or /sys is a symlink must not redirect
//! the console or the kernel's filesystems to where the link points.

mod common;

use common::*;
use husk::sys::fd;
use serde_json::json;
use std::fs;
use std::os::unix::fs::symlink;
use std::os::unix::net::UnixListener;
use std::thread;

/// An image whose /dev (no tmpfs over it) holds `console` as the caller makes it; returns
/// create's output with a console socket taking the pty.
fn create_with_console(make: impl FnOnce(&std::path::Path)) -> (Bundle, String, Out) {
    let mut bundle = Bundle::writable();
    bundle.set("mounts", mounts_without("/dev"));
    bundle.set("process.terminal", json!(true));
    fs::create_dir_all(bundle.rootfs().join("dev/pts")).unwrap();
    make(&bundle.rootfs().join("dev/console"));
    let sock = bundle.dir().join("console.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let receiver = thread::spawn(move || {
        let (conn, _) = listener.accept().ok()?;
        fd::recv_fds(&conn, 1).ok()
    });
    let id = bundle.id();
    bundle.write();
    let sock = sock.to_str().unwrap();
    let out = husk(&[
        "create",
        "--bundle",
        bundle.dir_str(),
        "--console-socket",
        sock,
        &id,
    ]);
    if !out.success() {
        // Unblock the receiver, which waits for a connection that will never come.
        let _ = std::os::unix::net::UnixStream::connect(sock);
    }
    drop(receiver.join());
    (bundle, id, out)
}

fn mounts_without(dest: &str) -> serde_json::Value {
    let mut config = default_config();
    let mounts = config["mounts"].as_array_mut().unwrap();
    mounts.retain(|m| m["destination"] != dest);
    json!(mounts)
}

/// CVE-2025-52565: /dev/console -> /proc/sys/kernel/domainname would put the pty over that
/// procfs file, where the payload could then write the host's sysctl through it. A relative
/// link, and a directory in its place, are refused the same way.
#[test]
fn a_dev_console_that_is_not_a_regular_file_is_refused() {
    type Make = fn(&std::path::Path);
    let forged: [Make; 3] = [
        |c| symlink("/proc/sys/kernel/domainname", c).unwrap(),
        |c| symlink("../proc/sys/kernel/core_pattern", c).unwrap(),
        |c| fs::create_dir(c).unwrap(),
    ];
    for make in forged {
        let (bundle, id, out) = create_with_console(make);
        out.assert_fails_naming(
            "/dev/console: the rootfs holds something other than a regular file",
        );
        bundle.assert_clean(&id);
    }
}

/// A regular /dev/console in the image is what the pty is bound over, as before.
#[test]
fn a_regular_dev_console_in_the_image_is_used() {
    let (_bundle, id, out) = create_with_console(|console| fs::write(console, "").unwrap());
    out.assert_ok();
    husk(&["delete", "--force", &id]).assert_ok();
}

/// CVE-2023-27561: an image whose /proc (or /sys) is a symlink gets no procfs (sysfs) where
/// the link points.
#[test]
fn proc_and_sys_that_are_symlinks_are_refused() {
    for (dir, fake) in [("proc", "fakeproc"), ("sys", "fakesys")] {
        let bundle = Bundle::writable();
        let rootfs = bundle.rootfs();
        fs::remove_dir(rootfs.join(dir)).unwrap();
        fs::create_dir(rootfs.join(fake)).unwrap();
        symlink(format!("/{fake}"), rootfs.join(dir)).unwrap();
        let id = bundle.id();
        bundle
            .create(&id)
            .assert_fails_naming(&format!("/{dir} (destination of mounts["))
            .assert_fails_naming(&format!(
                "a symlink on the way, to {}",
                rootfs.join(fake).display()
            ));
        bundle.assert_clean(&id);
    }
}
