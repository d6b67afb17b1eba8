//! `husk spec`: write a starting config.json, runc's template.

use super::{flags, flags::UsageError, Failure, Global};
use std::ffi::OsString;
use std::path::PathBuf;

const HELP: &str = "usage: husk spec [--bundle|-b DIR] [--rootless]

Writes a config.json for a container running `sh` into DIR (default: the current directory).";

pub fn run(_: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let (mut bundle, mut rootless) = (PathBuf::from("."), false);
    let ops = super::parse(rest, "spec", HELP, |a, p| {
        match a {
            a if a.is(Some('b'), "bundle") => bundle = PathBuf::from(flags::string(p)?),
            a if a.is(None, "rootless") => rootless = true,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !ops.is_empty() {
        return Err(UsageError("spec: takes no operands".into()).into());
    }
    let mut spec = husk::spec::template::example();
    if rootless {
        husk::spec::template::make_rootless(&mut spec);
    }
    let path = bundle.join("config.json");
    if path.exists() {
        return Err(UsageError(format!("{}: file exists, remove it first", path.display())).into());
    }
    std::fs::write(&path, husk::spec::template::to_pretty_json(&spec))
        .map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(0)
}
