//! Config rules that come from how husk runs a container rather than from the spec's types.

use super::ContainerError;
use crate::process::validate;
use crate::spec::{NamespaceType, Spec};

pub fn check(spec: &Spec) -> Result<(), ContainerError> {
    let linux = spec.linux.as_ref().ok_or_else(|| {
        ContainerError::Config("linux: missing: husk runs Linux containers".into())
    })?;
    if !linux
        .namespaces
        .iter()
        .any(|n| n.kind == NamespaceType::Mount)
    {
        return Err(ContainerError::Config(
            "linux.namespaces: a mount namespace is required".into(),
        ));
    }
    let process = spec
        .process
        .as_ref()
        .ok_or_else(|| ContainerError::Config("process: missing".into()))?;
    let invalid = |e: crate::process::error::ProcessError| ContainerError::Config(e.to_string());
    validate::validate(process).map_err(invalid)?;
    match &linux.personality {
        Some(p) => validate::validate_personality(p).map_err(invalid),
        None => Ok(()),
    }
}
