//! The D-Bus wire format, as far as talking to systemd needs it: the fixed header, header
//! fields, and the basic types, arrays, structs and variants of the bodies husk sends and reads.
//! Every value is aligned to its size from the start of the message; the header is padded to
//! 8 bytes, so the body can be written and read on its own with the same offsets.

use std::fmt;

pub const METHOD_CALL: u8 = 1;
pub const METHOD_RETURN: u8 = 2;
pub const ERROR: u8 = 3;
pub const SIGNAL: u8 = 4;

const FIELD_PATH: u8 = 1;
const FIELD_INTERFACE: u8 = 2;
const FIELD_MEMBER: u8 = 3;
const FIELD_ERROR_NAME: u8 = 4;
const FIELD_REPLY_SERIAL: u8 = 5;
const FIELD_DESTINATION: u8 = 6;
const FIELD_SIGNATURE: u8 = 8;

/// The bytes before the header fields' contents: endianness, type, flags, version, body
/// length, serial, and the length of the header field array.
pub const FIXED: usize = 16;

/// A message that does not follow the wire format, and where.
#[derive(Debug, PartialEq)]
pub struct Malformed(pub &'static str);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed D-Bus message: {}", self.0)
    }
}

/// A body (or a whole message) being written, little-endian.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    fn pad(&mut self, align: usize) {
        self.buf.resize(self.buf.len().next_multiple_of(align), 0);
    }

    pub fn byte(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn u32(&mut self, v: u32) {
        self.fixed(4, v.into());
    }

    /// A number of `size` bytes (1, 2, 4 or 8), aligned to its size.
    pub fn fixed(&mut self, size: usize, bits: u64) {
        self.pad(size);
        self.buf.extend_from_slice(&bits.to_le_bytes()[..size]);
    }

    /// A string or an object path.
    pub fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(0);
    }

    pub fn signature(&mut self, s: &str) {
        self.buf.push(s.len() as u8);
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(0);
    }

    /// An array whose elements `items` writes; `align` is the elements' alignment, which
    /// comes after the length even when the array is empty.
    pub fn array(&mut self, align: usize, items: impl FnOnce(&mut Writer)) {
        self.u32(0);
        let len_at = self.buf.len() - 4;
        self.pad(align);
        let start = self.buf.len();
        items(self);
        let len = (self.buf.len() - start) as u32;
        self.buf[len_at..len_at + 4].copy_from_slice(&len.to_le_bytes());
    }

    /// The start of a struct (or dict entry): structs align to 8.
    pub fn open_struct(&mut self) {
        self.pad(8);
    }
}

/// The parts of a method call that the header carries.
pub struct Call<'a> {
    pub destination: &'a str,
    pub path: &'a str,
    pub interface: &'a str,
    pub member: &'a str,
    pub signature: &'a str,
}

/// The whole message for `call` with the body `body`.
pub fn encode(call: &Call, serial: u32, body: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.buf.extend_from_slice(&[b'l', METHOD_CALL, 0, 1]);
    w.u32(body.len() as u32);
    w.u32(serial);
    w.array(8, |w| {
        let fields = [
            (FIELD_PATH, "o", call.path),
            (FIELD_INTERFACE, "s", call.interface),
            (FIELD_MEMBER, "s", call.member),
            (FIELD_DESTINATION, "s", call.destination),
            (FIELD_SIGNATURE, "g", call.signature),
        ];
        for (code, kind, value) in fields.into_iter().filter(|f| !f.2.is_empty()) {
            w.open_struct();
            w.byte(code);
            w.signature(kind);
            match kind {
                "g" => w.signature(value),
                _ => w.str(value),
            }
        }
    });
    w.pad(8);
    w.buf.extend_from_slice(body);
    w.buf
}

/// The length of the whole message whose first `FIXED` bytes are `fixed`.
pub fn message_len(fixed: &[u8]) -> Result<usize, Malformed> {
    let big = endianness(fixed)?;
    let mut r = Reader::new(fixed, big);
    r.pos = 4;
    let body = r.u32()? as usize;
    r.pos = 12;
    let fields = r.u32()? as usize;
    Ok((FIXED + fields).next_multiple_of(8) + body)
}

fn endianness(msg: &[u8]) -> Result<bool, Malformed> {
    match msg.first() {
        Some(b'l') => Ok(false),
        Some(b'B') => Ok(true),
        _ => Err(Malformed("no endianness mark")),
    }
}

/// A message read from the bus: what husk looks at in its header, and its body.
#[derive(Debug, Default, PartialEq)]
pub struct Message {
    pub kind: u8,
    pub reply_serial: Option<u32>,
    pub interface: String,
    pub member: String,
    pub error_name: String,
    pub signature: String,
    pub body: Vec<u8>,
    pub big_endian: bool,
}

impl Message {
    pub fn decode(msg: &[u8]) -> Result<Message, Malformed> {
        let big_endian = endianness(msg)?;
        let mut r = Reader::new(msg, big_endian);
        r.pos = 1;
        let kind = r.byte()?;
        r.pos = 4;
        let body_len = r.u32()? as usize;
        r.pos = 12;
        let fields_end = r.u32()? as usize + FIXED;
        let mut m = Message {
            kind,
            big_endian,
            ..Message::default()
        };
        while r.pos < fields_end {
            r.open_struct()?;
            let code = r.byte()?;
            match (code, r.signature()?) {
                (FIELD_REPLY_SERIAL, "u") => m.reply_serial = Some(r.u32()?),
                (_, "u") => drop(r.u32()?),
                (_, "s" | "o") => {
                    let v = r.str()?.to_string();
                    match code {
                        FIELD_INTERFACE => m.interface = v,
                        FIELD_MEMBER => m.member = v,
                        FIELD_ERROR_NAME => m.error_name = v,
                        _ => {}
                    }
                }
                (_, "g") => {
                    let v = r.signature()?.to_string();
                    if code == FIELD_SIGNATURE {
                        m.signature = v;
                    }
                }
                _ => return Err(Malformed("a header field of an unknown type")),
            }
        }
        let start = fields_end.next_multiple_of(8);
        m.body = msg
            .get(start..start + body_len)
            .ok_or(Malformed("the body is shorter than its length"))?
            .to_vec();
        Ok(m)
    }

    pub fn reader(&self) -> Reader<'_> {
        Reader::new(&self.body, self.big_endian)
    }

    /// The text of an error reply: its name and, when the body starts with one, its message.
    pub fn error_text(&self) -> String {
        let detail = match self.signature.starts_with('s') {
            true => self.reader().str().unwrap_or_default().to_string(),
            false => String::new(),
        };
        match detail.is_empty() {
            true => self.error_name.clone(),
            false => format!("{}: {detail}", self.error_name),
        }
    }
}

/// Reads values in order from a body.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    big: bool,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8], big: bool) -> Reader<'a> {
        Reader { buf, pos: 0, big }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let bytes = self
            .buf
            .get(self.pos..self.pos + n)
            .ok_or(Malformed("a value runs past the end"))?;
        self.pos += n;
        Ok(bytes)
    }

    fn align(&mut self, n: usize) -> Result<(), Malformed> {
        let to = self.pos.next_multiple_of(n);
        self.take(to - self.pos).map(drop)
    }

    pub fn byte(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, Malformed> {
        self.align(4)?;
        let b: [u8; 4] = self.take(4)?.try_into().expect("four bytes");
        Ok(match self.big {
            true => u32::from_be_bytes(b),
            false => u32::from_le_bytes(b),
        })
    }

    /// A string or an object path.
    pub fn str(&mut self) -> Result<&'a str, Malformed> {
        let len = self.u32()? as usize;
        let bytes = self.take(len + 1)?;
        std::str::from_utf8(&bytes[..len]).map_err(|_| Malformed("a string is not UTF-8"))
    }

    pub fn signature(&mut self) -> Result<&'a str, Malformed> {
        let len = self.byte()? as usize;
        let bytes = self.take(len + 1)?;
        std::str::from_utf8(&bytes[..len]).map_err(|_| Malformed("a signature is not ASCII"))
    }

    pub fn open_struct(&mut self) -> Result<(), Malformed> {
        self.align(8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_laid_out_as_the_specification_says() {
        let call = Call {
            destination: "a.b",
            path: "/",
            interface: "",
            member: "Hi",
            signature: "s",
        };
        let mut body = Writer::default();
        body.str("x");
        let msg = encode(&call, 7, &body.buf);
        // Fixed part: mark, type, flags, version, body length 6, serial 7, fields length.
        assert_eq!(&msg[..12], &[b'l', 1, 0, 1, 6, 0, 0, 0, 7, 0, 0, 0]);
        // First field at 16: code 1 (path), signature "o", string "/" of length 1.
        assert_eq!(&msg[16..24], &[1, 1, b'o', 0, 1, 0, 0, 0]);
        assert_eq!(&msg[24..26], b"/\0");
        // The second field starts at the next multiple of 8: code 3 (member), no interface.
        assert_eq!(&msg[32..36], &[3, 1, b's', 0]);
        assert_eq!(
            msg.len() % 8,
            6,
            "the body (6 bytes) follows an 8-aligned header"
        );
        assert_eq!(message_len(&msg[..FIXED]).unwrap(), msg.len());
        assert_eq!(&msg[msg.len() - 6..], &[1, 0, 0, 0, b'x', 0]);
    }

    #[test]
    fn arrays_pad_to_their_elements_even_when_empty() {
        let mut w = Writer::default();
        w.byte(9);
        w.array(8, |_| {});
        assert_eq!(w.buf, [9, 0, 0, 0, 0, 0, 0, 0]);
        let mut w = Writer::default();
        w.array(8, |w| {
            w.open_struct();
            w.fixed(8, 1);
        });
        assert_eq!(&w.buf[..4], &[8, 0, 0, 0], "the padding is not counted");
        assert_eq!(w.buf.len(), 16);
    }

    #[test]
    fn an_encoded_call_decodes_to_its_header_and_body() {
        let call = Call {
            destination: "org.freedesktop.systemd1",
            path: "/org/freedesktop/systemd1",
            interface: "org.freedesktop.systemd1.Manager",
            member: "GetUnit",
            signature: "s",
        };
        let mut body = Writer::default();
        body.str("husk-x.scope");
        let msg = encode(&call, 1, &body.buf);
        let m = Message::decode(&msg).unwrap();
        assert_eq!(m.kind, METHOD_CALL);
        assert_eq!(m.member, "GetUnit");
        assert_eq!(m.interface, "org.freedesktop.systemd1.Manager");
        assert_eq!(m.signature, "s");
        assert_eq!(m.reader().str().unwrap(), "husk-x.scope");
    }

    #[test]
    fn big_endian_replies_are_read_too() {
        // An error reply from a big-endian peer: REPLY_SERIAL 5, ERROR_NAME "e", SIGNATURE "s".
        let mut msg = vec![b'B', ERROR, 0, 1, 0, 0, 0, 8, 0, 0, 0, 2, 0, 0, 0, 31];
        msg.extend_from_slice(&[5, 1, b'u', 0, 0, 0, 0, 5]);
        msg.extend_from_slice(&[4, 1, b's', 0, 0, 0, 0, 1, b'e', 0, 0, 0, 0, 0, 0, 0]);
        msg.extend_from_slice(&[8, 1, b'g', 0, 1, b's', 0, 0]);
        msg.extend_from_slice(&[0, 0, 0, 3, b'w', b'h', b'y', 0]);
        assert_eq!(message_len(&msg[..FIXED]).unwrap(), msg.len());
        let m = Message::decode(&msg).unwrap();
        assert_eq!(m.reply_serial, Some(5));
        assert_eq!(m.error_text(), "e: why");
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let call = Call {
            destination: "d",
            path: "/p",
            interface: "i",
            member: "m",
            signature: "",
        };
        let msg = encode(&call, 1, &[]);
        for cut in 0..msg.len() {
            let _ = Message::decode(&msg[..cut]);
        }
        assert!(Message::decode(&msg[..msg.len() - 1]).is_err());
        assert_eq!(Message::decode(b"x"), Err(Malformed("no endianness mark")));
    }
}
