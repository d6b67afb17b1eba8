//! The runtime's side of starting a process in a container: spawning husk's init from a
//! sealed view of the binary, the init socket and its frames, and the id maps the runtime
//! writes for it. What the process then does inside is `process`'s.

pub mod channel;
pub mod idmap;
pub mod sealed_exe;
pub mod spawn;
