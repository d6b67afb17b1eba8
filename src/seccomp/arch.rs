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
    /// The number on this architecture of the call at `index` in `Names`, None when it has
    /// no such call.
    pub fn number(&self, index: usize) -> Option<u32> {
        let n = match self.diff.iter().find(|(at, _)| usize::from(*at) == index) {
            Some((_, n)) => *n,
            None => self.numbers[index],
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

/// The shared name list with its front coding undone, made once per compile: looking up each
/// of a profile's hundreds of names by walking the coding took 20 ms for podman's profile.
pub struct Names {
    text: Vec<u8>,
    /// Where each name ends in `text`; it starts where the one before ends.
    ends: Vec<u16>,
}

impl Names {
    pub fn decode() -> Names {
        let mut names = Names {
            text: Vec::with_capacity(tables::NAMES.len() * 4),
            ends: Vec::with_capacity(tables::COUNT),
        };
        let mut rest = tables::NAMES;
        let mut start = 0;
        while let Some((&shared, tail)) = rest.split_first() {
            let end = tail.iter().position(|&b| b < 32).unwrap_or(tail.len());
            names
                .text
                .extend_from_within(start..start + usize::from(shared));
            names.text.extend_from_slice(&tail[..end]);
            start = names.ends.last().map_or(0, |&e| usize::from(e));
            names.ends.push(names.text.len() as u16);
            rest = &tail[end..];
        }
        names
    }

    fn get(&self, i: usize) -> &[u8] {
        let start = i.checked_sub(1).map_or(0, |p| usize::from(self.ends[p]));
        &self.text[start..usize::from(self.ends[i])]
    }

    /// Where `name` sits in the sorted list, which every architecture's numbers follow.
    pub fn index(&self, name: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.ends.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(name.as_bytes()) {
                std::cmp::Ordering::Equal => return Some(mid),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    #[cfg(test)]
    pub fn all(&self) -> Vec<&str> {
        let names = (0..self.ends.len()).map(|i| std::str::from_utf8(self.get(i)));
        names.map(|n| n.expect("ASCII names")).collect()
    }
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
        let names = Names::decode();
        let index = |name| names.index(name);
        let number = |a: &str, name| index(name).and_then(|i| arch(a).number(i));
        let x86_64 = |name| number("SCMP_ARCH_X86_64", name);
        let x86 = |name| number("SCMP_ARCH_X86", name);
        let x32 = |name| number("SCMP_ARCH_X32", name);
        assert_eq!(x86_64("read"), Some(libc::SYS_read as u32));
        assert_eq!(x86_64("mkdir"), Some(libc::SYS_mkdir as u32));
        assert_eq!(x86_64("_llseek"), None);
        assert_eq!(x86("mkdir"), Some(39));
        assert_eq!(x86("socketcall"), Some(102));
        assert_eq!(x86("arch_prctl"), Some(384));
        assert_eq!(x32("mkdir"), Some(X32_BIT + 83));
        assert_eq!(x32("execve"), Some(X32_BIT + 520));
        assert_eq!(x32("mseal"), Some(X32_BIT + 462));
        assert_eq!(x86_64("no_such_call"), None);
        assert_eq!(x86_64("zzz"), None);
        assert_eq!(x86_64(""), None);
        for name in ["accept", "write", "_newselect", "writev"] {
            assert!(index(name).is_some(), "{name}");
        }
        assert_eq!(index("_llseek"), Some(0));
        assert_eq!(index("writev"), Some(tables::COUNT - 1));
    }

    #[test]
    fn every_name_decodes_to_its_own_index() {
        let names = Names::decode();
        let all = names.all();
        assert_eq!(all.len(), tables::COUNT);
        assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        for (i, name) in all.iter().enumerate() {
            assert_eq!(names.index(name), Some(i), "{name}");
        }
    }
}
