//! The init channel's frames as the runtime reads them from init (and init from the runtime):
//! a header, then a body sized by it. Any byte stream from the peer gives frames or an error,
//! never a crash or an allocation the stream does not back.
#![no_main]

use husk::launch::channel::Channel;
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::os::unix::net::UnixStream;

fuzz_target!(|data: &[u8]| {
    let (mut peer, ours) = UnixStream::pair().expect("socketpair");
    let writer = {
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = peer.write_all(&data);
        })
    };
    let chan = Channel(ours);
    while let Ok((kind, _)) = chan.recv() {
        if kind == husk::launch::channel::Frame::Config {
            break;
        }
    }
    drop(chan);
    writer.join().expect("writer");
});
