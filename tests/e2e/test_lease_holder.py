"""The default lease holder, host:pid: a restart after kill -9 takes the dead
runner's lease at once instead of waiting out lease_ttl, while two live
runners of one host still exclude each other."""
import json
import subprocess
import time

from conftest import FRESHET


def start_runner(ws):
    """A continuous `run` with the default holder, once it holds the lease. Its
    clock runs in real time from the workspace's instant, so that it waits for
    its cadence between batches."""
    sim = "sim:" + ws.clock.split(":", 1)[1] + ":1"
    proc = subprocess.Popen([FRESHET, "run", "--config", str(ws.config), "--clock", sim,
                             "--log-format", "json"], stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if '"lease_acquired"' in line:
            return proc
    raise AssertionError(f"the runner never took the lease (exit {proc.wait()})")


def events(stderr, name):
    return [e for e in (json.loads(line) for line in stderr.splitlines() if line.startswith("{"))
            if e["event"] == name]


def test_restart_after_kill_9_takes_the_lease_at_once(ws):
    ws.gen(partitions=3)
    ws.cli("build-full")
    dead = start_runner(ws)
    held = ws.status()
    assert held["lease_holder"].endswith(f":{dead.pid}") and held["lease_live"]
    dead.kill()
    dead.wait()

    # The workspace's clock is fixed: the dead runner's lease has its whole
    # lease_ttl (2m) left. `--once` never waits for a lease: before the fix it
    # exited 3 ("leased by host:pid").
    started = time.monotonic()
    p = ws.cli("run", "--once", "--log-format", "json", check=False)
    assert p.returncode == 0, p.stderr
    assert time.monotonic() - started < 60
    taken = events(p.stderr, "lease_taken_over")
    assert len(taken) == 1, p.stderr
    assert taken[0]["level"] == "WARN"
    assert taken[0]["previous_holder"] == held["lease_holder"]
    st = ws.status()
    assert st["epoch"] == held["epoch"] + 1
    assert st["lease_holder"] == ""  # released by the --once runner at its end


def test_a_live_runner_of_this_host_keeps_its_lease(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    alive = start_runner(ws)
    try:
        holder = ws.status()["lease_holder"]
        for args in (("run", "--once"), ("run", "--no-wait"), ("build-full",)):
            p = ws.cli(*args, "--log-format", "json", check=False)
            assert p.returncode == 3, (args, p.stderr)
            assert f"leased by {holder}" in p.stderr
            assert not events(p.stderr, "lease_taken_over")
        assert ws.status()["lease_holder"] == holder
    finally:
        alive.terminate()
    assert alive.wait(timeout=60) == 0
