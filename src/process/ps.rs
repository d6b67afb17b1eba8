//! `ps` over a container: the host's ps, its rows cut down to the container's processes.

use super::error::ProcessError;
use crate::sys::{fd, spawn, wait};
use std::ffi::CString;
use std::io::Read;
use std::os::fd::AsRawFd;

fn failed(action: &str, e: std::io::Error) -> ProcessError {
    ProcessError::failed("ps", action, e)
}

/// Runs the host's `ps` with `args` (default `-ef`) and keeps its header and the rows whose
/// PID column is one of `pids`.
pub fn table(args: &[String], pids: &[libc::pid_t]) -> Result<String, ProcessError> {
    let default = ["-ef".to_string()];
    let args = if args.is_empty() { &default[..] } else { args };
    let mut argv = vec![c"ps".to_owned()];
    for a in args {
        argv.push(
            CString::new(a.as_bytes())
                .map_err(|_| ProcessError::invalid("ps", "an argument holds a NUL byte"))?,
        );
    }
    let (r, w) = fd::pipe().map_err(|e| failed("pipe", e))?;
    let pid = spawn::spawn_in_path(c"ps", &argv, &[(w.as_raw_fd(), 1)])
        .map_err(|e| failed("start ps", e))?;
    drop(w);
    let mut out = Vec::new();
    let read = std::fs::File::from(r).read_to_end(&mut out);
    let status = wait::waitpid(pid).map_err(|e| failed("wait for ps", e))?;
    read.map_err(|e| failed("read the output of ps", e))?;
    if status != 0 {
        let code = wait::exit_code(status);
        return Err(ProcessError::invalid("ps", format!("exit status {code}")));
    }
    keep_rows(&String::from_utf8_lossy(&out), pids)
}

fn keep_rows(out: &str, pids: &[libc::pid_t]) -> Result<String, ProcessError> {
    let mut lines = out.lines();
    let header = lines.next().unwrap_or_default();
    let col = header
        .split_whitespace()
        .position(|f| f == "PID")
        .ok_or_else(|| ProcessError::invalid("ps", "no PID column in the output"))?;
    let mut kept = format!("{header}\n");
    for line in lines {
        let pid = line
            .split_whitespace()
            .nth(col)
            .and_then(|p| p.parse().ok());
        if pid.is_some_and(|p| pids.contains(&p)) {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_are_kept_by_the_pid_column() {
        let out = "UID PID PPID CMD\nroot 10 1 sh\nroot 11 10 sleep\nroot 12 1 x\n";
        assert_eq!(
            super::keep_rows(out, &[10, 12]).unwrap(),
            "UID PID PPID CMD\nroot 10 1 sh\nroot 12 1 x\n"
        );
        assert!(super::keep_rows("UID CMD\n", &[1]).is_err());
    }
}
