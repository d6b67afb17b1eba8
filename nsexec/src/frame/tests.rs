use std::io::{ErrorKind, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::thread;

use super::{read_frame, write_frame};
use crate::protocol::Frame;

#[test]
fn frames_cross_a_socketpair() {
    let (a, b) = UnixStream::pair().unwrap();
    write_frame(a.as_raw_fd(), Frame::Pid, &1234i32.to_ne_bytes()).unwrap();
    write_frame(a.as_raw_fd(), Frame::MapsPlease, &[]).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(
        read_frame(b.as_raw_fd(), &mut buf).unwrap(),
        (Frame::Pid, 4)
    );
    assert_eq!(buf[..4], 1234i32.to_ne_bytes());
    assert_eq!(
        read_frame(b.as_raw_fd(), &mut buf).unwrap(),
        (Frame::MapsPlease, 0)
    );
}

#[test]
fn large_frame_survives_short_writes_and_reads() {
    let (a, b) = UnixStream::pair().unwrap();
    let payload: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
    let sent = payload.clone();
    let writer = thread::spawn(move || write_frame(a.as_raw_fd(), Frame::Config, &sent));
    let mut buf = vec![0u8; payload.len()];
    assert_eq!(
        read_frame(b.as_raw_fd(), &mut buf).unwrap(),
        (Frame::Config, payload.len())
    );
    assert!(buf == payload);
    writer.join().unwrap().unwrap();
}

#[test]
fn oversized_frame_is_invalid_data() {
    let (a, b) = UnixStream::pair().unwrap();
    write_frame(a.as_raw_fd(), Frame::Error, &[b'x'; 17]).unwrap();
    let mut buf = [0u8; 16];
    let err = read_frame(b.as_raw_fd(), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
}

#[test]
fn an_unknown_kind_is_invalid_data() {
    let (mut a, b) = UnixStream::pair().unwrap();
    a.write_all(&[&99u32.to_ne_bytes()[..], &0u32.to_ne_bytes()[..]].concat())
        .unwrap();
    let err = read_frame(b.as_raw_fd(), &mut [0u8; 4]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
}

#[test]
fn hang_up_is_unexpected_eof() {
    let (a, b) = UnixStream::pair().unwrap();
    drop(a);
    let err = read_frame(b.as_raw_fd(), &mut [0u8; 4]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

#[test]
fn truncated_frame_is_unexpected_eof() {
    let (mut a, b) = UnixStream::pair().unwrap();
    let mut partial = 2u32.to_ne_bytes().to_vec();
    partial.extend_from_slice(&8u32.to_ne_bytes());
    partial.extend_from_slice(b"abc");
    a.write_all(&partial).unwrap();
    drop(a);
    let err = read_frame(b.as_raw_fd(), &mut [0u8; 8]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

#[test]
fn writing_to_a_hung_up_peer_is_an_error_not_sigpipe() {
    let (a, b) = UnixStream::pair().unwrap();
    drop(b);
    let err = write_frame(a.as_raw_fd(), Frame::MapsPlease, b"x").unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EPIPE));
}
