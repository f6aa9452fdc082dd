"""A Delta Lake table written by Spark with Delta Lake (source.format =
"delta"): appends over several commits, an UPDATE rewriting a file, the
checkpoint Spark writes every 10 commits, OPTIMIZE and VACUUM, checked after
each batch against the independent oracle fed with what Spark reads back.

On demand, with the Spark suite: it runs on a standalone cluster started by
scripts/with-spark.sh from a Spark that a Delta release supports (pyspark
and delta-spark in .venv-delta-spark, requirements-delta-spark.txt), so
    FRESHET_SPARK_VENV=.venv-delta-spark scripts/with-spark.sh \\
      .venv-delta-spark/bin/python -m pytest -q tests/e2e/test_delta_spark.py
(FRESHET_SPARK=1 scripts/test.sh runs that). Elsewhere (no `delta` module)
it is skipped."""
import json
import os

import pytest

from conftest import ROOT, clock_after
from spark_cluster import SPARK_CONF, session_builder

pytest.importorskip("delta", reason="pip install -r requirements-delta-spark.txt")
from delta import DeltaTable, configure_spark_with_delta_pip  # noqa: E402

from delta_tables import (PARTITION_COLUMNS, STREAMS, generate, last_version,  # noqa: E402
                          oracle_data, partition_pieces, table_path, write_delta_config)
from test_delta_source import committed, failed_run, run_through  # noqa: E402

pytestmark = pytest.mark.slow

# The cluster's settings, 1 GiB for the driver too (the machine is shared),
# few partitions for the small tables (Delta's state reconstruction and
# Spark's shuffles default to 50 and 200).
DELTA_SPARK_CONF = {
    **SPARK_CONF,
    "spark.driver.memory": "1g",
    "spark.sql.shuffle.partitions": "2",
    "spark.databricks.delta.snapshotPartitions": "2",
    # The Delta jars are resolved once into the project's cache folder.
    "spark.jars.ivy": str(ROOT / ".cache" / "ivy"),
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    # Tables are created without deletion vectors (freshet refuses them; a
    # Delta release may turn them on for new tables).
    "spark.databricks.delta.properties.defaults.enableDeletionVectors": "false",
}


@pytest.fixture(scope="module")
def spark():
    """A SparkSession with Delta Lake on the cluster of scripts/with-spark.sh."""
    builder = session_builder("freshet-delta-spark-test", DELTA_SPARK_CONF)
    # spark.jars.packages: the delta-spark artifact of the installed versions.
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    yield session
    session.stop()


class SparkReader:
    """What Spark with Delta Lake says a table holds (delta_tables.DeltaRsReader's
    interface)."""

    def __init__(self, spark):
        self.spark = spark

    def rows(self, path):
        return self.spark.read.format("delta").load(str(path)).toArrow().to_pylist()

    def version(self, path):
        return DeltaTable.forPath(self.spark, str(path)).history(1).collect()[0]["version"]


def spark_append(spark, ws, first, count, pieces):
    """Appends generated partitions first .. first + count - 1 to the tables
    with Spark, `pieces` commits per partition and stream."""
    for stream, rows in partition_pieces(ws, first, count, pieces):
        (spark.createDataFrame(rows).write.format("delta").mode("append")
         .partitionBy(*PARTITION_COLUMNS).save(str(table_path(ws, stream))))


def log_actions(ws, stream, version):
    """The actions of one commit of the table, as dicts."""
    log = table_path(ws, stream) / "_delta_log" / f"{version:020d}.json"
    return [json.loads(line) for line in log.read_text().splitlines() if line]


def test_a_table_written_by_spark_matches_the_oracle_through_update_checkpoint_optimize_vacuum(
        ws, spark):
    reader = SparkReader(spark)
    write_delta_config(ws)
    generate(ws, 6, 11)
    ws.cli("build-full")

    # Four partitions, two commits each: versions 0 to 7.
    spark_append(spark, ws, 0, 4, pieces=2)
    first = log_actions(ws, "ads", 0)
    protocol = next(a["protocol"] for a in first if "protocol" in a)
    assert "deletionVectors" not in protocol.get("readerFeatures", []), protocol
    assert run_through(ws, 4, reader)["source_version"] == 7

    # An UPDATE rewrites the files of the rows it changes: remove + add.
    DeltaTable.forPath(spark, str(table_path(ws, "ads"))).update(
        condition="minute = '05' AND status = 'active'",
        set={"status": "'paused'", "bid": "bid * 2"})
    update = log_actions(ws, "ads", 8)
    assert [a for a in update if "remove" in a] and [a for a in update if "add" in a], update
    assert run_through(ws, 4, reader)["source_version"] == 8

    # Two more partitions, two commits each: versions 9 to 12, and Spark's
    # checkpoint of version 10 (written every 10 commits), named by
    # _last_checkpoint. Each `run --once` is a new runner: it starts from it.
    spark_append(spark, ws, 4, 2, pieces=2)
    log = table_path(ws, "ads") / "_delta_log"
    assert (log / f"{10:020d}.checkpoint.parquet").exists(), sorted(os.listdir(log))
    last_checkpoint = json.loads((log / "_last_checkpoint").read_text())
    # A classic checkpoint: no V2 checkpoint (no v2Checkpoint field, no sidecars).
    assert last_checkpoint["version"] == 10 and "v2Checkpoint" not in last_checkpoint
    assert run_through(ws, 6, reader)["source_version"] == 12
    before, _ = ws.all_docs()

    # OPTIMIZE folds each partition's files into one (dataChange = false);
    # VACUUM, its retention check off, deletes the files it replaced.
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    for stream in STREAMS:
        table = DeltaTable.forPath(spark, str(table_path(ws, stream)))
        metrics = table.optimize().executeCompaction().collect()[0]["metrics"]
        assert metrics["numFilesRemoved"] > metrics["numFilesAdded"] > 0, metrics
        table.vacuum(0)
    replaced = [a["remove"]["path"] for v in range(0, last_version(ws, "ads", reader) + 1)
                for a in log_actions(ws, "ads", v) if "remove" in a]
    assert replaced and not any((table_path(ws, "ads") / p).exists() for p in replaced)
    version = ws.status()["manifest_version"]
    st = run_through(ws, 6, reader)
    # Republished from the files OPTIMIZE wrote, with the same docs.
    assert st["manifest_version"] == version + 1
    after, _ = ws.all_docs()
    assert after == before

    # Deletion vectors and V2 checkpoints turned on: the table is refused by
    # the features' names, what is published stays.
    published = committed(ws)
    spark.sql(f"ALTER TABLE delta.`{table_path(ws, 'ads')}` SET TBLPROPERTIES "
              "('delta.enableDeletionVectors' = 'true', 'delta.checkpointPolicy' = 'v2')")
    protocol = next(a["protocol"] for a in log_actions(ws, "ads", last_version(ws, "ads", reader))
                    if "protocol" in a)
    assert {"deletionVectors", "v2Checkpoint"} <= set(protocol["readerFeatures"]), protocol
    err = failed_run(ws, clock=clock_after(6))
    assert "needs what freshet does not implement: reader feature" in err, err
    assert "deletionVectors" in err and "v2Checkpoint" in err, err
    assert committed(ws) == published
