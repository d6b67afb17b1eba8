//! Checks a parsed config.json before anything is created, so a bad config fails with one
//! line naming the file and the field instead of failing halfway through container setup.
//! Where runc refuses the same thing, the message is runc's.

#[cfg(test)]
mod fixture;
mod idmap;
mod namespaces;
mod paths;
mod process;
mod root;
mod sysctl;

use super::Spec;
use super::{Linux, SpecError};
use std::path::{Path, PathBuf};

pub use root::{clean, rootfs_path};

type Checked = Result<(), SpecError>;

/// Validates `spec`, read from `bundle`/config.json, stopping at the first problem.
pub fn validate(spec: &Spec, bundle: &Path) -> Checked {
    let at = Blame::new(bundle);
    let no_linux = Linux::default();
    let linux = spec.linux.as_ref().unwrap_or(&no_linux);
    root::check(spec, bundle, &at)?;
    process::check(spec.process.as_ref(), &at)?;
    paths::check(spec, linux, &at)?;
    namespaces::check(spec, linux, &at)?;
    idmap::check(linux, &at)?;
    sysctl::check(linux, &at)
}

/// Validates an exec's process (from `file`, or the flags over config.json's) as `process`.
pub fn validate_process(process: &super::Process, file: &Path) -> Checked {
    let at = Blame {
        file: file.to_path_buf(),
    };
    process::check(Some(process), &at)
}

/// Builds errors that name the bundle's config.json and a field in it.
struct Blame {
    file: PathBuf,
}

impl Blame {
    fn new(bundle: &Path) -> Blame {
        Blame {
            file: bundle.join("config.json"),
        }
    }

    fn error(&self, field: impl Into<String>, message: impl Into<String>) -> SpecError {
        SpecError::Field(self.file.clone(), field.into(), message.into())
    }

    fn fail(&self, field: impl Into<String>, message: impl Into<String>) -> Checked {
        Err(self.error(field, message))
    }

    /// The common complaint about a relative path, quoting the path as written.
    fn require_absolute(&self, field: impl Into<String>, path: &Path) -> Checked {
        if path.is_absolute() {
            return Ok(());
        }
        self.fail(field, format!("{path:?} is not an absolute path"))
    }
}
