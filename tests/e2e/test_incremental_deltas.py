"""Layered deltas: a runner's later batches add a layer holding only the groups
whose records changed, and every generation still equals the oracle of its
window, through late files, moved docs, item updates, files deleted or
rewritten by the producer after they were read, and the rebuild that folds
the layers back into one."""
import json
import shutil
import subprocess

from conftest import FRESHET_TEST
from oracle import QUERIES, diff_docs, expected_index, newest_records
from test_bad_input import partition_dir
from test_oracle import CUT_S, PERIOD_S

BATCHES = 12
FAR_VERSION = (CUT_S + 1000 * PERIOD_S) * 1000  # newer than every generated record


def first_lines(path, n):
    return [json.loads(line) for line in path.read_text().splitlines()[:n]]


def ad_file(ws, i):
    return sorted(partition_dir(ws, i).glob("part-*.jsonl"))[0]


def mutate(ws, k, notes):
    """The producer's doings after batch k (1-based) committed."""
    if k == 2:  # a late file moves an ad of partition 0 to another ad's item
        a, b = first_lines(ad_file(ws, 0), 2)
        moved = dict(a, item_id=b["item_id"], title="zyzzyva moved", updated_at=FAR_VERSION,
                     op="upsert")
        notes["moved"] = (a["ad_id"], b["item_id"])
        (partition_dir(ws, 1) / "part-late-moved.jsonl").write_text(json.dumps(moved) + "\n")
    elif k == 3:  # a late item update
        item = first_lines(ad_file(ws, 1), 1)[0]["item_id"]
        rec = {"item_id": item, "title": "quokka renamed", "brand": "Quokka", "category": "x",
               "price": 1.5, "popularity": 1, "rating": 1.0, "updated_at": FAR_VERSION,
               "op": "upsert"}
        (partition_dir(ws, 2, "items") / "part-late-item.jsonl").write_text(json.dumps(rec) + "\n")
    elif k == 5:  # the producer deletes the late file it wrote after batch 2
        (partition_dir(ws, 1) / "part-late-moved.jsonl").unlink()
    elif k == 6:  # and rewrites a read file in place, half of it gone
        f = ad_file(ws, 3)
        lines = f.read_text().splitlines()
        f.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    elif k == 8:  # a late delete of an ad that lives in the base
        a = first_lines(ad_file(ws, 4), 1)[0]
        rec = dict(a, updated_at=FAR_VERSION, op="delete")
        (partition_dir(ws, 4) / "part-late-delete.jsonl").write_text(json.dumps(rec) + "\n")


def test_layered_deltas_match_the_oracle_at_every_batch(ws, tmp_path):
    ws.write_config(policy="sequential", delta_layers=4)
    ws.gen(partitions=BATCHES)
    ws.cli("build-full")
    env = {"FRESHET_TEST_PAUSE_POINT": "after_commit:1.5"}
    proc = subprocess.Popen(
        [FRESHET_TEST, "run", "--config", str(ws.config), "--clock", ws.clock, "--max-batches",
         str(BATCHES), "--log-format", "json"],
        stderr=subprocess.PIPE, text=True, env={**__import__("os").environ, **env})
    inputs, notes, k = {}, {}, 0
    for line in proc.stderr:
        if '"test_pause"' not in line:
            continue
        k += 1
        inputs[k] = tmp_path / f"input-{k}"
        shutil.copytree(ws.path / "data", inputs[k])  # what batch k read
        mutate(ws, k, notes)
    assert proc.wait(timeout=300) == 0
    assert k == BATCHES

    batches = sorted((b for b in ws.status()["batches"] if b["kind"] == "delta"),
                     key=lambda b: b["batch_id"])
    assert len(batches) == BATCHES
    layers = []
    for k, b in enumerate(batches, start=1):
        manifest = json.loads((ws.path / "index" / b["manifest_key"]).read_text())
        layers.append(1 + max((s.get("layer", 0) for s in manifest["delta"]), default=0))
        target = CUT_S + (k - 1) * PERIOD_S
        expected = expected_index(inputs[k], CUT_S, target)
        hits, out = ws.all_docs(manifest=b["manifest_key"])
        problems = diff_docs(expected, hits)
        assert not problems, f"batch {k}: " + "\n".join(problems)
        assert out["total"] == len(expected)
        for q, pred in QUERIES if k % 3 == 0 else []:
            want = sorted(a for a, d in expected.items() if pred(d))
            assert ws.query_ids(q, manifest=b["manifest_key"]) == want, (k, q)
    # Layers were added one batch at a time, and folded back at the limit of 4.
    assert layers == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4], layers
    # A later layer holds only the groups that changed in its batch (batch 4:
    # those of partition 3), a rebuild every group of its window (batch 5: 5
    # partitions).
    assert batches[3]["groups"] < batches[4]["groups"] / 2, [b["groups"] for b in batches]
    # The moved ad went back when the producer deleted the late file.
    ad, _ = notes["moved"]
    assert ws.query_ids("zyzzyva", manifest=batches[2]["manifest_key"]) == [ad]
    assert ws.query_ids("zyzzyva", manifest=batches[5]["manifest_key"]) == []


def test_one_layer_rebuilds_the_whole_window_each_batch(ws):
    ws.write_config(policy="sequential", delta_layers=1)
    ws.gen(partitions=4)
    ws.cli("build-full")
    ws.cli("run", "--max-batches", "4")
    for b in ws.status()["batches"]:
        if b["kind"] != "delta":
            continue
        manifest = json.loads((ws.path / "index" / b["manifest_key"]).read_text())
        assert manifest["format"] == 1
        assert all("layer" not in s for s in manifest["delta"])


def test_a_layer_holds_the_docs_its_batch_changed(ws):
    """Segment format 5: a steady batch writes the docs whose newest record
    its new partition changed, not the groups they belong to (whose
    untouched ads stay in the layers below), and one group entry per group
    it touches; every generation still equals the oracle."""
    batches_run = 6
    ws.write_config(policy="sequential", delta_layers=8, segment_format=5)
    ws.gen(partitions=batches_run)
    ws.cli("build-full")
    ws.cli("run", "--max-batches", str(batches_run))
    batches = sorted((b for b in ws.status()["batches"] if b["kind"] == "delta"),
                     key=lambda b: b["batch_id"])
    assert len(batches) == batches_run
    data = ws.path / "data"
    previous = None
    for k, b in enumerate(batches, start=1):
        target = CUT_S + (k - 1) * PERIOD_S
        ads, items = newest_records(data, CUT_S, target)
        hits, _ = ws.all_docs(manifest=b["manifest_key"])
        problems = diff_docs(expected_index(data, CUT_S, target), hits)
        assert not problems, f"batch {k}: " + "\n".join(problems)
        if previous is not None:
            changed = [a for a, rec in ads.items() if previous.get(a) != rec]
            groups = {ads[a][0] for a in changed} | {previous[a][0] for a in changed if a in previous}
            assert 0 < b["docs"] <= len(changed), (k, b["docs"], len(changed))
            updated_items = {i for i, rec in items.items() if previous_items.get(i) != rec}
            assert b["groups"] <= len(groups | updated_items), (k, b["groups"], len(groups))
            # Meaningful only because the touched groups hold more docs than
            # changed (a whole-group layer would have written them all).
            members = group_members(ads)
            assert sum(len(members.get(g, [])) for g in groups) > len(changed), k
        previous, previous_items = ads, items


def group_members(ads):
    out = {}
    for aid, (group, _, deleted, _) in ads.items():
        if not deleted:
            out.setdefault(group, []).append(aid)
    return out
