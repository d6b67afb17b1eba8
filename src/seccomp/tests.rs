//! The compiled programs run through a small cBPF interpreter, so every operator and the arch
//! dispatch are checked on the instructions the kernel would get.

use super::*;
use crate::spec::Syscall;

const X86_64: u32 = 0xC000_003E;
const I386: u32 = 0x4000_0003;
const ERRNO: u32 = libc::SECCOMP_RET_ERRNO;
const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;

/// Runs `prog` on a seccomp_data of `arch`, `nr` and `args` and returns its verdict.
fn run(prog: &[libc::sock_filter], arch: u32, nr: u32, args: [u64; 6]) -> u32 {
    let mut data = [0u8; 64];
    data[0..4].copy_from_slice(&nr.to_ne_bytes());
    data[4..8].copy_from_slice(&arch.to_ne_bytes());
    for (i, a) in args.iter().enumerate() {
        data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_ne_bytes());
    }
    let (mut pc, mut acc) = (0usize, 0u32);
    loop {
        let i = prog[pc];
        pc += 1;
        let jmp = |cond: bool| if cond { i.jt } else { i.jf } as usize;
        match i.code {
            0x20 => {
                let k = i.k as usize;
                acc = u32::from_ne_bytes(data[k..k + 4].try_into().unwrap());
            }
            0x54 => acc &= i.k,
            0x05 => pc += i.k as usize,
            0x15 => pc += jmp(acc == i.k),
            0x25 => pc += jmp(acc > i.k),
            0x35 => pc += jmp(acc >= i.k),
            0x06 => return i.k,
            code => panic!("unexpected opcode {code:#x}"),
        }
    }
}

fn rule(names: &[&str], action: &str, args: Vec<SyscallArg>) -> Syscall {
    Syscall {
        names: names.iter().map(|n| n.to_string()).collect(),
        action: action.into(),
        errno_ret: None,
        args,
    }
}

fn arg(index: u32, op: &str, value: u64, value_two: u64) -> SyscallArg {
    SyscallArg {
        index,
        value,
        value_two,
        op: op.into(),
    }
}

fn profile(default: &str, syscalls: Vec<Syscall>) -> Seccomp {
    Seccomp {
        default_action: default.into(),
        architectures: vec!["SCMP_ARCH_X86".into(), "SCMP_ARCH_X32".into()],
        syscalls,
        ..Default::default()
    }
}

fn nr(name: &str) -> u32 {
    let index = arch::Names::decode().index(name).unwrap();
    arch::SUPPORTED[0].number(index).unwrap()
}

#[test]
fn default_and_errno_actions() {
    let mut mkdir = rule(&["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", vec![]);
    mkdir.errno_ret = Some(libc::EROFS as u32);
    let mut s = profile(
        "SCMP_ACT_ALLOW",
        vec![mkdir, rule(&["rmdir"], "SCMP_ACT_ERRNO", vec![])],
    );
    let p = compile(&s).unwrap().insns;
    assert_eq!(
        run(&p, X86_64, nr("mkdir"), [0; 6]),
        ERRNO | libc::EROFS as u32
    );
    assert_eq!(
        run(&p, X86_64, nr("mkdirat"), [0; 6]),
        ERRNO | libc::EROFS as u32
    );
    assert_eq!(
        run(&p, X86_64, nr("rmdir"), [0; 6]),
        ERRNO | libc::EPERM as u32
    );
    assert_eq!(run(&p, X86_64, nr("read"), [0; 6]), ALLOW);
    assert_eq!(run(&p, X86_64, u32::MAX, [0; 6]), ALLOW);
    s.default_action = "SCMP_ACT_ERRNO".into();
    s.default_errno_ret = Some(38);
    s.syscalls = vec![rule(&["read"], "SCMP_ACT_ALLOW", vec![])];
    let p = compile(&s).unwrap().insns;
    assert_eq!(run(&p, X86_64, nr("read"), [0; 6]), ALLOW);
    assert_eq!(run(&p, X86_64, nr("write"), [0; 6]), ERRNO | 38);
}

#[test]
fn every_action_has_its_kernel_value() {
    let actions = [
        ("SCMP_ACT_KILL", libc::SECCOMP_RET_KILL_THREAD),
        ("SCMP_ACT_KILL_THREAD", libc::SECCOMP_RET_KILL_THREAD),
        ("SCMP_ACT_KILL_PROCESS", libc::SECCOMP_RET_KILL_PROCESS),
        ("SCMP_ACT_TRAP", libc::SECCOMP_RET_TRAP),
        (
            "SCMP_ACT_TRACE",
            libc::SECCOMP_RET_TRACE | libc::EPERM as u32,
        ),
        ("SCMP_ACT_LOG", libc::SECCOMP_RET_LOG),
        ("SCMP_ACT_NOTIFY", libc::SECCOMP_RET_USER_NOTIF),
    ];
    for (name, value) in actions {
        let mut s = profile("SCMP_ACT_ALLOW", vec![rule(&["getpid"], name, vec![])]);
        s.listener_path = Some("/run/agent.sock".into());
        let p = compile(&s).unwrap();
        assert_eq!(run(&p.insns, X86_64, nr("getpid"), [0; 6]), value, "{name}");
        assert_eq!(p.has_listener(), name == "SCMP_ACT_NOTIFY", "{name}");
    }
}

/// Each operator on values whose high and low words differ, just below, at and just above.
#[test]
fn argument_operators_compare_all_64_bits() {
    let v: u64 = 0x0000_0001_8000_0000;
    let around = [0, v - 1, v, v + 1, v + (1 << 32), v - (1 << 32), u64::MAX];
    type Holds = fn(u64, u64) -> bool;
    let cases: [(&str, Holds); 6] = [
        ("SCMP_CMP_EQ", |a, v| a == v),
        ("SCMP_CMP_NE", |a, v| a != v),
        ("SCMP_CMP_LT", |a, v| a < v),
        ("SCMP_CMP_LE", |a, v| a <= v),
        ("SCMP_CMP_GT", |a, v| a > v),
        ("SCMP_CMP_GE", |a, v| a >= v),
    ];
    for (op, holds) in cases {
        let s = profile(
            "SCMP_ACT_ALLOW",
            vec![rule(
                &["ioctl"],
                "SCMP_ACT_KILL_PROCESS",
                vec![arg(1, op, v, 0)],
            )],
        );
        let p = compile(&s).unwrap().insns;
        for a in around {
            let got = run(&p, X86_64, nr("ioctl"), [0, a, 0, 0, 0, 0]);
            let want = if holds(a, v) {
                libc::SECCOMP_RET_KILL_PROCESS
            } else {
                ALLOW
            };
            assert_eq!(got, want, "{op} {a:#x} vs {v:#x}");
        }
    }
}

#[test]
fn masked_eq_uses_value_as_mask_and_value_two_as_datum() {
    let mask = 0x7E02_0000_0000_0080;
    let check = arg(0, "SCMP_CMP_MASKED_EQ", mask, 0x0002_0000_0000_0000);
    let s = profile(
        "SCMP_ACT_ERRNO",
        vec![rule(&["clone"], "SCMP_ACT_ALLOW", vec![check])],
    );
    let p = compile(&s).unwrap().insns;
    let clone = |flags: u64| run(&p, X86_64, nr("clone"), [flags, 0, 0, 0, 0, 0]);
    assert_eq!(clone(0x0002_0000_0000_0000), ALLOW);
    assert_eq!(clone(0x0002_0000_0000_0100), ALLOW);
    assert_eq!(clone(0x0002_0000_0000_0180), ERRNO | libc::EPERM as u32);
    assert_eq!(clone(0x0003_0000_0000_0000), ALLOW);
    assert_eq!(clone(0x0000_0000_0000_0000), ERRNO | libc::EPERM as u32);
    assert_eq!(clone(0x4002_0000_0000_0000), ERRNO | libc::EPERM as u32);
}

/// Checks of different arguments must all hold; checks of one argument are alternatives
/// (runc's rule); a rule without checks decides what the others leave.
#[test]
fn several_rules_for_one_syscall() {
    let mut personality = rule(
        &["personality"],
        "SCMP_ACT_ALLOW",
        vec![arg(0, "SCMP_CMP_EQ", 0, 0), arg(0, "SCMP_CMP_EQ", 8, 0)],
    );
    personality.errno_ret = None;
    let both = rule(
        &["socket"],
        "SCMP_ACT_ALLOW",
        vec![arg(0, "SCMP_CMP_EQ", 1, 0), arg(1, "SCMP_CMP_EQ", 2, 0)],
    );
    let mut vsock = rule(
        &["kill"],
        "SCMP_ACT_ERRNO",
        vec![arg(1, "SCMP_CMP_EQ", 9, 0)],
    );
    vsock.errno_ret = Some(1);
    let kill_allowed = rule(&["kill"], "SCMP_ACT_ALLOW", vec![]);
    let s = profile(
        "SCMP_ACT_ERRNO",
        vec![personality, both, kill_allowed, vsock],
    );
    let p = compile(&s).unwrap().insns;
    let denied = ERRNO | libc::EPERM as u32;
    let call = |name: &str, a0: u64, a1: u64| run(&p, X86_64, nr(name), [a0, a1, 0, 0, 0, 0]);
    assert_eq!(call("personality", 0, 0), ALLOW);
    assert_eq!(call("personality", 8, 0), ALLOW);
    assert_eq!(call("personality", 4, 0), denied);
    assert_eq!(call("socket", 1, 2), ALLOW);
    assert_eq!(call("socket", 1, 1), denied);
    assert_eq!(call("socket", 2, 2), denied);
    assert_eq!(call("kill", 1, 9), ERRNO | 1);
    assert_eq!(call("kill", 1, 15), ALLOW);
}

#[test]
fn unknown_names_are_skipped() {
    let s = profile(
        "SCMP_ACT_ALLOW",
        vec![rule(
            &["no_such_call", "mkdir", "riscv_flush_icache"],
            "SCMP_ACT_KILL",
            vec![],
        )],
    );
    let p = compile(&s).unwrap().insns;
    assert_eq!(
        run(&p, X86_64, nr("mkdir"), [0; 6]),
        libc::SECCOMP_RET_KILL_THREAD
    );
    assert_eq!(run(&p, X86_64, nr("rmdir"), [0; 6]), ALLOW);
}

/// A 32-bit call meets the same rules under its own numbers; an ABI the profile does not
/// list is killed, x32 numbers included.
#[cfg(target_arch = "x86_64")]
#[test]
fn compat_abis_are_dispatched_on_the_arch_field() {
    let mut s = profile(
        "SCMP_ACT_ALLOW",
        vec![rule(&["mkdir"], "SCMP_ACT_ERRNO", vec![])],
    );
    let denied = ERRNO | libc::EPERM as u32;
    let p = compile(&s).unwrap().insns;
    assert_eq!(run(&p, I386, 39, [0; 6]), denied);
    assert_eq!(run(&p, I386, 83, [0; 6]), ALLOW, "83 is i386 symlink");
    assert_eq!(run(&p, X86_64, 0x4000_0000 + 83, [0; 6]), denied);
    assert_eq!(
        run(&p, 0xC000_00B7, 34, [0; 6]),
        libc::SECCOMP_RET_KILL_PROCESS
    );
    s.architectures.clear();
    let p = compile(&s).unwrap().insns;
    assert_eq!(run(&p, X86_64, 83, [0; 6]), denied);
    assert_eq!(run(&p, I386, 39, [0; 6]), libc::SECCOMP_RET_KILL_PROCESS);
    assert_eq!(
        run(&p, X86_64, 0x4000_0000 + 83, [0; 6]),
        libc::SECCOMP_RET_KILL_PROCESS
    );
}

/// The worst case for the interval chain: every known name, alternating between two actions
/// so that no neighbours merge, plus argument checks, on all three x86 ABIs.
#[test]
fn a_large_profile_stays_under_4096_instructions() {
    let decoded = arch::Names::decode();
    let names = decoded.all();
    let (even, odd): (Vec<&str>, Vec<&str>) =
        names.chunks(2).map(|p| (p[0], p[p.len() - 1])).unzip();
    let mut calls = vec![
        rule(&even, "SCMP_ACT_ALLOW", vec![]),
        rule(&odd, "SCMP_ACT_LOG", vec![]),
    ];
    for name in ["clone", "personality", "socket", "ioctl", "prctl"] {
        for v in 0..4 {
            calls.push(rule(
                &[name],
                "SCMP_ACT_TRAP",
                vec![arg(0, "SCMP_CMP_GT", v << 33, 0)],
            ));
        }
    }
    let p = compile(&profile("SCMP_ACT_ERRNO", calls)).unwrap().insns;
    assert!(p.len() < MAX_INSNS, "{}", p.len());
}

#[test]
fn bad_values_name_their_field() {
    let err = |s: Seccomp| compile(&s).unwrap_err().to_string();
    let mut s = profile("SCMP_ACT_NOPE", vec![]);
    assert_eq!(
        err(s.clone()),
        "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\""
    );
    s.default_action = "SCMP_ACT_NOTIFY".into();
    assert_eq!(
        err(s.clone()),
        "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"
    );
    s.default_action = "SCMP_ACT_ALLOW".into();
    s.syscalls = vec![rule(
        &["read"],
        "SCMP_ACT_ALLOW",
        vec![arg(6, "SCMP_CMP_EQ", 0, 0)],
    )];
    assert_eq!(
        err(s.clone()),
        "linux.seccomp.syscalls[0].args[0]: index 6 is past the 6 syscall arguments"
    );
    s.syscalls = vec![rule(
        &["read"],
        "SCMP_ACT_ALLOW",
        vec![arg(0, "SCMP_CMP_ABOUT", 0, 0)],
    )];
    assert_eq!(
        err(s.clone()),
        "linux.seccomp.syscalls[0].args[0]: unknown operator \"SCMP_CMP_ABOUT\""
    );
    s.syscalls = vec![rule(&["read"], "SCMP_ACT_NOTIFY", vec![])];
    assert_eq!(
        err(s.clone()),
        "linux.seccomp.listenerPath: required by an SCMP_ACT_NOTIFY rule"
    );
    s.syscalls = vec![];
    s.architectures = vec!["x86".into()];
    assert_eq!(
        err(s.clone()),
        "linux.seccomp.architectures[0]: unknown architecture \"x86\""
    );
    s.architectures = vec![];
    s.flags = vec!["SECCOMP_FILTER_FLAG_FAST".into()];
    assert_eq!(
        err(s.clone()),
        "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\""
    );
    s.flags = vec![];
    s.default_errno_ret = Some(70000);
    s.default_action = "SCMP_ACT_ERRNO".into();
    assert_eq!(
        err(s),
        "linux.seccomp.defaultAction: errnoRet 70000 does not fit the kernel's 16 bits"
    );
}

#[test]
fn flags_the_kernel_knows_are_kept() {
    let mut s = profile("SCMP_ACT_ALLOW", vec![]);
    s.flags = vec![
        "SECCOMP_FILTER_FLAG_TSYNC".into(),
        "SECCOMP_FILTER_FLAG_LOG".into(),
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW".into(),
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV".into(),
    ];
    assert_eq!(
        compile(&s).unwrap().flags,
        0b111,
        "WAIT_KILLABLE_RECV needs a listener"
    );
    s.syscalls = vec![rule(&["getpid"], "SCMP_ACT_NOTIFY", vec![])];
    s.listener_path = Some("/run/agent.sock".into());
    // This machine's kernel (6.x) knows them all; TSYNC with a listener needs TSYNC_ESRCH.
    assert_eq!(compile(&s).unwrap().flags, 0b111111);
}

/// Calls numbered above every call the profile names are newer than it: under a denying
/// default they get ENOSYS (libc then falls back), below it the default's errno; a
/// permissive default needs no such stub.
#[test]
fn calls_newer_than_the_profile_get_enosys() {
    let enosys = ERRNO | libc::ENOSYS as u32;
    let mut s = profile(
        "SCMP_ACT_ERRNO",
        vec![rule(&["read", "openat", "close"], "SCMP_ACT_ALLOW", vec![])],
    );
    let p = compile(&s).unwrap().insns;
    let top = nr("openat");
    assert_eq!(run(&p, X86_64, top, [0; 6]), ALLOW);
    assert_eq!(run(&p, X86_64, top - 1, [0; 6]), ERRNO | libc::EPERM as u32);
    assert_eq!(run(&p, X86_64, top + 1, [0; 6]), enosys);
    assert_eq!(run(&p, X86_64, nr("close_range"), [0; 6]), enosys);
    assert_eq!(run(&p, I386, 6, [0; 6]), ALLOW, "i386 close");
    assert_eq!(run(&p, I386, 5000, [0; 6]), enosys);
    assert_eq!(run(&p, X86_64, 0x4000_0000 + 5000, [0; 6]), enosys);
    s.default_action = "SCMP_ACT_LOG".into();
    let p = compile(&s).unwrap().insns;
    assert_eq!(run(&p, X86_64, top + 1, [0; 6]), libc::SECCOMP_RET_LOG);
}

#[test]
fn a_program_crosses_the_init_socket_unchanged() {
    let mut p = profile(
        "SCMP_ACT_ERRNO",
        vec![rule(
            &["getpid"],
            "SCMP_ACT_NOTIFY",
            vec![arg(0, "SCMP_CMP_GT", 1 << 40, 0)],
        )],
    );
    p.listener_path = Some("/run/agent.sock".into());
    let program = compile(&p).unwrap();
    let back = Program::from_wire(&program.to_wire()).unwrap();
    assert_eq!(back.flags, program.flags);
    assert!(back.has_listener());
    let words = |p: &Program| -> Vec<(u16, u8, u8, u32)> {
        p.insns.iter().map(|i| (i.code, i.jt, i.jf, i.k)).collect()
    };
    assert_eq!(words(&back), words(&program));
    assert!(Program::from_wire(&program.to_wire()[..9]).is_none());
    assert!(Program::from_wire(&[1, 2]).is_none());
}
