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

/// Reads and parses `path` (a bundle's config.json, or an exec's process.json).
pub fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, SpecError> {
    let text = std::fs::read(path).map_err(|e| SpecError::Read(path.to_path_buf(), e))?;
    parse(path, &text)
}

/// Parses config.json text; `path` only names the file in errors.
pub fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &[u8]) -> Result<T, SpecError> {
    super::from_json(text).map_err(|e| SpecError::Field(path.to_path_buf(), e.path, e.msg))
}
