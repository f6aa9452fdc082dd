"""`freshet compact`: base + delta folded into a new base by merging segments.

The compacted base must equal what `build-full` makes at the same cut from a
snapshot of the same records, written here from the independent oracle (not
from freshet's output): the same docs, stored fields and postings (`inspect
--dump`), the same answers, and byte-identical segments (same shard count and
segment format)."""
import json
import shutil

import pytest

from conftest import PERIOD_S, Workspace, clock_after, run
from oracle import QUERIES, diff_docs, expected_index, newest_records

CUT_S = 1777888800
LAST = 5  # partitions 0..LAST are published before the compaction
W_S = CUT_S + LAST * PERIOD_S  # the watermark at compaction


def partition_folder(ws, stream, index):
    import datetime as dt
    d = dt.datetime.fromtimestamp(CUT_S + index * PERIOD_S, dt.timezone.utc)
    return ws.path / "data" / stream / f"dt={d:%Y-%m-%d}" / f"hour={d:%H}" / f"minute={d:%M}"


def write_lines(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def craft_last_partition(ws):
    """Adds to partition LAST, as its newest records: every ad of one item
    deleted (its record stays), every ad and the record of another deleted, an
    item record deleted under live ads, an ad moved to another item, an item's
    record and an ad's bid updated (aggregates change)."""
    ads, items = newest_records(ws.path / "data", CUT_S, CUT_S + (LAST - 1) * PERIOD_S)
    by_item = {}
    for aid, (group, _, deleted, _) in sorted(ads.items()):
        if not deleted:
            by_item.setdefault(group, []).append(aid)
    live_items = sorted(i for i, rec in items.items() if not rec[2] and len(by_item.get(i, [])) >= 2)
    emptied, gone, orphaned, source, dest, updated = live_items[:6]
    version = (W_S + PERIOD_S) * 1000 - 1  # the newest of the partition
    ad_lines = [{"ad_id": a, "updated_at": version, "op": "delete"}
                for a in by_item[emptied] + by_item[gone]]
    moved = dict(ads[by_item[source][0]][3], item_id=dest, updated_at=version, op="upsert")
    repriced = dict(ads[by_item[updated][0]][3], bid=987.5, updated_at=version, op="upsert")
    ad_lines += [moved, repriced]
    item_lines = [{"item_id": gone, "updated_at": version, "op": "delete"},
                  {"item_id": orphaned, "updated_at": version, "op": "delete"},
                  dict(items[updated][3], brand="Compactco", updated_at=version, op="upsert")]
    write_lines(partition_folder(ws, "ads", LAST) / "part-9-crafted.jsonl", ad_lines)
    write_lines(partition_folder(ws, "items", LAST) / "part-9-crafted.jsonl", item_lines)
    return {"emptied": emptied, "gone": gone, "orphaned": orphaned, "moved": moved["ad_id"],
            "dest": dest}


def current_manifest(ws):
    index = ws.path / "index"
    key = (index / "CURRENT").read_text().strip()
    return json.loads((index / key).read_text())


def dumps(ws, manifest):
    return [run(["inspect", str(ws.path / "index" / s["key"]), "--dump"]).stdout
            for s in manifest["base"]]


def answers(ws):
    hits, _ = ws.all_docs()
    return hits, {q: ws.query_ids(q) for q, _ in QUERIES}


@pytest.mark.parametrize("segment_format", [4, 3, 5])
def test_compacted_base_equals_build_full_at_its_cut(tmp_path, segment_format):
    ws = Workspace(tmp_path / "compacted")
    ws.path.mkdir()

    def configure(w):
        w.write_config(policy="sequential", segment_format=segment_format)

    configure(ws)
    ws.gen(partitions=LAST + 3)  # two partitions more, ready only later
    cases = craft_last_partition(ws)
    ws.clock = clock_after(LAST + 1)
    ws.cli("build-full")
    for _ in range(LAST + 1):
        ws.cli("run", "--once")
    before = current_manifest(ws)
    assert before["target"].startswith("2026-05-04T10:25")
    assert max(s.get("layer", 0) for s in before["delta"]) == LAST  # a layer a batch
    hits_before, answers_before = answers(ws)

    out = ws.cli("compact").stdout
    assert "base compacted: version" in out
    manifest = current_manifest(ws)
    assert "delta" not in manifest and manifest["version"] == before["version"] + 1
    assert manifest["base_cut"] == "2026-05-04T10:30:00Z"  # the end of the delta's newest partition
    st = ws.status()
    assert st["watermark"] == "2026-05-04T10:25:00Z"  # unchanged
    assert st["batches"][0]["kind"] == "compact"
    # Nothing a reader sees changes.
    hits_after, answers_after = answers(ws)
    assert hits_after == hits_before
    assert answers_after == answers_before
    expected = expected_index(ws.path / "data", CUT_S, W_S)
    assert not diff_docs(expected, hits_after)
    assert cases["moved"] in hits_after and hits_after[cases["moved"]]["group"] == cases["dest"]
    groups = {h["group"] for h in hits_after.values()}
    assert cases["emptied"] not in groups and cases["gone"] not in groups
    orphans = [h for h in hits_after.values() if h["group"] == cases["orphaned"]]
    assert orphans and all(h["fields"]["item_title"] is None for h in orphans)

    # The reference: build-full at the same cut from a snapshot of the same
    # records (the live ones), as the oracle reads them.
    ref = Workspace(tmp_path / "reference")
    (ref.path / "data" / "snapshot" / "ads").mkdir(parents=True)
    (ref.path / "data" / "snapshot" / "items").mkdir(parents=True)
    configure(ref)
    ads, items = newest_records(ws.path / "data", CUT_S, W_S)
    write_lines(ref.path / "data" / "snapshot" / "ads" / "part-0.jsonl",
                [rec for _, _, deleted, rec in ads.values() if not deleted])
    write_lines(ref.path / "data" / "snapshot" / "items" / "part-0.jsonl",
                [rec for _, _, deleted, rec in items.values() if not deleted])
    ref.clock = ws.clock
    ref.cli("build-full", "--cut", manifest["base_cut"])
    reference = current_manifest(ref)
    assert dumps(ws, manifest) == dumps(ref, reference)
    assert answers(ref) == (hits_after, answers_after)
    assert [s["key"] for s in manifest["base"]] == [s["key"] for s in reference["base"]]

    # The next batches continue from the new cut (the later partitions have
    # their markers: ready): the first rebuilds the new window, one partition.
    ws.clock = clock_after(LAST + 3)
    ws.cli("run", "--once")
    batch = ws.status()["batches"][0]
    assert batch["kind"] == "delta" and batch["window_start"] == manifest["base_cut"]
    assert batch["target_partition"] == manifest["base_cut"]
    assert batch["partitions_read"] == 2  # partition LAST + 1 of ads and of items only
    ws.cli("run", "--once")
    after = current_manifest(ws)
    assert after["base"] == manifest["base"] and after["window_start"] == manifest["base_cut"]
    hits, _ = ws.all_docs()
    assert not diff_docs(expected_index(ws.path / "data", CUT_S, W_S + 2 * PERIOD_S), hits)


def test_compact_without_delta_publishes_nothing(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    version = current_manifest(ws)["version"]
    assert "nothing to compact" in ws.cli("compact").stdout
    assert current_manifest(ws)["version"] == version


def test_compact_before_any_base_says_what_to_do(ws):
    ws.gen(partitions=2)
    p = ws.cli("compact", check=False)
    assert p.returncode != 0
    assert "no base generation yet: run `freshet build-full` first" in p.stderr
