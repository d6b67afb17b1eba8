//! `process.rlimits`: names, validation, and setrlimit with a readable refusal.

use super::error::ProcessError;
use crate::spec::Rlimit;
use crate::sys::proc::{self as sys, Resource};
use std::io;

const RESOURCES: [(&str, Resource); 16] = [
    ("RLIMIT_CPU", libc::RLIMIT_CPU),
    ("RLIMIT_FSIZE", libc::RLIMIT_FSIZE),
    ("RLIMIT_DATA", libc::RLIMIT_DATA),
    ("RLIMIT_STACK", libc::RLIMIT_STACK),
    ("RLIMIT_CORE", libc::RLIMIT_CORE),
    ("RLIMIT_RSS", libc::RLIMIT_RSS),
    ("RLIMIT_NPROC", libc::RLIMIT_NPROC),
    ("RLIMIT_NOFILE", libc::RLIMIT_NOFILE),
    ("RLIMIT_MEMLOCK", libc::RLIMIT_MEMLOCK),
    ("RLIMIT_AS", libc::RLIMIT_AS),
    ("RLIMIT_LOCKS", libc::RLIMIT_LOCKS),
    ("RLIMIT_SIGPENDING", libc::RLIMIT_SIGPENDING),
    ("RLIMIT_MSGQUEUE", libc::RLIMIT_MSGQUEUE),
    ("RLIMIT_NICE", libc::RLIMIT_NICE),
    ("RLIMIT_RTPRIO", libc::RLIMIT_RTPRIO),
    ("RLIMIT_RTTIME", libc::RLIMIT_RTTIME),
];

/// The resource number of a name such as "RLIMIT_NOFILE".
pub fn resource(name: &str) -> Option<Resource> {
    RESOURCES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

pub fn validate(rlimits: &[Rlimit]) -> Result<(), ProcessError> {
    for (i, limit) in rlimits.iter().enumerate() {
        if resource(&limit.kind).is_none() {
            return Err(ProcessError::invalid(
                format!("process.rlimits[{i}].type"),
                format!("unknown rlimit {:?}", limit.kind),
            ));
        }
        if limit.soft > limit.hard {
            return Err(ProcessError::invalid(
                format!("process.rlimits[{i}]"),
                format!(
                    "{} soft limit {} exceeds hard limit {}",
                    limit.kind, limit.soft, limit.hard
                ),
            ));
        }
    }
    Ok(())
}

pub fn apply(rlimits: &[Rlimit]) -> Result<(), ProcessError> {
    for (i, limit) in rlimits.iter().enumerate() {
        apply_one(i, limit)?;
    }
    Ok(())
}

fn apply_one(i: usize, limit: &Rlimit) -> Result<(), ProcessError> {
    let field = format!("process.rlimits[{i}]");
    let resource = resource(&limit.kind).ok_or_else(|| {
        ProcessError::invalid(
            format!("{field}.type"),
            format!("unknown rlimit {:?}", limit.kind),
        )
    })?;
    let Err(err) = sys::setrlimit(resource, limit.soft, limit.hard) else {
        return Ok(());
    };
    Err(explain(field, limit, resource, err))
}

/// Raising a hard limit needs CAP_SYS_RESOURCE; say so in terms of the limits involved rather
/// than a bare EPERM.
fn explain(field: String, limit: &Rlimit, resource: Resource, err: io::Error) -> ProcessError {
    let current_hard = sys::getrlimit(resource).map(|(_, hard)| hard);
    match current_hard {
        Ok(current) if err.raw_os_error() == Some(libc::EPERM) && limit.hard > current => {
            ProcessError::failed(
                field,
                format!(
                    "cannot raise {} hard limit to {} (current {current})",
                    limit.kind, limit.hard
                ),
                err,
            )
        }
        _ => ProcessError::failed(
            field,
            format!(
                "setrlimit {} soft={} hard={}",
                limit.kind, limit.soft, limit.hard
            ),
            err,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rlimit(kind: &str, soft: u64, hard: u64) -> Rlimit {
        Rlimit {
            kind: kind.into(),
            soft,
            hard,
        }
    }

    #[test]
    fn names_map_to_kernel_numbers() {
        assert_eq!(resource("RLIMIT_CPU"), Some(0));
        assert_eq!(resource("RLIMIT_NOFILE"), Some(7));
        assert_eq!(resource("RLIMIT_RTTIME"), Some(15));
        assert_eq!(resource("RLIMIT_FOO"), None);
        assert_eq!(resource("NOFILE"), None);
    }

    #[test]
    fn unknown_type_names_the_type_field() {
        let limits = [rlimit("RLIMIT_CORE", 1, 2), rlimit("RLIMIT_BOGUS", 1, 2)];
        let err = validate(&limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "process.rlimits[1].type: unknown rlimit \"RLIMIT_BOGUS\""
        );
    }

    #[test]
    fn soft_above_hard_is_refused() {
        let err = validate(&[rlimit("RLIMIT_NOFILE", 10, 5)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "process.rlimits[0]: RLIMIT_NOFILE soft limit 10 exceeds hard limit 5"
        );
        assert!(validate(&[rlimit("RLIMIT_NOFILE", 5, 5)]).is_ok());
    }
}
