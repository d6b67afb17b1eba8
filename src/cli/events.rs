//! `husk events [--stats] [--interval D] ID`: resource statistics and OOM events as JSON lines.

use super::{flags, flags::UsageError, Failure, Global};
use std::ffi::OsString;
use std::time::Duration;

const HELP: &str = "usage: husk events [--stats] [--interval 5s] ID

Prints the container's resource statistics once (--stats), or every interval (a Go duration,
default 5s) together with oom events, until the container stops.";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let (mut stats, mut interval) = (false, Duration::from_secs(5));
    let ids = super::parse(rest, "events", HELP, |a, p| {
        if a.is(None, "interval") {
            interval = duration(&flags::string(p)?)?;
            return Ok(true);
        }
        stats |= a.is(None, "stats");
        Ok(a.is(None, "stats"))
    })?;
    let id = flags::one_id(ids, "events")?;
    husk::container::events(&g.root, &id, (!stats).then_some(interval), |line| {
        super::out(&format!("{line}\n"))
    })?;
    Ok(0)
}

/// A Go duration: decimal numbers with units, like `5s`, `1m30s`, `1.5h`, `300ms`.
fn duration(text: &str) -> Result<Duration, UsageError> {
    let bad = || UsageError(format!("--interval: {text:?} is not a duration like 5s"));
    let mut rest = text;
    let mut nanos = 0u64;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(bad)?;
        let (int, frac) = rest[..n].split_once('.').unwrap_or((&rest[..n], ""));
        let frac = &frac[..frac.len().min(9)];
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale: u64 = match &rest[..u] {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(bad()),
        };
        rest = &rest[u..];
        let num = |d: &str| d.parse::<u64>().ok().or((d.is_empty()).then_some(0));
        let (Some(whole), Some(part)) = (num(int), num(frac)) else {
            return Err(bad());
        };
        let part = part * scale / 10u64.pow(frac.len() as u32);
        nanos = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(part)?.checked_add(nanos))
            .ok_or_else(bad)?;
    }
    match nanos {
        0 => Err(bad()),
        n => Ok(Duration::from_nanos(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::duration;
    use std::time::Duration;

    #[test]
    fn go_durations() {
        assert_eq!(duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(duration("1.5h").unwrap(), Duration::from_secs(5400));
        for bad in ["", "5", "s", "5x", "0s", "-1s"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }
}
