//! `husk checkpoint`: dump a running container with CRIU (runc's flags), then remove it unless
//! it is left running. Also the flags `checkpoint` and `restore` share.

use super::create::failure;
use super::flags::{self, Flag, UsageError};
use super::{Failure, Global};
use husk::container::{CgroupMode, CheckpointOptions, Container, CriuOptions};
use lexopt::Parser;
use std::ffi::OsString;
use std::path::PathBuf;

const HELP: &str = "usage: husk checkpoint [flags] ID

Dumps a running container with CRIU (from PATH or the global --criu), then removes it unless
--leave-running or --pre-dump. Flags: --image-path DIR (default ./checkpoint), --work-path DIR,
--parent-path DIR, --leave-running, --pre-dump, --tcp-established, --tcp-skip-in-flight,
--link-remap, --ext-unix-sk, --shell-job, --file-locks, --lazy-pages, --status-fd N,
--page-server ADDR:PORT, --auto-dedup, --manage-cgroups-mode soft|full|strict|ignore,
--empty-ns network";

pub fn run(g: &Global, rest: Vec<OsString>) -> Result<i32, Failure> {
    let mut opts = CheckpointOptions {
        criu: criu_options(g),
        ..Default::default()
    };
    let ids = super::parse(rest, "checkpoint", HELP, |a, p| {
        match a {
            a if a.is(None, "parent-path") => {
                opts.parent_path = Some(PathBuf::from(flags::string(p)?))
            }
            a if a.is(None, "leave-running") => opts.leave_running = true,
            a if a.is(None, "link-remap") => opts.link_remap = true,
            a if a.is(None, "tcp-skip-in-flight") => opts.tcp_skip_in_flight = true,
            a if a.is(None, "pre-dump") => opts.pre_dump = true,
            a if a.is(None, "status-fd") => {
                opts.status_fd = Some(flags::number(p, "status-fd")?).filter(|&fd| fd >= 0)
            }
            a if a.is(None, "page-server") => opts.page_server = Some(page_server(p)?),
            _ => return criu_flag(&mut opts.criu, a, p),
        }
        Ok(true)
    })?;
    let id = flags::one_id(ids, "checkpoint")?;
    let c = Container::load(&g.root, &id).map_err(failure)?;
    c.checkpoint(&opts).map_err(failure)?;
    if !opts.leave_running && !opts.pre_dump {
        if let Err(e) = c.delete(true) {
            husk::log::warn(&e.to_string());
        }
    }
    Ok(0)
}

/// The defaults: images in ./checkpoint, as runc keeps them.
pub fn criu_options(g: &Global) -> CriuOptions {
    CriuOptions {
        binary: g.criu.clone(),
        image_path: std::env::current_dir()
            .unwrap_or_default()
            .join("checkpoint"),
        ..Default::default()
    }
}

/// Reads one flag `checkpoint` and `restore` share; false if `a` is not one of them.
pub fn criu_flag(c: &mut CriuOptions, a: &Flag, p: &mut Parser) -> Result<bool, Failure> {
    match a {
        a if a.is(None, "image-path") => c.image_path = PathBuf::from(flags::string(p)?),
        a if a.is(None, "work-path") => c.work_path = Some(PathBuf::from(flags::string(p)?)),
        a if a.is(None, "tcp-established") => c.tcp_established = true,
        a if a.is(None, "ext-unix-sk") => c.ext_unix_sk = true,
        a if a.is(None, "shell-job") => c.shell_job = true,
        a if a.is(None, "file-locks") => c.file_locks = true,
        a if a.is(None, "lazy-pages") => c.lazy_pages = true,
        a if a.is(None, "auto-dedup") => c.auto_dedup = true,
        a if a.is(None, "manage-cgroups-mode") => {
            let v = flags::string(p)?;
            c.cgroup_mode = CgroupMode::parse(&v).ok_or_else(|| {
                UsageError(format!(
                    "--manage-cgroups-mode: {v:?} is not soft, full, strict or ignore"
                ))
            })?;
        }
        a if a.is(None, "empty-ns") => match flags::string(p)?.as_str() {
            "network" => c.empty_ns |= libc::CLONE_NEWNET as u32,
            ns => {
                return Err(
                    UsageError(format!("--empty-ns: namespace {ns:?} is not supported")).into(),
                )
            }
        },
        _ => return Ok(false),
    }
    Ok(true)
}

fn page_server(p: &mut Parser) -> Result<(String, i32), UsageError> {
    let v = flags::string(p)?;
    let bad = || UsageError(format!("--page-server {v:?}: use ADDRESS:PORT"));
    let (addr, port) = v.rsplit_once(':').ok_or_else(bad)?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    match port.parse() {
        Ok(port) if !addr.is_empty() => Ok((addr.to_string(), port)),
        _ => Err(bad()),
    }
}
