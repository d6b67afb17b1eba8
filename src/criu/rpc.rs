//! CRIU's RPC messages (criu_req, criu_opts, criu_resp from images/rpc.proto): the options
//! husk sets, encoded by hand, and the answers it reads.

use super::proto::{self, Value, Writer};

/// criu_req_type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Dump = 1,
    Restore = 2,
    PreDump = 4,
    Notify = 6,
    FeatureCheck = 9,
}

/// criu_cg_mode, as runc's `--manage-cgroups-mode` names them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum CgroupMode {
    Ignore = 0,
    Soft = 3,
    Full = 4,
    Strict = 5,
    #[default]
    Default = 6,
}

impl CgroupMode {
    pub fn parse(s: &str) -> Option<CgroupMode> {
        Some(match s {
            "soft" => CgroupMode::Soft,
            "full" => CgroupMode::Full,
            "strict" => CgroupMode::Strict,
            "ignore" => CgroupMode::Ignore,
            _ => return None,
        })
    }
}

/// The criu_opts fields husk sets; unset ones keep CRIU's defaults.
#[derive(Debug, Clone, Default)]
pub struct Opts {
    pub images_dir_fd: i32,
    pub work_dir_fd: Option<i32>,
    pub pid: Option<i32>,
    pub root: String,
    pub log_file: String,
    pub leave_running: bool,
    pub ext_unix_sk: bool,
    pub tcp_established: bool,
    pub evasive_devices: bool,
    pub shell_job: bool,
    pub file_locks: bool,
    pub link_remap: bool,
    pub tcp_skip_in_flight: bool,
    pub auto_dedup: bool,
    pub lazy_pages: bool,
    pub rst_sibling: bool,
    pub track_mem: bool,
    pub parent_img: Option<String>,
    pub page_server: Option<(String, i32)>,
    pub cgroup_mode: CgroupMode,
    pub empty_ns: u32,
    pub freeze_cgroup: Option<String>,
    pub config_file: Option<String>,
    pub lsm_profile: Option<String>,
    pub lsm_mount_context: Option<String>,
    /// Mount destinations and what stands for them (ext_mnt key, val).
    pub ext_mounts: Vec<(String, String)>,
    /// `--external` entries: namespaces left outside the image.
    pub external: Vec<String>,
    /// Keys of external resources and the fds in CRIU that stand for them.
    pub inherit_fds: Vec<(String, i32)>,
    /// Namespace kinds and the files of existing ones to restore into.
    pub join_ns: Vec<(String, String)>,
    /// Controllers (empty: all) and the cgroup each is restored under.
    pub cgroup_roots: Vec<(String, String)>,
}

impl Opts {
    fn encode(&self) -> Writer {
        let mut w = Writer::default();
        w.int(1, self.images_dir_fd.into());
        if let Some(pid) = self.pid {
            w.int(2, pid.into());
        }
        w.flag(3, self.leave_running);
        w.flag(4, self.ext_unix_sk);
        w.flag(5, self.tcp_established);
        w.flag(6, self.evasive_devices);
        w.flag(7, self.shell_job);
        w.flag(8, self.file_locks);
        w.int(9, 4);
        w.str(10, &self.log_file);
        if let Some((address, port)) = &self.page_server {
            let mut ps = Writer::default();
            ps.str(1, address);
            ps.int(2, (*port).into());
            w.message(11, ps);
        }
        w.bool(12, true);
        w.str(13, &self.root);
        if let Some(p) = &self.parent_img {
            w.str(14, p);
        }
        w.flag(15, self.track_mem);
        w.flag(16, self.auto_dedup);
        w.flag(18, self.link_remap);
        if let Some(fd) = self.work_dir_fd {
            w.int(17, fd.into());
        }
        for (key, val) in &self.ext_mounts {
            w.pair(23, key, val);
        }
        w.bool(24, true);
        for (ctrl, path) in &self.cgroup_roots {
            let mut m = Writer::default();
            if !ctrl.is_empty() {
                m.str(1, ctrl);
            }
            m.str(2, path);
            w.message(25, m);
        }
        w.flag(26, self.rst_sibling);
        for (key, fd) in &self.inherit_fds {
            let mut m = Writer::default();
            m.str(1, key);
            m.int(2, (*fd).into());
            w.message(27, m);
        }
        w.int(34, self.cgroup_mode as i64);
        for e in &self.external {
            w.str(37, e);
        }
        if self.empty_ns != 0 {
            w.int(38, self.empty_ns.into());
        }
        for (ns, file) in &self.join_ns {
            w.pair(39, ns, file);
        }
        let strings = [
            (44, &self.freeze_cgroup),
            (51, &self.config_file),
            (53, &self.lsm_profile),
            (63, &self.lsm_mount_context),
        ];
        for (field, v) in strings {
            if let Some(v) = v {
                w.str(field, v);
            }
        }
        w.flag(46, self.tcp_skip_in_flight);
        w.flag(48, self.lazy_pages);
        w.bool(50, true);
        w
    }
}

/// A request: its kind and options, or the answer to a notification.
pub enum Request<'a> {
    Run(Kind, &'a Opts),
    /// FEATURE_CHECK for memory tracking (pre-dump) or lazy pages.
    Features {
        mem_track: bool,
        lazy_pages: bool,
    },
    NotifyDone,
}

impl Request<'_> {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            Request::Run(kind, opts) => {
                w.int(1, *kind as i64);
                w.message(2, opts.encode());
            }
            Request::Features {
                mem_track,
                lazy_pages,
            } => {
                w.int(1, Kind::FeatureCheck as i64);
                let mut f = Writer::default();
                f.flag(1, *mem_track);
                f.flag(2, *lazy_pages);
                w.message(5, f);
            }
            Request::NotifyDone => {
                w.int(1, Kind::Notify as i64);
                w.bool(3, true);
            }
        }
        w.0
    }
}

/// The parts of a criu_resp husk reads.
#[derive(Default)]
pub struct Response {
    pub kind: u64,
    pub success: bool,
    /// criu_notify: the script's name and the pid it concerns.
    pub notify: Option<(String, i32)>,
    /// criu_restore_resp's pid.
    pub restored_pid: Option<i32>,
    /// criu_features: (mem_track, lazy_pages) as the kernel and CRIU support them.
    pub features: (bool, bool),
    pub errno: i32,
    pub errmsg: Option<String>,
}

impl Response {
    pub fn decode(buf: &[u8]) -> Option<Response> {
        let mut r = Response::default();
        for (field, v) in proto::fields(buf)? {
            match (field, v) {
                (1, Value::Int(k)) => r.kind = k,
                (2, Value::Int(s)) => r.success = s != 0,
                (4, Value::Bytes(b)) => r.restored_pid = int_of(b, 1),
                (5, Value::Bytes(b)) => r.notify = Some(notify(b)?),
                (7, Value::Int(e)) => r.errno = e as i32,
                (8, Value::Bytes(b)) => {
                    r.features = (int_of(b, 1) == Some(1), int_of(b, 2) == Some(1))
                }
                (9, Value::Bytes(b)) => r.errmsg = Some(String::from_utf8_lossy(b).into()),
                _ => {}
            }
        }
        Some(r)
    }

    pub fn is(&self, kind: Kind) -> bool {
        self.kind == kind as u64
    }
}

fn notify(buf: &[u8]) -> Option<(String, i32)> {
    let mut script = String::new();
    for (field, v) in proto::fields(buf)? {
        if let (1, Value::Bytes(b)) = (field, v) {
            script = String::from_utf8_lossy(b).into();
        }
    }
    Some((script, int_of(buf, 2).unwrap_or(0)))
}

fn int_of(buf: &[u8], want: u32) -> Option<i32> {
    proto::fields(buf)?.into_iter().find_map(|(f, v)| match v {
        Value::Int(i) if f == want => Some(i as i32),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_and_its_answer() {
        let mut n = Writer::default();
        n.str(1, "orphan-pts-master");
        n.int(2, 77);
        let mut w = Writer::default();
        w.int(1, Kind::Notify as i64);
        w.bool(2, true);
        w.message(5, n);
        let r = Response::decode(&w.0).unwrap();
        assert!(r.is(Kind::Notify) && r.success);
        assert_eq!(r.notify, Some(("orphan-pts-master".into(), 77)));
        assert_eq!(Request::NotifyDone.encode(), [0x08, 6, 0x18, 1]);
    }

    #[test]
    fn options_carry_ext_mounts_and_the_cgroup_mode() {
        let opts = Opts {
            images_dir_fd: 5,
            cgroup_mode: CgroupMode::Strict,
            ext_mounts: vec![("/data".into(), "/srv".into())],
            ..Opts::default()
        };
        let req = Request::Run(Kind::Dump, &opts).encode();
        let top = proto::fields(&req).unwrap();
        assert_eq!(top[0], (1, Value::Int(1)));
        let Value::Bytes(o) = top[1].1 else { panic!() };
        let o = proto::fields(o).unwrap();
        assert_eq!(o[0], (1, Value::Int(5)));
        assert!(o.contains(&(34, Value::Int(5))));
        assert!(
            !o.iter().any(|(f, _)| [18, 46].contains(f)),
            "unset flags are left out"
        );
        let ext = o.iter().find(|(f, _)| *f == 23).unwrap();
        let Value::Bytes(ext) = ext.1 else { panic!() };
        assert_eq!(
            proto::fields(ext).unwrap(),
            [(1, Value::Bytes(b"/data")), (2, Value::Bytes(b"/srv"))]
        );
    }

    #[test]
    fn link_remap_and_tcp_skip_in_flight_are_their_own_fields() {
        let opts = Opts {
            link_remap: true,
            tcp_skip_in_flight: true,
            ..Opts::default()
        };
        let req = Request::Run(Kind::Dump, &opts).encode();
        let Value::Bytes(o) = proto::fields(&req).unwrap()[1].1 else {
            panic!()
        };
        let o = proto::fields(o).unwrap();
        // criu_opts' link_remap = 18, tcp_skip_in_flight = 46.
        assert!(o.contains(&(18, Value::Int(1))) && o.contains(&(46, Value::Int(1))));
    }
}
