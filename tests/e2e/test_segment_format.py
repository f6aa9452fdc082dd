"""pipeline.segment_format: a pipeline writes format 5 (group fields once per
group; delta layers of the changed docs, which supersede lower docs by id,
with tombstones for the docs that left a group) unless told to write format 4
(deltas of whole touched groups) or format 3 (group fields on every doc),
which readers of older builds read. All answer every
query alike, and a generation may mix them (an upgrade switches the setting
between batches); a format-5 delta over a format-3 base is written in format 4.
"""
import json
import shutil
import struct

import pytest

from conftest import run
from test_golden_formats import CURRENT_ANSWERS, DOCS, GOLDEN


def build(tmp_path, formats):
    """The golden input built as its README says: the base, then two batches;
    `formats` gives the segment format of the base and of each batch."""
    work = tmp_path / "w"
    shutil.copytree(GOLDEN / "input", work)
    config = work / "pipeline.toml"
    original = config.read_text()

    def use(fmt):
        config.write_text(original.replace("[pipeline]\n", f"[pipeline]\nsegment_format = {fmt}\n", 1))

    use(formats[0])
    run(["build-full", "--config", str(config), "--clock", "fixed:2026-05-04T10:00:00Z",
         "--cut", "2026-05-04T10:00:00Z"])
    for fmt in formats[1:]:
        use(fmt)
        run(["run", "--config", str(config), "--clock", "fixed:2026-05-04T10:12:00Z", "--max-batches", "1"])
    return work / "index"


def segment_formats(index):
    manifest = json.loads((index / (index / "CURRENT").read_text().strip()).read_text())
    keys = [s["key"] for s in manifest["base"] + manifest["delta"]]
    return [struct.unpack_from("<I", (index / k).read_bytes(), 8)[0] for k in keys]


@pytest.mark.parametrize("formats", [(4, 4, 4), (3, 3, 3), (3, 4, 4), (4, 3, 4), (5, 5, 5),
                                     (4, 5, 5), (5, 4, 5), (3, 5, 5)])
def test_each_segment_format_and_a_mix_answer_alike(tmp_path, formats):
    index = build(tmp_path, formats)
    # Format 5 cannot lie over a format-3 base: such deltas are format 4.
    written = [4 if f == 5 and formats[0] == 3 else f for f in formats]
    assert segment_formats(index) == written
    url = f"file://{index}"
    wrong = {}
    for q, want in CURRENT_ANSWERS.items():
        out = json.loads(run(["query", "--index", url, q, "--json", "--limit", "1000"]).stdout)
        if [h["id"] for h in out["hits"]] != want:
            wrong[q] = out["hits"]
    assert not wrong, wrong
    # BM25 scores too: the same in every format.
    scores = json.loads(run(["query", "--index", url, "shoes OR crème OR hose", "--json", "--sort", "score"]).stdout)
    reference = tmp_path / "ref"
    if formats != (3, 3, 3):
        ref = json.loads(run(["query", "--index", f"file://{build(reference, (3, 3, 3))}",
                              "shoes OR crème OR hose", "--json", "--sort", "score"]).stdout)
        assert [(h["id"], round(h["score"], 9)) for h in scores["hits"]] == \
            [(h["id"], round(h["score"], 9)) for h in ref["hits"]]
    for doc_id, (group, version, fields) in DOCS.items():
        doc = json.loads(run(["query", "--index", url, "--doc", doc_id, "--json"]).stdout)
        assert (doc["group"], doc["version"], doc["fields"]) == (group, version, fields), doc_id


def test_a_segment_format_this_build_does_not_write_is_refused_naming_the_key(tmp_path):
    work = tmp_path / "w"
    shutil.copytree(GOLDEN / "input", work)
    config = work / "pipeline.toml"
    config.write_text(config.read_text().replace("[pipeline]\n", "[pipeline]\nsegment_format = 2\n", 1))
    p = run(["build-full", "--config", str(config), "--clock", "fixed:2026-05-04T10:00:00Z",
             "--cut", "2026-05-04T10:00:00Z"], check=False)
    assert p.returncode != 0
    assert "pipeline.segment_format: must be between 3 and 5" in p.stderr
    assert not (work / "index" / "CURRENT").exists()
