"""The engine suite's shared parts: runtimes, commands, checks and the report.

A check is a function of (engine, runtime) that raises Failed with the
reason; the suite runs each check once per runtime and prints one line per
check with every runtime's result side by side.
"""

import os
import shutil
import subprocess
import sys
import time

from known import KNOWN

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HUSK = os.environ.get("HUSK") or os.path.join(REPO, "target/x86_64-unknown-linux-musl/release/husk")


class Failed(Exception):
    """A check's expectation did not hold; the message says which."""


class Skipped(Exception):
    """An engine cannot be used here; the message says why."""


# A payload that shows SIGTERM reached it; "ready" says the trap is set.
TRAP_TERM = "trap 'echo got-TERM; exit 0' TERM; echo ready; while :; do sleep 0.1; done"


class Engine:
    """The part every engine shares: private directories, container names
    unique to this run, and removing a check's containers after it."""

    name = None
    # Fixed host paths the engine makes whatever it is told (state, socket
    # and netns dirs); removed again when the suite found them absent.
    host_paths = ()
    made = ()

    def __init__(self, workdir, rundir, runtimes):
        self.dir = os.path.join(workdir, self.name)
        self.run = os.path.join(rundir, self.name)
        self.runtimes = runtimes
        self.names = []
        self.serial = 0

    def name_for(self, rt):
        self.serial += 1
        name = "husk-engines-%s-%d-%d" % (rt.name, os.getpid(), self.serial)
        self.names.append(name)
        return name

    def before_check(self):
        self.names = []

    def note_host_paths(self):
        self.made = [p for p in self.host_paths if not os.path.exists(p)]

    def teardown(self):
        """Stops the engine, then removes every private file it had and the
        host paths it made, unless something is still mounted in them."""
        self.shutdown()
        for path in (self.dir, self.run):
            unmount_under(path)
            shutil.rmtree(path, ignore_errors=True)
        for path in self.made:
            if os.path.isdir(path) and not mounts_under(path):
                if os.path.ismount(path):
                    subprocess.run(["umount", path], stderr=subprocess.DEVNULL)
                shutil.rmtree(path, ignore_errors=True)

    def after_check(self):
        """Removes the check's containers; says which could not be removed."""
        for name in self.names:
            self.remove(name)
        left = [n for n in self.names if self.exists(n)]
        return "containers left behind: " + " ".join(left) if left else None


def mounts_under(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return [p for p in (line.split()[4] for line in f) if p.startswith(path + "/")]


def unmount_under(path):
    """Lazily unmounts whatever an engine left mounted below path, deepest first."""
    for point in sorted(mounts_under(path), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], stderr=subprocess.DEVNULL)


class Runtime:
    def __init__(self, name, path):
        self.name = name
        self.path = path

    def state_exists(self, root, cid):
        """Whether the runtime still has state for cid under root."""
        argv = [self.path] + (["--root", root] if root else []) + ["state", cid]
        return subprocess.run(argv, capture_output=True).returncode == 0


def runtimes(names):
    found = []
    for name in names:
        path = HUSK if name == "husk" else shutil.which(name)
        if not path or not os.access(path, os.X_OK):
            sys.exit("engine suite: runtime %s is not installed (%s)" % (name, path or "not on PATH"))
        found.append(Runtime(name, os.path.realpath(path)))
    return found


def criu_env(env=None):
    """env (or this process's) with the CRIU scripts/test builds first on PATH, where the
    engines and runtimes look for it: Debian's CRIU cannot dump on this kernel."""
    env = dict(os.environ if env is None else env)
    criu = os.environ.get("HUSK_TEST_CRIU")
    if criu:
        env["PATH"] = os.path.dirname(criu) + ":" + env.get("PATH", "")
    return env


def need_criu():
    if not os.environ.get("HUSK_TEST_CRIU"):
        raise Failed("HUSK_TEST_CRIU is not set: scripts/test builds CRIU (scripts/criu)")


class Result:
    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err

    def describe(self):
        lines = (self.err.strip() or self.out.strip()).splitlines()
        # The error line, not the usage text that may follow it.
        text = ([l for l in lines if "rror" in l] or lines[-1:] or ["no output"])[0]
        return "`%s` exited %s: %s" % (" ".join(self.argv[-6:]), self.rc, text[:300])


def sh(argv, input=None, timeout=60, env=None):
    """Runs argv; a timeout is a result (rc None), not an exception."""
    try:
        p = subprocess.run(
            argv,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            errors="replace",
        )
        return Result(argv, p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return Result(argv, None, out, "timed out after %ss" % timeout)


def ok(r):
    """r's stdout, or Failed naming the command when it did not exit 0."""
    if r.rc != 0:
        raise Failed(r.describe())
    return r.out


def expect(cond, what, r=None):
    if not cond:
        raise Failed(what + (" (%s)" % r.describe() if r else ""))


def wait_for(probe, what, timeout=20):
    """Polls probe() until it is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed("timed out waiting for " + what)
        time.sleep(0.1)


def cgroup_dir(pid, controller):
    """The host path of pid's cgroup in a v1 controller's hierarchy."""
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                return "/sys/fs/cgroup/%s%s" % (controller, path)
    raise Failed("pid %d is in no %s cgroup" % (pid, controller))


def cgroup_value(pid, controller, name):
    with open(os.path.join(cgroup_dir(pid, controller), name)) as f:
        return f.read().strip()


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


class Report:
    def __init__(self, runtimes):
        self.runtimes = runtimes
        self.passed = self.failed = self.known = 0
        self.tally = {rt.name: [0, 0] for rt in runtimes}
        self.skips = []

    def skip(self, engine, reason):
        self.skips.append(engine)
        print("SKIP  %-10s %s" % (engine, reason), flush=True)

    def setup_failed(self, engine, reason):
        self.failed += 1
        print("FAIL  %-10s could not be set up: %s" % (engine, reason), flush=True)

    def run(self, engine, title, check):
        results = []
        for rt in self.runtimes:
            start = time.monotonic()
            try:
                engine.before_check()
                check(engine, rt)
                error = None
            except Failed as e:
                error = str(e)
            except Exception as e:  # a harness bug in one check must not stop the suite
                error = "%s: %s" % (type(e).__name__, e)
            finally:
                cleanup_error = engine.after_check()
            if error is None and cleanup_error:
                error = "cleanup: " + cleanup_error
            results.append((rt, error, time.monotonic() - start))
        self.record(engine, title, results)

    def record(self, engine, title, results):
        good = all(error is None for _, error, _ in results)
        known = KNOWN.get((engine.name, title))
        # Known: a husk feature another issue is still building, listed by
        # title; only husk may fail such a check, every other runtime passes.
        excused = not good and known and all(error is None or rt.name == "husk" for rt, error, _ in results)
        verdict = "PASS" if good else "XFAIL" if excused else "FAIL"
        self.passed += good
        self.known += bool(excused)
        self.failed += not good and not excused
        cells = []
        for rt, error, took in results:
            self.tally[rt.name][error is not None] += 1
            cells.append("%s %s %4.1fs" % (rt.name, "ok  " if error is None else "FAIL", took))
        print("%-5s %-10s %-44s %s" % (verdict, engine.name, title, "   ".join(cells)), flush=True)
        for rt, error, _ in results:
            if error is not None:
                print("      %s: %s" % (rt.name, error.replace("\n", "\\n")), flush=True)
        if known:
            print("      known: %s%s" % (known, "" if excused else " (passes now: drop it from KNOWN)"), flush=True)

    def summary(self):
        print()
        for name, (good, bad) in self.tally.items():
            print("%s: %d of %d checks passed" % (name, good, good + bad))
        if self.skips:
            print("skipped engines: " + ", ".join(self.skips))
        if self.known:
            print("%d known failures of husk (XFAIL, each naming the issue that builds it)" % self.known)
        print("%d passed, %d failed" % (self.passed, self.failed))
        return self.failed == 0
