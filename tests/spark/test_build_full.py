"""freshet-spark build-full on the test cluster: the base it publishes is the
one `freshet build-full` publishes from the same snapshot, shard for shard and
byte for byte, with the same answers and the same batch log; a stale driver
cannot commit."""
import json
import re
import subprocess
import time

import pytest

import freshet

from conftest import (all_docs, e2e, freshet_spark, manifest_of, second_config, spark_submit,
                      status_of)

# Records a snapshot file may hold that a build must count and list as bad,
# and records whose group key is an integer (good: freshet takes its text).
EXTRA_DOCS = [
    '{"ad_id": "extra-1", "item_id": 12345, "title": "integer group key", "updated_at": 5,'
    ' "op": "upsert", "bid": 2}',
    'not json at all',
    '',
    '   ',
    '{"ad_id": "extra-2", "title": "no group key", "updated_at": 5, "op": "upsert"}',
    '{"ad_id": "extra-3", "item_id": 1.5, "title": "a double group key", "updated_at": 5,'
    ' "op": "upsert"}',
    '[1, 2, 3]',
    '{"item_id": "item_00001", "title": "no doc id", "updated_at": 5, "op": "upsert"}',
    '{"ad_id": "extra-4", "item_id": "item_00002", "title": "doubles and ints",'
    ' "updated_at": 5, "op": "upsert", "bid": 4.0}',
]


def add_second_doc_file(ws):
    """A second doc file: the newer version of some docs of the first, their
    deletion, and bad records between good ones."""
    folder = ws.path / "data" / "snapshot" / "ads"
    first = (folder / "part-0.jsonl").read_text().splitlines()
    newer = []
    for line in first[:40]:
        record = json.loads(line)
        record["updated_at"] = record["updated_at"] + 1000
        if len(newer) % 4 == 0:
            record["op"] = "delete"
        else:
            record["title"] = "renamed " + str(record.get("title"))
        newer.append(json.dumps(record))
    (folder / "part-1.jsonl").write_text("\n".join(newer[:20] + EXTRA_DOCS + newer[20:]) + "\n")


def location(entry):
    """FILE:LINE of a quarantine entry."""
    return re.match(r"([^:]+:\d+)", entry).group(1)


def assert_same_base(ws, single_config, spark_config, spark_output):
    single = manifest_of(ws, "index")
    sharded = manifest_of(ws, spark_output)
    assert len(sharded["base"]) == len(single["base"]) == 3
    for one, other in zip(single["base"], sharded["base"]):
        assert other["key"] == one["key"]
        assert ((ws.path / spark_output / other["key"]).read_bytes()
                == (ws.path / "index" / one["key"]).read_bytes())
        assert (other["docs"], other["groups"]) == (one["docs"], one["groups"])
    assert sharded["base_cut"] == single["base_cut"]
    assert all_docs(ws, spark_config) == all_docs(ws, single_config)


def test_sharded_jsonl_base_equals_single_node_build_full(ws, spark_master):
    ws.write_config(shards=3)
    ws.gen(partitions=2)
    add_second_doc_file(ws)
    ws.cli("build-full")
    spark_config = second_config(ws, "index-spark", "sqlite:meta-spark.db")

    out = spark_submit(spark_master, "build-full", "-c", str(spark_config))
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["manifest_version"] == 1

    assert_same_base(ws, ws.config, spark_config, "index-spark")
    [single] = status_of(ws, ws.config)["batches"]
    [sharded] = status_of(ws, spark_config)["batches"]
    for figure in ("kind", "files_read", "records", "docs", "groups", "bad_records"):
        assert sharded[figure] == single[figure], figure
    assert single["bad_records"] == 5
    # The same files and lines, in the same order. The reason is the same for
    # a JSON object; for a line that is not one, freshet's reader names the
    # byte and the parser's error, the binding says it is not a mapping.
    assert ([location(q) for q in sharded["quarantine"]]
            == [location(q) for q in single["quarantine"]]
            == ["ads/part-1.jsonl:22", "ads/part-1.jsonl:25", "ads/part-1.jsonl:26",
                "ads/part-1.jsonl:27", "ads/part-1.jsonl:28"])
    objects = [q for q in single["quarantine"] if "(byte" not in q]
    assert objects and set(objects) <= set(sharded["quarantine"])


def test_sharded_parquet_base_equals_single_node_build_full(ws, spark_master):
    ws.write_config(shards=3, fmt="parquet")
    ws.gen(partitions=2, fmt="parquet")
    ws.cli("build-full")
    spark_config = second_config(ws, "index-spark", "sqlite:meta-spark.db")
    spark_submit(spark_master, "build-full", "-c", str(spark_config))
    assert_same_base(ws, ws.config, spark_config, "index-spark")


def test_an_unreadable_parquet_file_is_quarantined_whole_as_build_full_does(ws, spark_master):
    ws.write_config(shards=3, fmt="parquet")
    ws.gen(partitions=2, fmt="parquet")
    damaged = ws.path / "data" / "snapshot" / "ads" / "part-9.parquet"
    damaged.write_bytes(b"PAR1" + b"not a parquet file " * 40 + b"PAR1")
    ws.cli("build-full")
    spark_config = second_config(ws, "index-spark", "sqlite:meta-spark.db")
    spark_submit(spark_master, "build-full", "-c", str(spark_config))
    assert_same_base(ws, ws.config, spark_config, "index-spark")
    [single] = status_of(ws, ws.config)["batches"]
    [sharded] = status_of(ws, spark_config)["batches"]
    for figure in ("files_read", "records", "docs", "groups", "bad_records"):
        assert sharded[figure] == single[figure], figure
    assert single["bad_records"] == 1
    # The file named, the same kind of failure; the reason is each reader's.
    assert ([q.split(": ")[:2] for q in sharded["quarantine"]]
            == [q.split(": ")[:2] for q in single["quarantine"]]
            == [["ads/part-9.parquet", "unreadable file"]])


def test_an_unreadable_parquet_file_under_stop_fails_the_job_naming_it(ws, spark_master):
    ws.write_config(shards=3, fmt="parquet", bad_records="stop")
    ws.gen(partitions=2, fmt="parquet")
    damaged = ws.path / "data" / "snapshot" / "ads" / "part-9.parquet"
    damaged.write_bytes(b"PAR1" + b"not a parquet file " * 40 + b"PAR1")
    proc = spark_submit(spark_master, "build-full", "-c", str(ws.config), check=False)
    assert proc.returncode == 1, proc.stdout[-3000:]
    [message] = [line for line in proc.stdout.splitlines() if line.startswith("freshet-spark:")]
    assert message.startswith("freshet-spark: build-full: a Spark job failed, nothing published")
    assert "CorruptionError: ads/part-9.parquet: unreadable file: " in proc.stdout
    assert not (ws.path / "index" / "CURRENT").exists()
    state = freshet.Metastore.open(f"sqlite:{ws.path / 'meta.db'}").state("ads")
    assert state.manifest_version == 0


def test_bad_record_under_stop_fails_the_job_and_commits_nothing(ws, spark_master):
    ws.write_config(shards=3, bad_records="stop")
    ws.gen(partitions=2)
    add_second_doc_file(ws)
    proc = spark_submit(spark_master, "build-full", "-c", str(ws.config), check=False)
    # spark-submit prints the application's stderr on its stdout.
    assert proc.returncode == 1, proc.stdout[-3000:]
    [message] = [line for line in proc.stdout.splitlines() if line.startswith("freshet-spark:")]
    assert message.startswith("freshet-spark: build-full: a Spark job failed, nothing published")
    # The first bad record of a shard, named by file and line of the whole file.
    assert re.search(r"CorruptionError: bad record at ads/part-1\.jsonl:(22|25|26|27|28): ",
                     proc.stdout)
    assert not (ws.path / "index" / "CURRENT").exists()
    state = freshet.Metastore.open(f"sqlite:{ws.path / 'meta.db'}").state("ads")
    assert state.manifest_version == 0


def test_a_stale_driver_cannot_commit(ws, spark):
    ws.write_config(shards=3, lease_ttl="1s")
    ws.gen(partitions=2)
    job = freshet_spark.plan(str(ws.config))
    cut = freshet_spark.cut_of(job, None)
    config = job.config()
    stale = freshet.Publisher(config, holder="driver-1")
    first_epoch = stale.start()
    results = freshet_spark.build_shards(spark, job)
    assert [r.shard for r in results] == [0, 1, 2]
    time.sleep(1.5)  # the first driver's lease runs out (a pause, a lost network)
    with freshet.Publisher(config, holder="driver-2") as second:
        second_epoch = second.epoch
        assert second_epoch > first_epoch
        with pytest.raises(freshet.FencedError):
            freshet_spark.publish(stale, job, cut, results)
        metastore = freshet.Metastore.open(config.metastore)
        assert metastore.state("ads").manifest_version == 0
        assert not (ws.path / "index" / "CURRENT").exists()
        # The driver holding the lease publishes the same segments.
        figures = freshet_spark.publish(second, job, cut, results)
    state = metastore.state("ads")
    assert (state.manifest_version, state.epoch, figures["epoch"]) == (1, second_epoch, second_epoch)
    assert manifest_of(ws, "index")["epoch"] == second_epoch


def test_the_driver_keeps_its_lease_while_the_job_runs(ws, spark_master):
    # A lease of 1 s: the job outlasts it many times over.
    ws.write_config(shards=3, lease_ttl="1s")
    ws.gen(partitions=2)
    config = freshet.Config.load(str(ws.config))
    metastore = freshet.Metastore.open(f"sqlite:{ws.path / 'meta.db'}")

    def holder():
        try:
            return metastore.state("ads").lease_holder
        except freshet.NotFoundError:
            return ""

    job = spark_submit(spark_master, "build-full", "-c", str(ws.config), "--holder", "driver-1",
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert e2e.wait_for(lambda: holder() == "driver-1", timeout=300, interval=0.05)
        time.sleep(2.5)
        assert job.poll() is None, "the job ended before its lease could have expired"
        with pytest.raises(freshet.LeaseHeldError):
            freshet.Publisher(config, holder="driver-2").start()
        out, _ = job.communicate(timeout=600)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode == 0, out[-5000:]
    assert metastore.state("ads").manifest_version == 1
