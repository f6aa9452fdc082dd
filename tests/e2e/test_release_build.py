"""The `freshet` binary users run has no test seams: no crash or pause point,
no safeguard switch, not even the names of their variables, which it ignores.
`freshet-test`, the same program with its seams, is what the fault-injection
suite and the tests that set those variables run."""
import os
import subprocess
from pathlib import Path

from conftest import FRESHET, FRESHET_TEST, TEST_SWITCHES


def test_release_binary_contains_no_safeguard_switch():
    release = Path(FRESHET).read_bytes()
    seams = Path(FRESHET_TEST).read_bytes()
    for name in TEST_SWITCHES:
        assert name.encode() not in release, f"{FRESHET} contains {name}"
        assert name.encode() in seams, f"{FRESHET_TEST} lacks {name}: the check above proves nothing"


def test_release_binary_ignores_the_test_variables(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    args = ["run", "--once", "--config", str(ws.config), "--clock", ws.clock, "--log-format",
            "json"]
    switches = {"FRESHET_TEST_CRASH_POINT": "after_listing",
                "FRESHET_TEST_PAUSE_POINT": "after_read:600",
                "FRESHET_TEST_DISABLE_SAFEGUARD": "current_repair,collapse_refusal"}
    env = dict(os.environ, **switches)
    p = subprocess.run([FRESHET, *args], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "safeguard_disabled" not in p.stderr and "test_pause" not in p.stderr
    assert '"batch_committed"' in p.stderr
    # The test build obeys the same variables.
    p = subprocess.run([FRESHET_TEST, *args], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == -9, p.stderr
    assert "safeguard_disabled" in p.stderr
