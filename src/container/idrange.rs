//! Exclusive ranges of host ids for system containers: 65,536 uids and gids each, cut from the
//! `husk` entries of /etc/subuid and /etc/subgid, recorded in one table under husk's root that
//! every allocation and release rewrites under flock, so no two live containers share an id.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::Path;

/// Ids per container: what a distribution image expects (uid 65534 is nobody).
pub const SIZE: u32 = 65536;
/// Without a `husk` entry: above the 100000.. ranges useradd hands out and below the
/// 2147483647.. range of podman's `containers` entry, room for 16384 containers.
const DEFAULT: (u32, u32) = (1_000_000_000, 16384 * SIZE);
const TABLE: &str = "system-ids";

/// The first host uid and gid of a container's range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdRange {
    pub uid: u32,
    pub gid: u32,
}

#[derive(Debug)]
pub enum IdRangeError {
    Exhausted { slots: u32 },
    Io(String, io::Error),
}

impl fmt::Display for IdRangeError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            IdRangeError::Exhausted { slots } => write!(
                f,
                "system container: all {slots} id ranges of {SIZE} (husk in /etc/subuid and /etc/subgid) are in use"
            ),
            IdRangeError::Io(path, e) => write!(f, "system container id table {path}: {e}"),
        }
    }
}

/// Takes the lowest free range for container `id`.
pub fn allocate(root: &Path, id: &str) -> Result<IdRange, IdRangeError> {
    let (uids, gids) = (entry("/etc/subuid"), entry("/etc/subgid"));
    let slots = uids.1.min(gids.1) / SIZE;
    edit(root, |text| {
        let used: Vec<u32> = text
            .lines()
            .filter_map(|l| l.split_once(' ')?.0.parse().ok())
            .collect();
        let slot = (0..slots)
            .find(|s| !used.contains(s))
            .ok_or(IdRangeError::Exhausted { slots })?;
        let range = IdRange {
            uid: uids.0 + slot * SIZE,
            gid: gids.0 + slot * SIZE,
        };
        Ok((format!("{text}{slot} {id}\n"), range))
    })
}

/// Returns every range held by container `id`; none is fine.
pub fn release(root: &Path, id: &str) -> Result<(), IdRangeError> {
    if !root.join(TABLE).exists() {
        return Ok(());
    }
    edit(root, |text| {
        let kept = text
            .lines()
            .filter(|l| l.split_once(' ').map(|(_, owner)| owner) != Some(id))
            .map(|l| format!("{l}\n"))
            .collect();
        Ok((kept, ()))
    })
}

/// The first `husk` line's start and count, or the default range.
fn entry(path: &str) -> (u32, u32) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut f = l.trim().split(':');
            let name = f.next()?;
            let start = f.next()?.parse().ok()?;
            let count = f.next()?.parse().ok()?;
            (name == "husk").then_some((start, count))
        })
        .next()
        .unwrap_or(DEFAULT)
}

/// Reads the table ("slot id" lines) and writes back what `f` makes of it, under the lock.
fn edit<T>(
    root: &Path,
    f: impl FnOnce(&str) -> Result<(String, T), IdRangeError>,
) -> Result<T, IdRangeError> {
    let path = root.join(TABLE);
    let fail = |e| IdRangeError::Io(path.display().to_string(), e);
    std::fs::create_dir_all(root).map_err(fail)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(fail)?;
    crate::sys::fd::flock(&file).map_err(fail)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(fail)?;
    let (text, out) = f(&text)?;
    rewrite(&mut file, &text).map_err(fail)?;
    Ok(out)
}

fn rewrite(file: &mut File, text: &str) -> io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_exclusive_and_released() {
        let root = std::env::temp_dir().join(format!("husk-idrange-{}", std::process::id()));
        let a = allocate(&root, "a").unwrap();
        let b = allocate(&root, "b").unwrap();
        assert!(b.uid >= a.uid + SIZE || a.uid >= b.uid + SIZE);
        release(&root, "a").unwrap();
        assert_eq!(allocate(&root, "c").unwrap(), a);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
