//! Sysctls: /proc/sys is only partly namespaced, so a key is allowed only when the namespace
//! it belongs to is the container's own; anything else would change the host. The rules and
//! messages are runc's.

use super::namespaces::Namespaces;
use super::{Blame, Checked};
use crate::spec::{Linux, NamespaceType};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// IPC sysctls outside `fs.mqueue.*`.
const IPC_KEYS: [&str; 8] = [
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];

pub(super) fn check(linux: &Linux, at: &Blame) -> Checked {
    let namespaces = Namespaces::of(linux);
    for key in linux.sysctl.keys() {
        let field = format!("linux.sysctl[{key:?}]");
        check_key(&dotted(key), &namespaces).map_err(|message| at.error(field, message))?;
    }
    Ok(())
}

fn check_key(key: &str, namespaces: &Namespaces) -> Result<(), String> {
    if IPC_KEYS.contains(&key) || key.starts_with("fs.mqueue.") {
        if namespaces.get(NamespaceType::Ipc).is_some() {
            return Ok(());
        }
        return Err(format!(
            "sysctl {key:?} is not allowed in the hosts ipc namespace"
        ));
    }
    if key.starts_with("net.") {
        return check_net(key, namespaces);
    }
    if namespaces.get(NamespaceType::Uts).is_some() {
        match key {
            "kernel.domainname" => return Ok(()),
            "kernel.hostname" => {
                return Err(format!(
                    "sysctl {key:?} is not allowed as it conflicts with the OCI \"hostname\" field"
                ))
            }
            _ => {}
        }
    }
    Err(format!(
        "sysctl {key:?} is not in a separate kernel namespace"
    ))
}

/// A joined network namespace is fine unless it is the one husk itself runs in.
fn check_net(key: &str, namespaces: &Namespaces) -> Result<(), String> {
    let host = match namespaces.get(NamespaceType::Network) {
        None => true,
        Some(ns) => match &ns.path {
            None => false,
            Some(path) => is_current_netns(path)?,
        },
    };
    if host {
        return Err(format!(
            "sysctl {key:?} not allowed in host network namespace"
        ));
    }
    Ok(())
}

fn is_current_netns(path: &Path) -> Result<bool, String> {
    let id = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| (m.dev(), m.ino()))
            .map_err(|e| format!("invalid netns path: stat {}: {e}", p.display()))
    };
    Ok(id(Path::new("/proc/self/ns/net"))? == id(path)?)
}

/// sysctl(8) accepts `/` as the separator when the first separator is a `/`; then dots are
/// part of names (`net/ipv4/conf/eth0.100/rp_filter`), so the two swap roles.
fn dotted(key: &str) -> String {
    match key.find(['.', '/']) {
        Some(i) if key.as_bytes()[i] == b'/' => key
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                c => c,
            })
            .collect(),
        _ => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{fails, Bundle};
    use super::dotted;
    use crate::spec::{validate, Namespace, NamespaceType, Spec};

    fn with_sysctl(key: &str, drop: Option<NamespaceType>) -> Spec {
        let mut spec = Bundle::new().spec();
        let linux = spec.linux.as_mut().unwrap();
        linux.sysctl.insert(key.into(), "1".into());
        linux.namespaces.retain(|ns| Some(ns.kind) != drop);
        spec
    }

    fn join(spec: &mut Spec, kind: NamespaceType, path: &str) {
        let list = &mut spec.linux.as_mut().unwrap().namespaces;
        list.retain(|ns| ns.kind != kind);
        list.push(Namespace {
            kind,
            path: Some(path.into()),
        });
    }

    #[test]
    fn slash_separated_keys_become_dotted() {
        assert_eq!(
            dotted("net/ipv4/conf/eno2.100/rp_filter"),
            "net.ipv4.conf.eno2/100.rp_filter"
        );
        assert_eq!(dotted("net.ipv4.ip_forward"), "net.ipv4.ip_forward");
        assert_eq!(dotted("vm"), "vm");
    }

    #[test]
    fn ipc_keys_need_an_ipc_namespace() {
        let b = Bundle::new();
        for key in ["kernel.shmmax", "kernel/sem", "fs.mqueue.msg_max"] {
            validate(&with_sysctl(key, None), b.path()).unwrap();
            let spec = with_sysctl(key, Some(NamespaceType::Ipc));
            let want = format!(
                ": linux.sysctl[{key:?}]: sysctl {:?} is not allowed in the hosts ipc namespace",
                dotted(key)
            );
            assert!(fails(&spec, &b).ends_with(&want), "{key}");
        }
    }

    #[test]
    fn net_keys_need_a_network_namespace_other_than_ours() {
        let b = Bundle::new();
        let key = "net.ipv4.ip_forward";
        validate(&with_sysctl(key, None), b.path()).unwrap();
        let host = "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace";
        let spec = with_sysctl(key, Some(NamespaceType::Network));
        assert!(fails(&spec, &b).ends_with(host));
        let mut spec = with_sysctl(key, None);
        join(&mut spec, NamespaceType::Network, "/proc/self/ns/net");
        assert!(fails(&spec, &b).ends_with(host));
        join(&mut spec, NamespaceType::Network, "/nonexistent/net");
        assert!(
            fails(&spec, &b).contains("invalid netns path: stat /nonexistent/net: No such file")
        );
    }

    #[test]
    fn net_keys_pass_in_a_joined_foreign_namespace() {
        let b = Bundle::new();
        let mut spec = with_sysctl("net.core.somaxconn", None);
        // Any nsfs file other than our own network namespace stands in for another one.
        join(&mut spec, NamespaceType::Network, "/proc/self/ns/user");
        validate(&spec, b.path()).unwrap();
    }

    #[test]
    fn uts_keys() {
        let b = Bundle::new();
        validate(&with_sysctl("kernel.domainname", None), b.path()).unwrap();
        let spec = with_sysctl("kernel.hostname", None);
        assert!(fails(&spec, &b).ends_with(": linux.sysctl[\"kernel.hostname\"]: sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field"));
        let mut spec = with_sysctl("kernel.domainname", Some(NamespaceType::Uts));
        spec.hostname = None;
        assert!(fails(&spec, &b)
            .ends_with(": sysctl \"kernel.domainname\" is not in a separate kernel namespace"));
    }

    #[test]
    fn other_keys_are_refused() {
        let b = Bundle::new();
        for key in ["vm.swappiness", "kernel.pid_max", "fs.file-max"] {
            let want = format!(
                ": linux.sysctl[{key:?}]: sysctl {key:?} is not in a separate kernel namespace"
            );
            assert!(fails(&with_sysctl(key, None), &b).ends_with(&want));
        }
    }
}
