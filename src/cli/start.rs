//! `husk start ID`: let a created container run its process.

use super::{Failure, Global};
use husk::container::Container;
use std::ffi::OsString;

const HELP: &str = "usage: husk start ID\n\nStarts the process of a created container.";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let id = super::only_id(rest, "start", HELP)?;
    let notify = std::env::var_os("NOTIFY_SOCKET").map(std::path::PathBuf::from);
    Container::load(&g.root, &id)?.start_notify(notify.as_deref(), None)?;
    Ok(0)
}
