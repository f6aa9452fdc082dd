"""freshet-spark compact on the test cluster: the base it publishes is the one
`freshet compact` publishes from the same committed generation, shard for
shard and byte for byte, with the same answers and the watermark kept, also
over a base built under a memory budget (more segments than shards); a
stale driver cannot commit."""
import json
import os
import shutil
import subprocess
import time

import pytest

import freshet

from conftest import all_docs, e2e, freshet_spark, manifest_of, spark_submit, status_of

QUERIES = ["duvet", "camera OR duvet", "status:active bid:[1 TO 3]", "NOT status:active"]


def answers(config):
    out = {}
    for query in QUERIES:
        hits = json.loads(e2e.run(["query", query, "--json", "--limit", "100000", "--sort", "id",
                                   "--config", str(config)]).stdout)["hits"]
        out[query] = [h["id"] for h in hits]
    return out


def delta_generation(ws, budget=None):
    """A committed base of 3 shards and a delta of two layers over it (the
    sequential policy publishes a layer a partition): the ads-1m workload at
    scale 0.05, its base built within `budget` if given."""
    ws.write_config(shards=3, policy="sequential")
    if budget:
        text = ws.config.read_text().replace(
            "shards = 3", f'shards = 3\nmemory_budget = "{budget}"\nspill_dir = "spill"')
        ws.config.write_text(text)
    binary = e2e.binary_for(dict(os.environ))

    def gen(partitions, *extra):
        subprocess.run([binary, "gen", "--workload", "ads-1m", "--scale", "0.05", "--out",
                        str(ws.path / "data"), "--format", "jsonl", "--start", e2e.START,
                        "--partitions", str(partitions), *extra], check=True,
                       capture_output=True)
        ws.clock = e2e.clock_after(partitions)

    gen(1)
    ws.cli("build-full")
    gen(2, "--overwrite")
    ws.cli("run", "--once")
    ws.cli("run", "--once")
    manifest = manifest_of(ws, "index")
    assert max(s.get("layer", 0) for s in manifest["delta"]) == 1  # two layers
    return manifest


def twin(ws):
    """A copy of the workspace (data, output, metastore) with its own config
    path; its config."""
    copy = ws.path.parent / (ws.path.name + "-twin")
    shutil.copytree(ws.path, copy)
    return copy / "pipeline.toml"


def current(config):
    """The manifest CURRENT names in the output of `config`'s workspace."""
    index = config.parent / "index"
    return json.loads((index / (index / "CURRENT").read_text().strip()).read_text())


def assert_same_compaction(ws, single_config, spark_config, before):
    single, sharded = current(single_config), current(spark_config)
    for m in (single, sharded):
        assert "delta" not in m and m["version"] == before["version"] + 1
    assert len(sharded["base"]) == len(single["base"]) == 3
    for one, other in zip(single["base"], sharded["base"]):
        assert other["key"] == one["key"]
        assert ((spark_config.parent / "index" / other["key"]).read_bytes()
                == (single_config.parent / "index" / one["key"]).read_bytes())
        assert (other["docs"], other["groups"]) == (one["docs"], one["groups"])
    assert sharded["base_cut"] == single["base_cut"]
    assert all_docs(ws, spark_config) == all_docs(ws, single_config)
    assert answers(spark_config) == answers(single_config)
    for config in (single_config, spark_config):
        st = status_of(ws, config)
        assert st["batches"][0]["kind"] == "compact"
        assert st["watermark"] == before["target"]


@pytest.mark.parametrize("budget", [None, "16MiB"], ids=["in-memory-base", "spilled-base"])
def test_cluster_compaction_equals_single_node_compact(ws, spark_master, budget):
    before = delta_generation(ws, budget)
    if budget:
        assert len(before["base"]) > 3  # parts of shards: more segments than shards
    hits_before = all_docs(ws, ws.config)
    answers_before = answers(ws.config)
    spark_config = twin(ws)

    if budget:
        # `freshet compact` keeps within pipeline.memory_budget by writing each
        # shard in parts; freshet-spark compact writes one segment per shard
        # task (a task's memory is its executor's): compared at the default
        # budget, over the same spilled base.
        ws.config.write_text(ws.config.read_text().replace(f'memory_budget = "{budget}"\n', ""))
    assert "base compacted: version" in ws.cli("compact").stdout
    out = spark_submit(spark_master, "compact", "-c", str(spark_config))
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["manifest_version"] == before["version"] + 1
    assert figures["docs"] == len(hits_before)

    assert_same_compaction(ws, ws.config, spark_config, before)
    # Nothing a reader sees changes.
    assert all_docs(ws, spark_config) == hits_before
    assert answers(spark_config) == answers_before


def test_compact_without_delta_publishes_nothing(ws, spark_master):
    ws.write_config(shards=3)
    ws.gen(partitions=2)
    ws.cli("build-full")
    out = spark_submit(spark_master, "compact", "-c", str(ws.config))
    assert "nothing to compact: the committed generation has no delta" in out.stdout
    assert manifest_of(ws, "index")["version"] == 1


def test_a_stale_driver_cannot_commit_a_compaction(ws, spark):
    ws.write_config(shards=3, lease_ttl="1s", policy="sequential")
    ws.gen(partitions=3)
    ws.cli("build-full")
    ws.cli("run", "--once")
    before = manifest_of(ws, "index")
    assert "delta" in before
    pipeline = freshet_spark.read_pipeline(str(ws.config))
    config = pipeline.config()
    key = (ws.path / "index" / "CURRENT").read_text().strip()
    job = freshet_spark.CompactionJob(pipeline.config_path, pipeline.config_text,
                                      pipeline.config_dir, key,
                                      len(before["base"]) + len(before["delta"]))
    stale = freshet.Publisher(config, holder="driver-1")
    first_epoch = stale.start()
    results = freshet_spark.compact_shards(spark, job)
    assert len(results) == 3
    time.sleep(1.5)  # the first driver's lease runs out (a pause, a lost network)
    with freshet.Publisher(config, holder="driver-2") as second:
        assert second.epoch > first_epoch
        with pytest.raises(freshet.FencedError):
            freshet_spark.publish_compaction(stale, job, results)
        metastore = freshet.Metastore.open(config.metastore)
        assert metastore.state("ads").manifest_key == key
        assert manifest_of(ws, "index") == before
        # The driver holding the lease publishes the same segments...
        figures = freshet_spark.publish_compaction(second, job, results)
        assert figures["epoch"] == second.epoch
        # ...once: the generation they were made of is no longer committed.
        with pytest.raises(freshet.FailedPreconditionError, match="nothing published"):
            freshet_spark.publish_compaction(second, job, results)
    after = manifest_of(ws, "index")
    assert "delta" not in after and after["version"] == before["version"] + 1
    assert [s["key"] for s in after["base"]] == [r["ref"].key for r in results]


def test_a_damaged_segment_fails_the_job_and_commits_nothing(ws, spark_master):
    ws.write_config(shards=3, policy="sequential")
    ws.gen(partitions=3)
    ws.cli("build-full")
    ws.cli("run", "--once")
    before = manifest_of(ws, "index")
    damaged = ws.path / "index" / before["delta"][0]["key"]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    proc = spark_submit(spark_master, "compact", "-c", str(ws.config), check=False)
    # spark-submit prints the application's stderr on its stdout.
    assert proc.returncode == 1, proc.stdout[-3000:]
    [message] = [line for line in proc.stdout.splitlines() if line.startswith("freshet-spark:")]
    assert message.startswith("freshet-spark: compact: a Spark job failed, nothing published")
    # Every attempt of the task opening it names the segment.
    assert "CorruptionError" in proc.stdout and before["delta"][0]["key"] in proc.stdout
    assert manifest_of(ws, "index") == before
    state = freshet.Metastore.open(f"sqlite:{ws.path / 'meta.db'}").state("ads")
    assert state.manifest_key == (ws.path / "index" / "CURRENT").read_text().strip()
    assert state.manifest_version == before["version"]
