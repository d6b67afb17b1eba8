//! Finding `args[0]` the way runc does: a name with a slash is used as given, anything else
//! is searched in the `PATH` from `process.env` (not husk's own environment).

use super::error::ProcessError;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub fn look_path(program: &str, env: &[String]) -> Result<PathBuf, ProcessError> {
    if program.contains('/') {
        // Checked here, before init parks, so a missing program fails `create` (127 for `run`).
        let program = program.to_string();
        return match std::fs::metadata(&program) {
            Err(source) => Err(ProcessError::Stat { program, source }),
            Ok(meta) if !executable(&meta) => Err(ProcessError::NotExecutable { program }),
            Ok(_) => Ok(PathBuf::from(program)),
        };
    }
    let path = path_var(env);
    let dirs = path.split(':').filter(|_| !path.is_empty());
    dirs.map(|dir| directory(dir).join(program))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| ProcessError::NotFound {
            program: program.to_string(),
        })
}

/// The last PATH= entry wins, as when the entries are set one after another. No PATH (or an
/// empty one) searches nowhere.
fn path_var(env: &[String]) -> &str {
    env.iter()
        .rev()
        .find_map(|entry| entry.strip_prefix("PATH="))
        .unwrap_or("")
}

/// An empty PATH element means the current directory.
fn directory(dir: &str) -> &Path {
    if dir.is_empty() {
        Path::new(".")
    } else {
        Path::new(dir)
    }
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| executable(&meta))
}

fn executable(meta: &std::fs::Metadata) -> bool {
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("husk-lookpath-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn file(&self, name: &str, mode: u32) {
            let path = self.0.join(name);
            fs::write(&path, "#!/bin/sh\n").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn env_with_path(dirs: &[&Path]) -> Vec<String> {
        let joined: Vec<_> = dirs.iter().map(|d| d.display().to_string()).collect();
        vec!["HOME=/".into(), format!("PATH={}", joined.join(":"))]
    }

    #[test]
    fn finds_the_first_executable_regular_file() {
        let first = TempDir::new("first");
        let second = TempDir::new("second");
        first.file("tool", 0o644);
        fs::create_dir(first.0.join("dir")).unwrap();
        second.file("tool", 0o755);
        second.file("dir", 0o755);
        let env = env_with_path(&[&first.0, &second.0]);
        assert_eq!(look_path("tool", &env).unwrap(), second.0.join("tool"));
        assert_eq!(look_path("dir", &env).unwrap(), second.0.join("dir"));
    }

    #[test]
    fn non_executable_and_directories_are_not_found() {
        let dir = TempDir::new("miss");
        dir.file("plain", 0o644);
        fs::create_dir(dir.0.join("sub")).unwrap();
        let env = env_with_path(&[&dir.0]);
        for name in ["plain", "sub", "absent"] {
            let err = look_path(name, &env).unwrap_err();
            assert!(err.is_not_found());
            assert_eq!(
                err.to_string(),
                format!("exec: \"{name}\": executable file not found in $PATH")
            );
        }
    }

    #[test]
    fn a_slash_means_use_as_is_and_no_path_finds_nothing() {
        let dir = TempDir::new("slash");
        dir.file("tool", 0o755);
        let tool = dir.0.join("tool");
        let env = ["PATH=/nonexistent".to_string()];
        assert_eq!(
            look_path(tool.to_str().unwrap(), &env).unwrap(),
            tool,
            "a name with a slash is not searched"
        );
        let missing = look_path("/nonexistent/tool", &env).unwrap_err();
        assert!(missing.is_not_found());
        assert_eq!(
            missing.to_string(),
            "exec: \"/nonexistent/tool\": stat /nonexistent/tool: No such file or directory"
        );
        dir.file("plain", 0o644);
        for path in [dir.0.join("plain"), dir.0.clone()] {
            let denied = look_path(path.to_str().unwrap(), &env).unwrap_err();
            assert!(!denied.is_not_found(), "{denied}");
            assert_eq!(
                denied.to_string(),
                format!("exec: {path:?}: permission denied")
            );
        }
        assert!(look_path("sh", &["HOME=/".into()]).is_err());
    }

    #[test]
    fn last_path_entry_wins() {
        let dir = TempDir::new("last");
        dir.file("tool", 0o755);
        let env = vec![
            "PATH=/nonexistent".to_string(),
            format!("PATH={}", dir.0.display()),
        ];
        assert_eq!(look_path("tool", &env).unwrap(), dir.0.join("tool"));
    }
}
