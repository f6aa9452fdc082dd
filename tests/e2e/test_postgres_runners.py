"""Pipelines whose metastore is PostgreSQL, end to end: the oracle, two runners
on one pipeline (lease, kill -9 takeover, a paused old holder fenced), and the
database restarted or its connections cut in the middle of a batch.

Run only when FRESHET_TEST_POSTGRES_URL is set (scripts/with-postgres.sh, which
scripts/test.sh uses, sets it); the tests that act on the server also need
FRESHET_TEST_POSTGRES_CTL from the same script. Runner processes share one
simulated timeline at SPEED times the wall clock, so that partitions arrive and
leases expire while the test watches.
"""
import json
import os
import signal
import subprocess
import time
import uuid

import pytest

from runners import CurrentWatcher, Runner, Timeline
from test_oracle import CUT_S, PERIOD_S, check_against_oracle, watermark_s

# At 120x a cadence of 60s is 0.5 s of wall time and a lease of 4m is 2 s.
SPEED = 120
LAST = "2026-05-04T10:25:00Z"  # the newest of the 6 generated partitions


def ts(seconds):
    import datetime as dt
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def pg_ws(ws, postgres_url):
    """A workspace whose metastore is the test server, under a pipeline name of its
    own (the tests share one database)."""
    ws.pg_url = postgres_url
    ws.pg_name = f"ads_{uuid.uuid4().hex[:12]}"
    ws.write_config(metastore=postgres_url, name=ws.pg_name)
    return ws


@pytest.fixture
def postgres_ctl(postgres_url):
    """Runs scripts/with-postgres.sh's control script (stop, start, restart, psql);
    leaves the server running after the test whatever happened."""
    ctl = os.environ.get("FRESHET_TEST_POSTGRES_CTL")
    if not ctl:
        pytest.skip("FRESHET_TEST_POSTGRES_CTL is not set: run under scripts/with-postgres.sh")

    def run(*args):
        return subprocess.run([ctl, *args], check=True, capture_output=True, text=True,
                              timeout=120).stdout

    yield run
    if subprocess.run([ctl, "psql", "-c", "SELECT 1"], capture_output=True).returncode != 0:
        run("start")


def start_pipeline(ws, partitions=6, **config):
    """Generates `partitions` partitions, builds the base on a timeline starting at
    10:06 (partitions 10:00 and 10:05 have arrived) and returns the timeline."""
    ws.write_config(metastore=ws.pg_url, name=ws.pg_name, **config)
    ws.gen(partitions=partitions)
    timeline = Timeline(CUT_S + 6 * 60, SPEED)
    ws.cli("build-full", clock=timeline.spec())
    return timeline


def check_consistent(ws, timeline):
    """The metastore, the manifest it names and CURRENT agree; every committed
    version is in the batch log once, in order; the index is readable."""
    st = ws.status(clock=timeline.spec())
    assert st["current"] == st["manifest_key"]
    manifest = json.loads((ws.path / "index" / st["manifest_key"]).read_text())
    assert manifest["version"] == st["manifest_version"]
    if "target" in manifest:
        assert manifest["target"] == st["watermark"], "watermark and publication disagree"
    committed = [b for b in reversed(st["batches"]) if b["kind"] != "admin"]
    assert [b["manifest_version"] for b in committed] == list(range(1, st["manifest_version"] + 1))
    targets = [b["target_partition"] for b in committed if b["kind"] == "delta"]
    assert targets == sorted(targets), f"watermark went backwards: {targets}"
    hits, _ = ws.all_docs()
    assert hits
    return st


@pytest.mark.sanitizer_smoke
def test_oracle_latest_policy_on_postgres(pg_ws):
    ws = pg_ws
    ws.gen(partitions=12)
    ws.cli("build-full")
    ws.cli("run", "--once")
    st = ws.status()
    assert watermark_s(ws) == CUT_S + 11 * PERIOD_S
    assert st["batches"][0]["publications_skipped"] == 11
    assert st["current"] == st["manifest_key"]
    check_against_oracle(ws, CUT_S + 11 * PERIOD_S)
    # Nothing new: the next batch is idle and publishes nothing.
    ws.cli("run", "--once")
    assert ws.status()["manifest_version"] == st["manifest_version"]


def test_two_runners_one_holds_the_lease_the_other_takes_over_after_kill9(pg_ws):
    ws = pg_ws
    timeline = start_pipeline(ws, lease_ttl="4m")
    watcher = CurrentWatcher(ws)
    watcher.start()
    a = Runner(ws, "runner-a", timeline)
    b = Runner(ws, "runner-b", timeline)
    try:
        deadline = time.time() + 30
        while not (a.named("lease_acquired") or b.named("lease_acquired")):
            assert time.time() < deadline, a.log() + "\n" + b.log()
            time.sleep(0.02)
        holder, standby = (a, b) if a.named("lease_acquired") else (b, a)
        epoch = holder.named("lease_acquired")[0]["epoch"]
        standby.wait_event("standby")
        # The holder publishes 10:05, then 10:10 once it has arrived.
        holder.wait_event("batch_committed", where=lambda e: e["watermark"] >= ts(CUT_S + 600))
        st = ws.status(clock=timeline.spec())
        assert (st["lease_holder"], st["epoch"], st["lease_live"]) == (holder.holder, epoch, True)
        deltas = [x for x in st["batches"] if x["kind"] == "delta"]
        assert len(deltas) >= 2 and {x["epoch"] for x in deltas} == {epoch}
        assert not standby.named("lease_acquired") and not standby.named("batch_committed")

        holder.kill()
        killed_at = time.time()
        taken = standby.wait_event("lease_acquired", timeout=20)
        waited = time.time() - killed_at
        # Not before the holder's lease (2 s of wall time, renewed at least every
        # 0.5 s) ran out; soon after it did (the standby retries every 0.5 s).
        assert 1.0 <= waited <= 2.0 + 3.0, waited
        assert taken["epoch"] == epoch + 1
        timeline.wait_until(CUT_S + 26 * 60)
        standby.wait_event("batch_committed", where=lambda e: e["watermark"] == LAST, timeout=30)
        # The new holder's first batch adds a layer to the dead holder's delta,
        # reading only the files added since its chain record.
        first = standby.named("batch_committed")[0]
        assert (first["chain"], first.get("chain_from")) == ("continued", "generation"), first
        assert standby.stop() == 0
    finally:
        a.kill()
        b.kill()
    watcher.check()
    st = check_consistent(ws, timeline)
    assert st["watermark"] == LAST
    assert (st["epoch"], st["lease_holder"]) == (epoch + 1, "")  # released at exit
    epochs = [x["epoch"] for x in reversed(st["batches"]) if x["kind"] == "delta"]
    assert epochs == sorted(epochs) and set(epochs) == {epoch, epoch + 1}
    check_against_oracle(ws, CUT_S + 5 * PERIOD_S)


def test_paused_old_holder_cannot_commit_after_takeover(pg_ws):
    ws = pg_ws
    timeline = start_pipeline(ws, lease_ttl="4m")
    watcher = CurrentWatcher(ws)
    watcher.start()
    a = Runner(ws, "runner-a", timeline, env={"FRESHET_TEST_PAUSE_POINT": "before_commit:1"})
    b = None
    try:
        a_epoch = a.wait_event("lease_acquired")["epoch"]
        a.wait_event("test_pause")  # inside its first batch, manifest written, not committed
        a.signal(signal.SIGSTOP)
        base = ws.status(clock=timeline.spec())
        b = Runner(ws, "runner-b", timeline)
        assert b.wait_event("lease_acquired", timeout=20)["epoch"] == a_epoch + 1
        b.wait_event("batch_committed")
        after_b = ws.status(clock=timeline.spec())
        assert after_b["manifest_version"] == base["manifest_version"] + 1

        a.signal(signal.SIGCONT)
        assert a.wait(timeout=30) == 4, a.log()
        failed = a.named("batch_failed")
        assert failed and "fenced" in failed[-1]["error"], a.log()
        assert not a.named("batch_committed")
        b.wait_event("batch_committed", count=2, timeout=30)  # b goes on undisturbed
        assert b.stop() == 0
    finally:
        a.kill()
        if b:
            b.kill()
    watcher.check()
    st = check_consistent(ws, timeline)
    assert a_epoch not in {x["epoch"] for x in st["batches"] if x["kind"] == "delta"}
    check_against_oracle(ws, watermark_s(ws))


@pytest.mark.parametrize("fault", ["restart", "terminate"])
def test_database_restart_or_cut_connections_during_a_batch(pg_ws, postgres_ctl, fault):
    ws = pg_ws
    # A lease of 10 s of wall time: the standby must not take over meanwhile.
    timeline = start_pipeline(ws, lease_ttl="20m")
    watcher = CurrentWatcher(ws)
    watcher.start()
    a = Runner(ws, "runner-a", timeline, env={"FRESHET_TEST_PAUSE_POINT": "before_commit:4"})
    b = None
    try:
        a.wait_event("lease_acquired")
        b = Runner(ws, "runner-b", timeline)
        b.wait_event("standby")
        a.wait_event("test_pause")
        before = ws.status(clock=timeline.spec())
        if fault == "restart":
            postgres_ctl("stop")
            time.sleep(1.5)  # the standby meets the server down (it retries every 0.5 s)
            postgres_ctl("start")
        else:
            killed = postgres_ctl("psql", "-At", "-c",
                                  "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE application_name = 'freshet'")
            assert int(killed) >= 2  # both runners' sessions
        committed = a.wait_event("batch_committed", timeout=30)
        assert a.named("metastore_reconnected"), a.log()
        if fault == "restart":
            assert b.named("metastore_unavailable"), b.log()
        b.wait_event("metastore_reconnected", timeout=10)
        assert b.alive() and not b.named("lease_acquired"), b.log()
        st = check_consistent(ws, timeline)
        assert st["manifest_version"] == before["manifest_version"] + 1
        assert st["watermark"] == committed["watermark"]
        assert b.stop() == 0
        assert a.stop() == 0
    finally:
        a.kill()
        if b:
            b.kill()
    watcher.check()
    check_against_oracle(ws, watermark_s(ws))


def test_database_down_at_commit_fails_the_batch_and_the_runner_retries(pg_ws, postgres_ctl):
    ws = pg_ws
    timeline = start_pipeline(ws, lease_ttl="20m")
    watcher = CurrentWatcher(ws)
    watcher.start()
    a = Runner(ws, "runner-a", timeline, env={"FRESHET_TEST_PAUSE_POINT": "before_commit:2"})
    try:
        first_epoch = a.wait_event("lease_acquired")["epoch"]
        a.wait_event("test_pause")
        before = ws.status(clock=timeline.spec())
        postgres_ctl("stop")
        failed = a.wait_event("batch_failed", timeout=30)
        assert failed["error"].startswith("Unavailable:"), failed
        assert "nothing was changed" in failed["error"]
        a.wait_event("batch_failed", count=3, timeout=30)  # retried at the cadence
        assert a.alive()
        postgres_ctl("start")
        committed = a.wait_event("batch_committed", timeout=30)
        # The retry took a new epoch: the failed attempt's manifest, never
        # committed, keeps its own key and is not served.
        again = a.named("lease_acquired")[-1]
        assert again["reason"] == "new epoch after a failed commit"
        assert again["epoch"] == first_epoch + 1
        st = check_consistent(ws, timeline)
        assert st["manifest_version"] == before["manifest_version"] + 1
        assert st["watermark"] == committed["watermark"]
        assert st["epoch"] == first_epoch + 1
        manifests = sorted(p.name for p in (ws.path / "index" / "manifests").iterdir())
        assert f"{st['manifest_version']:020}-e{first_epoch}.json" in manifests  # orphan
        assert st["manifest_key"].endswith(f"-e{first_epoch + 1}.json")
        # It goes on to the newest partition.
        timeline.wait_until(CUT_S + 26 * 60)
        a.wait_event("batch_committed", where=lambda e: e["watermark"] == LAST, timeout=30)
        assert a.stop() == 0
    finally:
        a.kill()
    watcher.check()
    check_consistent(ws, timeline)
    check_against_oracle(ws, CUT_S + 5 * PERIOD_S)
