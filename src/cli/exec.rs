//! `husk exec`: run another process in a container, from a process.json or from flags over
//! the container's own process. Exits with the process's status, 255 when exec itself fails.

use super::flags::{self, Flag, UsageError};
use super::{Failure, Global};
use husk::container::{self, ExecProcess, ProcessFlags};
use husk::ContainerBuilder;
use lexopt::Parser;
use std::ffi::OsString;
use std::path::PathBuf;

const HELP: &str = "usage: husk exec [flags] ID [COMMAND [ARG...]]

Runs a process in a running container, with its namespaces, cgroup and limits.

  --process, -p FILE      the process as a process.json (COMMAND is then not given)
  --tty, -t               allocate a pseudo-terminal
  --cwd DIR               working directory
  --env, -e NAME=VALUE    add an environment variable (repeatable)
  --user, -u UID[:GID]    run as this user
  --additional-gids, -g GID  add a supplementary group (repeatable)
  --cap, -c CAP           add a capability (repeatable; never inheritable)
  --no-new-privs          set no_new_privs
  --apparmor PROFILE      AppArmor profile
  --process-label LABEL   SELinux label
  --detach, -d            return once the process runs
  --pid-file FILE         write the process's pid here
  --console-socket PATH   send the pty master to this unix socket (with -t -d)
  --preserve-fds N        pass fds 3..3+N on to the process
  --ignore-paused         run even in a paused container
  --cgroup PATH           join this existing sub-cgroup of the container";

const VALUED: &str = "process p cwd env e user u additional-gids g cap c apparmor \
    process-label pid-file console-socket preserve-fds cgroup";

#[derive(Default)]
struct Options {
    process: Option<PathBuf>,
    flags: ProcessFlags,
    detach: bool,
    pid_file: Option<PathBuf>,
    console_socket: Option<PathBuf>,
    preserve_fds: i32,
    ignore_paused: bool,
    cgroup: Option<PathBuf>,
}

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    exec(g, rest).map_err(|f| Failure {
        msg: format!("exec failed: {}", f.msg),
        code: 255,
    })
}

fn exec(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut o = Options::default();
    let (id, args) = super::parse_head(rest, "exec", HELP, VALUED, &mut |a, p| flag(&mut o, a, p))?;
    let how = match o.process.take() {
        Some(_) if !args.is_empty() => {
            return Err(UsageError("--process: a COMMAND cannot be given as well".into()).into())
        }
        Some(file) => ExecProcess::File(file),
        None => ExecProcess::Flags(ProcessFlags { args, ..o.flags }),
    };
    let process = container::exec_process(&g.root, &id, how)?;
    let mut t = ContainerBuilder::new(&id)
        .root(&g.root)
        .tenant(process)
        .detach(o.detach)
        .preserve_fds(o.preserve_fds)
        .ignore_paused(o.ignore_paused);
    if let Some(p) = o.pid_file {
        t = t.pid_file(p);
    }
    if let Some(s) = o.console_socket {
        t = t.console_socket(s);
    }
    if let Some(c) = o.cgroup {
        t = t.sub_cgroup(c);
    }
    Ok(t.run()?)
}

fn flag(o: &mut Options, a: &Flag, p: &mut Parser) -> Result<bool, Failure> {
    let path = |p: &mut Parser| flags::string(p).map(PathBuf::from);
    let f = &mut o.flags;
    match a {
        a if a.is(Some('p'), "process") => o.process = Some(path(p)?),
        a if a.is(Some('t'), "tty") => f.terminal = true,
        a if a.is(None, "cwd") => f.cwd = Some(flags::string(p)?),
        a if a.is(Some('e'), "env") => f.env.push(flags::string(p)?),
        a if a.is(Some('u'), "user") => user(f, &flags::string(p)?)?,
        a if a.is(Some('g'), "additional-gids") => {
            f.additional_gids.push(id(p, "additional-gids")?)
        }
        a if a.is(Some('c'), "cap") => f.caps.push(flags::string(p)?),
        a if a.is(None, "no-new-privs") => f.no_new_privs = true,
        a if a.is(None, "apparmor") => f.apparmor = Some(flags::string(p)?),
        a if a.is(None, "process-label") => f.process_label = Some(flags::string(p)?),
        a if a.is(Some('d'), "detach") => o.detach = true,
        a if a.is(None, "pid-file") => o.pid_file = Some(path(p)?),
        a if a.is(None, "console-socket") => o.console_socket = Some(path(p)?),
        a if a.is(None, "preserve-fds") => o.preserve_fds = flags::number(p, "preserve-fds")?,
        a if a.is(None, "ignore-paused") => o.ignore_paused = true,
        a if a.is(None, "cgroup") => o.cgroup = Some(path(p)?),
        _ => return Ok(false),
    }
    Ok(true)
}

fn id(p: &mut Parser, flag: &str) -> Result<u32, UsageError> {
    let v = flags::string(p)?;
    number(&v, flag)
}

fn number(v: &str, flag: &str) -> Result<u32, UsageError> {
    v.parse()
        .map_err(|_| UsageError(format!("--{flag}: {v:?} is not a number")))
}

/// `UID[:GID]`, numbers only, as runc takes them.
fn user(f: &mut ProcessFlags, v: &str) -> Result<(), UsageError> {
    let (uid, gid) = match v.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (v, None),
    };
    f.uid = Some(number(uid, "user")?);
    f.gid = gid.map(|g| number(g, "user")).transpose()?;
    Ok(())
}
