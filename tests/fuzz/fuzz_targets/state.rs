//! A container's state.json and footprint.json, as `state`, `list` and `delete --force` read
//! them back: any bytes give a state or an error, never a crash; what parses writes back to
//! what parses to the same.
#![no_main]

use husk::container::statedir::{footprint::Footprint, saved::Saved};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(saved) = husk::spec::from_json::<Saved>(data) {
        let text = husk::spec::to_json(&saved);
        let again: Saved = husk::spec::from_json(&text).expect("own output parses");
        assert_eq!(text, husk::spec::to_json(&again), "state changed through serialization");
        let _ = saved.state(husk::spec::Status::Stopped);
    }
    if let Ok(footprint) = husk::spec::from_json::<Footprint>(data) {
        let text = husk::spec::to_json(&footprint);
        let again: Footprint = husk::spec::from_json(&text).expect("own output parses");
        assert_eq!(footprint.cgroup, again.cgroup);
    }
});
