//! /proc/self/mountinfo, parsed just enough to find a path's mount and the cgroup hierarchies.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountInfo {
    /// Path inside the filesystem that is mounted (field 4).
    pub root: PathBuf,
    pub mount_point: PathBuf,
    /// Optional fields such as "shared:12" or "master:3".
    pub optional: Vec<String>,
    pub fstype: String,
    pub super_options: String,
}

impl MountInfo {
    pub fn is_shared(&self) -> bool {
        self.optional.iter().any(|o| o.starts_with("shared:"))
    }
}

pub fn parse(text: &str) -> Vec<MountInfo> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<MountInfo> {
    let (head, tail) = line.split_once(" - ")?;
    let fields: Vec<&str> = head.split(' ').collect();
    let tail: Vec<&str> = tail.split(' ').collect();
    Some(MountInfo {
        root: unescape(fields.get(3)?),
        mount_point: unescape(fields.get(4)?),
        optional: fields.get(6..)?.iter().map(|s| s.to_string()).collect(),
        fstype: tail.first()?.to_string(),
        super_options: tail.get(2).unwrap_or(&"").to_string(),
    })
}

/// The kernel writes space, tab, newline and backslash in paths as \ooo octal escapes.
fn unescape(field: &str) -> PathBuf {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        // A byte's escape is \000 to \377; anything else is taken as it stands.
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| d[0] <= b'3' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (b[i], octal) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    PathBuf::from(OsString::from_vec(out))
}

/// The mount that `path` lives on: the last-mounted entry whose mount point is its longest prefix.
pub fn containing<'a>(mounts: &'a [MountInfo], path: &Path) -> Option<&'a MountInfo> {
    mounts
        .iter()
        .filter(|m| path.starts_with(&m.mount_point))
        .fold(None, |best: Option<&MountInfo>, m| match best {
            Some(b) if b.mount_point.as_os_str().len() > m.mount_point.as_os_str().len() => Some(b),
            _ => Some(m),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct
31 22 0:40 /data /srv/my\\040dir rw master:4 - ext4 /dev/sdb rw
32 22 0:41 / /srv rw - tmpfs tmpfs rw
";

    #[test]
    fn an_escape_beyond_a_byte_is_kept_as_text() {
        // Found by the procfiles fuzz target: \555 overflowed the byte it was decoded into.
        assert_eq!(unescape("/d\\555x"), PathBuf::from("/d\\555x"));
        assert_eq!(
            unescape("/a\\377"),
            PathBuf::from(OsString::from_vec(b"/a\xff".to_vec()))
        );
    }

    #[test]
    fn parses_fields_and_escapes() {
        let m = parse(SAMPLE);
        assert_eq!(m.len(), 4);
        assert_eq!(m[1].fstype, "cgroup");
        assert_eq!(m[1].super_options, "rw,cpu,cpuacct");
        assert!(m[1].is_shared());
        assert_eq!(m[2].mount_point, PathBuf::from("/srv/my dir"));
        assert_eq!(m[2].root, PathBuf::from("/data"));
        assert!(!m[2].is_shared());
    }

    #[test]
    fn containing_picks_the_longest_prefix() {
        let m = parse(SAMPLE);
        let c = |p: &str| containing(&m, Path::new(p)).unwrap().mount_point.clone();
        assert_eq!(c("/srv/my dir/x"), PathBuf::from("/srv/my dir"));
        assert_eq!(c("/srv/other"), PathBuf::from("/srv"));
        assert_eq!(c("/srvx"), PathBuf::from("/"));
    }
}
