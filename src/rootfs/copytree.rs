//! Copies a directory tree of the rootfs into a fresh filesystem, by descriptor only: every
//! entry is looked up relative to its parent's fd and never followed, so a symlink in the image
//! (`etc -> /etc`, `x -> ../../host`) is copied as a symlink and cannot make husk read a host
//! file. Regular files, directories and symlinks keep their contents, owners and modes; device
//! nodes, fifos and sockets are left out.

use crate::sys::fs;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

/// The entry a copy stopped at, relative to the copied directory, and why.
#[derive(Debug)]
pub struct Failed {
    pub path: PathBuf,
    pub err: io::Error,
}

/// Copies what directory `from` holds into directory `to`; both must be open for reading (not
/// O_PATH), and `to` should be private to the caller, as nothing there is re-checked.
pub fn copy_contents(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Failed> {
    copy_dir(from, to, Path::new(""))
}

fn copy_dir(from: BorrowedFd<'_>, to: BorrowedFd<'_>, rel: &Path) -> Result<(), Failed> {
    for name in fs::DirNames::new(from) {
        let name = name.map_err(at(rel))?;
        let path = rel.join(&name);
        copy_entry(from, to, Path::new(&name), &path)?;
    }
    Ok(())
}

fn copy_entry(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    name: &Path,
    path: &Path,
) -> Result<(), Failed> {
    let st = fs::lstatat(from, name).map_err(at(path))?;
    match st.st_mode & libc::S_IFMT {
        libc::S_IFDIR => copy_subdir(from, to, name, path, &st),
        libc::S_IFREG => copy_file(from, to, name, &st).map_err(at(path)),
        libc::S_IFLNK => copy_symlink(from, to, name, &st).map_err(at(path)),
        _ => Ok(()),
    }
}

fn copy_subdir(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    name: &Path,
    path: &Path,
    st: &libc::stat,
) -> Result<(), Failed> {
    let dir_flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW;
    let src = fs::openat(Some(from), name, dir_flags, 0).map_err(at(path))?;
    fs::mkdirat(to, name, 0o700).map_err(at(path))?;
    let dst = fs::openat(Some(to), name, dir_flags, 0).map_err(at(path))?;
    copy_dir(src.as_fd(), dst.as_fd(), path)?;
    // Owner and mode last: a read-only or foreign-owned directory must still take its entries.
    take_owner_and_mode(dst.as_fd(), st).map_err(at(path))
}

fn copy_file(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    name: &Path,
    st: &libc::stat,
) -> io::Result<()> {
    // O_NONBLOCK: if the entry was swapped for a fifo since the lstat, the open must not hang.
    let read_flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_NONBLOCK;
    let src = fs::openat(Some(from), name, read_flags, 0)?;
    let now = fs::fstat(src.as_fd())?;
    if now.st_mode & libc::S_IFMT != libc::S_IFREG
        || (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino)
    {
        return Err(io::Error::from_raw_os_error(libc::ESTALE));
    }
    let write_flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
    let mut dst = File::from(fs::openat(Some(to), name, write_flags, 0o600)?);
    // std's copy between two files uses copy_file_range/sendfile, or a fixed stack buffer.
    io::copy(&mut File::from(src), &mut dst)?;
    take_owner_and_mode(dst.as_fd(), st)
}

fn copy_symlink(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    name: &Path,
    st: &libc::stat,
) -> io::Result<()> {
    let target = fs::readlinkat(from, name)?;
    fs::symlinkat(&target, to, name)?;
    fs::lchownat(to, name, st.st_uid, st.st_gid)
}

/// chown before chmod: chown clears the set-user-ID and set-group-ID bits.
fn take_owner_and_mode(fd: BorrowedFd<'_>, st: &libc::stat) -> io::Result<()> {
    fs::chown_fd(fd, st.st_uid, st.st_gid)?;
    fs::chmod_fd(fd, st.st_mode & 0o7777)
}

fn at(path: &Path) -> impl Fn(io::Error) -> Failed + '_ {
    move |err| Failed {
        path: path.to_path_buf(),
        err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};

    fn tempdir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("husk-copytree-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn open_dir(path: &Path) -> std::os::fd::OwnedFd {
        fs::openat(None, path, libc::O_RDONLY | libc::O_DIRECTORY, 0).unwrap()
    }

    fn set(path: &Path, mode: u32, uid: u32, gid: u32) {
        std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// As root: owners and modes need CAP_CHOWN, the skipped nodes need mknod.
    #[test]
    fn copies_files_dirs_and_symlinks_and_nothing_else() {
        let dir = tempdir("kinds");
        let (src, dst) = (dir.join("src"), dir.join("dst"));
        std::fs::create_dir_all(src.join("sub/deeper")).unwrap();
        std::fs::create_dir_all(&dst).unwrap();
        std::fs::write(dir.join("host-secret"), "host").unwrap();
        std::fs::write(src.join("file"), "content").unwrap();
        set(&src.join("file"), 0o4640, 1000, 1001);
        std::fs::write(src.join("sub/deeper/f"), "deep").unwrap();
        set(&src.join("sub"), 0o555, 1002, 1003);
        symlink(dir.join("host-secret"), src.join("abs")).unwrap();
        symlink("../..", src.join("sub/up")).unwrap();
        std::os::unix::fs::lchown(src.join("abs"), Some(1004), Some(1005)).unwrap();
        fs::mknodat(
            open_dir(&src).as_fd(),
            Path::new("null"),
            libc::S_IFCHR | 0o666,
            1,
            3,
        )
        .unwrap();
        crate::sys::fd::mkfifo(&src.join("fifo"), 0o644).unwrap();

        copy_contents(open_dir(&src).as_fd(), open_dir(&dst).as_fd()).unwrap();

        let meta = |p: &str| std::fs::symlink_metadata(dst.join(p)).unwrap();
        assert_eq!(
            std::fs::read_to_string(dst.join("file")).unwrap(),
            "content"
        );
        let f = meta("file");
        assert_eq!((f.mode() & 0o7777, f.uid(), f.gid()), (0o4640, 1000, 1001));
        let sub = meta("sub");
        assert!(sub.is_dir());
        assert_eq!(
            (sub.mode() & 0o7777, sub.uid(), sub.gid()),
            (0o555, 1002, 1003)
        );
        assert_eq!(
            std::fs::read_to_string(dst.join("sub/deeper/f")).unwrap(),
            "deep"
        );
        let abs = meta("abs");
        assert!(
            abs.file_type().is_symlink(),
            "absolute symlink was followed"
        );
        assert_eq!((abs.uid(), abs.gid()), (1004, 1005));
        assert_eq!(
            std::fs::read_link(dst.join("abs")).unwrap(),
            dir.join("host-secret")
        );
        assert!(meta("sub/up").file_type().is_symlink());
        assert!(!dst.join("null").exists() && !dst.join("fifo").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failure_names_the_entry() {
        let dir = tempdir("fail");
        let (src, dst) = (dir.join("src"), dir.join("dst"));
        std::fs::create_dir_all(src.join("a")).unwrap();
        std::fs::create_dir_all(dst.join("a")).unwrap();
        let failed = copy_contents(open_dir(&src).as_fd(), open_dir(&dst).as_fd()).unwrap_err();
        assert_eq!(failed.path, Path::new("a"));
        assert_eq!(failed.err.raw_os_error(), Some(libc::EEXIST));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
