//! Argument handling shared by the subcommands: Go-style single-dash long flags (`-pid-file`,
//! `-no-subreaper`, as containerd sends them) become `--` flags before lexopt reads them.

use lexopt::{Arg, Parser, ValueExt};
use std::ffi::OsString;
use std::fmt;

/// A usage error: which flag or argument is wrong, for one line on stderr.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<lexopt::Error> for UsageError {
    fn from(e: lexopt::Error) -> Self {
        UsageError(e.to_string())
    }
}

/// `-name...` with more than one letter is a long flag, as in Go's flag package; `--` ends
/// flags. `stop_after_positional` keeps a command line after the first operand untouched;
/// the argument after a flag named in `valued` (space-separated names) is that flag's value,
/// never an operand.
pub fn normalize(
    args: impl IntoIterator<Item = OsString>,
    stop_after_positional: bool,
    valued: &str,
) -> Vec<OsString> {
    let mut out = Vec::new();
    let (mut flags_done, mut value_next) = (false, false);
    for a in args {
        let s = a.to_string_lossy().into_owned();
        if flags_done || value_next || s == "-" || !s.starts_with('-') {
            flags_done |= stop_after_positional && !value_next && !s.starts_with('-');
            value_next = false;
            out.push(a);
            continue;
        }
        flags_done = s == "--";
        let name = s.trim_start_matches('-');
        value_next = valued.split(' ').any(|v| v == name);
        let go_long = !s.starts_with("--") && s.len() > 2;
        out.push(if go_long {
            OsString::from(format!("-{s}"))
        } else {
            a
        });
    }
    out
}

/// A flag read from the command line, owned so the parser can be asked for its value.
pub enum Flag {
    Short(char),
    Long(String),
}

impl Flag {
    /// Whether this is `-short` or `--long` (also spelled `-long`, see `normalize`).
    pub fn is(&self, short: Option<char>, long: &str) -> bool {
        match self {
            Flag::Short(c) => Some(*c) == short,
            Flag::Long(l) => l == long,
        }
    }

    fn name(&self) -> String {
        match self {
            Flag::Short(c) => format!("-{c}"),
            Flag::Long(l) => format!("--{l}"),
        }
    }
}

pub fn string(p: &mut Parser) -> Result<String, UsageError> {
    Ok(p.value()?.string()?)
}

pub fn number(p: &mut Parser, flag: &str) -> Result<i32, UsageError> {
    let v = string(p)?;
    v.parse()
        .map_err(|_| UsageError(format!("--{flag}: {v:?} is not a number")))
}

pub fn unexpected(arg: Arg, command: &str) -> UsageError {
    UsageError(format!("{command}: {}", arg.unexpected()))
}

pub fn unknown(flag: &Flag, command: &str) -> UsageError {
    UsageError(format!("{command}: invalid option '{}'", flag.name()))
}

/// The one operand most commands take: the container id.
pub fn one_id(ids: Vec<String>, command: &str) -> Result<String, UsageError> {
    match <[String; 1]>::try_from(ids) {
        Ok([id]) => Ok(id),
        Err(v) if v.is_empty() => Err(UsageError(format!(
            "{command}: the container id is missing"
        ))),
        Err(v) => Err(UsageError(format!(
            "{command}: one container id expected, got {}",
            v.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: &[&str], stop: bool) -> Vec<String> {
        normalize(v.iter().map(OsString::from), stop, "root e")
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect()
    }

    #[test]
    fn single_dash_long_flags_become_double_dash() {
        assert_eq!(
            n(
                &["-no-subreaper", "-pid-file", "p", "-d", "--keep", "id"],
                false
            ),
            ["--no-subreaper", "--pid-file", "p", "-d", "--keep", "id"]
        );
        assert_eq!(
            n(&["-bundle=/b", "-b", "/c"], false),
            ["--bundle=/b", "-b", "/c"]
        );
    }

    #[test]
    fn operands_and_after_double_dash_are_untouched() {
        assert_eq!(n(&["id", "-la"], true), ["id", "-la"]);
        assert_eq!(
            n(&["-root", "/r", "-e", "A=1", "exec", "id", "-la"], true),
            ["--root", "/r", "-e", "A=1", "exec", "id", "-la"]
        );
        assert_eq!(n(&["--", "-abc"], false), ["--", "-abc"]);
    }
}
