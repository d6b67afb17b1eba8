//! Config rules that come from how husk runs a container rather than from the spec's types.

use super::ContainerError;
use crate::process::{error::ProcessError, lsm, validate};
use crate::spec::{NamespaceType, Spec};

pub fn check(spec: &Spec) -> Result<(), ContainerError> {
    let config = |msg: &str| ContainerError::Config(msg.into());
    let linux = spec
        .linux
        .as_ref()
        .ok_or_else(|| config("linux: missing: husk runs Linux containers"))?;
    if !linux
        .namespaces
        .iter()
        .any(|n| n.kind == NamespaceType::Mount)
    {
        return Err(config("linux.namespaces: a mount namespace is required"));
    }
    let process = spec
        .process
        .as_ref()
        .ok_or_else(|| config("process: missing"))?;
    if process.terminal {
        return Err(config(
            "process.terminal: true needs a pseudo-terminal, which husk cannot allocate yet",
        ));
    }
    warn_unapplied_resources(linux);
    lsm::check(process, &linux.mount_label).map_err(ContainerError::Config)?;
    let invalid = |e: ProcessError| ContainerError::Config(e.to_string());
    validate::validate(process).map_err(invalid)?;
    match &linux.personality {
        Some(p) => validate::validate_personality(p).map_err(invalid),
        None => Ok(()),
    }
}

/// Cgroup limits other than device rules are placed but not yet enforced; a caller who set
/// some must hear it.
fn warn_unapplied_resources(linux: &crate::spec::Linux) {
    let Some(r) = &linux.resources else { return };
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
    let fields: Vec<String> = set
        .iter()
        .filter(|(_, on)| *on)
        .map(|(k, _)| format!("linux.resources.{k}"))
        .collect();
    if !fields.is_empty() {
        crate::log::warn(&format!(
            "{}: cgroup resource limits are not applied yet",
            fields.join(", ")
        ));
    }
}
