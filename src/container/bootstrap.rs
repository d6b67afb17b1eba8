//! The namespace part of a config, in the form nsexec takes it.

use crate::launch::spawn::IdMaps;
use crate::spec::{Linux, NamespaceType, Spec};
use nsexec::BootstrapSpec;

pub fn message(spec: &Spec) -> BootstrapSpec {
    let linux = spec.linux();
    let mut b = BootstrapSpec {
        clone_flags: 0,
        ns_paths: Vec::new(),
        oom_score_adj: spec.process.as_ref().and_then(|p| p.oom_score_adj),
        timens_offsets: None,
        rootless: !crate::sys::ids::is_root(),
    };
    for ns in &linux.namespaces {
        match &ns.path {
            Some(path) => b.ns_paths.push((ns.kind.clone_flag() as u32, path.clone())),
            None => b.clone_flags |= ns.kind.clone_flag() as u32,
        }
    }
    if b.clone_flags & libc::CLONE_NEWTIME as u32 != 0 && !linux.time_offsets.is_empty() {
        b.timens_offsets = Some(timens_offsets(linux));
    }
    b
}

/// The bootstrap of a tenant: every namespace of the container's `init`, joined through its
/// /proc links (nsexec joins the user namespace first and forks for a pid or time one).
pub fn join(init: libc::pid_t, linux: &Linux, oom_score_adj: Option<i32>) -> BootstrapSpec {
    BootstrapSpec {
        clone_flags: 0,
        ns_paths: linux
            .namespaces
            .iter()
            .map(|ns| {
                let path = format!("/proc/{init}/ns/{}", ns.kind.proc_name());
                (ns.kind.clone_flag() as u32, path.into())
            })
            .collect(),
        oom_score_adj,
        timens_offsets: None,
        rootless: !crate::sys::ids::is_root(),
    }
}

/// /proc/self/timens_offsets lines: `<clock> <secs> <nanosecs>`.
fn timens_offsets(linux: &Linux) -> Vec<u8> {
    let mut text = String::new();
    for (clock, off) in &linux.time_offsets {
        text.push_str(&format!("{clock} {} {}\n", off.secs, off.nanosecs));
    }
    text.into_bytes()
}

/// The maps for a new user namespace, or None when the container joins one or has none.
pub fn id_maps(linux: &Linux) -> Option<IdMaps<'_>> {
    let new_user = linux
        .namespaces
        .iter()
        .any(|n| n.kind == NamespaceType::User && n.path.is_none());
    new_user.then(|| IdMaps {
        uids: &linux.uid_mappings,
        gids: &linux.gid_mappings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Namespace, TimeOffset};

    fn spec_with(namespaces: Vec<Namespace>, offsets: &[(&str, i64)]) -> Spec {
        let mut linux = Linux {
            namespaces,
            ..Default::default()
        };
        for (k, s) in offsets {
            linux.time_offsets.insert(
                k.to_string(),
                TimeOffset {
                    secs: *s,
                    nanosecs: 7,
                },
            );
        }
        Spec {
            linux: Some(linux),
            ..Default::default()
        }
    }

    #[test]
    fn new_namespaces_become_flags_and_paths_are_joined() {
        let ns = |kind, path: Option<&str>| Namespace {
            kind,
            path: path.map(Into::into),
        };
        let s = spec_with(
            vec![
                ns(NamespaceType::Pid, None),
                ns(NamespaceType::Network, Some("/proc/1/ns/net")),
            ],
            &[],
        );
        let b = message(&s);
        assert_eq!(b.clone_flags, libc::CLONE_NEWPID as u32);
        assert_eq!(
            b.ns_paths,
            vec![(libc::CLONE_NEWNET as u32, "/proc/1/ns/net".into())]
        );
        assert!(b.timens_offsets.is_none());
    }

    #[test]
    fn a_tenant_joins_every_namespace_of_init() {
        let s = spec_with(
            vec![
                Namespace {
                    kind: NamespaceType::Mount,
                    path: None,
                },
                Namespace {
                    kind: NamespaceType::Network,
                    path: Some("/var/run/netns/x".into()),
                },
            ],
            &[],
        );
        let b = join(42, s.linux.as_ref().unwrap(), Some(5));
        assert_eq!(b.clone_flags, 0);
        assert_eq!(
            b.ns_paths,
            vec![
                (libc::CLONE_NEWNS as u32, "/proc/42/ns/mnt".into()),
                (libc::CLONE_NEWNET as u32, "/proc/42/ns/net".into()),
            ]
        );
        assert_eq!(b.oom_score_adj, Some(5));
    }

    #[test]
    fn time_offsets_only_with_a_new_time_namespace() {
        let s = spec_with(
            vec![Namespace {
                kind: NamespaceType::Time,
                path: None,
            }],
            &[("boottime", 5), ("monotonic", -3)],
        );
        let text = String::from_utf8(message(&s).timens_offsets.unwrap()).unwrap();
        assert_eq!(text, "boottime 5 7\nmonotonic -3 7\n");
        assert!(message(&spec_with(vec![], &[("boottime", 5)]))
            .timens_offsets
            .is_none());
    }
}
