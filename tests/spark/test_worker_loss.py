"""A worker of the cluster killed in the middle of a freshet-spark build-full,
with the store on S3 (MinIO) and the metastore on PostgreSQL: Spark reruns the
lost tasks on the other worker, and the job still ends in one published base,
the one single-node `freshet build-full` publishes, and one commit.

It kills a worker of the session's cluster: the last file of the suite."""
import json
import os
import signal
import subprocess
import time

import freshet

from conftest import all_docs, e2e, manifest_of, spark_submit, status_of

requires_s3 = e2e.requires_s3
postgres_url = e2e.postgres_url  # fixtures: skip without PostgreSQL
s3_prefix = e2e.s3_prefix


@requires_s3
def test_a_worker_killed_mid_job_ends_in_one_correct_base_and_one_commit(
        tmp_path, spark_master, worker_pids, postgres_url, s3_prefix):
    assert len(worker_pids) == 2
    single = e2e.Workspace(tmp_path / "single")
    single.path.mkdir()
    single.write_config(shards=6)
    single.gen(partitions=2)
    single.cli("build-full")

    ws = e2e.Workspace(tmp_path / "cluster")
    ws.path.mkdir()
    ws.write_config(shards=6, metastore=postgres_url, name=f"spark-{time.time_ns()}")
    ws.gen(partitions=2, out=e2e.s3_url(s3_prefix + "/data"))
    e2e.use_s3_urls(ws, s3_prefix)
    config = freshet.Config.load(str(ws.config))
    output = freshet.Store.open(config.output)

    job = spark_submit(spark_master, "build-full", "-c", str(ws.config),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # Once the first shard's segment is written, the others are still to
        # be built (six shard tasks on two one-core executors).
        assert e2e.wait_for(lambda: output.list("segments/"), timeout=300, interval=0.02), \
            "no segment was written"
        assert "CURRENT" not in output.list(), "the job ended before a worker could be killed"
        os.kill(worker_pids[0], signal.SIGKILL)
        out, _ = job.communicate(timeout=600)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode == 0, out[-5000:]

    state = freshet.Metastore.open(config.metastore).state(config.name)
    assert state.manifest_version == 1
    batches = status_of(ws, ws.config)["batches"]
    assert [b["kind"] for b in batches] == ["base"]
    reference = manifest_of(single, "index")
    published = json.loads(output.get(output.get("CURRENT").decode().strip()))
    assert [s["key"] for s in published["base"]] == [s["key"] for s in reference["base"]]
    for s in published["base"]:
        assert output.get(s["key"]) == (single.path / "index" / s["key"]).read_bytes()
    # Retried tasks wrote the same objects: nothing but the base's segments.
    assert sorted(output.list("segments/")) == sorted(s["key"] for s in published["base"])
    assert all_docs(ws, ws.config) == all_docs(single, single.config)
