//! Bootstrap message encoding, for the parent side.

use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::protocol::{
    ATTR_CLONE_FLAGS, ATTR_NS_PATH, ATTR_OOM_SCORE_ADJ, ATTR_ROOTLESS, ATTR_TIMENS_OFFSETS,
    INIT_MSG, NLA_HDRLEN, NLMSG_HDRLEN,
};

/// What the init process should do before `main`; see the crate documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootstrapSpec {
    /// CLONE_NEW* flags of the namespaces to create.
    pub clone_flags: u32,
    /// Namespaces to join: CLONE_NEW* type and namespace file path.
    pub ns_paths: Vec<(u32, PathBuf)>,
    pub oom_score_adj: Option<i32>,
    /// Written to /proc/self/timens_offsets when a time namespace is created.
    pub timens_offsets: Option<Vec<u8>>,
    /// The parent is unprivileged and needs the init process dumpable to write its id maps.
    pub rootless: bool,
}

/// Encodes `spec` as one bootstrap message.
///
/// # Panics
///
/// If an attribute payload does not fit a netlink attribute (64 KiB); namespace paths and time
/// namespace offsets are far smaller.
pub fn encode(spec: &BootstrapSpec) -> Vec<u8> {
    let mut msg = vec![0; NLMSG_HDRLEN];
    push_attr(&mut msg, ATTR_CLONE_FLAGS, &spec.clone_flags.to_ne_bytes());
    for (nstype, path) in &spec.ns_paths {
        let payload = [&nstype.to_ne_bytes()[..], path.as_os_str().as_bytes()].concat();
        push_attr(&mut msg, ATTR_NS_PATH, &payload);
    }
    if let Some(adj) = spec.oom_score_adj {
        push_attr(&mut msg, ATTR_OOM_SCORE_ADJ, &adj.to_ne_bytes());
    }
    if let Some(offsets) = &spec.timens_offsets {
        push_attr(&mut msg, ATTR_TIMENS_OFFSETS, offsets);
    }
    push_attr(&mut msg, ATTR_ROOTLESS, &[u8::from(spec.rootless)]);
    write_header(&mut msg);
    msg
}

fn write_header(msg: &mut [u8]) {
    let len = u32::try_from(msg.len()).expect("bootstrap message exceeds 4 GiB");
    msg[0..4].copy_from_slice(&len.to_ne_bytes());
    msg[4..6].copy_from_slice(&INIT_MSG.to_ne_bytes());
}

/// Appends one netlink attribute (header, payload, padding to 4 bytes) to `msg`.
pub fn push_attr(msg: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    let len = u16::try_from(NLA_HDRLEN + payload.len())
        .unwrap_or_else(|_| panic!("attribute {ty} payload of {} bytes", payload.len()));
    msg.extend_from_slice(&len.to_ne_bytes());
    msg.extend_from_slice(&ty.to_ne_bytes());
    msg.extend_from_slice(payload);
    msg.resize(msg.len().next_multiple_of(NLA_HDRLEN), 0);
}
