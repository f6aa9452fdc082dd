#!/usr/bin/env python3
"""The S3 store against boto3 on the same MinIO server, in the same run.

Writes (fixed seed) 10 000 objects of 1 KiB and 64 objects of 4 MiB, then
measures, best of --repeat runs each:
  - listing the 10 000 keys (ListObjectsV2 pages of 1000);
  - GET of the 10 000 small objects, and of the 64 large ones, with --threads threads;
for freshet (bench/s3_bench, the C++ S3 store) and for boto3 (a client shared
by a thread pool), and prints both and the ratio freshet/boto3 (higher is
better for freshet).

    scripts/with-minio.sh bench/s3_bench.py [--keys 10000] [--threads 8] [--repeat 3]

Without a server in the environment it starts one itself via scripts/with-minio.sh.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_figures(line):
    op, *pairs = line.split()
    return op, {k: float(v) for k, v in (p.split("=") for p in pairs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default=str(ROOT / "build" / "release" / "bench" / "s3_bench"))
    ap.add_argument("--keys", type=int, default=10000)
    ap.add_argument("--large", type=int, default=64, help="large objects (4 MiB each)")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    if not os.environ.get("FRESHET_TEST_S3_BUCKET"):
        os.execvp(str(ROOT / "scripts" / "with-minio.sh"),
                  [str(ROOT / "scripts" / "with-minio.sh"), sys.executable, *sys.argv])

    import boto3
    from botocore.config import Config

    bucket = os.environ["FRESHET_TEST_S3_BUCKET"]
    run_id = uuid.uuid4().hex[:8]
    small, large = f"bench-{run_id}/small", f"bench-{run_id}/large"

    def bench(*a):
        p = subprocess.run([args.bench, *a], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"s3_bench {' '.join(a)} failed:\n{p.stderr}")
        return parse_figures(p.stdout.strip().splitlines()[-1])[1]

    url = lambda prefix: f"s3://{bucket}/{prefix}"
    print(f"writing {args.keys} x 1 KiB and {args.large} x 4 MiB objects ...", flush=True)
    bench("put", url(small), "--keys", str(args.keys), "--size", "1024", "--threads", "16")
    bench("put", url(large), "--keys", str(args.large), "--size", str(4 << 20), "--threads", "4")

    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                          config=Config(s3={"addressing_style": "path"},
                                        max_pool_connections=max(10, args.threads * 2)))

    def boto_list(prefix):
        keys = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                      Prefix=prefix + "/"):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys

    def best_of(fn):
        best, result = float("inf"), None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - t0)
        return best, result

    def boto_get_all(keys):
        def one(k):
            return len(client.get_object(Bucket=bucket, Key=k)["Body"].read())
        with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
            return sum(pool.map(one, keys))

    boto_list(small)  # warm-up: connections, credentials
    rows = []
    f = bench("list", url(small), "--repeat", str(args.repeat))
    s, keys = best_of(lambda: boto_list(small))
    assert len(keys) == f["keys"] == args.keys
    rows.append((f"list {args.keys} keys (keys/s)", f["keys_per_s"], len(keys) / s))

    small_keys, large_keys = keys, boto_list(large)
    for label, prefix, keys in ((f"GET {args.keys} x 1 KiB (objects/s)", small, small_keys),
                                (f"GET {args.large} x 4 MiB (MiB/s)", large, large_keys)):
        f = bench("get", url(prefix), "--threads", str(args.threads), "--repeat", str(args.repeat))
        s, nbytes = best_of(lambda: boto_get_all(keys))
        if "MiB" in label:
            rows.append((label, f["mib_per_s"], nbytes / s / (1 << 20)))
        else:
            rows.append((label, f["objects_per_s"], len(keys) / s))

    print(f"\nS3 store vs boto3 {boto3.__version__}, same MinIO on loopback, "
          f"{args.threads} threads, best of {args.repeat}:")
    print(f"{'measure':<32} {'freshet':>10} {'boto3':>10} {'ratio':>7}")
    for label, ours, theirs in rows:
        print(f"{label:<32} {ours:>10.0f} {theirs:>10.0f} {ours / theirs:>6.2f}x")


if __name__ == "__main__":
    main()
