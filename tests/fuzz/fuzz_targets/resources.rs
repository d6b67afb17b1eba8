//! `update --resources FILE|-`: LinuxResources JSON from the caller, parsed and then planned
//! into cgroup writes for the v1 and the v2 layout; any bytes give writes or one error.
#![no_main]

use husk::cgroups::Cgroup;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(r) = husk::spec::parse::<husk::spec::Resources>(Path::new("resources.json"), data) else {
        return;
    };
    let v2 = Cgroup {
        dirs: vec!["/nonexistent/unified".into()],
        unified: Some("/nonexistent/unified".into()),
        ..Cgroup::default()
    };
    for cgroup in [Cgroup::default(), v2] {
        let _ = cgroup.check(&r);
    }
});
