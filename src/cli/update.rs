//! `husk update [flags] ID`: change a container's cgroup limits, from a LinuxResources JSON
//! file (`-` is stdin) or from runc's individual flags.

use super::{flags, flags::UsageError, Failure, Global};
use husk::container::Container;
use husk::spec::{BlockIo, Cpu, Memory, Pids, Resources};
use std::ffi::OsString;
use std::io::Read;

const HELP: &str = "usage: husk update [flags] ID

  --resources, -r FILE   LinuxResources JSON ('-' for stdin); the other flags are then ignored
  --memory, --memory-reservation, --memory-swap, --kernel-memory, --kernel-memory-tcp BYTES
                         (suffixes k, m, g, t; -1 for no limit)
  --cpu-share, --cpu-period, --cpu-quota, --cpu-rt-period, --cpu-rt-runtime N
  --cpuset-cpus, --cpuset-mems LIST
  --pids-limit N, --blkio-weight N";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut file = None;
    let mut r = Resources::default();
    let ids = super::parse(rest, "update", HELP, |a, p| {
        if a.is(Some('r'), "resources") {
            file = Some(flags::string(p)?);
            return Ok(true);
        }
        let Some(name) = long(a) else {
            return Ok(false);
        };
        Ok(set(&mut r, &name, &flags::string(p)?)?)
    })?;
    let id = flags::one_id(ids, "update")?;
    if let Some(f) = file {
        r = read_resources(&f)?;
    }
    Container::load(&g.root, &id)?.update(r)?;
    Ok(0)
}

fn long(a: &flags::Flag) -> Option<String> {
    match a {
        flags::Flag::Long(l) => Some(l.clone()),
        flags::Flag::Short(_) => None,
    }
}

/// Sets the field a runc flag names; false for a flag update does not know.
fn set(r: &mut Resources, flag: &str, v: &str) -> Result<bool, UsageError> {
    let num = || {
        v.parse::<i64>()
            .map_err(|_| UsageError(format!("--{flag}: {v:?} is not a number")))
    };
    let mem =
        || bytes(v).ok_or_else(|| UsageError(format!("--{flag}: {v:?} is not a size like 512m")));
    fn memory(r: &mut Resources) -> &mut Memory {
        r.memory.get_or_insert_with(Memory::default)
    }
    fn cpu(r: &mut Resources) -> &mut Cpu {
        r.cpu.get_or_insert_with(Cpu::default)
    }
    match flag {
        "memory" => memory(r).limit = Some(mem()?),
        "memory-reservation" => memory(r).reservation = Some(mem()?),
        "memory-swap" => memory(r).swap = Some(mem()?),
        "kernel-memory" => memory(r).kernel = Some(mem()?),
        "kernel-memory-tcp" => memory(r).kernel_tcp = Some(mem()?),
        "cpu-share" => cpu(r).shares = Some(num()? as u64),
        "cpu-period" => cpu(r).period = Some(num()? as u64),
        "cpu-quota" => cpu(r).quota = Some(num()?),
        "cpu-rt-period" => cpu(r).realtime_period = Some(num()? as u64),
        "cpu-rt-runtime" => cpu(r).realtime_runtime = Some(num()?),
        "cpuset-cpus" => cpu(r).cpus = Some(v.into()),
        "cpuset-mems" => cpu(r).mems = Some(v.into()),
        "pids-limit" => r.pids = Some(Pids { limit: num()? }),
        "blkio-weight" => {
            let w = u16::try_from(num()?)
                .map_err(|_| UsageError(format!("--{flag}: {v} is out of range")))?;
            r.block_io.get_or_insert_with(BlockIo::default).weight = Some(w)
        }
        "l3-cache-schema" | "mem-bw-schema" => {
            return Err(UsageError(format!("--{flag}: Intel RDT is not supported")))
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A size as Docker's RAMInBytes reads it, in whole numbers: an optional binary unit (`512m`,
/// `1GiB`); -1 stays -1.
fn bytes(v: &str) -> Option<i64> {
    if v == "-1" {
        return Some(-1);
    }
    let lower = v.to_ascii_lowercase();
    let unit = lower.trim_end_matches('b').trim_end_matches('i');
    let (i, c) = unit.char_indices().last()?;
    let (digits, shift) = match "kmgtp".find(c) {
        Some(n) => (&unit[..i], 10 * (n + 1)),
        None => (unit, 0),
    };
    let n: i64 = digits.parse().ok().filter(|n| *n >= 0)?;
    n.checked_mul(1 << shift)
}

fn read_resources(file: &str) -> Result<Resources, Failure> {
    let mut text = Vec::new();
    let read = match file {
        "-" => std::io::stdin().read_to_end(&mut text).map(drop),
        path => std::fs::read(path).map(|t| text = t),
    };
    read.map_err(|e| UsageError(format!("--resources {file}: {e}")))?;
    Resources::from_json(&text).map_err(|e| UsageError(format!("--resources {file}: {e}")).into())
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn sizes_with_binary_units() {
        assert_eq!(bytes("100"), Some(100));
        assert_eq!(bytes("512m"), Some(512 << 20));
        assert_eq!(bytes("1GiB"), Some(1 << 30));
        assert_eq!(bytes("2k"), Some(2048));
        assert_eq!(bytes("-1"), Some(-1));
        assert_eq!(bytes("x"), None);
        assert_eq!(bytes("-5"), None);
    }
}
