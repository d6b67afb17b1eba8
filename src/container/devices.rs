//! The device rules a container's cgroup gets: the config's own, in order, then allows for the
//! devices husk creates (runc's defaults and `linux.devices`), which a config cannot take away.

use crate::spec::{DeviceRule, Linux};

/// runc's default allow-list: mknod of any node (using one still needs a rule), the default
/// devices, /dev/console, /dev/ptmx and the pty slaves.
const DEFAULTS: &[(&str, Option<i64>, Option<i64>, &str)] = &[
    ("c", None, None, "m"),
    ("b", None, None, "m"),
    ("c", Some(1), Some(3), "rwm"),
    ("c", Some(1), Some(5), "rwm"),
    ("c", Some(1), Some(7), "rwm"),
    ("c", Some(1), Some(8), "rwm"),
    ("c", Some(1), Some(9), "rwm"),
    ("c", Some(5), Some(0), "rwm"),
    ("c", Some(5), Some(1), "rwm"),
    ("c", Some(5), Some(2), "rwm"),
    ("c", Some(136), None, "rwm"),
];

pub fn rules(linux: &Linux) -> Vec<DeviceRule> {
    let mut rules = linux
        .resources
        .as_ref()
        .map(|r| r.devices.clone())
        .unwrap_or_default();
    let allow = |kind: &str, major, minor, access: &str| DeviceRule {
        allow: true,
        kind: Some(kind.into()),
        major,
        minor,
        access: Some(access.into()),
    };
    rules.extend(
        DEFAULTS
            .iter()
            .map(|&(k, ma, mi, acc)| allow(k, ma, mi, acc)),
    );
    rules.extend(
        linux
            .devices
            .iter()
            .filter(|d| matches!(d.kind.as_str(), "c" | "b" | "u"))
            .map(|d| {
                let kind = if d.kind == "b" { "b" } else { "c" };
                allow(kind, Some(d.major), Some(d.minor), "rwm")
            }),
    );
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Device, Resources};

    #[test]
    fn config_rules_come_first_then_defaults_then_configured_devices() {
        let deny_all = DeviceRule {
            allow: false,
            access: Some("rwm".into()),
            ..Default::default()
        };
        let linux = Linux {
            resources: Some(Resources {
                devices: vec![deny_all.clone()],
                ..Default::default()
            }),
            devices: vec![Device {
                kind: "c".into(),
                path: "/dev/fuse".into(),
                major: 10,
                minor: 229,
                ..Default::default()
            }],
            ..Default::default()
        };
        let r = rules(&linux);
        assert_eq!(r[0], deny_all);
        assert!(r[1..].iter().all(|d| d.allow));
        assert_eq!(r.len(), 1 + DEFAULTS.len() + 1);
        let last = r.last().unwrap();
        assert_eq!(
            (last.kind.as_deref(), last.major, last.minor),
            (Some("c"), Some(10), Some(229))
        );
    }
}
