"""kill -9 at random moments and at named crash points: the pipeline converges
to the oracle, the watermark never decreases, and readers never open a broken
generation."""
import json
import os
import random
import re
import subprocess
import threading
import time

import pytest

from conftest import FRESHET, binary_for
from test_incremental_deltas import mutate
from test_oracle import CUT_S, PERIOD_S, check_against_oracle, watermark_s

CRASH_POINTS = ["after_listing", "after_read", "after_inputs", "after_segments",
                "after_manifest", "after_supersessions", "before_commit", "after_commit", "during_gc"]


class Reader(threading.Thread):
    """Queries CURRENT in a loop; records any failure other than 'nothing published'."""

    def __init__(self, ws):
        super().__init__(daemon=True)
        self.ws = ws
        self.stop = threading.Event()
        self.errors = []
        self.reads = 0

    def run(self):
        while not self.stop.is_set():
            p = subprocess.run([FRESHET, "query", "--config", str(self.ws.config), "*", "--json",
                                "--limit", "1"], capture_output=True, text=True)
            self.reads += 1
            if p.returncode != 0 and "nothing published" not in p.stderr:
                self.errors.append(p.stderr.strip())


def run_with_kills(ws, iterations, seed):
    rng = random.Random(seed)
    reader = Reader(ws)
    reader.start()
    watermarks = []
    kills = 0
    try:
        for i in range(iterations):
            env = dict(os.environ)
            if i % 2 == 0:
                env["FRESHET_TEST_CRASH_POINT"] = rng.choice(CRASH_POINTS)
            args = [binary_for(env), "run", "--config", str(ws.config), "--clock", ws.clock,
                    "--max-batches", "3", "--no-wait", "--holder", "restarting-runner"]
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            if "FRESHET_TEST_CRASH_POINT" not in env:
                time.sleep(rng.uniform(0.0, 0.15))
                proc.kill()
            proc.wait(timeout=120)
            if proc.returncode == -9:
                kills += 1
            else:
                assert proc.returncode in (0, 3), proc.stderr.read().decode()
            st = ws.status()
            if st["watermark"]:
                watermarks.append(watermark_s(ws))
                assert watermarks == sorted(watermarks), f"watermark went backwards: {watermarks}"
    finally:
        reader.stop.set()
        reader.join()
    assert not reader.errors, reader.errors[:3]
    return kills, reader.reads


@pytest.mark.parametrize("iterations", [int(os.environ.get("FRESHET_RESTART_ITERATIONS", "20"))])
def test_kill9_converges_to_oracle(ws, iterations):
    ws.write_config(policy="sequential", retention="0s")
    ws.gen(partitions=12)
    ws.cli("build-full")
    kills, reads = run_with_kills(ws, iterations, seed=1234)
    assert kills >= iterations // 4, "the test did not actually kill runners"
    assert reads > 0
    # Let it finish without faults: same result as a run that never crashed.
    # (A runner that got through every partition before it was killed slept
    # on its fixed clock, which moves it: the empty partitions after the
    # data may be published too.)
    for _ in range(30):  # --once: the fixed clock does not move
        if watermark_s(ws) >= CUT_S + 11 * PERIOD_S:
            break
        ws.cli("run", "--once", "--holder", "restarting-runner")
    assert watermark_s(ws) >= CUT_S + 11 * PERIOD_S
    check_against_oracle(ws, watermark_s(ws))
    st = ws.status()
    assert st["current"] == st["manifest_key"]


@pytest.mark.slow
def test_kill9_many_iterations(ws):
    ws.write_config(policy="sequential", retention="0s")
    ws.gen(partitions=12)
    ws.cli("build-full")
    run_with_kills(ws, 200, seed=99)
    for _ in range(30):
        ws.cli("run", "--once", "--holder", "restarting-runner")
    check_against_oracle(ws, watermark_s(ws))


def chain_of(proc):
    """The chain decision the batch_committed line of a `run --once` logged."""
    m = re.search(r"batch_committed .* chain=(\w+) chain_(?:from|reason)=(\w+)", proc.stderr)
    assert m, proc.stderr
    return f"{m.group(1)} {m.group(2)}"


def test_each_restart_continues_the_chain(ws):
    """Every batch by a new process (`run --once`): the first one after a
    restart adds a layer from the committed manifest's chain record (reading
    only the files added since, unless a late file came), through
    late files, moves and item updates; files the producer removed or
    rewrote since rebuild the window, and so does `--rebuild`. The oracle
    agrees after every batch."""
    ws.write_config(policy="sequential")
    ws.gen(partitions=10)
    ws.cli("build-full")
    # Over the committed generation, a batch reads only the files added since
    # the record ("continued generation"), late ones too when they come after
    # every recorded file in window order (batches 3 and 4); a late file among
    # the recorded ones (batch 9) has the whole window read again ("continued
    # record").
    expected = ["rebuilt no_delta", "continued generation", "continued generation",
                "continued generation", "continued generation", "rebuilt removed_files",
                "rebuilt rewritten_files", "continued generation", "continued record"]
    notes = {}
    for k, want in enumerate(expected, start=1):
        proc = ws.cli("run", "--once")
        assert chain_of(proc) == want, (k, proc.stderr)
        check_against_oracle(ws, CUT_S + (k - 1) * PERIOD_S)
        mutate(ws, k, notes)
    proc = ws.cli("run", "--once", "--rebuild")
    assert chain_of(proc) == "rebuilt requested", proc.stderr
    check_against_oracle(ws, CUT_S + 9 * PERIOD_S)
    manifest = json.loads((ws.path / "index" / ws.status()["manifest_key"]).read_text())
    assert all(s.get("layer", 0) == 0 for s in manifest["delta"])
    assert (ws.path / "index" / manifest["inputs"]["key"]).is_file()
