//! The container's first process.

use super::{Blame, Checked};
use crate::spec::Process;
use std::path::Path;

pub(super) fn check(process: Option<&Process>, at: &Blame) -> Checked {
    let Some(process) = process else {
        return at.fail("process", "process property must not be empty");
    };
    if process.args.is_empty() {
        return at.fail("process.args", "args must not be empty");
    }
    // execve takes C strings: an embedded NUL would silently cut an argument short.
    if let Some(i) = process.args.iter().position(|a| a.contains('\0')) {
        return at.fail(format!("process.args[{i}]"), "contains a NUL byte");
    }
    if !Path::new(&process.cwd).is_absolute() {
        return at.fail("process.cwd", "Cwd must be an absolute path");
    }
    check_env(&process.env, at)
}

/// execve takes any bytes, but a name that is empty or holds a NUL cannot be looked up by
/// the payload, so such an entry is a mistake in the config.
fn check_env(env: &[String], at: &Blame) -> Checked {
    for (i, entry) in env.iter().enumerate() {
        let valid = matches!(entry.split_once('='), Some((name, _)) if !name.is_empty())
            && !entry.contains('\0');
        if !valid {
            let field = format!("process.env[{i}]");
            return at.fail(field, format!("invalid environment variable: {entry:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{fails, Bundle};
    use crate::spec::validate;

    #[test]
    fn nul_bytes_in_args_are_refused() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.process.as_mut().unwrap().args = vec!["sh".into(), "a\0b".into()];
        assert!(fails(&spec, &b).ends_with(": process.args[1]: contains a NUL byte"));
    }

    #[test]
    fn process_is_required() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.process = None;
        assert!(fails(&spec, &b).ends_with(": process: process property must not be empty"));
    }

    #[test]
    fn args_must_not_be_empty() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.process.as_mut().unwrap().args.clear();
        assert!(fails(&spec, &b).ends_with(": process.args: args must not be empty"));
    }

    #[test]
    fn cwd_must_be_absolute() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.process.as_mut().unwrap().cwd = "/srv/app".into();
        validate(&spec, b.path()).unwrap();
        for cwd in ["tmp", ""] {
            spec.process.as_mut().unwrap().cwd = cwd.into();
            assert!(fails(&spec, &b).ends_with(": process.cwd: Cwd must be an absolute path"));
        }
    }

    #[test]
    fn env_entries_are_name_equals_value() {
        let b = Bundle::new();
        let mut spec = b.spec();
        let env = &mut spec.process.as_mut().unwrap().env;
        env.extend(["EMPTY=".to_string(), "A=b=c".to_string()]);
        validate(&spec, b.path()).unwrap();
        for bad in ["FOO", "=x", "A\0B=1"] {
            let mut spec = b.spec();
            spec.process.as_mut().unwrap().env.push(bad.into());
            let want = format!(": process.env[2]: invalid environment variable: {bad:?}");
            assert!(fails(&spec, &b).ends_with(&want), "{bad:?}");
        }
    }
}
