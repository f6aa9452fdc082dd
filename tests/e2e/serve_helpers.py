"""Helpers for the tests of `freshet serve`: start the real server on a free
loopback port, talk HTTP to it, stop it with SIGTERM; and a marker pipeline
whose every generation tags all of its docs with its batch."""
import http.client
import json
import os
import signal
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from conftest import FRESHET

START_S = 1777888800  # 2026-05-04T10:00:00Z
PERIOD_S = 300


class Server:
    """A `freshet serve` (or `freshet run --metrics-addr`) process on 127.0.0.1:0."""

    def __init__(self, args, ready_event="serving", port_key="port", env=None):
        self.proc = subprocess.Popen([FRESHET, *args, "--log-format", "json"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        self.log = []
        self.port = None
        found = threading.Event()

        def read():
            for line in self.proc.stderr:
                self.log.append(line)
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("event") == ready_event and self.port is None:
                    self.port = int(str(event[port_key]).rsplit(":", 1)[-1])
                    self.address = event.get("address")
                    found.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        if not found.wait(30):
            self.proc.kill()
            raise AssertionError(f"no '{ready_event}' log line:\n{''.join(self.log)}")

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(self, method, path, body=None, headers=None):
        """Returns (status, parsed JSON or text body)."""
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read().decode()
            ctype = resp.getheader("Content-Type", "")
            return resp.status, (json.loads(data) if ctype.startswith("application/json") else data)
        finally:
            conn.close()

    def get(self, path, **params):
        if params:
            path += "?" + urllib.parse.urlencode(params)
        return self.request("GET", path)

    def stop(self, timeout=30):
        """SIGTERM; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self.reader.join(5)
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def serve(config_or_indexes, *extra):
    args = ["serve", "--listen", "127.0.0.1:0", "--poll", "20ms"]
    for c in config_or_indexes:
        args += ["--config", str(c)] if not str(c).count("=") else ["--index", str(c)]
    return Server(args + list(extra))


MARKER_CONFIG = """
[pipeline]
name = "{name}"
output = "index"
metastore = "sqlite:meta.db"
lag_policy = "sequential"
cadence = "{cadence}"
shards = 2

[source]
url = "data/ads"
period = "5m"

[readiness]
marker = "_SUCCESS"
delay = "1m"

[columns]
doc_id = "ad_id"
group_key = "item_id"
version = "version"
text = ["title"]
keyword = ["marker"]
numeric = ["bid"]
stored = ["title", "marker", "bid"]

[base]
snapshot = "data/snapshot"
docs = "ads"
"""


def partition_path(root: Path, p: int) -> Path:
    t = time.gmtime(START_S + p * PERIOD_S)
    return root / "data" / "ads" / time.strftime("dt=%Y-%m-%d/hour=%H/minute=%M", t)


def write_marker_partition(root: Path, p: int, docs: int, groups: int):
    """Partition p rewrites every doc with marker b<p> (version p + 1)."""
    d = partition_path(root, p)
    d.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"ad_id": f"ad-{i:04d}", "item_id": f"item-{i % groups:03d}",
                         "version": p + 1, "title": f"ad {i} shoes batch{p}",
                         "marker": f"b{p:04d}", "bid": (i % 7) + p / 1000})
             for i in range(docs)]
    (d / "part-0.jsonl.tmp").write_text("\n".join(lines) + "\n")
    (d / "part-0.jsonl.tmp").rename(d / "part-0.jsonl")
    (d / "_SUCCESS").write_text("")


def make_marker_pipeline(root: Path, partitions: int, docs=40, groups=8, name="ads",
                         cadence="60s"):
    """A pipeline whose snapshot (marker 'base') and partitions each tag all docs."""
    snap = root / "data" / "snapshot" / "ads"
    snap.mkdir(parents=True)
    (snap / "part-0.jsonl").write_text("".join(
        json.dumps({"ad_id": f"ad-{i:04d}", "item_id": f"item-{i % groups:03d}", "version": 0,
                    "title": f"ad {i} shoes base", "marker": "base", "bid": i % 7}) + "\n"
        for i in range(docs)))
    (root / "data" / "snapshot" / "CUT").write_text("2026-05-04T10:00:00Z\n")
    for p in range(partitions):
        write_marker_partition(root, p, docs, groups)
    config = root / "pipeline.toml"
    config.write_text(MARKER_CONFIG.format(name=name, cadence=cadence))
    return config


def fixed_clock_after(partitions):
    t = time.gmtime(START_S + partitions * PERIOD_S + 3600)
    return "fixed:" + time.strftime("%Y-%m-%dT%H:%M:%SZ", t)
