//! The device rules a container's cgroup gets: the config's own, in order, then runc's default
//! allow-list. Nodes made from `linux.devices` get no rule of their own, as with runc: a
//! config that denies everything denies them too.

use crate::spec::{DeviceRule, Linux};

/// runc's default allow-list, in its order: mknod of any node (using one still needs a rule),
/// the default devices, the pty slaves, /dev/ptmx, and /dev/net/tun (kept by runc for the
/// engines that cannot add rules of their own).
const DEFAULTS: &[(&str, Option<i64>, Option<i64>, &str)] = &[
    ("c", None, None, "m"),
    ("b", None, None, "m"),
    ("c", Some(1), Some(3), "rwm"),
    ("c", Some(1), Some(8), "rwm"),
    ("c", Some(1), Some(7), "rwm"),
    ("c", Some(5), Some(0), "rwm"),
    ("c", Some(1), Some(5), "rwm"),
    ("c", Some(1), Some(9), "rwm"),
    ("c", Some(136), None, "rwm"),
    ("c", Some(5), Some(2), "rwm"),
    ("c", Some(10), Some(200), "rwm"),
];

pub fn rules(linux: &Linux) -> Vec<DeviceRule> {
    let mut rules = linux
        .resources
        .as_ref()
        .map(|r| r.devices.clone())
        .unwrap_or_default();
    rules.extend(
        DEFAULTS
            .iter()
            .map(|&(kind, major, minor, access)| DeviceRule {
                allow: true,
                kind: Some(kind.into()),
                major,
                minor,
                access: Some(access.into()),
            }),
    );
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Device, Resources};

    #[test]
    fn config_rules_come_first_then_defaults_and_no_rule_for_configured_devices() {
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
                path: "/dev/kmsg".into(),
                major: 1,
                minor: 11,
                ..Default::default()
            }],
            ..Default::default()
        };
        let r = rules(&linux);
        assert_eq!(r[0], deny_all);
        assert_eq!(r.len(), 1 + DEFAULTS.len());
        assert!(!r.iter().any(|d| d.minor == Some(11)));
    }
}
