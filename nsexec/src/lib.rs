//! husk's pre-main core.
//!
//! `husk create` spawns a sealed copy of itself as `husk init` with the environment variable
//! [`INITPIPE_ENV`] naming an inherited stream socket. Before Rust's `main` runs, a constructor in
//! `.init_array` reads a netlink-encoded bootstrap message from that socket, joins and creates
//! namespaces, forks into the new pid namespace and returns into `main` in the container's init.
//! Without the variable the constructor does nothing, so test binaries and every other husk
//! command are unaffected.
//!
//! The parent encodes the message with [`encode`], answers MAPS_PLEASE by writing the id maps of
//! the new user namespace, then reads a PID frame naming the container's init in its own pid
//! namespace; anything the init sends comes after that frame. On failure it gets one ERROR line
//! instead. In the init, [`init_socket`] returns the socket, which is close-on-exec by then.
//!
//! The constructor is only linked into binaries that reference this crate; `use nsexec as _;`
//! is enough.
//!
//! [`INITPIPE_ENV`]: protocol::INITPIPE_ENV
#![deny(unsafe_code)]

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
#[allow(unsafe_code)]
mod sys;
mod userns;

pub use ctor::init_socket;
pub use decode::{decode, Bootstrap, DecodeError, NsPath};
pub use encode::{encode, push_attr, BootstrapSpec};
pub use frame::{read_exact, read_frame, read_header, write_frame};
