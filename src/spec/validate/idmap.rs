//! uid/gid mappings of the container's user namespace.

use super::namespaces::Namespaces;
use super::{Blame, Checked};
use crate::spec::{IdMapping, Linux, NamespaceType};

/// A new user namespace needs both maps (the kernel leaves an unmapped namespace unusable),
/// and maps without any user namespace would be silently ignored. With a joined namespace the
/// maps may describe it, as runc accepts, so they are allowed but not required.
pub(super) fn check(linux: &Linux, at: &Blame) -> Checked {
    let namespaces = Namespaces::of(linux);
    let lists = [
        ("uid", "linux.uidMappings", &linux.uid_mappings),
        ("gid", "linux.gidMappings", &linux.gid_mappings),
    ];
    for (kind, field, maps) in lists {
        if namespaces.creates(NamespaceType::User) && maps.is_empty() {
            let message = format!("User namespaces enabled, but no {kind} mappings found.");
            return at.fail(field, message);
        }
        if namespaces.get(NamespaceType::User).is_none() && !maps.is_empty() {
            let message =
                "User namespace mappings specified, but USER namespace isn't enabled in the config";
            return at.fail(field, message);
        }
        check_ranges(field, maps, at)?;
    }
    Ok(())
}

/// The kernel refuses a map whose ranges are empty, wrap past 2^32 or overlap on either side.
fn check_ranges(field: &str, maps: &[IdMapping], at: &Blame) -> Checked {
    for (i, map) in maps.iter().enumerate() {
        let here = format!("{field}[{i}]");
        if map.size == 0 {
            return at.fail(format!("{here}.size"), "must be greater than zero");
        }
        for (side, start) in [("containerID", map.container_id), ("hostID", map.host_id)] {
            let end = u64::from(start) + u64::from(map.size);
            if end > 1 << 32 {
                let message = format!("{side} range {start}+{} ends past 4294967295", map.size);
                return at.fail(here, message);
            }
        }
        if let Some((j, side)) = first_overlap(&maps[..i], map) {
            let message = format!("{side} range overlaps {field}[{j}]");
            return at.fail(here, message);
        }
    }
    Ok(())
}

fn first_overlap(earlier: &[IdMapping], map: &IdMapping) -> Option<(usize, &'static str)> {
    earlier.iter().enumerate().find_map(|(j, other)| {
        if overlaps(other.container_id, other.size, map.container_id, map.size) {
            Some((j, "containerID"))
        } else if overlaps(other.host_id, other.size, map.host_id, map.size) {
            Some((j, "hostID"))
        } else {
            None
        }
    })
}

fn overlaps(a: u32, a_size: u32, b: u32, b_size: u32) -> bool {
    let (a, b) = (u64::from(a), u64::from(b));
    a < b + u64::from(b_size) && b < a + u64::from(a_size)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{fails, Bundle};
    use crate::spec::{validate, IdMapping, Namespace, NamespaceType, Spec};

    fn map(container_id: u32, host_id: u32, size: u32) -> IdMapping {
        IdMapping {
            container_id,
            host_id,
            size,
        }
    }

    fn user_spec(path: Option<&str>, uids: &[IdMapping], gids: &[IdMapping]) -> Spec {
        let mut spec = Bundle::new().spec();
        let linux = spec.linux.as_mut().unwrap();
        linux.namespaces.push(Namespace {
            kind: NamespaceType::User,
            path: path.map(Into::into),
        });
        linux.uid_mappings = uids.to_vec();
        linux.gid_mappings = gids.to_vec();
        spec
    }

    #[test]
    fn new_user_namespace_needs_both_maps() {
        let b = Bundle::new();
        let maps = [map(0, 100_000, 65_536)];
        validate(&user_spec(None, &maps, &maps), b.path()).unwrap();
        let spec = user_spec(None, &[], &maps);
        assert!(fails(&spec, &b)
            .ends_with(": linux.uidMappings: User namespaces enabled, but no uid mappings found."));
        let spec = user_spec(None, &maps, &[]);
        assert!(fails(&spec, &b)
            .ends_with(": linux.gidMappings: User namespaces enabled, but no gid mappings found."));
    }

    #[test]
    fn joined_user_namespace_takes_maps_or_none() {
        let b = Bundle::new();
        let maps = [map(0, 100_000, 65_536)];
        validate(&user_spec(Some("/proc/1/ns/user"), &[], &[]), b.path()).unwrap();
        validate(&user_spec(Some("/proc/1/ns/user"), &maps, &maps), b.path()).unwrap();
    }

    #[test]
    fn maps_without_user_namespace_fail() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.linux.as_mut().unwrap().gid_mappings = vec![map(0, 0, 1)];
        assert!(fails(&spec, &b).ends_with(": linux.gidMappings: User namespace mappings specified, but USER namespace isn't enabled in the config"));
    }

    #[test]
    fn sizes_are_positive() {
        let b = Bundle::new();
        let spec = user_spec(None, &[map(0, 1000, 1), map(1, 2000, 0)], &[map(0, 0, 1)]);
        assert!(
            fails(&spec, &b).ends_with(": linux.uidMappings[1].size: must be greater than zero")
        );
    }

    #[test]
    fn ranges_stay_within_32_bits() {
        let b = Bundle::new();
        let edge = [map(0, u32::MAX, 1)];
        validate(&user_spec(None, &edge, &edge), b.path()).unwrap();
        let spec = user_spec(None, &edge, &[map(u32::MAX, 0, 2)]);
        assert!(fails(&spec, &b).ends_with(
            ": linux.gidMappings[0]: containerID range 4294967295+2 ends past 4294967295"
        ));
    }

    #[test]
    fn adjacent_ranges_pass_overlapping_fail() {
        let b = Bundle::new();
        let adjacent = [map(0, 1000, 1), map(1, 100_000, 65_535)];
        validate(&user_spec(None, &adjacent, &adjacent), b.path()).unwrap();
        let by_container = [map(0, 1000, 10), map(20, 2000, 5), map(5, 3000, 1)];
        let spec = user_spec(None, &by_container, &adjacent);
        assert!(fails(&spec, &b)
            .ends_with(": linux.uidMappings[2]: containerID range overlaps linux.uidMappings[0]"));
        let by_host = [map(0, 1000, 10), map(10, 1009, 1)];
        let spec = user_spec(None, &adjacent, &by_host);
        assert!(fails(&spec, &b)
            .ends_with(": linux.gidMappings[1]: hostID range overlaps linux.gidMappings[0]"));
    }
}
