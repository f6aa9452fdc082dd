"""The published index agrees with an independent oracle under each lag policy."""
import json

import pytest

from conftest import PERIOD_S, START
from oracle import (QUERIES, diff_docs, expected_index, phrases_from_data,
                    query_terms_from_vocabulary)

CUT_S = 1777888800  # START as epoch seconds


def check_against_oracle(ws, target_s, data_dir=None):
    expected = expected_index(data_dir or ws.path / "data", CUT_S, target_s)
    hits, out = ws.all_docs()
    problems = diff_docs(expected, hits)
    assert not problems, "\n".join(problems)
    assert out["total"] == len(expected)
    phrases = phrases_from_data(expected)
    if data_dir is not None:
        # The oracle reads another copy of the data (JSON Lines, beside a
        # Parquet input): there keywords are a list, in the Parquet files one
        # string (`gen`), so a phrase across two keywords means different
        # things in the two.
        phrases = [(q, pred) for q, pred in phrases if not q.startswith("keywords:")]
    for q, pred in QUERIES + phrases:
        want = sorted(a for a, d in expected.items() if pred(d))
        assert ws.query_ids(q) == want, q
    for term in query_terms_from_vocabulary(expected):
        want = sorted(a for a, d in expected.items() if any(term in t for t in d["text"].values()))
        assert ws.query_ids(term) == want, term
    return expected


def watermark_s(ws):
    import datetime as dt
    wm = ws.status()["watermark"]
    return int(dt.datetime.fromisoformat(wm.replace("Z", "+00:00")).timestamp())


def test_start_constant_matches():
    import datetime as dt
    assert int(dt.datetime.fromisoformat(START.replace("Z", "+00:00")).timestamp()) == CUT_S


@pytest.mark.sanitizer_smoke
def test_base_only_matches_snapshot(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    # No batch yet: the base alone equals the snapshot (window empty: target before the cut).
    check_against_oracle(ws, CUT_S - PERIOD_S)


@pytest.mark.sanitizer_smoke
def test_latest_publishes_newest_ready_partition(ws):
    ws.gen(partitions=12)
    ws.cli("build-full")
    ws.cli("run", "--once")
    st = ws.status()
    last = CUT_S + 11 * PERIOD_S
    assert watermark_s(ws) == last
    assert st["batches"][0]["publications_skipped"] == 11
    check_against_oracle(ws, last)


def test_sequential_publishes_every_partition_in_order(ws):
    ws.write_config(policy="sequential")
    ws.gen(partitions=6)
    ws.cli("build-full")
    previous = None
    for i in range(6):
        ws.cli("run", "--once")
        wm = watermark_s(ws)
        assert wm == CUT_S + i * PERIOD_S
        if i in (0, 3, 5):  # intermediate states are correct too
            check_against_oracle(ws, wm)
        st = ws.status()
        versions = [b["manifest_version"] for b in st["batches"]]
        assert versions == sorted(versions, reverse=True)
        assert previous is None or versions[0] == previous + 1
        previous = versions[0]
    # Caught up: nothing new, nothing published.
    before = ws.status()["manifest_version"]
    ws.cli("run", "--once")
    assert ws.status()["manifest_version"] == before


def test_bounded_goes_sequential_under_the_limit_then_latest(ws):
    ws.write_config(policy="bounded")  # max_lag 20m = 4 partitions
    ws.gen(partitions=12)
    ws.cli("build-full")
    # 12 partitions behind: beyond the limit, jumps to the newest.
    ws.cli("run", "--once")
    assert watermark_s(ws) == CUT_S + 11 * PERIOD_S
    assert ws.status()["batches"][0]["lag_policy"] == "latest"
    check_against_oracle(ws, CUT_S + 11 * PERIOD_S)


def test_bounded_sequential_when_close(ws):
    ws.write_config(policy="bounded")
    ws.gen(partitions=3)
    ws.cli("build-full")
    ws.cli("run", "--once")
    assert watermark_s(ws) == CUT_S
    assert ws.status()["batches"][0]["lag_policy"] == "sequential"
    check_against_oracle(ws, CUT_S)


def test_identical_inputs_give_byte_identical_segments(tmp_path):
    from conftest import Workspace
    runs = []
    for name in ("a", "b"):
        w = Workspace(tmp_path / name)
        w.path.mkdir()
        w.write_config()
        w.gen(partitions=4)
        w.cli("build-full")
        w.cli("run", "--once")
        runs.append(sorted(p.name for p in (w.path / "index" / "segments").iterdir()))
    assert runs[0] == runs[1]
    assert len(runs[0]) == 4  # 2 base shards + 2 delta shards


def test_a_base_built_on_one_or_two_threads_has_the_same_bytes(tmp_path):
    # build-full lays out and writes its shards in parallel: the thread count
    # must not change a byte of them, nor their order in the manifest.
    from conftest import Workspace
    runs = []
    for threads in (1, 2):
        w = Workspace(tmp_path / f"threads-{threads}")
        w.path.mkdir()
        w.write_config(shards=3)
        w.config.write_text(w.config.read_text().replace(
            "[pipeline]\n", f"[pipeline]\nthreads = {threads}\n", 1))
        w.gen(partitions=1)
        w.cli("build-full")
        index = w.path / "index"
        manifest = json.loads((index / (index / "CURRENT").read_text().strip()).read_text())
        keys = [s["key"] for s in manifest["base"]]
        runs.append([(k, (index / k).read_bytes()) for k in keys])
    assert len(runs[0]) == 3
    assert all(len(data) > 0 for _, data in runs[0])
    assert runs[0] == runs[1]
