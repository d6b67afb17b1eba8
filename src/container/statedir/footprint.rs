//! What a create makes on the host outside its state dir, written into that dir before any of
//! it is made. `delete --force` removes a container from this record alone when create was
//! killed before state.json existed, or when state.json is lost or damaged since.

use crate::cgroups::{Cgroup, Placement};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Footprint {
    /// `dirs`: where the container's processes are found; `created`: what is removed again;
    /// `unit`: the systemd unit that is stopped again.
    pub cgroup: Cgroup,
}

impl Footprint {
    /// Before the cgroup is made: only the directories that do not exist yet are the
    /// container's (one that exists is not known to be empty until create has checked it), or
    /// the systemd unit that will hold it.
    pub fn planned(placement: &Placement) -> Footprint {
        let cgroup = match placement {
            Placement::Fs(cgroup) => cgroup,
            Placement::Systemd { scope, .. } => {
                return Footprint {
                    cgroup: Cgroup {
                        unit: Some(scope.unit.clone()),
                        ..Cgroup::default()
                    },
                }
            }
        };
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
        planned.controllers = (cgroup.dirs.iter().zip(&cgroup.controllers))
            .filter(|(d, _)| planned.dirs.contains(d))
            .map(|(_, c)| c.clone())
            .collect();
        Footprint { cgroup: planned }
    }

    /// Once `cgroup` is made and checked empty: all of it is the container's.
    pub fn made(cgroup: &Cgroup) -> Footprint {
        Footprint {
            cgroup: cgroup.clone(),
        }
    }
}
