//! The OCI runtime-spec types: config.json, the state JSON and features.

mod config;
pub mod cpulist;
mod json;
mod linux;
mod load;
#[cfg(test)]
mod parse_tests;
mod resources;
pub mod state;
pub mod template;
#[cfg(test)]
mod testdir;
mod validate;

pub use config::*;
pub use json::{from_json, reindent, to_json, to_json_pretty, JsonError};
pub use linux::*;
pub use load::{load, parse, FieldError, SpecError, MAX_CONFIG};
pub use resources::*;
pub use state::{rfc3339_nanos, State, Status, OCI_VERSION};
pub use validate::{clean as clean_path, rootfs_path, validate, validate_process};
