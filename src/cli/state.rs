//! `husk state ID`: the OCI state JSON.

use super::{Failure, Global};
use std::ffi::OsString;

const HELP: &str = "usage: husk state ID\n\nPrints the container's state as JSON.";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let id = super::only_id(rest, "state", HELP)?;
    let state = husk::container::state(&g.root, &id)?;
    super::out(&format!("{}\n", husk::spec::to_json_pretty(&state, "  ")));
    Ok(0)
}
