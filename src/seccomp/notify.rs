//! Handing a user-notification listener to the agent at `listenerPath`, as runc does: one
//! message on a fresh connection carrying the container process state as JSON and the
//! listener fd as SCM_RIGHTS.

use crate::spec::{to_json, State, OCI_VERSION};
use crate::sys::fd;
use std::io;
use std::os::fd::BorrowedFd;
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
    let sock = UnixStream::connect(path)?;
    fd::send_with_fd(&sock, &message(pid, metadata, state), listener)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Status;
    use std::io::Read;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixListener;

    #[test]
    fn the_agent_gets_the_state_json_and_the_fd() {
        let path = std::env::temp_dir().join(format!("husk-notify-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let agent = UnixListener::bind(&path).unwrap();
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
        let (_, theirs) = fd::socketpair().unwrap();
        send(&path, Some("a \"b\""), 42, &state, theirs.as_fd()).unwrap();
        let (conn, _) = agent.accept().unwrap();
        let mut buf = [0u8; 4096];
        let (n, got) = fd::recv_with_fd(&conn, &mut buf).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(got.is_some(), "no fd arrived");
        let text = std::str::from_utf8(&buf[..n]).unwrap();
        assert!(
            text.starts_with(r#"{"ociVersion":"1.2.0","fds":["seccompFd"],"pid":42,"metadata":"a \"b\"","state":{"ociVersion":"1.2.0","id":"c1","pid":42,"status":"creating""#),
            "{text}"
        );
        assert!(text.ends_with("}}"), "{text}");
        let mut rest = Vec::new();
        assert_eq!((&conn).read_to_end(&mut rest).unwrap(), 0);
    }
}
