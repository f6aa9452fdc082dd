"""Malformed records and files are counted and listed, never crash the runner;
the policy chooses skip or stop."""
import json
import re

import pytest

from test_oracle import CUT_S, PERIOD_S, check_against_oracle, watermark_s


def partition_dir(ws, i, stream="ads"):
    import datetime as dt
    d = dt.datetime.fromtimestamp(CUT_S + i * PERIOD_S, dt.timezone.utc)
    return ws.path / "data" / stream / f"dt={d:%Y-%m-%d}" / f"hour={d:%H}" / f"minute={d:%M}"


@pytest.mark.sanitizer_smoke
def test_skip_policy_quarantines_and_publishes(ws):
    ws.gen(partitions=4)
    ws.cli("build-full")
    bad = partition_dir(ws, 1) / "part-bad.jsonl"
    bad.write_bytes(b'{"ad_id": "ad-x", "item_id": "item-000001", "updated_at": "soon"}\n'
                    b'{"ad_id": "ad-y"\n'
                    b'\xff\xfe not json\n'
                    b'[1, 2, 3]\n'
                    b'{"item_id": "item-000001", "updated_at": 1}\n'
                    b'{"ad_id": "ad-z", "item_id": {"nested": 1}, "updated_at": 1}\n'
                    + b'{"ad_id": "ad-big", "item_id": "item-000001", "updated_at": 5, "title": "'
                    + b"x" * (9 << 20) + b'"}\n')
    ws.cli("run", "--once")
    batch = ws.status()["batches"][0]
    assert batch["bad_records"] == 7
    listed = [q for q in batch["quarantine"] if "part-bad.jsonl" in q]
    assert len(listed) == 7
    lines = sorted(int(re.search(r"part-bad\.jsonl:(\d+)", q).group(1)) for q in listed)
    assert lines == [1, 2, 3, 4, 5, 6, 7]
    assert any("updated_at" in q for q in listed)
    assert any("exceeds the limit" in q for q in listed)
    check_against_oracle(ws, CUT_S + 3 * PERIOD_S)


def test_generated_malformed_records_are_skipped(ws):
    ws.gen(4, 7, "--malformed", "0.05")
    ws.cli("build-full")
    ws.cli("run", "--once")
    batch = ws.status()["batches"][0]
    assert batch["bad_records"] > 0
    check_against_oracle(ws, CUT_S + 3 * PERIOD_S)


def test_stop_policy_fails_the_batch_naming_file_and_line(ws):
    ws.write_config(bad_records="stop")
    ws.gen(partitions=4)
    ws.cli("build-full")
    ws.write_config(policy="sequential", bad_records="stop")
    ws.cli("run", "--once")
    published = ws.status()["manifest_version"]
    (partition_dir(ws, 1) / "part-bad.jsonl").write_text('{"ad_id": "a"}\n{"ad_id": \n')
    p = ws.cli("run", "--once", check=False)
    assert p.returncode == 1
    assert re.search(r"part-bad\.jsonl:1\b", p.stderr), p.stderr
    st = ws.status()
    assert st["manifest_version"] == published
    assert watermark_s(ws) == CUT_S
    assert ws.all_docs()[1]["total"] > 0  # what was published is still served


def test_unparseable_partition_paths_are_reported(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    weird = ws.path / "data" / "ads" / "dt=2026-05-04" / "hour=10" / "minute=xx"
    weird.mkdir(parents=True)
    (weird / "part-0.jsonl").write_text("{}\n")
    ws.cli("run", "--once")
    batch = ws.status()["batches"][0]
    assert any("minute=xx" in q and "does not match layout" in q for q in batch["quarantine"])
