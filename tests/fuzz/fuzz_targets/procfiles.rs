//! The kernel files husk parses for mounts and cgroups: /proc/self/mountinfo and
//! /proc/self/cgroup, and a systemd-style cgroupsPath ("slice:prefix:name"). A malformed
//! line is skipped or refused, never a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mounts = husk::procfs::mountinfo::parse(&text);
    for m in &mounts {
        let _ = m.is_shared();
        let _ = husk::procfs::mountinfo::containing(&mounts, &m.mount_point);
    }
    let _ = husk::procfs::mountinfo::containing(&mounts, Path::new("/sys/fs/cgroup"));
    for c in husk::procfs::cgroup::parse(&text) {
        let _ = c.controller_set();
    }
    if let Some(line) = text.lines().next() {
        let _ = husk::cgroups::systemd_unit(Some(line), "fuzz");
    }
});
