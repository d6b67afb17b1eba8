//! Bad input: every refusal is a clean error that names what was wrong,
//! and leaves no state dir, cgroup, mount or process behind.

mod common;

use common::*;
use serde_json::json;
use std::fs;

/// Creates from `bundle` under `id`, expects a failure, checks that
/// nothing leaked, and returns the output for the caller's own checks.
fn refused_create(bundle: &Bundle, id: &str) -> Out {
    bundle.adopt(id);
    let out = husk(&["create", "--bundle", bundle.dir_str(), id]);
    assert!(!out.success(), "create {id:?} succeeded: {out}");
    bundle.assert_clean(id);
    out
}

#[test]
fn malformed_json_names_the_config_file() {
    let bundle = Bundle::new();
    bundle.write();
    fs::write(
        bundle.dir().join("config.json"),
        "{\"ociVersion\": \"1.0.2\", ",
    )
    .unwrap();
    refused_create(&bundle, &unique_id("badjson")).assert_fails_naming("config.json");
}

#[test]
fn a_mistyped_field_is_named_by_its_path() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!("sh -c true"));
    bundle.write();
    refused_create(&bundle, &unique_id("badfield")).assert_fails_naming("process.args");
}

#[test]
fn a_mistyped_nested_field_is_named_by_its_path() {
    let mut bundle = Bundle::new();
    bundle.set("process.user.uid", json!("root"));
    bundle.write();
    refused_create(&bundle, &unique_id("baduid")).assert_fails_naming("process.user.uid");
}

#[test]
fn a_missing_rootfs_is_named() {
    let mut bundle = Bundle::new();
    bundle.set("root.path", json!("no-such-rootfs"));
    bundle.write();
    refused_create(&bundle, &unique_id("norootfs")).assert_fails_naming("no-such-rootfs");
}

#[test]
fn a_path_like_id_is_refused_without_escaping_the_root() {
    let bundle = Bundle::new();
    bundle.write();
    let leaf = unique_id("escape");
    let id = format!("../{leaf}");
    refused_create(&bundle, &id).assert_fails_naming(&id);
    let outside = state_root().parent().unwrap().join(&leaf);
    assert!(!outside.exists(), "{} was created", outside.display());
}

#[test]
fn an_empty_id_is_refused() {
    let bundle = Bundle::new();
    bundle.write();
    let out = husk(&["create", "--bundle", bundle.dir_str(), ""]);
    assert!(!out.success(), "{out}");
    assert!(out.stderr.to_lowercase().contains("id"), "{out}");
    assert_eq!(out.code(), 1, "{out}");
}

#[test]
fn an_overlong_id_is_refused() {
    let bundle = Bundle::new();
    bundle.write();
    let id = "a".repeat(1000);
    let out = refused_create(&bundle, &id);
    assert_eq!(out.code(), 1, "{out}");
    assert!(out.stderr.to_lowercase().contains("id"), "{out}");
}

#[test]
fn ids_with_forbidden_characters_are_refused() {
    let bundle = Bundle::new();
    bundle.write();
    for bad in [".hidden", "a/b", "sp ace", "semi;colon", "star*"] {
        let id = format!("{bad}{}", std::process::id());
        refused_create(&bundle, &id).assert_fails_naming(&id);
    }
}

#[test]
fn a_duplicate_id_is_refused_and_the_first_survives() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    let pid = state(&id)["pid"].clone();
    bundle.create(&id).assert_fails_naming(&id);
    let after = state(&id);
    assert_eq!(after["status"], "created");
    assert_eq!(after["pid"], pid);
}

#[test]
fn starting_a_running_container_is_refused() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["start", &id]).assert_ok();
    husk(&["start", &id]).assert_fails_naming("running");
    assert_eq!(state(&id)["status"], "running");
}

#[test]
fn deleting_a_running_container_needs_force() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["start", &id]).assert_ok();
    let out = husk(&["delete", &id]).assert_fails_naming(&id);
    assert!(out.stderr.contains("running"), "{out}");
    assert_eq!(state(&id)["status"], "running");
    husk(&["delete", "--force", &id]).assert_ok();
    bundle.assert_clean(&id);
}

#[test]
fn a_nonexistent_executable_is_named_and_leaves_nothing() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["/bin/no-such-binary"]));
    bundle.write();
    let id = bundle.id();
    let out = husk(&["run", "--bundle", bundle.dir_str(), &id]);
    assert!(!out.success(), "{out}");
    bundle.assert_clean(&id);
    out.assert_fails_naming("/bin/no-such-binary");
}

#[test]
fn commands_on_an_unknown_id_say_it_does_not_exist() {
    let id = unique_id("ghost");
    for args in [
        vec!["state", id.as_str()],
        vec!["start", id.as_str()],
        vec!["kill", id.as_str()],
        vec!["delete", id.as_str()],
    ] {
        let out = husk(&args).assert_code(1);
        assert!(out.stderr.contains("does not exist"), "{args:?}: {out}");
    }
}

#[test]
fn delete_force_of_an_unknown_id_succeeds_quietly() {
    let id = unique_id("ghost");
    let out = husk(&["delete", "--force", &id]).assert_ok();
    assert_eq!(out.stderr, "", "{out}");
}

#[test]
fn an_unknown_signal_is_named() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    let id = bundle.id();
    bundle.create(&id).assert_ok();
    husk(&["kill", &id, "SIGNOPE"]).assert_fails_naming("SIGNOPE");
    assert_eq!(state(&id)["status"], "created");
}

#[test]
fn a_closed_preserved_fd_is_refused_before_anything_is_made() {
    let bundle = Bundle::new();
    bundle.write();
    let id = bundle.id();
    // fds 3.. are closed in the child: Command opens nothing else without CLOEXEC.
    let cmd = husk_command(&[
        "create",
        "--preserve-fds",
        "2",
        "--bundle",
        bundle.dir_str(),
        &id,
    ]);
    let out = run_captured(cmd, None);
    assert_eq!(out.code(), 1, "{out}");
    assert!(
        out.stderr.contains("--preserve-fds 2: fd 3 is not open"),
        "{out}"
    );
    bundle.assert_clean(&id);
}

#[test]
fn systemd_cgroup_without_a_reachable_bus_is_one_line_and_leaves_nothing() {
    let bundle = Bundle::new();
    bundle.write();
    let id = bundle.id();
    let mut cmd = husk_command(&["--systemd-cgroup", "run", "--bundle", bundle.dir_str(), &id]);
    cmd.env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/husk-bus");
    let out = run_captured(cmd, None).assert_code(1);
    let line = out.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "{out}");
    for part in [
        &format!("unit runc-{id}.scope"),
        "unix:path=/nonexistent/husk-bus",
        "No such file or directory",
    ] {
        assert!(line.contains(part), "{part:?} missing: {out}");
    }
    bundle.assert_clean(&id);
}

#[test]
fn systemd_cgroup_slice_with_an_empty_part_is_refused_before_the_bus() {
    let mut bundle = Bundle::new();
    bundle.set("linux.cgroupsPath", json!("a--b.slice:husk:x"));
    bundle.write();
    let id = bundle.id();
    let out = husk(&["--systemd-cgroup", "run", "--bundle", bundle.dir_str(), &id]).assert_code(1);
    assert!(
        out.stderr.contains("invalid slice name: a--b.slice"),
        "{out}"
    );
    bundle.assert_clean(&id);
}

#[test]
fn systemd_cgroup_path_that_is_not_slice_prefix_name_is_named() {
    let mut bundle = Bundle::new();
    bundle.set("linux.cgroupsPath", json!("machine:x"));
    bundle.write();
    let id = bundle.id();
    let out = husk(&["--systemd-cgroup", "run", "--bundle", bundle.dir_str(), &id]).assert_code(1);
    for part in ["linux.cgroupsPath: ", "machine:x", "slice:prefix:name"] {
        assert!(out.stderr.contains(part), "{out}");
    }
    bundle.assert_clean(&id);
}

#[test]
fn systemd_property_annotation_that_is_no_gvariant_is_named_before_the_bus() {
    let mut bundle = Bundle::new();
    let key = "org.systemd.property.TimeoutStopSec";
    bundle.set("annotations", json!({ key: "'soon'", "other": "x" }));
    bundle.write();
    let id = bundle.id();
    let mut cmd = husk_command(&["--systemd-cgroup", "run", "--bundle", bundle.dir_str(), &id]);
    cmd.env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/husk-bus");
    let out = run_captured(cmd, None).assert_code(1);
    let want = format!("annotation {key}='soon': not a number of seconds");
    assert!(out.stderr.contains(&want), "{out}");
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{out}");
    bundle.assert_clean(&id);
}

#[test]
fn a_failed_detached_run_leaves_nothing() {
    let mut bundle = Bundle::new();
    // The start byte goes out, then the startContainer hook fails inside the container.
    bundle.set("hooks", json!({"startContainer": [{"path": "/bin/false"}]}));
    let id = bundle.id();
    bundle.write();
    let out = husk(&["run", "-d", "--bundle", bundle.dir_str(), &id]).assert_code(1);
    assert!(out.stderr.contains("startContainer"), "{out}");
    bundle.assert_clean(&id);
}

#[test]
fn preserve_fds_beyond_the_open_file_limit_is_refused() {
    let bundle = Bundle::new();
    bundle.write();
    let id = bundle.id();
    let out = husk(&[
        "create",
        "--preserve-fds",
        "2147483647",
        "--bundle",
        bundle.dir_str(),
        &id,
    ])
    .assert_code(1);
    assert!(out.stderr.contains("--preserve-fds 2147483647"), "{out}");
    bundle.assert_clean(&id);
}

/// A process moved into a frozen cgroup would stop before it could report anything.
#[test]
fn a_frozen_cgroup_is_refused_at_once() {
    let name = unique_id("frozen");
    let dir = std::path::Path::new("/sys/fs/cgroup/freezer").join(&name);
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("freezer.state"), "FROZEN").unwrap();
    let mut bundle = Bundle::new();
    bundle.set("linux.cgroupsPath", json!(format!("/{name}")));
    bundle.set("process.args", json!(["true"]));
    let id = bundle.id();
    let out = bundle.run(&id);
    let still_frozen = fs::read_to_string(dir.join("freezer.state")).unwrap();
    fs::write(dir.join("freezer.state"), "THAWED").unwrap();
    let _ = fs::remove_dir(&dir);
    assert_eq!(out.code(), 1, "{out}");
    assert!(
        out.stderr
            .contains("container's cgroup unexpectedly frozen"),
        "{out}"
    );
    assert_eq!(still_frozen.trim(), "FROZEN");
    assert_no_state(&id);
}

#[test]
fn an_occupied_cgroup_is_refused_and_its_processes_survive() {
    let name = unique_id("occupied");
    let dir = std::path::Path::new("/sys/fs/cgroup/pids").join(&name);
    fs::create_dir(&dir).unwrap();
    let mut bystander = std::process::Command::new("sleep")
        .arg("100")
        .spawn()
        .unwrap();
    fs::write(dir.join("cgroup.procs"), bystander.id().to_string()).unwrap();

    let mut bundle = Bundle::new();
    bundle.set("linux.cgroupsPath", json!(format!("/{name}")));
    bundle.set("process.args", json!(["/no/such/program"]));
    let id = bundle.id();
    let out = bundle.create(&id);
    let alive = bystander.try_wait().unwrap().is_none();
    let still_there = dir.exists();
    let _ = bystander.kill();
    let _ = bystander.wait();
    let _ = fs::remove_dir(&dir);
    assert_eq!(out.code(), 1, "{out}");
    assert!(
        out.stderr.contains("container's cgroup is not empty"),
        "{out}"
    );
    assert!(alive, "the bystander was killed");
    assert!(still_there, "the bystander's cgroup was removed");
}

/// A config of several MB (big annotations, as some engines write) is carried to init whole:
/// the init channel once refused frames over 4 MiB, which failed with "Broken pipe".
#[test]
fn a_config_of_several_megabytes_runs() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["true"]));
    bundle.set("annotations", json!({"big": "x".repeat(3 << 20)}));
    bundle.run_once().assert_ok();
}

/// Past the documented limit, one line says the config is too large.
#[test]
fn a_config_over_the_limit_is_refused_in_one_line() {
    let bundle = Bundle::new();
    bundle.write();
    let path = bundle.dir().join("config.json");
    let text = fs::read_to_string(&path).unwrap();
    let padded = text.replacen(
        '{',
        &format!("{{\"pad\": \"{}\",", "x".repeat(129 << 20)),
        1,
    );
    fs::write(&path, padded).unwrap();
    let out = refused_create(&bundle, &unique_id("huge"));
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    out.assert_fails_naming("config.json: larger than 128 MiB");
}

/// An oomScoreAdj outside the kernel's range is named at create, not by nsexec's write.
#[test]
fn an_oom_score_adj_out_of_range_is_named() {
    let mut bundle = Bundle::new();
    bundle.set("process.oomScoreAdj", json!(5000));
    bundle.write();
    refused_create(&bundle, &unique_id("oom"))
        .assert_fails_naming("process.oomScoreAdj: 5000 is outside the kernel's range");
}

/// A --root that is a regular file is "not a directory", as runc says.
#[test]
fn a_root_that_is_a_file_is_not_a_directory() {
    let bundle = Bundle::new();
    bundle.write();
    let file = bundle.dir().join("root-file");
    fs::write(&file, "").unwrap();
    let out = husk_raw(&[
        "--root",
        file.to_str().unwrap(),
        "create",
        "--bundle",
        bundle.dir_str(),
        "x",
    ]);
    out.assert_fails_naming("Not a directory");
}

/// runc's shapes: an unknown command is one line and exit 3, with or without -h; `help`
/// takes a command name.
#[test]
fn an_unknown_command_is_one_line_and_help_takes_a_topic() {
    for args in [&["foo"][..], &["foo", "-h"], &["help", "foo"]] {
        let out = husk(args).assert_code(3);
        assert!(out.stderr.contains("No help topic for 'foo'"), "{out}");
        assert_eq!(out.stderr.trim_end().lines().count(), 1, "{out}");
    }
    for args in [&["help", "state"][..], &["state", "-h"]] {
        let out = husk(args).assert_ok();
        assert!(out.stdout.contains("husk state"), "{out}");
    }
    husk(&["-h"]).assert_ok();
}

/// runc's line where the host has no resctrl filesystem (this machine); husk has no RDT of its
/// own to offer where there is one.
#[test]
fn intel_rdt_is_refused_in_one_line_without_resctrl() {
    let mut bundle = Bundle::new();
    bundle.set(
        "linux.intelRdt",
        json!({"closID": "c1", "l3CacheSchema": "L3:0=f"}),
    );
    bundle.write();
    let id = bundle.id();
    let out = refused_create(&bundle, &id);
    let want = match std::path::Path::new("/sys/fs/resctrl/info").exists() {
        false => "intelRdt is specified in config, but Intel RDT is not enabled",
        true => "linux.intelRdt: husk does not support Intel RDT",
    };
    assert!(out.stderr.contains(want), "{out}");
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    bundle.assert_clean(&id);
}
