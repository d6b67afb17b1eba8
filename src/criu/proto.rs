//! The protobuf wire format, as much of it as CRIU's RPC messages use: varints and
//! length-delimited fields (strings and nested messages). Field numbers are those of CRIU's
//! images/rpc.proto.

/// A message being encoded; fields are appended in any order, as protobuf allows.
#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    fn key(&mut self, field: u32, wire: u32) {
        self.raw_varint(u64::from(field << 3 | wire));
    }

    fn raw_varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    /// An int32, uint32 or enum: negative int32 values take ten bytes, sign-extended.
    pub fn int(&mut self, field: u32, v: i64) {
        self.key(field, 0);
        self.raw_varint(v as u64);
    }

    pub fn bool(&mut self, field: u32, v: bool) {
        self.int(field, i64::from(v));
    }

    /// Only a set flag is written: CRIU's defaults for these are all false.
    pub fn flag(&mut self, field: u32, v: bool) {
        if v {
            self.bool(field, true);
        }
    }

    pub fn bytes(&mut self, field: u32, v: &[u8]) {
        self.key(field, 2);
        self.raw_varint(v.len() as u64);
        self.0.extend_from_slice(v);
    }

    pub fn str(&mut self, field: u32, v: &str) {
        self.bytes(field, v.as_bytes());
    }

    pub fn message(&mut self, field: u32, m: Writer) {
        self.bytes(field, &m.0);
    }

    /// A nested message of two string fields (1 and 2), the shape of several of CRIU's.
    pub fn pair(&mut self, field: u32, one: &str, two: &str) {
        let mut m = Writer::default();
        m.str(1, one);
        m.str(2, two);
        self.message(field, m);
    }
}

/// A decoded field's value.
#[derive(Debug, PartialEq)]
pub enum Value<'a> {
    Int(u64),
    Bytes(&'a [u8]),
}

/// The fields of `buf` in order, or None where the encoding is broken. Fixed-width fields,
/// which CRIU's responses do not use, are skipped.
pub fn fields(buf: &[u8]) -> Option<Vec<(u32, Value<'_>)>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        let key = varint(buf, &mut at)?;
        let field = u32::try_from(key >> 3).ok()?;
        let value = match key & 7 {
            0 => Value::Int(varint(buf, &mut at)?),
            2 => {
                let len = usize::try_from(varint(buf, &mut at)?).ok()?;
                let end = at.checked_add(len).filter(|&e| e <= buf.len())?;
                let v = &buf[at..end];
                at = end;
                Value::Bytes(v)
            }
            1 => {
                at = at.checked_add(8)?;
                continue;
            }
            5 => {
                at = at.checked_add(4)?;
                continue;
            }
            _ => return None,
        };
        out.push((field, value));
    }
    (at == buf.len()).then_some(out)
}

fn varint(buf: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_protoc_does() {
        let mut w = Writer::default();
        w.int(1, 150);
        w.str(2, "ab");
        w.int(3, -1);
        w.flag(4, false);
        w.flag(5, true);
        // Byte strings from the protobuf encoding guide: 150 is 96 01; -1 is ten bytes.
        let mut want = vec![0x08, 0x96, 0x01, 0x12, 2, b'a', b'b', 0x18];
        want.extend([0xff; 9]);
        want.extend([0x01, 0x28, 0x01]);
        assert_eq!(w.0, want);
    }

    #[test]
    fn decodes_what_it_encodes_and_refuses_truncation() {
        let mut inner = Writer::default();
        inner.str(1, "post-restore");
        inner.int(2, 4242);
        let mut w = Writer::default();
        w.int(1, 6);
        w.bool(2, true);
        w.message(5, inner);
        let f = fields(&w.0).unwrap();
        assert_eq!(f[0], (1, Value::Int(6)));
        assert_eq!(f[1], (2, Value::Int(1)));
        let Value::Bytes(b) = f[2].1 else { panic!() };
        assert_eq!(
            fields(b).unwrap(),
            [(1, Value::Bytes(b"post-restore")), (2, Value::Int(4242))]
        );
        assert!(fields(&w.0[..w.0.len() - 1]).is_none());
        assert!(fields(&[0x08, 0x80]).is_none());
    }
}
