"""`freshet admin set-watermark`: the only way the watermark moves backwards. It
is refused while a runner holds a live lease unless forced, is logged, and
fences the runner of the replaced epoch. On SQLite, and on PostgreSQL when
FRESHET_TEST_POSTGRES_URL is set."""
import datetime as dt
import os
import subprocess
import uuid

import pytest

from conftest import FRESHET_TEST, run
from test_oracle import CUT_S, PERIOD_S, check_against_oracle, watermark_s


def ts(seconds):
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(params=["sqlite", "postgres"])
def metastore_ws(request, ws):
    """A workspace with the sequential policy, its metastore on each backend."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        ws.write_config(policy="sequential", metastore=url, name=f"ads_{uuid.uuid4().hex[:12]}")
    else:
        ws.write_config(policy="sequential")
    return ws


def test_set_watermark_is_refused_while_leased_and_forcing_it_fences_the_holder(metastore_ws):
    ws = metastore_ws
    ws.gen(partitions=6)
    ws.cli("build-full")
    for _ in range(4):
        ws.cli("run", "--once")
    assert watermark_s(ws) == CUT_S + 3 * PERIOD_S

    # runner-a holds the lease, paused inside a batch planned from 10:15.
    env = dict(os.environ, FRESHET_TEST_PAUSE_POINT="before_commit:3")
    a = subprocess.Popen([FRESHET_TEST, "run", "--config", str(ws.config), "--clock", ws.clock,
                          "--once", "--holder", "runner-a", "--log-format", "json"],
                         stderr=subprocess.PIPE, text=True, env=env)
    seen = []
    for line in a.stderr:
        seen.append(line)
        if '"test_pause"' in line:
            break
    else:
        raise AssertionError("runner-a never paused:\n" + "".join(seen))
    held = ws.status()
    assert held["lease_holder"] == "runner-a" and held["lease_live"]

    back = ts(CUT_S + PERIOD_S)
    refused = ws.cli("admin", "set-watermark", "--to", back, check=False)
    assert refused.returncode == 3, refused.stderr
    assert "leased by runner-a" in refused.stderr
    assert "--force" in refused.stderr
    st = ws.status()
    assert watermark_s(ws) == CUT_S + 3 * PERIOD_S
    assert (st["epoch"], st["lease_holder"]) == (held["epoch"], "runner-a")

    forced = ws.cli("admin", "set-watermark", "--to", back, "--force")
    assert "runner runner-a is fenced" in forced.stdout
    assert "watermark_set" in forced.stderr and "forced=true" in forced.stderr
    assert f"from={ts(CUT_S + 3 * PERIOD_S)}" in forced.stderr
    st = ws.status()
    assert st["watermark"] == back  # backwards, by the admin command only
    assert st["epoch"] == held["epoch"] + 1
    assert st["lease_holder"] == ""
    assert st["manifest_version"] == held["manifest_version"]
    assert st["current"] == held["current"] == st["manifest_key"]
    admin = st["batches"][0]
    assert (admin["kind"], admin["target_partition"], admin["epoch"]) == ("admin", back, st["epoch"])

    # runner-a cannot commit the batch it planned from the replaced watermark.
    _, err = a.communicate(timeout=60)
    assert a.returncode == 4, err
    assert "fenced" in err
    st = ws.status()
    assert st["watermark"] == back
    assert st["manifest_version"] == held["manifest_version"]

    # Runners go on from the new watermark, forwards only.
    for i in range(2, 6):
        ws.cli("run", "--once")
        assert watermark_s(ws) == CUT_S + i * PERIOD_S
    check_against_oracle(ws, CUT_S + 5 * PERIOD_S)
    kinds = [b["kind"] for b in reversed(ws.status()["batches"])]
    assert kinds == ["base"] + ["delta"] * 4 + ["admin"] + ["delta"] * 4


def test_set_watermark_without_a_live_lease_needs_no_force_and_can_clear(metastore_ws):
    ws = metastore_ws
    ws.gen(partitions=3)
    ws.cli("build-full")
    ws.cli("run", "--once")
    ws.cli("run", "--once")
    assert watermark_s(ws) == CUT_S + PERIOD_S

    unaligned = ws.cli("admin", "set-watermark", "--to", "2026-05-04T10:02:00Z", check=False)
    assert unaligned.returncode == 2  # a bad argument
    assert "aligned to the source period 5m" in unaligned.stderr
    neither = run(["admin", "set-watermark", "--config", str(ws.config)], check=False)
    assert neither.returncode == 2
    both = run(["admin", "set-watermark", "--config", str(ws.config), "--to", ts(CUT_S), "--clear"],
               check=False)
    assert both.returncode == 2
    assert watermark_s(ws) == CUT_S + PERIOD_S

    ok = ws.cli("admin", "set-watermark", "--to", ts(CUT_S))
    assert "watermark set to 2026-05-04T10:00:00Z (was 2026-05-04T10:05:00Z)" in ok.stdout
    assert watermark_s(ws) == CUT_S
    cleared = ws.cli("admin", "set-watermark", "--clear")
    assert "watermark cleared" in cleared.stdout
    assert ws.status()["watermark"] is None
    # From no watermark, sequential starts again at the first partition.
    ws.cli("run", "--once")
    assert watermark_s(ws) == CUT_S
    check_against_oracle(ws, CUT_S)
