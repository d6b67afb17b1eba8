//! Pausing a cgroup: the v1 freezer hierarchy when mounted, else cgroup.freeze on cgroup2.

use super::{Cgroup, CgroupError};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where to freeze: (directory, control file, value per state, file that reports the state,
/// what it reads once settled per state).
struct Freezer {
    dir: PathBuf,
    control: &'static str,
    values: [&'static str; 2],
    report: &'static str,
    settled: [&'static str; 2],
}

impl Cgroup {
    /// The directory whose freezer pauses the container (CRIU freezes through it).
    pub fn freezer_dir(&self) -> Option<PathBuf> {
        self.freezer().ok().map(|f| f.dir)
    }

    fn freezer(&self) -> Result<Freezer, CgroupError> {
        if let Some(dir) = self.dir_with("freezer.state") {
            return Ok(Freezer {
                dir: dir.clone(),
                control: "freezer.state",
                values: ["THAWED", "FROZEN"],
                report: "freezer.state",
                settled: ["THAWED", "FROZEN"],
            });
        }
        match &self.unified {
            Some(dir) => Ok(Freezer {
                dir: dir.clone(),
                control: "cgroup.freeze",
                values: ["0", "1"],
                report: "cgroup.events",
                settled: ["frozen 0", "frozen 1"],
            }),
            None => Err(CgroupError::io(
                "freeze",
                self.dirs.first().map_or(Path::new("/"), |d| d),
                std::io::ErrorKind::Unsupported.into(),
            )),
        }
    }

    /// Freezes (or thaws) every process and waits until the kernel reports it done; v1 may
    /// stay FREEZING while a task is busy in the kernel, so the request is repeated.
    pub fn freeze(&self, frozen: bool) -> Result<(), CgroupError> {
        let f = self.freezer()?;
        let (control, report) = (f.dir.join(f.control), f.dir.join(f.report));
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            fs::write(&control, f.values[frozen as usize])
                .map_err(|e| CgroupError::io("write", &control, e))?;
            let now =
                fs::read_to_string(&report).map_err(|e| CgroupError::io("read", &report, e))?;
            if now.lines().any(|l| l == f.settled[frozen as usize]) {
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = fs::write(&control, f.values[0]);
                return Err(CgroupError::io(
                    "freeze",
                    &f.dir,
                    std::io::ErrorKind::TimedOut.into(),
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Whether the cgroup is frozen or on its way there (what `state` calls paused).
    pub fn is_frozen(&self) -> bool {
        self.freezer().is_ok_and(|f| {
            fs::read_to_string(f.dir.join(f.control)).is_ok_and(|v| v.trim() != f.values[0])
        })
    }
}

/// Whether an existing directory is frozen by itself or its parent, in either version: a
/// process moved in would stop before it could report anything.
pub(super) fn frozen_at(dir: &Path) -> bool {
    let read = |file: &str| fs::read_to_string(dir.join(file)).unwrap_or_default();
    read("freezer.state").trim() == "FROZEN" || read("cgroup.events").contains("frozen 1")
}
