//! nsexec's bootstrap decoder: it runs before main on bytes from the init socket, so any input
//! must give a bootstrap or an error, without a crash or a read past the buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = nsexec::decode(data);
});
