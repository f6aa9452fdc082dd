"""`freshet inspect --dump`: every doc and every term's doc ids of a segment,
as the benchmarks compare them with other engines' output (bench/peers)."""
import json

from conftest import run
from oracle import expected_index, newest_records
from test_oracle import CUT_S, PERIOD_S

TEXT = ["title", "description", "keywords", "item_title", "item_brand", "item_category"]
KEYWORD = ["status", "campaign_id", "item_brand", "item_category"]


def dump(segments, tombstones=None):
    """(docs, terms) of `segments`' dumps; their tombstones into the dict
    `tombstones` ({id: (group, kind)}) if given, else none may be there."""
    docs, terms = {}, {}
    for seg in segments:
        for line in run(["inspect", "--dump", str(seg)]).stdout.splitlines():
            kind, a, b = line.split("\t", 2)
            if kind == "doc":
                assert a not in docs, f"doc {a} in two segments"
                docs[a] = b
            elif kind == "tombstone" and tombstones is not None:
                tombstones[a] = tuple(b.split("\t"))
            else:
                assert kind == "term", line
                term, ids = b.split("\t", 1)
                terms.setdefault((a, term), set()).update(ids.split(" "))
    return docs, terms


def oracle_postings(expected):
    out = {}
    for doc_id, d in expected.items():
        for field in TEXT:
            for t in d["text"][field]:
                out.setdefault((field, t), set()).add(doc_id)
        for field in KEYWORD:
            if d["keyword"][field] is not None:
                out.setdefault((field, d["keyword"][field]), set()).add(doc_id)
    return out


def manifest_segments(ws, part):
    index = ws.path / "index"
    manifest = json.loads((index / (index / "CURRENT").read_text().strip()).read_text())
    segments = manifest.get(part, [])
    assert all(s.get("layer", 0) == 0 for s in segments)  # a first batch: one layer
    return [index / s["key"] for s in segments]


def test_dump_of_base_segments_matches_oracle(ws):
    ws.gen(partitions=1)
    ws.write_config()
    ws.cli("build-full")
    docs, terms = dump(manifest_segments(ws, "base"))
    expected = expected_index(ws.path / "data", CUT_S, CUT_S - PERIOD_S)
    assert docs == {k: v["group"] for k, v in expected.items()}
    want = oracle_postings(expected)
    assert terms.keys() == want.keys()
    wrong = [k for k in want if terms[k] != want[k]]
    assert not wrong, f"{len(wrong)} terms with other doc ids, e.g. {wrong[:3]}"


def test_dump_of_delta_segments_holds_the_touched_groups(ws):
    ws.gen(partitions=3)
    ws.write_config(segment_format=4)
    ws.cli("build-full")
    ws.cli("run", "--once")
    docs, terms = dump(manifest_segments(ws, "delta"))
    expected = expected_index(ws.path / "data", CUT_S, CUT_S + 2 * PERIOD_S)
    touched = set(docs.values())
    # A format-4 delta holds every doc of each group it touched, as of its target.
    assert docs == {k: v["group"] for k, v in expected.items() if v["group"] in touched}
    want = oracle_postings({k: expected[k] for k in docs})
    assert terms == want


def test_dump_of_a_format_five_delta_holds_the_changed_docs_and_tombstones(ws):
    ws.gen(partitions=3)
    ws.write_config(segment_format=5)
    ws.cli("build-full")
    ws.cli("run", "--once")
    tombstones = {}
    docs, terms = dump(manifest_segments(ws, "delta"), tombstones)
    data = ws.path / "data"
    snapshot, _ = newest_records(data, CUT_S, CUT_S - PERIOD_S)
    window, _ = newest_records(data, CUT_S, CUT_S + 2 * PERIOD_S)
    # The docs whose newest record the window changed, under their group now...
    assert docs == {a: rec[0] for a, rec in window.items() if not rec[2] and snapshot.get(a) != rec}
    # ... a tombstone under its base group for each base doc deleted or moved...
    served = {a: rec for a, rec in snapshot.items() if not rec[2]}
    assert tombstones == {a: (served[a][0], "deleted" if rec[2] else "moved")
                          for a, rec in window.items()
                          if a in served and (rec[2] or rec[0] != served[a][0])}
    assert tombstones
    # ... and each doc's terms, its item's from the group entry.
    expected = expected_index(data, CUT_S, CUT_S + 2 * PERIOD_S)
    assert terms == oracle_postings({k: expected[k] for k in docs})


def test_dump_refuses_a_corrupt_segment(ws):
    ws.gen(partitions=1)
    ws.write_config()
    ws.cli("build-full")
    seg = manifest_segments(ws, "base")[0]
    data = bytearray(seg.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = ws.path / "bad.seg"
    bad.write_bytes(bytes(data))
    p = run(["inspect", "--dump", str(bad)], check=False)
    assert p.returncode == 1
    assert "bad.seg" in p.stderr
    assert "term\t" not in p.stdout
