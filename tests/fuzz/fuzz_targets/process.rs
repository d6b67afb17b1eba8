//! `exec --process FILE`: a Process JSON from the caller, parsed and validated as exec does;
//! any bytes give a process or one error naming the field, never a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("process.json");
    let Ok(process) = husk::spec::parse::<husk::spec::Process>(path, data) else {
        return;
    };
    if husk::spec::validate_process(&process, path).is_ok() {
        let _ = husk::process::validate::validate(&process);
    }
});
