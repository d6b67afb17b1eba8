//! `linux.sysctl`, written through a verified procfs handle so that a fake /proc cannot
//! redirect the writes (CVE-2019-16884).

use super::error::{Context, RootfsError};
use crate::procfs::handle::Proc;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

pub fn apply(sysctl: &BTreeMap<String, String>) -> Result<(), RootfsError> {
    if sysctl.is_empty() {
        return Ok(());
    }
    let proc = Proc::open().context(|| "open /proc")?;
    for (key, value) in sysctl {
        let rel = PathBuf::from("sys").join(key.replace('.', "/"));
        let fd = proc
            .open_file(&rel, libc::O_WRONLY)
            .context(|| format!("open /proc/{}", rel.display()))?;
        std::fs::File::from(fd)
            .write_all(value.as_bytes())
            .context(|| format!("write sysctl {key}={value:?} to /proc/{}", rel.display()))?;
    }
    Ok(())
}
