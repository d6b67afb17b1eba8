//! /proc/self/cgroup: which cgroup this process is in, per hierarchy.

use std::io;
use std::path::PathBuf;

/// One line, `id:controllers:path`; controllers is empty for cgroup v2 and lists `name=` for
/// named v1 hierarchies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub controllers: String,
    pub path: PathBuf,
}

impl Membership {
    /// The sorted controller and name= list, to compare with a mount's options.
    pub fn controller_set(&self) -> Vec<&str> {
        let mut set: Vec<&str> = self
            .controllers
            .split(',')
            .filter(|c| !c.is_empty())
            .collect();
        set.sort_unstable();
        set
    }
}

pub fn own() -> io::Result<Vec<Membership>> {
    Ok(parse(&std::fs::read_to_string("/proc/self/cgroup")?))
}

pub fn parse(text: &str) -> Vec<Membership> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
            Some(Membership {
                controllers: controllers.to_string(),
                path: PathBuf::from(path),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_v2_and_named_lines() {
        let m = parse("4:memory:/a/b\n3:cpu,cpuacct:/\n2:name=systemd:/\n0::/c\n");
        assert_eq!(m.len(), 4);
        assert_eq!(m[0].path, PathBuf::from("/a/b"));
        assert_eq!(m[1].controller_set(), ["cpu", "cpuacct"]);
        assert_eq!(m[2].controller_set(), ["name=systemd"]);
        assert!(m[3].controller_set().is_empty());
    }
}
