//! `linux.netDevices`: host interfaces moved into the container's network namespace at create,
//! renamed when asked, as runc 1.3 does: the link goes down, moves and is renamed in one
//! request, gets back its permanent addresses of global scope, and comes up inside. Giving it
//! back is the kernel's part, as the runtime-spec says: when the namespace goes, a physical
//! device returns to the host and a virtual one is destroyed.

use super::ContainerError;
use crate::spec::FieldError;
use crate::sys::netlink::{enter_net, if_index, route_socket};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;

// From <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_link.h> and <linux/if_addr.h>.
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const RTM_NEWLINK: u16 = 16;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const IFLA_IFNAME: u16 = 3;
const IFLA_NET_NS_FD: u16 = 28;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_F_PERMANENT: u8 = 0x80;
const IFF_UP: u32 = 1;

/// Moves every device of `devices` (host name -> `{"name": new name}`) into the network
/// namespace of process `pid`.
pub fn move_all(
    devices: &BTreeMap<String, BTreeMap<String, String>>,
    pid: libc::pid_t,
) -> Result<(), ContainerError> {
    for (name, attrs) in devices {
        let new = attrs.get("name").map_or(name, |n| n);
        move_one(name, new, pid)
            .map_err(|e| FieldError::new(format!("linux.netDevices[{name:?}]"), e))?;
        crate::log::debug(|| format!("network device {name} moved in as {new}"));
    }
    Ok(())
}

fn move_one(name: &str, new: &str, pid: libc::pid_t) -> Result<(), String> {
    let index = if_index(name).map_err(why("link not found on the host"))?;
    let host = route_socket().map_err(why("netlink socket"))?;
    let home = File::open("/proc/thread-self/ns/net").map_err(why("open the host namespace"))?;
    let ns =
        File::open(format!("/proc/{pid}/ns/net")).map_err(why("open the network namespace"))?;
    let addresses = global_addresses(&host, index).map_err(why("list its addresses"))?;
    let was_up = is_up(name);
    call(&host, link(index, IFF_UP, 0)).map_err(why("set link down"))?;
    // The kernel moves the link before it renames it, so a refused name can leave the link
    // in the container under its host name.
    let (inside, result) = match call(&host, relink(index, new, &ns)) {
        Err(e) if if_index(name).is_ok_and(|i| i == index) => {
            (None, Err(format!("move it into the container: {e}")))
        }
        Err(e) => (Some(name), Err(format!("move it into the container: {e}"))),
        Ok(()) => (
            Some(new),
            within(&ns, &home, || set_up(new, &addresses, true)),
        ),
    };
    if result.is_err() {
        // A virtual link would die with the container's namespace: give it back as it was.
        let restored = match inside {
            Some(inside) => give_back(&ns, &home, inside, name).map(|()| &addresses[..]),
            None => Ok(&[][..]),
        };
        if let Ok(addresses) = restored {
            let _ = set_up(name, addresses, was_up);
        }
    }
    result
}

/// Runs `f` in the network namespace `ns`, then returns to `home`.
fn within<T>(ns: &File, home: &File, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    enter_net(ns).map_err(why("enter the network namespace"))?;
    let result = f();
    enter_net(home).map_err(why("return to the host namespace"))?;
    result
}

/// Moves link `inside` of namespace `ns` back to `home` as `name`.
fn give_back(ns: &File, home: &File, inside: &str, name: &str) -> Result<(), String> {
    within(ns, home, || {
        let sock = route_socket().map_err(why("netlink socket"))?;
        let index = if_index(inside).map_err(why("link not found in the container"))?;
        call(&sock, relink(index, name, home)).map_err(why("move it back"))
    })
}

/// Whether host link `name` is administratively up, from sysfs's view of the host namespace.
fn is_up(name: &str) -> bool {
    std::fs::read_to_string(format!("/sys/class/net/{name}/flags")).is_ok_and(|f| {
        u32::from_str_radix(f.trim().trim_start_matches("0x"), 16).is_ok_and(|f| f & IFF_UP != 0)
    })
}

/// In the calling thread's namespace: the addresses back, then the link up if `up`.
fn set_up(name: &str, addresses: &[Vec<u8>], up: bool) -> Result<(), String> {
    let index = if_index(name).map_err(why("link not found"))?;
    let sock = route_socket().map_err(why("netlink socket"))?;
    for a in addresses {
        let (head, addr) = a.split_at(4);
        let mut body = [head[0], head[1], 0, head[3]].to_vec();
        body.extend_from_slice(&index.to_ne_bytes());
        let msg = Msg::new(RTM_NEWADDR, libc::NLM_F_CREATE as u16, &body)
            .attr(IFA_LOCAL, addr)
            .attr(IFA_ADDRESS, addr);
        call(&sock, msg).map_err(why("set up an address"))?;
    }
    match up {
        true => call(&sock, link(index, IFF_UP, IFF_UP)).map_err(why("set link up")),
        false => Ok(()),
    }
}

/// The permanent addresses of global scope on interface `index`, each as its ifaddrmsg's
/// family, prefix length, flags and scope followed by the address: the kernel drops them all
/// on a move, and only these mean the same in another namespace.
fn global_addresses(sock: &File, index: i32) -> io::Result<Vec<Vec<u8>>> {
    (&*sock).write_all(&Msg::new(RTM_GETADDR, NLM_F_DUMP, &[0; 8]).0)?;
    let mut found = Vec::new();
    let mut buf = vec![0; 32 * 1024];
    loop {
        let n = (&*sock).read(&mut buf)?;
        let mut rest = &buf[..n];
        while rest.len() >= 16 {
            let len = (u32_at(rest, 0) as usize).clamp(16, rest.len());
            let (msg, next) = rest.split_at(len);
            match u16_at(msg, 4) {
                NLMSG_DONE => return Ok(found),
                NLMSG_ERROR => return Err(ack_error(msg)),
                _ if msg.len() >= 24 && u32_at(msg, 20) as i32 == index => {
                    let (flags, scope) = (msg[18], msg[19]);
                    if flags & IFA_F_PERMANENT != 0 && scope == 0 {
                        found.extend(address(msg).map(|a| [&msg[16..20], a].concat()));
                    }
                }
                _ => {}
            }
            rest = &next[next.len().min((4 - len % 4) % 4)..];
        }
    }
}

/// The local address of an RTM_NEWADDR message (IFA_ADDRESS where there is no IFA_LOCAL, as
/// for IPv6).
fn address(msg: &[u8]) -> Option<&[u8]> {
    let mut attrs = &msg[24..];
    let mut found = None;
    while attrs.len() >= 4 {
        let len = (u16_at(attrs, 0) as usize).clamp(4, attrs.len());
        match u16_at(attrs, 2) {
            IFA_LOCAL => return Some(&attrs[4..len]),
            IFA_ADDRESS => found = Some(&attrs[4..len]),
            _ => {}
        }
        attrs = &attrs[((len + 3) & !3).min(attrs.len())..];
    }
    found
}

/// An RTM_NEWLINK request for interface `index` that sets the `change` bits of its flags to
/// those in `flags`.
fn link(index: i32, change: u32, flags: u32) -> Msg {
    let mut body = vec![0; 4];
    for v in [index as u32, flags, change] {
        body.extend_from_slice(&v.to_ne_bytes());
    }
    Msg::new(RTM_NEWLINK, 0, &body)
}

/// An RTM_NEWLINK request that moves interface `index` into namespace `ns` as `name`.
fn relink(index: i32, name: &str, ns: &File) -> Msg {
    link(index, 0, 0)
        .attr(IFLA_IFNAME, &[name.as_bytes(), &[0]].concat())
        .attr(IFLA_NET_NS_FD, &(ns.as_raw_fd() as u32).to_ne_bytes())
}

/// One netlink request: the header, a fixed body, then attributes.
struct Msg(Vec<u8>);

impl Msg {
    fn new(kind: u16, flags: u16, body: &[u8]) -> Msg {
        let mut m = vec![0; 16];
        m[4..6].copy_from_slice(&kind.to_ne_bytes());
        m[6..8].copy_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
        m.extend_from_slice(body);
        Msg(m).sized()
    }

    fn attr(mut self, kind: u16, data: &[u8]) -> Msg {
        nsexec::push_attr(&mut self.0, kind, data);
        self.sized()
    }

    fn sized(mut self) -> Msg {
        let len = self.0.len() as u32;
        self.0[..4].copy_from_slice(&len.to_ne_bytes());
        self
    }
}

/// Sends `msg` asking for an acknowledgement, and returns the kernel's verdict.
fn call(sock: &File, mut msg: Msg) -> io::Result<()> {
    let flags = u16_at(&msg.0, 6) | NLM_F_ACK;
    msg.0[6..8].copy_from_slice(&flags.to_ne_bytes());
    (&*sock).write_all(&msg.0)?;
    let mut buf = [0; 1024];
    let n = (&*sock).read(&mut buf)?;
    match u16_at(&buf[..n.max(6)], 4) {
        NLMSG_ERROR => match ack_error(&buf[..n]) {
            e if e.raw_os_error() == Some(0) => Ok(()),
            e => Err(e),
        },
        _ => Err(io::ErrorKind::InvalidData.into()),
    }
}

/// The errno an NLMSG_ERROR message carries (0 for an acknowledgement).
fn ack_error(msg: &[u8]) -> io::Error {
    match msg.get(16..20) {
        Some(b) => {
            io::Error::from_raw_os_error(-i32::from_ne_bytes(b.try_into().expect("4 bytes")))
        }
        None => io::ErrorKind::InvalidData.into(),
    }
}

/// The error text of a failed step: what was being done, then the kernel's reason.
fn why(what: &'static str) -> impl Fn(io::Error) -> String {
    move |e| format!("{what}: {e}")
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
