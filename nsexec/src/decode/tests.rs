use std::path::PathBuf;

use super::{decode, message_len, DecodeError, NsPath};
use crate::encode::{encode, BootstrapSpec};
use crate::protocol::{
    ATTR_CLONE_FLAGS, ATTR_NS_PATH, ATTR_ROOTLESS, INIT_MSG, MAX_BOOTSTRAP, MAX_NS_PATHS,
};

const NEWUSER: u32 = libc::CLONE_NEWUSER as u32;
const NEWNET: u32 = libc::CLONE_NEWNET as u32;
const NEWUTS: u32 = libc::CLONE_NEWUTS as u32;
const NEWPID: u32 = libc::CLONE_NEWPID as u32;

/// Builds a message from raw attributes, so malformed ones can be expressed.
fn message(attrs: &[(u16, u16, &[u8])]) -> Vec<u8> {
    let mut msg = vec![0; 16];
    for &(len, ty, payload) in attrs {
        msg.extend_from_slice(&len.to_ne_bytes());
        msg.extend_from_slice(&ty.to_ne_bytes());
        msg.extend_from_slice(payload);
        msg.resize(msg.len().next_multiple_of(4), 0);
    }
    let len = msg.len() as u32;
    msg[0..4].copy_from_slice(&len.to_ne_bytes());
    msg[4..6].copy_from_slice(&INIT_MSG.to_ne_bytes());
    msg
}

fn attr(ty: u16, payload: &[u8]) -> (u16, u16, &[u8]) {
    ((4 + payload.len()) as u16, ty, payload)
}

fn ns_payload(nstype: u32, path: &[u8]) -> Vec<u8> {
    [&nstype.to_ne_bytes()[..], path].concat()
}

#[test]
fn round_trip() {
    let spec = BootstrapSpec {
        clone_flags: NEWUSER | NEWPID,
        ns_paths: vec![
            (NEWNET, PathBuf::from("/proc/1/ns/net")),
            (NEWUTS, PathBuf::from("/run/uts")),
        ],
        oom_score_adj: Some(-17),
        timens_offsets: Some(b"monotonic 5 0\n".to_vec()),
        rootless: true,
    };
    let msg = encode(&spec);
    let boot = decode(&msg).unwrap();
    assert_eq!(boot.clone_flags, spec.clone_flags);
    assert_eq!(
        boot.ns_paths(),
        [
            NsPath {
                nstype: NEWNET,
                path: b"/proc/1/ns/net"
            },
            NsPath {
                nstype: NEWUTS,
                path: b"/run/uts"
            },
        ]
    );
    assert_eq!(boot.oom_score_adj, Some(-17));
    assert_eq!(boot.timens_offsets, Some(&b"monotonic 5 0\n"[..]));
    assert!(boot.rootless);
    assert!(boot.joins(NEWUTS) && !boot.joins(NEWPID));
}

#[test]
fn round_trip_of_empty_spec() {
    let msg = encode(&BootstrapSpec::default());
    let boot = decode(&msg).unwrap();
    assert_eq!(boot.clone_flags, 0);
    assert!(boot.ns_paths().is_empty());
    assert_eq!(boot.oom_score_adj, None);
    assert_eq!(boot.timens_offsets, None);
    assert!(!boot.rootless);
}

#[test]
fn short_header_is_rejected() {
    let msg = message(&[]);
    assert_eq!(decode(&msg[..15]), Err(DecodeError::ShortHeader(15)));
    assert_eq!(message_len(&msg[..3]), Err(DecodeError::ShortHeader(3)));
}

#[test]
fn wrong_type_is_rejected() {
    let mut msg = message(&[]);
    msg[4..6].copy_from_slice(&3u16.to_ne_bytes());
    assert_eq!(decode(&msg), Err(DecodeError::WrongType(3)));
}

#[test]
fn bad_message_lengths_are_rejected() {
    let mut msg = message(&[]);
    msg[0..4].copy_from_slice(&8u32.to_ne_bytes());
    assert!(matches!(
        decode(&msg),
        Err(DecodeError::BadLength { declared: 8, .. })
    ));
    let too_big = (MAX_BOOTSTRAP + 1) as u32;
    msg[0..4].copy_from_slice(&too_big.to_ne_bytes());
    assert!(matches!(
        message_len(&msg),
        Err(DecodeError::BadLength { .. })
    ));
    let msg = message(&[attr(ATTR_ROOTLESS, &[1])]);
    assert!(matches!(
        decode(&msg[..msg.len() - 4]),
        Err(DecodeError::BadLength { .. })
    ));
}

#[test]
fn attribute_shorter_than_its_header_is_rejected() {
    let msg = message(&[(3, ATTR_NS_PATH, &[])]);
    let err = decode(&msg).unwrap_err();
    assert_eq!(
        err,
        DecodeError::AttrTooShort {
            ty: ATTR_NS_PATH,
            len: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "attribute 27282 length 3 is shorter than its header"
    );
}

#[test]
fn attribute_past_the_end_is_rejected() {
    let msg = message(&[(200, ATTR_CLONE_FLAGS, &[0; 4])]);
    assert_eq!(
        decode(&msg),
        Err(DecodeError::AttrPastEnd {
            ty: ATTR_CLONE_FLAGS,
            len: 200,
            left: 8
        })
    );
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut msg = message(&[]);
    msg.extend_from_slice(&[1, 0]);
    msg[0..4].copy_from_slice(&18u32.to_ne_bytes());
    assert_eq!(decode(&msg), Err(DecodeError::TruncatedAttr(2)));
}

#[test]
fn unknown_attribute_is_rejected() {
    let msg = message(&[attr(27999, &[0; 4])]);
    assert_eq!(decode(&msg), Err(DecodeError::UnknownAttr(27999)));
}

#[test]
fn too_many_ns_paths_are_rejected() {
    let kinds = [
        libc::CLONE_NEWUSER,
        libc::CLONE_NEWNS,
        libc::CLONE_NEWPID,
        libc::CLONE_NEWNET,
        libc::CLONE_NEWIPC,
        libc::CLONE_NEWUTS,
        libc::CLONE_NEWCGROUP,
        libc::CLONE_NEWTIME,
    ];
    let payloads: Vec<Vec<u8>> = kinds.iter().map(|&k| ns_payload(k as u32, b"/x")).collect();
    let mut attrs: Vec<_> = payloads.iter().map(|p| attr(ATTR_NS_PATH, p)).collect();
    assert_eq!(
        decode(&message(&attrs)).unwrap().ns_paths().len(),
        MAX_NS_PATHS
    );
    let ninth = ns_payload(NEWNET, b"/y");
    attrs.push(attr(ATTR_NS_PATH, &ninth));
    assert_eq!(decode(&message(&attrs)), Err(DecodeError::TooManyPaths));
}

#[test]
fn namespace_joined_twice_is_rejected() {
    let first = ns_payload(NEWNET, b"/x");
    let second = ns_payload(NEWNET, b"/y");
    let msg = message(&[attr(ATTR_NS_PATH, &first), attr(ATTR_NS_PATH, &second)]);
    assert_eq!(decode(&msg), Err(DecodeError::JoinedTwice(NEWNET)));
}

#[test]
fn bad_ns_paths_are_rejected() {
    let cases: [(Vec<u8>, DecodeError); 5] = [
        (ns_payload(NEWNET, b"/proc/1\0/ns"), DecodeError::PathHasNul),
        (ns_payload(NEWNET, b""), DecodeError::EmptyPath),
        (
            ns_payload(NEWNET, &[b'a'; 4096]),
            DecodeError::PathTooLong(4096),
        ),
        (
            ns_payload(NEWNET | NEWUTS, b"/x"),
            DecodeError::BadNsType(NEWNET | NEWUTS),
        ),
        (
            vec![0, 0],
            DecodeError::BadPayloadLen {
                ty: ATTR_NS_PATH,
                len: 2,
            },
        ),
    ];
    for (payload, want) in cases {
        assert_eq!(decode(&message(&[attr(ATTR_NS_PATH, &payload)])), Err(want));
    }
}

#[test]
fn bad_clone_flags_are_rejected() {
    let flags = NEWPID | libc::CLONE_VM as u32;
    let msg = message(&[attr(ATTR_CLONE_FLAGS, &flags.to_ne_bytes())]);
    assert_eq!(decode(&msg), Err(DecodeError::BadCloneFlags(flags)));
    let msg = message(&[attr(ATTR_CLONE_FLAGS, &[0; 2])]);
    assert_eq!(
        decode(&msg),
        Err(DecodeError::BadPayloadLen {
            ty: ATTR_CLONE_FLAGS,
            len: 2
        })
    );
}

#[test]
fn created_and_joined_is_rejected() {
    let spec = BootstrapSpec {
        clone_flags: NEWNET | NEWPID,
        ns_paths: vec![(NEWNET, PathBuf::from("/proc/1/ns/net"))],
        ..BootstrapSpec::default()
    };
    assert_eq!(
        decode(&encode(&spec)),
        Err(DecodeError::CreatedAndJoined(NEWNET))
    );
}

#[test]
fn duplicate_and_bad_scalars_are_rejected() {
    let flags = NEWPID.to_ne_bytes();
    let msg = message(&[
        attr(ATTR_CLONE_FLAGS, &flags),
        attr(ATTR_CLONE_FLAGS, &flags),
    ]);
    assert_eq!(decode(&msg), Err(DecodeError::Duplicate(ATTR_CLONE_FLAGS)));
    let msg = message(&[attr(ATTR_ROOTLESS, &[2])]);
    assert_eq!(decode(&msg), Err(DecodeError::BadRootless(2)));
}
