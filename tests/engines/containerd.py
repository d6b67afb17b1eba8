"""containerd, started by the suite in the background with a private config,
root, state and socket, driven by `ctr run --runc-binary RUNTIME` through
containerd's runc v2 shim (go-runc). Some checks call the runtime directly
with the exact argv go-runc sends for what ctr cannot ask for."""

import json
import os
import shutil

from daemon import Daemon
from harness import (TRAP_TERM, Engine, Failed, Skipped, alive, cgroup_value, criu_env, expect, need_criu, ok,
                     sh, wait_for)
import image

NAMESPACE = "husk-engines"


class Containerd(Engine):
    name = "containerd"
    # The shims' sockets and ctr's fifos live there whatever the config says.
    host_paths = ("/run/containerd",)

    def __init__(self, workdir, rundir, runtimes):
        super().__init__(workdir, rundir, runtimes)
        self.sock = os.path.join(self.run, "containerd.sock")
        self.daemon = None

    def setup(self):
        for tool in ("containerd", "ctr", "containerd-shim-runc-v2"):
            if not shutil.which(tool):
                raise Skipped("%s is not installed (apt-get install containerd)" % tool)
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(self.run, exist_ok=True)
        config = os.path.join(self.dir, "config.toml")
        with open(config, "w") as f:
            f.write(
                f"""version = 2
root = "{self.dir}/root"
state = "{self.run}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "{self.sock}"
[ttrpc]
  address = "{self.sock}.ttrpc"
"""
            )
        # The shims it starts, and the runtimes they call, find CRIU on its PATH.
        self.daemon = Daemon(["containerd", "--config", config], os.path.join(self.dir, "containerd.log"),
                             ["ctr", "--address", self.sock, "version"], env=criu_env())
        self.daemon.start()
        ok(sh(self.ctr("images", "import", self.image), timeout=120))

    def shutdown(self):
        if self.daemon:
            for cid in sh(self.ctr("containers", "ls", "-q")).out.split():
                self.remove(cid)
            self.daemon.stop()

    def ctr(self, *args):
        return ["ctr", "--address", self.sock, "-n", NAMESPACE] + list(args)

    def runc_root(self, rt):
        """The root the shim passes the runtime: --runc-root plus the namespace."""
        return os.path.join(self.run, "root-" + rt.name)

    def run_args(self, rt, *args):
        return self.ctr("run", "--runc-binary", rt.path, "--runc-root", self.runc_root(rt), *args)

    def exists(self, cid):
        return sh(self.ctr("containers", "info", cid)).rc == 0

    def remove(self, cid):
        sh(self.ctr("tasks", "kill", "-s", "SIGKILL", cid))
        sh(self.ctr("tasks", "delete", "--force", cid))
        sh(self.ctr("containers", "delete", cid))

    def detached(self, rt, script="sleep 600", *args):
        cid = self.name_for(rt)
        self.logs = os.path.join(self.dir, cid + ".log")
        ok(sh(self.run_args(rt, "-d", "--log-uri", "file://" + self.logs, *args, image.NAME, cid, "sh", "-c", script)))
        return cid

    def task(self, cid):
        """(pid, status) from `ctr task ls`."""
        for line in sh(self.ctr("tasks", "ls")).out.splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == cid:
                return int(fields[1]), fields[2]
        raise Failed("ctr task ls does not list " + cid)

    def await_log(self, text):
        """Waits for text in the output of the last detached task."""
        def logged():
            return os.path.exists(self.logs) and text in open(self.logs).read()
        wait_for(logged, "%r in %s" % (text, self.logs))

    def status(self, cid, want):
        wait_for(lambda: self.task(cid)[1] == want, "task %s to be %s" % (cid, want))

    def checks(self):
        return CHECKS


def check_run_rm(c, rt):
    r = sh(c.run_args(rt, "--rm", image.NAME, c.name_for(rt), "echo", "hello from busybox"))
    expect(ok(r) == "hello from busybox\n", "payload output %r" % r.out, r)


def check_exit_code(c, rt):
    r = sh(c.run_args(rt, "--rm", image.NAME, c.name_for(rt), "sh", "-c", "exit 42"))
    expect(r.rc == 42, "ctr run exit status %s, want 42" % r.rc, r)


def check_exec(c, rt):
    cid = c.detached(rt)
    r = sh(c.ctr("tasks", "exec", "--exec-id", "probe", cid, "sh", "-c", "echo inside; exit 7"))
    expect(r.rc == 7 and r.out == "inside\n", "task exec gave %r, exit %s; want 'inside', 7" % (r.out, r.rc), r)


def check_ps(c, rt):
    cid = c.detached(rt)
    pid, _ = c.task(cid)
    out = ok(sh(c.ctr("tasks", "ps", cid)))
    pids = [int(line.split()[0]) for line in out.splitlines()[1:] if line.split()]
    expect(pids == [pid], "task ps lists %r, want the init pid %d" % (pids, pid))


def check_pause(c, rt):
    cid = c.detached(rt)
    pid, _ = c.task(cid)
    ok(sh(c.ctr("tasks", "pause", cid)))
    c.status(cid, "PAUSED")
    state = cgroup_value(pid, "freezer", "freezer.state")
    expect(state == "FROZEN", "freezer.state after pause: " + state)
    ok(sh(c.ctr("tasks", "resume", cid)))
    c.status(cid, "RUNNING")


def check_kill_term(c, rt):
    cid = c.detached(rt, TRAP_TERM)
    c.await_log("ready")
    ok(sh(c.ctr("tasks", "kill", cid)))
    c.status(cid, "STOPPED")
    expect("got-TERM" in open(c.logs).read(), "SIGTERM did not reach the payload's trap")


def check_kill_all(c, rt):
    # The container's init ignores SIGTERM (pid 1 without a handler), so the
    # task ends only if the signal reaches its child too and `wait` returns.
    cid = c.detached(rt, "sleep 600 & echo ready; wait")
    c.await_log("ready")
    ok(sh(c.ctr("tasks", "kill", "--all", cid)))
    c.status(cid, "STOPPED")


def check_kill_delete(c, rt):
    cid = c.detached(rt)
    pid, _ = c.task(cid)
    ok(sh(c.ctr("tasks", "kill", "-s", "SIGKILL", cid)))
    c.status(cid, "STOPPED")
    r = sh(c.ctr("tasks", "delete", cid))
    expect("137" in r.out + r.err or r.rc == 137, "task delete does not report status 137", r)
    ok(sh(c.ctr("containers", "delete", cid)))
    expect(not alive(pid), "pid %d outlived the task" % pid)
    expect(not rt.state_exists(os.path.join(c.runc_root(rt), NAMESPACE), cid), "the runtime kept state for " + cid)


def check_oom(c, rt):
    r = sh(c.run_args(rt, "--rm", "--memory-limit", str(32 << 20), image.NAME, c.name_for(rt), "tail", "/dev/zero"))
    expect(r.rc == 137, "exit status %s, want 137 from the OOM killer" % r.rc, r)


def go_runc(c, rt, cid, *args, input=None):
    """The runtime called as go-runc calls it for this container."""
    root = os.path.join(c.runc_root(rt), NAMESPACE)
    log = os.path.join(c.dir, "go-runc.log")
    return sh([rt.path, "--root", root, "--log", log, "--log-format", "json"] + list(args), input=input)


def check_list_json(c, rt):
    cid = c.detached(rt)
    pid, _ = c.task(cid)
    listed = json.loads(ok(go_runc(c, rt, cid, "list", "--format=json")))
    mine = [s for s in listed or [] if s.get("id") == cid]
    expect(len(mine) == 1 and mine[0].get("pid") == pid and mine[0].get("status") == "running",
           "list --format=json: %r" % mine)


def check_ps_json(c, rt):
    cid = c.detached(rt)
    pid, _ = c.task(cid)
    pids = json.loads(ok(go_runc(c, rt, cid, "ps", "--format", "json", cid)))
    expect(pids == [pid], "ps --format json: %r, want [%d]" % (pids, pid))


def check_update(c, rt):
    cid = c.detached(rt)
    pid, _ = c.task(cid)
    # Shaped as Docker's `docker update` sends it: zero means "leave as it is".
    resources = {"memory": {"limit": 96 << 20, "reservation": 0, "kernel": 0},
                 "cpu": {"shares": 0, "quota": 0, "period": 0}, "blockIO": {"weight": 0}, "pids": {"limit": 42}}
    ok(go_runc(c, rt, cid, "update", "--resources", "-", cid, input=json.dumps(resources)))
    memory = cgroup_value(pid, "memory", "memory.limit_in_bytes")
    expect(memory == str(96 << 20), "memory.limit_in_bytes after update: " + memory)
    limit = cgroup_value(pid, "pids", "pids.max")
    expect(limit == "42", "pids.max after update --resources -: " + limit)


def check_events_stats(c, rt):
    cid = c.detached(rt)
    out = ok(go_runc(c, rt, cid, "events", "--stats", cid))
    event = json.loads(out.splitlines()[0])
    expect(event.get("type") == "stats" and event.get("id") == cid and "data" in event,
           "events --stats: %r" % out[:200])


def check_checkpoint_restore(c, rt):
    # The checkpoint (the task's CRIU images, the spec and the runtime with its options) goes
    # into containerd's content store as an image; the container is then removed and made
    # again from that image alone, its task restored by the shim through the same runtime.
    need_criu()
    cid = c.detached(rt, "i=0; while true; do echo $i > /tmp/n; i=$((i+1)); sleep 0.1; done")
    def count():
        r = sh(c.ctr("tasks", "exec", "--exec-id", "count-%d" % c.serial, cid, "cat", "/tmp/n"))
        c.serial += 1
        return int(r.out.strip() or "0")
    wait_for(lambda: count() >= 50, "the counter to reach 50")
    ref = "localhost/husk-engines-checkpoint-%s:test" % rt.name
    before = count()
    ok(sh(c.ctr("containers", "checkpoint", "--task", cid, ref), timeout=120))
    c.remove(cid)
    expect(not c.exists(cid), "%s still exists after delete" % cid)
    try:
        ok(sh(c.ctr("containers", "restore", "--live", cid, ref), timeout=120))
    finally:
        sh(c.ctr("images", "rm", ref))
    c.status(cid, "RUNNING")
    expect(rt.state_exists(os.path.join(c.runc_root(rt), NAMESPACE), cid), "%s did not restore %s" % (rt.name, cid))
    after = count()
    expect(after >= before, "the counter restarted: %d at checkpoint, %d after restore" % (before, after))
    wait_for(lambda: count() > after, "the restored counter to go on")


CHECKS = [
    ("ctr run --rm, payload output", check_run_rm),
    ("ctr run: exit code", check_exit_code),
    ("run -d, task exec (exit code)", check_exec),
    ("task ps", check_ps),
    ("task pause / resume", check_pause),
    ("task kill: SIGTERM reaches the payload", check_kill_term),
    ("task kill --all", check_kill_all),
    ("task kill -s SIGKILL, delete", check_kill_delete),
    ("--memory-limit: OOM gives 137", check_oom),
    ("go-runc: list --format=json", check_list_json),
    ("go-runc: ps --format json", check_ps_json),
    ("go-runc: update --resources -", check_update),
    ("go-runc: events --stats", check_events_stats),
    ("c checkpoint --task / c restore --live", check_checkpoint_restore),
]
