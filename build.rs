//! Records the commit husk is built from, for `husk --version`, and links the husk binary
//! without an unwind lookup table.
use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=HUSK_COMMIT={commit}");
    // husk is built with panic=abort, so nothing in it unwinds and the lookup table is dead
    // weight (12 KiB); the .eh_frame it indexes cannot go, because musl's crt registers it.
    // Only the binary: test harnesses unwind, and without the table a failing assertion
    // aborts the whole test binary ("failed to initiate panic") instead of reporting.
    println!("cargo:rustc-link-arg-bins=-Wl,--no-eh-frame-hdr");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");
}
