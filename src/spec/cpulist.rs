//! The kernel's list format for CPUs and memory nodes ("0-3,5"), as `execCPUAffinity` and
//! `memoryPolicy.nodes` write it, turned into the bitmask the syscalls take.

/// The highest CPU or node number accepted, as in runc: a bogus input cannot make a huge mask.
const MAX_ID: usize = 64 * 1024;

/// The set bits of `list` as 64-bit words; empty elements and spaces around them are
/// allowed, an empty list gives an empty mask.
pub fn parse(list: &str) -> Result<Vec<u64>, &'static str> {
    let mut mask = Vec::new();
    for range in list.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        let (first, last) = match range.split_once('-') {
            Some((a, b)) => (id(a)?, id(b)?),
            None => (id(range)?, id(range)?),
        };
        if first > last {
            return Err("invalid range");
        }
        for bit in first..=last {
            if mask.len() <= bit / 64 {
                mask.resize(bit / 64 + 1, 0);
            }
            mask[bit / 64] |= 1 << (bit % 64);
        }
    }
    Ok(mask)
}

fn id(text: &str) -> Result<usize, &'static str> {
    match text.parse::<usize>() {
        Ok(n) if n <= MAX_ID => Ok(n),
        Ok(_) => Err("values larger than 65536 are not supported"),
        Err(_) => Err("not a number"),
    }
}

/// The numbers whose bits are set in `mask`, in order.
pub fn members(mask: &[u64]) -> Vec<u64> {
    (0..mask.len() as u64 * 64)
        .filter(|&bit| mask[bit as usize / 64] & (1 << (bit % 64)) != 0)
        .collect()
}

/// How many bits of `mask` are set.
pub fn count(mask: &[u64]) -> u32 {
    mask.iter().map(|w| w.count_ones()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_the_set_bits_in_order() {
        assert_eq!(members(&parse("0-2,5,64").unwrap()), [0, 1, 2, 5, 64]);
        assert!(members(&[]).is_empty());
    }

    #[test]
    fn lists_and_ranges_become_bits() {
        assert_eq!(parse("0-2, 5,,").unwrap(), [0b100111]);
        assert_eq!(parse("64").unwrap(), [0, 1]);
        assert!(parse("").unwrap().is_empty());
        assert_eq!(count(&parse("1,3-4").unwrap()), 3);
    }

    #[test]
    fn bad_lists_are_refused() {
        assert_eq!(parse("3-1").unwrap_err(), "invalid range");
        assert!(parse("0-9876543210")
            .unwrap_err()
            .contains("larger than 65536"));
        assert!(parse("x").is_err());
    }
}
