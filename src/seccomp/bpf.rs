//! The classic BPF the kernel runs on every syscall: a check of seccomp_data.arch that picks
//! one section per ABI, and in each a chain over the syscall number split into intervals that
//! share an action, with argument checks for the calls whose rules have them.

use super::arch::{Arch, X32_BIT};
use super::{Cond, Op, Rule};
use libc::sock_filter;

const LD_W_ABS: u16 = 0x20;
const AND_K: u16 = 0x54;
const JA: u16 = 0x05;
const JEQ: u16 = 0x15;
const JGT: u16 = 0x25;
const JGE: u16 = 0x35;
const RET_K: u16 = 0x06;

/// Its section splits off x32 numbers even when x32 is not filtered, or they would miss
/// every rule written for x86_64 numbers.
const AUDIT_X86_64: u32 = 0xC000_003E;

const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_ARGS: u32 = 16;

/// A jump offset to patch: past the end of the rule being emitted (its checks failed).
const FAIL: u8 = 0xff;

fn op(out: &mut Vec<sock_filter>, code: u16, k: u32, jt: u8, jf: u8) {
    out.push(sock_filter { code, jt, jf, k });
}

/// Skips `code` when A > `hi`; a long body is jumped over with JA.
fn guarded(out: &mut Vec<sock_filter>, hi: u32, code: Vec<sock_filter>) {
    match u8::try_from(code.len()) {
        Ok(skip) => op(out, JGT, hi, skip, 0),
        Err(_) => {
            op(out, JGT, hi, 0, 1);
            op(out, JA, code.len() as u32, 0, 0);
        }
    }
    out.extend(code);
}

/// What the filter does with a syscall no rule names: `default`, except that with `enosys`
/// numbers above the highest one the rules name (calls newer than the profile) fail with
/// ENOSYS, so libc falls back to an older call, as runc's stub over libseccomp does.
#[derive(Clone, Copy)]
pub(super) struct Unlisted {
    pub default: u32,
    pub enosys: bool,
}

/// The whole program for `arches` (native first, ABIs of one AUDIT_ARCH adjacent), whose
/// entries each rule's `numbers` follow. Any other ABI gets `bad_arch`.
pub(super) fn program(
    arches: &[Arch],
    rules: &[Rule],
    unlisted: Unlisted,
    bad_arch: u32,
) -> Vec<sock_filter> {
    let mut out = Vec::new();
    op(&mut out, LD_W_ABS, OFF_ARCH, 0, 0);
    let mut i = 0;
    while i < arches.len() {
        let audit = arches[i].audit;
        let mut section = Vec::new();
        op(&mut section, LD_W_ABS, OFF_NR, 0, 0);
        let native = chain(&arches[i], i, rules, unlisted);
        if audit == AUDIT_X86_64 {
            op(&mut section, JGE, X32_BIT, 0, 1);
            op(&mut section, JA, native.len() as u32, 0, 0);
            section.extend(native);
            match arches.get(i + 1) {
                Some(x32) if x32.audit == audit => {
                    i += 1;
                    section.extend(chain(x32, i, rules, unlisted));
                }
                _ => op(&mut section, RET_K, bad_arch, 0, 0),
            }
        } else {
            section.extend(native);
        }
        op(&mut out, JEQ, audit, 1, 0);
        op(&mut out, JA, section.len() as u32, 0, 0);
        out.extend(section);
        i += 1;
    }
    op(&mut out, RET_K, bad_arch, 0, 0);
    out
}

/// One ABI's section after its syscall number is loaded. Numbers are visited in ascending
/// order; a run of numbers (gaps included) that returns one action is one interval, closed
/// by a comparison with its highest number.
fn chain(arch: &Arch, which: usize, rules: &[Rule], unlisted: Unlisted) -> Vec<sock_filter> {
    let default = unlisted.default;
    let mut out = Vec::new();
    let (mut pending, mut open_lo, mut from) = (default, 0u32, 0u32);
    for (nr, mine) in by_number(arch, which, rules) {
        let (checked, otherwise) = split_checked(mine, default);
        if nr > from && pending != default {
            close(&mut out, &mut open_lo, from, pending);
            pending = default;
        }
        if !checked.is_empty() {
            close(&mut out, &mut open_lo, nr, pending);
            let mut body = Vec::new();
            for rule in checked {
                rule_code(&mut body, rule, arch.wide);
            }
            body.extend(ret(otherwise));
            guarded(&mut out, nr, body);
            (open_lo, pending) = (nr + 1, default);
        } else if otherwise != pending {
            close(&mut out, &mut open_lo, nr, pending);
            pending = otherwise;
        }
        from = nr + 1;
    }
    if pending != default {
        close(&mut out, &mut open_lo, from, pending);
    }
    if unlisted.enosys && from > 0 {
        guarded(&mut out, from - 1, ret(default));
        out.extend(ret(libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32));
    } else {
        out.extend(ret(default));
    }
    out
}

/// The rules of each number this ABI has, ascending, each number's in config order.
fn by_number<'r>(arch: &Arch, which: usize, rules: &'r [Rule]) -> Vec<(u32, Vec<&'r Rule>)> {
    let mut slots: Vec<Vec<&Rule>> = Vec::new();
    for rule in rules.iter().filter(|r| r.numbers[which] != u32::MAX) {
        let slot = (rule.numbers[which] - arch.base) as usize;
        if slots.len() <= slot {
            slots.resize_with(slot + 1, Vec::new);
        }
        slots[slot].push(rule);
    }
    let numbered = slots
        .into_iter()
        .enumerate()
        .map(|(n, r)| (arch.base + n as u32, r));
    numbered.filter(|(_, r)| !r.is_empty()).collect()
}

/// Ends the open interval below `end` with `action`, unless it holds no number.
fn close(out: &mut Vec<sock_filter>, open_lo: &mut u32, end: u32, action: u32) {
    if end > *open_lo {
        guarded(out, end - 1, ret(action));
        *open_lo = end;
    }
}

fn ret(action: u32) -> Vec<sock_filter> {
    vec![sock_filter {
        code: RET_K,
        jt: 0,
        jf: 0,
        k: action,
    }]
}

/// Rules with argument checks come first, in config order; the first without any decides
/// what the call does when none of them matched (the default action when none).
fn split_checked(rules: Vec<&Rule>, default: u32) -> (Vec<&Rule>, u32) {
    let otherwise = rules
        .iter()
        .find(|r| r.conds.is_empty())
        .map_or(default, |r| r.action);
    let checked = rules
        .into_iter()
        .filter(|r| !r.conds.is_empty() && r.action != otherwise)
        .collect();
    (checked, otherwise)
}

/// All checks of `rule`, then its action; a failed check jumps past the return, to the next
/// rule. No rule has more than six checks, so every offset fits a byte.
fn rule_code(out: &mut Vec<sock_filter>, rule: &Rule, wide: bool) {
    let start = out.len();
    for c in &rule.conds {
        check(out, c, wide);
    }
    op(out, RET_K, rule.action, 0, 0);
    let end = out.len();
    for (i, insn) in out.iter_mut().enumerate().skip(start) {
        let past = (end - i - 1) as u8;
        if insn.jt == FAIL {
            insn.jt = past;
        }
        if insn.jf == FAIL {
            insn.jf = past;
        }
    }
}

/// One 64-bit argument compared with 32-bit loads: the high word decides unless it equals
/// the value's, then the low word does. A 32-bit ABI compares the low word only, as
/// libseccomp. The jumps of 2 and 3 land right after this check (it held).
fn check(out: &mut Vec<sock_filter>, c: &Cond, wide: bool) {
    let lo_off = OFF_ARGS + 8 * u32::from(c.index);
    let (hi, lo) = ((c.value >> 32) as u32, c.value as u32);
    if wide {
        op(out, LD_W_ABS, lo_off + 4, 0, 0);
        match c.op {
            Op::Eq => op(out, JEQ, hi, 0, FAIL),
            Op::Ne => op(out, JEQ, hi, 0, 2),
            Op::Gt | Op::Ge => {
                op(out, JGT, hi, 3, 0);
                op(out, JEQ, hi, 0, FAIL);
            }
            Op::Lt | Op::Le => {
                op(out, JGE, hi, 0, 3);
                op(out, JEQ, hi, 0, FAIL);
            }
            Op::MaskedEq => {
                op(out, AND_K, hi, 0, 0);
                op(out, JEQ, (c.value_two >> 32) as u32, 0, FAIL);
            }
        }
    }
    op(out, LD_W_ABS, lo_off, 0, 0);
    match c.op {
        Op::Eq => op(out, JEQ, lo, 0, FAIL),
        Op::Ne => op(out, JEQ, lo, FAIL, 0),
        Op::Gt => op(out, JGT, lo, 0, FAIL),
        Op::Ge => op(out, JGE, lo, 0, FAIL),
        Op::Lt => op(out, JGE, lo, FAIL, 0),
        Op::Le => op(out, JGT, lo, FAIL, 0),
        Op::MaskedEq => {
            op(out, AND_K, lo, 0, 0);
            op(out, JEQ, c.value_two as u32, 0, FAIL);
        }
    }
}
