//! `linux.cgroupsPath` as runc's cgroupfs driver reads it.

use super::CgroupError;
use std::path::{Component, Path, PathBuf};

/// The container's cgroup, relative to a hierarchy: absolute paths start with `/` and are taken
/// from the hierarchy's root; relative ones (and the default, the id) hang under the caller's
/// own cgroup, which `Hierarchy::dir_for` adds. Without --systemd-cgroup a path in the
/// systemd form `slice:prefix:name` is a plain relative path, as runc takes it.
pub fn container_path(cgroups_path: Option<&str>, id: &str) -> Result<PathBuf, CgroupError> {
    let raw = match cgroups_path {
        Some(p) if !p.is_empty() => p,
        _ => id,
    };
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

/// The systemd unit `--systemd-cgroup` would place the container in, as (slice, unit), read
/// from `slice:prefix:name` the way runc reads it (empty: `system.slice`, `runc-<id>.scope`).
pub fn systemd_unit(cgroups_path: Option<&str>, id: &str) -> Result<(String, String), CgroupError> {
    let raw = cgroups_path.unwrap_or("");
    let parts: Vec<&str> = raw.split(':').collect();
    let (slice, prefix, name) = match parts[..] {
        [""] => ("", "runc", id),
        [slice, prefix, name] => (slice, prefix, name),
        _ => {
            return Err(CgroupError::Path(format!(
                "{raw:?} is not of the form \"slice:prefix:name\" that systemd cgroups need"
            )))
        }
    };
    let slice = if slice.is_empty() {
        "system.slice"
    } else {
        slice
    };
    if !slice.ends_with(".slice") || slice.contains('/') || name.is_empty() || name.contains('/') {
        return Err(CgroupError::Path(format!(
            "{raw:?}: the slice must end in .slice, and neither slice nor name may contain \"/\" or be empty"
        )));
    }
    // Each dash nests a slice in the one named by the part before it ("a-b.slice" is in
    // "a.slice"), so no part may be empty; "-.slice" alone is the root slice.
    let stem = &slice[..slice.len() - ".slice".len()];
    if stem != "-" && stem.split('-').any(str::is_empty) {
        return Err(CgroupError::Path(format!(
            "{raw:?}: invalid slice name: {slice}"
        )));
    }
    let unit = match (prefix, name) {
        (_, n) if n.ends_with(".slice") => n.to_string(),
        ("", n) => format!("{n}.scope"),
        (p, n) => format!("{p}-{n}.scope"),
    };
    Ok((slice.to_string(), unit))
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
    fn systemd_form_is_read_as_runc_reads_it() {
        let unit = |p| systemd_unit(p, "abc").map_err(|e| e.to_string());
        let ok = |s: &str, u: &str| Ok((s.to_string(), u.to_string()));
        assert_eq!(unit(None), ok("system.slice", "runc-abc.scope"));
        assert_eq!(
            unit(Some("user.slice:podman:x")),
            ok("user.slice", "podman-x.scope")
        );
        assert_eq!(unit(Some(":p:x")), ok("system.slice", "p-x.scope"));
        assert_eq!(unit(Some("a.slice::x")), ok("a.slice", "x.scope"));
        assert_eq!(unit(Some("a.slice:p:b.slice")), ok("a.slice", "b.slice"));
        assert_eq!(unit(Some("-.slice:p:x")), ok("-.slice", "p-x.scope"));
        assert_eq!(
            unit(Some("a-b-c.slice:p:x")),
            ok("a-b-c.slice", "p-x.scope")
        );
        for bad in [
            "a--b.slice:p:x",
            "-a.slice:p:x",
            ".slice:p:x",
            "a:b",
            "/x",
            "a:b:c:d",
            "system:p:x",
            "a/b.slice:p:x",
            "a.slice:p:",
        ] {
            let e = unit(Some(bad)).unwrap_err();
            assert!(e.starts_with("linux.cgroupsPath: "), "{bad}: {e}");
        }
    }

    #[test]
    fn escapes_are_refused_and_the_systemd_form_is_a_plain_name() {
        assert!(container_path(Some("/a/../../etc"), "x").is_err());
        assert!(container_path(Some("/"), "x").is_err());
        assert_eq!(
            container_path(Some("system.slice:husk:x"), "x").unwrap(),
            PathBuf::from("system.slice:husk:x")
        );
    }
}
