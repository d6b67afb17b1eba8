//! A fixed-capacity text buffer on the stack, for building error lines and small numbers before
//! `main` without touching the heap.

use core::fmt;
use std::ffi::CStr;

/// Bytes appended past the capacity are dropped: a truncated error line beats none.
pub struct StackBuf<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Default for StackBuf<N> {
    fn default() -> Self {
        StackBuf {
            bytes: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> StackBuf<N> {
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// Appends `text`, replacing control characters so the result stays one line.
    pub fn push(&mut self, text: &[u8]) {
        for &b in text {
            let Some(slot) = self.bytes.get_mut(self.len) else {
                return;
            };
            *slot = if b.is_ascii_control() { b'?' } else { b };
            self.len += 1;
        }
    }
}

impl<const N: usize> fmt::Write for StackBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}

/// Copies `bytes` into `buf` with a terminating NUL; `None` if it does not fit or has a NUL.
pub fn to_cstr<'b>(bytes: &[u8], buf: &'b mut [u8]) -> Option<&'b CStr> {
    let with_nul = buf.get_mut(..bytes.len().checked_add(1)?)?;
    let (body, nul) = with_nul.split_at_mut(bytes.len());
    body.copy_from_slice(bytes);
    nul.fill(0);
    CStr::from_bytes_with_nul(with_nul).ok()
}
