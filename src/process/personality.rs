//! `linux.personality`: the execution domain. Flags are accepted and ignored because the
//! runtime spec defines none.

use super::error::ProcessError;
use crate::spec::Personality;
use crate::sys::proc as sys;

const PER_LINUX: libc::c_ulong = 0x0000;
const PER_LINUX32: libc::c_ulong = 0x0008;

pub fn domain(personality: &Personality) -> Result<libc::c_ulong, ProcessError> {
    match personality.domain.as_str() {
        "LINUX" => Ok(PER_LINUX),
        "LINUX32" => Ok(PER_LINUX32),
        other => Err(ProcessError::invalid(
            "linux.personality.domain",
            format!("unknown domain {other:?} (want LINUX or LINUX32)"),
        )),
    }
}

pub fn apply(personality: &Personality) -> Result<(), ProcessError> {
    let persona = domain(personality)?;
    sys::personality(persona).map_err(|e| {
        ProcessError::failed(
            "linux.personality",
            format!("personality {}", personality.domain),
            e,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_domain(domain: &str) -> Personality {
        Personality {
            domain: domain.into(),
            flags: vec![],
        }
    }

    #[test]
    fn known_domains_and_an_unknown_one() {
        assert_eq!(domain(&with_domain("LINUX")).unwrap(), 0);
        assert_eq!(domain(&with_domain("LINUX32")).unwrap(), 8);
        assert_eq!(
            domain(&with_domain("SVR4")).unwrap_err().to_string(),
            "linux.personality.domain: unknown domain \"SVR4\" (want LINUX or LINUX32)"
        );
    }
}
