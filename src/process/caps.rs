//! Capability names and applying the five sets of `process.capabilities`.

use super::error::ProcessError;
use crate::spec::Capabilities;
use crate::sys::caps as sys;

/// Kernel capability names indexed by number, up to CAP_CHECKPOINT_RESTORE (Linux 5.9).
pub const NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The number of a capability name such as "CAP_SYS_ADMIN".
pub fn number(name: &str) -> Option<u32> {
    NAMES.iter().position(|n| *n == name).map(|i| i as u32)
}

/// The five sets as bit masks (bit n = capability n).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapSets {
    pub bounding: u64,
    pub effective: u64,
    pub inheritable: u64,
    pub permitted: u64,
    pub ambient: u64,
}

impl CapSets {
    /// Parses every set; an absent set is empty, as in runc.
    /// Names husk does not know are left out, as runc ignores them (`unknown` lists them for
    /// the warning).
    pub fn parse(caps: &Capabilities) -> CapSets {
        CapSets {
            bounding: parse_set(&caps.bounding),
            effective: parse_set(&caps.effective),
            inheritable: parse_set(&caps.inheritable),
            permitted: parse_set(&caps.permitted),
            ambient: parse_set(&caps.ambient),
        }
    }

    /// Drops capabilities newer than the running kernel, which runc skips silently so one
    /// config works across kernel versions.
    pub fn limit_to(self, last_cap: u32) -> CapSets {
        let mask = mask_through(last_cap);
        CapSets {
            bounding: self.bounding & mask,
            effective: self.effective & mask,
            inheritable: self.inheritable & mask,
            permitted: self.permitted & mask,
            ambient: self.ambient & mask,
        }
    }
}

fn mask_through(last_cap: u32) -> u64 {
    if last_cap >= 63 {
        return u64::MAX;
    }
    (1u64 << (last_cap + 1)) - 1
}

fn parse_set(names: &Option<Vec<String>>) -> u64 {
    names
        .iter()
        .flatten()
        .filter_map(|name| number(name))
        .fold(0, |bits, cap| bits | 1 << cap)
}

/// The capability names of every set that husk does not know, sorted, each once.
pub fn unknown(caps: &Capabilities) -> Vec<&str> {
    let sets = [
        &caps.bounding,
        &caps.effective,
        &caps.inheritable,
        &caps.permitted,
        &caps.ambient,
    ];
    let mut names: Vec<&str> = sets
        .into_iter()
        .flatten()
        .flatten()
        .map(String::as_str)
        .filter(|name| number(name).is_none())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The highest capability the running kernel knows. Probed with PR_CAPBSET_READ rather than
/// read from /proc/sys/kernel/cap_last_cap so it works when the container has no /proc.
pub fn last_cap() -> u32 {
    let mut cap = 0;
    while cap < 63 && sys::bounding_has(cap + 1).is_ok() {
        cap += 1;
    }
    cap
}

/// Removes from the bounding set every capability not in `keep`, up to `last_cap`.
pub fn drop_bounding(keep: u64, last_cap: u32) -> Result<(), ProcessError> {
    for cap in (0..=last_cap).filter(|cap| keep & (1 << cap) == 0) {
        sys::bounding_drop(cap).map_err(|e| {
            ProcessError::failed(
                "process.capabilities.bounding",
                format!("dropping {}", name(cap)),
                e,
            )
        })?;
    }
    Ok(())
}

/// Sets effective, permitted and inheritable, then the ambient set. The kernel keeps a cap
/// ambient only while it is permitted and inheritable; runc's own template lists ambient caps
/// without inheritable ones and runc goes on without them, so husk raises just the ones the
/// kernel can hold.
pub fn apply(sets: &CapSets) -> Result<(), ProcessError> {
    sys::capset(sets.effective, sets.permitted, sets.inheritable).map_err(|e| {
        ProcessError::failed(
            "process.capabilities",
            format!(
                "capset effective={:#x} permitted={:#x} inheritable={:#x}",
                sets.effective, sets.permitted, sets.inheritable
            ),
            e,
        )
    })?;
    raise_ambient(sets.ambient & sets.permitted & sets.inheritable)
}

fn raise_ambient(ambient: u64) -> Result<(), ProcessError> {
    let field = "process.capabilities.ambient";
    sys::ambient_clear_all()
        .map_err(|e| ProcessError::failed(field, "clearing the ambient set", e))?;
    for cap in (0..64).filter(|cap| ambient & (1 << cap) != 0) {
        sys::ambient_raise(cap)
            .map_err(|e| ProcessError::failed(field, format!("raising {}", name(cap)), e))?;
    }
    Ok(())
}

fn name(cap: u32) -> String {
    match NAMES.get(cap as usize) {
        Some(name) => name.to_string(),
        None => format!("capability {cap}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_kernel_numbers() {
        assert_eq!(number("CAP_CHOWN"), Some(0));
        assert_eq!(number("CAP_NET_BIND_SERVICE"), Some(10));
        assert_eq!(number("CAP_SYS_ADMIN"), Some(21));
        assert_eq!(number("CAP_SETFCAP"), Some(31));
        assert_eq!(number("CAP_AUDIT_READ"), Some(37));
        assert_eq!(number("CAP_CHECKPOINT_RESTORE"), Some(40));
        assert_eq!(number("CAP_FOO"), None);
        assert_eq!(number("SYS_ADMIN"), None);
    }

    #[test]
    fn unknown_names_are_left_out_and_listed_once() {
        let caps = Capabilities {
            ambient: Some(vec!["CAP_KILL".into(), "CAP_BOGUS".into()]),
            bounding: Some(vec!["CAP_ZAP".into(), "CAP_BOGUS".into()]),
            ..Default::default()
        };
        assert_eq!(
            CapSets::parse(&caps).ambient,
            1 << number("CAP_KILL").unwrap()
        );
        assert_eq!(unknown(&caps), ["CAP_BOGUS", "CAP_ZAP"]);
    }

    #[test]
    fn caps_above_the_kernel_are_masked_off() {
        let caps = Capabilities {
            bounding: Some(vec!["CAP_CHOWN".into(), "CAP_CHECKPOINT_RESTORE".into()]),
            ..Default::default()
        };
        let sets = CapSets::parse(&caps);
        assert_eq!(sets.bounding, 1 | 1 << 40);
        assert_eq!(sets.limit_to(39).bounding, 1);
        assert_eq!(sets.limit_to(40).bounding, 1 | 1 << 40);
    }

    #[test]
    fn last_cap_agrees_with_procfs() {
        let procfs = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap").unwrap();
        assert_eq!(last_cap(), procfs.trim().parse::<u32>().unwrap());
    }
}
