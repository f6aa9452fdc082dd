"""Late files that land inside the window appear in the next publication."""
import json

import pytest

from test_bad_input import partition_dir
from test_oracle import CUT_S, PERIOD_S, check_against_oracle, watermark_s


@pytest.mark.sanitizer_smoke
def test_late_file_in_published_partition_is_picked_up(ws):
    ws.gen(partitions=6)
    ws.cli("build-full")
    ws.cli("run", "--once")
    before = ws.status()
    hits, _ = ws.all_docs()
    victim = sorted(hits)[0]
    group = hits[victim]["group"]
    late = {"ad_id": victim, "item_id": group, "campaign_id": "camp-late", "title": "zyzzyva late edit",
            "description": "", "keywords": [], "bid": 9.99, "status": "active",
            "updated_at": (CUT_S + 2 * PERIOD_S) * 1000 + 1, "op": "upsert"}
    # Newest version wins only if it is newer than what is published.
    current_version = hits[victim]["version"]
    late["updated_at"] = max(late["updated_at"], current_version + 1)
    (partition_dir(ws, 2) / "part-late-test.jsonl").write_text(json.dumps(late) + "\n")
    ws.cli("run", "--once")
    after = ws.status()
    assert after["manifest_version"] == before["manifest_version"] + 1
    assert after["watermark"] == before["watermark"]  # republished, not advanced
    assert ws.query_ids("zyzzyva") == [victim]
    check_against_oracle(ws, watermark_s(ws))


def test_no_change_no_publication(ws):
    ws.gen(partitions=3)
    ws.cli("build-full")
    ws.cli("run", "--once")
    v = ws.status()["manifest_version"]
    ws.cli("run", "--once")
    assert ws.status()["manifest_version"] == v
