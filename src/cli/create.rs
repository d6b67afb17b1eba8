//! `husk create`: a container parked until `start`. Also the shared flags of `create` and `run`.

use super::flags::Flag;
use super::{flags, Failure, Global};
use husk::container::{self, ContainerError, CreateOptions};
use lexopt::Parser;
use std::ffi::OsString;
use std::path::PathBuf;

const HELP: &str = "usage: husk create [flags] ID

Creates a container from a bundle; its process waits until `husk start ID`.

  --bundle, -b DIR       the bundle (default: the current directory)
  --pid-file FILE        write the container's pid here once it waits
  --console-socket PATH  send the pty master here (process.terminal)
  --preserve-fds N       pass fds 3..3+N on to the container
  --no-pivot             move the rootfs with MS_MOVE and chroot instead of pivot_root
  --no-new-keyring       keep the caller's session keyring";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut opts = options(g);
    let ids = super::parse(rest, "create", HELP, |a, p| create_flag(&mut opts, a, p))?;
    opts.id = flags::one_id(ids, "create")?;
    container::create(&opts).map_err(failure)?;
    Ok(0)
}

/// The defaults of `create` and `run`, with the socket-activation fds systemd passed to this
/// process (LISTEN_FDS, for LISTEN_PID = us) and its NOTIFY_SOCKET to hand on.
pub fn options(g: &Global) -> CreateOptions {
    let env_number = |name| std::env::var(name).ok()?.parse::<i32>().ok();
    let ours = env_number("LISTEN_PID") == Some(std::process::id() as i32);
    CreateOptions {
        root: g.root.clone(),
        bundle: PathBuf::from("."),
        listen_fds: env_number("LISTEN_FDS").filter(|_| ours).unwrap_or(0),
        rootless: g.rootless,
        systemd_cgroup: g.systemd_cgroup,
        system: g.system,
        notify_socket: std::env::var_os("NOTIFY_SOCKET").map(PathBuf::from),
        ..Default::default()
    }
}

/// Reads one flag that `create` and `run` share; false if `a` is not one of them.
pub fn create_flag(opts: &mut CreateOptions, a: &Flag, p: &mut Parser) -> Result<bool, Failure> {
    match a {
        a if a.is(Some('b'), "bundle") => opts.bundle = PathBuf::from(flags::string(p)?),
        a if a.is(None, "pid-file") => opts.pid_file = Some(PathBuf::from(flags::string(p)?)),
        a if a.is(None, "preserve-fds") => opts.preserve_fds = flags::number(p, "preserve-fds")?,
        a if a.is(None, "no-pivot") => opts.no_pivot = true,
        a if a.is(None, "no-new-keyring") => opts.no_new_keyring = true,
        a if a.is(None, "console-socket") => {
            opts.console_socket = Some(PathBuf::from(flags::string(p)?))
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A container error as a failed command: 127 when the executable does not exist.
pub fn failure(e: ContainerError) -> Failure {
    Failure {
        code: e.exit_code(),
        msg: e.to_string(),
    }
}
