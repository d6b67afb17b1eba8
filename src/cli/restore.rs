//! `husk restore`: a container brought back from a checkpoint by CRIU (runc's flags).

use super::checkpoint::{criu_flag, criu_options};
use super::create::{failure, options};
use super::{flags, Failure, Global};
use husk::container::{self, CreateOptions, RestoreOptions};
use std::ffi::OsString;
use std::path::PathBuf;

const HELP: &str = "usage: husk restore [flags] ID

Restores a container from checkpoint images with CRIU (from PATH or the global --criu); in the
foreground husk exits with its status and deletes it. Flags: --image-path DIR (default
./checkpoint), --work-path DIR, --bundle|-b DIR, --detach|-d, --pid-file FILE,
--console-socket PATH, --no-subreaper, --no-pivot, --tcp-established, --ext-unix-sk,
--shell-job, --file-locks, --lazy-pages, --auto-dedup, --empty-ns network,
--manage-cgroups-mode soft|full|strict|ignore, --lsm-profile TYPE:NAME, --lsm-mount-context CTX";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut opts = RestoreOptions {
        // The restored process already has its environment and mounts: no socket activation
        // or notify socket is set up for it.
        create: CreateOptions {
            notify_socket: None,
            listen_fds: 0,
            ..options(g)
        },
        criu: criu_options(g),
        ..Default::default()
    };
    let (mut detach, mut subreaper) = (false, true);
    let ids = super::parse(rest, "restore", HELP, |a, p| {
        let c = &mut opts.create;
        match a {
            a if a.is(Some('b'), "bundle") => c.bundle = PathBuf::from(flags::string(p)?),
            a if a.is(None, "pid-file") => c.pid_file = Some(PathBuf::from(flags::string(p)?)),
            a if a.is(None, "console-socket") => {
                c.console_socket = Some(PathBuf::from(flags::string(p)?))
            }
            a if a.is(None, "no-pivot") => c.no_pivot = true,
            a if a.is(Some('d'), "detach") => detach = true,
            a if a.is(None, "no-subreaper") => subreaper = false,
            a if a.is(None, "lsm-profile") => opts.lsm_profile = Some(flags::string(p)?),
            a if a.is(None, "lsm-mount-context") => {
                opts.lsm_mount_context = Some(flags::string(p)?)
            }
            _ => return criu_flag(&mut opts.criu, a, p),
        }
        Ok(true)
    })?;
    opts.create.id = flags::one_id(ids, "restore")?;
    match detach {
        true => container::restore(&opts).map(|_| 0),
        false => container::restore_foreground(&opts, subreaper),
    }
    .map_err(failure)
}
