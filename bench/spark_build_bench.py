#!/usr/bin/env python3
"""freshet-spark build-full beside single-node freshet build-full, and a
scale model computed from the measured rates.

In one run, with a fixed seed: generates the workload's snapshot (default
ads-1m: 1 M ads, 100 k items, Parquet), builds the base with `freshet
build-full` on this machine, then starts a Spark standalone cluster with
scripts/with-spark.sh (FRESHET_SPARK_WORKERS workers of one core) and runs
`freshet-spark build-full` through it on the same snapshot, into another
output and metastore. Prints and writes bench/results/spark-build-WORKLOAD.{json,md}
(WORKLOAD-scaleF for --scale F):

  - both wall times and the Spark overhead (ratio), split from Spark's own
    metrics (its event log): the driver's start-up before the first job, the
    jobs, the driver's publish and commit after them, the JVM's launch and
    shutdown; per stage, the task time and what of it is Spark's: scheduler
    delay, task deserialization, result serialization, JVM GC, shuffle write
    time and shuffle fetch wait;
  - per shard: docs, the task's run time and its build rate (docs/s per task);
  - shuffle bytes (written by the read stage, read by the shard tasks);
  - memory per task: the peak resident memory of the executor's Python
    workers and of its JVM during each stage (Spark's process-tree metrics;
    one core per executor, so one task at a time), and the peak of the
    whole cluster's process tree;
  - a scale model for --target-docs docs and --target-bytes bytes of input
    (default 100 M docs, 500 GB) on 16, 64 and 256 cores (--cores), from
    those measured rates, its assumptions listed with it.

    bench/spark_build_bench.py [--workload ads-1m|ads-10m|tiny] [--scale F] [--shards N]
        [--workers N] [--executor-memory SIZE] [--dir DIR] [--keep]
        [--target-docs N] [--target-bytes N] [--cores 16,64,256]
        [--file-bytes N] [--task-memory-bytes N] [--net-bytes-per-s N]

Runs on one machine: the workers share its cores with the driver, so the
measured per-task rates, not the wall times, are what the model scales.
"""
import argparse
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline_bench import ROOT, SEED, START, Freshet, base_build, measure  # noqa: E402

APP = ROOT / "spark" / "freshet_spark.py"
MAX_SHARDS = 256  # pipeline.shards' upper bound


def ms(value):
    return round(value / 1000, 3)


def write_configs(work, data, shards, binary):
    """The single-node pipeline (work/single) and the cluster's (work/spark):
    the same snapshot, shards and settings, each its own output and metastore."""
    out = {}
    for name in ("single", "spark"):
        f = Freshet(binary, work / name)
        f.write_config(data=str(data))
        text = Path(f.config).read_text()
        assert "shards = 2" in text
        Path(f.config).write_text(text.replace("shards = 2", f"shards = {shards}"))
        out[name] = f
    return out


def snapshot_bytes(data):
    files = [p for p in (data / "snapshot").rglob("*") if p.is_file() and not p.name.startswith(("_", "."))
             and p.name != "CUT"]
    return sum(p.stat().st_size for p in files), len(files)


def run_on_cluster(f, work, args):
    """spark-submit freshet-spark build-full beside a cluster of
    scripts/with-spark.sh; (Measured of the whole, the submit's own seconds,
    the event log's path)."""
    events = work / "spark-events"
    events.mkdir(exist_ok=True)
    conf = {
        "spark.executor.cores": "1",
        "spark.cores.max": str(args.workers),
        "spark.executor.memory": args.executor_memory,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": events.as_uri(),
        "spark.eventLog.compress": "false",
        "spark.eventLog.logStageExecutorMetrics": "true",
        "spark.executor.processTreeMetrics.enabled": "true",
        "spark.executor.metrics.pollingInterval": "200ms",
    }
    confs = " ".join(f"--conf {k}={v}" for k, v in conf.items())
    stamps = work / "submit-seconds"
    script = (f'start=$(date +%s.%N); "$SPARK_HOME/bin/spark-submit" --master "$FRESHET_TEST_SPARK_MASTER" '
              f'{confs} {APP} build-full -c {f.config}; rc=$?; '
              f'echo "$start $(date +%s.%N)" > {stamps}; exit $rc')
    env = dict(os.environ, FRESHET_SPARK_WORKERS=str(args.workers),
               FRESHET_SPARK_WORKER_MEMORY=args.worker_memory)
    m = measure([str(ROOT / "scripts" / "with-spark.sh"), "bash", "-c", script], env=env)
    if m.returncode != 0:
        sys.exit(f"freshet-spark build-full failed ({m.returncode}):\n{m.stdout[-3000:]}\n{m.stderr[-3000:]}")
    start, end = (float(x) for x in stamps.read_text().split())
    [log] = list(events.iterdir())
    return m, end - start, log


def event_lines(path):
    """The lines of an event log: a folder of rolling files (Spark 4's
    eventlog_v2_*, events_N_* in order) or one file."""
    files = sorted(path.glob("events_*"), key=lambda p: int(p.name.split("_")[1])) if path.is_dir() else [path]
    for file in files:
        with file.open() as f:
            yield from f


def read_event_log(path):
    """What the bench reads of Spark's event log: application, jobs, stages,
    tasks and per-stage executor metric peaks."""
    app, jobs, stages, tasks, peaks = {}, [], {}, [], []
    for line in event_lines(path):
        e = json.loads(line)
        kind = e["Event"]
        if kind == "SparkListenerApplicationStart":
            app["start"] = e["Timestamp"]
        elif kind == "SparkListenerApplicationEnd":
            app["end"] = e["Timestamp"]
        elif kind == "SparkListenerJobStart":
            jobs.append({"id": e["Job ID"], "start": e["Submission Time"]})
        elif kind == "SparkListenerJobEnd":
            next(j for j in jobs if j["id"] == e["Job ID"])["end"] = e["Completion Time"]
        elif kind == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            stages[info["Stage ID"]] = {"name": info["Stage Name"], "tasks": info["Number of Tasks"],
                                        "start": info.get("Submission Time"),
                                        "end": info.get("Completion Time")}
        elif kind == "SparkListenerTaskEnd" and e.get("Task Metrics"):
            tasks.append(e)
        elif kind == "SparkListenerStageExecutorMetrics":
            peaks.append(e)
    return app, jobs, stages, tasks, peaks


def task_figures(e):
    info, m = e["Task Info"], e["Task Metrics"]
    read = m.get("Shuffle Read Metrics", {})
    write = m.get("Shuffle Write Metrics", {})
    duration = info["Finish Time"] - info["Launch Time"]
    getting = info["Finish Time"] - info["Getting Result Time"] if info.get("Getting Result Time") else 0
    run, deser, ser = m["Executor Run Time"], m["Executor Deserialize Time"], m["Result Serialization Time"]
    return {
        "stage": e["Stage ID"], "index": info["Index"], "attempt": info.get("Attempt", 0),
        "executor": info["Executor ID"], "successful": not info.get("Failed", False),
        "duration_ms": duration, "run_ms": run, "cpu_ms": m.get("Executor CPU Time", 0) / 1e6,
        "deserialize_ms": deser, "result_serialize_ms": ser, "gc_ms": m.get("JVM GC Time", 0),
        # As Spark's UI computes it: what the task's duration holds beside its work.
        "scheduler_delay_ms": max(0, duration - run - deser - ser - getting),
        "shuffle_write_bytes": write.get("Shuffle Bytes Written", 0),
        "shuffle_write_ms": write.get("Shuffle Write Time", 0) / 1e6,
        "shuffle_read_bytes": read.get("Remote Bytes Read", 0) + read.get("Local Bytes Read", 0),
        "fetch_wait_ms": read.get("Fetch Wait Time", 0),
        "spilled_bytes": m.get("Disk Bytes Spilled", 0),
    }


def stage_figures(stage, tasks, peaks):
    spark_ms = sum(t["scheduler_delay_ms"] + t["deserialize_ms"] + t["result_serialize_ms"] + t["gc_ms"]
                   + t["shuffle_write_ms"] + t["fetch_wait_ms"] for t in tasks)
    run_ms = sum(t["run_ms"] for t in tasks)
    python = [p["Executor Metrics"].get("ProcessTreePythonRSSMemory", 0) for p in peaks]
    jvm = [p["Executor Metrics"].get("ProcessTreeJVMRSSMemory", 0) for p in peaks]
    return {
        "name": stage["name"], "tasks": len(tasks),
        "wall_s": ms(stage["end"] - stage["start"]) if stage.get("end") and stage.get("start") else None,
        "task_run_s": ms(run_ms), "task_jvm_cpu_s": ms(sum(t["cpu_ms"] for t in tasks)),
        "spark_task_s": ms(spark_ms),
        "scheduler_delay_s": ms(sum(t["scheduler_delay_ms"] for t in tasks)),
        "deserialize_s": ms(sum(t["deserialize_ms"] for t in tasks)),
        "result_serialize_s": ms(sum(t["result_serialize_ms"] for t in tasks)),
        "gc_s": ms(sum(t["gc_ms"] for t in tasks)),
        "shuffle_write_s": ms(sum(t["shuffle_write_ms"] for t in tasks)),
        "fetch_wait_s": ms(sum(t["fetch_wait_ms"] for t in tasks)),
        "shuffle_write_bytes": sum(t["shuffle_write_bytes"] for t in tasks),
        "shuffle_read_bytes": sum(t["shuffle_read_bytes"] for t in tasks),
        "spilled_bytes": sum(t["spilled_bytes"] for t in tasks),
        "peak_python_rss_per_executor_mib": round(max(python, default=0) / 2**20),
        "peak_jvm_rss_per_executor_mib": round(max(jvm, default=0) / 2**20),
    }


def spark_figures(log, shard_docs):
    app, jobs, stages, raw_tasks, peaks = read_event_log(log)
    tasks = [task_figures(e) for e in raw_tasks]
    failed = [t for t in tasks if not t["successful"]]
    tasks = [t for t in tasks if t["successful"]]
    by_stage = {}
    for t in tasks:
        by_stage.setdefault(t["stage"], []).append(t)
    # The read stage writes the shuffle; the shard stage reads it.
    read_id = next(s for s, ts in by_stage.items() if sum(t["shuffle_write_bytes"] for t in ts) > 0)
    build_id = next(s for s, ts in by_stage.items() if s != read_id)
    read, build = (stage_figures(stages[sid], by_stage[sid], [p for p in peaks if p["Stage ID"] == sid])
                   for sid in (read_id, build_id))
    shards = []
    for t in sorted(by_stage[build_id], key=lambda t: t["index"]):
        docs = shard_docs[t["index"]]
        shards.append({"shard": t["index"], "docs": docs, "run_s": ms(t["run_ms"]),
                       "docs_per_s": round(docs / max(t["run_ms"], 1) * 1000),
                       "shuffle_read_bytes": t["shuffle_read_bytes"], "executor": t["executor"]})
    first_job = min(j["start"] for j in jobs)
    last_job = max(j["end"] for j in jobs)
    return {
        "app_s": ms(app["end"] - app["start"]),
        "driver_start_s": ms(first_job - app["start"]),
        "jobs_s": ms(last_job - first_job),
        "driver_publish_s": ms(app["end"] - last_job),
        "failed_task_attempts": len(failed),
        "read_stage": read, "build_stage": build, "shards": shards,
    }


def scale_model(measured, args):
    """Wall time, tasks, memory and shuffle of a build of args.target_docs
    docs from args.target_bytes bytes of input, per core count, from the
    measured per-task rates."""
    docs, input_bytes = measured["docs"], measured["input_bytes"]
    read, build, shards = measured["spark"]["read_stage"], measured["spark"]["build_stage"], measured["spark"]["shards"]
    # The read stage's rate per task (one core), by docs (Parquet: only the
    # projected columns are decoded) and by input bytes (JSON Lines: every
    # byte is parsed).
    read_docs_rate = docs / max(read["task_run_s"], 1e-3)
    read_rate = input_bytes / max(read["task_run_s"], 1e-3)
    rates = [s["docs_per_s"] for s in shards]
    build_rate = statistics.median(rates)  # docs/s per shard task (one core)
    times = [s["run_s"] for s in shards]
    skew = max(times) / statistics.mean(times) if statistics.mean(times) > 0 else 1
    shuffle_per_doc = read["shuffle_write_bytes"] / docs
    shuffle_per_input_byte = read["shuffle_write_bytes"] / input_bytes
    build_docs_max = max(s["docs"] for s in shards)
    # A shard task's memory: a Python worker with freshet and pyarrow loaded
    # (the smaller stage peak) plus its builder's, per doc of its shard: the
    # larger of the shard tasks' measured growth over that base and the
    # single node's whole build (the same C++ builder) per doc.
    python_peaks = [read["peak_python_rss_per_executor_mib"] * 2**20,
                    build["peak_python_rss_per_executor_mib"] * 2**20]
    base_rss = min(python_peaks)
    rss_per_doc = max((python_peaks[1] - base_rss) / max(build_docs_max, 1),
                      measured["single"]["peak_rss_mib"] * 2**20 / docs)
    # A read task holds its file and its split parts: its growth over the
    # base grows with the file's size.
    mean_file = input_bytes / measured["input_files"]
    read_memory = base_rss + (python_peaks[0] - base_rss) * max(1.0, args.file_bytes / mean_file)
    fixed_s = measured["spark"]["driver_start_s"] + measured["spark"]["driver_publish_s"]

    T, B = args.target_docs, args.target_bytes
    # Shards: the fewest whose tasks fit the memory a task may use, at least
    # one per core of the largest cluster, at most pipeline.shards' bound.
    needed = math.ceil(T * rss_per_doc / max(args.task_memory_bytes - base_rss, 1))
    S = min(MAX_SHARDS, max(needed, max(args.cores)))
    docs_per_shard = T / S
    task_memory = base_rss + rss_per_doc * docs_per_shard
    read_tasks = math.ceil(B / args.file_bytes)
    docs_per_file = T / read_tasks
    shuffle_low, shuffle_high = T * shuffle_per_doc, B * shuffle_per_input_byte
    rows = []
    for cores in args.cores:
        waves = math.ceil(read_tasks / cores)
        read_s = waves * (docs_per_file / read_docs_rate)
        read_bytes_s = waves * (args.file_bytes / read_rate)
        network_s = shuffle_low / (cores * args.net_bytes_per_s)
        build_s = math.ceil(S / cores) * (docs_per_shard / build_rate) * skew
        rows.append({"cores": cores, "read_stage_s": round(read_s),
                     "read_stage_if_by_bytes_s": round(read_bytes_s), "shuffle_network_s": round(network_s),
                     "build_stage_s": round(build_s), "fixed_s": round(fixed_s),
                     "wall_s": round(read_s + network_s + build_s + fixed_s)})
    return {
        "target_docs": T, "target_input_bytes": B,
        "measured_rates": {
            "read_docs_per_s_per_task": round(read_docs_rate), "read_bytes_per_s_per_task": round(read_rate),
            "build_docs_per_s_per_task": round(build_rate),
            "shard_time_skew_max_over_mean": round(skew, 3),
            "shuffle_bytes_per_doc": round(shuffle_per_doc, 1),
            "shuffle_bytes_per_input_byte": round(shuffle_per_input_byte, 3),
            "python_rss_base_mib": round(base_rss / 2**20), "python_rss_bytes_per_doc": round(rss_per_doc),
            "driver_fixed_s": round(fixed_s, 3),
        },
        "shards": S, "shards_needed_for_memory": needed, "docs_per_shard": round(docs_per_shard),
        "read_tasks": read_tasks, "build_tasks": S, "memory_per_build_task_gib": round(task_memory / 2**30, 2),
        "memory_per_read_task_gib": round(read_memory / 2**30, 2),
        "shuffle_bytes": round(shuffle_low), "shuffle_bytes_if_every_input_byte_is_read": round(shuffle_high),
        "by_cores": rows,
        "assumptions": [
            f"input files of {args.file_bytes / 2**20:.0f} MiB, one read task each, Parquet: reading and "
            "splitting a file costs time in proportion to its docs (only the projected columns are decoded "
            "and shuffled), at the measured docs/s per read task; the figure 'by bytes' assumes instead a "
            "cost in proportion to the input's bytes, at the measured bytes/s (JSON Lines, every byte parsed, "
            "and records as wide as the measured ones)",
            "each shard task builds its shard alone at the measured median docs/s per task, its time "
            "proportional to its docs, times the measured skew of the slowest shard over the mean",
            "the read stage ships each record's projected columns: shuffle bytes per doc as measured (the "
            "input's other columns are not shuffled); the upper figure scales with the input's bytes instead",
            f"the shuffle crosses the network at {args.net_bytes_per_s / 1e6:.0f} MB/s per core, on top of "
            "the measured task times (which include the local shuffle's fetch)",
            "a shard task's memory is the Python worker's measured base plus, per doc of its shard, the "
            "larger of the measured growth per doc and the single node's peak RSS per doc; a read task's "
            f"grows over that base with its file's size from the measured read-stage peak; shards are the fewest whose tasks fit {args.task_memory_bytes / 2**30:.1f} GiB, at least "
            f"one per core and at most {MAX_SHARDS} (pipeline.shards' bound)",
            "stages run one after the other, each in waves of one task per core; the driver's start-up, "
            "publish and commit take the measured fixed time",
            "rates measured on this machine (its cores shared by the cluster, the driver and other work) "
            "hold per core on the cluster's machines; storage (S3) bandwidth does not limit the read stage",
        ],
    }


def gib(n):
    return f"{n / 2**30:.2f} GiB"


def markdown(r):
    s, sp = r["single"], r["spark"]
    rd, bd = sp["read_stage"], sp["build_stage"]
    model = r["model"]
    out = [f"# freshet-spark build-full: {r['workload']}", "",
           f"Command: `{r['command']}`. Machine: {r['machine']}. Load average at the start: {r['load']}.",
           f"Snapshot: {r['docs']:,} docs, {r['input_files']} files, {r['input_bytes']:,} bytes; "
           f"{r['shards']} shards; cluster: {r['workers']} workers of one core.", "",
           "| figure | single node `freshet build-full` | `freshet-spark build-full` |", "| --- | --- | --- |",
           f"| wall time | {s['seconds']} s ({s['docs_per_s']:,} docs/s) | {r['spark_submit_s']} s "
           f"(spark-submit; {r['cluster_s']} s with the cluster's start and stop) |",
           f"| Spark overhead | | {r['overhead_ratio']}x the single node |",
           f"| peak RSS | {s['peak_rss_mib']} MiB | {r['cluster_peak_rss_mib']} MiB (master, workers, "
           "driver, executors, Python workers) |", "",
           "Where the Spark run's time goes (Spark's event log):", "",
           "| part | seconds |", "| --- | --- |",
           f"| JVM launch and shutdown (spark-submit outside the application) | {r['launch_s']} |",
           f"| driver start-up before the first job (SparkContext, executors, freshet's listing) | {sp['driver_start_s']} |",
           f"| jobs (read and shuffle, shard builds) | {sp['jobs_s']} |",
           f"| driver publish and commit, stop | {sp['driver_publish_s']} |", "",
           "| stage | tasks | wall s | task run s | task JVM CPU s (the Python workers' CPU is not counted) | Spark's part of task time s (scheduler, "
           "deserialize, result serialize, GC, shuffle write, fetch wait) | shuffle written / read | peak "
           "Python / JVM RSS per executor |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, st in (("read and split (one task per file)", rd), ("shard build (one task per shard)", bd)):
        out.append(f"| {name} | {st['tasks']} | {st['wall_s']} | {st['task_run_s']} | {st['task_jvm_cpu_s']} | "
                   f"{st['spark_task_s']} ({st['scheduler_delay_s']}, {st['deserialize_s']}, "
                   f"{st['result_serialize_s']}, {st['gc_s']}, {st['shuffle_write_s']}, {st['fetch_wait_s']}) | "
                   f"{st['shuffle_write_bytes']:,} / {st['shuffle_read_bytes']:,} | "
                   f"{st['peak_python_rss_per_executor_mib']} / {st['peak_jvm_rss_per_executor_mib']} MiB |")
    out += ["", "| shard | docs | task run s | docs/s per task |", "| --- | --- | --- | --- |"]
    out += [f"| {x['shard']} | {x['docs']:,} | {x['run_s']} | {x['docs_per_s']:,} |" for x in sp["shards"]]
    rates = model["measured_rates"]
    out += ["", f"## Scale model: {model['target_docs'] / 1e6:g} M docs, {model['target_input_bytes'] / 1e9:g} GB "
            "of input", "",
            f"Measured inputs: read and split {rates['read_docs_per_s_per_task']:,} docs/s "
            f"({rates['read_bytes_per_s_per_task'] / 1e6:.1f} MB/s) per task; "
            f"build {rates['build_docs_per_s_per_task']:,} docs/s per shard task (slowest shard "
            f"{rates['shard_time_skew_max_over_mean']}x the mean); shuffle {rates['shuffle_bytes_per_doc']} "
            f"bytes per doc ({rates['shuffle_bytes_per_input_byte']} per input byte); Python worker "
            f"{rates['python_rss_base_mib']} MiB + {rates['python_rss_bytes_per_doc']} bytes per doc of its "
            f"shard; driver fixed {rates['driver_fixed_s']} s.", "",
            f"Tasks: {model['read_tasks']:,} read tasks, {model['build_tasks']} shard tasks "
            f"({model['docs_per_shard']:,} docs each); memory per shard task {model['memory_per_build_task_gib']} "
            f"GiB, per read task {model['memory_per_read_task_gib']} GiB; shuffle {model['shuffle_bytes'] / 1e9:.1f} GB (up to "
            f"{model['shuffle_bytes_if_every_input_byte_is_read'] / 1e9:.1f} GB if every input byte were read).", "",
            "| cores | read stage s (by docs; by bytes) | shuffle over the network s | build stage s | driver s "
            "| wall time |", "| --- | --- | --- | --- | --- | --- |"]
    for row in model["by_cores"]:
        out.append(f"| {row['cores']} | {row['read_stage_s']:,}; {row['read_stage_if_by_bytes_s']:,} | "
                   f"{row['shuffle_network_s']:,} | "
                   f"{row['build_stage_s']:,} | {row['fixed_s']} | {row['wall_s']:,} s "
                   f"({row['wall_s'] / 60:.1f} min) |")
    out += ["", "Assumptions:", ""] + [f"- {a}" for a in model["assumptions"]]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="ads-1m", choices=["ads-1m", "ads-10m", "tiny"])
    ap.add_argument("--scale", type=float, default=1, help="the workload's size factor (`freshet gen --scale`)")
    ap.add_argument("--shards", type=int, default=4, help="pipeline.shards of both builds (default 4)")
    ap.add_argument("--workers", type=int, default=2, help="Spark workers of one core each (default 2)")
    ap.add_argument("--worker-memory", default="2g", help="memory of each worker (default 2g)")
    ap.add_argument("--executor-memory", default="1g", help="spark.executor.memory (default 1g)")
    ap.add_argument("--bin", default=str(ROOT / "build" / "release" / "freshet"))
    ap.add_argument("--dir", help="work folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--target-docs", type=float, default=100e6, help="the model's docs (default 100e6)")
    ap.add_argument("--target-bytes", type=float, default=500e9, help="the model's input bytes (default 500e9)")
    ap.add_argument("--cores", default="16,64,256", help="the model's core counts (default 16,64,256)")
    ap.add_argument("--file-bytes", type=float, default=256 * 2**20,
                    help="the model's input file size (default 256 MiB)")
    ap.add_argument("--task-memory-bytes", type=float, default=4 * 2**30,
                    help="memory a shard task may use in the model (default 4 GiB)")
    ap.add_argument("--net-bytes-per-s", type=float, default=100e6,
                    help="the model's network bandwidth per core for the shuffle (default 100e6)")
    args = ap.parse_args()
    args.cores = [int(c) for c in args.cores.split(",")]
    if not 1 <= args.shards <= MAX_SHARDS:
        ap.error(f"--shards is 1 to {MAX_SHARDS}")

    work = Path(args.dir or tempfile.mkdtemp(prefix="freshet-spark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    load = os.getloadavg()[0]
    try:
        builds = write_configs(work, data, args.shards, args.bin)
        print(f"generating {args.workload} (scale {args.scale:g}) in {data}", flush=True)
        builds["single"].gen(args.workload, data, 1, args.scale)
        input_bytes, input_files = snapshot_bytes(data)

        print("single node: freshet build-full", flush=True)
        single = base_build(builds["single"])
        print(f"  {single['seconds']} s, {single['docs']:,} docs, peak RSS {single['peak_rss_mib']} MiB", flush=True)

        print(f"cluster: scripts/with-spark.sh ({args.workers} workers), freshet-spark build-full", flush=True)
        m, submit_s, log = run_on_cluster(builds["spark"], work, args)
        index = builds["spark"].work / "index"
        manifest = json.loads((index / (index / "CURRENT").read_text().strip()).read_text())
        single_index = builds["single"].work / "index"
        single_manifest = json.loads((single_index / (single_index / "CURRENT").read_text().strip()).read_text())
        if [s["key"] for s in manifest["base"]] != [s["key"] for s in single_manifest["base"]]:
            sys.exit("the cluster's base differs from the single node's: no figures")
        spark = spark_figures(log, [s["docs"] for s in manifest["base"]])
        spark_seconds = round(submit_s, 3)
        result = {
            "workload": args.workload if args.scale == 1 else f"{args.workload}-scale{args.scale:g}",
            "command": "bench/spark_build_bench.py " + " ".join(sys.argv[1:]),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores", "load": round(load, 2),
            "seed": SEED, "start": START, "shards": args.shards, "workers": args.workers,
            "docs": single["docs"], "input_bytes": input_bytes, "input_files": input_files,
            "single": single, "spark_submit_s": spark_seconds, "cluster_s": round(m.seconds, 3),
            "launch_s": round(spark_seconds - spark["app_s"], 3),
            "overhead_ratio": round(spark_seconds / single["seconds"], 2),
            "cluster_peak_rss_mib": round(m.peak_rss_mib), "spark": spark,
        }
        result["model"] = scale_model(result, args)
        text = markdown(result)
        print(text)
        results = ROOT / "bench" / "results"
        results.mkdir(exist_ok=True)
        name = f"spark-build-{result['workload']}"
        (results / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        (results / f"{name}.md").write_text(text)
        print(f"wrote bench/results/{name}.json and .md")
    finally:
        if args.keep or args.dir:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
