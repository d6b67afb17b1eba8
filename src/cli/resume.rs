//! `husk resume ID`: thaw a paused container.

use super::{Failure, Global};
use std::ffi::OsString;

const HELP: &str = "usage: husk resume ID\n\nResumes every process of a paused container.";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let id = super::only_id(rest, "resume", HELP)?;
    husk::container::pause(&g.root, &id, false)?;
    Ok(0)
}
