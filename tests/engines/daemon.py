"""Starting and stopping the suite's own engine daemons (no systemd here)."""

import signal
import subprocess
import time

from harness import Failed, sh


class Daemon:
    def __init__(self, argv, log, ready, env=None):
        self.argv, self.log, self.ready, self.env = argv, log, ready, env
        self.proc = None

    def start(self, timeout=30):
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env=self.env,
            )
        deadline = time.monotonic() + timeout
        while sh(self.ready, timeout=10).rc != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise Failed("%s did not come up: %s" % (self.argv[0], self.last_error()))
            time.sleep(0.2)

    def last_error(self):
        """The daemon's last error line, which says why it stopped."""
        try:
            with open(self.log, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return "no log"
        errors = [l for l in lines if "level=error" in l or "level=fatal" in l or "failed to start" in l]
        return (errors or lines or ["no log output"])[-1][:400]

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
