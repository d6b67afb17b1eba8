//! `husk ps`: the container's processes, as the host's ps table or as a JSON list of pids.

use super::flags::{self, UsageError};
use super::{Failure, Global};
use std::ffi::OsString;

const HELP: &str = "usage: husk ps [--format table|json] ID [PS ARGS...]

Lists the container's processes: the host's `ps` (default `ps -ef`) cut down to them, or with
--format json the list of their pids.";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut json = false;
    let (id, args) = super::parse_head(rest, "ps", HELP, "format f", &mut |a, p| {
        if !a.is(Some('f'), "format") {
            return Ok(false);
        }
        json = match flags::string(p)?.as_str() {
            "json" => true,
            "table" => false,
            v => {
                return Err(UsageError(format!("--format: {v:?} is neither table nor json")).into())
            }
        };
        Ok(true)
    })?;
    let text = match json {
        true => {
            let pids: Vec<String> = husk::container::pids(&g.root, &id)?
                .iter()
                .map(|p| p.to_string())
                .collect();
            format!("[{}]\n", pids.join(","))
        }
        false => husk::container::ps_table(&g.root, &id, &args)?,
    };
    super::out(&text);
    Ok(0)
}
