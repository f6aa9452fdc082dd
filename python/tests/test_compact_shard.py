"""Compaction shard by shard through the binding (what freshet-spark compact's
tasks and driver call): the same base as `freshet compact` on a copy of the
same generation, and the errors a driver relies on."""
import shutil

import pytest

import freshet

from conftest import Workspace, current_manifest


def generation_with_delta(ws):
    """A 3-shard base and two delta layers over it."""
    ws.write_config(shards=3, policy="sequential")
    ws.gen(partitions=3)
    ws.cli("build-full")
    ws.cli("run", "--once")
    ws.cli("run", "--once")
    key, manifest = current_manifest(ws)
    assert max(s.get("layer", 0) for s in manifest["delta"]) == 1
    return key, manifest


def compact_by_shard(config, key):
    manifest = freshet.read_manifest(config.output, key)
    segments = len(manifest["base"]) + len(manifest["delta"])
    by_shard = [[] for _ in range(config.shards)]
    for segment in range(segments):
        for shard in freshet.segment_shards(config, key, segment):
            by_shard[shard].append(segment)
    return [freshet.compact_shard(config, key, shard, found) for shard, found in enumerate(by_shard)]


def test_compaction_shard_by_shard_equals_freshet_compact(ws, tmp_path):
    key, before = generation_with_delta(ws)
    twin = Workspace(tmp_path / "twin")
    shutil.copytree(ws.path, twin.path)
    twin.clock = ws.clock

    ws.cli("compact")
    config = freshet.Config.load(str(twin.config))
    results = compact_by_shard(config, key)
    with freshet.Publisher(config, holder="driver") as publisher:
        figures = publisher.publish_compaction(
            key, [r["ref"] for r in results],
            superseded_groups=sum(r["superseded_groups"] for r in results))
    _, single = current_manifest(ws)
    _, sharded = current_manifest(twin)
    assert "delta" not in sharded and sharded["version"] == before["version"] + 1
    assert [s["key"] for s in sharded["base"]] == [s["key"] for s in single["base"]]
    for s in sharded["base"]:
        assert (twin.path / "index" / s["key"]).read_bytes() == (ws.path / "index" / s["key"]).read_bytes()
    assert sharded["base_cut"] == single["base_cut"]
    assert figures["docs"] == sum(r["docs"] for r in results) == sum(s["docs"] for s in single["base"])
    assert twin.all_docs()[0] == ws.all_docs()[0]
    status = twin.status()
    assert status["batches"][0]["kind"] == "compact"
    assert status["watermark"] == ws.status()["watermark"] == before["target"]


def test_a_compaction_of_a_generation_no_longer_committed_is_refused(ws):
    key, _ = generation_with_delta(ws)
    config = freshet.Config.load(str(ws.config))
    results = compact_by_shard(config, key)
    ws.cli("compact")  # another writer compacted first
    committed, _ = current_manifest(ws)
    with freshet.Publisher(config, holder="late") as publisher:
        with pytest.raises(freshet.FailedPreconditionError,
                           match=f"the committed generation is '{committed}', not '{key}'"):
            publisher.publish_compaction(key, [r["ref"] for r in results])
        # Nor a compaction of the new base, which has no delta.
        with pytest.raises(freshet.FailedPreconditionError, match="has no delta"):
            publisher.publish_compaction(committed, [r["ref"] for r in results])
    assert current_manifest(ws)[0] == committed


def test_compaction_arguments_are_checked(ws):
    key, manifest = generation_with_delta(ws)
    config = freshet.Config.load(str(ws.config))
    segments = len(manifest["base"]) + len(manifest["delta"])
    with pytest.raises(freshet.InvalidArgumentError, match="shard 3 out of range"):
        freshet.compact_shard(config, key, 3, [0])
    with pytest.raises(freshet.InvalidArgumentError, match=f"has {segments} segments, not a segment"):
        freshet.segment_shards(config, key, segments)
    results = compact_by_shard(config, key)
    with freshet.Publisher(config) as publisher:
        with pytest.raises(freshet.InvalidArgumentError, match="one segment per shard: 2 given"):
            publisher.publish_compaction(key, [r["ref"] for r in results[:2]])
    with pytest.raises(freshet.FailedPreconditionError, match="before start"):
        freshet.Publisher(config).publish_compaction(key, [r["ref"] for r in results])
    assert current_manifest(ws)[0] == key
