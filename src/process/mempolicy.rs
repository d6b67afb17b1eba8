//! `linux.memoryPolicy`: the NUMA policy (set_mempolicy) that init and every exec'd process
//! start with; checked at create with runc's words, applied before execve.

use super::error::ProcessError;
use crate::spec::cpulist;
use crate::spec::MemoryPolicy;
use crate::sys::sched;

/// runc's mode names, each at its kernel number.
pub const MODES: [&str; 7] = [
    "MPOL_DEFAULT",
    "MPOL_PREFERRED",
    "MPOL_BIND",
    "MPOL_INTERLEAVE",
    "MPOL_LOCAL",
    "MPOL_PREFERRED_MANY",
    "MPOL_WEIGHTED_INTERLEAVE",
];

/// The mode flags, each at its bit less 13.
pub const FLAGS: [&str; 3] = [
    "MPOL_F_NUMA_BALANCING",
    "MPOL_F_RELATIVE_NODES",
    "MPOL_F_STATIC_NODES",
];

/// The mode with its flags and the node mask, or the first thing wrong with them.
pub fn resolve(policy: &MemoryPolicy) -> Result<(i32, Vec<u64>), ProcessError> {
    let invalid = |field: &str, what: &str, value: &str| {
        ProcessError::invalid(
            format!("linux.memoryPolicy.{field}"),
            format!("invalid memory policy {what} {value:?}"),
        )
    };
    let mode = index(&MODES, &policy.mode).ok_or_else(|| invalid("mode", "mode", &policy.mode))?;
    let nodes = cpulist::parse(&policy.nodes).map_err(|e| invalid("nodes", e, &policy.nodes))?;
    let mut flags = 0;
    for name in &policy.flags {
        flags |= 1 << (13 + index(&FLAGS, name).ok_or_else(|| invalid("flags", "flag", name))?);
    }
    let count = cpulist::count(&nodes);
    let need = match (mode, count) {
        (0 | 4, 1..) => "0 nodes",
        (0 | 1 | 4, _) | (_, 1..) => return Ok((mode | flags, nodes)),
        _ => "at least one node",
    };
    Err(ProcessError::invalid(
        "linux.memoryPolicy.nodes",
        format!("memory policy mode requires {need} but got {count}"),
    ))
}

#[inline(never)]
pub fn apply(policy: Option<&MemoryPolicy>) -> Result<(), ProcessError> {
    let Some(policy) = policy else {
        return Ok(());
    };
    let (mode, nodes) = resolve(policy)?;
    sched::set_mempolicy(mode, &nodes)
        .map_err(|e| ProcessError::failed("linux.memoryPolicy", "set_mempolicy", e))
}

fn index(names: &[&str], name: &str) -> Option<i32> {
    names.iter().position(|n| *n == name).map(|i| i as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: &str, nodes: &str, flags: &[&str]) -> Result<(i32, Vec<u64>), String> {
        let p = MemoryPolicy {
            mode: mode.into(),
            nodes: nodes.into(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
        };
        resolve(&p).map_err(|e| e.to_string())
    }

    #[test]
    fn modes_and_flags_combine_as_the_kernel_takes_them() {
        assert_eq!(policy("MPOL_INTERLEAVE", "0", &[]).unwrap(), (3, vec![1]));
        let static_bind = policy("MPOL_BIND", "0-1", &["MPOL_F_STATIC_NODES"]).unwrap();
        assert_eq!(static_bind, (2 | 1 << 15, vec![3]));
        assert_eq!(policy("MPOL_DEFAULT", "", &[]).unwrap(), (0, vec![]));
    }

    #[test]
    fn each_bad_part_is_named_in_runc_words() {
        let e = policy("INTERLEAVE", "0", &[]).unwrap_err();
        assert_eq!(
            e,
            "linux.memoryPolicy.mode: invalid memory policy mode \"INTERLEAVE\""
        );
        let e = policy("", "0-7", &[]).unwrap_err();
        assert!(e.contains("invalid memory policy mode"), "{e}");
        let e = policy("MPOL_PREFERRED", "0", &["MPOL_F_RELATIVE_NODES", "badflag"]);
        assert!(e
            .unwrap_err()
            .contains("invalid memory policy flag \"badflag\""));
        let e = policy("MPOL_DEFAULT", "0-7", &[]).unwrap_err();
        assert!(e.ends_with("mode requires 0 nodes but got 8"), "{e}");
        let e = policy("MPOL_BIND", "", &[]).unwrap_err();
        assert!(e.ends_with("requires at least one node but got 0"), "{e}");
        let e = policy("MPOL_BIND", "0-9876543210", &[]).unwrap_err();
        assert!(
            e.contains("invalid memory policy values larger than"),
            "{e}"
        );
    }
}
