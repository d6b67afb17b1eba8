//! /dev contents: the default and configured device nodes, the standard symlinks and ptmx.
//! Every node is created through a descriptor inside the root, so a rootfs whose /dev (or a
//! path under it) is a symlink to the host's /dev never reaches the host.

use super::error::{Context, RootfsError};
use super::resolve::{self, Node, Root};
use crate::procfs::handle::Proc;
use crate::spec::{Device, Mount};
use crate::sys::{fs, mount};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

const DEFAULTS: &[(&str, u32, u32)] = &[
    ("/dev/null", 1, 3),
    ("/dev/zero", 1, 5),
    ("/dev/full", 1, 7),
    ("/dev/random", 1, 8),
    ("/dev/urandom", 1, 9),
    ("/dev/tty", 5, 0),
];

const LINKS: &[(&str, &str)] = &[
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
];

/// A device to create, with its type already checked.
struct DeviceNode {
    path: PathBuf,
    kind: libc::mode_t,
    major: u32,
    minor: u32,
    mode: libc::mode_t,
    uid: u32,
    gid: u32,
}

/// /dev is the host's (a bind mount): husk makes no nodes in it, and its /dev/null is the
/// host's own.
pub fn dev_is_bind(mounts: &[Mount]) -> bool {
    mounts
        .iter()
        .find(|m| resolve::clean(&m.destination) == Path::new("dev"))
        .is_some_and(Mount::is_bind)
}

pub struct Devices<'a> {
    pub root: &'a Root,
    pub proc: &'a Proc,
    /// mknod is impossible in a user namespace: bind the host's node instead.
    pub userns: bool,
}

impl Devices<'_> {
    /// A /dev bind-mounted from the host is used as is; otherwise /dev (a tmpfs, or the image's
    /// own directory) gets the nodes and links, like runc.
    pub fn setup(&self, mounts: &[Mount], devices: &[Device]) -> Result<(), RootfsError> {
        let at = |p: &str| {
            mounts
                .iter()
                .find(|m| resolve::clean(&m.destination) == Path::new(p))
        };
        if dev_is_bind(mounts) {
            return Ok(());
        }
        for node in nodes(devices)? {
            self.create(&node)?;
        }
        let dev = self
            .root
            .ensure(Path::new("/dev"), Node::Dir)
            .context(|| "create /dev inside the rootfs")?;
        if at("dev/pts").is_some() {
            ptmx(dev.as_fd())?;
        }
        links(dev.as_fd())
    }

    fn create(&self, node: &DeviceNode) -> Result<(), RootfsError> {
        let shown = node.path.display();
        let rel = resolve::clean(&node.path);
        let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
            return Err(RootfsError::refused(
                format!("device {shown}"),
                "not a file path",
            ));
        };
        let dir = self
            .root
            .ensure(parent, Node::Dir)
            .context(|| format!("create the directory of device {shown}"))?;
        if self.userns {
            self.bind_host(node, &rel)
        } else {
            self.mknod(node, dir.as_fd(), Path::new(name))
        }
    }

    fn mknod(&self, node: &DeviceNode, dir: BorrowedFd, name: &Path) -> Result<(), RootfsError> {
        let shown = node.path.display();
        match fs::mknodat(dir, name, node.kind | node.mode, node.major, node.minor) {
            // An existing node is the image's choice; runc keeps it too.
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => return Ok(()),
            other => other.context(|| format!("mknod {shown}"))?,
        }
        let fd = fs::openat(Some(dir), name, libc::O_PATH | libc::O_NOFOLLOW, 0)
            .context(|| format!("open {shown}"))?;
        let st = fs::fstat(fd.as_fd()).context(|| format!("stat {shown}"))?;
        if st.st_mode & libc::S_IFMT != node.kind {
            return Err(RootfsError::refused(
                format!("device {shown}"),
                "replaced while being created",
            ));
        }
        // mknod applied the umask; the config's mode is exact.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            self.proc.fd_path(fd.as_fd()),
            std::fs::Permissions::from_mode(node.mode),
        )
        .context(|| format!("chmod {shown}"))?;
        fs::chown_fd(fd.as_fd(), node.uid, node.gid).context(|| format!("chown {shown}"))
    }

    fn bind_host(&self, node: &DeviceNode, rel: &Path) -> Result<(), RootfsError> {
        let shown = node.path.display();
        let host = fs::openat(None, &node.path, libc::O_PATH, 0)
            .context(|| format!("open host device {shown}"))?;
        let target: OwnedFd = self
            .root
            .ensure(rel, Node::File)
            .context(|| format!("create {shown} inside the rootfs"))?;
        mount::mount(
            Some(&self.proc.fd_path(host.as_fd())),
            &self.proc.fd_path(target.as_fd()),
            None,
            libc::MS_BIND,
            None,
        )
        .context(|| format!("bind mount host device {shown}"))
    }
}

/// The defaults, then the configured devices; a configured path replaces a default one.
fn nodes(devices: &[Device]) -> Result<Vec<DeviceNode>, RootfsError> {
    let mut out: Vec<DeviceNode> = DEFAULTS
        .iter()
        .filter(|(p, _, _)| {
            !devices
                .iter()
                .any(|d| resolve::clean(&d.path) == resolve::clean(Path::new(p)))
        })
        .map(|&(p, major, minor)| DeviceNode {
            path: PathBuf::from(p),
            kind: libc::S_IFCHR,
            major,
            minor,
            mode: 0o666,
            uid: 0,
            gid: 0,
        })
        .collect();
    for (i, d) in devices.iter().enumerate() {
        out.push(configured(i, d)?);
    }
    Ok(out)
}

fn configured(index: usize, d: &Device) -> Result<DeviceNode, RootfsError> {
    let field = format!("linux.devices[{index}] ({})", d.path.display());
    let kind = match d.kind.as_str() {
        "c" | "u" => libc::S_IFCHR,
        "b" => libc::S_IFBLK,
        "p" => libc::S_IFIFO,
        other => {
            return Err(RootfsError::refused(
                field,
                format!("unknown device type {other:?}"),
            ))
        }
    };
    let number = |n: i64, what: &str| {
        u32::try_from(n)
            .map_err(|_| RootfsError::refused(&field, format!("{what} {n} out of range")))
    };
    Ok(DeviceNode {
        path: d.path.clone(),
        kind,
        major: number(d.major, "major")?,
        minor: number(d.minor, "minor")?,
        mode: d.file_mode.map_or(0o666, |m| m & 0o7777),
        uid: d.uid.unwrap_or(0),
        gid: d.gid.unwrap_or(0),
    })
}

/// The container's own devpts instance must serve ptmx, not the /dev tmpfs or the host's.
fn ptmx(dev: BorrowedFd) -> Result<(), RootfsError> {
    match fs::unlinkat(dev, Path::new("ptmx"), 0) {
        Err(e) if e.raw_os_error() != Some(libc::ENOENT) => {
            return Err(RootfsError::os("remove /dev/ptmx", e))
        }
        _ => {}
    }
    fs::symlinkat(Path::new("pts/ptmx"), dev, Path::new("ptmx"))
        .context(|| "symlink /dev/ptmx -> pts/ptmx")
}

fn links(dev: BorrowedFd) -> Result<(), RootfsError> {
    let kcore = Path::new("/proc/kcore")
        .exists()
        .then_some(("core", "/proc/kcore"));
    for (name, target) in LINKS.iter().copied().chain(kcore) {
        match fs::symlinkat(Path::new(target), dev, Path::new(name)) {
            Err(e) if e.raw_os_error() != Some(libc::EEXIST) => {
                return Err(RootfsError::os(
                    format!("symlink /dev/{name} -> {target}"),
                    e,
                ))
            }
            _ => {}
        }
    }
    Ok(())
}
