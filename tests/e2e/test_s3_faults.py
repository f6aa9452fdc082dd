"""Faults between the engine and S3, injected by a loopback proxy in front of
MinIO: bursts of 5xx, slow answers, dropped connections, lost replies,
truncated and reset bodies. Every call is retried or fails cleanly, and a
reader never sees a corrupt or partial publication."""
import datetime as dt
import os
import subprocess

import pytest

from conftest import FRESHET, S3_ENDPOINT, requires_s3, run, s3_url, use_s3_urls
from s3_proxy import FAULTS, S3FaultProxy
from test_oracle import CUT_S, PERIOD_S, check_against_oracle, watermark_s
from test_s3_pipeline import gen_both

pytestmark = requires_s3

# Short stall timeout so that "slow" faults (3 s) are abandoned and retried.
FAST = {"stall_timeout": "1s", "timeout": "60s", "max_attempts": "8"}


def store(*args, check=True, input=None):
    return run(["store", *args], check=check, input=input)


@pytest.fixture
def proxy():
    with S3FaultProxy(S3_ENDPOINT, seed=11, slow_seconds=3.0) as p:
        yield p


@pytest.mark.sanitizer_smoke
def test_each_fault_on_a_read_is_retried(proxy, s3_prefix):
    direct = s3_url(s3_prefix)
    via = s3_url(s3_prefix, endpoint=proxy.url, **FAST)
    payload = os.urandom(256 << 10).hex()
    store("put", direct, "obj", input=payload)
    for fault in FAULTS:
        proxy.force(fault)
        out = store("cat", via, "obj")
        assert out.stdout == payload, fault
        assert "s3_retry" in out.stderr, fault
        assert proxy.counts[fault] == 1


def test_each_fault_on_a_write_is_retried(proxy, s3_prefix):
    direct = s3_url(s3_prefix)
    via = s3_url(s3_prefix, endpoint=proxy.url, **FAST)
    for fault in FAULTS:
        proxy.force(fault)
        store("put", via, f"w/{fault}", input=f"written through {fault}")
        assert store("cat", direct, f"w/{fault}").stdout == f"written through {fault}"


@pytest.mark.sanitizer_smoke
def test_conditional_create_whose_reply_was_lost_succeeds_once(proxy, s3_prefix):
    via = s3_url(s3_prefix, endpoint=proxy.url, **FAST)
    # The server applies the first attempt but the reply never arrives; the
    # retry gets 412, reads the object back and finds its own bytes.
    proxy.force("lose_reply")
    out = store("put", "--if-absent", via, "once", input="mine")
    assert out.returncode == 0
    assert proxy.counts["lose_reply"] == 1
    assert store("cat", via, "once").stdout == "mine"
    # Someone else's bytes: AlreadyExists (exit 5), even after a lost reply.
    proxy.force("lose_reply")
    again = store("put", "--if-absent", via, "once", input="theirs", check=False)
    assert again.returncode == 5, again.stderr
    assert store("cat", via, "once").stdout == "mine"


def test_multipart_upload_survives_faults(proxy, s3_prefix, tmp_path):
    via = s3_url(s3_prefix, endpoint=proxy.url, multipart_threshold="5MiB", part_size="5MiB",
                 **FAST)
    data = os.urandom((11 << 20) + 7)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    proxy.force("error", None, "reset", None, "lose_reply", "drop")
    store("put", via, "big.bin", str(src))
    back = subprocess.run([FRESHET, "store", "cat", s3_url(s3_prefix), "big.bin"],
                          capture_output=True, check=True).stdout
    assert back == data
    listed = store("ls", s3_url(s3_prefix)).stdout.splitlines()
    assert [line.split("\t")[2] for line in listed] == ["big.bin"]


def test_a_burst_longer_than_the_retries_fails_cleanly(proxy, s3_prefix):
    via = s3_url(s3_prefix, endpoint=proxy.url, stall_timeout="1s", max_attempts="3")
    proxy.force(*["error"] * 3)
    out = store("cat", via, "anything", check=False)
    assert out.returncode == 1
    assert "Unavailable" in out.stderr and "gave up after 3 attempts" in out.stderr, out.stderr
    assert ("SlowDown" in out.stderr) or ("InternalError" in out.stderr)
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in out.stderr


def test_connections_are_reused(ws, s3_prefix, proxy, monkeypatch):
    monkeypatch.setenv("FRESHET_SEGMENT_CACHE", "off")  # every reader fetches every segment
    gen_both(ws, s3_prefix, partitions=3)
    use_s3_urls(ws, s3_prefix, endpoint=proxy.url)
    ws.cli("build-full")
    ws.cli("run", "--once")
    # Four processes, a few threads each: connections are a small fraction of requests.
    ws.all_docs()
    assert proxy.requests >= 30
    assert proxy.connections * 3 < proxy.requests, (proxy.connections, proxy.requests)


def test_pipeline_under_random_faults_matches_the_oracle(ws, s3_prefix, proxy):
    gen_both(ws, s3_prefix, partitions=6)
    use_s3_urls(ws, s3_prefix, endpoint=proxy.url, **FAST)
    proxy.rates = {"error": 0.04, "slow": 0.01, "drop": 0.02, "lose_reply": 0.02,
                   "truncate": 0.03, "reset": 0.02}
    proxy.force(*FAULTS)
    ws.cli("build-full")
    ws.cli("run", "--once")
    assert watermark_s(ws) == CUT_S + 5 * PERIOD_S
    proxy.enabled = False
    check_against_oracle(ws, CUT_S + 5 * PERIOD_S)
    assert all(proxy.counts[f] >= 1 for f in FAULTS), proxy.counts


@pytest.mark.parametrize("writes_before_failure", [0, 1, 2, 3])
def test_failed_publication_is_never_visible(ws, s3_prefix, proxy, writes_before_failure):
    """Writes start failing for good after N successful ones, in the middle of
    publishing: the batch fails, readers keep the previous generation whole,
    and the next batch converges to the oracle."""
    ws.write_config(policy="sequential")
    gen_both(ws, s3_prefix, partitions=3)
    use_s3_urls(ws, s3_prefix, endpoint=proxy.url, stall_timeout="1s", timeout="20s",
                max_attempts="2")
    ws.cli("build-full")
    ws.cli("run", "--once")
    first = watermark_s(ws)
    check_against_oracle(ws, first)

    proxy.only_methods = {"PUT", "POST"}
    proxy.force(*([None] * writes_before_failure + ["error"] * 1000))
    failed = ws.cli("run", "--once", check=False)
    proxy.enabled = False
    # Whatever the batch managed, readers see one whole generation: the
    # previous one, or the new one. (If only CURRENT's move failed after the
    # commit, CURRENT still names the previous one until the next start.)
    assert watermark_s(ws) in (first, first + PERIOD_S)
    if watermark_s(ws) == first:
        assert failed.returncode != 0
    _, out = ws.all_docs()
    served = int(dt.datetime.fromisoformat(out["target"].replace("Z", "+00:00")).timestamp())
    assert served in (first, first + PERIOD_S)
    check_against_oracle(ws, served)
    ws.cli("run", "--once")
    assert watermark_s(ws) >= first + PERIOD_S
    check_against_oracle(ws, watermark_s(ws))
