//! `husk run`: create and start, then (unless detached) wait and exit as the container does.

use super::create::{create_flag, failure, options};
use super::{flags, Failure, Global};
use husk::container;
use std::ffi::OsString;

const HELP: &str = "usage: husk run [flags] ID

Creates and starts a container. In the foreground husk forwards signals to it, exits with its
status (128+N when signal N killed it) and deletes it.

  --detach, -d           return once the container runs
  --keep                 do not delete the container when it stops
  --no-subreaper         accepted for runc compatibility
  and every flag of `husk create`";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut opts = options(g);
    let (mut detach, mut keep) = (false, false);
    let ids = super::parse(rest, "run", HELP, |a, p| {
        match a {
            a if a.is(Some('d'), "detach") => detach = true,
            a if a.is(None, "keep") => keep = true,
            a if a.is(None, "no-subreaper") => {}
            _ => return create_flag(&mut opts, a, p),
        }
        Ok(true)
    })?;
    opts.id = flags::one_id(ids, "run")?;
    container::run(&opts, detach, keep).map_err(failure)
}
