use super::*;
use crate::spec::testdir::TestDir;
use serde_json::Value;

const RUNC_SPEC: &str = include_str!("../testdata/runc-1.1.5-spec.json");
const RUNC_SPEC_ROOTLESS: &str = include_str!("../testdata/runc-1.1.5-spec-rootless.json");
const RUNC: &str = "/usr/sbin/runc";

/// runc's output with only the version we deliberately differ on replaced.
fn with_our_version(runc_text: &str) -> String {
    let theirs = runc_text.lines().nth(1).unwrap();
    assert!(theirs.starts_with("\t\"ociVersion\": "), "{theirs}");
    runc_text.replacen(theirs, &format!("\t\"ociVersion\": \"{OCI_VERSION}\","), 1)
}

/// The golden rootless file was written by root; a run as anyone else maps its own ids.
fn with_caller_ids(text: &str) -> Value {
    let mut v: Value = serde_json::from_str(&with_our_version(text)).unwrap();
    v["linux"]["uidMappings"][0]["hostID"] = ids::effective_uid().into();
    v["linux"]["gidMappings"][0]["hostID"] = ids::effective_gid().into();
    v
}

fn rootless(cgroup_ns: bool) -> Spec {
    let mut spec = example_for(cgroup_ns);
    make_rootless(&mut spec);
    spec
}

#[test]
fn example_equals_runc_spec_value() {
    let ours = serde_json::to_value(example_for(false)).unwrap();
    let theirs: Value = serde_json::from_str(&with_our_version(RUNC_SPEC)).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn example_is_written_byte_for_byte_like_runc() {
    assert_eq!(
        to_pretty_json(&example_for(false)),
        with_our_version(RUNC_SPEC)
    );
}

#[test]
fn top_level_keys_in_runc_order() {
    let text = to_pretty_json(&example_for(false));
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("\t\"") && !l.starts_with("\t\t"))
        .map(|l| l.trim_start().split('"').nth(1).unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "ociVersion",
            "process",
            "root",
            "hostname",
            "mounts",
            "linux"
        ]
    );
}

#[test]
fn rootless_equals_runc_spec_rootless() {
    let ours = serde_json::to_value(rootless(false)).unwrap();
    assert_eq!(ours, with_caller_ids(RUNC_SPEC_ROOTLESS));
}

#[test]
fn rootless_is_written_byte_for_byte_like_runc_when_root() {
    if ids::effective_uid() != 0 || ids::effective_gid() != 0 {
        return;
    }
    assert_eq!(
        to_pretty_json(&rootless(false)),
        with_our_version(RUNC_SPEC_ROOTLESS)
    );
}

#[test]
fn cgroup2_hosts_get_a_cgroup_namespace_last() {
    let spec = example_for(true);
    let last = spec.linux.unwrap().namespaces.pop().unwrap();
    assert_eq!(last, new_namespace(NamespaceType::Cgroup));
    let kinds: Vec<_> = rootless(true)
        .linux
        .unwrap()
        .namespaces
        .into_iter()
        .map(|ns| ns.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            NamespaceType::Pid,
            NamespaceType::Ipc,
            NamespaceType::Uts,
            NamespaceType::Mount,
            NamespaceType::Cgroup,
            NamespaceType::User
        ]
    );
}

#[test]
fn rootless_keeps_one_user_namespace_and_drops_id_options() {
    let mut spec = example_for(false);
    spec.mounts[0].options = ["uid=1", "ro", "gid=2"].map(String::from).to_vec();
    spec.mounts[5].destination = "/sys/".into();
    make_rootless(&mut spec);
    make_rootless(&mut spec);
    let linux = spec.linux.as_ref().unwrap();
    let users = linux
        .namespaces
        .iter()
        .filter(|ns| ns.kind == NamespaceType::User)
        .count();
    assert_eq!(users, 1);
    assert_eq!(spec.mounts[0].options, ["ro"]);
    assert_eq!(spec.mounts[5], sys_rbind());
}

#[test]
fn sys_detection_is_by_cleaned_path() {
    assert!(is_sys(Path::new("/sys")));
    assert!(is_sys(Path::new("/sys/")));
    assert!(is_sys(Path::new("//sys/.")));
    assert!(!is_sys(Path::new("/sys/fs/cgroup")));
    assert!(!is_sys(Path::new("sys")));
    assert!(!is_sys(Path::new("/system")));
}

/// Runs the installed runc, which also checks our cgroup v2 detection against its own.
fn runc_spec(args: &[&str]) -> Option<String> {
    if !Path::new(RUNC).exists() {
        eprintln!("{RUNC} not installed; comparing with the stored output only");
        return None;
    }
    let dir = TestDir::new("runc-spec");
    let status = std::process::Command::new(RUNC)
        .arg("spec")
        .args(args)
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    Some(std::fs::read_to_string(dir.path().join("config.json")).unwrap())
}

#[test]
fn example_equals_live_runc_spec() {
    if let Some(text) = runc_spec(&[]) {
        assert_eq!(to_pretty_json(&example()), with_our_version(&text));
    }
}

#[test]
fn rootless_equals_live_runc_spec_rootless() {
    if let Some(text) = runc_spec(&["--rootless"]) {
        let mut ours = example();
        make_rootless(&mut ours);
        assert_eq!(serde_json::to_value(ours).unwrap(), with_caller_ids(&text));
    }
}
