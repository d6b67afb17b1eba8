//! The final execve, with only stdio and the preserved fds, default signal dispositions and an
//! empty signal mask carried into the payload.

use super::error::ProcessError;
use super::setup::Prepared;
use crate::sys::exec as sys;

/// Returns only if the payload could not be started. A seccomp filter still pending is the
/// last thing set, so it has to allow execve alone. Stray fds were marked by `prepare`, before
/// any filter that may deny close_range; every fd the runtime opened since is close-on-exec.
pub fn exec(mut prepared: Prepared) -> ProcessError {
    sys::reset_signal_dispositions();
    if let Err(e) = sys::unblock_all_signals() {
        return ProcessError::failed("signals", "sigprocmask SIG_SETMASK (empty set)", e);
    }
    if let Err(err) = super::setup::install(prepared.seccomp.take()) {
        return err;
    }
    let source = sys::execve(&prepared.path, &prepared.argv, &prepared.envp);
    ProcessError::Exec {
        path: prepared.path.to_string_lossy().into_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::setup::prepare;
    use crate::spec::Process;
    use crate::sys::testing;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    /// Execs `args` in a child whose stdout is the capture socket, with fd 3 to be kept, a
    /// stray inheritable fd 9, SIGPIPE and SIGUSR1 ignored and SIGTERM blocked.
    fn run_payload(args: &[&str], keep_fds: i32) -> String {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (code, output) = testing::capture_in_child(move |mut out| {
            for fd in [1, 3, 9] {
                crate::sys::tty::dup2(out.as_raw_fd(), fd).unwrap();
            }
            testing::ignore_signal(libc::SIGPIPE);
            testing::ignore_signal(libc::SIGUSR1);
            testing::block_signal(libc::SIGTERM);
            let process = Process {
                args,
                env: vec!["PATH=/bin".into()],
                cwd: "/".into(),
                ..Default::default()
            };
            let err = match prepare(&process, None, keep_fds, true, false, None) {
                Ok(prepared) => exec(prepared),
                Err(err) => err,
            };
            let _ = write!(out, "ERR {err}");
            1
        })
        .unwrap();
        assert_eq!(code, 0, "payload failed: {output}");
        output
    }

    /// busybox runs `ls` inside the shell process, and ls opens the directory it lists at the
    /// lowest free fd, so the listing is the payload's fds plus one right after them.
    #[test]
    fn only_stdio_and_kept_fds_reach_the_payload() {
        let ls = ["/bin/busybox", "sh", "-c", "ls /proc/self/fd"];
        assert_eq!(run_payload(&ls, 0), "0\n1\n2\n3\n");
        assert_eq!(run_payload(&ls, 1), "0\n1\n2\n3\n4\n");
    }

    /// cat is exec'd directly: a shell would ignore SIGQUIT on its own.
    #[test]
    fn payload_gets_default_dispositions_and_an_empty_mask() {
        let output = run_payload(&["/bin/busybox", "cat", "/proc/self/status"], 0);
        assert!(output.contains("SigIgn:\t0000000000000000"), "{output}");
        assert!(output.contains("SigBlk:\t0000000000000000"), "{output}");
    }

    #[test]
    fn exec_failure_names_the_path_and_errno() {
        use std::os::unix::fs::PermissionsExt;
        // The file passes the lookup; execve fails on its missing interpreter.
        let script = std::env::temp_dir().join(format!("husk-noninterp-{}", std::process::id()));
        std::fs::write(&script, "#!/nonexistent/interpreter\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let shown = script.display().to_string();
        let process = Process {
            args: vec![script.display().to_string()],
            cwd: "/".into(),
            ..Default::default()
        };
        let (code, output) = testing::capture_in_child(move |mut out| {
            // Another test's fork can briefly hold the script's write fd (ETXTBSY).
            let err = (0..50)
                .map(|_| match prepare(&process, None, 0, true, false, None) {
                    Ok(prepared) => exec(prepared),
                    Err(err) => err,
                })
                .find(|err| {
                    let busy = err.to_string().contains("text file busy");
                    busy.then(|| std::thread::sleep(std::time::Duration::from_millis(20)));
                    !busy
                })
                .expect("the script stayed busy");
            let _ = write!(out, "{err} not_found={}", err.is_not_found());
            0
        })
        .unwrap();
        std::fs::remove_file(&script).unwrap();
        assert_eq!(code, 0);
        assert_eq!(
            output,
            format!("exec {shown}: no such file or directory not_found=true")
        );
    }
}
