"""Publishing shards with the metastore's lease and commit protocol, and
searching the published index: the answers are `freshet query --json`'s."""
import json
import time

import pytest

import freshet

from conftest import current_manifest, records_of, requires_s3, snapshot_lines, use_s3_urls

QUERIES = [("duvet", "id"), ("duvet OR camera", "score"), ("camera OR NOT status:active", "score"),
           ("status:active bid:[1 TO 3]", "bid:desc"), ("*", "id")]


def build_shards(ws, config):
    """Every shard of the snapshot, built through the binding."""
    segments = []
    for shard in range(config.shards):
        builder = freshet.ShardBuilder(config, shard)
        for key, lines in snapshot_lines(ws, "ads"):
            builder.add_records(records_of(lines), source=key)
        for key, lines in snapshot_lines(ws, "items"):
            builder.add_records(records_of(lines), groups=True, source=key)
        segments.append(builder.build())
    return segments


def publish_base(config, segments, holder, cut="2026-05-04T10:00:00Z"):
    """The single runner's protocol, step by step: lease, segments, manifest,
    commit with the epoch, CURRENT."""
    meta = freshet.Metastore.open(config.metastore)
    epoch = meta.acquire_lease(config.name, holder, ttl=60)
    store = freshet.Store.open(config.output)
    refs = [store.put_segment(s) for s in segments]
    state = meta.state(config.name)
    version = state.manifest_version + 1
    key = store.write_base_manifest(config.name, version, epoch, cut, refs)
    batch = meta.commit(config.name, epoch, version, key, kind="base", window_start=cut,
                        docs=sum(r.docs for r in refs), groups=sum(r.groups for r in refs))
    assert store.advance_current(key)
    meta.release_lease(config.name, epoch)
    return key, batch


def cli_answer(ws, query, sort):
    return json.loads(ws.cli("query", query, "--json", "--limit", "50", "--sort", sort).stdout)


def test_search_answers_equal_the_command_lines(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    config = freshet.Config.load(str(ws.config))
    index = freshet.Index.open(config.output)
    assert index.manifest_key == current_manifest(ws)[0]
    for query, sort in QUERIES:
        answer = index.search(query, limit=50, sort=sort)
        assert answer["hits"], (query, sort)
        assert answer == cli_answer(ws, query, sort), (query, sort)
    hit = index.search("duvet", limit=1, sort="score")["hits"][0]
    assert set(hit) == {"id", "group", "version", "score", "fields"}
    assert index.get(hit["id"])["fields"] == hit["fields"]
    with pytest.raises(freshet.NotFoundError):
        index.get("no-such-ad")
    with pytest.raises(freshet.InvalidArgumentError):
        index.search("bid:[1 TO")


def test_a_base_published_through_the_binding_serves_as_build_fulls(ws, tmp_path):
    ws.gen(partitions=2)
    ws.cli("build-full")
    expected = {q: cli_answer(ws, q, s)["hits"] for q, s in QUERIES}
    ws.write_config(name="py")
    config = freshet.Config.load(str(ws.config))
    segments = build_shards(ws, config)
    # Into a fresh output: only the binding writes there.
    ws.config.write_text(ws.config.read_text().replace('output = "index"', 'output = "py-index"'))
    config = freshet.Config.load(str(ws.config))
    key, batch = publish_base(config, segments, "driver-a")
    assert batch >= 1
    # A retried task writes the same object again: accepted.
    store = freshet.Store.open(config.output)
    assert store.put_segment(segments[0]) == segments[0].ref
    assert sorted(store.list("segments/")) == sorted(s.key for s in segments)
    index = freshet.Index.open(config.output)
    assert index.manifest_key == key
    for query, sort in QUERIES:
        assert index.search(query, limit=50, sort=sort)["hits"] == expected[query], query
    status = ws.status()
    assert status["manifest_key"] == key and status["current"] == key
    assert status["batches"][0]["kind"] == "base"


def lease_fencing(config):
    a = freshet.Metastore.open(config.metastore)
    b = freshet.Metastore.open(config.metastore)
    store = freshet.Store.open(config.output)
    epoch_a = a.acquire_lease(config.name, "driver-a", ttl=1)
    with pytest.raises(freshet.LeaseHeldError, match="driver-a"):
        b.acquire_lease(config.name, "driver-b", ttl=60)
    time.sleep(1.2)  # driver-a stalls past its lease
    epoch_b = b.acquire_lease(config.name, "driver-b", ttl=60)
    assert epoch_b == epoch_a + 1
    with pytest.raises(freshet.FencedError):
        a.renew_lease(config.name, epoch_a)
    state = a.state(config.name)
    stale_key = store.write_base_manifest(config.name, state.manifest_version + 1, epoch_a,
                                          "2026-05-04T10:00:00Z", [])
    with pytest.raises(freshet.FencedError, match=f"epoch {epoch_a}"):
        a.commit(config.name, epoch_a, state.manifest_version + 1, stale_key,
                 watermark="2026-05-04T10:00:00Z")
    after = b.state(config.name)
    assert after.manifest_version == state.manifest_version and after.watermark is None
    assert (after.epoch, after.lease_holder) == (epoch_b, "driver-b")
    key = store.write_base_manifest(config.name, state.manifest_version + 1, epoch_b,
                                    "2026-05-04T10:00:00Z", [])
    b.commit(config.name, epoch_b, state.manifest_version + 1, key,
             watermark="2026-05-04T10:00:00Z")
    committed = a.state(config.name)
    assert (committed.manifest_key, committed.watermark) == (key, "2026-05-04T10:00:00Z")


def test_a_stale_driver_is_fenced_on_sqlite(ws):
    lease_fencing(freshet.Config.load(str(ws.config)))


def test_a_stale_driver_is_fenced_on_postgres(ws, postgres_url):
    ws.write_config(metastore=postgres_url, name=f"py-fencing-{time.time_ns()}")
    lease_fencing(freshet.Config.load(str(ws.config)))


@requires_s3
def test_shards_written_to_s3_and_searched_there(ws, s3_prefix):
    ws.gen(partitions=2)
    ws.cli("build-full")
    expected = {q: cli_answer(ws, q, s)["hits"] for q, s in QUERIES}
    config = freshet.Config.load(str(ws.config))
    segments = build_shards(ws, config)
    use_s3_urls(ws, s3_prefix)
    config = freshet.Config.load(str(ws.config))
    assert config.output.startswith("s3://")
    key, _ = publish_base(config, segments, "driver-s3")
    store = freshet.Store.open(config.output)
    assert store.get(segments[1].key) == segments[1].data
    index = freshet.Index.open(config.output)
    assert index.manifest_key == key
    for query, sort in QUERIES:
        assert index.search(query, limit=50, sort=sort)["hits"] == expected[query], query
