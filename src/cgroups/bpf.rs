//! Device rules on cgroup v2: an eBPF program of type CGROUP_DEVICE, written here instruction
//! by instruction. The kernel hands it `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
//! u32 minor; }`, where access_type is `access << 16 | type`; the program returns 1 to allow.
//! Rules are checked last to first and the first match decides, so a later rule overrides an
//! earlier one as in v1; no match denies.

use super::CgroupError;
use crate::spec::DeviceRule;
use std::path::Path;

const R0: u8 = 0;
const R1: u8 = 1;
const R2: u8 = 2;
const R3: u8 = 3;
const R4: u8 = 4;
const R5: u8 = 5;

const LDX_W: u8 = 0x61;
const AND32_K: u8 = 0x54;
const RSH32_K: u8 = 0x74;
const MOV32_K: u8 = 0xb4;
const MOV32_X: u8 = 0xbc;
const JNE_K: u8 = 0x55;
const JNE_X: u8 = 0x5d;
const EXIT: u8 = 0x95;

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> u64 {
    code as u64
        | ((src << 4 | dst) as u64) << 8
        | (off as u16 as u64) << 16
        | (imm as u32 as u64) << 32
}

/// Loads the program for `rules` and attaches it to the cgroup directory `dir`.
pub fn apply(dir: &Path, rules: &[DeviceRule]) -> Result<(), CgroupError> {
    let prog = crate::sys::bpf::load_device_program(&program(rules))
        .map_err(|e| CgroupError::io("load device program for", dir, e))?;
    let cg = std::fs::File::open(dir).map_err(|e| CgroupError::io("open", dir, e))?;
    crate::sys::bpf::attach_device_program(&cg, &prog)
        .map_err(|e| CgroupError::io("attach device program to", dir, e))
}

pub(super) fn program(rules: &[DeviceRule]) -> Vec<u64> {
    let mut p = vec![
        insn(LDX_W, R2, R1, 0, 0),
        insn(AND32_K, R2, 0, 0, 0xffff),
        insn(LDX_W, R3, R1, 0, 0),
        insn(RSH32_K, R3, 0, 0, 16),
        insn(LDX_W, R4, R1, 4, 0),
        insn(LDX_W, R5, R1, 8, 0),
    ];
    for rule in rules.iter().rev() {
        let b = block(rule);
        let decides_all = b.len() == 2;
        p.extend(b);
        // The verifier refuses unreachable instructions: nothing may follow a catch-all.
        if decides_all {
            return p;
        }
    }
    p.extend([insn(MOV32_K, R0, 0, 0, 0), insn(EXIT, 0, 0, 0, 0)]);
    p
}

/// One rule: tests that jump past the block on a mismatch, then the verdict.
fn block(rule: &DeviceRule) -> Vec<u64> {
    let kind = match rule.kind.as_deref() {
        Some("b") => 1,
        Some("c") => 2,
        _ => 0,
    };
    let access = rule
        .access
        .as_deref()
        .unwrap_or("rwm")
        .chars()
        .fold(0, |a, c| {
            a | match c {
                'm' => 1,
                'r' => 2,
                'w' => 4,
                _ => 0,
            }
        });
    let mut checks: Vec<(u8, u8, u8, i32)> = Vec::new();
    if kind != 0 {
        checks.push((JNE_K, R2, 0, kind));
        for (reg, n) in [(R4, rule.major), (R5, rule.minor)] {
            if let Some(n) = n.filter(|n| *n >= 0) {
                checks.push((JNE_K, reg, 0, n as i32));
            }
        }
    }
    let mut out = Vec::new();
    if access != 7 {
        // Allowed only when every requested access is in the rule's: (R3 & access) == R3.
        out.push(insn(MOV32_X, R1, R3, 0, 0));
        out.push(insn(AND32_K, R1, 0, 0, access));
        checks.insert(0, (JNE_X, R1, R3, 0));
    }
    let len = out.len() + checks.len() + 2;
    for (code, dst, src, imm) in checks {
        let skip = len - out.len() - 1;
        out.push(insn(code, dst, src, skip as i16, imm));
    }
    out.push(insn(MOV32_K, R0, 0, 0, rule.allow as i32));
    out.push(insn(EXIT, 0, 0, 0, 0));
    out
}
