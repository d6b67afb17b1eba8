//! runc's command line over the husk library: global flags, then one subcommand.

mod checkpoint;
mod create;
mod delete;
mod events;
mod exec;
mod features;
mod flags;
mod kill;
mod list;
mod pause;
mod ps;
mod restore;
mod resume;
mod run;
mod spec;
mod start;
mod state;
mod update;

use flags::{Flag, UsageError};
use husk::log;
use lexopt::{Arg, Parser, ValueExt};
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// What every subcommand may read from the global flags.
pub struct Global {
    pub root: PathBuf,
    pub systemd_cgroup: bool,
    /// `--rootless`: None is auto (rootless when not run as root).
    pub rootless: Option<bool>,
    /// `--criu PATH`: the CRIU binary of checkpoint and restore.
    pub criu: Option<PathBuf>,
    /// `--system-containers`: every container created is a system container.
    pub system: bool,
}

/// A failed command: the line to print and the exit status.
pub struct Failure {
    pub msg: String,
    pub code: i32,
}

impl<E: fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            msg: e.to_string(),
            code: 1,
        }
    }
}

const USAGE: &str = "usage: husk [global flags] COMMAND [flags] [ID]

commands: create, start, run, exec, state, kill, delete, list, ps, features, spec, pause,
          resume, update, events, checkpoint, restore
global flags: --root DIR (default /run/husk), --log FILE, --log-format text|json, --debug,
              --systemd-cgroup, --rootless true|false|auto, --criu PATH, --system-containers,
              --version, --help";

/// Runs the command line; returns the process exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let valued = "root log log-format rootless criu";
    let mut p = Parser::from_args(flags::normalize(args, true, valued));
    let result = global(&mut p).and_then(|(g, cmd, rest)| dispatch(&g, &cmd, rest));
    match result {
        Ok(code) => code,
        Err(f) => {
            let msg = log::without_errno_numbers(&f.msg);
            log::error(&msg);
            if log::to_file() {
                eprintln!("{msg}");
            }
            f.code
        }
    }
}

fn global(p: &mut Parser) -> Result<(Global, String, Vec<OsString>), Failure> {
    let mut root = None;
    let mut systemd_cgroup = false;
    let mut rootless = None;
    let mut criu = None;
    let mut system = false;
    let mut log_cfg = log::Config::default();
    while let Some(arg) = p.next().map_err(UsageError::from)? {
        match arg {
            Arg::Long("root") => root = Some(PathBuf::from(flags::string(p)?)),
            Arg::Long("log") => log_cfg.file = Some(PathBuf::from(flags::string(p)?)),
            Arg::Long("log-format") => log_cfg.format = log_format(&flags::string(p)?)?,
            Arg::Long("debug") => log_cfg.debug = true,
            Arg::Long("systemd-cgroup") => systemd_cgroup = true,
            Arg::Long("rootless") => rootless = bool_or_auto(&flags::string(p)?)?,
            Arg::Long("criu") => criu = Some(PathBuf::from(flags::string(p)?)),
            Arg::Long("system-containers") => system = true,
            Arg::Short('v') | Arg::Long("version") => {
                out(&version());
                std::process::exit(0);
            }
            Arg::Short('h') | Arg::Long("help") => {
                out(&format!("{USAGE}\n"));
                std::process::exit(0);
            }
            Arg::Value(cmd) => {
                log::init(log_cfg);
                let cmd = cmd.string().map_err(UsageError::from)?;
                return Ok((
                    Global {
                        root: root.unwrap_or_else(default_root),
                        systemd_cgroup,
                        rootless,
                        criu,
                        system,
                    },
                    cmd,
                    p.raw_args().map_err(UsageError::from)?.collect(),
                ));
            }
            other => return Err(flags::unexpected(other, "husk").into()),
        }
    }
    Err(UsageError(format!("a command is missing\n{USAGE}")).into())
}

/// runc's default: an unprivileged caller keeps its state in $XDG_RUNTIME_DIR, and so does
/// root in a user namespace unless $USER says root (a rootless engine's runtime is the
/// former, root's own shell in a container the latter).
fn default_root() -> PathBuf {
    use husk::sys::ids;
    let user_root = || std::env::var_os("USER").is_some_and(|u| u == "root");
    let unprivileged = !ids::is_root() || (ids::in_user_namespace() && !user_root());
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(dir) if !dir.is_empty() && unprivileged => PathBuf::from(dir).join("husk"),
        _ => PathBuf::from("/run/husk"),
    }
}

fn bool_or_auto(v: &str) -> Result<Option<bool>, UsageError> {
    match v {
        "auto" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(UsageError(format!(
            "--rootless: {v:?} is not true, false or auto"
        ))),
    }
}

fn log_format(v: &str) -> Result<log::Format, UsageError> {
    match v {
        "text" => Ok(log::Format::Text),
        "json" => Ok(log::Format::Json),
        _ => Err(UsageError(format!(
            "--log-format: {v:?} is neither text nor json"
        ))),
    }
}

/// Laid out like runc's, which Docker and containerd read.
fn version() -> String {
    format!(
        "husk version {}\ncommit: {}\nspec: {}\n",
        env!("CARGO_PKG_VERSION"),
        env!("HUSK_COMMIT"),
        husk::spec::OCI_VERSION
    )
}

fn dispatch(g: &Global, cmd: &str, rest: Vec<OsString>) -> Result<i32, Failure> {
    log::debug(|| format!("{cmd}: {rest:?} (root {})", g.root.display()));
    match cmd {
        "create" => create::run(g, rest),
        "start" => start::run(g, rest),
        "run" => run::run(g, rest),
        "state" => state::run(g, rest),
        "kill" => kill::run(g, rest),
        "delete" => delete::run(g, rest),
        "list" => list::run(g, rest),
        "exec" => exec::run(g, rest),
        "features" => features::run(g, rest),
        "ps" => ps::run(g, rest),
        "spec" => spec::run(g, rest),
        "pause" => pause::run(g, rest),
        "resume" => resume::run(g, rest),
        "update" => update::run(g, rest),
        "events" => events::run(g, rest),
        "checkpoint" => checkpoint::run(g, rest),
        "restore" => restore::run(g, rest),
        "help" => help_topic(g, rest),
        // runc's wording and code, which scripts probing for a command read.
        _ => Err(Failure {
            msg: format!("No help topic for '{cmd}'"),
            code: 3,
        }),
    }
}

/// `husk help [COMMAND]`: the usage, or the command's own help.
fn help_topic(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    match rest.first().and_then(|c| c.to_str()) {
        None => {
            out(&format!("{USAGE}\n"));
            Ok(0)
        }
        Some(cmd) => dispatch(g, cmd, vec!["--help".into()]),
    }
}

/// Writes to stdout; a reader that went away (`husk list | head -1`) is not an error, and
/// husk keeps SIGPIPE ignored because it writes into hook and init pipes that may close.
pub fn out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(text.as_bytes());
}

/// Prints a command's help and ends the process, as `--help` does everywhere.
pub fn help(text: &str) -> ! {
    out(&format!("{text}\n"));
    std::process::exit(0);
}

fn take(flag: Flag, p: &mut Parser, on_flag: &mut OnFlag, command: &str) -> Result<(), Failure> {
    match on_flag(&flag, p)? {
        true => Ok(()),
        false => Err(flags::unknown(&flag, command).into()),
    }
}

/// The arguments of a command that takes no flags: the container id alone.
pub fn only_id(rest: Vec<OsString>, command: &str, help_text: &str) -> Result<String, Failure> {
    fn no_flags(_: &Flag, _: &mut Parser) -> Result<bool, Failure> {
        Ok(false)
    }
    Ok(flags::one_id(
        parse(rest, command, help_text, no_flags)?,
        command,
    )?)
}

/// Reads a subcommand's arguments: `on_flag` takes each flag (and its value from the
/// parser), operands are collected and returned.
pub fn parse(
    rest: Vec<OsString>,
    command: &str,
    help_text: &str,
    mut on_flag: impl FnMut(&Flag, &mut Parser) -> Result<bool, Failure>,
) -> Result<Vec<String>, Failure> {
    read(rest, command, help_text, None, &mut on_flag)
}

/// Reads flags through `dyn`, so the parser is compiled once and not per subcommand.
type OnFlag<'a> = dyn FnMut(&Flag, &mut Parser) -> Result<bool, Failure> + 'a;

/// Reads flags up to the first operand (the container id) and returns it with everything after
/// it untouched: the command line of `exec` and the `ps` arguments. `valued` names the flags
/// that take a value, space-separated.
pub fn parse_head(
    rest: Vec<OsString>,
    command: &str,
    help_text: &str,
    valued: &str,
    on_flag: &mut OnFlag,
) -> Result<(String, Vec<String>), Failure> {
    let mut operands = read(rest, command, help_text, Some(valued), on_flag)?.into_iter();
    match operands.next() {
        Some(id) => Ok((id, operands.collect())),
        None => Err(UsageError(format!("{command}: the container id is missing")).into()),
    }
}

/// With `head` (the valued flags), everything after the first operand is taken as it is.
fn read(
    rest: Vec<OsString>,
    command: &str,
    help_text: &str,
    head: Option<&str>,
    on_flag: &mut OnFlag,
) -> Result<Vec<String>, Failure> {
    let mut p = Parser::from_args(flags::normalize(rest, head.is_some(), head.unwrap_or("")));
    let mut operands = Vec::new();
    while let Some(arg) = p.next()? {
        match arg {
            Arg::Short('h') | Arg::Long("help") => help(help_text),
            Arg::Value(v) => {
                operands.push(v.string()?);
                if head.is_some() {
                    for a in p.raw_args()? {
                        operands.push(a.string()?);
                    }
                }
            }
            Arg::Short(c) => take(Flag::Short(c), &mut p, on_flag, command)?,
            Arg::Long(l) => take(Flag::Long(l.to_string()), &mut p, on_flag, command)?,
        }
    }
    Ok(operands)
}
