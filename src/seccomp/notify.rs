//! Handing a user-notification listener to the agent at `listenerPath`, as runc does: one
//! message on a fresh connection carrying the container process state as JSON and the
//! listener fd as SCM_RIGHTS.

use crate::spec::{to_json, State, OCI_VERSION};
use crate::sys::fd;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;

/// runc's ContainerProcessState: `fds` names what travels along, in order.
fn message(pid: i32, metadata: Option<&str>, state: &State) -> Vec<u8> {
    let mut out = format!(r#"{{"ociVersion":"{OCI_VERSION}","fds":["seccompFd"],"pid":{pid}"#);
    if let Some(m) = metadata.filter(|m| !m.is_empty()) {
        out.push_str(r#","metadata":"#);
        out.push_str(&String::from_utf8_lossy(&to_json(&m.to_string())));
    }
    out.push_str(r#","state":"#);
    out.push_str(&String::from_utf8_lossy(&to_json(state)));
    out.push('}');
    out.into_bytes()
}

/// Sends `listener` for the process `pid` of the container in `state` to the agent.
pub fn send(
    path: &Path,
    metadata: Option<&str>,
    pid: i32,
    state: &State,
    listener: BorrowedFd<'_>,
) -> io::Result<()> {
    // runc's callers look for this wording when no agent listens.
    let sock = UnixStream::connect(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot connect to the seccomp agent: {e}"),
        )
    })?;
    fd::send_fds(
        &sock,
        &[listener.as_raw_fd()],
        &message(pid, metadata, state),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Status;

    /// The whole exchange with an agent is in tests/seccomp.rs; here, the JSON's layout.
    #[test]
    fn the_message_is_runcs_container_process_state() {
        let state = State {
            oci_version: OCI_VERSION.into(),
            id: "c1".into(),
            pid: 42,
            status: Status::Creating,
            bundle: "/b".into(),
            rootfs: "/b/rootfs".into(),
            created: "2024-01-01T00:00:00Z".into(),
            annotations: Default::default(),
            owner: String::new(),
        };
        let text = String::from_utf8(message(42, Some("a \"b\""), &state)).unwrap();
        assert_eq!(
            text,
            r#"{"ociVersion":"1.2.0","fds":["seccompFd"],"pid":42,"metadata":"a \"b\"","state":{"ociVersion":"1.2.0","id":"c1","pid":42,"status":"creating","bundle":"/b","rootfs":"/b/rootfs","created":"2024-01-01T00:00:00Z","owner":""}}"#
        );
        let bare = String::from_utf8(message(7, None, &state)).unwrap();
        assert!(bare.starts_with(r#"{"ociVersion":"1.2.0","fds":["seccompFd"],"pid":7,"state":"#));
    }
}
