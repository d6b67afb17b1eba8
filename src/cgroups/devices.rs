//! Device rules in a cgroup v1 devices hierarchy. The rules are played into a model of the
//! kernel's list (a default plus exceptions), and only the difference from what devices.list
//! holds now is written, as runc's emulator does: the kernel refuses some writes a literal
//! replay would make ("a" while the cgroup has children), and a rule that changes nothing is
//! never written.

use super::CgroupError;
use crate::spec::DeviceRule;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Access bits: r, w, m.
const BITS: [(u8, char); 3] = [(1, 'r'), (2, 'w'), (4, 'm')];

/// (major, minor, type); -1 is a wildcard. Ordered as runc orders its transition rules.
type Node = (i64, i64, char);

#[derive(Debug, Default, PartialEq)]
struct Model {
    /// Default allow (the exceptions deny) or default deny (they allow).
    allow_all: bool,
    exceptions: BTreeMap<Node, u8>,
}

pub fn apply_v1(dir: &Path, rules: &[DeviceRule]) -> Result<(), CgroupError> {
    let list = dir.join("devices.list");
    let text = fs::read_to_string(&list).map_err(|e| CgroupError::io("read", &list, e))?;
    let invalid = |m| CgroupError::Invalid("devices", m);
    let current = Model::from_list(&text).map_err(invalid)?;
    let target = Model::from_rules(rules).map_err(invalid)?;
    for (allow, line) in current.transition(&target) {
        let file = dir.join(if allow {
            "devices.allow"
        } else {
            "devices.deny"
        });
        fs::write(&file, line).map_err(|e| CgroupError::io("write", &file, e))?;
    }
    Ok(())
}

fn access(text: &str) -> u8 {
    BITS.iter()
        .filter(|(_, c)| text.contains(*c))
        .fold(0, |acc, (b, _)| acc | b)
}

fn line(node: Node, bits: u8) -> String {
    let num = |n: i64| match n {
        -1 => "*".to_string(),
        n => n.to_string(),
    };
    let access: String = BITS
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, c)| c)
        .collect();
    format!("{} {}:{} {access}", node.2, num(node.0), num(node.1))
}

impl Model {
    /// The list a cgroup's devices.list shows: "a *:* rwm" alone, or the allowed exceptions.
    fn from_list(text: &str) -> Result<Model, String> {
        let mut m = Model::default();
        for l in text.lines() {
            let f: Vec<&str> = l.split([' ', ':']).collect();
            let [kind, major, minor, bits] = f[..] else {
                return Err(format!("devices.list: malformed line {l:?}"));
            };
            let num = |s: &str| match s {
                "*" => Ok(-1),
                s => s
                    .parse()
                    .map_err(|_| format!("devices.list: bad number in {l:?}")),
            };
            match kind {
                "a" => m.reset(true),
                "b" | "c" => {
                    let node = (num(major)?, num(minor)?, kind.chars().next().unwrap_or('c'));
                    m.play(true, node, access(bits))?;
                }
                _ => return Err(format!("devices.list: unknown type in {l:?}")),
            }
        }
        Ok(m)
    }

    /// The rules in order, over a start that denies everything (runc's start).
    fn from_rules(rules: &[DeviceRule]) -> Result<Model, String> {
        let mut m = Model::default();
        for r in rules {
            let kind = r.kind.as_deref().unwrap_or("a");
            if kind == "a" {
                m.reset(r.allow);
                continue;
            }
            let num = |n: Option<i64>| n.filter(|n| *n >= 0).unwrap_or(-1);
            let node = (
                num(r.major),
                num(r.minor),
                if kind == "b" { 'b' } else { 'c' },
            );
            m.play(r.allow, node, access(r.access.as_deref().unwrap_or("rwm")))?;
        }
        Ok(m)
    }

    fn reset(&mut self, allow_all: bool) {
        self.allow_all = allow_all;
        self.exceptions.clear();
    }

    /// A rule agreeing with the default takes back an exception; one against it adds one.
    fn play(&mut self, allow: bool, node: Node, bits: u8) -> Result<(), String> {
        if allow != self.allow_all {
            *self.exceptions.entry(node).or_default() |= bits;
            return Ok(());
        }
        let (major, minor, kind) = node;
        for wider in [(-1, minor, kind), (major, -1, kind), (-1, -1, kind)] {
            let held = self.exceptions.get(&wider).copied().unwrap_or(0);
            if wider != node && held & bits != 0 {
                return Err(format!(
                    "{:?} cannot be cut out of {:?}: cgroup v1 cannot punch a hole in a wildcard rule",
                    line(node, bits),
                    line(wider, held)
                ));
            }
        }
        let left = self.exceptions.get(&node).copied().unwrap_or(0) & !bits;
        match left {
            0 => self.exceptions.remove(&node),
            _ => self.exceptions.insert(node, left),
        };
        Ok(())
    }

    /// The fewest writes (true: devices.allow) that turn this list into `target`.
    fn transition(&self, target: &Model) -> Vec<(bool, String)> {
        let mut writes = Vec::new();
        let empty = BTreeMap::new();
        let mut old = &self.exceptions;
        if self.allow_all || self.allow_all != target.allow_all {
            writes.push((target.allow_all, "a".to_string()));
            old = &empty;
        }
        for (node, bits) in old {
            let dropped = bits & !target.exceptions.get(node).copied().unwrap_or(0);
            if dropped != 0 {
                writes.push((target.allow_all, line(*node, dropped)));
            }
        }
        for (node, bits) in &target.exceptions {
            let gained = bits & !old.get(node).copied().unwrap_or(0);
            if gained != 0 {
                writes.push((!target.allow_all, line(*node, gained)));
            }
        }
        writes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(allow: bool, kind: &str, major: i64, minor: i64, access: &str) -> DeviceRule {
        DeviceRule {
            allow,
            kind: Some(kind.into()),
            major: Some(major),
            minor: Some(minor),
            access: Some(access.into()),
        }
    }

    fn writes(list: &str, rules: &[DeviceRule]) -> Vec<(bool, String)> {
        let target = Model::from_rules(rules).unwrap();
        Model::from_list(list).unwrap().transition(&target)
    }

    #[test]
    fn a_fresh_cgroup_is_denied_then_given_its_exceptions_in_order() {
        let rules = [
            rule(false, "a", -1, -1, "rwm"),
            rule(true, "c", 1, 3, "rwm"),
            rule(true, "c", 136, -1, "rwm"),
            rule(true, "c", -1, -1, "m"),
        ];
        let w = writes("a *:* rwm\n", &rules);
        let lines: Vec<_> = w.iter().map(|(a, l)| (*a, l.as_str())).collect();
        assert_eq!(
            lines,
            [
                (false, "a"),
                (true, "c *:* m"),
                (true, "c 1:3 rwm"),
                (true, "c 136:* rwm")
            ]
        );
    }

    #[test]
    fn an_unchanged_list_needs_no_write_and_a_change_only_its_difference() {
        let list = "c 1:3 rwm\nc 1:5 rw\n";
        let mut rules = vec![rule(true, "c", 1, 3, "rwm"), rule(true, "c", 1, 5, "rw")];
        assert!(writes(list, &rules).is_empty());
        // A deny with a letter the kernel would refuse ("a") takes back nothing here: no write.
        rules.push(rule(false, "c", 1, 11, "rwa"));
        assert!(writes(list, &rules).is_empty());
        rules[1] = rule(true, "c", 1, 5, "r");
        rules.push(rule(true, "b", 8, 0, "r"));
        assert_eq!(
            writes(list, &rules),
            [
                (false, "c 1:5 w".to_string()),
                (true, "b 8:0 r".to_string())
            ]
        );
    }

    #[test]
    fn a_hole_in_a_wildcard_is_refused() {
        let rules = [rule(true, "c", -1, -1, "rwm"), rule(false, "c", 1, 3, "r")];
        let err = Model::from_rules(&rules).unwrap_err();
        assert!(
            err.contains("\"c 1:3 r\" cannot be cut out of \"c *:* rwm\""),
            "{err}"
        );
    }
}
