//! `husk run`: create and start, then (unless detached) wait and exit as the container does.

use super::create::{create_flag, failure};
use super::{flags, Failure, Global};
use husk::container::{self, Container, CreateOptions};
use husk::sys::{signal, wait};
use std::ffi::OsString;
use std::path::PathBuf;

const HELP: &str = "usage: husk run [flags] ID

Creates and starts a container. In the foreground husk forwards signals to it, exits with its
status (128+N when signal N killed it) and deletes it.

  --detach, -d           return once the container runs
  --keep                 do not delete the container when it stops
  --no-subreaper         accepted for runc compatibility
  and every flag of `husk create`";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut opts = CreateOptions {
        root: g.root.clone(),
        bundle: PathBuf::from("."),
        ..Default::default()
    };
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
    if detach {
        container::create(&opts)
            .and_then(|mut c| c.start())
            .map_err(failure)?;
        return Ok(0);
    }
    foreground(&opts, keep)
}

/// Signals are held from the start so none is lost between create and the forwarding loop,
/// and husk adopts the container's init when the intermediate nsexec process exits.
fn foreground(opts: &CreateOptions, keep: bool) -> Result<i32, Failure> {
    wait::set_child_subreaper()?;
    signal::block(&signal::SigSet::full())?;
    let mut c = container::create(opts).map_err(failure)?;
    if let Err(e) = c.start() {
        let _ = c.delete(true);
        return Err(failure(e));
    }
    let init = c.unlock().pid;
    let code = container::wait_and_forward(init);
    if !keep {
        Container::load(&opts.root, &opts.id)
            .and_then(|c| c.delete(true))
            .map_err(failure)?;
    }
    Ok(code)
}
