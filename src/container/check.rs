//! Config rules that come from how husk runs a container rather than from the spec's types.

use crate::process::error::ProcessError;
use crate::process::{lsm, validate};
use crate::spec::{FieldError, Spec};

pub fn check(spec: &Spec) -> Result<(), FieldError> {
    let linux = spec
        .linux
        .as_ref()
        .ok_or_else(|| FieldError::new("linux", "missing: husk runs Linux containers"))?;
    let process = spec
        .process
        .as_ref()
        .ok_or_else(|| FieldError::new("process", "missing"))?;
    super::idmapped::check(spec, linux)?;
    check_oom_score_adj(process.oom_score_adj)?;
    check_intel_rdt(linux)?;
    if !linux.net_devices.is_empty() && !crate::sys::ids::is_root() {
        let reason = "network devices are not supported for rootless containers";
        return Err(FieldError::new("linux.netDevices", reason));
    }
    lsm::check(process, &linux.mount_label)?;
    validate::validate(process)?;
    warn_unknown_caps(process);
    if let Some(policy) = &linux.memory_policy {
        crate::process::mempolicy::resolve(policy).map_err(ProcessError::into_field)?;
    }
    match &linux.personality {
        Some(p) => validate::validate_personality(p),
        None => Ok(()),
    }
}

/// A capability this build does not know (a newer kernel's, a typo) is left out with a
/// warning, as runc does, so that one config serves several runtimes and kernels.
pub(super) fn warn_unknown_caps(process: &crate::spec::Process) {
    let unknown = process
        .capabilities
        .as_ref()
        .map(crate::process::caps::unknown)
        .unwrap_or_default();
    if !unknown.is_empty() {
        crate::log::warn(&format!(
            "ignoring unknown or unavailable capabilities: [{}]",
            unknown.join(" ")
        ));
    }
}

/// husk has no resctrl support: runc's words where the host has no resctrl either, else ours.
fn check_intel_rdt(linux: &crate::spec::Linux) -> Result<(), FieldError> {
    if linux.intel_rdt.is_none() {
        return Ok(());
    }
    Err(
        match std::path::Path::new("/sys/fs/resctrl/info").exists() {
            false => FieldError::new(
                "",
                "intelRdt is specified in config, but Intel RDT is not enabled",
            ),
            true => FieldError::new("linux.intelRdt", "husk does not support Intel RDT"),
        },
    )
}

/// The kernel's range, and only CAP_SYS_RESOURCE (on the host) lowers oom_score_adj below the
/// caller's own: say so before init fails on it with no field named.
fn check_oom_score_adj(adj: Option<i32>) -> Result<(), FieldError> {
    let field = "process.oomScoreAdj";
    if let Some(adj) = adj.filter(|a| !(-1000..=1000).contains(a)) {
        return Err(FieldError::new(
            field,
            format!("{adj} is outside the kernel's range -1000..1000"),
        ));
    }
    let (Some(adj), false) = (adj, crate::sys::ids::is_root()) else {
        return Ok(());
    };
    let own: i32 = std::fs::read_to_string("/proc/self/oom_score_adj")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(adj);
    if adj >= own {
        return Ok(());
    }
    Err(FieldError::new(
        field,
        format!(
            "{adj} is below the caller's own {own}, which only CAP_SYS_RESOURCE on the host allows"
        ),
    ))
}

/// The `linux.resources` fields that ask for cgroup limits (device rules aside).
pub fn limits(linux: &crate::spec::Linux) -> Vec<String> {
    let Some(r) = &linux.resources else {
        return Vec::new();
    };
    let set = [
        ("memory", r.memory.is_some()),
        ("cpu", r.cpu.is_some()),
        ("pids", r.pids.is_some()),
        ("blockIO", r.block_io.is_some()),
        ("hugepageLimits", !r.hugepage_limits.is_empty()),
        ("network", r.network.is_some()),
        ("rdma", !r.rdma.is_empty()),
        ("unified", !r.unified.is_empty()),
    ];
    set.iter()
        .filter(|(_, on)| *on)
        .map(|(k, _)| format!("linux.resources.{k}"))
        .collect()
}
