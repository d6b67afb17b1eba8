//! The OCI runtime-spec types: config.json, the state JSON and features.

mod config;
mod linux;
mod load;
mod resources;

pub use config::*;
pub use linux::*;
pub use load::{load, parse, SpecError};
pub use resources::*;
