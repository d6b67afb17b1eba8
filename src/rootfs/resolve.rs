//! Path resolution confined to a root directory, by descriptor. Every container path goes
//! through here so that symlinks (`/etc -> /`, `../../..`, a `/dev` pointing at the host's) are
//! interpreted as if the root were `/`, and nothing outside the root is ever opened or created.

use crate::sys::fs;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

/// The kernel's own limit on symlinks followed in one lookup.
const MAX_SYMLINKS: usize = 40;
/// openat2(RESOLVE_IN_ROOT) answers EAGAIN when a concurrent rename might have let ".." escape.
const EAGAIN_RETRIES: usize = 16;

/// What to create at a destination that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Dir,
    File,
}

pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

impl Root {
    /// Opens `path` (a host path, or "/" after pivot_root) as the root of all later lookups.
    pub fn open(path: &Path) -> io::Result<Root> {
        let fd = fs::openat(None, path, libc::O_PATH | libc::O_DIRECTORY, 0)?;
        Ok(Root {
            fd,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// O_PATH descriptor of an existing `path` inside the root, following symlinks inside it.
    pub fn resolve(&self, path: &Path) -> io::Result<OwnedFd> {
        let rel = clean(path);
        for _ in 0..EAGAIN_RETRIES {
            match fs::openat2(
                self.fd.as_fd(),
                &dot_if_empty(&rel),
                libc::O_PATH,
                libc::RESOLVE_IN_ROOT | libc::RESOLVE_NO_MAGICLINKS,
            ) {
                Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => continue,
                Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => return self.walk(&rel),
                other => return other,
            }
        }
        Err(io::Error::from_raw_os_error(libc::EAGAIN))
    }

    /// Resolves `path`, creating it (and missing parent directories) inside the root if needed.
    /// A dangling symlink on the way is created at its target, still inside the root.
    pub fn ensure(&self, path: &Path, node: Node) -> io::Result<OwnedFd> {
        self.ensure_following(path, node, 0)
    }

    fn ensure_following(&self, path: &Path, node: Node, links: usize) -> io::Result<OwnedFd> {
        let rel = clean(path);
        match self.resolve(&rel) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
            other => return other,
        }
        let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
            return Err(io::Error::from_raw_os_error(libc::ENOENT));
        };
        let dir = self.ensure_following(parent, Node::Dir, links)?;
        let created = match node {
            Node::Dir => fs::mkdirat(dir.as_fd(), Path::new(name), 0o755),
            Node::File => create_file(dir.as_fd(), Path::new(name)),
        };
        match created {
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                if let Some(target) = symlink_target(dir.as_fd(), Path::new(name))? {
                    if links >= MAX_SYMLINKS {
                        return Err(io::Error::from_raw_os_error(libc::ELOOP));
                    }
                    return self.ensure_following(&parent.join(target), node, links + 1);
                }
            }
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        // Look it up again from the root rather than trusting the name we just created.
        self.resolve(&rel)
    }

    /// The same confinement as RESOLVE_IN_ROOT for kernels without openat2: one component at a
    /// time with O_NOFOLLOW, expanding symlinks ourselves so ".." and absolute targets stop at
    /// the root and magic links are read as plain text.
    pub(crate) fn walk(&self, rel: &Path) -> io::Result<OwnedFd> {
        let mut pending: VecDeque<OsString> = components(rel).collect();
        let mut dirs: Vec<OwnedFd> = Vec::new();
        let mut links = 0;
        while let Some(name) = pending.pop_front() {
            if name == ".." {
                dirs.pop();
                continue;
            }
            let here = dirs.last().map_or(self.fd.as_fd(), |d| d.as_fd());
            let fd = fs::openat(
                Some(here),
                Path::new(&name),
                libc::O_PATH | libc::O_NOFOLLOW,
                0,
            )?;
            let mode = fs::fstat(fd.as_fd())?.st_mode & libc::S_IFMT;
            if mode == libc::S_IFLNK {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(io::Error::from_raw_os_error(libc::ELOOP));
                }
                let target = fs::readlink_fd(fd.as_fd())?;
                if target.is_absolute() {
                    dirs.clear();
                }
                for c in components(&target).rev() {
                    pending.push_front(c);
                }
                continue;
            }
            if !pending.is_empty() && mode != libc::S_IFDIR {
                return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
            }
            dirs.push(fd);
        }
        match dirs.pop() {
            Some(fd) => Ok(fd),
            None => fs::openat(Some(self.fd.as_fd()), Path::new("."), libc::O_PATH, 0),
        }
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The target of `name` in `dir` if it is a symlink.
fn symlink_target(dir: BorrowedFd<'_>, name: &Path) -> io::Result<Option<PathBuf>> {
    let fd = fs::openat(Some(dir), name, libc::O_PATH | libc::O_NOFOLLOW, 0)?;
    if fs::fstat(fd.as_fd())?.st_mode & libc::S_IFMT != libc::S_IFLNK {
        return Ok(None);
    }
    fs::readlink_fd(fd.as_fd()).map(Some)
}

/// O_PATH descriptor of `name` in `dir`, created if absent, never followed: EPERM unless it is
/// a regular file on neither procfs nor sysfs.
pub fn plain_file(dir: BorrowedFd<'_>, name: &Path) -> io::Result<OwnedFd> {
    match create_file(dir, name) {
        Err(e) if e.raw_os_error() != Some(libc::EEXIST) => return Err(e),
        _ => {}
    }
    let fd = fs::openat(Some(dir), name, libc::O_PATH | libc::O_NOFOLLOW, 0)?;
    let regular = fs::fstat(fd.as_fd())?.st_mode & libc::S_IFMT == libc::S_IFREG;
    let magic = fs::fstatfs(fd.as_fd())?.f_type as i64;
    match regular && magic != libc::PROC_SUPER_MAGIC && magic != libc::SYSFS_MAGIC {
        true => Ok(fd),
        false => Err(io::Error::from_raw_os_error(libc::EPERM)),
    }
}

fn create_file(dir: BorrowedFd<'_>, name: &Path) -> io::Result<()> {
    let flags = libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_NOFOLLOW;
    fs::openat(Some(dir), name, flags, 0o644).map(drop)
}

fn components(path: &Path) -> impl DoubleEndedIterator<Item = OsString> + '_ {
    path.components().filter_map(|c| match c {
        Component::Normal(n) => Some(n.to_os_string()),
        Component::ParentDir => Some(OsString::from("..")),
        Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
    })
}

fn dot_if_empty(rel: &Path) -> PathBuf {
    if rel.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        rel.to_path_buf()
    }
}

/// Lexically normalises a container path to one relative to the root: "." dropped, ".." removed
/// with its parent and never above the root, the leading "/" dropped.
pub fn clean(path: &Path) -> PathBuf {
    let abs = crate::spec::clean_path(path);
    abs.strip_prefix("/").map(Path::to_path_buf).unwrap_or(abs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tempdir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("husk-resolve-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn real_path(fd: &OwnedFd) -> PathBuf {
        use std::os::fd::AsRawFd;
        std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap()
    }

    #[test]
    fn clean_is_lexical_and_clamped() {
        assert_eq!(clean(Path::new("/a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(clean(Path::new("/../../etc")), PathBuf::from("etc"));
        assert_eq!(clean(Path::new("/")), PathBuf::new());
    }

    #[test]
    fn escaping_symlinks_stay_inside_the_root_with_openat2_and_the_walk() {
        let dir = tempdir("escape");
        let root = dir.join("root");
        std::fs::create_dir_all(root.join("real")).unwrap();
        symlink("/", root.join("abs")).unwrap();
        symlink("../../../..", root.join("up")).unwrap();
        symlink("/real", root.join("real/self")).unwrap();
        let r = Root::open(&root).unwrap();
        for p in ["abs", "up", "abs/up/abs", "real/self/../.."] {
            assert_eq!(real_path(&r.resolve(Path::new(p)).unwrap()), root, "{p}");
            assert_eq!(real_path(&r.walk(Path::new(p)).unwrap()), root, "walk {p}");
        }
        assert_eq!(
            real_path(&r.walk(Path::new("up/real/self")).unwrap()),
            root.join("real")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ensure_creates_through_symlinks_inside_the_root() {
        let dir = tempdir("ensure");
        let root = dir.join("root");
        std::fs::create_dir_all(&root).unwrap();
        symlink("/", root.join("etc")).unwrap();
        let r = Root::open(&root).unwrap();
        let fd = r
            .ensure(Path::new("/etc/husk-probe/x"), Node::File)
            .unwrap();
        assert_eq!(real_path(&fd), root.join("husk-probe/x"));
        assert!(!Path::new("/husk-probe").exists());
        let fd = r.ensure(Path::new("/a/b/c"), Node::Dir).unwrap();
        assert_eq!(real_path(&fd), root.join("a/b/c"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
