//! What the kernel says about this process in /proc, for every module that needs it: a verified
//! handle for opening and writing /proc files, and the text files rootfs and cgroups both parse
//! (the mount table and the cgroup membership).

pub mod cgroup;
#[cfg(test)]
pub mod fake;
pub mod handle;
pub mod mountinfo;
