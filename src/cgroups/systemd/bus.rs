//! A connection to a D-Bus message bus (the system bus, or a user's session bus): the EXTERNAL
//! handshake, method calls that wait for their reply, and the signals that arrive meanwhile.

use super::wire::{self, Call, Malformed, Message, Writer};
use std::fmt;
use std::io::{self, Read, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixStream};
use std::time::{Duration, Instant};

/// How long a call or a job may take before husk gives up on the bus, as runc waits.
const PATIENCE: Duration = Duration::from_secs(30);

/// The largest message the specification allows.
const MAX_MESSAGE: usize = 128 << 20;

#[derive(Debug)]
pub enum BusError {
    Connect {
        address: String,
        err: io::Error,
    },
    Io(io::Error),
    Refused(String),
    Malformed(Malformed),
    /// An error reply: its D-Bus error name and its text.
    Reply {
        name: String,
        text: String,
    },
}

impl BusError {
    /// Whether this is the error reply `name` (such as org.freedesktop.systemd1.NoSuchUnit).
    pub fn is(&self, name: &str) -> bool {
        matches!(self, BusError::Reply { name: n, .. } if n == name)
    }
}

impl fmt::Display for BusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BusError::Connect { address, err } => write!(f, "connect to D-Bus at {address}: {err}"),
            BusError::Io(err) => write!(f, "D-Bus: {err}"),
            BusError::Refused(line) => write!(f, "D-Bus refused EXTERNAL authentication: {line}"),
            BusError::Malformed(m) => m.fmt(f),
            BusError::Reply { text, .. } => f.write_str(text),
        }
    }
}

impl From<io::Error> for BusError {
    fn from(e: io::Error) -> Self {
        BusError::Io(e)
    }
}

impl From<Malformed> for BusError {
    fn from(m: Malformed) -> Self {
        BusError::Malformed(m)
    }
}

/// The address of the system bus, or of the calling user's bus, as libdbus finds them.
pub fn address(user: bool) -> String {
    let (var, default) = match user {
        false => (
            "DBUS_SYSTEM_BUS_ADDRESS",
            "unix:path=/run/dbus/system_bus_socket".to_string(),
        ),
        true => (
            "DBUS_SESSION_BUS_ADDRESS",
            format!(
                "unix:path={}/bus",
                std::env::var("XDG_RUNTIME_DIR").unwrap_or_default()
            ),
        ),
    };
    std::env::var(var)
        .ok()
        .filter(|a| !a.is_empty())
        .unwrap_or(default)
}

/// The socket of the first `unix:` entry with a `path=` or `abstract=` key.
fn socket_addr(address: &str) -> Option<SocketAddr> {
    address.split(';').find_map(|entry| {
        let keys = entry.strip_prefix("unix:")?;
        keys.split(',').find_map(|kv| match kv.split_once('=')? {
            ("path", p) => SocketAddr::from_pathname(unescape(p)).ok(),
            ("abstract", n) => SocketAddr::from_abstract_name(unescape(n)).ok(),
            _ => None,
        })
    })
}

/// Undoes the %XX escapes of a D-Bus address value.
fn unescape(v: &str) -> String {
    let mut out = Vec::with_capacity(v.len());
    let mut rest = v.as_bytes();
    while let [b, tail @ ..] = rest {
        let hex = |c: &u8| (*c as char).to_digit(16);
        if let (b'%', [h, l, after @ ..]) = (b, tail) {
            if let (Some(h), Some(l)) = (hex(h), hex(l)) {
                out.push((h * 16 + l) as u8);
                rest = after;
                continue;
            }
        }
        out.push(*b);
        rest = tail;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub struct Bus {
    sock: UnixStream,
    serial: u32,
    /// Signals read while a reply was awaited.
    signals: Vec<Message>,
}

impl Bus {
    /// Connects to the bus at `address`, authenticates as this process's user and says Hello.
    pub fn connect(address: &str) -> Result<Bus, BusError> {
        let refused = |err| BusError::Connect {
            address: address.to_string(),
            err,
        };
        let addr = socket_addr(address).ok_or_else(|| {
            refused(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no unix:path= or unix:abstract= entry",
            ))
        })?;
        let sock = UnixStream::connect_addr(&addr).map_err(refused)?;
        sock.set_read_timeout(Some(PATIENCE))?;
        sock.set_write_timeout(Some(PATIENCE))?;
        let mut bus = Bus {
            sock,
            serial: 0,
            signals: Vec::new(),
        };
        bus.authenticate()?;
        bus.call(
            &Call {
                destination: "org.freedesktop.DBus",
                path: "/org/freedesktop/DBus",
                interface: "org.freedesktop.DBus",
                member: "Hello",
                signature: "",
            },
            &[],
        )?;
        Ok(bus)
    }

    /// EXTERNAL without an identity: the bus takes the uid the kernel gives for the socket.
    /// Sending our euid instead would fail in a user namespace (a rootless engine's), where
    /// euid 0 is another uid outside. The bus asks for the empty identity with an empty DATA
    /// challenge, answered in advance.
    fn authenticate(&mut self) -> Result<(), BusError> {
        self.sock.write_all(b"\0AUTH EXTERNAL\r\nDATA\r\n")?;
        let mut line = Vec::new();
        let mut byte = [0u8];
        while line.is_empty() || line == b"DATA\r\n" {
            line.clear();
            while !line.ends_with(b"\r\n") && line.len() < 512 {
                self.sock.read_exact(&mut byte)?;
                line.push(byte[0]);
            }
        }
        let line = String::from_utf8_lossy(&line).trim_end().to_string();
        if !line.starts_with("OK ") {
            return Err(BusError::Refused(line));
        }
        Ok(self.sock.write_all(b"BEGIN\r\n")?)
    }

    /// Calls a method and waits for its reply; an error reply is an error.
    pub fn call(&mut self, call: &Call, body: &[u8]) -> Result<Message, BusError> {
        self.serial += 1;
        let serial = self.serial;
        self.sock.write_all(&wire::encode(call, serial, body))?;
        let deadline = Instant::now() + PATIENCE;
        loop {
            let m = self.read(deadline)?;
            match m.kind {
                wire::SIGNAL => self.signals.push(m),
                wire::METHOD_RETURN if m.reply_serial == Some(serial) => return Ok(m),
                wire::ERROR if m.reply_serial == Some(serial) => {
                    return Err(BusError::Reply {
                        name: m.error_name.clone(),
                        text: m.error_text(),
                    })
                }
                _ => {}
            }
        }
    }

    /// Waits for the first signal `wanted` accepts, including one that came during a call.
    pub fn signal(&mut self, wanted: impl Fn(&Message) -> bool) -> Result<Message, BusError> {
        if let Some(at) = self.signals.iter().position(&wanted) {
            return Ok(self.signals.remove(at));
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let m = self.read(deadline)?;
            if m.kind == wire::SIGNAL && wanted(&m) {
                return Ok(m);
            }
        }
    }

    fn read(&mut self, deadline: Instant) -> Result<Message, BusError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::from(io::ErrorKind::TimedOut).into());
        }
        self.sock.set_read_timeout(Some(left))?;
        let mut msg = vec![0u8; wire::FIXED];
        self.sock.read_exact(&mut msg)?;
        let len = wire::message_len(&msg)?;
        if len > MAX_MESSAGE {
            return Err(Malformed("a message over 128 MiB").into());
        }
        msg.resize(len, 0);
        self.sock.read_exact(&mut msg[wire::FIXED..])?;
        Ok(Message::decode(&msg)?)
    }
}

/// A body of one string, the argument most bus calls take.
pub fn string_body(s: &str) -> Vec<u8> {
    let mut w = Writer::default();
    w.str(s);
    w.buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_libdbus_reads_them() {
        let path = |a: &str| socket_addr(a).and_then(|s| s.as_pathname().map(|p| p.to_owned()));
        assert_eq!(
            path("unix:path=/run/dbus/system_bus_socket").unwrap(),
            std::path::Path::new("/run/dbus/system_bus_socket")
        );
        assert_eq!(
            path("tcp:host=x;unix:guid=1,path=/run/user/1000/b%75s").unwrap(),
            std::path::Path::new("/run/user/1000/bus")
        );
        let abs = socket_addr("unix:abstract=/tmp/dbus-x").unwrap();
        assert_eq!(abs.as_abstract_name().unwrap(), b"/tmp/dbus-x");
        assert!(socket_addr("tcp:host=localhost,port=1").is_none());
    }

    #[test]
    fn an_unreachable_bus_is_named() {
        let e = Bus::connect("unix:path=/nonexistent/husk-bus")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("connect to D-Bus at unix:path=/nonexistent/husk-bus: "),
            "{e}"
        );
    }

    /// A real dbus-daemon: the handshake, Hello, a call with an answer, and an error reply.
    #[test]
    fn talks_to_a_real_bus() {
        let daemon = super::super::testbus::Daemon::start();
        let mut bus = Bus::connect(&daemon.address).unwrap();
        let call = |member| Call {
            destination: "org.freedesktop.DBus",
            path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus",
            member,
            signature: "s",
        };
        let reply = bus
            .call(&call("NameHasOwner"), &string_body("org.freedesktop.DBus"))
            .unwrap();
        assert_eq!(reply.signature, "b");
        assert_eq!(reply.reader().u32().unwrap(), 1);
        let e = bus
            .call(&call("GetNameOwner"), &string_body("org.husk.Nobody"))
            .unwrap_err();
        assert!(e.is("org.freedesktop.DBus.Error.NameHasNoOwner"), "{e}");
    }
}
