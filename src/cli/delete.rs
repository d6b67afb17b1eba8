//! `husk delete [--force] ID`: remove a container.

use super::{flags, Failure, Global};
use std::ffi::OsString;

const HELP: &str = "usage: husk delete [--force|-f] ID

Removes a stopped or created container; --force kills a running one first.";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut force = false;
    let ids = super::parse(rest, "delete", HELP, |a, _| {
        let matched = a.is(Some('f'), "force");
        force |= matched;
        Ok(matched)
    })?;
    let id = flags::one_id(ids, "delete")?;
    husk::container::delete(&g.root, &id, force)?;
    Ok(0)
}
