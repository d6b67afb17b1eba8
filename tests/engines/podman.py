"""podman with conmon, configured privately: storage, run root, events and
containers.conf all live under the suite's own directories, so nothing in
/etc/containers is read or changed, and podman runs in a network namespace
of the suite's own, so the default network's bridge, iptables rules and
ip_forward setting go away with it."""

import json
import os
import shutil
import time

from harness import (TRAP_TERM, Engine, Failed, Skipped, alive, cgroup_value, criu_env, expect, need_criu, ok,
                     sh, wait_for)
import image

SECCOMP_DENY_MKDIR = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
}

# containers.conf names the default set, so the expected mask comes from
# here and not from what some runtime happened to give.
DEFAULT_CAPS = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE",
                "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]
CAP_BITS = {"CHOWN": 0, "DAC_OVERRIDE": 1, "FOWNER": 3, "FSETID": 4, "KILL": 5, "SETGID": 6,
            "SETUID": 7, "SETPCAP": 8, "NET_BIND_SERVICE": 10, "SYS_CHROOT": 18, "SETFCAP": 31}

class Podman(Engine):
    name = "podman"
    # The lock-file dir appears whatever network_config_dir says; netavark
    # keeps its IPAM db in /run/containers and container netns in /run/netns.
    host_paths = ("/etc/containers/networks", "/run/containers", "/run/netns")

    def setup(self):
        if not shutil.which("podman") or not shutil.which("conmon"):
            raise Skipped("podman or conmon is not installed (apt-get install podman conmon)")
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(self.run, exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(self.containers_conf())
        self.seccomp = os.path.join(self.dir, "deny-mkdir.json")
        with open(self.seccomp, "w") as f:
            json.dump(SECCOMP_DENY_MKDIR, f)
        open(self.netns, "w").close()
        ok(sh(["unshare", "--net=" + self.netns, "ip", "link", "set", "lo", "up"]))
        ok(sh(self.podman("load", "-i", self.image), timeout=120))

    @property
    def conf(self):
        return os.path.join(self.dir, "containers.conf")

    @property
    def netns(self):
        """A bind mount that keeps the suite's network namespace; teardown unmounts it."""
        return os.path.join(self.run, "netns")

    def containers_conf(self):
        # This machine has no CAP_SYS_RESOURCE and a nofile hard limit of
        # 20000: podman's default of 1048576 could not be set by any runtime.
        runtimes = "\n".join('%s = ["%s"]' % (rt.name, rt.path) for rt in self.runtimes)
        supports_json = ", ".join('"%s"' % rt.name for rt in self.runtimes)
        caps = ", ".join('"%s"' % c for c in DEFAULT_CAPS)
        return f"""[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
default_capabilities = [{caps}]
log_driver = "k8s-file"

[network]
network_config_dir = "{self.dir}/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{self.dir}/events.log"
tmp_dir = "{self.run}/tmp"
volume_path = "{self.dir}/volumes"
runtime_supports_json = [{supports_json}]

[engine.runtimes]
{runtimes}
"""

    def env(self):
        env = criu_env()
        env["CONTAINERS_CONF"] = self.conf
        return env

    def podman(self, *args, runtime=None):
        argv = ["nsenter", "--net=" + self.netns, "podman", "--root", os.path.join(self.dir, "storage"), "--runroot", self.run + "/storage",
                "--storage-driver", "overlay"]
        if runtime:
            argv += ["--runtime", runtime]
        return argv + list(args)

    def sh(self, rt, *args, input=None, timeout=60, runtime=None):
        return sh(self.podman(*args, runtime=runtime or rt.name), input=input, timeout=timeout, env=self.env())

    def remove(self, name):
        sh(self.podman("rm", "-f", "-i", "-t", "0", name), env=self.env())

    def exists(self, name):
        return sh(self.podman("container", "exists", name), env=self.env()).rc != 1

    def shutdown(self):
        if os.path.ismount(self.netns):
            sh(self.podman("rm", "-a", "-f", "-t", "0"), env=self.env(), timeout=120)
            sh(self.podman("system", "reset", "-f"), env=self.env(), timeout=120)
        # conmon runs `podman container cleanup` when a container exits; let
        # those finish before the host paths they touch are removed.
        storage = os.path.join(self.dir, "storage")
        try:
            wait_for(lambda: not processes_mentioning(storage), "podman cleanup processes to finish")
        except Failed:
            pass

    # Helpers the checks share.

    def detached(self, rt, *args, script="sleep 600"):
        name = self.name_for(rt)
        ok(self.sh(rt, "run", "-d", "--name", name, *args, image.NAME, "sh", "-c", script))
        return name

    def pid(self, rt, name):
        out = ok(self.sh(rt, "inspect", "--format", "{{.State.Pid}}", name)).strip()
        expect(out.isdigit() and int(out) > 0, "inspect gave no pid: %r" % out)
        return int(out)

    def inspect(self, rt, name, field):
        return ok(self.sh(rt, "inspect", "--format", "{{%s}}" % field, name)).strip()

    def await_log(self, rt, name, text):
        wait_for(lambda: text in self.sh(rt, "logs", name).out, "%r in the logs of %s" % (text, name))

    def checks(self):
        return CHECKS


def processes_mentioning(text):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if text.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def payload(engine, rt, *args, input=None):
    """`podman run --rm IMAGE ARGS...` under rt."""
    return engine.sh(rt, "run", "--rm", "--name", engine.name_for(rt), *args, input=input)


def check_run_rm(p, rt):
    name = p.name_for(rt)
    r = p.sh(rt, "run", "--rm", "--name", name, image.NAME, "echo", "hello from busybox")
    expect(ok(r) == "hello from busybox\n", "payload output %r" % r.out, r)
    gone = p.sh(rt, "ps", "-a", "-q", "--filter", "name=^%s$" % name)
    expect(gone.out.strip() == "", "--rm left the container: %r" % gone.out)


def check_runtime_by_path(p, rt):
    r = p.sh(rt, "run", "--rm", "--name", p.name_for(rt), image.NAME, "echo", "by path", runtime=rt.path)
    expect(ok(r) == "by path\n", "payload output %r" % r.out, r)


def check_process_flags(p, rt):
    r = payload(p, rt, "--user", "1000:1000", "-w", "/tmp", "-e", "GREETING=hi", "--hostname", "boxhost",
                image.NAME, "sh", "-c", 'echo "$(id -u) $(id -g) $(pwd) $GREETING $(hostname)"')
    expect(ok(r) == "1000 1000 /tmp hi boxhost\n", "--user, -w, -e, --hostname gave %r" % r.out, r)


def check_volume(p, rt):
    data = os.path.join(p.dir, "volume-" + rt.name)
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "file"), "w") as f:
        f.write("from the host\n")
    r = payload(p, rt, "-v", data + ":/data:ro", image.NAME, "sh", "-c", "cat /data/file; touch /data/new")
    expect(r.out == "from the host\n" and "Read-only file system" in r.err, "a :ro bind mount", r)
    r = payload(p, rt, "-v", data + ":/data", image.NAME, "sh", "-c", "echo written > /data/back")
    ok(r)
    with open(os.path.join(data, "back")) as f:
        expect(f.read() == "written\n", "a write through the bind mount did not reach the host")


def check_exit_code(p, rt):
    r = payload(p, rt, image.NAME, "sh", "-c", "exit 42")
    expect(r.rc == 42, "exit status %s, want 42" % r.rc, r)


def check_missing_command(p, rt):
    r = payload(p, rt, image.NAME, "/no/such/binary")
    expect(r.rc == 127, "exit status %s, want 127" % r.rc, r)
    expect("/no/such/binary" in r.err, "the error does not name the command: %r" % r.err.strip())
    expect("invalid character" not in r.err, "podman could not parse the runtime's log: %r" % r.err.strip())


def check_stdin(p, rt):
    r = payload(p, rt, "-i", image.NAME, "tr", "a-z", "A-Z", input="piped through\n")
    expect(ok(r) == "PIPED THROUGH\n", "stdin did not reach the payload: %r" % r.out, r)


def check_exec(p, rt):
    name = p.detached(rt)
    r = p.sh(rt, "exec", name, "sh", "-c", "echo inside; exit 7")
    expect(r.rc == 7 and r.out == "inside\n", "exec gave %r, exit %s; want 'inside', 7" % (r.out, r.rc), r)
    r = p.sh(rt, "exec", "-i", name, "cat", input="exec stdin\n")
    expect(ok(r) == "exec stdin\n", "exec -i stdin: %r" % r.out, r)


def check_inspect(p, rt):
    name = p.detached(rt)
    status = p.inspect(rt, name, ".State.Status")
    expect(status == "running", "inspect status %r" % status)
    pid = p.pid(rt, name)
    with open("/proc/%d/cmdline" % pid) as f:
        cmdline = f.read().split("\0")
    expect(cmdline[:2] == ["sleep", "600"], "the inspected pid %d runs %r, not the payload" % (pid, cmdline))


def check_logs(p, rt):
    name = p.name_for(rt)
    ok(p.sh(rt, "run", "-d", "--name", name, image.NAME, "sh", "-c", "echo to-stdout; echo to-stderr >&2"))
    r = p.sh(rt, "wait", name)
    expect(ok(r).strip() == "0", "wait gave %r" % r.out)
    logs = p.sh(rt, "logs", name)
    both = logs.out + logs.err
    expect("to-stdout" in both and "to-stderr" in both, "logs: %r" % both)


def check_stop(p, rt):
    name = p.detached(rt, script=TRAP_TERM)
    p.await_log(rt, name, "ready")
    start = time.monotonic()
    ok(p.sh(rt, "stop", "-t", "30", name))
    took = time.monotonic() - start
    expect(took < 10, "stop took %.1fs: SIGTERM did not end the payload" % took)
    code = p.inspect(rt, name, ".State.ExitCode")
    expect(code == "0", "exit code %s, want 0 from the TERM trap" % code)
    expect("got-TERM" in p.sh(rt, "logs", name).out, "the payload's TERM trap did not run")


def check_kill(p, rt):
    name = p.detached(rt)
    ok(p.sh(rt, "kill", "-s", "KILL", name))
    r = p.sh(rt, "wait", name)
    expect(ok(r).strip() == "137", "wait after kill -s KILL gave %r, want 137" % r.out)


def check_rm_force(p, rt):
    name = p.detached(rt)
    pid = p.pid(rt, name)
    cid = p.inspect(rt, name, ".Id")
    ok(p.sh(rt, "rm", "-f", "-t", "0", name))
    expect(not alive(pid), "the payload pid %d outlived rm -f" % pid)
    expect(not rt.state_exists(None, cid), "%s still has state for %s" % (rt.name, cid))


def freezer_state(pid):
    return cgroup_value(pid, "freezer", "freezer.state")


def check_pause(p, rt):
    name = p.detached(rt)
    pid = p.pid(rt, name)
    ok(p.sh(rt, "pause", name))
    status = p.inspect(rt, name, ".State.Status")
    expect(status == "paused", "status after pause %r" % status)
    expect(freezer_state(pid) == "FROZEN", "freezer.state after pause: %s" % freezer_state(pid))
    ok(p.sh(rt, "unpause", name))
    status = p.inspect(rt, name, ".State.Status")
    expect(status == "running", "status after unpause %r" % status)
    expect(freezer_state(pid) == "THAWED", "freezer.state after unpause: %s" % freezer_state(pid))


def check_top(p, rt):
    name = p.detached(rt)
    out = ok(p.sh(rt, "top", name, "pid", "args"))
    expect("sleep 600" in out, "top does not list the payload: %r" % out)


def check_tty(p, rt):
    r = payload(p, rt, "-t", image.NAME, "sh", "-c", "tty; test -t 1 && echo stdout-is-a-tty")
    out = ok(r).replace("\r", "")
    expect(out.startswith("/dev/pts/") and "stdout-is-a-tty" in out, "payload output %r" % out, r)


def check_exec_tty(p, rt):
    name = p.detached(rt)
    r = p.sh(rt, "exec", "-it", name, "sh", input="tty; exit 3\n")
    expect(r.rc == 3, "exec -it exit status %s, want 3" % r.rc, r)
    expect("/dev/pts/" in r.out, "exec -it has no terminal: %r" % r.out)


def check_memory(p, rt):
    name = p.detached(rt, "--memory", "64m")
    limit = cgroup_value(p.pid(rt, name), "memory", "memory.limit_in_bytes")
    expect(limit == str(64 << 20), "memory.limit_in_bytes %s, want %d" % (limit, 64 << 20))


def check_oom(p, rt):
    # tail keeps a whole line in memory, and /dev/zero has no newline.
    r = payload(p, rt, "--memory", "32m", "--memory-swap", "32m", image.NAME, "tail", "/dev/zero")
    expect(r.rc == 137, "exit status %s, want 137 from the OOM killer" % r.rc, r)


def check_pids_limit(p, rt):
    name = p.detached(rt, "--pids-limit", "10")
    limit = cgroup_value(p.pid(rt, name), "pids", "pids.max")
    expect(limit == "10", "pids.max %s, want 10" % limit)
    r = p.sh(rt, "exec", name, "sh", "-c", "for i in $(seq 20); do sleep 30 & done 2>&1")
    expect("can't fork" in r.out + r.err, "20 forks in a 10-pid container all worked", r)


def check_cpus(p, rt):
    pid = p.pid(rt, p.detached(rt, "--cpus", "0.5"))
    quota, period = cgroup_value(pid, "cpu", "cpu.cfs_quota_us"), cgroup_value(pid, "cpu", "cpu.cfs_period_us")
    expect(int(quota) * 2 == int(period), "cfs quota %s over period %s is not 0.5" % (quota, period))


def check_read_only(p, rt):
    r = payload(p, rt, "--read-only", image.NAME, "sh", "-c", "touch /tmp/ok && touch /etc/nope")
    expect(r.rc != 0 and "Read-only file system" in r.err, "writing /etc of a --read-only container", r)
    r = payload(p, rt, "--read-only", image.NAME, "touch", "/tmp/ok")
    ok(r)


def cap_eff(p, rt, *args):
    out = ok(payload(p, rt, *args, image.NAME, "grep", "CapEff", "/proc/self/status"))
    return int(out.split()[1], 16)


def check_caps(p, rt):
    want = sum(1 << CAP_BITS[c] for c in DEFAULT_CAPS)
    got = cap_eff(p, rt)
    expect(got == want, "default CapEff %x, want %x" % (got, want))
    got = cap_eff(p, rt, "--cap-drop", "all")
    expect(got == 0, "--cap-drop all left CapEff %x" % got)


def check_seccomp_default(p, rt):
    out = ok(payload(p, rt, image.NAME, "grep", "Seccomp:", "/proc/self/status"))
    expect(out.split()[1] == "2", "podman's default profile is not in force: %r" % out)


def check_seccomp_profile(p, rt):
    r = payload(p, rt, "--security-opt", "seccomp=" + p.seccomp, image.NAME, "mkdir", "/tmp/denied")
    expect(r.rc != 0 and "Operation not permitted" in r.err, "mkdir under a profile that denies it", r)
    r = payload(p, rt, "--security-opt", "seccomp=unconfined", image.NAME, "grep", "Seccomp:", "/proc/self/status")
    expect(ok(r).split()[1] == "0", "seccomp=unconfined still filters: %r" % r.out)


def check_uidmap(p, rt):
    r = payload(p, rt, "--uidmap", "0:200000:65536", "--gidmap", "0:200000:65536", image.NAME,
                "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u")
    lines = [l.split() for l in ok(r).splitlines()]
    expect(lines == [["0", "200000", "65536"]] * 2 + [["0"]], "maps and uid: %r" % r.out)


def check_userns_auto(p, rt):
    r = payload(p, rt, "--userns=auto", image.NAME, "cat", "/proc/self/uid_map")
    fields = ok(r).split()
    expect(len(fields) == 3 and fields[0] == "0" and fields[1] != "0", "uid_map under --userns=auto: %r" % r.out)


def check_network_none(p, rt):
    out = ok(payload(p, rt, "--network", "none", image.NAME, "cat", "/proc/net/dev"))
    links = sorted(line.split(":")[0].strip() for line in out.splitlines()[2:])
    expect(links == ["lo"], "links with --network none: %r" % links)


def check_network_default(p, rt):
    out = ok(payload(p, rt, image.NAME, "ip", "-4", "addr", "show", "eth0"))
    expect("inet 10.88." in out, "no address from podman's default network: %r" % out)


def check_checkpoint_probe(p, rt):
    # podman asks `RUNTIME checkpoint --help` and only then calls checkpoint; a
    # runtime without it must be refused cleanly, leaving the container running.
    supports = sh([rt.path, "checkpoint", "--help"]).rc == 0
    name = p.detached(rt)
    r = p.sh(rt, "container", "checkpoint", name, timeout=60)
    if not supports:
        expect(r.rc != 0 and "does not support checkpoint" in r.err, "podman's refusal", r)
    status = p.inspect(rt, name, ".State.Status")
    expect(status in ("running", "exited"), "status after a checkpoint attempt: %r" % status)


def counting(p, rt):
    """A detached counter that writes its number to /tmp/n; also how to read it."""
    need_criu()
    name = p.detached(rt, "--network", "none",
                      script="i=0; while true; do echo $i > /tmp/n; i=$((i+1)); sleep 0.1; done")
    count = lambda: int(p.sh(rt, "exec", name, "cat", "/tmp/n").out.strip() or "0")
    wait_for(lambda: count() >= 50, "the counter to reach 50")
    return name, count


def check_checkpoint_restore(p, rt):
    # podman drives `checkpoint` and `restore` itself (its own --work-path, pid file and
    # stdio); the restored payload must go on from where it was, not start again.
    name, count = counting(p, rt)
    before = count()
    ok(p.sh(rt, "container", "checkpoint", name, timeout=120))
    expect(p.inspect(rt, name, ".State.Status") == "exited", "status after checkpoint")
    ok(p.sh(rt, "container", "restore", name, timeout=120))
    expect(p.inspect(rt, name, ".State.Status") == "running", "status after restore")
    after = count()
    expect(after >= before, "the counter restarted: %d before checkpoint, %d after restore" % (before, after))
    wait_for(lambda: count() > after, "the restored counter to go on")


def check_checkpoint_export_import(p, rt):
    # Migration: the checkpoint leaves as one archive, the container is removed, and
    # `restore --import` makes it again from the archive alone.
    name, count = counting(p, rt)
    before = count()
    archive = os.path.join(p.dir, "export-%s.tar.gz" % rt.name)
    ok(p.sh(rt, "container", "checkpoint", "--export", archive, name, timeout=120))
    ok(p.sh(rt, "rm", "-f", name))
    expect(not p.exists(name), "%s still exists after rm" % name)
    ok(p.sh(rt, "container", "restore", "--import", archive, timeout=120))
    expect(p.inspect(rt, name, ".State.Status") == "running", "status after restore --import")
    cid = p.inspect(rt, name, ".Id")
    expect(rt.state_exists(None, cid), "%s did not restore %s" % (rt.name, cid))
    after = count()
    expect(after >= before, "the counter restarted: %d before checkpoint, %d after import" % (before, after))
    wait_for(lambda: count() > after, "the imported counter to go on")


def check_version_probe(p, rt):
    out = ok(p.sh(rt, "info", "--format", "{{.Host.OCIRuntime.Version}}"))
    expect(out.startswith(rt.name + " version "), "podman info reports %r" % out.strip())


CHECKS = [
    ("run --rm, payload output", check_run_rm),
    ("--runtime given as a path", check_runtime_by_path),
    ("exit code", check_exit_code),
    ("--user, -w, -e, --hostname", check_process_flags),
    ("-v bind mounts, :ro", check_volume),
    ("missing command: 127 and the error", check_missing_command),
    ("stdin with -i", check_stdin),
    ("-d then exec (exit code, exec -i)", check_exec),
    ("inspect: status and pid", check_inspect),
    ("logs", check_logs),
    ("stop: SIGTERM reaches the payload", check_stop),
    ("kill -s KILL: 137", check_kill),
    ("rm -f of a running container", check_rm_force),
    ("pause / unpause", check_pause),
    ("top", check_top),
    ("run -t", check_tty),
    ("exec -it", check_exec_tty),
    ("--memory sets the cgroup limit", check_memory),
    ("--memory: OOM gives 137", check_oom),
    ("--pids-limit", check_pids_limit),
    ("--cpus", check_cpus),
    ("--read-only", check_read_only),
    ("default caps, --cap-drop all", check_caps),
    ("default seccomp profile", check_seccomp_default),
    ("--security-opt seccomp=FILE / unconfined", check_seccomp_profile),
    ("--uidmap / --gidmap", check_uidmap),
    ("--userns=auto", check_userns_auto),
    ("--network none", check_network_none),
    ("default network", check_network_default),
    ("checkpoint --help probe", check_checkpoint_probe),
    ("container checkpoint / restore", check_checkpoint_restore),
    ("checkpoint --export / restore --import", check_checkpoint_export_import),
    ("info: runtime version probe", check_version_probe),
]
