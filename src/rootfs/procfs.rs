//! A /proc handle that is verified to be procfs, so magic-link paths and /proc writes cannot be
//! redirected by a fake filesystem or a symlink mounted over /proc (CVE-2019-16884).

use super::error::{Context, RootfsError};
use crate::sys::fs;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

pub struct Proc {
    fd: OwnedFd,
}

impl Proc {
    /// Opens the /proc of the current root and checks its filesystem magic.
    pub fn open() -> Result<Proc, RootfsError> {
        let fd = fs::openat(
            None,
            Path::new("/proc"),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW,
            0,
        )
        .context(|| "open /proc")?;
        verify(fd.as_fd(), Path::new("/proc"))?;
        Ok(Proc { fd })
    }

    /// The magic link naming `fd` for path-based syscalls such as mount(2). Resolving it yields
    /// exactly the inode `fd` holds, whatever happened to its path since.
    pub fn fd_path(&self, fd: BorrowedFd<'_>) -> PathBuf {
        PathBuf::from(format!("/proc/thread-self/fd/{}", fd.as_raw_fd()))
    }

    /// Opens `rel` below /proc without following any symlink or crossing onto another mount,
    /// and checks that what was opened is still procfs.
    pub fn open_file(&self, rel: &Path, flags: libc::c_int) -> Result<OwnedFd, RootfsError> {
        let shown = Path::new("/proc").join(rel);
        let fd = self
            .open_beneath(rel, flags)
            .context(|| format!("open {}", shown.display()))?;
        verify(fd.as_fd(), &shown)?;
        Ok(fd)
    }

    fn open_beneath(&self, rel: &Path, flags: libc::c_int) -> io::Result<OwnedFd> {
        let resolve = libc::RESOLVE_BENEATH
            | libc::RESOLVE_NO_MAGICLINKS
            | libc::RESOLVE_NO_SYMLINKS
            | libc::RESOLVE_NO_XDEV;
        match fs::openat2(self.fd.as_fd(), rel, flags, resolve) {
            Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => {
                fs::openat(Some(self.fd.as_fd()), rel, flags | libc::O_NOFOLLOW, 0)
            }
            other => other,
        }
    }
}

fn verify(fd: BorrowedFd<'_>, shown: &Path) -> Result<(), RootfsError> {
    let st = fs::fstatfs(fd).context(|| format!("statfs {}", shown.display()))?;
    if st.f_type as i64 != libc::PROC_SUPER_MAGIC {
        return Err(RootfsError::refused(
            format!("verify {}", shown.display()),
            format!(
                "not on procfs (filesystem magic {:#x}); refusing to use it",
                st.f_type
            ),
        ));
    }
    Ok(())
}
