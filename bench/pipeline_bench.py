#!/usr/bin/env python3
"""freshet's own pipeline figures on a reference workload, with a fixed seed.

Generates the workload (default ads-1m: 1 M ads, 100 k items, 60 partitions
of 5 minutes plus one more), builds the base, then measures:
  - base build: wall time and docs/s;
  - cold window rebuild: the first batch over the 60-partition window;
  - steady state: a batch after one new partition arrives (window of 61,
    earlier files served from the cache), repeated --steady times in one
    runner process (the loop of `freshet run`);
and prints each phase (list, read, build, publish, commit) from the batch log.

    bench/pipeline_bench.py [--workload ads-1m|tiny] [--dir DIR] [--keep]
"""
import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START = "2026-05-04T10:00:00Z"


def ts(seconds):
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="ads-1m", choices=["ads-1m", "tiny"])
    ap.add_argument("--bin", default=str(ROOT / "build" / "release" / "freshet"))
    ap.add_argument("--dir", help="work folder (default: a temporary one)")
    ap.add_argument("--steady", type=int, default=3, help="steady-state batches to measure")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--speed", type=float, default=10,
                    help="simulated clock speed of the steady-state loop; a batch must take less "
                         "than one period (300 s) of simulated time to see one new partition each")
    args = ap.parse_args()
    window = 60 if args.workload == "ads-1m" else 12
    work = Path(args.dir or tempfile.mkdtemp(prefix="freshet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    start_s = int(dt.datetime.fromisoformat(START.replace("Z", "+00:00")).timestamp())
    period = 300
    partitions = window + args.steady
    cfg = (ROOT / "examples" / "ads-pipeline.toml").read_text()
    cfg = cfg.replace('format = "jsonl"', 'format = "parquet"').replace('delay = "2m"', 'delay = "1m"').replace('retention = "1h"', 'retention = "100d"')
    (work / "pipeline.toml").write_text(cfg)

    def freshet(*a, clock=None):
        cmd = [args.bin, *a]
        if clock:
            cmd += ["--clock", clock]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
        return time.perf_counter() - t0, p

    print(f"workload {args.workload} (Parquet, snappy), seed 42, window {window} partitions of 5 min, in {work}")
    t, _ = freshet("gen", "--workload", args.workload, "--out", str(work / "data"), "--seed", "42",
                   "--start", START, "--partitions", str(partitions))
    print(f"gen                 {t:8.2f} s")
    cfgp = str(work / "pipeline.toml")
    t, p = freshet("build-full", "--config", cfgp, clock=f"fixed:{START}")
    status = json.loads(freshet("status", "--config", cfgp, "--json", clock=f"fixed:{START}")[1].stdout)
    base = status["batches"][0]
    print(f"base build          {t:8.2f} s wall  ({base['docs']} docs, {base['docs'] / t:,.0f} docs/s, "
          f"{base['bytes_written'] / max(base['docs'], 1):.0f} bytes/doc)  phases ms {base['phases_ms']}")

    # Cold: the first batch over the whole window.
    clock = f"fixed:{ts(start_s + window * period + 60)}"
    t, _ = freshet("run", "--config", cfgp, "--once", clock=clock)
    b = json.loads(freshet("status", "--config", cfgp, "--json", clock=clock)[1].stdout)["batches"][0]
    print(f"cold window rebuild {t:8.2f} s wall  ({b['records']} records, {b['docs']} docs, "
          f"{b['groups']} groups)  phases ms {b['phases_ms']}")

    # Steady state: one process, a new partition per batch (sim clock: one period per batch).
    clock = f"sim:{ts(start_s + window * period + 60)}:{args.speed:g}"
    rusage0 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t, p = freshet("run", "--config", cfgp, "--max-batches", str(args.steady), clock=clock)
    st = json.loads(freshet("status", "--config", cfgp, "--json", clock=clock)[1].stdout)
    steady = [x for x in st["batches"] if x["kind"] == "delta"][: args.steady]
    for x in reversed(steady):
        total = sum(x["phases_ms"].values())
        print(f"steady batch        {total / 1000:8.2f} s        (target {x['target_partition']}, "
              f"files read {x['files_read']}, cached {x['files_cached']}, {x['docs']} docs)  "
              f"phases ms {x['phases_ms']}")
    print(f"peak RSS (children) {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:8.0f} MiB")
    if not args.keep and not args.dir:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
