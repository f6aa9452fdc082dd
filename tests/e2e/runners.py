"""Helpers for tests that run several `freshet run` processes at once: a shared
simulated timeline, runner processes whose JSON logs are read as they come,
and a watcher that checks CURRENT never moves backwards."""
import datetime as dt
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from conftest import binary_for


class Timeline:
    """Simulated time shared by every process of a test. A `sim:` clock starts
    where it is told when its process starts; giving each process the
    timeline's current instant keeps all of them (to a few milliseconds of wall
    time) on one time line, so that a lease written by one runner expires on
    time for the others."""

    def __init__(self, start_s, speed):
        self.start_s = start_s
        self.speed = speed
        self.wall0 = time.time()

    def now_s(self):
        return self.start_s + (time.time() - self.wall0) * self.speed

    def spec(self):
        t = dt.datetime.fromtimestamp(self.now_s(), dt.timezone.utc)
        return "sim:" + t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") + f":{self.speed:g}"

    def wait_until(self, t_s):
        """Sleeps until the timeline reaches `t_s`."""
        left = (t_s - self.now_s()) / self.speed
        if left > 0:
            time.sleep(left)


class Runner:
    """A `freshet run` process (continuous loop) whose JSON log events are
    collected as they are written."""

    def __init__(self, ws, holder, timeline, env=None, extra=()):
        self.holder = holder
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [binary_for(full_env), "run", "--config", str(ws.config), "--clock", timeline.spec(),
             "--holder",
             holder, "--log-format", "json", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=full_env)
        self.events = []
        self.lines = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stderr:
            with self._lock:
                self.lines.append(line.rstrip("\n"))
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    pass  # the final "freshet: ..." error line is plain text

    def named(self, event):
        with self._lock:
            return [e for e in self.events if e.get("event") == event]

    def wait_event(self, event, timeout=30.0, count=1, where=lambda e: True):
        """The `count`-th `event` matching `where`; fails after `timeout` seconds."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [e for e in self.named(event) if where(e)]
            if len(found) >= count:
                return found[count - 1]
            if self.proc.poll() is not None:
                self._reader.join(timeout=5)
                found = [e for e in self.named(event) if where(e)]
                if len(found) >= count:
                    return found[count - 1]
                raise AssertionError(f"{self.holder} exited {self.proc.returncode} before "
                                     f"'{event}'\n{self.log()}")
            time.sleep(0.02)
        raise AssertionError(f"{self.holder}: no '{event}' within {timeout}s\n{self.log()}")

    def log(self):
        with self._lock:
            return "\n".join(self.lines[-60:])

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        """SIGTERM (finish the batch, release the lease); returns the exit code."""
        if self.alive():
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
        return self.wait(timeout)

    def wait(self, timeout=30):
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def kill(self):
        if self.alive():
            self.proc.kill()
        self.proc.wait(timeout=10)


def manifest_version(key):
    """The version in a manifest key: manifests/<version:20>-e<epoch>.json."""
    return int(Path(key).name.split("-e")[0])


class CurrentWatcher(threading.Thread):
    """Reads OUTPUT/CURRENT in a loop and records every key seen; `check()`
    asserts the served version never went backwards and every key named an
    existing manifest."""

    def __init__(self, ws, interval=0.01):
        super().__init__(daemon=True)
        self.path = ws.path / "index" / "CURRENT"
        self.index = ws.path / "index"
        self.interval = interval
        self.halt = threading.Event()
        self.seen = []
        self.problems = []

    def run(self):
        while not self.halt.is_set():
            try:
                key = self.path.read_text().strip()
            except OSError:
                key = None
            if key and (not self.seen or self.seen[-1] != key):
                self.seen.append(key)
                if not (self.index / key).exists():
                    self.problems.append(f"CURRENT names a missing manifest {key}")
            time.sleep(self.interval)

    def check(self):
        self.halt.set()
        self.join()
        versions = [manifest_version(k) for k in self.seen]
        assert versions == sorted(versions), f"CURRENT went backwards: {self.seen}"
        assert not self.problems, self.problems
        return versions
