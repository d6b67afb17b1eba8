//! husk's pre-main core.
//!
//! `husk create` spawns a sealed copy of itself as `husk init` with the environment variable
//! [`INITPIPE_ENV`] naming an inherited stream socket. Before Rust's `main` runs, a constructor in
//! `.init_array` reads a netlink-encoded bootstrap message from that socket, joins and creates
//! namespaces, forks into the new pid namespace and returns into `main` in the container's init.
//! Without the variable the constructor does nothing, so test binaries and every other husk
//! command are unaffected.
//!
//! [`INITPIPE_ENV`]: protocol::INITPIPE_ENV

mod ctor;
mod decode;
mod encode;
mod fail;
mod frame;
mod handoff;
mod ns;
pub mod parent;
mod procfs;
pub mod protocol;
mod stackbuf;
mod sys;
mod userns;

pub use ctor::init_socket;
pub use decode::{decode, Bootstrap, DecodeError, NsPath};
pub use encode::{encode, BootstrapSpec};
pub use frame::{read_frame, write_frame};
