//! `process.scheduler` and `process.ioPriority`: checked at create, applied by init while it
//! is still privileged (real-time policies need CAP_SYS_NICE).

use super::error::ProcessError;
use crate::spec::{cpulist, IoPriority, Process, Scheduler};
use crate::sys::sched::{self, SchedAttr};

const POLICIES: &[(&str, u32)] = &[
    ("SCHED_OTHER", 0),
    ("SCHED_FIFO", 1),
    ("SCHED_RR", 2),
    ("SCHED_BATCH", 3),
    ("SCHED_ISO", 4),
    ("SCHED_IDLE", 5),
    ("SCHED_DEADLINE", 6),
];

const FLAGS: &[(&str, u64)] = &[
    ("SCHED_FLAG_RESET_ON_FORK", 0x01),
    ("SCHED_FLAG_RECLAIM", 0x02),
    ("SCHED_FLAG_DL_OVERRUN", 0x04),
    ("SCHED_FLAG_KEEP_POLICY", 0x08),
    ("SCHED_FLAG_KEEP_PARAMS", 0x10),
    ("SCHED_FLAG_UTIL_CLAMP_MIN", 0x20),
    ("SCHED_FLAG_UTIL_CLAMP_MAX", 0x40),
];

const IO_CLASSES: &[(&str, u32)] = &[
    ("IOPRIO_CLASS_RT", 1),
    ("IOPRIO_CLASS_BE", 2),
    ("IOPRIO_CLASS_IDLE", 3),
];

pub fn validate(process: &Process) -> Result<(), ProcessError> {
    if let Some(s) = &process.scheduler {
        attr(s)?;
    }
    if let Some(io) = &process.io_priority {
        io_value(io)?;
    }
    exec_affinity(process).map(drop)
}

/// `execCPUAffinity` as masks: the initial one a tenant starts with, the final one it gets
/// once in the container's cgroup; an empty list is no mask.
pub fn exec_affinity(process: &Process) -> Result<[Option<Vec<u64>>; 2], ProcessError> {
    let Some(a) = &process.exec_cpu_affinity else {
        return Ok([None, None]);
    };
    let mask = |field: &str, list: &Option<String>| {
        let mask = cpulist::parse(list.as_deref().unwrap_or("")).map_err(|e| {
            ProcessError::invalid(format!("process.execCPUAffinity.{field}"), e.to_string())
        })?;
        Ok((!mask.is_empty()).then_some(mask))
    };
    Ok([mask("initial", &a.initial)?, mask("final", &a.final_)?])
}

pub fn apply(process: &Process) -> Result<(), ProcessError> {
    if let Some(s) = &process.scheduler {
        sched::sched_setattr(&mut attr(s)?).map_err(|e| {
            ProcessError::failed(
                "process.scheduler",
                format!("sched_setattr {}", s.policy),
                e,
            )
        })?;
    }
    if let Some(io) = &process.io_priority {
        let (class, level) = io_value(io)?;
        sched::ioprio_set(class, level).map_err(|e| {
            ProcessError::failed("process.ioPriority", format!("ioprio_set {}", io.class), e)
        })?;
    }
    Ok(())
}

fn attr(s: &Scheduler) -> Result<SchedAttr, ProcessError> {
    let policy = lookup(POLICIES, &s.policy).ok_or_else(|| {
        ProcessError::invalid(
            "process.scheduler.policy",
            format!("unknown policy {:?}", s.policy),
        )
    })?;
    let mut flags = 0;
    for (i, name) in s.flags.iter().enumerate() {
        flags |= lookup(FLAGS, name).ok_or_else(|| {
            ProcessError::invalid(
                format!("process.scheduler.flags[{i}]"),
                format!("unknown flag {name:?}"),
            )
        })?;
    }
    let nice = s.nice.unwrap_or(0);
    if !(-20..=19).contains(&nice) {
        return Err(ProcessError::invalid(
            "process.scheduler.nice",
            format!("{nice} is outside -20..19"),
        ));
    }
    let priority = u32::try_from(s.priority.unwrap_or(0))
        .map_err(|_| ProcessError::invalid("process.scheduler.priority", "must not be negative"))?;
    Ok(SchedAttr {
        policy,
        flags,
        nice,
        priority,
        runtime: s.runtime.unwrap_or(0),
        deadline: s.deadline.unwrap_or(0),
        period: s.period.unwrap_or(0),
        ..Default::default()
    })
}

fn io_value(io: &IoPriority) -> Result<(u32, u32), ProcessError> {
    let class = lookup(IO_CLASSES, &io.class).ok_or_else(|| {
        ProcessError::invalid(
            "process.ioPriority.class",
            format!("unknown class {:?}", io.class),
        )
    })?;
    match u32::try_from(io.priority) {
        Ok(level @ 0..=7) => Ok((class, level)),
        _ => Err(ProcessError::invalid(
            "process.ioPriority.priority",
            format!("{} is outside 0..7", io.priority),
        )),
    }
}

fn lookup<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(scheduler: Option<Scheduler>, io: Option<IoPriority>) -> Process {
        Process {
            scheduler,
            io_priority: io,
            ..Default::default()
        }
    }

    #[test]
    fn names_and_ranges_are_checked_with_the_field() {
        let sched = |policy: &str, nice| Scheduler {
            policy: policy.into(),
            nice: Some(nice),
            ..Default::default()
        };
        assert!(validate(&with(Some(sched("SCHED_BATCH", 5)), None)).is_ok());
        let e = validate(&with(Some(sched("SCHED_NOPE", 0)), None))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("process.scheduler.policy: "), "{e}");
        let e = validate(&with(Some(sched("SCHED_OTHER", 20)), None))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("process.scheduler.nice: "), "{e}");
        let io = |class: &str, priority| IoPriority {
            class: class.into(),
            priority,
        };
        assert!(validate(&with(None, Some(io("IOPRIO_CLASS_BE", 7)))).is_ok());
        let e = validate(&with(None, Some(io("IOPRIO_CLASS_BE", 8))))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("process.ioPriority.priority: "), "{e}");
    }

    #[test]
    fn attr_carries_policy_flags_and_nice() {
        let s = Scheduler {
            policy: "SCHED_BATCH".into(),
            nice: Some(7),
            flags: vec!["SCHED_FLAG_RESET_ON_FORK".into()],
            ..Default::default()
        };
        let a = attr(&s).unwrap();
        assert_eq!((a.policy, a.nice, a.flags), (3, 7, 1));
    }
}
