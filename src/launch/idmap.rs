//! Writing a new user namespace's uid_map and gid_map from the parent side, through a verified
//! procfs handle so that a fake filesystem over the host's /proc cannot take the writes.

use crate::procfs::handle::Proc;
use crate::spec::IdMapping;
use crate::sys::{fd, ids, spawn, wait};
use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

/// `/proc/PID/{uid,gid}_map` text: one `inside outside count` line per mapping.
fn map_text(maps: &[IdMapping]) -> String {
    maps.iter()
        .map(|m| format!("{} {} {}\n", m.container_id, m.host_id, m.size))
        .collect()
}

/// Writes the maps of process `pid`'s user namespace. Root writes them itself; so does an
/// unprivileged caller mapping only its own id (setgroups denied first, or the kernel refuses
/// gid_map). Any other map goes through newuidmap/newgidmap, which check /etc/subuid and
/// /etc/subgid.
pub fn write(pid: libc::pid_t, uids: &[IdMapping], gids: &[IdMapping]) -> io::Result<()> {
    let proc = Proc::open().map_err(|e| io::Error::new(e.kind(), format!("open /proc: {e}")))?;
    let put = |file: &str, text: &str| {
        let rel = format!("{pid}/{file}");
        proc.open_file(Path::new(&rel), libc::O_WRONLY)
            .and_then(|fd| File::from(fd).write_all(text.as_bytes()))
            .map_err(|e| io::Error::new(e.kind(), format!("write /proc/{rel}: {e}")))
    };
    let root = ids::is_root();
    if root || only_own(uids, ids::effective_uid()) {
        put("uid_map", &map_text(uids))?;
    } else {
        helper("newuidmap", "linux.uidMappings", pid, uids)?;
    }
    if root || only_own(gids, ids::effective_gid()) {
        if !root {
            put("setgroups", "deny")?;
        }
        put("gid_map", &map_text(gids))
    } else {
        helper("newgidmap", "linux.gidMappings", pid, gids)
    }
}

fn only_own(maps: &[IdMapping], own: u32) -> bool {
    matches!(maps, [m] if m.size == 1 && m.host_id == own)
}

/// Runs newuidmap or newgidmap (Debian's uidmap package) on `pid`; its own complaint (a
/// range /etc/subuid does not grant) becomes the error, under the config field's name.
fn helper(tool: &str, field: &str, pid: libc::pid_t, maps: &[IdMapping]) -> io::Result<()> {
    let fail = |what: &str| io::Error::other(format!("{field}: {what}"));
    let exe = ["/usr/bin/", "/usr/sbin/", "/bin/"]
        .iter()
        .map(|dir| format!("{dir}{tool}"))
        .find(|p| Path::new(p).exists())
        .ok_or_else(|| fail(&format!("{tool} not found (install uidmap)")))?;
    let line = format!("{exe} {pid} {}", map_text(maps));
    let argv: Vec<CString> = line
        .split_whitespace()
        .map(|a| CString::new(a).expect("no NUL in a path or a number"))
        .collect();
    let (r, w) = fd::pipe()?;
    let child = spawn::spawn(&argv[0], &argv, &[], &[(w.as_raw_fd(), 2)])?;
    drop(w);
    let mut said = Vec::new();
    let _ = File::from(r).read_to_end(&mut said);
    match wait::exit_code(wait::waitpid(child)?) {
        0 => Ok(()),
        code => {
            let said = String::from_utf8_lossy(&said);
            match said.trim() {
                "" => Err(fail(&format!("{tool}: exit status {code}"))),
                text => Err(fail(text)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procfs::fake::with_tmpfs_over;

    #[test]
    fn one_line_per_mapping() {
        let m = [
            IdMapping {
                container_id: 0,
                host_id: 100000,
                size: 1,
            },
            IdMapping {
                container_id: 1,
                host_id: 200000,
                size: 65535,
            },
        ];
        assert_eq!(map_text(&m), "0 100000 1\n1 200000 65535\n");
    }

    #[test]
    fn maps_are_not_written_into_a_fake_proc() {
        with_tmpfs_over("/proc", || {
            let pid = std::process::id();
            let dir = format!("/proc/{pid}");
            std::fs::create_dir(&dir).map_err(|e| format!("mkdir {dir}: {e}"))?;
            for f in ["setgroups", "uid_map", "gid_map"] {
                std::fs::write(format!("{dir}/{f}"), "").map_err(|e| format!("create {f}: {e}"))?;
            }
            let one = [IdMapping {
                container_id: 0,
                host_id: 100000,
                size: 1,
            }];
            let result = write(pid as libc::pid_t, &one, &one);
            for f in ["setgroups", "uid_map", "gid_map"] {
                let left = std::fs::read_to_string(format!("{dir}/{f}")).unwrap_or_default();
                if !left.is_empty() {
                    return Err(format!("{f} was written through a fake /proc: {left:?}"));
                }
            }
            match result {
                Ok(()) => Err("id maps were written through a fake /proc".into()),
                Err(e) if e.to_string().contains("not on procfs") => Ok(()),
                Err(e) => Err(format!("unclear error: {e}")),
            }
        });
    }
}
