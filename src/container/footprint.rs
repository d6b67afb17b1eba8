//! What a create makes on the host outside its state dir, written into that dir before any of
//! it is made. `delete --force` removes a container from this record alone when create was
//! killed before state.json existed, or when state.json is lost or damaged since.

use crate::cgroups::Cgroup;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Footprint {
    /// `dirs`: where the container's processes are found; `created`: what is removed again.
    pub cgroup: Cgroup,
    /// The transient unit a systemd cgroup driver starts for the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Footprint {
    /// Before `cgroup` is made: only the directories that do not exist yet are the
    /// container's; one that exists is not known to be empty until create has checked it.
    pub fn planned(cgroup: &Cgroup) -> Footprint {
        let mut planned = Cgroup::default();
        for dir in &cgroup.dirs {
            let mut missing: Vec<PathBuf> = dir
                .ancestors()
                .take_while(|a| !a.exists())
                .map(Path::to_path_buf)
                .collect();
            if !missing.is_empty() {
                planned.dirs.push(dir.clone());
            }
            missing.reverse();
            planned.created.append(&mut missing);
        }
        planned.unified = cgroup.unified.clone().filter(|u| planned.dirs.contains(u));
        Footprint {
            cgroup: planned,
            unit: None,
        }
    }

    /// Once `cgroup` is made and checked empty: all of it is the container's.
    pub fn made(cgroup: &Cgroup) -> Footprint {
        Footprint {
            cgroup: cgroup.clone(),
            unit: None,
        }
    }
}
