//! A /proc handle verified to be procfs, so magic-link paths and writes into /proc (sysctls, id
//! maps) cannot be redirected by a fake filesystem or a symlink mounted over /proc
//! (CVE-2019-16884, CVE-2025-52881). Errors say what was wrong, callers add which file.

use crate::sys::fs;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

pub struct Proc {
    fd: OwnedFd,
}

impl Proc {
    /// Opens the /proc of the current root and checks its filesystem magic.
    pub fn open() -> io::Result<Proc> {
        let fd = fs::openat(
            None,
            Path::new("/proc"),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW,
            0,
        )?;
        verify(fd.as_fd())?;
        Ok(Proc { fd })
    }

    /// The magic link naming `fd` for path-based syscalls such as mount(2). Resolving it yields
    /// exactly the inode `fd` holds, whatever happened to its path since.
    pub fn fd_path(&self, fd: BorrowedFd<'_>) -> PathBuf {
        PathBuf::from(format!("/proc/thread-self/fd/{}", fd.as_raw_fd()))
    }

    /// Opens `rel` below /proc without following any symlink or crossing onto another mount,
    /// and checks that what was opened is still procfs.
    pub fn open_file(&self, rel: &Path, flags: libc::c_int) -> io::Result<OwnedFd> {
        let fd = self.open_beneath(rel, flags)?;
        verify(fd.as_fd())?;
        Ok(fd)
    }

    /// The calling thread's directory as this procfs names it ("PID/task/TID"): its own
    /// files, whichever pid namespace the procfs belongs to.
    pub fn thread_self(&self) -> io::Result<PathBuf> {
        fs::readlinkat(self.fd.as_fd(), Path::new("thread-self"))
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

fn verify(fd: BorrowedFd<'_>) -> io::Result<()> {
    let magic = fs::fstatfs(fd)?.f_type;
    if magic as i64 != libc::PROC_SUPER_MAGIC {
        return Err(io::Error::other(format!(
            "not on procfs (filesystem magic {magic:#x}); refusing to use it"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procfs::fake::with_tmpfs_over;

    #[test]
    fn opens_files_of_the_real_proc() {
        let proc = Proc::open().unwrap();
        let own = PathBuf::from(std::process::id().to_string()).join("status");
        proc.open_file(&own, libc::O_RDONLY).unwrap();
    }

    #[test]
    fn refuses_a_tmpfs_mounted_over_proc() {
        with_tmpfs_over("/proc", || match Proc::open() {
            Ok(_) => Err("a tmpfs over /proc was taken for procfs".into()),
            Err(e) if e.to_string().contains("not on procfs") => Ok(()),
            Err(e) => Err(format!("unclear error: {e}")),
        });
    }

    #[test]
    fn does_not_cross_onto_a_mount_below_proc() {
        with_tmpfs_over("/proc/sys", || {
            std::fs::create_dir("/proc/sys/kernel").map_err(|e| format!("mkdir: {e}"))?;
            std::fs::write("/proc/sys/kernel/hostname", "fake")
                .map_err(|e| format!("write the fake hostname: {e}"))?;
            let proc = Proc::open().map_err(|e| format!("open /proc: {e}"))?;
            match proc.open_file(Path::new("sys/kernel/hostname"), libc::O_RDONLY) {
                Ok(_) => Err("opened a file through a tmpfs mounted on /proc/sys".into()),
                Err(e) if e.raw_os_error() == Some(libc::EXDEV) => Ok(()),
                Err(e) if e.to_string().contains("not on procfs") => Ok(()),
                Err(e) => Err(format!("unexpected error: {e}")),
            }
        });
    }
}
