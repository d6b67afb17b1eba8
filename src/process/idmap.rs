//! Writing a new user namespace's uid_map and gid_map from the parent side.

use crate::spec::IdMapping;
use std::fs;
use std::io;

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
    let ctx = |what: &str, e: io::Error| {
        io::Error::new(e.kind(), format!("write /proc/{pid}/{what}: {e}"))
    };
    if deny_setgroups {
        fs::write(format!("/proc/{pid}/setgroups"), "deny").map_err(|e| ctx("setgroups", e))?;
    }
    fs::write(format!("/proc/{pid}/uid_map"), map_text(uids)).map_err(|e| ctx("uid_map", e))?;
    fs::write(format!("/proc/{pid}/gid_map"), map_text(gids)).map_err(|e| ctx("gid_map", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
