//! Checks the parent runs at `create`, before anything exists, so a bad config fails early and
//! names the field.

use super::error::ProcessError;
use super::{personality, rlimits};
use crate::spec::{FieldError, Personality, Process};

/// What needs husk's own tables (rlimit names); the shape of `process` (args,
/// cwd, env) is `spec::validate`'s.
pub fn validate(process: &Process) -> Result<(), FieldError> {
    rlimits::validate(&process.rlimits)
        .and_then(|()| super::sched::validate(process))
        .map_err(ProcessError::into_field)
}

/// `linux.personality` lives outside `process` in the config, hence its own entry point.
pub fn validate_personality(personality: &Personality) -> Result<(), FieldError> {
    personality::domain(personality)
        .map(drop)
        .map_err(ProcessError::into_field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Rlimit;

    fn process() -> Process {
        Process {
            args: vec!["sh".into()],
            cwd: "/".into(),
            ..Default::default()
        }
    }

    fn error(process: &Process) -> String {
        validate(process).unwrap_err().to_string()
    }

    #[test]
    fn a_minimal_process_is_valid() {
        assert!(validate(&process()).is_ok());
    }

    #[test]
    fn rlimit_errors_name_the_rlimit() {
        let mut p = process();
        p.rlimits = vec![Rlimit {
            kind: "RLIMIT_NOPE".into(),
            soft: 1,
            hard: 1,
        }];
        assert_eq!(
            error(&p),
            "process.rlimits[0].type: unknown rlimit \"RLIMIT_NOPE\""
        );
    }

    #[test]
    fn personality_domain_is_checked() {
        let bad = Personality {
            domain: "PER_BSD".into(),
            flags: vec![],
        };
        assert!(validate_personality(&bad).is_err());
        let good = Personality {
            domain: "LINUX32".into(),
            flags: vec![],
        };
        assert!(validate_personality(&good).is_ok());
    }
}
