//! The systemd cgroup driver (`--systemd-cgroup`): the container's cgroup is a transient unit
//! that systemd makes over D-Bus, with the init process in it and the cgroup delegated, as
//! runc's driver makes it; husk then writes the cgroup files as the cgroupfs driver does.

mod bus;
mod gvariant;
mod props;
#[cfg(test)]
mod testbus;
mod wire;

pub use bus::BusError;

use super::CgroupError;
use crate::spec::DeviceRule;
use bus::{string_body, Bus};
use props::{Property, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wire::{Call, Message, Writer};

const SYSTEMD: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER: &str = "org.freedesktop.systemd1.Manager";
const UNIT_EXISTS: &str = "org.freedesktop.systemd1.UnitExists";
const NO_SUCH_UNIT: &str = "org.freedesktop.systemd1.NoSuchUnit";

/// A container's unit, as state.json keeps it for update and delete.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Unit {
    pub name: String,
    /// The unit is the calling user's (rootless), on the user's bus.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub user: bool,
}

/// Where a new unit goes and what it gets besides its resources.
pub struct Scope {
    pub unit: Unit,
    pub slice: String,
    pub id: String,
    /// The config's `org.systemd.property.*` annotations, set after all others as runc does.
    pub annotated: Vec<(String, Value)>,
}

impl Scope {
    /// `cgroups_path` as `slice:prefix:name`, with runc's defaults for empty parts, and the
    /// unit properties of the config's annotations.
    pub fn locate(
        cgroups_path: Option<&str>,
        id: &str,
        user: bool,
        annotations: &BTreeMap<String, String>,
    ) -> Result<Scope, CgroupError> {
        let (slice, name) = super::path::systemd_unit(cgroups_path, id)?;
        Ok(Scope {
            unit: Unit { name, user },
            slice,
            id: id.to_string(),
            annotated: props::from_annotations(annotations)?,
        })
    }

    /// Starts the unit with `pid` in it (a scope; a slice gets its processes written in by
    /// the caller) and waits for systemd's job; returns the unit's cgroup path, relative to
    /// the root of every hierarchy. A leftover failed unit of the same name is reset once.
    pub fn start(
        &self,
        pid: libc::pid_t,
        resources: Vec<Property>,
        v2: bool,
    ) -> Result<String, CgroupError> {
        let fail = |op, e| self.unit.error(op, e);
        let mut bus = self.unit.connect()?;
        let mut props = self.unit_properties(pid, v2);
        props.extend(resources);
        let mut body = Writer::default();
        body.str(&self.unit.name);
        body.str("replace");
        props::write(&mut body, &props, &self.annotated);
        body.array(8, |_| {});
        let call = manager("StartTransientUnit", "ssa(sv)a(sa(sv))");
        watch_jobs(&mut bus).map_err(|e| fail("watch jobs of", e))?;
        let job = match bus.call(&call, &body.buf) {
            Err(e) if e.is(UNIT_EXISTS) => {
                let _ = bus.call(
                    &manager("ResetFailedUnit", "s"),
                    &string_body(&self.unit.name),
                );
                bus.call(&call, &body.buf)
            }
            other => other,
        };
        let job = job.and_then(|m| object(&m)).map_err(|e| fail("start", e))?;
        let result = job_result(&mut bus, &job).map_err(|e| fail("wait for the start of", e))?;
        if result != "done" {
            let _ = self.unit.stop();
            return Err(fail("start", job_failed(&result)));
        }
        control_group(&mut bus, &self.unit.name).map_err(|e| {
            let _ = self.unit.stop();
            fail("find the cgroup of", e)
        })
    }

    fn unit_properties(&self, pid: libc::pid_t, v2: bool) -> Vec<Property> {
        let mut props: Vec<Property> = vec![
            (
                "Description",
                Value::Str(format!("husk container {}", self.id)),
            ),
            ("DefaultDependencies", Value::Bool(false)),
            ("MemoryAccounting", Value::Bool(true)),
            ("CPUAccounting", Value::Bool(true)),
            ("TasksAccounting", Value::Bool(true)),
        ];
        let io = if v2 {
            "IOAccounting"
        } else {
            "BlockIOAccounting"
        };
        props.push((io, Value::Bool(true)));
        if self.unit.name.ends_with(".slice") {
            props.push(("Wants", Value::Strs(vec![self.slice.clone()])));
        } else {
            props.push(("Slice", Value::Str(self.slice.clone())));
            props.push(("Delegate", Value::Bool(true)));
            props.push(("PIDs", Value::U32s(vec![pid as u32])));
        }
        props
    }
}

/// The properties of planned cgroup writes and device rules, for `start` and `set`.
pub fn properties(writes: &[super::resources::Write], devices: &[DeviceRule]) -> Vec<Property> {
    let mut props = props::from_writes(writes);
    if !devices.is_empty() {
        let proc_devices = std::fs::read_to_string("/proc/devices").unwrap_or_default();
        props.extend(props::devices(devices, &proc_devices));
    }
    props
}

impl Unit {
    fn connect(&self) -> Result<Bus, CgroupError> {
        Bus::connect(&bus::address(self.user)).map_err(|e| self.error("reach systemd for", e))
    }

    fn error(&self, op: &'static str, err: BusError) -> CgroupError {
        CgroupError::Systemd {
            op,
            unit: self.name.clone(),
            err,
        }
    }

    /// Changes the unit's properties for `update`; runtime only, as runc sets them.
    pub fn set(&self, props: &[Property]) -> Result<(), CgroupError> {
        let mut bus = self.connect()?;
        let mut body = Writer::default();
        body.str(&self.name);
        body.u32(1);
        props::write(&mut body, props, &[]);
        bus.call(&manager("SetUnitProperties", "sba(sv)"), &body.buf)
            .map(drop)
            .map_err(|e| self.error("set properties of", e))
    }

    /// Stops the unit and waits until systemd is done with it, then forgets a failed state
    /// so that the name can be used again. A unit that is already gone is fine.
    pub fn stop(&self) -> Result<(), CgroupError> {
        let mut bus = self.connect()?;
        watch_jobs(&mut bus).map_err(|e| self.error("watch jobs of", e))?;
        let mut body = Writer::default();
        body.str(&self.name);
        body.str("replace");
        match bus.call(&manager("StopUnit", "ss"), &body.buf) {
            Err(e) if e.is(NO_SUCH_UNIT) => return Ok(()),
            reply => {
                let job = reply.and_then(|m| object(&m));
                let job = job.map_err(|e| self.error("stop", e))?;
                job_result(&mut bus, &job).map_err(|e| self.error("wait for the stop of", e))?;
            }
        }
        let _ = bus.call(&manager("ResetFailedUnit", "s"), &string_body(&self.name));
        Ok(())
    }
}

fn manager(member: &'static str, signature: &'static str) -> Call<'static> {
    Call {
        destination: SYSTEMD,
        path: MANAGER_PATH,
        interface: MANAGER,
        member,
        signature,
    }
}

/// Asks the bus for systemd's JobRemoved signals; Subscribe makes systemd send them even
/// where nobody else listens.
fn watch_jobs(bus: &mut Bus) -> Result<(), BusError> {
    let rule = "type='signal',sender='org.freedesktop.systemd1',\
                interface='org.freedesktop.systemd1.Manager',member='JobRemoved'";
    let add_match = Call {
        destination: "org.freedesktop.DBus",
        path: "/org/freedesktop/DBus",
        interface: "org.freedesktop.DBus",
        member: "AddMatch",
        signature: "s",
    };
    bus.call(&add_match, &string_body(rule))?;
    bus.call(&manager("Subscribe", ""), &[]).map(drop)
}

/// The result systemd gives job `job` when it is removed: "done" unless it failed.
fn job_result(bus: &mut Bus, job: &str) -> Result<String, BusError> {
    let removed = |m: &Message| {
        let mut r = m.reader();
        m.member == "JobRemoved" && r.u32().is_ok() && r.str() == Ok(job)
    };
    let m = bus.signal(removed)?;
    let mut r = m.reader();
    r.u32()?;
    r.str()?;
    r.str()?;
    Ok(r.str()?.to_string())
}

fn job_failed(result: &str) -> BusError {
    BusError::Reply {
        name: String::new(),
        text: format!("systemd's job ended {result:?}"),
    }
}

/// The object path a reply carries.
fn object(m: &Message) -> Result<String, BusError> {
    Ok(m.reader().str()?.to_string())
}

/// The unit's ControlGroup property: its cgroup, wherever systemd's own tree is rooted.
fn control_group(bus: &mut Bus, name: &str) -> Result<String, BusError> {
    let path = object(&bus.call(&manager("GetUnit", "s"), &string_body(name))?)?;
    let interface = match name.ends_with(".slice") {
        true => "org.freedesktop.systemd1.Slice",
        false => "org.freedesktop.systemd1.Scope",
    };
    let mut body = Writer::default();
    body.str(interface);
    body.str("ControlGroup");
    let get = Call {
        destination: SYSTEMD,
        path: &path,
        interface: "org.freedesktop.DBus.Properties",
        member: "Get",
        signature: "ss",
    };
    let reply = bus.call(&get, &body.buf)?;
    let mut r = reply.reader();
    match r.signature()? {
        "s" => Ok(r.str()?.to_string()),
        _ => Err(wire::Malformed("ControlGroup is not a string").into()),
    }
}
