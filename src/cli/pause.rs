//! `husk pause ID`: freeze every process of a container.

use super::{Failure, Global};
use std::ffi::OsString;

const HELP: &str =
    "usage: husk pause ID\n\nSuspends every process in the container (cgroup freezer).";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let id = super::only_id(rest, "pause", HELP)?;
    husk::container::pause(&g.root, &id, true)?;
    Ok(0)
}
