//! The command-line layer before any command runs: Go-style single-dash flags rewritten for
//! lexopt, then every flag and value read as the subcommands read them. Arguments are the
//! input split at NUL bytes; none may crash the parser.
#![no_main]

#[allow(dead_code)]
#[path = "../../../src/cli/flags.rs"]
mod flags;

use libfuzzer_sys::fuzz_target;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

const VALUED: &str = "root log log-format rootless criu bundle b pid-file console-socket \
                      preserve-fds process p format f cwd env e user u cap interval resources";

fuzz_target!(|data: &[u8]| {
    let args: Vec<OsString> = data
        .split(|&b| b == 0)
        .map(|a| OsString::from_vec(a.to_vec()))
        .collect();
    for stop in [true, false] {
        let mut p = lexopt::Parser::from_args(flags::normalize(args.clone(), stop, VALUED));
        let mut operands = Vec::new();
        while let Ok(Some(arg)) = p.next() {
            match arg {
                lexopt::Arg::Long(name) if VALUED.split_whitespace().any(|v| v == name) => {
                    let name = name.to_string();
                    let _ = flags::number(&mut p, &name).or_else(|_| flags::string(&mut p).map(|_| 0));
                }
                lexopt::Arg::Value(v) => operands.push(v.to_string_lossy().into_owned()),
                other => drop(flags::unexpected(other, "fuzz")),
            }
        }
        let _ = flags::one_id(operands, "fuzz");
    }
});
