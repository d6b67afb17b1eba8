//! The seccomp compiler on profiles built from the input bytes (names, actions, operators and
//! values from small tables, so most inputs are valid): whatever it accepts must be a program
//! the kernel would take, every jump landing inside it and every path ending in a return.
#![no_main]

use husk::spec::{Seccomp, Syscall, SyscallArg};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "read",
    "write",
    "open",
    "openat",
    "close",
    "mkdir",
    "mkdirat",
    "clone",
    "clone3",
    "socket",
    "ioctl",
    "personality",
    "execve",
    "getpid",
    "kill",
    "ptrace",
    "mount",
    "unshare",
    "_llseek",
    "socketcall",
    "arm_fadvise64_64",
    "riscv_flush_icache",
    "no_such_call",
    "mseal",
    "rt_sigaction",
];
const ACTIONS: &[&str] = &[
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_TRAP",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
    "SCMP_ACT_KILL_THREAD",
    "bogus",
];
const OPS: &[&str] = &[
    "SCMP_CMP_NE",
    "SCMP_CMP_LT",
    "SCMP_CMP_LE",
    "SCMP_CMP_EQ",
    "SCMP_CMP_GE",
    "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
];
const ARCHES: &[&str] = &[
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM",
];

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[usize::from(self.byte()) % from.len()]
    }
    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |v, _| v << 8 | u64::from(self.byte()))
    }
}

fn profile(data: &[u8]) -> Seccomp {
    let mut b = Bytes(data);
    let mut s = Seccomp {
        default_action: b.pick(ACTIONS).into(),
        default_errno_ret: (b.byte() & 1 == 1).then(|| u32::from(b.byte())),
        listener_path: Some("/run/agent.sock".into()),
        ..Default::default()
    };
    let arches = b.byte();
    s.architectures = (0..ARCHES.len())
        .filter(|i| arches >> i & 1 == 1)
        .map(|i| ARCHES[i].into())
        .collect();
    while !b.0.is_empty() {
        let names = (0..b.byte() % 4 + 1)
            .map(|_| b.pick(NAMES).into())
            .collect();
        let action = b.pick(ACTIONS).into();
        let errno_ret = (b.byte() & 1 == 1).then(|| u32::from(b.byte()));
        let args = (0..b.byte() % 4)
            .map(|_| SyscallArg {
                index: u32::from(b.byte() % 7),
                op: b.pick(OPS).into(),
                value: b.u64(),
                value_two: b.u64(),
            })
            .collect();
        s.syscalls.push(Syscall {
            names,
            action,
            errno_ret,
            args,
        });
    }
    s
}

/// What the kernel's checker (and the BPF machine) require of a seccomp program.
fn check(insns: &[libc::sock_filter]) {
    assert!(!insns.is_empty() && insns.len() <= 4096);
    for (pc, i) in insns.iter().enumerate() {
        let next = pc + 1;
        match i.code {
            0x06 => {}
            0x20 => assert!(i.k % 4 == 0 && i.k < 64, "load of {} at {pc}", i.k),
            0x54 => {}
            0x05 => assert!(
                next + (i.k as usize) < insns.len(),
                "ja out of the program at {pc}"
            ),
            0x15 | 0x25 | 0x35 => {
                let far = next + usize::from(i.jt.max(i.jf));
                assert!(far < insns.len(), "jump out of the program at {pc}");
            }
            code => panic!("opcode {code:#x} at {pc}"),
        }
    }
    assert_eq!(
        insns.last().unwrap().code,
        0x06,
        "the program does not end in a return"
    );
}

fuzz_target!(|data: &[u8]| {
    if let Ok(program) = husk::seccomp::compile(&profile(data)) {
        check(&program.insns);
    }
});
