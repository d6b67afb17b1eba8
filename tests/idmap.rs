//! Root running a container in a user namespace: idmapped bind mounts let the container's
//! root, mapped to an unprivileged host id, write a root-owned host directory as host root.

mod common;

use common::user::map;
use common::*;
use serde_json::json;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

/// Container ids 0..65536 are host ids 100000..165536; /shared is a root-owned host directory
/// bound with `options` (plus `rbind`).
fn mapped_bundle(options: &[&str]) -> (Bundle, std::path::PathBuf) {
    let mut b = Bundle::new();
    b.namespace("user", None);
    b.set("linux.uidMappings", json!([map(0, 100_000, 65_536)]));
    b.set("linux.gidMappings", json!([map(0, 100_000, 65_536)]));
    let shared = b.share();
    let mut opts = vec!["rbind"];
    opts.extend_from_slice(options);
    set_on_shared(&mut b, "options", json!(opts));
    b.sh("id -u && touch /shared/made");
    (b, shared)
}

/// The index of the /shared mount, the last one.
fn shared_index(b: &Bundle) -> usize {
    b.config["mounts"].as_array().unwrap().len() - 1
}

fn set_on_shared(b: &mut Bundle, field: &str, value: serde_json::Value) {
    let at = format!("mounts.{}.{field}", shared_index(b));
    b.set(&at, value);
}

#[test]
fn idmapped_mount_writes_as_host_root() {
    let (b, shared) = mapped_bundle(&["idmap"]);
    let id = b.id();
    let out = b.run(&id).assert_ok();
    assert_eq!(out.stdout.trim(), "0", "{out}");
    let meta = fs::metadata(shared.join("made")).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (0, 0));
    b.assert_clean(&id);
}

#[test]
fn without_idmap_the_same_write_is_refused() {
    let (b, shared) = mapped_bundle(&[]);
    let id = b.id();
    b.run(&id).assert_fails_naming("Permission denied");
    assert!(!shared.join("made").exists());
    b.assert_clean(&id);
}

#[test]
fn ridmap_and_matching_mount_mappings_are_idmapped_too() {
    let (mut b, shared) = mapped_bundle(&["ridmap"]);
    for field in ["uidMappings", "gidMappings"] {
        set_on_shared(&mut b, field, json!([map(0, 100_000, 65_536)]));
    }
    let id = b.id();
    b.run(&id).assert_ok();
    assert_eq!(fs::metadata(shared.join("made")).unwrap().uid(), 0);
    b.assert_clean(&id);
}

#[test]
fn idmap_needs_a_bind_mount_a_user_namespace_or_both_own_maps() {
    let (mut b, _) = mapped_bundle(&["idmap"]);
    let last = shared_index(&b);
    set_on_shared(&mut b, "uidMappings", json!([map(0, 200_000, 10)]));
    let id = b.id();
    b.create(&id).assert_fails_naming(&format!(
        "mounts[{last}]: uidMappings and gidMappings go together"
    ));
    b.assert_clean(&id);
    b.remove(&format!("mounts.{last}.uidMappings"));
    b.mount("/tmp", "tmpfs", "tmpfs", &["idmap"]);
    let id = b.id();
    b.create(&id).assert_fails_naming(&format!(
        "mounts[{}]: an idmapped mount must be a bind mount",
        last + 1
    ));
    b.assert_clean(&id);
    let (mut b, _) = mapped_bundle(&["idmap"]);
    let ns = b.config["linux"]["namespaces"].as_array_mut().unwrap();
    ns.retain(|n| n["type"] != "user");
    b.remove("linux.uidMappings").remove("linux.gidMappings");
    let id = b.id();
    b.create(&id)
        .assert_fails_naming("without its own mappings needs a new user namespace");
    b.assert_clean(&id);
}

/// Its own mappings give a mount a user namespace of its own: here host uid 1000 is the
/// container's (host) root, with no user namespace in the container at all.
#[test]
fn a_mount_with_its_own_mappings_needs_no_user_namespace() {
    let mut b = Bundle::new();
    let shared = b.share();
    std::os::unix::fs::chown(&shared, Some(1000), Some(1000)).unwrap();
    set_on_shared(&mut b, "uidMappings", json!([map(1000, 0, 1)]));
    set_on_shared(&mut b, "gidMappings", json!([map(1000, 0, 1)]));
    b.sh("touch /shared/made");
    let id = b.id();
    b.run(&id).assert_ok();
    let meta = fs::metadata(shared.join("made")).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (1000, 1000));
    b.assert_clean(&id);
}

/// A bind source under a host directory of mode 0700 owned by host root is out of reach of
/// the container's root (host uid 100000): the runtime opens it from the host's side, as
/// current runc does, for a file bound read-only and a directory bound recursively.
#[test]
fn bind_sources_the_mapped_root_cannot_reach_are_opened_by_the_runtime() {
    let (mut b, _) = mapped_bundle(&[]);
    let locked = b.dir().join("locked");
    fs::create_dir_all(locked.join("dir")).unwrap();
    fs::write(locked.join("file"), "file\n").unwrap();
    fs::write(locked.join("dir/inner"), "inner\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o700)).unwrap();
    // The container's root cannot make mount points in the root-owned rootfs.
    fs::write(b.rootfs().join("file"), "").unwrap();
    fs::create_dir(b.rootfs().join("dir")).unwrap();
    let host = |name: &str| locked.join(name).to_str().unwrap().to_string();
    b.mount("/file", "bind", &host("file"), &["bind", "ro"]);
    b.mount("/dir", "bind", &host("dir"), &["rbind"]);
    b.sh("cat /file /dir/inner; echo x > /file || echo read-only");
    let id = b.id();
    let out = b.run(&id).assert_ok();
    assert_eq!(out.stdout, "file\ninner\nread-only\n", "{out}");
    b.assert_clean(&id);
}

/// The runtime's trees are copies of host mounts: of a shared one, they would join its peer
/// group and carry the container's own mounts back to the host. Both kinds (idmapped, and a
/// source out of the mapped root's reach) come as slaves, as every mount init makes does.
#[test]
fn mounts_under_the_runtimes_trees_stay_in_the_container() {
    let (mut b, _) = mapped_bundle(&[]);
    let fs_dir = b.dir().join("sharedfs");
    fs::create_dir(&fs_dir).unwrap();
    let mount = |args: &[&str]| {
        let status = std::process::Command::new("mount").args(args).status();
        assert!(status.unwrap().success(), "mount {args:?}");
    };
    let at = fs_dir.to_str().unwrap();
    mount(&["-t", "tmpfs", "tmpfs", at]);
    mount(&["--make-shared", at]);
    for sub in ["locked/dir/sub", "open/sub"] {
        fs::create_dir_all(fs_dir.join(sub)).unwrap();
    }
    fs::set_permissions(fs_dir.join("locked"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::create_dir(b.rootfs().join("dir")).unwrap();
    fs::create_dir(b.rootfs().join("idm")).unwrap();
    b.mount("/dir", "bind", &format!("{at}/locked/dir"), &["rbind"]);
    b.mount("/idm", "bind", &format!("{at}/open"), &["rbind", "idmap"]);
    for set in ["bounding", "effective", "permitted"] {
        b.push(
            &format!("process.capabilities.{set}"),
            json!("CAP_SYS_ADMIN"),
        );
    }
    b.sh("mount -t tmpfs none /dir/sub && mount -t tmpfs none /idm/sub && echo mounted");
    let id = b.id();
    let out = b.run(&id).assert_ok();
    assert_eq!(out.stdout, "mounted\n", "{out}");
    let leaked: Vec<_> = mounts_under(&fs_dir).into_iter().skip(1).collect();
    assert!(
        leaked.is_empty(),
        "container mounts reached the host: {leaked:?}"
    );
    let umount = std::process::Command::new("umount").arg(at).status();
    assert!(umount.unwrap().success());
    b.assert_clean(&id);
}
