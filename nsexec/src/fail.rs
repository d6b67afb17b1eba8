//! Why the constructor gave up, and the one-line report sent to the parent.

use core::fmt::Write;
use std::io;

use crate::decode::DecodeError;
use crate::stackbuf::StackBuf;
use crate::sys::{self, Errno};

/// The longest error line sent to the parent; longer lines are truncated.
pub type ErrLine = StackBuf<512>;

/// The object of a failed operation, shown after its name.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Nothing,
    Path(&'a [u8]),
    Flags(u32),
    Id(u32),
}

#[derive(Debug)]
pub enum Fail<'a> {
    /// The parent sent ERROR or hung up: it already knows, so exit without a report.
    ParentGaveUp,
    Bootstrap(DecodeError),
    Sys {
        op: &'static str,
        subject: Subject<'a>,
        errno: Errno,
    },
    Io {
        op: &'static str,
        subject: Subject<'a>,
        err: io::Error,
    },
    NotProcfs(&'static [u8]),
    UnexpectedFrame(u32),
}

impl<'a> Fail<'a> {
    pub fn sys(op: &'static str, subject: Subject<'a>) -> impl FnOnce(Errno) -> Self {
        move |errno| Fail::Sys { op, subject, errno }
    }

    pub fn io(op: &'static str, subject: Subject<'a>) -> impl FnOnce(io::Error) -> Self {
        move |err| Fail::Io { op, subject, err }
    }

    /// The report line, or `None` when no report is due.
    pub fn line(&self) -> Option<ErrLine> {
        let mut line = ErrLine::default();
        line.push(b"nsexec: ");
        match self {
            Fail::ParentGaveUp => return None,
            Fail::Bootstrap(e) => _ = write!(line, "bootstrap: {e}"),
            Fail::Sys { op, subject, errno } => {
                line.push(op.as_bytes());
                push_subject(&mut line, *subject);
                push_errno(&mut line, *errno);
            }
            Fail::Io { op, subject, err } => {
                line.push(op.as_bytes());
                push_subject(&mut line, *subject);
                push_io_error(&mut line, err);
            }
            Fail::NotProcfs(path) => {
                line.push(path);
                line.push(b" is not on procfs");
            }
            Fail::UnexpectedFrame(ty) => _ = write!(line, "unexpected frame type {ty} from parent"),
        }
        Some(line)
    }
}

fn push_subject(line: &mut ErrLine, subject: Subject<'_>) {
    match subject {
        Subject::Nothing => {}
        Subject::Path(p) => {
            line.push(b" ");
            line.push(p);
        }
        Subject::Flags(f) => _ = write!(line, " {f:#x}"),
        Subject::Id(id) => _ = write!(line, " {id}"),
    }
}

fn push_errno(line: &mut ErrLine, errno: Errno) {
    line.push(b": ");
    sys::with_strerror(errno.0, |text| line.push(text));
}

/// io::Error's Display would allocate for OS errors, so render them through strerror.
fn push_io_error(line: &mut ErrLine, err: &io::Error) {
    if let Some(errno) = err.raw_os_error() {
        return push_errno(line, Errno(errno));
    }
    let text = match err.kind() {
        io::ErrorKind::UnexpectedEof => "unexpected end of file",
        io::ErrorKind::InvalidData => "frame too large",
        _ => "I/O error",
    };
    line.push(b": ");
    line.push(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::{Fail, Subject};
    use crate::decode::DecodeError;
    use crate::sys::Errno;

    fn text(fail: &Fail<'_>) -> String {
        String::from_utf8(fail.line().unwrap().as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn lines_name_what_failed() {
        let setns = Fail::sys("setns", Subject::Path(b"/proc/123/ns/net"))(Errno(libc::EPERM));
        assert_eq!(
            text(&setns),
            "nsexec: setns /proc/123/ns/net: Operation not permitted"
        );
        let unshare = Fail::sys("unshare", Subject::Flags(0x20000))(Errno(libc::EINVAL));
        assert_eq!(text(&unshare), "nsexec: unshare 0x20000: Invalid argument");
        let decode = Fail::Bootstrap(DecodeError::UnknownAttr(9));
        assert_eq!(text(&decode), "nsexec: bootstrap: unknown attribute 9");
        let eof = Fail::io("read bootstrap", Subject::Nothing)(io::ErrorKind::UnexpectedEof.into());
        assert_eq!(text(&eof), "nsexec: read bootstrap: unexpected end of file");
    }

    #[test]
    fn lines_stay_one_bounded_line() {
        let path = [b"/a\nb".as_slice(), &[b'x'; 1000]].concat();
        let line = text(&Fail::sys("open", Subject::Path(&path))(Errno(
            libc::ENOENT,
        )));
        assert!(line.starts_with("nsexec: open /a?bxxx"));
        assert_eq!(line.len(), 512);
    }

    #[test]
    fn parent_giving_up_is_not_reported() {
        assert!(Fail::ParentGaveUp.line().is_none());
    }
}
