//! Reading config.json with errors that name the file and the JSON field path.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum SpecError {
    Read(PathBuf, std::io::Error),
    /// The file, the JSON field path (`process.args[0]`), and what is wrong there.
    Field(PathBuf, String, String),
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Read(p, e) => write!(f, "{}: {}", p.display(), e),
            SpecError::Field(p, field, msg) if field.is_empty() || field == "." => {
                write!(f, "{}: {}", p.display(), msg)
            }
            SpecError::Field(p, field, msg) => write!(f, "{}: {}: {}", p.display(), field, msg),
        }
    }
}

impl std::error::Error for SpecError {}

/// A value of the config that husk refuses, found where the file is out of view: the JSON
/// field path and why. `in_file` names the file once it is known again.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn in_file(self, path: &Path) -> SpecError {
        SpecError::Field(path.to_path_buf(), self.field, self.reason)
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field.is_empty() {
            true => f.write_str(&self.reason),
            false => write!(f, "{}: {}", self.field, self.reason),
        }
    }
}

impl std::error::Error for FieldError {}

/// The largest config.json husk reads: above any real config (runc is known to take 100 MB),
/// below what would exhaust a small host's memory in the copies create makes of it.
pub const MAX_CONFIG: u64 = 128 << 20;

/// Reads and parses `path` (a bundle's config.json, or an exec's process.json).
pub fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, SpecError> {
    let read = |e| SpecError::Read(path.to_path_buf(), e);
    if std::fs::metadata(path).map_err(read)?.len() > MAX_CONFIG {
        return Err(SpecError::Field(
            path.to_path_buf(),
            String::new(),
            format!("larger than {} MiB, the most husk reads", MAX_CONFIG >> 20),
        ));
    }
    parse(path, &std::fs::read(path).map_err(read)?)
}

/// Parses config.json text; `path` only names the file in errors.
pub fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &[u8]) -> Result<T, SpecError> {
    super::from_json(text).map_err(|e| SpecError::Field(path.to_path_buf(), e.path, e.msg))
}
