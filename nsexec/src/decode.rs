//! Bootstrap message decoding without allocation: it runs before `main`, on untrusted bytes, so
//! every length is checked and nothing can panic.

use core::fmt;

use crate::protocol::{
    ATTR_CLONE_FLAGS, ATTR_NS_PATH, ATTR_OOM_SCORE_ADJ, ATTR_ROOTLESS, ATTR_TIMENS_OFFSETS,
    INIT_MSG, MAX_BOOTSTRAP, MAX_NS_PATHS, NAMESPACE_FLAGS, NLA_HDRLEN, NLMSG_HDRLEN,
};

/// One namespace to join: its CLONE_NEW* type and the path of a namespace file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NsPath<'a> {
    pub nstype: u32,
    pub path: &'a [u8],
}

/// A decoded bootstrap message, borrowing from the bytes it was decoded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrap<'a> {
    pub clone_flags: u32,
    ns_paths: [NsPath<'a>; MAX_NS_PATHS],
    ns_count: usize,
    pub oom_score_adj: Option<i32>,
    pub timens_offsets: Option<&'a [u8]>,
    pub rootless: bool,
}

/// Why a bootstrap message was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    ShortHeader(usize),
    WrongType(u16),
    BadLength { declared: u32, actual: usize },
    TruncatedAttr(usize),
    AttrTooShort { ty: u16, len: u16 },
    AttrPastEnd { ty: u16, len: u16, left: usize },
    UnknownAttr(u16),
    BadPayloadLen { ty: u16, len: usize },
    Duplicate(u16),
    TooManyPaths,
    BadNsType(u32),
    EmptyPath,
    PathHasNul,
    PathTooLong(usize),
    BadCloneFlags(u32),
    BadRootless(u8),
    CreatedAndJoined(u32),
    JoinedTwice(u32),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::ShortHeader(n) => write!(f, "message of {n} bytes is shorter than its header"),
            Self::WrongType(t) => write!(f, "message type {t} is not {INIT_MSG}"),
            Self::BadLength { declared, actual } => {
                write!(f, "message length {declared} does not match {actual}")
            }
            Self::TruncatedAttr(n) => write!(f, "{n} trailing bytes are too few for an attribute"),
            Self::AttrTooShort { ty, len } => {
                write!(f, "attribute {ty} length {len} is shorter than its header")
            }
            Self::AttrPastEnd { ty, len, left } => {
                write!(
                    f,
                    "attribute {ty} length {len} runs past the end ({left} bytes left)"
                )
            }
            Self::UnknownAttr(t) => write!(f, "unknown attribute {t}"),
            Self::BadPayloadLen { ty, len } => {
                write!(
                    f,
                    "attribute {ty} has a payload of the wrong size ({len} bytes)"
                )
            }
            Self::Duplicate(t) => write!(f, "attribute {t} appears twice"),
            Self::TooManyPaths => write!(f, "more than {MAX_NS_PATHS} namespace paths"),
            Self::BadNsType(t) => write!(f, "namespace type {t:#x} is not one CLONE_NEW* flag"),
            Self::EmptyPath => write!(f, "empty namespace path"),
            Self::PathHasNul => write!(f, "namespace path contains a NUL byte"),
            Self::PathTooLong(n) => write!(f, "namespace path of {n} bytes is too long"),
            Self::BadCloneFlags(x) => write!(f, "clone flags {x:#x} are not all CLONE_NEW*"),
            Self::BadRootless(v) => write!(f, "rootless flag {v} is neither 0 nor 1"),
            Self::CreatedAndJoined(t) => {
                write!(f, "namespace {t:#x} is both created and joined")
            }
            Self::JoinedTwice(t) => write!(f, "namespace {t:#x} is joined twice"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl<'a> Bootstrap<'a> {
    fn empty() -> Self {
        Bootstrap {
            clone_flags: 0,
            ns_paths: [NsPath {
                nstype: 0,
                path: &[],
            }; MAX_NS_PATHS],
            ns_count: 0,
            oom_score_adj: None,
            timens_offsets: None,
            rootless: false,
        }
    }

    /// The namespaces to join, in message order.
    pub fn ns_paths(&self) -> &[NsPath<'a>] {
        self.ns_paths.get(..self.ns_count).unwrap_or(&[])
    }

    /// Whether a namespace of this CLONE_NEW* type is joined by path.
    pub fn joins(&self, nstype: u32) -> bool {
        self.ns_paths().iter().any(|p| p.nstype == nstype)
    }
}

/// Validates the netlink header at the start of `header` and returns the whole message length.
pub fn message_len(header: &[u8]) -> Result<usize, DecodeError> {
    let (Some(len), Some(ty)) = (read_u32(header, 0), read_u16(header, 4)) else {
        return Err(DecodeError::ShortHeader(header.len()));
    };
    if header.len() < NLMSG_HDRLEN {
        return Err(DecodeError::ShortHeader(header.len()));
    }
    if ty != INIT_MSG {
        return Err(DecodeError::WrongType(ty));
    }
    let total = usize::try_from(len).unwrap_or(usize::MAX);
    if !(NLMSG_HDRLEN..=MAX_BOOTSTRAP).contains(&total) {
        return Err(DecodeError::BadLength {
            declared: len,
            actual: header.len(),
        });
    }
    Ok(total)
}

/// Decodes one complete bootstrap message: netlink header, then attributes.
pub fn decode(buf: &[u8]) -> Result<Bootstrap<'_>, DecodeError> {
    let total = message_len(buf)?;
    if total != buf.len() {
        return Err(DecodeError::BadLength {
            declared: u32::try_from(total).unwrap_or(u32::MAX),
            actual: buf.len(),
        });
    }
    let mut boot = Bootstrap::empty();
    let mut seen = Seen::default();
    let mut rest = buf.get(NLMSG_HDRLEN..).unwrap_or(&[]);
    while !rest.is_empty() {
        let (ty, payload, next) = split_attr(rest)?;
        seen.mark(ty)?;
        apply(&mut boot, ty, payload)?;
        rest = next;
    }
    check_overlap(&boot)?;
    Ok(boot)
}

/// Attribute types already seen, so a single-valued attribute cannot silently override another.
#[derive(Default)]
struct Seen(u8);

impl Seen {
    fn mark(&mut self, ty: u16) -> Result<(), DecodeError> {
        let bit = match ty {
            ATTR_CLONE_FLAGS => 1,
            ATTR_OOM_SCORE_ADJ => 2,
            ATTR_TIMENS_OFFSETS => 4,
            ATTR_ROOTLESS => 8,
            _ => return Ok(()),
        };
        if self.0 & bit != 0 {
            return Err(DecodeError::Duplicate(ty));
        }
        self.0 |= bit;
        Ok(())
    }
}

/// Splits the first attribute off `buf`: its type, its payload, and what follows its padding.
fn split_attr(buf: &[u8]) -> Result<(u16, &[u8], &[u8]), DecodeError> {
    let (Some(len), Some(ty)) = (read_u16(buf, 0), read_u16(buf, 2)) else {
        return Err(DecodeError::TruncatedAttr(buf.len()));
    };
    let size = usize::from(len);
    if size < NLA_HDRLEN {
        return Err(DecodeError::AttrTooShort { ty, len });
    }
    let payload = buf.get(NLA_HDRLEN..size).ok_or(DecodeError::AttrPastEnd {
        ty,
        len,
        left: buf.len(),
    })?;
    let padded = size.next_multiple_of(NLA_HDRLEN).min(buf.len());
    Ok((ty, payload, buf.get(padded..).unwrap_or(&[])))
}

fn apply<'a>(boot: &mut Bootstrap<'a>, ty: u16, payload: &'a [u8]) -> Result<(), DecodeError> {
    match ty {
        ATTR_CLONE_FLAGS => boot.clone_flags = clone_flags(payload)?,
        ATTR_NS_PATH => push_ns_path(boot, ns_path(payload)?)?,
        ATTR_OOM_SCORE_ADJ => boot.oom_score_adj = Some(exact_u32(ty, payload)? as i32), // bit pattern of an i32
        ATTR_TIMENS_OFFSETS => boot.timens_offsets = Some(payload),
        ATTR_ROOTLESS => boot.rootless = rootless(payload)?,
        _ => return Err(DecodeError::UnknownAttr(ty)),
    }
    Ok(())
}

fn clone_flags(payload: &[u8]) -> Result<u32, DecodeError> {
    let flags = exact_u32(ATTR_CLONE_FLAGS, payload)?;
    if flags & !NAMESPACE_FLAGS != 0 {
        return Err(DecodeError::BadCloneFlags(flags));
    }
    Ok(flags)
}

fn rootless(payload: &[u8]) -> Result<bool, DecodeError> {
    match payload {
        [0] => Ok(false),
        [1] => Ok(true),
        [v] => Err(DecodeError::BadRootless(*v)),
        _ => Err(DecodeError::BadPayloadLen {
            ty: ATTR_ROOTLESS,
            len: payload.len(),
        }),
    }
}

fn ns_path(payload: &[u8]) -> Result<NsPath<'_>, DecodeError> {
    let nstype = read_u32(payload, 0).ok_or(DecodeError::BadPayloadLen {
        ty: ATTR_NS_PATH,
        len: payload.len(),
    })?;
    if nstype.count_ones() != 1 || nstype & !NAMESPACE_FLAGS != 0 {
        return Err(DecodeError::BadNsType(nstype));
    }
    let path = payload.get(4..).unwrap_or(&[]);
    if path.is_empty() {
        return Err(DecodeError::EmptyPath);
    }
    if path.contains(&0) {
        return Err(DecodeError::PathHasNul);
    }
    if path.len() >= libc::PATH_MAX as usize {
        return Err(DecodeError::PathTooLong(path.len()));
    }
    Ok(NsPath { nstype, path })
}

fn push_ns_path<'a>(boot: &mut Bootstrap<'a>, ns: NsPath<'a>) -> Result<(), DecodeError> {
    if boot.ns_count >= MAX_NS_PATHS {
        return Err(DecodeError::TooManyPaths);
    }
    if boot.joins(ns.nstype) {
        return Err(DecodeError::JoinedTwice(ns.nstype));
    }
    let slot = boot
        .ns_paths
        .get_mut(boot.ns_count)
        .ok_or(DecodeError::TooManyPaths)?;
    *slot = ns;
    boot.ns_count += 1;
    Ok(())
}

fn check_overlap(boot: &Bootstrap<'_>) -> Result<(), DecodeError> {
    match boot
        .ns_paths()
        .iter()
        .find(|p| p.nstype & boot.clone_flags != 0)
    {
        Some(p) => Err(DecodeError::CreatedAndJoined(p.nstype)),
        None => Ok(()),
    }
}

fn exact_u32(ty: u16, payload: &[u8]) -> Result<u32, DecodeError> {
    match <[u8; 4]>::try_from(payload) {
        Ok(bytes) => Ok(u32::from_ne_bytes(bytes)),
        Err(_) => Err(DecodeError::BadPayloadLen {
            ty,
            len: payload.len(),
        }),
    }
}

fn read_u32(buf: &[u8], at: usize) -> Option<u32> {
    let bytes = buf.get(at..at.checked_add(4)?)?;
    Some(u32::from_ne_bytes(bytes.try_into().ok()?))
}

fn read_u16(buf: &[u8], at: usize) -> Option<u16> {
    let bytes = buf.get(at..at.checked_add(2)?)?;
    Some(u16::from_ne_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests;
