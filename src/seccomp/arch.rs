//! The architectures a filter covers: the native one and its compat ABIs, each with its
//! AUDIT_ARCH value (what the kernel puts in seccomp_data.arch) and its syscall numbers.

use super::tables;

/// x32 shares AUDIT_ARCH_X86_64 and is told apart by this bit in the syscall number.
pub const X32_BIT: u32 = 0x4000_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arch {
    /// The name in config.json's `architectures`.
    pub name: &'static str,
    pub audit: u32,
    numbers: &'static [u16; tables::COUNT],
    /// (name index, number) pairs that replace entries of `numbers`.
    diff: &'static [(u16, u16)],
    /// Added to every number (x32's bit).
    pub base: u32,
    /// Arguments are 64 bits wide; a 32-bit ABI's upper halves are not compared, as libseccomp.
    pub wide: bool,
}

impl Arch {
    /// The syscall's number on this architecture, None when it has no such call.
    pub fn number(&self, name: &str) -> Option<u32> {
        let i = index(name)?;
        let n = match self.diff.iter().find(|(at, _)| usize::from(*at) == i) {
            Some((_, n)) => *n,
            None => self.numbers[i],
        };
        (n != u16::MAX).then_some(self.base + u32::from(n))
    }
}

/// Every architecture a profile may name, sorted: those this build cannot filter are ones the
/// kernel never presents here, so naming them is harmless.
pub const KNOWN: &[&str] = &[
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_ARM",
    "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",
    "SCMP_ARCH_X32",
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X86_64",
];

/// The architectures this build can filter: native first, x32 right after x86_64 (they share
/// an AUDIT_ARCH).
pub const SUPPORTED: &[Arch] = &[
    #[cfg(target_arch = "x86_64")]
    Arch {
        name: "SCMP_ARCH_X86_64",
        audit: 0xC000_003E,
        numbers: &tables::X86_64,
        diff: &[],
        base: 0,
        wide: true,
    },
    #[cfg(target_arch = "x86_64")]
    Arch {
        name: "SCMP_ARCH_X32",
        audit: 0xC000_003E,
        numbers: &tables::X86_64,
        diff: &tables::X32_DIFF,
        base: X32_BIT,
        wide: true,
    },
    #[cfg(target_arch = "aarch64")]
    Arch {
        name: "SCMP_ARCH_AARCH64",
        audit: 0xC000_00B7,
        numbers: &tables::AARCH64,
        diff: &[],
        base: 0,
        wide: true,
    },
    #[cfg(target_arch = "riscv64")]
    Arch {
        name: "SCMP_ARCH_RISCV64",
        audit: 0xC000_00F3,
        numbers: &tables::AARCH64,
        diff: &tables::RISCV64_DIFF,
        base: 0,
        wide: true,
    },
    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    Arch {
        name: "SCMP_ARCH_X86",
        audit: 0x4000_0003,
        numbers: &tables::X86,
        diff: &[],
        base: 0,
        wide: false,
    },
    #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
    Arch {
        name: "SCMP_ARCH_ARM",
        audit: 0x4000_0028,
        numbers: &tables::ARM,
        diff: &[],
        base: 0,
        wide: false,
    },
];

/// Where `name` sits in the shared name list, decoding its front coding as it goes; the
/// list is sorted, so the walk stops at the first name past it.
fn index(name: &str) -> Option<usize> {
    let want = name.as_bytes();
    let mut current = Vec::with_capacity(32);
    let mut rest = tables::NAMES;
    let mut i = 0;
    while let Some((&shared, tail)) = rest.split_first() {
        let end = tail.iter().position(|&b| b < 32).unwrap_or(tail.len());
        current.truncate(usize::from(shared));
        current.extend_from_slice(&tail[..end]);
        match current.as_slice().cmp(want) {
            std::cmp::Ordering::Equal => return Some(i),
            std::cmp::Ordering::Greater => return None,
            std::cmp::Ordering::Less => {}
        }
        rest = &tail[end..];
        i += 1;
    }
    None
}

/// Every name the tables know, decoded.
#[cfg(test)]
pub(super) fn all_names() -> Vec<String> {
    let mut names = Vec::new();
    let mut current = Vec::new();
    let mut rest = tables::NAMES;
    while let Some((&shared, tail)) = rest.split_first() {
        let end = tail.iter().position(|&b| b < 32).unwrap_or(tail.len());
        current.truncate(usize::from(shared));
        current.extend_from_slice(&tail[..end]);
        names.push(String::from_utf8(current.clone()).expect("ASCII names"));
        rest = &tail[end..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(name: &str) -> Arch {
        *SUPPORTED.iter().find(|a| a.name == name).unwrap()
    }

    /// Numbers checked against the kernel's headers on this machine, so a broken table or
    /// decoder cannot pass by agreeing with itself.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn numbers_match_the_installed_kernel_headers() {
        let x86_64 = arch("SCMP_ARCH_X86_64");
        let x86 = arch("SCMP_ARCH_X86");
        let x32 = arch("SCMP_ARCH_X32");
        assert_eq!(x86_64.number("read"), Some(libc::SYS_read as u32));
        assert_eq!(x86_64.number("mkdir"), Some(libc::SYS_mkdir as u32));
        assert_eq!(x86_64.number("_llseek"), None);
        assert_eq!(x86.number("mkdir"), Some(39));
        assert_eq!(x86.number("socketcall"), Some(102));
        assert_eq!(x86.number("arch_prctl"), Some(384));
        assert_eq!(x32.number("mkdir"), Some(X32_BIT + 83));
        assert_eq!(x32.number("execve"), Some(X32_BIT + 520));
        assert_eq!(x32.number("mseal"), Some(X32_BIT + 462));
        assert_eq!(x86_64.number("no_such_call"), None);
        assert_eq!(x86_64.number("zzz"), None);
        assert_eq!(x86_64.number(""), None);
        for name in ["accept", "write", "_newselect", "writev"] {
            assert!(index(name).is_some(), "{name}");
        }
        assert_eq!(index("_llseek"), Some(0));
        assert_eq!(index("writev"), Some(tables::COUNT - 1));
    }

    #[test]
    fn every_name_decodes_to_its_own_index() {
        let names = all_names();
        assert_eq!(names.len(), tables::COUNT);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index(name), Some(i), "{name}");
        }
    }
}
