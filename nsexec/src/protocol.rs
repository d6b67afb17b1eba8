//! The wire format between the runtime (parent) and the init process, shared by both sides.
//!
//! The parent first writes one bootstrap message: a netlink header (`nlmsghdr`, type
//! [`INIT_MSG`]) followed by attributes (`nlattr`: u16 length including the 4-byte attribute
//! header, u16 type, payload padded to 4 bytes). All integers are native-endian.
//!
//! After the bootstrap both sides exchange frames on the same socket: a u32 frame type and a u32
//! payload length, then the payload.

/// Environment variable holding the decimal fd number of the init socket.
pub const INITPIPE_ENV: &str = "_HUSK_INITPIPE";

/// nlmsghdr.nlmsg_type of the bootstrap message.
pub const INIT_MSG: u16 = 62000;

/// u32: the CLONE_NEW* flags of the namespaces to create.
pub const ATTR_CLONE_FLAGS: u16 = 27281;
/// Repeated, one per namespace to join: u32 CLONE_NEW* type, then the path bytes (no NUL).
pub const ATTR_NS_PATH: u16 = 27282;
/// i32: written to /proc/self/oom_score_adj before any namespace is entered.
pub const ATTR_OOM_SCORE_ADJ: u16 = 27283;
/// Bytes written as is to /proc/self/timens_offsets after the time namespace is created.
pub const ATTR_TIMENS_OFFSETS: u16 = 27284;
/// u8: 1 when the parent is unprivileged, so the process stays dumpable while its id maps are
/// written (an unprivileged parent cannot open /proc/PID/uid_map of a non-dumpable process).
pub const ATTR_ROOTLESS: u16 = 27285;

/// Every kind of frame on the init socket, in one list for both crates: nsexec's own during
/// the bootstrap (below 16), then the runtime's and init's once `main` runs.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// init -> parent: the user namespace exists, write its uid_map/gid_map now.
    MapsPlease = 1,
    /// parent -> init: the id maps are written.
    MapsDone = 2,
    /// init -> parent: payload is the i32 pid (in the parent's pid namespace) of the
    /// container's init, the process that returns into `main`.
    Pid = 3,
    /// either way: payload is a UTF-8 error line; the sender gives up after sending it.
    Error = 4,
    /// parent -> init: the `InitConfig` JSON.
    Config = 16,
    /// init -> parent: run the prestart and createRuntime hooks now.
    Hooks = 17,
    /// parent -> init: the hooks ran, or the seccomp listener reached its agent.
    HooksDone = 18,
    /// init -> parent: set up and parked until `start`.
    Ready = 19,
    /// init -> parent: like Error, for an executable that does not exist (exit status 127).
    NotFound = 20,
    /// init -> parent: no body; the seccomp user-notification listener follows (one byte with
    /// SCM_RIGHTS) for the runtime to hand to `listenerPath`.
    SeccompListener = 21,
    /// parent -> init: right after `Config` when it says so, the seccomp program compiled by
    /// the runtime: u32 filter flags, then the instructions, 8 bytes each (native endian).
    Filter = 22,
}

impl Frame {
    const ALL: [Frame; 11] = [
        Frame::MapsPlease,
        Frame::MapsDone,
        Frame::Pid,
        Frame::Error,
        Frame::Config,
        Frame::Hooks,
        Frame::HooksDone,
        Frame::Ready,
        Frame::NotFound,
        Frame::SeccompListener,
        Frame::Filter,
    ];

    /// The kind a frame header's number names, if any.
    pub fn from_wire(n: u32) -> Option<Frame> {
        Frame::ALL.into_iter().find(|f| *f as u32 == n)
    }
}

/// Largest bootstrap message accepted; anything longer is malformed.
pub const MAX_BOOTSTRAP: usize = 64 * 1024;

/// Length of the netlink header that starts the bootstrap message.
pub const NLMSG_HDRLEN: usize = 16;

/// Length of an attribute header (`nlattr`); attribute payloads are padded to this alignment.
pub const NLA_HDRLEN: usize = 4;

/// Most [`ATTR_NS_PATH`] attributes one bootstrap may carry: one per namespace kind.
pub const MAX_NS_PATHS: usize = 8;

/// The namespace kinds that may be created ([`ATTR_CLONE_FLAGS`]) or joined ([`ATTR_NS_PATH`]).
pub const NAMESPACE_FLAGS: u32 = (libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWTIME) as u32;

/// Length of a frame header: u32 type, u32 payload length.
pub const FRAME_HDRLEN: usize = 8;
