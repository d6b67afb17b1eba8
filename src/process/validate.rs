//! Checks the parent runs at `create`, before anything exists, so a bad config fails early and
//! names the field.

use super::caps::CapSets;
use super::error::ProcessError;
use super::{personality, rlimits};
use crate::spec::{Personality, Process};

/// What needs husk's own tables (capability and rlimit names); the shape of `process` (args,
/// cwd, env) is `spec::validate`'s.
pub fn validate(process: &Process) -> Result<(), ProcessError> {
    if let Some(caps) = &process.capabilities {
        CapSets::parse(caps)?;
    }
    rlimits::validate(&process.rlimits)?;
    super::sched::validate(process)
}

/// `linux.personality` lives outside `process` in the config, hence its own entry point.
pub fn validate_personality(personality: &Personality) -> Result<(), ProcessError> {
    personality::domain(personality).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Capabilities, Rlimit};

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
    fn unknown_capability_names_set_and_index() {
        let mut p = process();
        p.capabilities = Some(Capabilities {
            bounding: Some(
                ["CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN", "CAP_FOO"]
                    .map(Into::into)
                    .to_vec(),
            ),
            ..Default::default()
        });
        assert_eq!(
            error(&p),
            "process.capabilities.bounding[3]: unknown capability \"CAP_FOO\""
        );
    }

    #[test]
    fn every_set_is_checked() {
        for set in ["effective", "inheritable", "permitted", "ambient"] {
            let mut caps = Capabilities::default();
            let bad = Some(vec!["CAP_NOPE".to_string()]);
            match set {
                "effective" => caps.effective = bad,
                "inheritable" => caps.inheritable = bad,
                "permitted" => caps.permitted = bad,
                _ => caps.ambient = bad,
            }
            let mut p = process();
            p.capabilities = Some(caps);
            assert_eq!(
                error(&p),
                format!("process.capabilities.{set}[0]: unknown capability \"CAP_NOPE\"")
            );
        }
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
