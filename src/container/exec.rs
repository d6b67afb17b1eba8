//! The process `husk exec` runs: a process.json as given, or the container's own process
//! changed by exec's flags, the way runc builds it.

use super::{statedir, ContainerError};
use crate::process::validate;
use crate::spec::{self, Capabilities, Process};
use std::path::{Path, PathBuf};

/// Where an exec's process comes from.
#[derive(Debug, Clone)]
pub enum ExecProcess {
    /// A process.json (`--process FILE`), used as it is.
    File(PathBuf),
    /// The container's config.json process with these changes (`exec ID CMD...`).
    Flags(ProcessFlags),
}

/// exec's flags over the container's process: args replaced, env appended, terminal off
/// unless asked for.
#[derive(Debug, Clone, Default)]
pub struct ProcessFlags {
    pub args: Vec<String>,
    pub terminal: bool,
    pub cwd: Option<String>,
    pub env: Vec<String>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub additional_gids: Vec<u32>,
    /// Added to the bounding, effective and permitted sets, never to inheritable, which would
    /// pass them on across a further exec (CVE-2022-29162); to ambient as well when the
    /// process lists an inheritable set, as runc does, so the kernel keeps those the
    /// inheritable set holds.
    pub caps: Vec<String>,
    pub no_new_privs: bool,
    pub apparmor: Option<String>,
    pub process_label: Option<String>,
}

impl ProcessFlags {
    pub fn apply(self, mut p: Process) -> Process {
        p.args = self.args;
        p.terminal = self.terminal;
        p.cwd = self.cwd.unwrap_or(p.cwd);
        p.env.extend(self.env);
        p.user.uid = self.uid.unwrap_or(p.user.uid);
        p.user.gid = self.gid.unwrap_or(p.user.gid);
        p.user.additional_gids.extend(self.additional_gids);
        if !self.caps.is_empty() {
            let c = p.capabilities.get_or_insert_with(Capabilities::default);
            let ambient = c.inheritable.is_some().then_some(&mut c.ambient);
            let sets = [&mut c.bounding, &mut c.effective, &mut c.permitted];
            for set in sets.into_iter().chain(ambient) {
                set.get_or_insert_with(Vec::new)
                    .extend(self.caps.iter().cloned());
            }
        }
        p.no_new_privileges |= self.no_new_privs;
        p.apparmor_profile = self.apparmor.or(p.apparmor_profile);
        p.selinux_label = self.process_label.or(p.selinux_label);
        p
    }
}

/// The checked process to run in container `id`.
pub fn exec_process(root: &Path, id: &str, how: ExecProcess) -> Result<Process, ContainerError> {
    let (process, file) = match how {
        ExecProcess::File(file) => (spec::load(&file)?, file),
        ExecProcess::Flags(flags) => {
            let (_, saved) = statedir::peek(root, id)?;
            let file = saved.bundle.join("config.json");
            (flags.apply(saved.config.process.unwrap_or_default()), file)
        }
    };
    spec::validate_process(&process, &file)?;
    validate::validate(&process).map_err(|e| e.in_file(&file))?;
    super::check::warn_unknown_caps(&process);
    Ok(process)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_config_process_and_caps_are_never_inheritable() {
        let names = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let base = Process {
            terminal: true,
            args: vec!["sleep".into()],
            env: vec!["PATH=/bin".into()],
            cwd: "/".into(),
            capabilities: Some(Capabilities {
                bounding: names(&["CAP_KILL"]),
                inheritable: names(&["CAP_KILL"]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let p = ProcessFlags {
            args: vec!["sh".into()],
            env: vec!["A=1".into()],
            uid: Some(7),
            caps: vec!["CAP_NET_RAW".into()],
            apparmor: Some("husk-profile".into()),
            process_label: Some("system_u:system_r:container_t:s0".into()),
            no_new_privs: true,
            ..Default::default()
        }
        .apply(base);
        assert_eq!(p.args, ["sh"]);
        assert!(!p.terminal, "the flag form has a terminal only with -t");
        assert_eq!(p.env, ["PATH=/bin", "A=1"]);
        assert_eq!((p.user.uid, p.user.gid, p.cwd.as_str()), (7, 0, "/"));
        let c = p.capabilities.unwrap();
        assert_eq!(c.bounding, names(&["CAP_KILL", "CAP_NET_RAW"]));
        assert_eq!(c.effective, names(&["CAP_NET_RAW"]));
        assert_eq!(c.permitted, names(&["CAP_NET_RAW"]));
        assert_eq!(c.inheritable, names(&["CAP_KILL"]));
        assert_eq!(
            c.ambient,
            names(&["CAP_NET_RAW"]),
            "with inheritable listed"
        );
        let bare = Process {
            capabilities: Some(Capabilities::default()),
            ..Default::default()
        };
        let caps = vec!["CAP_NET_RAW".into()];
        let c = ProcessFlags {
            caps,
            ..Default::default()
        }
        .apply(bare);
        assert_eq!(c.capabilities.unwrap().ambient, None, "no inheritable set");
        assert_eq!(p.apparmor_profile.as_deref(), Some("husk-profile"));
        assert_eq!(
            p.selinux_label.as_deref(),
            Some("system_u:system_r:container_t:s0")
        );
        assert!(p.no_new_privileges);
    }
}
