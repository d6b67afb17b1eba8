//! What the kernel says about this process in /proc text files, parsed once for every module
//! that needs it (rootfs and cgroups both read the mount table and the cgroup membership).

pub mod cgroup;
pub mod mountinfo;
