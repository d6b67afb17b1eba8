//! The version and the root filesystem.

use super::{Blame, Checked};
use crate::spec::Spec;
use std::path::{Component, Path, PathBuf};

pub(super) fn check(spec: &Spec, bundle: &Path, at: &Blame) -> Checked {
    check_version(&spec.oci_version, at)?;
    let Some(root) = &spec.root else {
        return at.fail("root", "root must be specified");
    };
    if root.path.as_os_str().is_empty() {
        return at.fail("root.path", "must not be empty");
    }
    check_rootfs(&rootfs_path(spec, bundle), at)
}

/// husk reads every 1.x config (fields are only ever added within a major version) and
/// nothing else, since a 2.x config may mean something different in fields we do know.
fn check_version(version: &str, at: &Blame) -> Checked {
    if is_1x(version) {
        return Ok(());
    }
    at.fail("ociVersion", format!("{version:?} is not a 1.x version"))
}

fn is_1x(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 3 && parts[0] == "1" && parts.iter().all(numeric)
}

fn check_rootfs(rootfs: &Path, at: &Blame) -> Checked {
    match std::fs::metadata(rootfs) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => at.fail(
            "root.path",
            format!("invalid rootfs: {} is not a directory", rootfs.display()),
        ),
        Err(e) => at.fail(
            "root.path",
            format!("invalid rootfs: stat {}: {e}", rootfs.display()),
        ),
    }
}

/// The absolute root filesystem path: `root.path`, relative to the bundle unless absolute,
/// cleaned lexically as runc does, since it is what `state` reports as `rootfs`. Without a
/// `root` (which `validate` refuses) this is the bundle itself.
pub fn rootfs_path(spec: &Spec, bundle: &Path) -> PathBuf {
    let relative = spec.root.as_ref().map(|r| r.path.as_path());
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let bundle = cwd.join(bundle);
    clean(&bundle.join(relative.unwrap_or(Path::new(""))))
}

/// Drops `.` and resolves `..` by text; `..` never climbs above `/`.
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for part in path.components() {
        match part {
            Component::Normal(name) => out.push(name),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{fails, Bundle};
    use super::*;
    use crate::spec::{validate, Root};

    #[test]
    fn one_x_versions_pass() {
        for v in ["1.0.0", "1.0.2-dev", "1.2.0", "1.3.0-rc.1", "1.10.2+build"] {
            assert!(is_1x(v), "{v}");
        }
    }

    #[test]
    fn other_versions_fail() {
        for v in ["", "2.0.0", "0.9.0", "1.0", "1", "1.x.0", "v1.0.0", "1..0"] {
            assert!(!is_1x(v), "{v}");
        }
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.oci_version = "2.0.0".into();
        assert_eq!(
            fails(&spec, &b),
            format!(
                "{}: ociVersion: \"2.0.0\" is not a 1.x version",
                b.config().display()
            )
        );
    }

    #[test]
    fn example_passes() {
        let b = Bundle::new();
        validate(&b.spec(), b.path()).unwrap();
    }

    #[test]
    fn root_is_required() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.root = None;
        assert!(fails(&spec, &b).ends_with("config.json: root: root must be specified"));
        spec.root = Some(Root::default());
        assert!(fails(&spec, &b).ends_with("config.json: root.path: must not be empty"));
    }

    #[test]
    fn missing_rootfs_names_the_resolved_path() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.root.as_mut().unwrap().path = "nope".into();
        let want = format!(
            "root.path: invalid rootfs: stat {}/nope: No such file",
            b.path().display()
        );
        assert!(fails(&spec, &b).contains(&want), "{}", fails(&spec, &b));
    }

    #[test]
    fn rootfs_must_be_a_directory() {
        let b = Bundle::new();
        std::fs::write(b.path().join("file"), "").unwrap();
        let mut spec = b.spec();
        spec.root.as_mut().unwrap().path = b.path().join("file");
        let want = format!(
            "root.path: invalid rootfs: {}/file is not a directory",
            b.path().display()
        );
        assert!(fails(&spec, &b).ends_with(&want));
    }

    #[test]
    fn rootfs_path_resolves_against_the_bundle() {
        let mut spec = Spec {
            root: Some(Root {
                path: "./a/../rootfs/".into(),
                readonly: false,
            }),
            ..Spec::default()
        };
        assert_eq!(rootfs_path(&spec, Path::new("/b")), Path::new("/b/rootfs"));
        spec.root.as_mut().unwrap().path = "/x/./y".into();
        assert_eq!(rootfs_path(&spec, Path::new("/b")), Path::new("/x/y"));
        let cwd = std::env::current_dir().unwrap();
        spec.root.as_mut().unwrap().path = "rootfs".into();
        assert_eq!(rootfs_path(&spec, Path::new("rel")), cwd.join("rel/rootfs"));
    }

    #[test]
    fn clean_never_climbs_above_root() {
        assert_eq!(clean(Path::new("/../../a/./b/..")), Path::new("/a"));
    }
}
