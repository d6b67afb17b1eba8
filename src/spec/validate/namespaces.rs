//! The namespace list, and the settings that only make sense inside a namespace of their own:
//! hostname, domainname, masked/read-only paths and clock offsets.

use super::{Blame, Checked};
use crate::spec::{Linux, Namespace, NamespaceType, Spec, TimeOffset};
use std::collections::BTreeMap;

/// Lookups over `linux.namespaces`.
pub(super) struct Namespaces<'a>(&'a [Namespace]);

impl<'a> Namespaces<'a> {
    pub(super) fn of(linux: &'a Linux) -> Namespaces<'a> {
        Namespaces(&linux.namespaces)
    }

    /// The entry for `kind`: the container gets its own namespace of that kind, new or joined.
    pub(super) fn get(&self, kind: NamespaceType) -> Option<&'a Namespace> {
        self.0.iter().find(|ns| ns.kind == kind)
    }

    /// Whether a new namespace of `kind` is created rather than joined from a path.
    pub(super) fn creates(&self, kind: NamespaceType) -> bool {
        self.get(kind).is_some_and(|ns| ns.path.is_none())
    }
}

pub(super) fn check(spec: &Spec, linux: &Linux, at: &Blame) -> Checked {
    check_list(&linux.namespaces, at)?;
    let namespaces = Namespaces::of(linux);
    check_uts(spec, &namespaces, at)?;
    check_restricted_paths(linux, &namespaces, at)?;
    check_net_devices(linux, &namespaces, at)?;
    check_time_offsets(&linux.time_offsets, &namespaces, at)
}

fn check_list(list: &[Namespace], at: &Blame) -> Checked {
    for (i, ns) in list.iter().enumerate() {
        if list[..i].iter().any(|earlier| earlier.kind == ns.kind) {
            return at.fail(format!("linux.namespaces[{i}].type"), duplicated(ns));
        }
        if let Some(path) = &ns.path {
            at.require_absolute(format!("linux.namespaces[{i}].path"), path)?;
        }
    }
    Ok(())
}

/// runc prints the duplicate as Go's `%q` of the namespace struct; a JSON string of a plain
/// name is the same text.
fn duplicated(ns: &Namespace) -> String {
    let kind = serde_json::to_string(&ns.kind).expect("namespace types serialize");
    let path = ns
        .path
        .as_deref()
        .unwrap_or("".as_ref())
        .display()
        .to_string();
    format!("duplicated ns {{{kind} {path:?}}}")
}

/// Like runc, a joined UTS namespace counts: pods share one and every container sets its name.
fn check_uts(spec: &Spec, namespaces: &Namespaces, at: &Blame) -> Checked {
    if namespaces.get(NamespaceType::Uts).is_some() {
        return Ok(());
    }
    let named = [
        ("hostname", &spec.hostname),
        ("domainname", &spec.domainname),
    ];
    for (field, value) in named {
        if value.as_deref().is_some_and(|v| !v.is_empty()) {
            let message = format!("unable to set {field} without a private UTS namespace");
            return at.fail(field, message);
        }
    }
    Ok(())
}

/// Masking and read-only bind mounts made in the host's mount namespace would hide host paths.
fn check_restricted_paths(linux: &Linux, namespaces: &Namespaces, at: &Blame) -> Checked {
    if namespaces.get(NamespaceType::Mount).is_some() {
        return Ok(());
    }
    let lists = [
        ("linux.maskedPaths", &linux.masked_paths),
        ("linux.readonlyPaths", &linux.readonly_paths),
    ];
    match lists.iter().find(|(_, paths)| !paths.is_empty()) {
        Some((field, _)) => at.fail(
            *field,
            "unable to restrict sys entries without a private MNT namespace",
        ),
        None => Ok(()),
    }
}

/// Devices move into the container's own network namespace, under a name the kernel takes.
fn check_net_devices(linux: &Linux, namespaces: &Namespaces, at: &Blame) -> Checked {
    let field = |name: &str| format!("linux.netDevices[{name:?}]");
    for (name, attrs) in &linux.net_devices {
        if namespaces.get(NamespaceType::Network).is_none() {
            let message = "unable to move network devices without a NET namespace";
            return at.fail(field(name), message);
        }
        for n in [Some(name), attrs.get("name")].into_iter().flatten() {
            if !valid_device_name(n) {
                return at.fail(field(name), format!("invalid network device name {n:?}"));
            }
        }
    }
    Ok(())
}

/// The kernel's rule (dev_valid_name), as runc checks it.
fn valid_device_name(name: &str) -> bool {
    (1..=libc::IFNAMSIZ).contains(&name.len())
        && name != "."
        && name != ".."
        && !name.contains(['/', ':', ' '])
}

/// The kernel takes offsets only before the first process enters a time namespace, so they
/// need one husk creates.
fn check_time_offsets(
    offsets: &BTreeMap<String, TimeOffset>,
    namespaces: &Namespaces,
    at: &Blame,
) -> Checked {
    if offsets.is_empty() {
        return Ok(());
    }
    if namespaces.get(NamespaceType::Time).is_none() {
        let message =
            "time namespace offsets specified, but time namespace isn't enabled in the config";
        return at.fail("linux.timeOffsets", message);
    }
    if !namespaces.creates(NamespaceType::Time) {
        let message =
            "time namespace offsets specified, but the time namespace is joined, not created";
        return at.fail("linux.timeOffsets", message);
    }
    offsets
        .iter()
        .try_for_each(|(clock, offset)| check_offset(clock, offset, at))
}

fn check_offset(clock: &str, offset: &TimeOffset, at: &Blame) -> Checked {
    let field = format!("linux.timeOffsets.{clock}");
    if clock != "monotonic" && clock != "boottime" {
        let message = format!("unknown clock {clock:?}, want \"monotonic\" or \"boottime\"");
        return at.fail(field, message);
    }
    if offset.nanosecs >= 1_000_000_000 {
        let message = format!("{} is not below 1000000000", offset.nanosecs);
        return at.fail(format!("{field}.nanosecs"), message);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{fails, Bundle};
    use crate::spec::{validate, Namespace, NamespaceType, Spec, TimeOffset};

    fn add(spec: &mut Spec, kind: NamespaceType, path: Option<&str>) {
        let path = path.map(Into::into);
        spec.linux
            .as_mut()
            .unwrap()
            .namespaces
            .push(Namespace { kind, path });
    }

    fn remove(spec: &mut Spec, kind: NamespaceType) {
        let list = &mut spec.linux.as_mut().unwrap().namespaces;
        list.retain(|ns| ns.kind != kind);
    }

    #[test]
    fn each_type_at_most_once() {
        let b = Bundle::new();
        let mut spec = b.spec();
        add(&mut spec, NamespaceType::Time, None);
        validate(&spec, b.path()).unwrap();
        add(&mut spec, NamespaceType::Pid, Some("/proc/1/ns/pid"));
        let n = spec.linux.as_ref().unwrap().namespaces.len() - 1;
        let want =
            format!(": linux.namespaces[{n}].type: duplicated ns {{\"pid\" \"/proc/1/ns/pid\"}}");
        assert!(fails(&spec, &b).ends_with(&want), "{}", fails(&spec, &b));
    }

    #[test]
    fn joined_namespace_paths_are_absolute() {
        let b = Bundle::new();
        let mut spec = b.spec();
        remove(&mut spec, NamespaceType::Cgroup);
        add(&mut spec, NamespaceType::Cgroup, Some("/proc/1/ns/cgroup"));
        validate(&spec, b.path()).unwrap();
        remove(&mut spec, NamespaceType::Cgroup);
        add(&mut spec, NamespaceType::Cgroup, Some("proc/1/ns/cgroup"));
        let n = spec.linux.as_ref().unwrap().namespaces.len() - 1;
        let want =
            format!(": linux.namespaces[{n}].path: \"proc/1/ns/cgroup\" is not an absolute path");
        assert!(fails(&spec, &b).ends_with(&want));
    }

    #[test]
    fn hostname_and_domainname_need_uts() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.domainname = Some("example.org".into());
        validate(&spec, b.path()).unwrap();
        remove(&mut spec, NamespaceType::Uts);
        add(&mut spec, NamespaceType::Uts, Some("/proc/1/ns/uts"));
        validate(&spec, b.path()).unwrap();
        remove(&mut spec, NamespaceType::Uts);
        assert!(fails(&spec, &b)
            .ends_with(": hostname: unable to set hostname without a private UTS namespace"));
        spec.hostname = Some(String::new());
        assert!(fails(&spec, &b)
            .ends_with(": domainname: unable to set domainname without a private UTS namespace"));
        spec.domainname = None;
        validate(&spec, b.path()).unwrap();
    }

    #[test]
    fn masked_and_readonly_paths_need_a_mount_namespace() {
        let b = Bundle::new();
        let mut spec = b.spec();
        remove(&mut spec, NamespaceType::Mount);
        let msg = "unable to restrict sys entries without a private MNT namespace";
        assert!(fails(&spec, &b).ends_with(&format!(": linux.maskedPaths: {msg}")));
        spec.linux.as_mut().unwrap().masked_paths.clear();
        assert!(fails(&spec, &b).ends_with(&format!(": linux.readonlyPaths: {msg}")));
        spec.linux.as_mut().unwrap().readonly_paths.clear();
        validate(&spec, b.path()).unwrap();
    }

    #[test]
    fn no_linux_section_means_no_namespaces() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.linux = None;
        assert!(fails(&spec, &b)
            .ends_with(": hostname: unable to set hostname without a private UTS namespace"));
        spec.hostname = None;
        validate(&spec, b.path()).unwrap();
    }

    fn offset(secs: i64, nanosecs: u32) -> TimeOffset {
        TimeOffset { secs, nanosecs }
    }

    fn with_offsets(clocks: &[(&str, TimeOffset)]) -> Spec {
        let mut spec = Bundle::new().spec();
        let offsets = &mut spec.linux.as_mut().unwrap().time_offsets;
        offsets.extend(clocks.iter().map(|(k, v)| (k.to_string(), *v)));
        spec
    }

    #[test]
    fn time_offsets_need_a_new_time_namespace() {
        let b = Bundle::new();
        let mut spec = with_offsets(&[
            ("monotonic", offset(-5, 999_999_999)),
            ("boottime", offset(86_400, 0)),
        ]);
        assert!(fails(&spec, &b).ends_with(": linux.timeOffsets: time namespace offsets specified, but time namespace isn't enabled in the config"));
        add(&mut spec, NamespaceType::Time, Some("/proc/1/ns/time"));
        assert!(fails(&spec, &b).ends_with(": linux.timeOffsets: time namespace offsets specified, but the time namespace is joined, not created"));
        remove(&mut spec, NamespaceType::Time);
        add(&mut spec, NamespaceType::Time, None);
        validate(&spec, b.path()).unwrap();
    }

    #[test]
    fn time_offsets_clocks_and_nanoseconds() {
        let b = Bundle::new();
        let mut spec = with_offsets(&[("realtime", offset(1, 0))]);
        add(&mut spec, NamespaceType::Time, None);
        assert!(fails(&spec, &b).ends_with(": linux.timeOffsets.realtime: unknown clock \"realtime\", want \"monotonic\" or \"boottime\""));
        let mut spec = with_offsets(&[("boottime", offset(1, 1_000_000_000))]);
        add(&mut spec, NamespaceType::Time, None);
        assert!(fails(&spec, &b).ends_with(
            ": linux.timeOffsets.boottime.nanosecs: 1000000000 is not below 1000000000"
        ));
    }
}
