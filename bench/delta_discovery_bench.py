#!/usr/bin/env python3
"""Discovery of a Delta table's files from its log against listing the same
files as partition folders, in the same run (bench/delta_discovery_bench).

Builds a Delta table of --files small files over --commits commits (at full
size 100 000 files over 1 000 commits), one 5-minute partition per commit
(dt=/hour=/minute= folders, string partition columns), then times, best of
--repeat runs each:
  - log_full:         the table's state read from scratch from its log
                      (every JSON commit; then again after a checkpoint:
                      the checkpoint and no commit);
  - log_incremental:  a runner's next batch: one new commit;
  - listing:          the same files found by listing the partition folders,
                      hour by hour, as a folder source does;
and checks both find exactly the same files. The files are one tiny Parquet
file written once and hard-linked (copied where links fail); the commits are
JSON written by this script (delta-rs would take minutes to commit 1 000
times); delta-rs then reads the table back (version and file count must
match) and writes the checkpoint. --s3 copies the table into a MinIO bucket
(starting one with scripts/with-minio.sh when none is set) and times there.

    bench/delta_discovery_bench.py [--scale 0.01] [--s3] [--repeat 3] [--out FILE.json]

--scale multiplies --files and --commits (0.01: 1 000 files, 10 commits).
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_S = 1777852800  # 2026-05-04T00:00:00Z
PERIOD_S = 300
SCHEMA = {"type": "struct", "fields": [
    {"name": n, "type": t, "nullable": True, "metadata": {}}
    for n, t in (("ad_id", "string"), ("updated_at", "long"), ("dt", "string"),
                 ("hour", "string"), ("minute", "string"))]}


def partition_values(i):
    t = time.gmtime(START_S + i * PERIOD_S)
    return {"dt": time.strftime("%Y-%m-%d", t), "hour": time.strftime("%H", t),
            "minute": time.strftime("%M", t)}


def build_table(root, files, commits):
    """Writes the data files and the JSON commits; returns the seconds taken."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    started = time.time()
    root.mkdir(parents=True)
    template = root.parent / "template.parquet"
    pq.write_table(pa.table({"ad_id": ["a"], "updated_at": pa.array([1], pa.int64())}), template)
    size = template.stat().st_size
    log = root / "_delta_log"
    log.mkdir()
    per_commit = [files // commits + (1 if c < files % commits else 0) for c in range(commits)]
    now_ms = int(time.time() * 1000)
    n = 0
    for c in range(commits):
        values = partition_values(c)
        folder = "/".join(f"{k}={v}" for k, v in values.items())
        (root / folder).mkdir(parents=True, exist_ok=True)
        lines = [{"commitInfo": {"timestamp": now_ms, "operation": "WRITE",
                                 "operationParameters": {"mode": "Append"}}}]
        if c == 0:
            lines.append({"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}})
            lines.append({"metaData": {
                "id": str(uuid.uuid4()), "format": {"provider": "parquet", "options": {}},
                "schemaString": json.dumps(SCHEMA), "partitionColumns": list(values),
                "configuration": {}, "createdTime": now_ms}})
        for _ in range(per_commit[c]):
            path = f"{folder}/part-{n:06d}.parquet"
            try:
                os.link(template, root / path)
            except OSError:
                shutil.copyfile(template, root / path)
            lines.append({"add": {"path": path, "partitionValues": values, "size": size,
                                  "modificationTime": now_ms, "dataChange": True}})
            n += 1
        (log / f"{c:020d}.json").write_text("".join(json.dumps(x) + "\n" for x in lines))
    template.unlink()
    return time.time() - started


def check_with_delta_rs(root, files, commits):
    from deltalake import DeltaTable
    table = DeltaTable(str(root))
    assert table.version() == commits - 1, (table.version(), commits)
    found = len(table.file_uris())
    assert found == files, (found, files)


def run_bench(binary, url, commits, repeat):
    """Runs the C++ bench over the table's whole time span."""
    span = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
            for t in (START_S, START_S + commits * PERIOD_S)]
    p = subprocess.run([binary, "--table", url, "--repeat", str(repeat), "--from", span[0],
                        "--to", span[1]], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{binary} failed:\n{p.stdout}{p.stderr}")
    print(p.stdout, end="")
    result = p.stdout.strip().splitlines()[-1]
    assert result.startswith("RESULT "), result
    return {k: float(v) for k, v in (kv.split("=") for kv in result.split()[1:])}


def upload(root, prefix):
    import boto3
    from botocore.config import Config
    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                          config=Config(s3={"addressing_style": "path"}))
    bucket = os.environ["FRESHET_TEST_S3_BUCKET"]
    paths = [p for p in root.rglob("*") if p.is_file()]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda p: client.upload_file(str(p), bucket,
                                                   f"{prefix}/{p.relative_to(root)}"), paths))
    return f"s3://{bucket}/{prefix}"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default=str(ROOT / "build" / "release" / "bench" /
                                           "delta_discovery_bench"))
    ap.add_argument("--files", type=int, default=100000)
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--s3", action="store_true", help="time the table in a MinIO bucket too")
    ap.add_argument("--dir", help="where to build the table (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args()
    if args.s3 and not os.environ.get("FRESHET_TEST_S3_BUCKET"):
        os.execvp(str(ROOT / "scripts" / "with-minio.sh"),
                  [str(ROOT / "scripts" / "with-minio.sh"), sys.executable, *sys.argv])
    files = max(1, round(args.files * args.scale))
    commits = max(2, round(args.commits * args.scale))
    work = Path(args.dir or tempfile.mkdtemp(prefix="freshet-delta-bench-"))
    root = work / "table"
    figures = {"files": files, "commits": commits}
    try:
        print(f"== building a Delta table of {files} files over {commits} commits in {root}")
        figures["build_s"] = build_table(root, files, commits)
        check_with_delta_rs(root, files, commits)
        print(f"built in {figures['build_s']:.1f} s; delta-rs reads version {commits - 1}, "
              f"{files} files")
        print("== local folder, log without checkpoint")
        figures["local"] = run_bench(args.bench, str(root), commits, args.repeat)
        from deltalake import DeltaTable
        DeltaTable(str(root)).create_checkpoint()
        print("== local folder, log with a checkpoint at the newest version")
        figures["local_checkpoint"] = run_bench(args.bench, str(root), commits, args.repeat)
        if args.s3:
            url = upload(root, f"delta-bench-{uuid.uuid4().hex[:8]}/table")
            print(f"== {url} (with its checkpoint)")
            figures["s3_checkpoint"] = run_bench(args.bench, url, commits, args.repeat)
        if args.out:
            Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
