//! Config rules that come from how husk runs a container rather than from the spec's types.

use super::ContainerError;
use crate::process::{error::ProcessError, validate};
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
    let invalid = |e: ProcessError| ContainerError::Config(e.to_string());
    validate::validate(process).map_err(invalid)?;
    match &linux.personality {
        Some(p) => validate::validate_personality(p).map_err(invalid),
        None => Ok(()),
    }
}
