//! `linux.resources` as cgroup file writes, with runc's file names and conversions for v1 and
//! v2. Planning is pure, so bad values are refused before any cgroup exists.

use super::CgroupError;
use crate::spec::{BlockIo, Cpu, Memory, Resources, ThrottleDevice};
use std::fmt;

/// One value for one cgroup file, and the config field it comes from.
#[derive(Debug, PartialEq)]
pub struct Write {
    pub field: &'static str,
    pub file: String,
    pub value: String,
}

struct Plan {
    v2: bool,
    writes: Vec<Write>,
}

impl Plan {
    fn set(&mut self, field: &'static str, file: &str, value: &dyn fmt::Display) {
        self.writes.push(Write {
            field,
            file: file.into(),
            value: value.to_string(),
        });
    }
}

/// `value` and why it is refused, for the field.
fn invalid(field: &'static str, value: &dyn fmt::Display, why: &str) -> CgroupError {
    CgroupError::Invalid(field, format!("{value} {why}"))
}

/// The writes for `r` in a v1 (or hybrid) or a unified v2 layout. Devices are not among them:
/// they are rules (v1) or a program (v2), not values.
pub fn plan(r: &Resources, v2: bool) -> Result<Vec<Write>, CgroupError> {
    let r = &zeros_unset(r);
    let mut p = Plan {
        v2,
        writes: Vec::new(),
    };
    if let Some(m) = &r.memory {
        memory(&mut p, m)?;
    }
    if let Some(c) = &r.cpu {
        cpu(&mut p, c)?;
    }
    match r.pids.as_ref().map(|p| p.limit) {
        Some(n) if n > 0 => p.set("pids.limit", "pids.max", &n),
        Some(n) if n < 0 => p.set("pids.limit", "pids.max", &"max"),
        _ => {}
    }
    if let Some(b) = &r.block_io {
        block_io(&mut p, b)?;
    }
    for h in &r.hugepage_limits {
        let number = h
            .page_size
            .strip_suffix('B')
            .and_then(|s| s.strip_suffix(['K', 'M', 'G']));
        if !number.is_some_and(is_number) {
            return Err(invalid(
                "hugepageLimits.pageSize",
                &h.page_size,
                "is not a size like 2MB",
            ));
        }
        let kind = if v2 { "max" } else { "limit_in_bytes" };
        p.set(
            "hugepageLimits",
            &format!("hugetlb.{}.{kind}", h.page_size),
            &h.limit,
        );
    }
    if let Some(n) = &r.network {
        if v2 {
            return Err(invalid(
                "network",
                &"cgroup v2",
                "has no net_cls or net_prio controller",
            ));
        }
        if let Some(id) = n.class_id {
            p.set("network.classID", "net_cls.classid", &id);
        }
        for i in &n.priorities {
            p.set(
                "network.priorities",
                "net_prio.ifpriomap",
                &format!("{} {}", i.name, i.priority),
            );
        }
    }
    for (dev, l) in &r.rdma {
        let mut line = dev.clone();
        for (key, v) in [
            (" hca_handle=", l.hca_handles),
            (" hca_object=", l.hca_objects),
        ] {
            if let Some(v) = v {
                line += key;
                line += &v.to_string();
            }
        }
        p.set("rdma", "rdma.max", &line);
    }
    if !p.v2 && !r.unified.is_empty() {
        // runc's wording, which callers match.
        let why = "invalid configuration: cannot use unified on cgroup v1";
        return Err(CgroupError::Invalid("unified", why.into()));
    }
    for (key, value) in &r.unified {
        if key.contains('/') || key.starts_with('.') || !key.contains('.') {
            return Err(invalid("unified", key, "is not a cgroup file name"));
        }
        p.set("unified", key, &value);
    }
    Ok(p.writes)
}

/// Engines send 0 for "not set": Docker gives every container `blockIO.weight: 0` and fills
/// `update` with zero shares, quota, period and reservation. runc skips zeros, so husk does.
fn zeros_unset(r: &Resources) -> Resources {
    fn unset<T: Default + PartialEq>(v: &mut Option<T>) {
        if v.as_ref() == Some(&T::default()) {
            *v = None;
        }
    }
    let mut r = r.clone();
    if let Some(m) = &mut r.memory {
        unset(&mut m.limit);
        unset(&mut m.reservation);
        unset(&mut m.kernel);
        unset(&mut m.kernel_tcp);
    }
    if let Some(c) = &mut r.cpu {
        unset(&mut c.shares);
        unset(&mut c.quota);
        unset(&mut c.period);
        unset(&mut c.realtime_runtime);
        unset(&mut c.realtime_period);
    }
    if let Some(b) = &mut r.block_io {
        unset(&mut b.weight);
        unset(&mut b.leaf_weight);
        for d in &mut b.weight_device {
            unset(&mut d.weight);
            unset(&mut d.leaf_weight);
        }
    }
    r
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `r` with the swap limit lifted too when it lifts the memory limit and says nothing of swap,
/// where swap is accounted: the kernel refuses a memory limit above the one on memory plus
/// swap, so `update --memory -1` alone would fail (runc lifts both).
pub fn lift_swap_with_memory(
    r: &Resources,
    v2: bool,
    has: impl Fn(&str) -> bool,
) -> Option<Resources> {
    let m = r.memory.as_ref()?;
    let file = if v2 {
        "memory.swap.max"
    } else {
        "memory.memsw.limit_in_bytes"
    };
    let lift = m.limit == Some(-1) && matches!(m.swap, None | Some(0)) && has(file);
    lift.then(|| {
        let mut r = r.clone();
        r.memory.get_or_insert_with(Memory::default).swap = Some(-1);
        r
    })
}

/// -1 is "no limit", written as `max` on v2.
fn limit(v: i64, v2: bool) -> String {
    match v {
        -1 if v2 => "max".into(),
        v => v.to_string(),
    }
}

fn memory(p: &mut Plan, m: &Memory) -> Result<(), CgroupError> {
    let lim = m.limit.unwrap_or(0);
    if let Some(swap) = m.swap.filter(|s| *s > 0 && lim > 0 && *s < lim) {
        return Err(invalid(
            "memory.swap",
            &swap,
            "is below memory.limit (it counts memory plus swap)",
        ));
    }
    if let Some(s) = m.swappiness.filter(|s| *s > 100) {
        return Err(invalid("memory.swappiness", &s, "is above 100"));
    }
    let v2 = p.v2;
    if let Some(v) = m.limit {
        p.set(
            "memory.limit",
            if v2 {
                "memory.max"
            } else {
                "memory.limit_in_bytes"
            },
            &limit(v, v2),
        );
    }
    if let Some(v) = m.reservation {
        p.set(
            "memory.reservation",
            if v2 {
                "memory.low"
            } else {
                "memory.soft_limit_in_bytes"
            },
            &limit(v, v2),
        );
    }
    match m.swap {
        Some(0) | None => {}
        Some(-1) => p.set(
            "memory.swap",
            if v2 {
                "memory.swap.max"
            } else {
                "memory.memsw.limit_in_bytes"
            },
            &limit(-1, v2),
        ),
        Some(s) if v2 => {
            if lim <= 0 {
                return Err(invalid(
                    "memory.swap",
                    &s,
                    "needs memory.limit on cgroup v2",
                ));
            }
            p.set("memory.swap", "memory.swap.max", &(s - lim))
        }
        Some(s) => p.set("memory.swap", "memory.memsw.limit_in_bytes", &s),
    }
    if v2 {
        return Ok(());
    }
    if let Some(v) = m.kernel_tcp {
        p.set("memory.kernelTCP", "memory.kmem.tcp.limit_in_bytes", &v);
    }
    if let Some(v) = m.swappiness {
        p.set("memory.swappiness", "memory.swappiness", &v);
    }
    if m.disable_oom_killer == Some(true) {
        p.set("memory.disableOOMKiller", "memory.oom_control", &1);
    }
    if let Some(v) = m.use_hierarchy {
        p.set("memory.useHierarchy", "memory.use_hierarchy", &(v as u8));
    }
    Ok(())
}

fn cpu(p: &mut Plan, c: &Cpu) -> Result<(), CgroupError> {
    for (field, list) in [("cpu.cpus", &c.cpus), ("cpu.mems", &c.mems)] {
        let Some(list) = list else { continue };
        if !list
            .split(',')
            .all(|r| r.split('-').count() <= 2 && r.split('-').all(is_number))
        {
            return Err(invalid(field, list, "is not a list like 0-2,4"));
        }
        p.set(
            field,
            if field == "cpu.cpus" {
                "cpuset.cpus"
            } else {
                "cpuset.mems"
            },
            &list,
        );
    }
    if let Some(q) = c.quota.filter(|q| *q < -1 || *q == 0) {
        return Err(invalid("cpu.quota", &q, "is neither -1 nor positive"));
    }
    if !p.v2 {
        let v1 = [
            ("cpu.shares", "cpu.shares", c.shares.map(|v| v as i64)),
            (
                "cpu.period",
                "cpu.cfs_period_us",
                c.period.map(|v| v as i64),
            ),
            ("cpu.quota", "cpu.cfs_quota_us", c.quota),
            ("cpu.burst", "cpu.cfs_burst_us", c.burst.map(|v| v as i64)),
            (
                "cpu.realtimePeriod",
                "cpu.rt_period_us",
                c.realtime_period.map(|v| v as i64),
            ),
            (
                "cpu.realtimeRuntime",
                "cpu.rt_runtime_us",
                c.realtime_runtime,
            ),
            ("cpu.idle", "cpu.idle", c.idle),
        ];
        for (field, file, v) in v1 {
            if let Some(v) = v {
                p.set(field, file, &v);
            }
        }
        return Ok(());
    }
    if c.realtime_period.is_some() || c.realtime_runtime.is_some() {
        return Err(invalid(
            "cpu.realtimeRuntime",
            &"realtime",
            "limits do not exist on cgroup v2",
        ));
    }
    if let Some(s) = c.shares.filter(|s| *s != 0) {
        if !(2..=262144).contains(&s) {
            return Err(invalid("cpu.shares", &s, "is not within 2..262144"));
        }
        p.set("cpu.shares", "cpu.weight", &(1 + (s - 2) * 9999 / 262142));
    }
    if c.quota.is_some() || c.period.is_some() {
        let quota = c
            .quota
            .filter(|q| *q > 0)
            .map_or("max".to_string(), |q| q.to_string());
        let max = match c.period {
            Some(period) => format!("{quota} {period}"),
            None => quota,
        };
        p.set("cpu.quota", "cpu.max", &max);
    }
    if let Some(b) = c.burst {
        p.set("cpu.burst", "cpu.max.burst", &b);
    }
    if let Some(i) = c.idle {
        p.set("cpu.idle", "cpu.idle", &i);
    }
    Ok(())
}

fn block_io(p: &mut Plan, b: &BlockIo) -> Result<(), CgroupError> {
    let weights = b.weight.iter().chain(&b.leaf_weight).chain(
        b.weight_device
            .iter()
            .flat_map(|d| d.weight.iter().chain(&d.leaf_weight)),
    );
    if let Some(w) = weights.copied().find(|w| !(10..=1000).contains(w)) {
        return Err(invalid("blockIO.weight", &w, "is not within 10..1000"));
    }
    let v2 = p.v2;
    if let Some(w) = b.weight {
        match v2 {
            true => p.set(
                "blockIO.weight",
                "io.weight",
                &(1 + (w as u64 - 10) * 9999 / 990),
            ),
            false => p.set("blockIO.weight", "blkio.weight", &w),
        }
    }
    if let Some(w) = b.leaf_weight.filter(|_| !v2) {
        p.set("blockIO.leafWeight", "blkio.leaf_weight", &w);
    }
    for d in &b.weight_device {
        let dev = device(d.major, d.minor, "blockIO.weightDevice")?;
        if let Some(w) = d.weight {
            p.set(
                "blockIO.weightDevice",
                if v2 {
                    "io.bfq.weight"
                } else {
                    "blkio.weight_device"
                },
                &format!("{dev} {w}"),
            );
        }
        if let Some(w) = d.leaf_weight.filter(|_| !v2) {
            p.set(
                "blockIO.weightDevice",
                "blkio.leaf_weight_device",
                &format!("{dev} {w}"),
            );
        }
    }
    let throttles: [(&'static str, &[ThrottleDevice], &str, &str); 4] = [
        (
            "blockIO.throttleReadBpsDevice",
            &b.throttle_read_bps_device,
            "read_bps_device",
            "rbps",
        ),
        (
            "blockIO.throttleWriteBpsDevice",
            &b.throttle_write_bps_device,
            "write_bps_device",
            "wbps",
        ),
        (
            "blockIO.throttleReadIOPSDevice",
            &b.throttle_read_iops_device,
            "read_iops_device",
            "riops",
        ),
        (
            "blockIO.throttleWriteIOPSDevice",
            &b.throttle_write_iops_device,
            "write_iops_device",
            "wiops",
        ),
    ];
    for (field, list, v1, v2key) in throttles {
        for t in list {
            let dev = device(t.major, t.minor, field)?;
            match v2 {
                true => p.set(field, "io.max", &format!("{dev} {v2key}={}", t.rate)),
                false => p.set(
                    field,
                    &format!("blkio.throttle.{v1}"),
                    &format!("{dev} {}", t.rate),
                ),
            }
        }
    }
    Ok(())
}

fn device(major: i64, minor: i64, field: &'static str) -> Result<String, CgroupError> {
    if major < 0 || minor < 0 {
        return Err(invalid(field, &major.min(minor), "is not a device number"));
    }
    Ok(format!("{major}:{minor}"))
}
