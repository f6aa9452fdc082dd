"""No accidental collapse (DESIGN.md, invariant 9): a base or delta built only
from bad records, or one that drops more than pipeline.max_shrink of the live
docs, is refused with its counts and exit 6, and nothing is published, unless
the operator passes --allow-shrink."""
import json
import re

import pytest

from test_bad_input import partition_dir
from test_oracle import CUT_S, PERIOD_S, check_against_oracle, watermark_s

REFUSED = 6


def misspell(ws, good, bad):
    text = ws.config.read_text()
    assert good in text, good
    ws.config.write_text(text.replace(good, bad, 1))


def served(ws):
    """What readers see: the manifest CURRENT names and the docs it serves."""
    st = ws.status()
    return st["current"], st["manifest_version"], ws.all_docs()[1]["total"]


def snapshot_ads(ws):
    return [json.loads(line) for f in sorted((ws.path / "data" / "snapshot" / "ads").glob("*.jsonl"))
            for line in f.read_text().splitlines()]


def test_typo_in_doc_id_does_not_publish_an_empty_base(ws):
    """The issue's case: build-full with columns.doc_id misspelt read every
    record as bad and published a base of 0 docs over one of 10 000, exit 0."""
    ws.gen(partitions=2)
    ws.cli("build-full")
    before = served(ws)
    records = len(snapshot_ads(ws))
    assert before[2] == records > 0

    misspell(ws, 'doc_id = "ad_id"', 'doc_id = "adid"')
    p = ws.cli("build-full", check=False)
    assert p.returncode == REFUSED, p.stderr
    assert "base of pipeline 'ads' refused: every doc record is bad (columns.doc_id is 'adid')" \
        in p.stderr, p.stderr
    assert f"doc records read {records} ({records} bad)" in p.stderr, p.stderr
    assert f"live docs before {records}, after 0" in p.stderr, p.stderr
    assert "--allow-shrink" in p.stderr
    assert served(ws) == before  # nothing published: the base in service stays


@pytest.mark.parametrize("good,bad,why,counts", [
    ('doc_id = "ad_id"', 'doc_id = "adid"', "every doc record is bad (columns.doc_id is 'adid')",
     r"doc records read (\d+) \(\1 bad\)"),
    ('\nkey = "item_id"', '\nkey = "itemid"', "every group record is bad (group.key is 'itemid')",
     r"group records read (\d+) \(\1 bad\)"),
])
def test_base_of_only_bad_records_is_refused_even_over_no_base(ws, good, bad, why, counts):
    ws.gen(partitions=1)
    misspell(ws, good, bad)
    p = ws.cli("build-full", check=False)
    assert p.returncode == REFUSED, p.stderr
    assert why in p.stderr and re.search(counts, p.stderr), p.stderr
    assert "live docs before 0, after " in p.stderr, p.stderr
    st = ws.status()
    assert st["manifest_version"] == 0 and st["current"] == "(none)"
    manifests = ws.path / "index" / "manifests"
    assert not manifests.exists() or not list(manifests.iterdir())


def test_allow_shrink_publishes_the_refused_base_and_logs_it(ws):
    ws.gen(partitions=1)
    ws.cli("build-full")
    misspell(ws, 'doc_id = "ad_id"', 'doc_id = "adid"')
    p = ws.cli("build-full", "--allow-shrink", "--log-format", "json")
    events = [json.loads(line) for line in p.stderr.splitlines() if line.startswith("{")]
    allowed = [e for e in events if e["event"] == "collapse_allowed"]
    assert len(allowed) == 1, p.stderr
    assert allowed[0]["level"] == "WARN" and allowed[0]["docs_after"] == 0
    assert allowed[0]["docs_before"] == allowed[0]["records"] > 0
    assert "base published" in p.stdout and ": 0 docs" in p.stdout


def write_purge(ws, fraction, partition=1):
    """A producer's file deleting the first `fraction` of the snapshot's ads."""
    ads = snapshot_ads(ws)
    doomed = ads[:int(len(ads) * fraction)]
    f = partition_dir(ws, partition) / "part-purge.jsonl"
    f.write_text("".join(json.dumps({"ad_id": a["ad_id"], "item_id": a["item_id"], "op": "delete",
                                     "updated_at": 4102444800000}) + "\n" for a in doomed))
    return f, len(doomed), len(ads)


def test_delta_dropping_most_live_docs_is_refused_then_allowed(ws):
    ws.write_config(policy="sequential")
    ws.gen(partitions=3)
    ws.cli("build-full")
    ws.cli("run", "--once")
    before = served(ws)
    _, deleted, total = write_purge(ws, 0.6)
    p = ws.cli("run", "--once", check=False)
    assert p.returncode == REFUSED, p.stderr
    m = re.search(r"it would drop (\d+) of (\d+) live docs \((\d+)%\), more than "
                  r"pipeline.max_shrink 0.5", p.stderr)
    assert m, p.stderr
    assert int(m.group(2)) == before[2] and int(m.group(1)) >= deleted - 100
    assert f"live docs before {before[2]}, after {before[2] - int(m.group(1))}" in p.stderr
    assert served(ws) == before
    assert watermark_s(ws) == CUT_S

    # A looser pipeline.max_shrink publishes it (as --allow-shrink would).
    ws.config.write_text(ws.config.read_text().replace("delta_layers = 8",
                                                       "delta_layers = 8\nmax_shrink = 0.9"))
    ws.cli("run", "--once")
    assert watermark_s(ws) == CUT_S + PERIOD_S
    assert ws.all_docs()[1]["total"] == before[2] - int(m.group(1))
    check_against_oracle(ws, CUT_S + PERIOD_S)


def test_delta_under_max_shrink_is_published(ws):
    ws.write_config(policy="sequential")
    ws.gen(partitions=3)
    ws.cli("build-full")
    write_purge(ws, 0.3, partition=0)
    ws.cli("run", "--once")
    check_against_oracle(ws, CUT_S)


def test_delta_of_only_bad_records_is_refused_and_allowed_with_the_flag(ws):
    ws.write_config(policy="latest")
    ws.gen(partitions=2)
    ws.cli("build-full")
    before = served(ws)
    # The producer renamed the id column in every file of the window.
    files = list((ws.path / "data" / "ads").rglob("*.jsonl"))
    for f in files:
        f.write_bytes(f.read_bytes().replace(b'"ad_id":', b'"adId":'))
    p = ws.cli("run", "--once", check=False)
    assert p.returncode == REFUSED, p.stderr
    assert "delta of pipeline 'ads' refused: every doc record is bad" in p.stderr, p.stderr
    assert served(ws) == before
    # The continuous loop stops on it too, rather than retry it every minute.
    p = ws.cli("run", "--max-batches", "1", check=False, timeout=60)
    assert p.returncode == REFUSED, p.stderr

    p = ws.cli("run", "--once", "--allow-shrink", "--log-format", "json")
    assert '"collapse_allowed"' in p.stderr
    assert watermark_s(ws) == CUT_S + PERIOD_S
