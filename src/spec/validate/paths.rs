//! Mounts, hooks, devices and root propagation: things that name host or container paths.

use super::{Blame, Checked};
use crate::spec::{Hook, Linux, Spec};

pub(super) fn check(spec: &Spec, linux: &Linux, at: &Blame) -> Checked {
    for (i, mount) in spec.mounts.iter().enumerate() {
        at.require_absolute(format!("mounts[{i}].destination"), &mount.destination)?;
    }
    check_hooks(spec, at)?;
    check_devices(linux, at)?;
    check_propagation(linux.rootfs_propagation.as_deref(), at)
}

fn check_hooks(spec: &Spec, at: &Blame) -> Checked {
    let Some(hooks) = &spec.hooks else {
        return Ok(());
    };
    let stages: [(&str, &[Hook]); 6] = [
        ("prestart", &hooks.prestart),
        ("createRuntime", &hooks.create_runtime),
        ("createContainer", &hooks.create_container),
        ("startContainer", &hooks.start_container),
        ("poststart", &hooks.poststart),
        ("poststop", &hooks.poststop),
    ];
    for (stage, list) in stages {
        for (i, hook) in list.iter().enumerate() {
            check_hook(&format!("hooks.{stage}[{i}]"), hook, at)?;
        }
    }
    Ok(())
}

/// A relative `path` is taken, as runc takes it (the spec asks for an absolute one): it is
/// found from the directory the hook kind starts in.
fn check_hook(field: &str, hook: &Hook, at: &Blame) -> Checked {
    match hook.timeout {
        Some(t) if t <= 0 => at.fail(
            format!("{field}.timeout"),
            format!("must be greater than zero, got {t}"),
        ),
        _ => Ok(()),
    }
}

/// c and u are both character devices (u is unbuffered), b is block, p is a FIFO.
fn check_devices(linux: &Linux, at: &Blame) -> Checked {
    for (i, dev) in linux.devices.iter().enumerate() {
        if !matches!(dev.kind.as_str(), "c" | "b" | "u" | "p") {
            let field = format!("linux.devices[{i}].type");
            return at.fail(field, format!("invalid device type {:?}", dev.kind));
        }
        at.require_absolute(format!("linux.devices[{i}].path"), &dev.path)?;
    }
    Ok(())
}

fn check_propagation(mode: Option<&str>, at: &Blame) -> Checked {
    match mode {
        None => Ok(()),
        Some(m) if is_propagation(m) => Ok(()),
        Some(m) => at.fail(
            "linux.rootfsPropagation",
            format!("rootfsPropagation={m} is not supported"),
        ),
    }
}

fn is_propagation(mode: &str) -> bool {
    let base = mode.strip_prefix('r').unwrap_or(mode);
    matches!(base, "shared" | "slave" | "private" | "unbindable")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{fails, Bundle};
    use crate::spec::{validate, Device, Hook, Hooks};

    #[test]
    fn mount_destinations_are_absolute() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.mounts[3].destination = "tmp".into();
        assert!(
            fails(&spec, &b).ends_with(": mounts[3].destination: \"tmp\" is not an absolute path")
        );
    }

    fn hook(path: &str, timeout: Option<i64>) -> Hook {
        Hook {
            path: path.into(),
            timeout,
            ..Hook::default()
        }
    }

    #[test]
    fn hooks_need_absolute_paths_and_positive_timeouts() {
        let b = Bundle::new();
        let mut spec = b.spec();
        spec.hooks = Some(Hooks {
            create_runtime: vec![hook("/bin/true", Some(5))],
            poststop: vec![hook("/bin/true", None), hook("/bin/true", Some(1))],
            ..Hooks::default()
        });
        validate(&spec, b.path()).unwrap();
        spec.hooks.as_mut().unwrap().poststop[1].timeout = Some(0);
        assert!(fails(&spec, &b)
            .ends_with(": hooks.poststop[1].timeout: must be greater than zero, got 0"));
        spec.hooks.as_mut().unwrap().poststop[1].timeout = None;
        spec.hooks.as_mut().unwrap().create_runtime[0].path = "hook.sh".into();
        validate(&spec, b.path()).unwrap();
    }

    fn device(kind: &str, path: &str) -> Device {
        Device {
            kind: kind.into(),
            path: path.into(),
            ..Device::default()
        }
    }

    #[test]
    fn device_types_and_paths() {
        let b = Bundle::new();
        let mut spec = b.spec();
        let devices = ["c", "b", "u", "p"].map(|k| device(k, "/dev/x"));
        spec.linux.as_mut().unwrap().devices = devices.to_vec();
        validate(&spec, b.path()).unwrap();
        spec.linux.as_mut().unwrap().devices[2] = device("x", "/dev/x");
        assert!(fails(&spec, &b).ends_with(": linux.devices[2].type: invalid device type \"x\""));
        spec.linux.as_mut().unwrap().devices[2] = device("c", "dev/x");
        assert!(fails(&spec, &b)
            .ends_with(": linux.devices[2].path: \"dev/x\" is not an absolute path"));
    }

    #[test]
    fn rootfs_propagation_modes() {
        let b = Bundle::new();
        let mut spec = b.spec();
        for mode in ["shared", "rslave", "private", "runbindable", "rprivate"] {
            spec.linux.as_mut().unwrap().rootfs_propagation = Some(mode.into());
            validate(&spec, b.path()).unwrap();
        }
        for mode in ["bogus", "r", "", "rrshared"] {
            spec.linux.as_mut().unwrap().rootfs_propagation = Some(mode.into());
            let want =
                format!(": linux.rootfsPropagation: rootfsPropagation={mode} is not supported");
            assert!(fails(&spec, &b).ends_with(&want), "{mode}");
        }
    }
}
