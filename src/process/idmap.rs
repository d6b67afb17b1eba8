//! Writing a new user namespace's uid_map and gid_map from the parent side, through a verified
//! procfs handle so that a fake filesystem over the host's /proc cannot take the writes.

use crate::procfs::handle::Proc;
use crate::spec::IdMapping;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// `/proc/PID/{uid,gid}_map` text: one `inside outside count` line per mapping.
fn map_text(maps: &[IdMapping]) -> String {
    maps.iter()
        .map(|m| format!("{} {} {}\n", m.container_id, m.host_id, m.size))
        .collect()
}

/// Writes the maps of process `pid`'s user namespace; `deny_setgroups` first when the parent is
/// unprivileged, since the kernel then refuses gid_map until setgroups is denied.
pub fn write(
    pid: libc::pid_t,
    uids: &[IdMapping],
    gids: &[IdMapping],
    deny_setgroups: bool,
) -> io::Result<()> {
    let proc = Proc::open().map_err(|e| io::Error::new(e.kind(), format!("open /proc: {e}")))?;
    let put = |file: &str, text: &str| {
        let rel = format!("{pid}/{file}");
        proc.open_file(Path::new(&rel), libc::O_WRONLY)
            .and_then(|fd| File::from(fd).write_all(text.as_bytes()))
            .map_err(|e| io::Error::new(e.kind(), format!("write /proc/{rel}: {e}")))
    };
    if deny_setgroups {
        put("setgroups", "deny")?;
    }
    put("uid_map", &map_text(uids))?;
    put("gid_map", &map_text(gids))
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
            let result = write(pid as libc::pid_t, &one, &one, true);
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
