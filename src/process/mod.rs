pub mod caps;
pub mod error;
pub mod rlimits;
