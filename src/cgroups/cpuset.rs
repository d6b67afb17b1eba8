//! A new v1 cpuset cgroup starts with no cpus and no memory nodes, and no process can join it
//! (ENOSPC) until it has some: fill each empty level from its parent, top down.

use std::fs;
use std::io;
use std::path::Path;

const FILES: [&str; 2] = ["cpuset.cpus", "cpuset.mems"];

/// Copies cpuset.cpus and cpuset.mems down into `dir` and any empty ancestor; a directory of
/// another controller has no such files and is left alone.
pub fn inherit(dir: &Path) -> io::Result<()> {
    for file in FILES {
        fill(dir, file)?;
    }
    Ok(())
}

/// The value `dir` ends up with, after filling it (and its ancestors) from above if empty;
/// None where the file does not exist.
fn fill(dir: &Path, file: &str) -> io::Result<Option<String>> {
    let path = dir.join(file);
    let current = match fs::read_to_string(&path) {
        Ok(v) => v,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !current.trim().is_empty() {
        return Ok(Some(current.trim().to_owned()));
    }
    let Some(value) = dir.parent().map(|p| fill(p, file)).transpose()?.flatten() else {
        return Ok(None);
    };
    fs::write(&path, &value)?;
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_levels_are_filled_from_the_nearest_set_ancestor() {
        let root = std::env::temp_dir().join(format!("husk-cpuset-{}", std::process::id()));
        let leaf = root.join("a/b");
        fs::create_dir_all(&leaf).unwrap();
        fs::write(root.join("cpuset.cpus"), "0-1\n").unwrap();
        fs::write(root.join("cpuset.mems"), "0\n").unwrap();
        for d in [root.join("a"), leaf.clone()] {
            fs::write(d.join("cpuset.cpus"), "\n").unwrap();
            fs::write(d.join("cpuset.mems"), "").unwrap();
        }
        inherit(&leaf).unwrap();
        assert_eq!(fs::read_to_string(leaf.join("cpuset.cpus")).unwrap(), "0-1");
        assert_eq!(fs::read_to_string(root.join("a/cpuset.mems")).unwrap(), "0");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn other_controllers_are_untouched() {
        let dir = std::env::temp_dir().join(format!("husk-nocpuset-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        inherit(&dir).unwrap();
        assert!(!dir.join("cpuset.cpus").exists());
        fs::remove_dir(&dir).unwrap();
    }
}
