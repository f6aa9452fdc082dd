"""One exit-code table for every command (README, "Exit codes"), decided by a
status's code and sub-code, never by its message:

    0 success   1 error   2 bad command line, argument or configuration
    3 lease held by another runner   4 fenced   5 a write-once key exists
    6 a collapse refused

Exit 4 (fenced) is checked where fencing is: test_fencing.py (a paused holder
after a takeover) and test_admin.py (set-watermark --force).
"""
import subprocess

import pytest

from conftest import FRESHET, run

OK, ERROR, USAGE, LEASE_HELD, KEY_EXISTS, COLLAPSE_REFUSED = 0, 1, 2, 3, 5, 6


def test_exit_code_of_pipeline_named_release_ads_before_build_full(ws):
    """The issue's case: a pipeline whose name holds "lease", run before
    build-full, exited 3 ("lease held by another runner") because the CLI
    searched the message for "lease"."""
    ws.write_config(name="release-ads")
    ws.gen(partitions=1)
    p = ws.cli("run", "--once", check=False)
    assert p.returncode == ERROR, p.stderr
    assert "pipeline 'release-ads' has no base generation yet: run `freshet build-full` first" \
        in p.stderr, p.stderr
    # The continuous loop stops the same way, not as a standby.
    p = ws.cli("run", "--max-batches", "1", check=False, timeout=60)
    assert p.returncode == ERROR, p.stderr
    ws.cli("build-full")
    assert ws.cli("run", "--once").returncode == OK


def test_bad_arguments_and_configuration_exit_2_in_every_command(ws, tmp_path):
    ws.gen(partitions=1)
    ws.cli("build-full")
    store = str(tmp_path / "store")
    cases = [
        ["run", "--once", "--config", str(ws.config), "--clock", "sometime"],
        ["build-full", "--config", str(ws.config), "--clock", ws.clock, "--cut", "yesterday"],
        ["status", "--config", str(ws.config), "--clock", "sometime"],
        ["gc", "--config", str(ws.config), "--clock", "sometime"],
        ["admin", "set-watermark", "--config", str(ws.config), "--clock", ws.clock, "--to",
         "2026-05-04T10:02:00Z"],  # not a partition start
        ["query", "--config", str(ws.config), "title:(unclosed"],
        ["serve", "--index", "no-equals-sign"],
        ["gen", "--out", str(tmp_path / "g"), "--workload", "huge"],
        ["store", "ls", "s3://"],
        ["run", "--once", "--no-such-flag"],  # the command line itself
        ["store", "put", store],              # a missing argument
    ]
    for args in cases:
        p = run(args, check=False)
        assert p.returncode == USAGE, (args, p.returncode, p.stderr)
    # A configuration that does not parse, in every command reading one.
    ws.config.write_text(ws.config.read_text().replace("[readiness]", "[readiness]\nmarkr = 1"))
    for command in (["run", "--once"], ["build-full"], ["status"], ["gc"],
                    ["admin", "set-watermark", "--clear"]):
        p = ws.cli(*command, check=False)
        assert p.returncode == USAGE, (command, p.stderr)
        assert "unknown key 'readiness.markr'" in p.stderr


def test_other_errors_exit_1(ws, tmp_path):
    assert run(["query", "--index", str(tmp_path / "nothing"), "*"], check=False).returncode \
        == ERROR
    assert run(["inspect", str(tmp_path / "missing.seg")], check=False).returncode == ERROR
    assert run(["store", "cat", str(tmp_path), "no-such-key"], check=False).returncode == ERROR
    assert run(["run", "--once", "--config", str(tmp_path / "missing.toml")],
               check=False).returncode == ERROR


def test_write_once_key_exists_exits_5(tmp_path):
    url = str(tmp_path / "store")
    assert run(["store", "put", "--if-absent", url, "k"], input="a", check=False).returncode == OK
    p = run(["store", "put", "--if-absent", url, "k"], input="b", check=False)
    assert p.returncode == KEY_EXISTS, p.stderr
    assert "object 'k' already exists" in p.stderr


def test_collapse_refused_exits_6(ws):
    ws.gen(partitions=1)
    ws.cli("build-full")
    ws.config.write_text(ws.config.read_text().replace('doc_id = "ad_id"', 'doc_id = "adid"'))
    assert ws.cli("build-full", check=False).returncode == COLLAPSE_REFUSED


@pytest.fixture
def held(ws):
    """`ws` with a published base and runner-a holding the lease (a continuous
    loop between batches)."""
    ws.gen(partitions=2)
    ws.cli("build-full")
    sim = "sim:" + ws.clock.split(":", 1)[1] + ":1"  # waits for its cadence in real time
    a = subprocess.Popen([FRESHET, "run", "--config", str(ws.config), "--clock", sim,
                          "--holder", "runner-a", "--log-format", "json"],
                         stderr=subprocess.PIPE, text=True)
    for line in a.stderr:
        if '"lease_acquired"' in line:
            break
    yield ws
    a.terminate()
    assert a.wait(timeout=60) == OK


def test_lease_held_exits_3_in_every_command_that_takes_it(held):
    ws = held
    for command in (["run", "--once"], ["run", "--no-wait"], ["build-full"], ["compact"], ["gc"],
                    ["admin", "set-watermark", "--clear"]):
        p = ws.cli(*command, check=False)
        assert p.returncode == LEASE_HELD, (command, p.stderr)
        assert "leased by runner-a" in p.stderr, p.stderr


def test_help_lists_the_exit_codes():
    p = run(["--help"])
    assert "Exit codes (every command): 0 success, 1 error, 2 bad command line" in p.stdout
