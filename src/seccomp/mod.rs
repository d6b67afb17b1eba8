//! `linux.seccomp` compiled to classic BPF by husk itself (no libseccomp): the native ABI and
//! its compat ABIs dispatched on seccomp_data.arch, per-rule actions and argument checks, and
//! the filter flags the kernel knows. Installing is `sys::seccomp::install`, done by process
//! setup as late as the privilege rules allow; `notify` hands a listener to its agent.

pub mod arch;
mod bpf;
pub mod notify;
mod tables;
#[cfg(test)]
mod tests;

use crate::spec::{FieldError, Seccomp, SyscallArg};
pub use crate::sys::seccomp::Program;

/// The actions, operators and filter flags `compile` takes, sorted as runc's `features`
/// lists them (the flags in runc's order).
pub const ACTIONS: &[&str] = &[
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_TRAP",
];
pub const OPERATORS: &[&str] = &[
    "SCMP_CMP_EQ",
    "SCMP_CMP_GE",
    "SCMP_CMP_GT",
    "SCMP_CMP_LE",
    "SCMP_CMP_LT",
    "SCMP_CMP_MASKED_EQ",
    "SCMP_CMP_NE",
];
pub const FLAGS: &[&str] = &[
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
];

/// The kernel's limit on a filter's length (BPF_MAXINSNS).
const MAX_INSNS: usize = 4096;

fn fail(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
    FieldError::new(field, reason)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    MaskedEq,
}

/// One argument check; for MaskedEq `value` is the mask and `value_two` the datum.
#[derive(Debug, Clone, PartialEq)]
struct Cond {
    index: u8,
    op: Op,
    value: u64,
    value_two: u64,
}

/// All of `conds` must hold for `action` (a SECCOMP_RET_* value) to be taken. `numbers` is
/// the syscall's number in each ABI the filter covers (u32::MAX: that ABI lacks it).
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    conds: Vec<Cond>,
    action: u32,
    numbers: [u32; arch::SUPPORTED.len()],
}

/// Builds the filter for `s`. Syscall names no covered ABI knows are skipped, as runc does.
pub fn compile(s: &Seccomp) -> Result<Program, FieldError> {
    let default = action(&s.default_action, s.default_errno_ret)
        .map_err(|m| fail("linux.seccomp.defaultAction", m))?;
    if default == libc::SECCOMP_RET_USER_NOTIF {
        return Err(fail(
            "linux.seccomp.defaultAction",
            "SCMP_ACT_NOTIFY cannot be the default action",
        ));
    }
    let arches = arches(&s.architectures)?;
    let names = arch::Names::decode();
    let mut rules = Vec::new();
    for (i, call) in s.syscalls.iter().enumerate() {
        let action = action(&call.action, call.errno_ret)
            .map_err(|m| fail(format!("linux.seccomp.syscalls[{i}].action"), m))?;
        // The runtime's own writes (errors, the exec fifo) after the filter would wait on an
        // agent that may not have the listener yet; runc refuses this too.
        if action == libc::SECCOMP_RET_USER_NOTIF && call.names.iter().any(|n| n == "write") {
            return Err(fail(
                format!("linux.seccomp.syscalls[{i}].names"),
                "SCMP_ACT_NOTIFY cannot be used for the write syscall",
            ));
        }
        let mut conds = Vec::new();
        for (j, a) in call.args.iter().enumerate() {
            conds.push(
                cond(a).map_err(|m| fail(format!("linux.seccomp.syscalls[{i}].args[{j}]"), m))?,
            );
        }
        for conds in split(conds) {
            for name in &call.names {
                let mut numbers = [u32::MAX; arch::SUPPORTED.len()];
                if let Some(index) = names.index(name) {
                    for (n, a) in numbers.iter_mut().zip(&arches) {
                        *n = a.number(index).unwrap_or(u32::MAX);
                    }
                }
                let conds = conds.clone();
                rules.push(Rule {
                    conds,
                    action,
                    numbers,
                });
            }
        }
    }
    let notify = rules
        .iter()
        .any(|r| r.action == libc::SECCOMP_RET_USER_NOTIF);
    if notify && s.listener_path.is_none() {
        return Err(fail(
            "linux.seccomp.listenerPath",
            "required by an SCMP_ACT_NOTIFY rule",
        ));
    }
    let unlisted = bpf::Unlisted {
        default,
        enosys: !permissive(default),
    };
    let insns = bpf::program(&arches, &rules, unlisted, libc::SECCOMP_RET_KILL_PROCESS);
    if insns.len() > MAX_INSNS {
        return Err(fail(
            "linux.seccomp",
            format!(
                "the filter needs {} instructions, more than the kernel's {MAX_INSNS}",
                insns.len()
            ),
        ));
    }
    Ok(Program {
        insns,
        flags: flags(&s.flags, notify)?,
    })
}

/// Actions under which a call newer than the profile may as well run (a tracer handles
/// ENOSYS itself), so runc gives them no ENOSYS stub.
fn permissive(action: u32) -> bool {
    let kind = action & libc::SECCOMP_RET_ACTION_FULL;
    [
        libc::SECCOMP_RET_ALLOW,
        libc::SECCOMP_RET_LOG,
        libc::SECCOMP_RET_TRACE,
    ]
    .contains(&kind)
}

/// The SECCOMP_RET_* value of an OCI action; ERRNO and TRACE carry errnoRet (EPERM when
/// unset, as runc).
fn action(name: &str, errno_ret: Option<u32>) -> Result<u32, String> {
    let data = || match errno_ret.unwrap_or(libc::EPERM as u32) {
        n if n <= 0xffff => Ok(n),
        n => Err(format!("errnoRet {n} does not fit the kernel's 16 bits")),
    };
    Ok(match name {
        "SCMP_ACT_ALLOW" => libc::SECCOMP_RET_ALLOW,
        "SCMP_ACT_ERRNO" => libc::SECCOMP_RET_ERRNO | data()?,
        "SCMP_ACT_TRACE" => libc::SECCOMP_RET_TRACE | data()?,
        "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => libc::SECCOMP_RET_KILL_THREAD,
        "SCMP_ACT_KILL_PROCESS" => libc::SECCOMP_RET_KILL_PROCESS,
        "SCMP_ACT_TRAP" => libc::SECCOMP_RET_TRAP,
        "SCMP_ACT_LOG" => libc::SECCOMP_RET_LOG,
        "SCMP_ACT_NOTIFY" => libc::SECCOMP_RET_USER_NOTIF,
        _ => return Err(format!("unknown action {name:?}")),
    })
}

fn cond(a: &SyscallArg) -> Result<Cond, String> {
    let op = match a.op.as_str() {
        "SCMP_CMP_NE" => Op::Ne,
        "SCMP_CMP_LT" => Op::Lt,
        "SCMP_CMP_LE" => Op::Le,
        "SCMP_CMP_EQ" => Op::Eq,
        "SCMP_CMP_GE" => Op::Ge,
        "SCMP_CMP_GT" => Op::Gt,
        "SCMP_CMP_MASKED_EQ" => Op::MaskedEq,
        other => return Err(format!("unknown operator {other:?}")),
    };
    match u8::try_from(a.index) {
        Ok(index) if index < 6 => Ok(Cond {
            index,
            op,
            value: a.value,
            value_two: a.value_two,
        }),
        _ => Err(format!("index {} is past the 6 syscall arguments", a.index)),
    }
}

/// runc's rule: checks of distinct arguments must all hold, but when one argument is checked
/// more than once each check becomes a rule of its own (any may match).
fn split(conds: Vec<Cond>) -> Vec<Vec<Cond>> {
    let repeated = conds
        .iter()
        .enumerate()
        .any(|(i, c)| conds[..i].iter().any(|d| d.index == c.index));
    match repeated {
        true => conds.into_iter().map(|c| vec![c]).collect(),
        false => vec![conds],
    }
}

/// The native ABI always, and each listed one this build can filter, in the order of
/// `arch::SUPPORTED`; the kernel never presents the others on this machine, so they are left
/// to the bad-arch action.
fn arches(names: &[String]) -> Result<Vec<arch::Arch>, FieldError> {
    if let Some(i) = names
        .iter()
        .position(|n| !arch::KNOWN.contains(&n.as_str()))
    {
        return Err(fail(
            format!("linux.seccomp.architectures[{i}]"),
            format!("unknown architecture {:?}", names[i]),
        ));
    }
    Ok(arch::SUPPORTED
        .iter()
        .enumerate()
        .filter(|(i, a)| *i == 0 || names.iter().any(|n| n == a.name))
        .map(|(_, a)| *a)
        .collect())
}

/// The configured flags the kernel knows (others are dropped, as with an older libseccomp),
/// plus a listener for NOTIFY rules; TSYNC then needs TSYNC_ESRCH to be allowed with it.
fn flags(names: &[String], notify: bool) -> Result<u32, FieldError> {
    let listener = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER as u32;
    let mut bits = if notify { listener } else { 0 };
    for (i, name) in names.iter().enumerate() {
        let Some(flag) = flag_bit(name) else {
            return Err(fail(
                format!("linux.seccomp.flags[{i}]"),
                format!("unknown flag {name:?}"),
            ));
        };
        // WAIT_KILLABLE_RECV means something only along with a listener.
        if flag == libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV as u32 && !notify {
            continue;
        }
        if flag_supported(flag) {
            bits |= flag;
        }
    }
    if notify && bits & libc::SECCOMP_FILTER_FLAG_TSYNC as u32 != 0 {
        bits |= libc::SECCOMP_FILTER_FLAG_TSYNC_ESRCH as u32;
    }
    Ok(bits)
}

fn flag_bit(name: &str) -> Option<u32> {
    Some(match name {
        "SECCOMP_FILTER_FLAG_TSYNC" => libc::SECCOMP_FILTER_FLAG_TSYNC,
        "SECCOMP_FILTER_FLAG_LOG" => libc::SECCOMP_FILTER_FLAG_LOG,
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW,
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" => libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
        _ => return None,
    } as u32)
}

/// Whether this kernel takes `flag` (WAIT_KILLABLE_RECV is only accepted with a listener).
fn flag_supported(flag: u32) -> bool {
    let with = match flag as u64 {
        libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV => libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
        _ => 0,
    } as u32;
    crate::sys::seccomp::flag_supported(flag | with)
}

/// The known flags this kernel takes, for `features`.
pub fn supported_flags() -> impl Iterator<Item = &'static str> {
    FLAGS
        .iter()
        .copied()
        .filter(|f| flag_bit(f).is_some_and(flag_supported))
}
