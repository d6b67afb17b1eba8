"""Docker: a private dockerd (its own data root, exec root, socket and
managed containerd) with `--add-runtime husk=PATH`, no bridge, no
iptables rules and no ip_forward change, driven by Debian's docker client."""

import os
import shutil
import time

from daemon import Daemon
from harness import TRAP_TERM, Engine, Skipped, alive, cgroup_value, expect, ok, sh, wait_for
import image

# Debian's client; another `docker` earlier on PATH may not be Debian's.
CLIENT = "/usr/bin/docker"


class Docker(Engine):
    name = "docker"
    # dockerd's plugin dir and its containerd's shim sockets are fixed.
    host_paths = ("/run/docker", "/run/containerd")

    def __init__(self, workdir, rundir, runtimes):
        super().__init__(workdir, rundir, runtimes)
        self.host = "unix://" + os.path.join(rundir, "docker.sock")
        self.daemon = None

    def setup(self):
        if not shutil.which("dockerd") or not os.access(CLIENT, os.X_OK):
            raise Skipped("dockerd or %s is not installed (apt-get install docker.io)" % CLIENT)
        os.makedirs(self.dir, exist_ok=True)
        argv = ["dockerd", "--data-root", os.path.join(self.dir, "root"), "--exec-root", self.run,
                "--pidfile", self.run + ".pid", "-H", self.host, "--bridge", "none", "--iptables=false",
                "--ip-masq=false", "--ip-forward=false", "--default-ulimit", "nofile=20000:20000"]
        for rt in self.runtimes:
            if rt.name != "runc":  # dockerd's built-in runc is the one on PATH
                argv += ["--add-runtime", "%s=%s" % (rt.name, rt.path)]
        self.daemon = Daemon(argv, os.path.join(self.dir, "dockerd.log"), [CLIENT, "-H", self.host, "info"])
        self.daemon.start(timeout=60)
        ok(sh(self.docker("load", "-i", self.image), timeout=120))

    def shutdown(self):
        if self.daemon:
            ids = sh(self.docker("ps", "-a", "-q")).out.split()
            if ids:
                sh(self.docker("rm", "-f", *ids), timeout=120)
            self.daemon.stop()

    def docker(self, *args):
        return [CLIENT, "-H", self.host] + list(args)

    def sh(self, *args, input=None, timeout=60):
        return sh(self.docker(*args), input=input, timeout=timeout)

    def remove(self, name):
        sh(self.docker("rm", "-f", name))

    def exists(self, name):
        return sh(self.docker("inspect", name)).rc == 0

    def payload(self, rt, *args, input=None):
        return self.sh("run", "--rm", "--runtime", rt.name, "--network", "none", "--name", self.name_for(rt),
                       *args, input=input)

    def detached(self, rt, *args, script="sleep 600"):
        name = self.name_for(rt)
        ok(self.sh("run", "-d", "--runtime", rt.name, "--network", "none", "--name", name, *args, image.NAME,
                   "sh", "-c", script))
        return name

    def inspect(self, name, field):
        return ok(self.sh("inspect", "--format", "{{%s}}" % field, name)).strip()

    def pid(self, name):
        return int(self.inspect(name, ".State.Pid"))

    def checks(self):
        return CHECKS


def check_run_rm(d, rt):
    r = d.payload(rt, image.NAME, "echo", "hello from busybox")
    expect(ok(r) == "hello from busybox\n", "payload output %r" % r.out, r)


def check_exit_code(d, rt):
    r = d.payload(rt, image.NAME, "sh", "-c", "exit 42")
    expect(r.rc == 42, "exit status %s, want 42" % r.rc, r)


def check_stdin(d, rt):
    r = d.payload(rt, "-i", image.NAME, "tr", "a-z", "A-Z", input="piped through\n")
    expect(ok(r) == "PIPED THROUGH\n", "stdin did not reach the payload: %r" % r.out, r)


def check_exec(d, rt):
    name = d.detached(rt)
    r = d.sh("exec", name, "sh", "-c", "echo inside; exit 7")
    expect(r.rc == 7 and r.out == "inside\n", "exec gave %r, exit %s; want 'inside', 7" % (r.out, r.rc), r)


def check_logs(d, rt):
    name = d.name_for(rt)
    ok(d.sh("run", "-d", "--runtime", rt.name, "--network", "none", "--name", name, image.NAME, "sh", "-c",
            "echo to-stdout; echo to-stderr >&2"))
    expect(ok(d.sh("wait", name)).strip() == "0", "docker wait did not report 0")
    logs = d.sh("logs", name)
    expect("to-stdout" in logs.out and "to-stderr" in logs.err, "logs: %r / %r" % (logs.out, logs.err))


def check_stop(d, rt):
    name = d.detached(rt, script=TRAP_TERM)
    wait_for(lambda: "ready" in d.sh("logs", name).out, "the payload's ready line")
    start = time.monotonic()
    ok(d.sh("stop", "-t", "30", name))
    took = time.monotonic() - start
    expect(took < 10, "stop took %.1fs: SIGTERM did not end the payload" % took)
    expect(d.inspect(name, ".State.ExitCode") == "0", "exit code is not the TERM trap's 0")
    expect("got-TERM" in d.sh("logs", name).out, "the payload's TERM trap did not run")


def check_kill(d, rt):
    name = d.detached(rt)
    ok(d.sh("kill", name))
    r = d.sh("wait", name)
    expect(ok(r).strip() == "137", "wait after kill gave %r, want 137" % r.out)


def check_rm_force(d, rt):
    name = d.detached(rt)
    pid = d.pid(name)
    ok(d.sh("rm", "-f", name))
    expect(not alive(pid), "the payload pid %d outlived rm -f" % pid)


def check_pause(d, rt):
    name = d.detached(rt)
    pid = d.pid(name)
    ok(d.sh("pause", name))
    expect(d.inspect(name, ".State.Status") == "paused", "status after pause is not paused")
    state = cgroup_value(pid, "freezer", "freezer.state")
    expect(state == "FROZEN", "freezer.state after pause: " + state)
    ok(d.sh("unpause", name))
    expect(d.inspect(name, ".State.Status") == "running", "status after unpause is not running")


def check_top(d, rt):
    name = d.detached(rt)
    out = ok(d.sh("top", name))
    expect("sleep 600" in out, "top does not list the payload: %r" % out)


def check_tty(d, rt):
    r = d.payload(rt, "-t", image.NAME, "sh", "-c", "tty; test -t 1 && echo stdout-is-a-tty")
    out = ok(r).replace("\r", "")
    expect(out.startswith("/dev/pts/") and "stdout-is-a-tty" in out, "payload output %r" % out, r)


def check_update(d, rt):
    name = d.detached(rt, "--memory", "64m")
    ok(d.sh("update", "--memory", "96m", "--memory-swap", "-1", name))
    limit = cgroup_value(d.pid(name), "memory", "memory.limit_in_bytes")
    expect(limit == str(96 << 20), "memory.limit_in_bytes after update: %s, want %d" % (limit, 96 << 20))


def check_oom(d, rt):
    r = d.payload(rt, "--memory", "32m", "--memory-swap", "32m", image.NAME, "tail", "/dev/zero")
    expect(r.rc == 137, "exit status %s, want 137 from the OOM killer" % r.rc, r)


def check_seccomp_default(d, rt):
    out = ok(d.payload(rt, image.NAME, "grep", "Seccomp:", "/proc/self/status"))
    expect(out.split()[1] == "2", "Docker's default profile is not in force: %r" % out)


CHECKS = [
    ("run --rm, payload output", check_run_rm),
    ("exit code", check_exit_code),
    ("stdin with -i", check_stdin),
    ("-d then exec (exit code)", check_exec),
    ("logs", check_logs),
    ("stop: SIGTERM reaches the payload", check_stop),
    ("kill: 137", check_kill),
    ("rm -f of a running container", check_rm_force),
    ("pause / unpause", check_pause),
    ("top", check_top),
    ("run -t", check_tty),
    ("update --memory", check_update),
    ("--memory: OOM gives 137", check_oom),
    ("default seccomp profile", check_seccomp_default),
]
