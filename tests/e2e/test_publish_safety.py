"""Publication safety: CURRENT, manifests and collection (DESIGN invariants 2,
3 and 9: whatever CURRENT names is never collected)."""
import json
import os
import shutil
import subprocess
import time

from conftest import PERIOD_S, ROOT, START_S, binary_for, run


def ts(seconds):
    import datetime as dt
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_lease_expired_batch_keeps_readers_serving(tmp_path):
    """Regression: a batch that outlasted its lease committed, did not move
    CURRENT, then collected the manifest CURRENT still named: `run` exited 0
    and every reader failed. The issue's commands, as given."""
    def freshet(*args, check=True):
        return run(list(args), check=check, cwd=tmp_path)

    freshet("gen", "--workload", "tiny", "--format", "jsonl", "--out", "data",
            "--start", "2026-05-04T10:00:00Z")
    shutil.copy(ROOT / "examples" / "ads-pipeline.toml", tmp_path / "p.toml")
    freshet("build-full", "-c", "p.toml")
    freshet("run", "-c", "p.toml", "--once", "--clock", "fixed:2026-05-04T10:10:00Z")
    # 60000x: the 2-minute lease runs out within milliseconds of the batch.
    slow = freshet("run", "-c", "p.toml", "--once", "--clock", "sim:2026-05-04T12:10:00Z:60000",
                   check=False)
    assert slow.returncode == 0, slow.stderr
    assert "lease_expired_in_batch" in slow.stderr, "the lease did not run out: nothing tested"
    status = json.loads(freshet("status", "-c", "p.toml", "--json").stdout)
    assert status["manifest_version"] == 3
    assert status["current"] == status["manifest_key"], status
    query = freshet("query", "-c", "p.toml", "*", "--json", "--limit", "1", check=False)
    assert query.returncode == 0, query.stderr
    assert json.loads(query.stdout)["version"] == 3
    # Collection a day later keeps what CURRENT names, and its segments.
    freshet("gc", "-c", "p.toml", "--clock", "fixed:2026-05-05T12:00:00Z")
    assert (tmp_path / "index" / status["manifest_key"]).exists()
    assert not (tmp_path / "index" / "manifests" / "00000000000000000001-e1.json").exists()
    freshet("query", "-c", "p.toml", "*", "--json", "--limit", "1")


def start_paused_reader(ws, seconds):
    """A `freshet query` that reads CURRENT and its manifest, then sleeps
    `seconds` before opening the segments (a slow reader)."""
    log = open(ws.path / "reader.log", "w")
    env = dict(os.environ, FRESHET_TEST_PAUSE_POINT=f"view_manifest_read:{seconds}")
    proc = subprocess.Popen(
        [binary_for(env), "query", "--config", str(ws.config), "*", "--json", "--limit",
         "100000000"], stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    deadline = time.time() + 30
    while "test_pause" not in (ws.path / "reader.log").read_text():
        assert proc.poll() is None and time.time() < deadline, (ws.path / "reader.log").read_text()
        time.sleep(0.02)
    return proc


def test_gc_keeps_a_generation_a_slow_reader_is_opening(ws):
    """A reader that read CURRENT and the manifest, then opens the segments
    after two newer generations were committed and collection ran: the
    retention floor (60 s, here over a configured 0s) keeps its generation."""
    ws.write_config(policy="sequential", retention="0s")
    ws.gen(partitions=12)
    ws.cli("build-full")
    t = START_S + 12 * PERIOD_S + 60  # every partition ready: one per batch (sequential)
    ws.cli("run", "--once", clock=f"fixed:{ts(t)}")
    served = ws.status()["manifest_key"]
    reader = start_paused_reader(ws, 20)
    started = time.time()
    ws.cli("run", "--once", clock=f"fixed:{ts(t)}")
    ws.cli("run", "--once", clock=f"fixed:{ts(t)}")
    gc = ws.cli("gc", clock=f"fixed:{ts(t + 30)}")
    assert "retention_raised" in gc.stderr
    assert reader.poll() is None and time.time() - started < 20, \
        "the batches outlasted the reader's pause: nothing tested"
    st = ws.status()
    assert st["manifest_version"] == 4 and served != st["current"]
    out, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0, (ws.path / "reader.log").read_text()
    assert json.loads(out)["manifest"] == served
    assert json.loads(out)["total"] > 0
    # Past the floor, the generation is collected; the one CURRENT named
    # before the newest stays (a reader may have just read it).
    ws.cli("gc", clock=f"fixed:{ts(t + 90)}")
    left = sorted("manifests/" + k for k in os.listdir(ws.path / "index" / "manifests"))
    assert served not in left
    assert left[-2:] == sorted([st["current"], ws.status()["batches"][1]["manifest_key"]])
    gone = ws.cli("query", "*", "--manifest", served, check=False)
    assert gone.returncode != 0 and served in gone.stderr


def test_corrupt_manifest_and_segment_errors_name_the_manifest(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    key = ws.status()["manifest_key"]
    path = ws.path / "index" / key
    original = path.read_bytes()
    text = original.decode()
    # A flipped digit in a count: valid JSON, every field in place.
    at = text.index('"docs": ') + len('"docs": ')
    path.write_text(text[:at] + ("1" if text[at] != "1" else "2") + text[at + 1:])
    bad = ws.cli("query", "*", check=False)
    assert bad.returncode != 0
    assert f"manifest '{key}': checksum mismatch" in bad.stderr, bad.stderr
    path.write_bytes(original)
    segment = json.loads(original)["base"][0]["key"]
    seg_path = ws.path / "index" / segment
    data = bytearray(seg_path.read_bytes())
    data[len(data) // 2] ^= 0x20
    seg_path.write_bytes(bytes(data))
    bad = ws.cli("query", "*", check=False)
    assert bad.returncode != 0
    assert f"manifest '{key}'" in bad.stderr and segment in bad.stderr, bad.stderr
