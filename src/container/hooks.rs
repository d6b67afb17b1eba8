//! The hooks the runtime runs itself (the others run inside the container's init).

use super::statedir::saved::Saved;
use crate::process::hooks::{self, HookError, Setting};
use crate::spec::{Hooks, Status};

fn of(saved: &Saved) -> &Hooks {
    saved.config.hooks()
}

/// The runtime's hooks start in the bundle, as runc's do (it changes into the bundle), so
/// relative paths resolve the same; without `env` of their own they get husk's.
fn setting(saved: &Saved) -> Setting<'_> {
    Setting {
        cwd: Some(&saved.bundle),
        default_env: None,
    }
}

fn state_json(saved: &Saved, status: Status) -> Vec<u8> {
    crate::spec::to_json(&saved.state(status))
}

/// prestart (deprecated, kept for callers that still use it) then createRuntime, while init
/// waits between making its mounts and pivoting into them.
pub fn runtime(saved: &Saved) -> Result<(), HookError> {
    let h = of(saved);
    let state = state_json(saved, Status::Creating);
    hooks::run("prestart", &h.prestart, &state, setting(saved))?;
    hooks::run("createRuntime", &h.create_runtime, &state, setting(saved))
}

/// poststart and poststop failures are warnings: the spec lets the lifecycle go on.
pub fn poststart(saved: &Saved) {
    warn(hooks::run(
        "poststart",
        &of(saved).poststart,
        &state_json(saved, Status::Running),
        setting(saved),
    ));
}

pub fn poststop(saved: &Saved) {
    warn(hooks::run(
        "poststop",
        &of(saved).poststop,
        &state_json(saved, Status::Stopped),
        setting(saved),
    ));
}

fn warn(r: Result<(), HookError>) {
    if let Err(e) = r {
        crate::log::warn(&e.to_string());
    }
}
