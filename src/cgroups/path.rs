//! `linux.cgroupsPath` as runc's cgroupfs driver reads it.

use super::CgroupError;
use std::path::{Component, Path, PathBuf};

/// The container's cgroup, relative to a hierarchy: absolute paths start with `/` and are taken
/// from the hierarchy's root; relative ones (and the default, the id) hang under the caller's
/// own cgroup, which `Hierarchy::dir_for` adds.
pub fn container_path(cgroups_path: Option<&str>, id: &str) -> Result<PathBuf, CgroupError> {
    let raw = match cgroups_path {
        Some(p) if !p.is_empty() => p,
        _ => id,
    };
    if raw.contains(':') && !raw.starts_with('/') {
        return Err(CgroupError::Path(format!(
            "{raw:?} is in the systemd form slice:prefix:name, which needs --systemd-cgroup (not supported yet)"
        )));
    }
    let mut clean = PathBuf::from(if raw.starts_with('/') { "/" } else { "" });
    for c in Path::new(raw).components() {
        match c {
            Component::Normal(n) => clean.push(n),
            Component::ParentDir => {
                return Err(CgroupError::Path(format!("{raw:?} contains \"..\"")))
            }
            _ => {}
        }
    }
    if clean.as_os_str().is_empty() || clean == Path::new("/") {
        return Err(CgroupError::Path(format!("{raw:?} names no cgroup")));
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_id_relative() {
        assert_eq!(container_path(None, "abc").unwrap(), PathBuf::from("abc"));
        assert_eq!(
            container_path(Some(""), "abc").unwrap(),
            PathBuf::from("abc")
        );
    }

    #[test]
    fn absolute_and_relative_are_kept_and_cleaned() {
        assert_eq!(
            container_path(Some("/a//b/"), "x").unwrap(),
            PathBuf::from("/a/b")
        );
        assert_eq!(
            container_path(Some("a/./b"), "x").unwrap(),
            PathBuf::from("a/b")
        );
    }

    #[test]
    fn escapes_and_systemd_form_are_refused() {
        assert!(container_path(Some("/a/../../etc"), "x").is_err());
        assert!(container_path(Some("/"), "x").is_err());
        let e = container_path(Some("system.slice:husk:x"), "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--systemd-cgroup"), "{e}");
    }
}
