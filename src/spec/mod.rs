//! The OCI runtime-spec types: config.json, the state JSON and features.
