//! Records the commit husk is built from, for `husk --version`, and links the husk binary
//! without unwind tables and with identical functions folded.
use std::path::PathBuf;
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
    // husk is built with panic=abort, so nothing in it unwinds: its unwind tables (.eh_frame,
    // 110 KiB, most of it std's and musl's) are dead weight. A panic still prints its message
    // and aborts; only the backtrace it would print is empty. The library's and the
    // integration tests' harnesses keep them, but the bin's own unit tests (src/cli) link
    // like the bin: a failing one aborts the harness ("failed to initiate panic") instead of
    // reporting, and HUSK_UNWIND_TABLES=1 keeps the tables to read such a failure.
    println!("cargo:rerun-if-env-changed=HUSK_UNWIND_TABLES");
    if std::env::var_os("HUSK_UNWIND_TABLES").is_none() {
        drop_unwind_tables();
    }
    // Generic code is monomorphised into many byte-identical copies (serde visitors, Vec and
    // iterator glue); lld folds them into one (16 KiB). GNU ld cannot, and rustup ships lld
    // with every toolchain, so it is taken from the toolchain building husk.
    if let Some(gcc_ld) = toolchain_lld() {
        println!("cargo:rustc-link-arg-bins=-B{}", gcc_ld.display());
        println!("cargo:rustc-link-arg-bins=-fuse-ld=lld");
        println!("cargo:rustc-link-arg-bins=-Wl,--icf=all");
    }
    // Only paths that exist: cargo takes a missing one as changed, so a git worktree (whose
    // .git is a file) would rerun this script, and rebuild everything, on every build.
    println!("cargo:rerun-if-changed=build.rs");
    for path in git_paths(&["HEAD", "refs", "packed-refs"]) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// Where git keeps `names` for this checkout (a worktree's HEAD is not under .git/).
fn git_paths(names: &[&str]) -> Vec<PathBuf> {
    let mut git = Command::new("git");
    git.arg("rev-parse");
    for name in names {
        git.args(["--git-path", name]);
    }
    let Some(out) = git.output().ok().filter(|o| o.status.success()) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .collect()
}

/// The `gcc-ld` directory of the compiler's sysroot, whose `ld.lld` runs rust-lld.
fn toolchain_lld() -> Option<PathBuf> {
    let rustc = std::env::var("RUSTC").ok()?;
    let host = std::env::var("HOST").ok()?;
    let out = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8(out.stdout).ok()?;
    let dir = PathBuf::from(sysroot.trim()).join(format!("lib/rustlib/{host}/bin/gcc-ld"));
    dir.join("ld.lld").exists().then_some(dir)
}

/// Links the binary with a script that discards .eh_frame and its index.
fn drop_unwind_tables() {
    let script = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("no-unwind-tables.ld");
    std::fs::write(
        &script,
        "SECTIONS { /DISCARD/ : { *(.eh_frame) *(.eh_frame_hdr) } } INSERT AFTER .text;\n",
    )
    .expect("write the linker script");
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
}
