//! Unit properties for a container's resources, converted as runc converts them, so that
//! systemd's picture of the unit agrees with the cgroup files husk writes after it (systemd
//! rewrites its files whenever it reloads a unit).

use super::gvariant;
use super::wire::Writer;
use crate::cgroups::resources::Write;
use crate::cgroups::CgroupError;
use crate::spec::DeviceRule;
use std::collections::BTreeMap;

#[derive(Debug)]
pub enum Value {
    Str(String),
    Strs(Vec<String>),
    Bool(bool),
    /// A number of the basic type named by its signature byte, in its bits.
    Fixed(u8, u64),
    U32s(Vec<u32>),
    Bytes(Vec<u8>),
    /// DeviceAllow: (device, access) pairs.
    Pairs(Vec<(String, String)>),
}

pub type Property = (&'static str, Value);

const NUMBERS: [&str; 8] = ["y", "n", "q", "i", "u", "x", "t", "d"];

impl Value {
    pub fn signature(&self) -> &'static str {
        match self {
            Value::Str(_) => "s",
            Value::Strs(_) => "as",
            Value::Bool(_) => "b",
            Value::Fixed(sig, _) => NUMBERS
                .into_iter()
                .find(|s| s.as_bytes() == [*sig])
                .unwrap_or("i"),
            Value::U32s(_) => "au",
            Value::Bytes(_) => "ay",
            Value::Pairs(_) => "a(ss)",
        }
    }

    fn write(&self, w: &mut Writer) {
        match self {
            Value::Str(s) => w.str(s),
            Value::Strs(v) => w.array(4, |w| v.iter().for_each(|s| w.str(s))),
            Value::Bool(b) => w.u32(*b as u32),
            Value::Fixed(sig, bits) => {
                let size = match sig {
                    b'y' => 1,
                    b'n' | b'q' => 2,
                    b'i' | b'u' => 4,
                    _ => 8,
                };
                w.fixed(size, *bits)
            }
            Value::U32s(v) => w.array(4, |w| v.iter().for_each(|n| w.u32(*n))),
            Value::Bytes(v) => w.array(1, |w| v.iter().for_each(|b| w.byte(*b))),
            Value::Pairs(v) => w.array(8, |w| {
                for (a, b) in v {
                    w.open_struct();
                    w.str(a);
                    w.str(b);
                }
            }),
        }
    }
}

/// Writes `props`, then `annotated`, as the a(sv) array systemd's unit calls take.
pub fn write(w: &mut Writer, props: &[Property], annotated: &[(String, Value)]) {
    let annotated = annotated.iter().map(|(n, v)| (n.as_str(), v));
    w.array(8, |w| {
        for (name, value) in props.iter().map(|(n, v)| (*n, v)).chain(annotated) {
            w.open_struct();
            w.str(name);
            w.signature(value.signature());
            value.write(w);
        }
    });
}

/// The unit properties the config's `org.systemd.property.NAME` annotations set, with runc's
/// rules: NAME is three or more ASCII letters, the value is GVariant text, and a NAME ending in
/// a lowercase letter and `Sec` is a number of seconds that systemd takes as `...USec`.
#[inline(never)]
pub fn from_annotations(
    annotations: &BTreeMap<String, String>,
) -> Result<Vec<(String, Value)>, CgroupError> {
    let mut props = Vec::new();
    for (key, text) in annotations {
        let Some(name) = key.strip_prefix("org.systemd.property.") else {
            continue;
        };
        let bad = |why| CgroupError::Annotation(format!("annotation {key}={text}: {why}"));
        if name.len() < 3 || !name.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(bad("the name is not three or more ASCII letters"));
        }
        let value = gvariant::parse(text).map_err(bad)?;
        let prop = match name.strip_suffix("Sec") {
            Some(base) if base.ends_with(|c: char| c.is_ascii_lowercase()) => {
                let usec = microseconds(&value).ok_or_else(|| bad("not a number of seconds"))?;
                (base.to_owned() + "USec", Value::Fixed(b't', usec))
            }
            _ => (name.to_string(), value),
        };
        props.push(prop);
    }
    Ok(props)
}

/// A number of seconds (any of GVariant's numbers, not below zero) in microseconds.
fn microseconds(seconds: &Value) -> Option<u64> {
    let &Value::Fixed(sig, bits) = seconds else {
        return None;
    };
    let whole = match sig {
        b'd' => {
            // Past u64's range, `as` gives u64::MAX, as saturating_mul below: systemd's
            // infinity.
            let us = f64::from_bits(bits) * 1e6;
            return (us >= 0.0).then_some(us as u64);
        }
        b'n' | b'i' | b'x' => u64::try_from(bits as i64).ok()?,
        _ => bits,
    };
    Some(whole.saturating_mul(1_000_000))
}

/// The properties systemd has for the cgroup files of `writes` (the planned, already converted
/// and checked values); the rest stay files only.
pub fn from_writes(writes: &[Write]) -> Vec<Property> {
    let mut props = Vec::new();
    let (mut quota, mut period) = (None, None);
    for w in writes {
        let v = w.value.trim();
        let name = match w.file.as_str() {
            "cpu.max" => {
                let mut parts = v.split(' ');
                quota = parts.next();
                period = parts.next().and_then(|p| p.parse().ok());
                continue;
            }
            "cpu.cfs_quota_us" => {
                quota = Some(v);
                continue;
            }
            "cpu.cfs_period_us" => {
                period = v.parse().ok();
                continue;
            }
            "cpuset.cpus" | "cpuset.mems" => {
                let name = match w.file.as_str() {
                    "cpuset.cpus" => "AllowedCPUs",
                    _ => "AllowedMemoryNodes",
                };
                props.push((name, Value::Bytes(bitmask(v))));
                continue;
            }
            "memory.max" => "MemoryMax",
            "memory.limit_in_bytes" => "MemoryLimit",
            "memory.high" => "MemoryHigh",
            "memory.low" => "MemoryLow",
            "memory.min" => "MemoryMin",
            "memory.swap.max" => "MemorySwapMax",
            "cpu.weight" => "CPUWeight",
            "cpu.shares" => "CPUShares",
            "pids.max" => "TasksMax",
            "io.weight" => "IOWeight",
            "blkio.weight" => "BlockIOWeight",
            _ => continue,
        };
        if let Some(n) = number(v) {
            props.push((name, Value::Fixed(b't', n)));
        }
    }
    props.extend(cpu_quota(quota.and_then(number), period));
    props
}

/// "max" and -1 are systemd's infinity.
fn number(v: &str) -> Option<u64> {
    match v {
        "max" | "-1" => Some(u64::MAX),
        _ => v.parse().ok(),
    }
}

/// systemd keeps a quota as a share of one CPU second in 10 ms steps: round up, so that the
/// quota husk writes afterwards fits under it.
fn cpu_quota(quota: Option<u64>, period: Option<u64>) -> Vec<Property> {
    let mut props = Vec::new();
    if let Some(p) = period.filter(|p| *p > 0) {
        props.push(("CPUQuotaPeriodUSec", Value::Fixed(b't', p)));
    }
    if let Some(q) = quota {
        let per_sec = match q {
            u64::MAX => u64::MAX,
            q => (q * 1_000_000 / period.filter(|p| *p > 0).unwrap_or(100_000))
                .next_multiple_of(10_000),
        };
        props.push(("CPUQuotaPerSecUSec", Value::Fixed(b't', per_sec)));
    }
    props
}

/// A cpu or memory-node list ("0-3,8") as systemd's bytes: bit i%8 of byte i/8 is entry i.
fn bitmask(list: &str) -> Vec<u8> {
    let words = crate::spec::cpulist::parse(list).unwrap_or_default();
    let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    while bytes.last() == Some(&0) {
        bytes.pop();
    }
    bytes
}

/// DevicePolicy and DeviceAllow for the container's device rules (the config's, then husk's
/// defaults). systemd only knows allow-lists: where the rules end up allowing everything but
/// some devices, the policy stays "auto" and husk's own device program does the denying.
pub fn devices(rules: &[DeviceRule], proc_devices: &str) -> Vec<Property> {
    let wildcard = |r: &DeviceRule| {
        matches!(r.kind.as_deref(), None | Some("a")) && r.major.is_none() && r.minor.is_none()
    };
    let from = rules.iter().rposition(|r| wildcard(r) && !r.allow);
    let allows_all = rules.iter().rposition(|r| wildcard(r) && r.allow);
    if from.is_none() || allows_all > from {
        return vec![("DevicePolicy", Value::Str("auto".into()))];
    }
    let rest = &rules[from.map_or(0, |i| i + 1)..];
    let mut allow = Vec::new();
    for r in rest.iter().filter(|r| r.allow) {
        let access: String = r
            .access
            .as_deref()
            .unwrap_or("rwm")
            .chars()
            .filter(|c| "rwm".contains(*c))
            .collect();
        for kind in device_kinds(r.kind.as_deref()) {
            if let Some(dev) = device_name(kind, r.major, r.minor, proc_devices) {
                allow.push((dev, access.clone()));
            }
        }
    }
    vec![
        ("DevicePolicy", Value::Str("strict".into())),
        ("DeviceAllow", Value::Pairs(allow)),
    ]
}

fn device_kinds(kind: Option<&str>) -> &'static [&'static str] {
    match kind {
        Some("c") => &["char"],
        Some("b") => &["block"],
        _ => &["char", "block"],
    }
}

/// systemd's name for a device or a group of them: `/dev/char/1:3`, `char-pts` (a major
/// named in /proc/devices), `char-*`.
fn device_name(
    kind: &str,
    major: Option<i64>,
    minor: Option<i64>,
    proc_devices: &str,
) -> Option<String> {
    match (major, minor) {
        (Some(ma), Some(mi)) => Some(format!("/dev/{kind}/{ma}:{mi}")),
        (None, _) => Some(format!("{kind}-*")),
        (Some(ma), None) => {
            let section = match kind {
                "char" => "Character devices:",
                _ => "Block devices:",
            };
            let name = proc_devices
                .split("\n\n")
                .find(|s| s.starts_with(section))?
                .lines()
                .skip(1)
                .find_map(|l| {
                    let (n, name) = l.trim().split_once(' ')?;
                    (n.parse() == Ok(ma)).then_some(name)
                })?;
            Some(format!("{kind}-{name}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroups::resources::plan;
    use crate::spec::Resources;

    fn props(json: &str, v2: bool) -> Vec<(&'static str, String)> {
        let r = Resources::from_json(json.as_bytes()).unwrap();
        from_writes(&plan(&r, v2).unwrap())
            .into_iter()
            .map(|(n, v)| {
                let shown = match v {
                    Value::Fixed(_, n) => n.to_string(),
                    Value::Bytes(b) => format!("{b:?}"),
                    _ => "?".into(),
                };
                (n, shown)
            })
            .collect()
    }

    #[test]
    fn v2_resources_become_runcs_properties() {
        let p = props(
            r#"{"memory": {"limit": 33554432, "reservation": 1048576, "swap": 67108864},
                "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0-1,9"},
                "pids": {"limit": 20}, "blockIO": {"weight": 500}}"#,
            true,
        );
        let want = [
            ("MemoryMax", "33554432"),
            ("MemoryLow", "1048576"),
            ("MemorySwapMax", "33554432"),
            ("AllowedCPUs", "[3, 2]"),
            ("CPUWeight", "39"),
            ("TasksMax", "20"),
            ("IOWeight", "4950"),
            ("CPUQuotaPeriodUSec", "100000"),
            ("CPUQuotaPerSecUSec", "500000"),
        ];
        for (name, value) in want {
            assert!(
                p.contains(&(name, value.to_string())),
                "{name}={value} missing from {p:?}"
            );
        }
        assert_eq!(p.len(), want.len(), "{p:?}");
    }

    #[test]
    fn unlimited_is_infinity_and_quotas_round_up_to_10ms() {
        let max = u64::MAX.to_string();
        let p = props(
            r#"{"memory": {"limit": -1}, "pids": {"limit": -1}, "cpu": {"quota": -1}}"#,
            true,
        );
        for name in ["MemoryMax", "TasksMax", "CPUQuotaPerSecUSec"] {
            assert!(p.contains(&(name, max.clone())), "{name} in {p:?}");
        }
        let p = props(r#"{"cpu": {"quota": 12345, "period": 100000}}"#, false);
        assert!(
            p.contains(&("CPUQuotaPerSecUSec", "130000".into())),
            "{p:?}"
        );
        let p = props(
            r#"{"memory": {"limit": 1048576}, "cpu": {"shares": 512}}"#,
            false,
        );
        assert!(p.contains(&("MemoryLimit", "1048576".into())), "{p:?}");
        assert!(p.contains(&("CPUShares", "512".into())), "{p:?}");
    }

    fn rule(allow: bool, kind: Option<&str>, major: Option<i64>, minor: Option<i64>) -> DeviceRule {
        DeviceRule {
            allow,
            kind: kind.map(Into::into),
            major,
            minor,
            access: Some("rwm".into()),
        }
    }

    #[test]
    fn an_allow_list_is_strict_with_systemds_device_names() {
        let proc_devices = "Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n  7 loop\n";
        let rules = [
            rule(true, Some("a"), None, None),
            rule(false, None, None, None),
            rule(true, Some("c"), Some(1), Some(3)),
            rule(true, Some("c"), Some(136), None),
            rule(true, Some("b"), None, None),
            rule(true, Some("c"), Some(250), None),
        ];
        let p = devices(&rules, proc_devices);
        let Value::Str(policy) = &p[0].1 else {
            panic!()
        };
        assert_eq!(policy, "strict");
        let Value::Pairs(allow) = &p[1].1 else {
            panic!()
        };
        let names: Vec<&str> = allow.iter().map(|(d, _)| d.as_str()).collect();
        assert_eq!(names, ["/dev/char/1:3", "char-pts", "block-*"]);
    }

    #[test]
    fn allowing_everything_or_denying_some_is_left_to_auto() {
        let everything = [
            rule(false, None, None, None),
            rule(true, Some("a"), None, None),
        ];
        let some_denied = [rule(false, Some("c"), Some(1), Some(3))];
        for rules in [&everything[..], &some_denied[..]] {
            let p = devices(rules, "");
            assert_eq!(p.len(), 1);
            assert!(matches!(&p[0], ("DevicePolicy", Value::Str(s)) if s == "auto"));
        }
    }

    fn annotated(key: &str, text: &str) -> Result<String, String> {
        let annotations = BTreeMap::from([(key.to_string(), text.to_string())]);
        let props = from_annotations(&annotations).map_err(|e| e.to_string())?;
        Ok(props
            .iter()
            .map(|(n, v)| format!("{n} {} {v:?}", v.signature()))
            .collect())
    }

    #[test]
    fn annotations_become_properties_with_runcs_rules() {
        let key = |name: &str| format!("org.systemd.property.{name}");
        let ok = |name: &str, text: &str, want: &str| {
            assert_eq!(
                annotated(&key(name), text).as_deref(),
                Ok(want),
                "{name}={text}"
            );
        };
        ok(
            "TimeoutStopUSec",
            "uint64 123456789",
            "TimeoutStopUSec t Fixed(116, 123456789)",
        );
        ok(
            "CollectMode",
            "'inactive-or-failed'",
            r#"CollectMode s Str("inactive-or-failed")"#,
        );
        ok(
            "TimeoutStopSec",
            "456",
            "TimeoutStopUSec t Fixed(116, 456000000)",
        );
        for ty in [
            "byte", "int16", "uint16", "int32", "uint32", "int64", "uint64",
        ] {
            ok(
                "TimeoutStopSec",
                &format!("{ty} 234"),
                "TimeoutStopUSec t Fixed(116, 234000000)",
            );
        }
        ok(
            "TimeoutStopSec",
            "234.789",
            "TimeoutStopUSec t Fixed(116, 234789000)",
        );
        // Only a lowercase letter before "Sec" makes it seconds.
        ok("FOOSec", "123", "FOOSec i Fixed(105, 123)");
        ok("Sec", "123", "Sec i Fixed(105, 123)");
        assert_eq!(annotated("some.other.annotation", "0"), Ok(String::new()));
    }

    #[test]
    fn a_bad_annotation_is_named_with_why() {
        let p = "org.systemd.property.";
        for (name, text, why) in [
            ("TimeoutStopSec", "false", "not a number of seconds"),
            ("TimeoutStopSec", "'covfefe'", "not a number of seconds"),
            ("TimeoutStopSec", "-1", "not a number of seconds"),
            ("Xo", "1", "the name is not three or more ASCII letters"),
            (
                "Number1",
                "1",
                "the name is not three or more ASCII letters",
            ),
            ("ValidName", "invalid-value", gvariant::NOT_A_VALUE),
        ] {
            let want = format!("annotation {p}{name}={text}: {why}");
            assert_eq!(annotated(&format!("{p}{name}"), text), Err(want));
        }
    }

    #[test]
    fn numbers_are_written_in_their_own_size() {
        let mut w = Writer::default();
        let annotated = [
            ("Ab".to_string(), Value::Fixed(b'q', 7)),
            ("Cd".to_string(), Value::Fixed(b'x', -2i64 as u64)),
        ];
        write(&mut w, &[], &annotated);
        // The entry at 8: "Ab\0" at 12, signature "q" at 15, the u16 at 18; the next at 24,
        // its int64 padded to 40.
        assert_eq!(&w.buf[15..20], &[1, b'q', 0, 7, 0]);
        assert_eq!(&w.buf[24..40], b"\x02\0\0\0Cd\0\x01x\0\0\0\0\0\0\0");
        assert_eq!(&w.buf[40..], &(-2i64).to_le_bytes());
    }

    #[test]
    fn properties_are_an_array_of_name_and_variant() {
        let mut w = Writer::default();
        write(&mut w, &[("Delegate", Value::Bool(true))], &[]);
        // length 20, padding to 8, "Delegate\0" at 8, signature "b" at 21, the u32 at 24.
        assert_eq!(&w.buf[..4], &[20, 0, 0, 0]);
        assert_eq!(&w.buf[8..12], &[8, 0, 0, 0]);
        assert_eq!(&w.buf[12..21], b"Delegate\0");
        assert_eq!(&w.buf[21..24], &[1, b'b', 0]);
        assert_eq!(&w.buf[24..], &[1, 0, 0, 0]);
    }
}
