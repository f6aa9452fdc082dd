"""Shards built through the binding are byte for byte the segments that
`freshet build-full` writes from the same records."""
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import freshet

from conftest import current_manifest, records_of, snapshot_lines


def build_full(ws):
    ws.gen(partitions=2)
    ws.cli("build-full")
    _, manifest = current_manifest(ws)
    return manifest["base"]


def test_shards_from_records_are_byte_identical_to_build_full(ws):
    base = build_full(ws)
    config = freshet.Config.load(str(ws.config))
    assert len(base) == config.shards == 2
    for shard, ref in enumerate(base):
        builder = freshet.ShardBuilder(config, shard)
        for key, lines in snapshot_lines(ws, "ads"):
            builder.add_records(records_of(lines), source=key)
        for key, lines in snapshot_lines(ws, "items"):
            builder.add_records(records_of(lines), groups=True, source=key)
        segment = builder.build()
        assert segment.key == ref["key"]
        assert segment.data == (ws.path / "index" / ref["key"]).read_bytes()
        assert (segment.docs, segment.groups) == (ref["docs"], ref["groups"])
        assert builder.bad_records == 0


def test_shards_from_arrow_are_byte_identical_to_build_full(ws):
    ws.write_config(fmt="parquet")
    ws.gen(partitions=2, fmt="parquet")
    ws.cli("build-full")
    _, manifest = current_manifest(ws)
    config = freshet.Config.load(str(ws.config))
    ads = sorted((ws.path / "data" / "snapshot" / "ads").glob("*.parquet"))
    items = sorted((ws.path / "data" / "snapshot" / "items").glob("*.parquet"))
    assert ads and items
    for shard, ref in enumerate(manifest["base"]):
        builder = freshet.ShardBuilder(config, shard)
        for path in ads:
            table = pq.read_table(path)
            # In record batches of 1000 rows, as a Spark task hands them over.
            builder.add_arrow(pa.RecordBatchReader.from_batches(table.schema,
                                                                table.to_batches(1000)))
        for path in items:
            builder.add_arrow(pq.read_table(path), groups=True)
        segment = builder.build()
        assert segment.key == ref["key"]
        assert segment.data == (ws.path / "index" / ref["key"]).read_bytes()


def test_a_shard_keeps_the_newest_version_and_applies_deletes(ws):
    config = freshet.Config.load(str(ws.config))
    one = freshet.ShardBuilder(config, 0, shards=1)
    one.add_records([
        {"ad_id": "a1", "item_id": "i1", "title": "red shoe", "updated_at": 2, "op": "upsert"},
        {"ad_id": "a1", "item_id": "i1", "title": "old shoe", "updated_at": 1, "op": "upsert"},
        {"ad_id": "a2", "item_id": "i1", "title": "blue hat", "updated_at": 1, "op": "upsert"},
        {"ad_id": "a2", "item_id": "i1", "updated_at": 3, "op": "delete"},
        {"ad_id": "a3", "item_id": "i2", "title": "green", "updated_at": 1, "op": "upsert"},
    ])
    segment = one.build()
    assert (segment.docs, segment.groups) == (2, 2)
    # The same records in another order, as separate sources: the same segment.
    other = freshet.ShardBuilder(config, 0, shards=1)
    other.add_records([{"ad_id": "a3", "item_id": "i2", "title": "green", "updated_at": 1,
                        "op": "upsert"}])
    other.add_arrow(pa.table({"ad_id": ["a2", "a1"], "item_id": ["i1", "i1"],
                              "title": [None, "red shoe"], "updated_at": [3, 2],
                              "op": ["delete", "upsert"]}))
    assert other.build().data == segment.data


BAD = [
    {"ad_id": "a1", "item_id": "i1", "title": "ok", "updated_at": 1},
    {"item_id": "i1", "title": "no id", "updated_at": 1},
    {"ad_id": "a3", "item_id": "i1", "title": "bad version", "updated_at": "soon"},
    "not a record",
    {"ad_id": "a5", "item_id": "i1", "title": {"a": 1}, "updated_at": 1},
]


def test_bad_records_are_skipped_and_listed_under_skip(ws):
    config = freshet.Config.load(str(ws.config))
    builder = freshet.ShardBuilder(config, 0, shards=1)
    builder.add_records(BAD, source="batch-7")
    assert builder.records == 1
    assert builder.bad_records == 4
    assert builder.quarantine == [
        "batch-7:2: missing or empty key column 'ad_id'",
        "batch-7:3: column 'updated_at': expected an integer (version_format = \"integer\")",
        "batch-7:4: expected a mapping of column to value, got a str",
        "batch-7:5: column 'title': a value of Python type dict is not supported",
    ]
    assert builder.build().docs == 1


def test_a_bad_record_raises_under_stop(ws):
    ws.write_config(bad_records="stop")
    config = freshet.Config.load(str(ws.config))
    builder = freshet.ShardBuilder(config, 0, shards=1)
    with pytest.raises(freshet.CorruptionError) as e:
        builder.add_records(BAD, source="batch-7")
    assert str(e.value) == "bad record at batch-7:2: missing or empty key column 'ad_id'"
    with pytest.raises(freshet.CorruptionError, match="bad record at arrow-2:2: "):
        builder.add_arrow(pa.table({"ad_id": ["a1", None], "item_id": ["i1", "i1"],
                                    "updated_at": [1, 2]}))


def test_unsupported_arrow_types_and_non_arrow_data_are_refused(ws):
    config = freshet.Config.load(str(ws.config))
    builder = freshet.ShardBuilder(config, 0)
    with pytest.raises(freshet.NotSupportedError, match="column 'bid' has Arrow type 'tdD'"):
        builder.add_arrow(pa.table({"ad_id": ["a"], "item_id": ["i"], "updated_at": [1],
                                    "bid": pa.array([0], pa.date32())}), source="t")
    with pytest.raises(TypeError, match="expected Arrow data"):
        builder.add_arrow([1, 2, 3])


def test_arrow_types_read_as_the_same_values_as_records(ws):
    config = freshet.Config.load(str(ws.config))
    rows = [
        {"ad_id": f"ad-{i}", "item_id": f"item-{i % 3}", "title": None if i % 4 == 0 else f"red shoe {i}",
         "keywords": None if i % 5 == 0 else ["red", f"k{i}"], "bid": i / 4, "status": "active",
         "campaign_id": i, "updated_at": 1_700_000_000_000_000 + i, "op": "upsert"}
        for i in range(40)
    ]
    expected = freshet.ShardBuilder(config, 0, shards=1)
    expected.add_records(rows[5:25])
    table = pa.table({
        "ad_id": pa.array([r["ad_id"] for r in rows], pa.large_string()),
        "item_id": pa.array([r["item_id"] for r in rows]).dictionary_encode(),
        "title": pa.array([r["title"] for r in rows]),
        "keywords": pa.array([r["keywords"] for r in rows], pa.list_(pa.string())),
        "bid": pa.array([r["bid"] for r in rows], pa.float32()),
        "status": pa.array([r["status"] for r in rows]).dictionary_encode(),
        "campaign_id": pa.array([r["campaign_id"] for r in rows], pa.int16()),
        # Microseconds since the epoch, as Parquet timestamps are read.
        "updated_at": pa.array([r["updated_at"] * 1000 for r in rows], pa.timestamp("ns")),
        "op": pa.array([r["op"] for r in rows]),
    })
    got = freshet.ShardBuilder(config, 0, shards=1)
    # A slice: offsets into every buffer, and batches of 7 rows.
    sliced = table.slice(5, 20)
    got.add_arrow(pa.RecordBatchReader.from_batches(sliced.schema, sliced.to_batches(7)))
    assert got.records == expected.records == 20
    assert got.build().data == expected.build().data


def test_polars_and_duckdb_data_give_the_same_segment_as_pyarrow(ws):
    import duckdb
    import polars as pl

    config = freshet.Config.load(str(ws.config))
    columns = {"ad_id": ["a1", "a2", "a3"], "item_id": ["i1", "i2", "i1"],
               "title": ["red shoe", None, "a title longer than twelve bytes"],
               "keywords": [["red"], None, ["k1", "k2"]], "bid": [1.5, 2.0, None],
               "updated_at": [1, 2, 3]}

    def segment(data):
        builder = freshet.ShardBuilder(config, 0, shards=1)
        builder.add_arrow(data)
        return builder.build().data

    expected = segment(pa.table(columns))
    assert segment(pl.DataFrame(columns)) == expected  # strings as utf8_view
    ads = pa.table(columns)  # noqa: F841 (read by the query below)
    assert segment(duckdb.sql("select * from ads")) == expected


def test_a_failing_arrow_stream_raises_with_the_producers_message(ws):
    config = freshet.Config.load(str(ws.config))
    schema = pa.schema([("ad_id", pa.string()), ("item_id", pa.string()),
                        ("updated_at", pa.int64())])

    def batches():
        yield pa.record_batch([["a1"], ["i1"], [1]], schema=schema)
        raise OSError("the executor lost its input split")

    builder = freshet.ShardBuilder(config, 0)
    with pytest.raises(freshet.StorageError, match="split-7: the Arrow stream failed .*"
                                                   "the executor lost its input split"):
        builder.add_arrow(pa.RecordBatchReader.from_batches(schema, batches()), source="split-7")
    assert builder.records == 0  # nothing of a failed source is kept


def test_group_records_need_a_group_stream(ws):
    text = ws.config.read_text()
    config = freshet.Config.from_toml(text[:text.index("[group]")] + text[text.index("[base]"):],
                                      base_dir=str(ws.path))
    assert not config.has_groups
    with pytest.raises(freshet.InvalidArgumentError, match="has no group stream"):
        freshet.ShardBuilder(config, 0).add_records([{"item_id": "i1"}], groups=True)
