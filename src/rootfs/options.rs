//! config.json mount options, sorted into what each kernel interface needs: mount(2) flags,
//! propagation changes (one mount call each), mount_setattr(2) attributes for the recursive
//! `r*` options, and the leftover filesystem data string.

use crate::sys::mount::MountAttr;
use libc::c_ulong;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountOptions {
    /// MS_* flags for the mount(2) call itself.
    pub flags: c_ulong,
    /// Flags the config explicitly turned off (rw, suid, ...): a bind remount must not carry
    /// them over from the source mount.
    pub cleared: c_ulong,
    /// MS_SHARED/MS_SLAVE/... (with MS_REC for the r-forms), applied in order after mounting.
    pub propagation: Vec<c_ulong>,
    /// Attributes applied to the whole mounted subtree with mount_setattr(AT_RECURSIVE).
    pub recursive: MountAttr,
    /// Filesystem-specific options, comma-joined for mount(2)'s data argument.
    pub data: String,
    pub tmpcopyup: bool,
}

impl MountOptions {
    pub fn is_bind(&self) -> bool {
        self.flags & libc::MS_BIND != 0
    }
}

enum Kind {
    Set(c_ulong),
    Clear(c_ulong),
    Propagation(c_ulong),
    RecSet(u64),
    RecClear(u64),
    Ignored,
}

fn classify(option: &str) -> Option<Kind> {
    flag(option)
        .or_else(|| propagation(option).map(Kind::Propagation))
        .or_else(|| recursive(option))
}

fn flag(option: &str) -> Option<Kind> {
    use libc::*;
    use Kind::{Clear, Set};
    Some(match option {
        "defaults" => Kind::Ignored,
        "ro" => Set(MS_RDONLY),
        "rw" => Clear(MS_RDONLY),
        "nosuid" => Set(MS_NOSUID),
        "suid" => Clear(MS_NOSUID),
        "nodev" => Set(MS_NODEV),
        "dev" => Clear(MS_NODEV),
        "noexec" => Set(MS_NOEXEC),
        "exec" => Clear(MS_NOEXEC),
        "sync" => Set(MS_SYNCHRONOUS),
        "async" => Clear(MS_SYNCHRONOUS),
        "dirsync" => Set(MS_DIRSYNC),
        "remount" => Set(MS_REMOUNT),
        "mand" => Set(MS_MANDLOCK),
        "nomand" => Clear(MS_MANDLOCK),
        "noatime" => Set(MS_NOATIME),
        "atime" => Clear(MS_NOATIME),
        "nodiratime" => Set(MS_NODIRATIME),
        "diratime" => Clear(MS_NODIRATIME),
        "relatime" => Set(MS_RELATIME),
        "norelatime" => Clear(MS_RELATIME),
        "strictatime" => Set(MS_STRICTATIME),
        "nostrictatime" => Clear(MS_STRICTATIME),
        "lazytime" => Set(MS_LAZYTIME),
        "nolazytime" => Clear(MS_LAZYTIME),
        "silent" => Set(MS_SILENT),
        "loud" => Clear(MS_SILENT),
        "nosymfollow" => Set(MS_NOSYMFOLLOW),
        "symfollow" => Clear(MS_NOSYMFOLLOW),
        "bind" => Set(MS_BIND),
        "rbind" => Set(MS_BIND | MS_REC),
        _ => return None,
    })
}

/// runc's propagation names; also used for `linux.rootfsPropagation`.
pub fn propagation(option: &str) -> Option<c_ulong> {
    use libc::*;
    Some(match option {
        "shared" => MS_SHARED,
        "rshared" => MS_SHARED | MS_REC,
        "private" => MS_PRIVATE,
        "rprivate" => MS_PRIVATE | MS_REC,
        "slave" => MS_SLAVE,
        "rslave" => MS_SLAVE | MS_REC,
        "unbindable" => MS_UNBINDABLE,
        "runbindable" => MS_UNBINDABLE | MS_REC,
        _ => return None,
    })
}

fn recursive(option: &str) -> Option<Kind> {
    use libc::*;
    use Kind::{RecClear, RecSet};
    Some(match option {
        "rro" => RecSet(MOUNT_ATTR_RDONLY),
        "rrw" => RecClear(MOUNT_ATTR_RDONLY),
        "rnosuid" => RecSet(MOUNT_ATTR_NOSUID),
        "rsuid" => RecClear(MOUNT_ATTR_NOSUID),
        "rnodev" => RecSet(MOUNT_ATTR_NODEV),
        "rdev" => RecClear(MOUNT_ATTR_NODEV),
        "rnoexec" => RecSet(MOUNT_ATTR_NOEXEC),
        "rexec" => RecClear(MOUNT_ATTR_NOEXEC),
        "rnodiratime" => RecSet(MOUNT_ATTR_NODIRATIME),
        "rdiratime" => RecClear(MOUNT_ATTR_NODIRATIME),
        "rrelatime" => RecSet(MOUNT_ATTR_RELATIME),
        "rnorelatime" => RecClear(MOUNT_ATTR_RELATIME),
        "rnoatime" => RecSet(MOUNT_ATTR_NOATIME),
        "ratime" => RecClear(MOUNT_ATTR_NOATIME),
        "rstrictatime" => RecSet(MOUNT_ATTR_STRICTATIME),
        "rnostrictatime" => RecClear(MOUNT_ATTR_STRICTATIME),
        "rnosymfollow" => RecSet(MOUNT_ATTR_NOSYMFOLLOW),
        "rsymfollow" => RecClear(MOUNT_ATTR_NOSYMFOLLOW),
        _ => return None,
    })
}

fn is_atime(option: &str) -> bool {
    matches!(
        option,
        "rrelatime" | "rnorelatime" | "rnoatime" | "ratime" | "rstrictatime" | "rnostrictatime"
    )
}

/// Parses a mount's options.
pub fn parse(options: &[String]) -> MountOptions {
    let mut out = MountOptions::default();
    let mut data: Vec<&str> = Vec::new();
    for option in options {
        let option = option.as_str();
        match option {
            "tmpcopyup" => out.tmpcopyup = true,
            // The runtime made the idmapped tree (`Mount::idmap`); init only moves it in.
            "idmap" | "ridmap" => {}
            // x- options are for userspace helpers (systemd, podman) and never reach the kernel.
            o if o.starts_with("x-") => {}
            o => match classify(o) {
                Some(kind) => apply(&mut out, o, kind),
                None => data.push(o),
            },
        }
    }
    out.data = data.join(",");
    out
}

fn apply(out: &mut MountOptions, option: &str, kind: Kind) {
    match kind {
        Kind::Set(f) => {
            out.flags |= f;
            out.cleared &= !f;
        }
        Kind::Clear(f) => {
            out.flags &= !f;
            out.cleared |= f;
        }
        Kind::Propagation(p) => out.propagation.push(p),
        Kind::RecSet(a) if is_atime(option) => set_atime(&mut out.recursive, a),
        Kind::RecClear(_) if is_atime(option) => set_atime(&mut out.recursive, 0),
        Kind::RecSet(a) => {
            out.recursive.set |= a;
            out.recursive.clear &= !a;
        }
        Kind::RecClear(a) => {
            out.recursive.clear |= a;
            out.recursive.set &= !a;
        }
        Kind::Ignored => {}
    }
}

/// The kernel treats access-time as one field: changing it means clearing all of
/// MOUNT_ATTR__ATIME and setting the chosen mode (clearing a mode falls back to relatime).
fn set_atime(attr: &mut MountAttr, mode: u64) {
    attr.clear |= libc::MOUNT_ATTR__ATIME;
    attr.set = (attr.set & !libc::MOUNT_ATTR__ATIME) | mode;
}

#[cfg(test)]
mod tests {
    use super::*;
    use libc::*;

    fn p(opts: &[&str]) -> MountOptions {
        parse(&opts.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn flag_options_set_their_flag() {
        let cases: &[(&str, c_ulong)] = &[
            ("ro", MS_RDONLY),
            ("nosuid", MS_NOSUID),
            ("nodev", MS_NODEV),
            ("noexec", MS_NOEXEC),
            ("sync", MS_SYNCHRONOUS),
            ("dirsync", MS_DIRSYNC),
            ("remount", MS_REMOUNT),
            ("mand", MS_MANDLOCK),
            ("noatime", MS_NOATIME),
            ("nodiratime", MS_NODIRATIME),
            ("relatime", MS_RELATIME),
            ("strictatime", MS_STRICTATIME),
            ("lazytime", MS_LAZYTIME),
            ("silent", MS_SILENT),
            ("nosymfollow", MS_NOSYMFOLLOW),
            ("bind", MS_BIND),
            ("rbind", MS_BIND | MS_REC),
        ];
        for (opt, flag) in cases {
            let o = p(&[opt]);
            assert_eq!(o.flags, *flag, "{opt}");
            assert_eq!(o.data, "", "{opt}");
        }
    }

    #[test]
    fn negating_options_clear_an_earlier_flag_and_are_remembered() {
        let cases: &[(&str, &str, c_ulong)] = &[
            ("ro", "rw", MS_RDONLY),
            ("nosuid", "suid", MS_NOSUID),
            ("nodev", "dev", MS_NODEV),
            ("noexec", "exec", MS_NOEXEC),
            ("sync", "async", MS_SYNCHRONOUS),
            ("mand", "nomand", MS_MANDLOCK),
            ("noatime", "atime", MS_NOATIME),
            ("nodiratime", "diratime", MS_NODIRATIME),
            ("relatime", "norelatime", MS_RELATIME),
            ("strictatime", "nostrictatime", MS_STRICTATIME),
            ("lazytime", "nolazytime", MS_LAZYTIME),
            ("silent", "loud", MS_SILENT),
            ("nosymfollow", "symfollow", MS_NOSYMFOLLOW),
        ];
        for (on, off, flag) in cases {
            let o = p(&[on, off]);
            assert_eq!(o.flags, 0, "{on},{off}");
            assert_eq!(o.cleared, *flag, "{on},{off}");
            let o = p(&[off, on]);
            assert_eq!(o.flags, *flag, "{off},{on}");
            assert_eq!(o.cleared, 0, "{off},{on}");
        }
    }

    #[test]
    fn propagation_options_are_kept_in_order() {
        let o = p(&["rprivate", "shared", "rslave", "unbindable", "runbindable"]);
        assert_eq!(
            o.propagation,
            vec![
                MS_PRIVATE | MS_REC,
                MS_SHARED,
                MS_SLAVE | MS_REC,
                MS_UNBINDABLE,
                MS_UNBINDABLE | MS_REC
            ]
        );
        assert_eq!(o.flags, 0);
        assert_eq!(propagation("rshared"), Some(MS_SHARED | MS_REC));
        assert_eq!(propagation("private"), Some(MS_PRIVATE));
        assert_eq!(propagation("slave"), Some(MS_SLAVE));
        assert_eq!(propagation("bogus"), None);
    }

    #[test]
    fn recursive_options_become_mount_setattr_attributes() {
        let o = p(&[
            "rro",
            "rnosuid",
            "rnodev",
            "rnoexec",
            "rnodiratime",
            "rnosymfollow",
        ]);
        let want = MOUNT_ATTR_RDONLY
            | MOUNT_ATTR_NOSUID
            | MOUNT_ATTR_NODEV
            | MOUNT_ATTR_NOEXEC
            | MOUNT_ATTR_NODIRATIME
            | MOUNT_ATTR_NOSYMFOLLOW;
        assert_eq!(o.recursive.set, want);
        assert_eq!(o.recursive.clear, 0);
        assert_eq!(o.flags, 0);

        let o = p(&[
            "rro",
            "rrw",
            "rsuid",
            "rdev",
            "rexec",
            "rdiratime",
            "rsymfollow",
        ]);
        assert_eq!(o.recursive.set, 0);
        assert_eq!(o.recursive.clear, want);
    }

    #[test]
    fn recursive_atime_options_replace_the_whole_atime_field() {
        let o = p(&["rnoatime"]);
        assert_eq!(o.recursive.set, MOUNT_ATTR_NOATIME);
        assert_eq!(o.recursive.clear, MOUNT_ATTR__ATIME);
        let o = p(&["rnoatime", "rstrictatime"]);
        assert_eq!(o.recursive.set, MOUNT_ATTR_STRICTATIME);
        let o = p(&["rstrictatime", "rrelatime"]);
        assert_eq!(o.recursive.set, MOUNT_ATTR_RELATIME);
        assert_eq!(o.recursive.clear, MOUNT_ATTR__ATIME);
        for off in ["ratime", "rnorelatime", "rnostrictatime"] {
            let o = p(&["rnoatime", off]);
            assert_eq!(o.recursive.set, 0, "{off}");
            assert_eq!(o.recursive.clear, MOUNT_ATTR__ATIME, "{off}");
        }
    }

    #[test]
    fn unknown_options_become_data_and_x_options_are_ignored() {
        let o = p(&[
            "nosuid",
            "mode=755",
            "x-systemd.automount",
            "size=65536k",
            "defaults",
        ]);
        assert_eq!(o.flags, MS_NOSUID);
        assert_eq!(o.data, "mode=755,size=65536k");
    }

    #[test]
    fn tmpcopyup_is_recorded_and_idmap_is_no_data() {
        assert!(p(&["tmpcopyup"]).tmpcopyup);
        assert_eq!(p(&["ridmap", "idmap"]), MountOptions::default());
    }

    #[test]
    fn bind_detection() {
        assert!(p(&["rbind"]).is_bind());
        assert!(p(&["bind"]).is_bind());
        assert!(!p(&["nosuid"]).is_bind());
    }
}
