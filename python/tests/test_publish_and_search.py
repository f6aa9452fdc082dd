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


def py_pipeline(ws, lease_ttl="2m"):
    """The workspace's pipeline under another name, publishing to its own output."""
    ws.write_config(name="py", lease_ttl=lease_ttl)
    ws.config.write_text(ws.config.read_text().replace('output = "index"', 'output = "py-index"'))
    return freshet.Config.load(str(ws.config))


def test_a_publisher_publishes_shards_as_build_full_does(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    config = py_pipeline(ws)
    builders = []
    for shard in range(config.shards):
        builder = freshet.ShardBuilder(config, shard)
        for key, lines in snapshot_lines(ws, "ads"):
            builder.add_records(records_of(lines), source=key)
        builders.append(builder)
    store = freshet.Store.open(config.output)
    refs = [store.put_segment(b.build()) for b in builders]
    with freshet.Publisher(config, holder="driver-a") as publisher:
        assert publisher.epoch == 1
        out = publisher.publish_base("2026-05-04T10:00:00Z", refs,
                                     doc_records=builders[0].records, sources=len(builders))
    assert out["manifest_version"] == 1 and out["epoch"] == 1
    assert out["docs"] == sum(r.docs for r in refs) > 0
    status = ws.status()
    assert status["current"] == status["manifest_key"] == out["manifest_key"]
    assert not status["lease_live"]
    batch = status["batches"][0]
    assert (batch["kind"], batch["records"], batch["docs"]) == ("base", builders[0].records,
                                                                out["docs"])
    # Without the items: the same docs as build-full's (other group fields).
    def ids(url):
        return [h["id"] for h in freshet.Index.open(url).search("*", limit=100000)["hits"]]

    assert ids(config.output) == ids(str(ws.path / "index"))
    assert len(ids(config.output)) == out["docs"]


def test_a_publisher_publishes_byte_identical_shards_under_the_same_names(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    _, expected = current_manifest(ws)
    answers = {q: cli_answer(ws, q, s)["hits"] for q, s in QUERIES}
    config = py_pipeline(ws)
    refs = [freshet.Store.open(config.output).put_segment(s) for s in build_shards(ws, config)]
    with freshet.Publisher(config, holder="driver-a") as publisher:
        publisher.publish_base("2026-05-04T10:00:00Z", refs)
    _, manifest = current_manifest(ws, "py-index")
    assert [s["key"] for s in manifest["base"]] == [s["key"] for s in expected["base"]]
    index = freshet.Index.open(config.output)
    for query, sort in QUERIES:
        assert index.search(query, limit=50, sort=sort)["hits"] == answers[query], query


def test_a_publisher_refuses_missing_segments_and_a_collapse(ws):
    ws.gen(partitions=2)
    config = py_pipeline(ws)
    good = build_shards(ws, config)
    store = freshet.Store.open(config.output)
    with freshet.Publisher(config, holder="driver-a") as publisher:
        with pytest.raises(freshet.NotFoundError, match=good[0].key):
            publisher.publish_base("2026-05-04T10:00:00Z", [good[0].ref, good[1].ref])
        with pytest.raises(freshet.InvalidArgumentError, match="not aligned"):
            publisher.publish_base("2026-05-04T10:01:00Z", [store.put_segment(good[0])])
        refs = [store.put_segment(s) for s in good]
        first = publisher.publish_base("2026-05-04T10:00:00Z", refs)
        # A base whose every record was bad: refused, the first stays served.
        empty = freshet.ShardBuilder(config, 0, shards=1)
        empty.add_records([{"title": "no id"}] * 3, source="bad")
        ref = store.put_segment(empty.build())
        with pytest.raises(freshet.CollapseRefusedError):
            publisher.publish_base("2026-05-04T10:05:00Z", [ref], bad_doc_records=3,
                                   quarantine=empty.quarantine)
    assert ws.status()["manifest_key"] == first["manifest_key"]


def test_a_stale_publisher_is_fenced(ws):
    ws.gen(partitions=2)
    config = py_pipeline(ws, lease_ttl="1s")
    store = freshet.Store.open(config.output)
    refs = [store.put_segment(s) for s in build_shards(ws, config)]
    a = freshet.Publisher(config, holder="driver-a")
    b = freshet.Publisher(config, holder="driver-b")
    assert a.start() == 1
    with pytest.raises(freshet.LeaseHeldError, match="driver-a"):
        b.start()
    time.sleep(1.2)  # driver-a stalls past its lease
    assert b.start() == 2
    with pytest.raises(freshet.FencedError):
        a.publish_base("2026-05-04T10:00:00Z", refs)
    out = b.publish_base("2026-05-04T10:00:00Z", refs)
    b.stop()
    status = ws.status()
    assert status["manifest_key"] == out["manifest_key"]
    assert [x["epoch"] for x in status["batches"]] == [2]
