//! CPU affinity of the processes the runtime starts, as runc 1.3 sets it: never husk's own
//! (a `taskset` around the runtime must not pin the container), except where an exec's
//! `execCPUAffinity` asks: "initial" while husk init joins the container, "final" once the
//! process is in the container's cgroup.

use super::ContainerError;
use crate::process::sched;
use crate::spec::{FieldError, Process};
use crate::sys::sched::sched_setaffinity;

/// Words of a mask of every CPU the kernel may ever have (runc's bound): the kernel clamps it
/// to what exists and to the cgroup's cpuset.
const ALL_WORDS: usize = 1024;

/// Lets `pid` run on every CPU its cgroup allows; as with runc, failing that is only a warning.
pub fn reset(pid: libc::pid_t) {
    if let Err(e) = sched_setaffinity(pid, &vec![!0; ALL_WORDS]) {
        crate::log::warn(&format!(
            "resetting the CPU affinity of pid {pid} failed: {e}; it keeps husk's"
        ));
    }
}

/// Gives a tenant that has just started its initial affinity, if it has one.
pub fn initial(pid: libc::pid_t, process: &Process) -> Result<(), ContainerError> {
    match masks(process)? {
        [Some(mask), _] => set(pid, &mask, "initial"),
        _ => Ok(()),
    }
}

/// Gives a tenant in the container's cgroup its final affinity; without either mask, every CPU.
pub fn settle(pid: libc::pid_t, process: &Process) -> Result<(), ContainerError> {
    match masks(process)? {
        [_, Some(mask)] => set(pid, &mask, "final"),
        [None, None] => {
            reset(pid);
            Ok(())
        }
        [Some(_), None] => Ok(()),
    }
}

fn masks(process: &Process) -> Result<[Option<Vec<u64>>; 2], ContainerError> {
    sched::exec_affinity(process).map_err(|e| e.into_field().into())
}

fn set(pid: libc::pid_t, mask: &[u64], which: &str) -> Result<(), ContainerError> {
    sched_setaffinity(pid, mask).map_err(|e| {
        let field = format!("process.execCPUAffinity.{which}");
        FieldError::new(field, format!("error setting CPU affinity: {e}")).into()
    })
}
