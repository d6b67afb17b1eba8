//! `husk features`: the runtime's features JSON, as runc prints it.

use super::{Failure, Global};
use std::ffi::OsString;

const HELP: &str = "usage: husk features\n\nPrints what this runtime implements as JSON.";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    if let Some(extra) = super::parse(rest, "features", HELP, |_, _| Ok(false))?.first() {
        return Err(super::flags::UsageError(format!("features: unexpected {extra:?}")).into());
    }
    let text = husk::spec::reindent(husk::container::features(g.system).as_bytes(), "    ");
    super::out(&format!("{text}\n"));
    Ok(0)
}
