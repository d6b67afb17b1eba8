//! Statistics as `runc events` reports them: the JSON object of runc's `types.Stats`, with its
//! field names and its omissions of zero values, read from v1 or v2 files.

use super::Cgroup;
use crate::spec::cpulist;
use std::fs;

/// A JSON object written field by field.
struct Obj(String);

impl Obj {
    fn new() -> Obj {
        Obj("{".into())
    }
    fn key(&mut self, k: &str) -> &mut Obj {
        if !self.0.ends_with(['{', '[']) {
            self.0.push(',');
        }
        self.0 += "\"";
        self.0 += k;
        self.0 += "\":";
        self
    }
    fn num(&mut self, k: &str, v: u64) -> &mut Obj {
        self.key(k).0 += &v.to_string();
        self
    }
    /// Go's `omitempty`: a zero is left out.
    fn nz(&mut self, k: &str, v: u64) -> &mut Obj {
        if v != 0 {
            self.num(k, v);
        }
        self
    }
    fn list(&mut self, k: &str, v: &[u64]) -> &mut Obj {
        if !v.is_empty() {
            let items: Vec<String> = v.iter().map(u64::to_string).collect();
            self.key(k).0 += &format!("[{}]", items.join(","));
        }
        self
    }
    fn obj(&mut self, k: &str, o: Obj) -> &mut Obj {
        self.key(k).0 += &o.end();
        self
    }
    fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// `name value` lines (cpu.stat, memory.stat, memory.events) as pairs.
fn pairs(text: &str) -> impl Iterator<Item = (&str, u64)> {
    text.lines().filter_map(|l| {
        let (k, v) = l.split_once(' ')?;
        Some((k, v.trim().parse().ok()?))
    })
}

fn field(text: &str, name: &str) -> u64 {
    pairs(text).find(|(k, _)| *k == name).map_or(0, |(_, v)| v)
}

/// One of runc's memory entries: limit and failcnt always, usage and max when set.
fn entry([limit, usage, max, failcnt]: [u64; 4]) -> Obj {
    let mut e = Obj::new();
    e.num("limit", limit)
        .nz("usage", usage)
        .nz("max", max)
        .num("failcnt", failcnt);
    e
}

/// A number, or the kernel's `max` as Go's MaxUint64, as runc reports an unlimited value.
fn number(text: &str) -> u64 {
    match text.trim() {
        "max" => u64::MAX,
        t => t.parse().unwrap_or(0),
    }
}

impl Cgroup {
    /// The text of the first of the container's cgroup files named `file` in the hierarchies
    /// of this layout's kind; empty if there is none.
    fn read(&self, file: &str) -> String {
        self.dirs
            .iter()
            .filter(|d| self.is_v2() || Some(*d) != self.unified.as_ref())
            .find_map(|d| fs::read_to_string(d.join(file)).ok())
            .unwrap_or_default()
    }

    fn num(&self, file: &str) -> u64 {
        number(&self.read(file))
    }

    /// Memory in use now, as checkBeforeUpdate compares it with a new limit.
    pub fn memory_usage(&self) -> u64 {
        self.num(if self.is_v2() {
            "memory.current"
        } else {
            "memory.usage_in_bytes"
        })
    }

    /// The kernel's count of OOM kills in the cgroup.
    pub fn oom_kills(&self) -> u64 {
        let file = if self.is_v2() {
            "memory.events"
        } else {
            "memory.oom_control"
        };
        field(&self.read(file), "oom_kill")
    }

    /// runc's stats object for `events`: cpu, cpuset, memory, pids, blkio, hugetlb.
    pub fn stats_json(&self) -> String {
        let mut o = Obj::new();
        o.obj("cpu", self.cpu())
            .obj("cpuset", self.cpuset())
            .obj("memory", self.memory())
            .obj("pids", self.pids_stats())
            .obj("blkio", self.blkio())
            .obj("hugetlb", self.hugetlb())
            .obj("intel_rdt", Obj::new());
        o.key("network_interfaces").0 += "null";
        o.end()
    }

    fn pids_stats(&self) -> Obj {
        let mut p = Obj::new();
        // runc reports no limit, not MaxUint64, for `max`.
        let limit = self.num("pids.max");
        p.nz("current", self.num("pids.current"))
            .nz("limit", if limit == u64::MAX { 0 } else { limit });
        p
    }

    fn cpu(&self) -> Obj {
        let stat = self.read("cpu.stat");
        let (mut usage, mut throttling) = (Obj::new(), Obj::new());
        let list = |f: &str| -> Vec<u64> {
            self.read(f)
                .split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect()
        };
        if self.is_v2() {
            let us = |k| field(&stat, k) * 1000;
            usage
                .nz("total", us("usage_usec"))
                .num("kernel", us("system_usec"))
                .num("user", us("user_usec"));
            throttling
                .nz("periods", field(&stat, "nr_periods"))
                .nz("throttled_periods", field(&stat, "nr_throttled"))
                .nz("throttled_time", us("throttled_usec"));
        } else {
            // cpuacct.stat counts USER_HZ (100 per second) ticks.
            let ticks = self.read("cpuacct.stat");
            usage
                .nz("total", self.num("cpuacct.usage"))
                .list("percpu", &list("cpuacct.usage_percpu"))
                .list("percpu_kernel", &list("cpuacct.usage_percpu_sys"))
                .list("percpu_user", &list("cpuacct.usage_percpu_user"))
                .num("kernel", field(&ticks, "system") * 10_000_000)
                .num("user", field(&ticks, "user") * 10_000_000);
            throttling
                .nz("periods", field(&stat, "nr_periods"))
                .nz("throttled_periods", field(&stat, "nr_throttled"))
                .nz("throttled_time", field(&stat, "throttled_time"));
        }
        let mut cpu = Obj::new();
        cpu.obj("usage", usage).obj("throttling", throttling);
        cpu
    }

    fn cpuset(&self) -> Obj {
        let mut o = Obj::new();
        let ids = |f: &str| cpulist::members(&cpulist::parse(&self.read(f)).unwrap_or_default());
        o.list("cpus", &ids("cpuset.cpus"));
        o.num("cpu_exclusive", self.num("cpuset.cpu_exclusive"));
        o.list("mems", &ids("cpuset.mems"));
        for file in [
            "cpuset.mem_hardwall",
            "cpuset.mem_exclusive",
            "cpuset.memory_migrate",
            "cpuset.memory_spread_page",
            "cpuset.memory_spread_slab",
            "cpuset.memory_pressure",
            "cpuset.sched_load_balance",
        ] {
            o.num(&file[7..], self.num(file));
        }
        // The one signed value: -1 is the kernel's default.
        let level = self.read("cpuset.sched_relax_domain_level");
        let level = level.trim();
        o.key("sched_relax_domain_level").0 += match level.parse::<i64>() {
            Ok(_) => level,
            Err(_) => "0",
        };
        o
    }

    fn memory(&self) -> Obj {
        let stat = self.read("memory.stat");
        // Sorted as Go sorts map keys.
        let mut raw: Vec<(&str, u64)> = Vec::new();
        for (k, v) in pairs(&stat) {
            raw.insert(raw.partition_point(|(o, _)| *o < k), (k, v));
        }
        let mut r = Obj::new();
        for (k, v) in raw {
            r.num(k, v);
        }
        let mut m = Obj::new();
        if self.is_v2() {
            let n = |f| self.num(f);
            let failcnt = |f| field(&self.read(f), "max");
            m.nz("cache", field(&stat, "file"))
                .obj(
                    "usage",
                    entry([
                        n("memory.max"),
                        n("memory.current"),
                        n("memory.peak"),
                        failcnt("memory.events"),
                    ]),
                )
                .obj(
                    "swap",
                    entry([
                        n("memory.swap.max"),
                        n("memory.swap.current"),
                        n("memory.swap.peak"),
                        failcnt("memory.swap.events"),
                    ]),
                )
                .obj("kernel", entry([0; 4]))
                .obj("kernelTCP", entry([0; 4]));
        } else {
            m.nz("cache", field(&stat, "cache"));
            for (key, prefix) in [
                ("usage", "memory."),
                ("swap", "memory.memsw."),
                ("kernel", "memory.kmem."),
                ("kernelTCP", "memory.kmem.tcp."),
            ] {
                let n = |name: &str| self.num(&(prefix.to_owned() + name));
                let e = [
                    n("limit_in_bytes"),
                    n("usage_in_bytes"),
                    n("max_usage_in_bytes"),
                    n("failcnt"),
                ];
                m.obj(key, entry(e));
            }
        }
        m.obj("raw", r);
        m
    }

    fn blkio(&self) -> Obj {
        let mut o = Obj::new();
        let push = |list: &mut String, dev: &str, op: &str, v: u64| {
            let (ma, mi) = dev.split_once(':').unwrap_or(("0", "0"));
            let mut e = Obj::new();
            e.nz("major", ma.parse().unwrap_or(0))
                .nz("minor", mi.parse().unwrap_or(0));
            e.key("op").0 += &("\"".to_owned() + op + "\"");
            e.nz("value", v);
            if list.len() > 1 {
                list.push(',');
            }
            list.push_str(&e.end());
        };
        let mut lists = [String::from("["), String::from("[")];
        if self.is_v2() {
            for line in self.read("io.stat").lines() {
                let Some((dev, rest)) = line.split_once(' ') else {
                    continue;
                };
                let stats = rest.replace(' ', "\n").replace('=', " ");
                for (i, [r, w]) in [["rbytes", "wbytes"], ["rios", "wios"]]
                    .into_iter()
                    .enumerate()
                {
                    push(&mut lists[i], dev, "Read", field(&stats, r));
                    push(&mut lists[i], dev, "Write", field(&stats, w));
                }
            }
        } else {
            for (i, name) in ["io_service_bytes_recursive", "io_serviced_recursive"]
                .into_iter()
                .enumerate()
            {
                let text = [
                    format!("blkio.bfq.{name}"),
                    format!("blkio.throttle.{name}"),
                ]
                .iter()
                .map(|f| self.read(f))
                .find(|t| !t.is_empty())
                .unwrap_or_default();
                for l in text.lines() {
                    let w: Vec<&str> = l.split(' ').collect();
                    if let [dev, op, v] = w[..] {
                        push(&mut lists[i], dev, op, v.parse().unwrap_or(0));
                    }
                }
            }
        }
        for (k, list) in ["ioServiceBytesRecursive", "ioServicedRecursive"]
            .into_iter()
            .zip(lists)
        {
            if list.len() > 1 {
                o.key(k).0 += &(list + "]");
            }
        }
        o
    }

    fn hugetlb(&self) -> Obj {
        let mut o = Obj::new();
        let v2 = self.is_v2();
        // x86_64's page sizes, in the order Go prints map keys.
        for size in ["1GB", "2MB"] {
            let f = |n: &str| self.read(&format!("hugetlb.{size}.{n}"));
            let usage = f(if v2 { "current" } else { "usage_in_bytes" });
            if usage.is_empty() {
                continue;
            }
            let (max, failcnt) = match v2 {
                true => (0, field(&f("events"), "max")),
                false => (number(&f("max_usage_in_bytes")), number(&f("failcnt"))),
            };
            let mut h = Obj::new();
            h.nz("usage", number(&usage))
                .nz("max", max)
                .num("failcnt", failcnt);
            o.obj(size, h);
        }
        o
    }
}
