//! Device rules in a cgroup v1 devices hierarchy: each rule, in order, is one line written to
//! devices.allow or devices.deny, so a later rule overrides an earlier one as the spec says.

use super::CgroupError;
use crate::spec::DeviceRule;
use std::fs;
use std::path::Path;

pub fn apply_v1(dir: &Path, rules: &[DeviceRule]) -> Result<(), CgroupError> {
    for rule in rules {
        let file = dir.join(if rule.allow {
            "devices.allow"
        } else {
            "devices.deny"
        });
        fs::write(&file, line(rule)).map_err(|e| CgroupError::io("write", &file, e))?;
    }
    Ok(())
}

/// `type major:minor access`; a missing number is `*`, a missing type or `a` means every
/// device, which the kernel takes as the single letter `a`.
fn line(rule: &DeviceRule) -> String {
    let kind = rule.kind.as_deref().unwrap_or("a");
    if kind == "a" {
        return "a".into();
    }
    let num = |n: Option<i64>| {
        n.filter(|n| *n >= 0)
            .map_or("*".to_string(), |n| n.to_string())
    };
    let access = rule.access.as_deref().unwrap_or("rwm");
    format!("{kind} {}:{} {access}", num(rule.major), num(rule.minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        allow: bool,
        kind: Option<&str>,
        major: Option<i64>,
        minor: Option<i64>,
        access: Option<&str>,
    ) -> DeviceRule {
        DeviceRule {
            allow,
            kind: kind.map(Into::into),
            major,
            minor,
            access: access.map(Into::into),
        }
    }

    #[test]
    fn lines_as_the_kernel_takes_them() {
        assert_eq!(line(&rule(false, None, None, None, Some("rwm"))), "a");
        assert_eq!(
            line(&rule(true, Some("c"), Some(1), Some(3), Some("rwm"))),
            "c 1:3 rwm"
        );
        assert_eq!(
            line(&rule(true, Some("c"), Some(136), None, None)),
            "c 136:* rwm"
        );
        assert_eq!(
            line(&rule(true, Some("b"), None, None, Some("m"))),
            "b *:* m"
        );
    }
}
