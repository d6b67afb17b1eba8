//! The shipped binary's promises: fully static and under 1 MiB.
//!
//! These read the binary cargo built for the test run (the release
//! profile under `scripts/test`), not a runtime chosen by
//! `HUSK_TEST_RUNTIME`, because the promise is about husk itself.

use std::fs;

const ONE_MIB: u64 = 1 << 20;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const DT_NEEDED: i64 = 1;

fn husk_image() -> Vec<u8> {
    fs::read(env!("CARGO_BIN_EXE_husk")).expect("read the husk binary")
}

fn u16_at(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap()) as usize
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// (p_type, p_offset, p_filesz) of every ELF64 program header.
fn program_headers(b: &[u8]) -> Vec<(u32, usize, usize)> {
    assert_eq!(&b[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(b[4], 2, "not a 64-bit ELF file");
    let (phoff, phentsize, phnum) = (u64_at(b, 0x20) as usize, u16_at(b, 0x36), u16_at(b, 0x38));
    (0..phnum)
        .map(|i| {
            let h = &b[phoff + i * phentsize..];
            let p_type = u32::from_le_bytes(h[..4].try_into().unwrap());
            (p_type, u64_at(h, 8) as usize, u64_at(h, 32) as usize)
        })
        .collect()
}

#[test]
fn binary_is_under_one_mebibyte() {
    let size = fs::metadata(env!("CARGO_BIN_EXE_husk")).unwrap().len();
    assert!(
        size < ONE_MIB,
        "husk is {size} bytes, over 1 MiB ({ONE_MIB})"
    );
}

#[test]
fn binary_has_no_interpreter_and_no_shared_libraries() {
    let image = husk_image();
    let headers = program_headers(&image);
    assert!(
        headers.iter().all(|h| h.0 != PT_INTERP),
        "husk names a dynamic loader"
    );
    for &(_, offset, size) in headers.iter().filter(|h| h.0 == PT_DYNAMIC) {
        let needed = image[offset..offset + size]
            .chunks_exact(16)
            .filter(|entry| i64::from_le_bytes(entry[..8].try_into().unwrap()) == DT_NEEDED)
            .count();
        assert_eq!(needed, 0, "husk needs {needed} shared libraries");
    }
}
