//! config.json parsing: any bytes give a spec or one error naming the field, never a crash;
//! a parsed spec serializes and parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("config.json");
    if let Ok(spec) = husk::spec::parse::<husk::spec::Spec>(path, data) {
        let again =
            husk::spec::parse(path, &husk::spec::to_json(&spec)).expect("own output parses");
        assert_eq!(spec, again, "a spec changed through serialization");
        if let Some(seccomp) = spec.linux.as_ref().and_then(|l| l.seccomp.as_ref()) {
            let _ = husk::seccomp::compile(seccomp);
        }
    }
});
